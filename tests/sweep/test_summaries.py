"""StreamingSummary / MultiSummary: exact moments, merge equivalence, percentile
accuracy within the reported resolution, tail mean, exceedance, point masses."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.sweep.summaries import MultiSummary, StreamingSummary

PCTS = (1, 5, 25, 50, 75, 95, 99)


def _one_pass(x, **kw):
    return StreamingSummary(**kw).update(x)


def _chunked(x, sizes, **kw):
    parts, start = [], 0
    for s in sizes:
        parts.append(StreamingSummary(**kw).update(x[start : start + s]))
        start += s
    parts.append(StreamingSummary(**kw).update(x[start:]))
    return parts


def test_tail_mean_of_1_to_100():
    s = _one_pass(np.arange(1.0, 101.0))
    assert s.result()["expected_shortfall"] == 98.0
    assert s.expected_shortfall(0.1) == pytest.approx(95.5)
    s2 = _one_pass(np.arange(1.0, 101.0), bounds=(0, 200), n_bins=16)  # coarse bins: within resolution
    r = s2.result()
    assert abs(r["expected_shortfall"] - 98.0) <= r["quantile_resolution"]


def test_moments_and_merge_equal_one_pass():
    rng = np.random.default_rng(3)
    x = rng.lognormal(13, 1.0, 200_000)
    kw = dict(bounds=(0.0, 5e6), thresholds=(1e6, 2e6))
    one = _one_pass(x, **kw).result(PCTS)
    parts = _chunked(x, [1, 999, 50_000, 70_000], **kw)
    fwd = parts[0].copy()
    for p in parts[1:]:
        fwd.merge(p)
    rev = parts[-1].copy()
    for p in parts[-2::-1]:
        rev.merge(p)
    for res in (fwd.result(PCTS), rev.result(PCTS)):
        for key in ("count", "mean", "std", "min", "max", "prob_exceeds") + tuple(f"p{p}" for p in PCTS):
            assert res[key] == one[key], key  # bit-for-bit
        assert res["expected_shortfall"] == pytest.approx(one["expected_shortfall"], rel=1e-12)
    assert one["count"] == x.size
    assert one["mean"] == pytest.approx(x.mean(), rel=1e-13)
    assert one["std"] == pytest.approx(x.std(), rel=1e-12)
    assert one["prob_exceeds"] == {1e6: np.mean(x > 1e6), 2e6: np.mean(x > 2e6)}


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 3000),
    n_bins=st.sampled_from([1, 7, 64, 1024]),
    bounded=st.booleans(),
)
def test_percentiles_and_tail_within_resolution(seed, n, n_bins, bounded):
    rng = np.random.default_rng(seed)
    x = np.round(rng.standard_t(3, n) * 100, rng.integers(0, 3))  # heavy tails, some ties
    kw = dict(n_bins=n_bins, bounds=(-50.0, 80.0) if bounded else None)  # bounds cut the tails
    s = StreamingSummary(**kw)
    for c in np.array_split(x, 3):
        s.update(c)
    r = s.result(PCTS)
    res = r["quantile_resolution"]
    exact = np.percentile(x, PCTS)
    for p, e in zip(PCTS, exact):
        assert abs(r[f"p{p}"] - e) <= res * (1 + 1e-12) + 1e-9, (p, r[f"p{p}"], e, res)
    k = 0.05 * n
    xs = np.sort(x)[::-1]
    f = int(np.floor(k))
    es = (xs[:f].sum() + (k - f) * (xs[f] if f < n else 0.0)) / k
    assert abs(r["expected_shortfall"] - es) <= res * (1 + 1e-9) + 1e-9
    assert r["min"] == x.min() and r["max"] == x.max()


def test_percentiles_vs_numpy_default_bins():
    x = np.random.default_rng(8).normal(1e6, 2e5, 300_000)
    r = _one_pass(x, bounds=(0, 2e6)).result(PCTS)
    assert r["bin_width"] == 2e6 / 2**16
    assert r["quantile_resolution"] <= r["bin_width"]
    np.testing.assert_allclose([r[f"p{p}"] for p in PCTS], np.percentile(x, PCTS), rtol=0, atol=r["bin_width"])
    assert r["n_out_of_range"] == np.sum((x < 0) | (x > 2e6))


def test_prob_exceeds_exact_and_estimated():
    x = np.arange(1.0, 101.0)
    s = _one_pass(x, thresholds=(50.0, 99.5, 100.0))
    assert s.result()["prob_exceeds"] == {50.0: 0.5, 99.5: 0.01, 100.0: 0.0}
    assert s.prob_exceeds(50.0) == 0.5
    assert s.prob_exceeds(90.0) == pytest.approx(0.10)  # histogram estimate, one value per bin here
    assert s.prob_exceeds(0.0) == 1.0 and s.prob_exceeds(1000.0) == 0.0


def test_point_mass_exact():
    for kw in ({}, {"bounds": (-1e6, 1e6)}, {"n_bins": 1, "bounds": (0.0, 1.0)}):
        s = StreamingSummary(thresholds=(0.0,), **kw)
        for _ in range(3):
            s.update(np.zeros(1000))
        r = s.result((0, 5, 50, 95, 100))
        assert (r["mean"], r["std"], r["min"], r["max"]) == (0.0, 0.0, 0.0, 0.0)
        assert [r[k] for k in ("p0", "p5", "p50", "p95", "p100")] == [0.0] * 5
        assert r["expected_shortfall"] == 0.0 and r["quantile_resolution"] == 0.0
        assert r["prob_exceeds"] == {0.0: 0.0}
    s = StreamingSummary().update(np.full(10, 0.1))
    r = s.result()
    assert (r["mean"], r["p50"], r["expected_shortfall"], r["std"]) == (0.1, 0.1, 0.1, 0.0)


def test_mostly_zero_shortfall_auto_bounds():
    rng = np.random.default_rng(1)
    x = np.where(rng.random(100_000) < 0.9, 0.0, rng.exponential(5e5, 100_000))
    s = StreamingSummary(thresholds=(1e6,))
    s.update(np.zeros(5000))  # bounds not yet known: kept as a point mass
    assert s.bounds is None
    s.update(x)
    y = np.concatenate([np.zeros(5000), x])
    r = s.result((50, 90, 95, 99))
    assert r["p50"] == 0.0
    for p in (90, 95, 99):
        assert abs(r[f"p{p}"] - np.percentile(y, p)) <= r["quantile_resolution"]
    assert r["prob_exceeds"][1e6] == np.mean(y > 1e6)
    assert r["mean"] == pytest.approx(y.mean(), rel=1e-13)


def test_merge_pending_point_masses_and_bounds_mismatch():
    a = StreamingSummary().update(np.zeros(10))
    b = StreamingSummary().update(np.full(5, 3.0))
    a.merge(b)
    r = a.result((50, 100))
    assert r["count"] == 15 and r["p50"] == 0.0 and r["p100"] == 3.0 and r["mean"] == 1.0
    c = StreamingSummary(bounds=(0, 10)).update(np.arange(10.0))
    d = StreamingSummary().update(np.full(4, 2.0))  # pending point mass merges into bounded
    d.merge(c)
    assert d.bounds == (0.0, 10.0) and d.count == 14
    with pytest.raises(ValueError, match="different bounds"):
        StreamingSummary(bounds=(0, 1)).update([0.5]).merge(StreamingSummary(bounds=(0, 2)).update([0.5]))
    with pytest.raises(ValueError, match="different thresholds"):
        StreamingSummary(thresholds=(1,)).merge(StreamingSummary())


def test_empty_and_bad_input():
    r = StreamingSummary().result()
    assert r["count"] == 0 and np.isnan(r["mean"]) and np.isnan(r["p50"])
    with pytest.raises(ValueError, match="finite"):
        StreamingSummary().update([1.0, np.nan])
    with pytest.raises(ValueError, match="1-D"):
        StreamingSummary().update(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="bounds"):
        StreamingSummary(bounds=(1, 1))
    with pytest.raises(ValueError, match="tail_frac"):
        StreamingSummary(tail_frac=0)


def test_multi_summary():
    rng = np.random.default_rng(0)
    data = {"shortfall": rng.random(1000), "gap": rng.random(1000) * 10}
    m1 = MultiSummary.from_names(["shortfall", "gap"], bounds={"shortfall": (0, 1), "gap": (0, 10)},
                                 thresholds={"shortfall": (0.5,)})
    m1.update(data)
    m2 = MultiSummary.from_names(["shortfall", "gap"], bounds={"shortfall": (0, 1), "gap": (0, 10)},
                                 thresholds={"shortfall": (0.5,)})
    m3 = MultiSummary.from_names(["shortfall", "gap"], bounds={"shortfall": (0, 1), "gap": (0, 10)},
                                 thresholds={"shortfall": (0.5,)})
    m2.update({k: v[:400] for k, v in data.items()})
    m3.update({k: v[400:] for k, v in data.items()})
    r1, r2 = m1.result(), m2.merge(m3).result()
    assert r1["shortfall"]["p50"] == r2["shortfall"]["p50"]
    assert r1["gap"]["mean"] == r2["gap"]["mean"]
    assert r1["shortfall"]["prob_exceeds"][0.5] == np.mean(data["shortfall"] > 0.5)
    with pytest.raises(ValueError, match="missing"):
        m1.update({"shortfall": np.zeros(3)})
    with pytest.raises(ValueError, match="different lengths"):
        m1.update({"shortfall": np.zeros(3), "gap": np.zeros(4)})


def test_bounds_whose_span_overflows():
    """When ``hi - lo`` (or ``n_bins / (hi - lo)``) overflows, the cell index is NaN: such values go to
    cell 0 instead of an undefined integer (numpy's passes raised there; an out-of-range index would
    write outside the cells).  Counts, exact sums, min and max are unaffected."""
    for x, kw in (([-1e308, 1e308, 0.0, 5.0], {}), ([1e308, -1.7e308, 3.0], {"bounds": (-1.7e308, 1.7e308)}),
                  ([0.0, 5e-324, 0.0], {"bounds": (0.0, 5e-324)})):
        s = StreamingSummary(n_bins=16, **kw).update(np.array(x))
        assert int(s._cnt.sum()) == s.count == len(x)
        assert (s._min, s._max) == (min(x), max(x))
        assert s._sum == sum(int(Fraction(v) * 2**1127) for v in x)
