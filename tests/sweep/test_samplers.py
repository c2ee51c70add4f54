"""Samplers: accuracy of LHS/MC marginals, seeded reproducibility, chunk-size
independence, block-by-index computation, grid and tornado designs."""

import warnings

import numpy as np
import pytest
from scipy import stats

from finmodel.sweep.distributions import Discrete, Pert, Triangular, Uniform
from finmodel.sweep.samplers import (
    chunked_input_samples,
    chunked_unit_samples,
    input_samples_block,
    n_blocks,
    sample_inputs,
    tornado_labels,
    tornado_samples,
    unit_samples,
    unit_samples_block,
)
from finmodel.sweep.summaries import StreamingSummary

DISTS = {"a": Uniform(0, 1), "b": Triangular(0, 1, 3), "c": Discrete([1, 2], [0.5, 0.5])}


def _pcts(values):
    s = StreamingSummary(bounds=(0.0, 1.0))
    s.update(values)
    r = s.result((5, 50, 95))
    return np.array([r["p5"], r["p50"], r["p95"]])


def test_lhs_and_mc_percentiles_of_uniform():
    d = {"x": Uniform(0, 1)}
    lhs = sample_inputs(d, "lhs", 10_000, seed=123)["x"]
    np.testing.assert_allclose(_pcts(lhs), [0.05, 0.5, 0.95], atol=0.001)
    mc = sample_inputs(d, "mc", 10_000, seed=123)["x"]
    np.testing.assert_allclose(_pcts(mc), [0.05, 0.5, 0.95], atol=0.01)
    # LHS: exactly one point per stratum of width 1/n
    np.testing.assert_array_equal(np.sort(np.floor(lhs * 10_000)), np.arange(10_000))


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol", "grid"])
def test_unit_samples_in_open_interval_and_seeded(method):
    kw = {"levels": 4} if method == "grid" else {}
    n = 256 if method != "grid" else None
    u1 = unit_samples(method, n, 4, 99, **kw)
    u2 = unit_samples(method, n, 4, 99, **kw)
    assert u1.shape == (256, 4)
    assert np.all((u1 > 0) & (u1 < 1))
    np.testing.assert_array_equal(u1, u2)
    if method != "grid":
        assert not np.array_equal(u1, unit_samples(method, n, 4, 100))


@pytest.mark.parametrize(
    "method, n_total, correlated",
    [(m, n, c) for m, n in (("mc", 5000), ("lhs", 5000), ("sobol", 4096)) for c in (False, True)]
    + [("grid", None, False)],
)
def test_chunk_size_independence(method, n_total, correlated):
    corr = np.array([[1, 0.6, 0], [0.6, 1, 0], [0, 0, 1.0]]) if correlated else None
    kw = dict(block_size=1024, correlation=corr)
    if method == "grid":
        kw["levels"] = (17, 16, 15)
    full = unit_samples(method, n_total, 3, 2024, **kw)
    n = full.shape[0]
    for chunk in (1, 333, 1024, 1500, 10**6):
        if chunk == 1 and n > 5000:
            continue
        parts = list(chunked_unit_samples(method, n, 3, chunk, 2024, **kw))
        assert [s for s, _ in parts] == list(range(0, n, chunk))
        np.testing.assert_array_equal(np.concatenate([u for _, u in parts]), full)
    kb = {k: v for k, v in kw.items() if k != "block_size"}
    blocks = [unit_samples_block(method, b, 1024, 3, 2024, n_total, **kb) for b in range(n_blocks(n, 1024))]
    np.testing.assert_array_equal(np.concatenate(blocks), full)


@pytest.mark.filterwarnings("ignore:Sobol")
def test_mc_and_sobol_are_prefix_stable():
    for m in ("mc", "sobol"):
        small = unit_samples(m, 1000, 2, 7, block_size=256)
        np.testing.assert_array_equal(small, unit_samples(m, 4096, 2, 7, block_size=256)[:1000])


def test_lhs_blocks_are_latin_hypercubes():
    u = unit_samples("lhs", 2500, 2, 3, block_size=1000)
    for start, m in ((0, 1000), (1000, 1000), (2000, 500)):
        blk = u[start : start + m]
        for j in range(2):
            np.testing.assert_array_equal(np.sort(np.floor(blk[:, j] * m)), np.arange(m))


def test_sobol_power_of_two_warning():
    with pytest.warns(UserWarning, match="power of 2"):
        unit_samples("sobol", 1000, 2, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        unit_samples("sobol", 1024, 2, 0)
        unit_samples_block("sobol", 0, 1000, 2, 0, 3000)


def test_grid_three_levels_two_inputs():
    u = unit_samples("grid", None, 2, 0, levels=3)
    m = [1 / 6, 1 / 2, 5 / 6]
    expected = np.array([[a, b] for a in m for b in m])
    np.testing.assert_allclose(u, expected, rtol=0, atol=1e-15)
    v = sample_inputs({"x": Uniform(0, 6), "y": Uniform(0, 60)}, "grid", None, 0, levels=3)
    np.testing.assert_allclose(v["x"], [1, 1, 1, 3, 3, 3, 5, 5, 5])
    np.testing.assert_allclose(v["y"], [10, 30, 50] * 3)
    with pytest.raises(ValueError, match="9 rows"):
        unit_samples("grid", 10, 2, 0, levels=3)


def test_tornado_rows_and_labels():
    dists = {"x": Uniform(0, 10), "y": Pert(0, 1, 2)}
    vals, labels = tornado_samples(dists)
    assert labels == [(None, "base"), ("x", "low"), ("x", "high"), ("y", "low"), ("y", "high")]
    assert labels == tornado_labels(["x", "y"])
    np.testing.assert_allclose(vals["x"], [5, 0.5, 9.5, 5, 5])
    ylo, yhi = dists["y"].low_high()
    np.testing.assert_allclose(vals["y"], [1, 1, 1, ylo, yhi])
    vals2, _ = tornado_samples(dists, base={"x": 4.0}, tornado_quantiles=None)
    np.testing.assert_allclose(vals2["x"], [4, 0, 10, 4, 4])
    np.testing.assert_allclose(vals2["y"], [1, 1, 1, 0, 2])
    via = sample_inputs(dists, "tornado", None, None)
    np.testing.assert_array_equal(via["x"], vals["x"])
    with pytest.raises(ValueError, match="unknown inputs"):
        tornado_samples(dists, base={"z": 1.0})


def test_sample_inputs_values_correlation_and_chunks():
    corr = {("a", "b"): 0.7}
    full = sample_inputs(DISTS, "lhs", 20_000, 1, corr, block_size=8192)
    assert set(full) == {"a", "b", "c"}
    assert abs(stats.spearmanr(full["a"], full["b"]).statistic - 0.7) < 0.02
    assert set(np.unique(full["c"])) == {1.0, 2.0}
    assert 0 <= full["b"].min() and full["b"].max() <= 3
    parts = list(chunked_input_samples(DISTS, "lhs", 20_000, 7000, 1, corr, block_size=8192))
    for k in DISTS:
        np.testing.assert_array_equal(np.concatenate([p[k] for _, p in parts]), full[k])
    blk = input_samples_block(DISTS, "lhs", 1, 8192, 1, 20_000, corr)
    np.testing.assert_array_equal(blk["a"], full["a"][8192:16384])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: unit_samples("halton", 10, 2, 0), "unknown sampling method"),
        (lambda: unit_samples("mc", 0, 2, 0), "n_total must be >= 1"),
        (lambda: chunked_unit_samples("mc", 10, 2, 0, 0), "chunk_size"),
        (lambda: unit_samples_block("mc", 0, 10, 2, None, 10), "seed must be an int"),
        (lambda: unit_samples_block("mc", 5, 10, 2, 0, 10), "out of range"),
        (lambda: unit_samples("mc", 10, 2, 0, levels=3), "only applies to method 'grid'"),
        (lambda: unit_samples("grid", None, 2, 0, levels=3, correlation=np.eye(2)), "grid"),
        (lambda: sample_inputs(DISTS, "mc", 10, 0, np.eye(2)), "3 inputs"),
    ],
)
def test_argument_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
