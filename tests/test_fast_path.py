"""The fast route of ``evaluate`` (n > 1) gives the general route's numbers to the penny.

The general route (``evaluate(..., route="general")``, also used for n == 1) is the
reference.  Random plans' partners, shares and caps, random ceilings, delays,
delivery fractions and admissions changes, plus inputs that take the fallbacks
(swept ramp shape, swept caps / shares, swept marginal rate, scheme benefits,
the original P4P design, a stated contingency, underspend kept in the pool).
"""

import dataclasses

import numpy as np
import pytest

from finmodel.arrays import model_inputs
from finmodel.route_tables import RouteTables, ceiling_mode, ranges, swept_fields
from finmodel.model import evaluate
from finmodel.plan import plan_from_dict, read_toml
from tests.support.plans import LUTON, PENNY

PLAN = plan_from_dict(read_toml(LUTON), LUTON)
BASE = model_inputs(PLAN)
Y = len(PLAN.years)


def assert_same(fast, general):
    for f in dataclasses.fields(general):
        a, b = getattr(fast, f.name), getattr(general, f.name)
        assert a.shape == b.shape, f.name
        if b.dtype == bool:
            np.testing.assert_array_equal(a, b, err_msg=f.name)
        else:
            np.testing.assert_allclose(a, b, rtol=0, atol=PENNY, err_msg=f.name)
            # a figure that is exactly zero in the reference is exactly zero in the fast route
            # (the sweep counts P(gap > 0), so a 1e-10 "gap" would change its answer)
            assert np.all((b == 0) <= (a == 0)), f.name


def random_partners(rng, n_partners):
    shares = rng.choice([0.0, 0.1, 0.2, 0.25, 0.3, 0.5, 1.0], size=n_partners)
    if rng.random() < 0.8 and shares.sum() > 0:
        shares = shares / shares.sum()
    caps = rng.choice([0.0, np.inf, 1e5, 5e5, 1e6, 3e6], size=n_partners)
    return shares, caps


def random_inputs(rng, n, *, fallback=None):
    P = BASE.shares_frac.shape[-1]
    C = BASE.go_live_month.shape[1]
    shares, caps = random_partners(rng, P)
    if rng.random() < 0.3:  # a profile by year
        shares = np.stack([random_partners(rng, P)[0] for _ in range(Y)])
    values = dict(
        shares_frac=np.broadcast_to(shares, (1, Y, P)).copy(),
        caps_gbp=np.broadcast_to(caps, (1, Y, P)).copy(),
        share_underspend=bool(rng.random() < 0.7),
        delay_months=rng.choice(np.arange(-6.0, 13.0), size=(n, 1)),
        savings_delivery_frac=rng.uniform(0.0, 1.2, size=(n, 1)),
        nel_change_frac=rng.uniform(-0.08, 0.08, size=(n, 1)),
        beds_not_closed=rng.choice([0.0, 30.0, 60.0], size=(n, 1)),
        cost_per_admission_gbp=rng.uniform(1100, 1900, size=(n, 1)),
        bed_day_cost_gbp=rng.uniform(200, 350, size=(n, 1)),
    )
    if rng.random() < 0.5:
        values["ea_delivery_frac"] = rng.uniform(0.5, 1.1, size=(n, 1))
    ceiling_mode = rng.integers(3)
    if ceiling_mode == 0:  # every cohort the same ceiling ([*] sweep), sometimes exactly on a breakpoint
        x = rng.choice([rng.uniform(0.1, 0.5), 0.32, 0.26, 0.2], size=n)
        values["ceiling_frac"] = np.repeat(x[:, None], C, axis=1)
    elif ceiling_mode == 1:  # one cohort's ceiling swept, the others the plan's
        ceiling = np.repeat(BASE.ceiling_frac, n, axis=0)
        ceiling[:, rng.integers(C)] = rng.uniform(0.15, 0.45, size=n)
        values["ceiling_frac"] = ceiling
    if fallback == "ramp":
        values["step_frac_pm"] = np.repeat(rng.uniform(0.0, 0.04, size=(n, 1)), C, axis=1)
        values["initial_months"] = np.repeat(rng.integers(0, 18, size=(n, 1)).astype(float), C, axis=1)
    elif fallback == "caps":
        values["caps_gbp"] = np.broadcast_to(rng.choice([0.0, np.inf, 2e5, 1e6], size=(n, 1, P)), (n, Y, P)).copy()
    elif fallback == "shares":
        values["shares_frac"] = np.broadcast_to(rng.dirichlet(np.ones(P), size=(n, 1)), (n, Y, P)).copy()
    elif fallback == "marginal":
        values["marginal_rate_frac"] = rng.uniform(0.2, 0.5, size=(n, 1))
    elif fallback == "benefits":
        J = BASE.scheme_benefits_gbp.shape[-1]
        values["scheme_benefits_gbp"] = rng.uniform(0, 4e5, size=(1, Y, J))
        values["scheme_activity"] = rng.integers(0, 4, size=J)
    elif fallback == "original":
        values["p4p_design"] = "original"
        values["metrics_actual"] = BASE.metrics_actual * rng.uniform(0.8, 1.2, size=(n, BASE.metrics_actual.shape[1]))
    elif fallback == "stated":
        values["contingency_basis"] = "stated"
        values["contingency_stated_gbp"] = rng.uniform(0, 2e6, size=(n, Y))
    return BASE.with_values(**values)


@pytest.mark.parametrize("seed", range(12))
def test_fast_route_equals_general_route(seed):
    rng = np.random.default_rng(seed)
    inputs = random_inputs(rng, 700)
    assert_same(evaluate(inputs, Y, block_rows=256, threads=2), evaluate(inputs, Y, route="general"))


@pytest.mark.parametrize("fallback", ["ramp", "caps", "shares", "marginal", "benefits", "original", "stated"])
@pytest.mark.parametrize("seed", range(3))
def test_fallbacks_equal_general_route(seed, fallback):
    rng = np.random.default_rng(100 + seed)
    inputs = random_inputs(rng, 400, fallback=fallback)
    assert_same(evaluate(inputs, Y, block_rows=128), evaluate(inputs, Y, route="general"))


@pytest.mark.parametrize("basis", ["p4p_sum", "p4p_unreleased", "none"])
@pytest.mark.parametrize("seed", range(2))
def test_every_contingency_basis_equals_general_route(seed, basis):
    rng = np.random.default_rng(300 + seed)
    inputs = random_inputs(rng, 400).with_values(contingency_basis=basis)
    assert_same(evaluate(inputs, Y, block_rows=128), evaluate(inputs, Y, route="general"))


def _tables(inputs):
    """Fresh plan-only tables of the fast route for ``inputs`` (not the cache)."""
    swept = swept_fields(inputs)
    mode = ceiling_mode(inputs, swept)
    return RouteTables(inputs, Y, swept, mode, *ranges(inputs, mode))


def test_routes_taken():
    rng = np.random.default_rng(7)
    inputs = random_inputs(rng, 50)
    shared = inputs.with_values(ceiling_frac=np.repeat(rng.uniform(0.2, 0.4, size=(50, 1)), 4, axis=1),
                                caps_gbp=np.broadcast_to(np.array([np.inf, np.inf, 1e6]), (1, Y, 3)).copy())
    t = _tables(shared)
    assert t.fallback is None and t.mode == "shared"
    assert len(t.groups) == 1 and t.groups[0]["kind"] == 1  # one table for every cohort, linear in the ceiling
    assert np.all(np.isinf(t.open_caps))  # an uncapped partner: every pound is placed
    per_cohort = inputs.with_values(ceiling_frac=rng.uniform(0.1, 0.5, size=(50, 4)))
    t = _tables(per_cohort)
    assert t.mode == "cohort" and [g["kind"] for g in t.groups] == [2, 2, 2, 2]  # a table per cohort
    assert _tables(random_inputs(rng, 50, fallback="ramp")).fallback == "QIPP inputs outside the ramp tables swept"
    assert _tables(random_inputs(rng, 50, fallback="caps")).fallback == "shares or caps swept"
    assert _tables(random_inputs(rng, 50, fallback="benefits")).fallback is None  # benefits fixed: tables + overlap
    fast = evaluate(random_inputs(rng, 50, fallback="caps"), Y)  # the reference route block by block
    assert fast.shortfall_gbp.shape == (50, Y)


def test_only_p4p_inputs_swept_keeps_plan_figures_broadcast():
    n = 300
    rng = np.random.default_rng(3)
    inputs = BASE.with_values(cost_per_admission_gbp=rng.uniform(1100, 1900, size=(n, 1)),
                              nel_change_frac=rng.uniform(-0.05, 0.05, size=(n, 1)))
    fast = evaluate(inputs, Y)
    assert fast.qipp_by_activity_gbp.strides[0] == 0  # the plan's QIPP, not recomputed per scenario
    assert_same(fast, evaluate(inputs, Y, route="general"))


def test_threads_do_not_change_numbers():
    rng = np.random.default_rng(11)
    inputs = random_inputs(rng, 3000)
    one = evaluate(inputs, Y, threads=1, block_rows=500)
    two = evaluate(inputs, Y, threads=2, block_rows=300)
    for f in dataclasses.fields(one):
        np.testing.assert_array_equal(getattr(one, f.name), getattr(two, f.name), err_msg=f.name)


def test_n1_is_the_general_route():
    a, b = evaluate(BASE, Y), evaluate(BASE, Y, route="general")
    for f in dataclasses.fields(a):
        np.testing.assert_array_equal(getattr(a, f.name), getattr(b, f.name))
