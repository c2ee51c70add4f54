"""One source of truth: the headline kernel gives the general route's numbers to the penny.

``evaluate_headline`` (finmodel/kernel.py) computes only what a sweep reads, year-major;
``_evaluate_general`` (finmodel/model.py) is the reference.  Random inputs from the
generators of tests/test_fast_path.py (partners with caps 0 / inf and shares 0, ceilings
on breakpoints, delays, delivery fractions, admissions changes) plus every fallback
(swept ramp shape, caps, shares, marginal rate, scheme benefits, the original P4P
design, a stated contingency) and a few more (P4P off, no contingency, swept planned
reduction, only P4P inputs swept, per-cohort ceilings, the plan alone).
"""

import numpy as np
import pytest

from finmodel import kernel, route_tables
from finmodel.kernel import evaluate_headline
from finmodel.model import _evaluate_general
from tests.support.plans import LUTON, PENNY
from tests.test_fast_path import BASE, Y, random_inputs


def _row_total(a):
    total = np.array(a[:, 0], dtype=np.float64)
    for y in range(1, a.shape[1]):
        total += a[:, y]
    return total


def reference_fields(g, n):
    def rows(a):
        return np.broadcast_to(a, (n,) + a.shape[1:])

    sf, used, cont, gap = rows(g.shortfall_gbp), rows(g.contingency_used_gbp), rows(g.contingency_gbp), rows(g.unfunded_gap_gbp)
    pay = rows(g.partner_payments_gbp)
    return {
        "shortfall_gbp": sf.T,
        "contingency_used_gbp": used.T,
        "partner_payments_gbp": np.moveaxis(pay, 0, -1),
        "unfunded_gap_gbp": gap.T,
        "underspend_retained_gbp": rows(g.underspend_retained_gbp).T,
        "p4p_released_gbp": rows(g.p4p_released_gbp),
        "shortfall_total_gbp": _row_total(sf),
        "contingency_total_gbp": _row_total(cont),
        "contingency_used_total_gbp": _row_total(used),
        "unfunded_gap_total_gbp": _row_total(gap),
        "partner_payment_total_gbp": np.array([_row_total(pay[:, :, p]) for p in range(pay.shape[2])]).reshape(-1, n),  # (P, n), P may be 0
        "excess_over_contingency_gbp": _row_total(sf) - _row_total(cont),
    }


def assert_headline_equals_general(inputs, **kw):
    n = max(inputs.n, 1)
    h = evaluate_headline(inputs, Y, **kw)
    ref = reference_fields(_evaluate_general(inputs, Y), n)
    for name, b in ref.items():
        a = getattr(h, name)
        if a is None:
            assert not kw.get("per_year", True) and name in kernel._PER_YEAR, name
            continue
        assert a.shape == b.shape, name
        np.testing.assert_allclose(a, b, rtol=0, atol=PENNY, err_msg=name)
        # exactly zero in the reference -> exactly zero here (the sweep counts P(x > 0))
        assert np.all((b == 0) <= (a == 0)), name
    return h


@pytest.mark.parametrize("seed", range(16))
def test_headline_equals_general_route(seed):
    rng = np.random.default_rng(seed)
    assert_headline_equals_general(random_inputs(rng, 700), block_rows=256, threads=2)


@pytest.mark.parametrize("fallback", ["ramp", "caps", "shares", "marginal", "benefits", "original", "stated"])
@pytest.mark.parametrize("seed", range(3))
def test_fallbacks_equal_general_route(seed, fallback):
    rng = np.random.default_rng(100 + seed)
    assert_headline_equals_general(random_inputs(rng, 400, fallback=fallback), block_rows=128)


@pytest.mark.parametrize("case", ["p4p_off", "no_contingency", "planned_reduction", "p4p_only", "per_cohort", "stated_fixed",
                                  "benefits_fixed_qipp", "no_underspend_sharing", "whole_p4p_sum"])
@pytest.mark.parametrize("seed", range(2))
def test_more_cases_equal_general_route(seed, case):
    rng = np.random.default_rng(200 + seed)
    n = 500
    inputs = random_inputs(rng, n)
    C = BASE.go_live_month.shape[1]
    if case == "p4p_off":
        inputs = inputs.with_values(p4p_enabled=False)
    elif case == "no_contingency":
        inputs = inputs.with_values(contingency_basis="none")
    elif case == "planned_reduction":
        inputs = inputs.with_values(planned_reduction_frac=rng.uniform(0.0, 0.06, size=(n, 1)))
    elif case == "p4p_only":  # QIPP, beds and everything else the plan's
        inputs = BASE.with_values(cost_per_admission_gbp=rng.uniform(1100, 1900, size=(n, 1)),
                                  nel_change_frac=rng.uniform(-0.05, 0.05, size=(n, 1)))
    elif case == "per_cohort":
        inputs = inputs.with_values(ceiling_frac=rng.uniform(0.1, 0.5, size=(n, C)))
    elif case == "stated_fixed":
        inputs = inputs.with_values(contingency_basis="stated", contingency_stated_gbp=rng.uniform(0, 2e6, size=(1, Y)))
    elif case == "benefits_fixed_qipp":
        J = BASE.scheme_benefits_gbp.shape[-1]
        inputs = BASE.with_values(scheme_benefits_gbp=rng.uniform(0, 4e5, size=(1, Y, J)), scheme_activity=rng.integers(0, 4, size=J),
                                  beds_not_closed=rng.choice([0.0, 30.0], size=(n, 1)))
    elif case == "no_underspend_sharing":
        inputs = inputs.with_values(share_underspend=False)
    elif case == "whole_p4p_sum":  # a separate contingency equal to the whole P4P sum
        inputs = inputs.with_values(contingency_basis="p4p_sum")
    assert_headline_equals_general(inputs, block_rows=200)


def test_plan_alone_and_per_year_off():
    assert_headline_equals_general(BASE)
    rng = np.random.default_rng(5)
    h = assert_headline_equals_general(random_inputs(rng, 300), per_year=False)
    assert h.contingency_used_gbp is None and h.partner_payments_gbp is None


def test_threads_and_blocks_do_not_change_numbers():
    inputs = random_inputs(np.random.default_rng(11), 3000)
    one = evaluate_headline(inputs, Y, threads=1, block_rows=500)
    two = evaluate_headline(inputs, Y, threads=2, block_rows=300)
    for name in one.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name), err_msg=name)


def test_tables_are_reused_across_chunks_and_widened_when_needed():
    """A sweep's chunks share the plan arrays: the setup is cached, rebuilt only for a wider range."""
    rng = np.random.default_rng(21)
    C = BASE.go_live_month.shape[1]

    def chunk(n, delays, x_lo, x_hi):
        x = rng.uniform(x_lo, x_hi, size=n)
        return BASE.with_values(delay_months=rng.choice(delays, size=(n, 1)), ceiling_frac=np.repeat(x[:, None], C, axis=1),
                                savings_delivery_frac=rng.uniform(0.3, 1.1, size=(n, 1)))

    route_tables._CACHE.clear()
    first = chunk(400, [0.0, 3.0, 6.0], 0.25, 0.35)
    assert_headline_equals_general(first)
    k1 = route_tables._CACHE[0]
    inside = chunk(400, [0.0, 3.0], 0.27, 0.33)
    assert_headline_equals_general(inside)
    assert route_tables._CACHE[0] is k1  # reused
    wider = chunk(400, [-3.0, 9.0], 0.2, 0.4)
    assert_headline_equals_general(wider)
    k2 = route_tables._CACHE[0]
    assert k2 is not k1 and k2.d_rng[0] <= -3 and k2.d_rng[1] >= 9 and k2.x_rng[0] <= wider.ceiling_frac.min() and k2.x_rng[1] >= wider.ceiling_frac.max()
    assert_headline_equals_general(first)
    assert route_tables._CACHE[0] is k2  # the widened tables serve the first chunk too


def test_fallback_reasons():
    rng = np.random.default_rng(3)
    assert route_tables.tables_for(random_inputs(rng, 50), Y).fallback is None
    assert route_tables.tables_for(random_inputs(rng, 50, fallback="caps"), Y).fallback == "shares or caps swept"
    assert route_tables.tables_for(random_inputs(rng, 50, fallback="ramp"), Y).fallback is not None


# --------------------------------------------------------------------------- the compiled loop: cache and environment

_CACHE_PROBE = """
import sys, time
t0 = time.perf_counter()
import numpy as np
from finmodel import route_loops
from finmodel.arrays import model_inputs
from finmodel.kernel import evaluate_headline
from finmodel.plan import plan_from_dict, read_toml
plan = plan_from_dict(read_toml(sys.argv[1]), sys.argv[1])
rng = np.random.default_rng(1)
inputs = model_inputs(plan).with_values(delay_months=rng.choice([0.0, 3.0], size=(300, 1)),
                                        savings_delivery_frac=rng.uniform(0.5, 1.0, size=(300, 1)))
evaluate_headline(inputs, len(plan.years))
sig = route_loops.chain_rows.signatures[0]
print(route_loops.chain_rows.stats.cache_hits.get(sig, 0), route_loops.chain_rows.stats.cache_misses.get(sig, 0),
      round(time.perf_counter() - t0, 3))
"""


def test_compiled_loop_is_cached_when_the_package_folder_is_read_only(tmp_path):
    """A wheel install: site-packages read-only, so numba caches in NUMBA_CACHE_DIR; the second process loads it."""
    import os
    import shutil
    import stat
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    site = tmp_path / "site"
    shutil.copytree(repo / "finmodel", site / "finmodel", ignore=shutil.ignore_patterns("__pycache__"))
    for path in (site / "finmodel").rglob("*"):
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    (site / "finmodel").chmod(0o555)
    cache = tmp_path / "numba-cache"
    env = {**os.environ, "PYTHONPATH": str(site), "NUMBA_CACHE_DIR": str(cache), "PYTHONDONTWRITEBYTECODE": "1"}
    runs = []
    try:
        for _ in range(2):
            res = subprocess.run([sys.executable, "-c", _CACHE_PROBE, str(LUTON)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
            assert res.returncode == 0, res.stderr[-3000:]
            hits, misses, seconds = res.stdout.split()
            runs.append((int(hits), int(misses), float(seconds)))
    finally:
        (site / "finmodel").chmod(0o755)
    assert runs[0] == (0, 1, runs[0][2])  # the first process compiles ...
    assert any(cache.rglob("*.nbi")), "numba wrote no cache index in NUMBA_CACHE_DIR"
    assert not any((site / "finmodel").rglob("*.nbi"))  # ... nothing beside the read-only package
    assert runs[1][:2] == (1, 0)  # the second process loads the compiled loop: no compilation


def test_missing_numba_is_a_clear_environment_error(monkeypatch):
    from finmodel import route_loops
    from finmodel.errors import EXIT_ENVIRONMENT, EnvironmentFailure

    monkeypatch.setattr(route_loops, "numba", None)
    monkeypatch.setattr(route_loops, "_IMPORT_ERROR", ImportError("No module named 'numba'"))
    with pytest.raises(EnvironmentFailure, match="needs the 'numba' package") as err:
        evaluate_headline(random_inputs(np.random.default_rng(2), 50), Y)
    assert err.value.exit_code == EXIT_ENVIRONMENT
    from finmodel.model import evaluate

    with pytest.raises(EnvironmentFailure, match="pip install"):
        evaluate(random_inputs(np.random.default_rng(2), 50), Y)
    assert evaluate(BASE, Y).shortfall_gbp.shape == (1, Y)  # a named scenario (n = 1) needs no numba


@pytest.mark.parametrize("n", [255, 256, 257, 3 * 256 + 5])
def test_headline_loop_tiles_equal_general_route(n):
    """The headline loop runs a block's years a tile of ``route_loops.TILE`` rows at a time: full, partial and single-row last tiles."""
    from finmodel import route_loops

    assert route_loops.TILE == 256
    rng = np.random.default_rng(300 + n)
    assert_headline_equals_general(random_inputs(rng, n), block_rows=n, threads=1)
    assert_headline_equals_general(random_inputs(rng, n), block_rows=n, threads=1, per_year=False)
