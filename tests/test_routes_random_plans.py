"""The one fast route equals the reference on random PLANS crossed with random swept inputs.

The fast route (:mod:`finmodel.route`: ``evaluate`` for n > 1, every field, and the headline
``kernel.evaluate_headline`` that sweeps use, a selection of the same loop's outputs) is an
exact re-arrangement of ``model._evaluate_general``.  tests/test_fast_path.py and
tests/test_kernel.py check that on the shipped plan's shape; here the plans themselves are
random (tests/support/random_plans.py: no QIPP or 1-3 cohorts, 0-4 partners, caps absent /
tiny / large / at the contribution, fixed / profiled / pro-rata shares, every contingency
basis, both P4P designs or none, no risk share, 2-5 years, £ or £000), each crossed with
random sweeps built as the sweep driver builds them
(:func:`finmodel.sweep.inputs_map.apply_samples` on the plan's n = 1 inputs).
Every field of ``ModelOutputs`` and of ``Headline`` must agree to the penny, and
an exact zero in the reference must stay an exact zero (sweeps count P(x > 0); see
:func:`assert_routes_equal_reference` for the one part where that is a rounding accident).
:func:`test_random_plans_take_every_branch_of_the_route` checks that the sweeps reach the
compiled loop in each of its modes, not only the per-block reference fallback.

Some rows of every plan also go through the per-scenario reference path (the
sample written into the plan dict as overrides -> validation -> engine with n = 1),
as tests/sweep/test_batch_equals_single.py does for the shipped plan: the batch
inputs must be the inputs of the plan the sample describes.

A failure names the plan seed: ``random_plan(np.random.default_rng([SEED, seed]))``
rebuilds the plan, and the sweeps follow from the same generator.
"""

from __future__ import annotations

import csv
import dataclasses

import numpy as np
import pytest

from finmodel.arrays import model_inputs
from finmodel.kernel import evaluate_headline
from finmodel.model import _evaluate_general, evaluate
from finmodel.plan import plan_from_dict, read_toml
from finmodel.scenario import Scenario, apply_overrides
from finmodel.sweep.driver import run_sweep
from finmodel.sweep.inputs_map import (
    SWEEPABLE_PATTERNS,
    apply_samples,
    overrides_for_row,
    reference_outputs,
    reference_run,
    resolve,
)
from tests.support.plans import CENTRAL_BEDS, LUTON, PENNY
from tests.support.random_plans import random_plan, random_sweep
from tests.test_kernel import reference_fields

SEED = 20240611
PLANS = 300  # plans, each crossed with SWEEPS sweeps of ROWS scenarios
SWEEPS = 2
ROWS = 20
SINGLE_ROWS = 1  # rows of each sweep also run one at a time through the per-scenario reference path


def _close(a, b, where, exact_zero=True):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"{where}: shape {a.shape} != {b.shape}"
    if b.dtype == bool:
        np.testing.assert_array_equal(a, b, err_msg=where)
        return
    np.testing.assert_allclose(a, b, rtol=0, atol=PENNY, err_msg=where)
    if exact_zero:
        assert np.all((b == 0) <= (a == 0)), f"{where}: an exact zero of the reference is not exactly zero"


def _as_planned_rows(inputs, n):
    """Rows delivered exactly as planned (no delay, 100% of savings and of EA reductions)."""
    def col(a):
        return np.broadcast_to(a[:, 0], (n,))
    return (col(inputs.delay_months) == 0) & (col(inputs.savings_delivery_frac) == 1) & (col(inputs.ea_delivery_frac) == 1)


def assert_routes_equal_reference(inputs, n_years, where, block_rows):
    """``evaluate`` (every ModelOutputs field) and ``evaluate_headline`` (every field) against the reference.

    To the penny, and an exact zero of the reference stays an exact zero (the sweep counts
    P(x > 0)), with one exception: savings not delivered (``shortfall_parts_gbp[..., 0]``) is
    planned minus delivered savings, two sums the routes add in different orders, so where
    the two are equal only mathematically (a benefit claim that covers the QIPP line in both)
    the reference's 0 is a rounding accident.  It is exactly 0 by construction in a row
    delivered as planned, and there every route must give exactly 0.
    """
    n = max(inputs.n, 1)
    ref = _evaluate_general(inputs, n_years)
    fast = evaluate(inputs, n_years, block_rows=block_rows, threads=1)
    for f in dataclasses.fields(ref):
        a = getattr(fast, f.name)
        b = np.broadcast_to(getattr(ref, f.name), a.shape)
        if f.name == "shortfall_parts_gbp":
            _close(a[..., 1:], b[..., 1:], f"{where}: evaluate().{f.name}")
            _close(a[..., 0], b[..., 0], f"{where}: evaluate().{f.name}", exact_zero=False)
        else:
            _close(a, b, f"{where}: evaluate().{f.name}")
    planned = _as_planned_rows(inputs, n)
    for name, o in (("reference", ref), ("evaluate()", fast)):
        nd = np.broadcast_to(o.shortfall_parts_gbp[..., 0], (n, n_years))[planned]
        assert np.all(nd == 0), f"{where}: {name} savings not delivered {nd[nd != 0]} in a row delivered as planned"
    head = evaluate_headline(inputs, n_years, block_rows=block_rows, threads=1)
    for name, b in reference_fields(ref, n).items():
        _close(getattr(head, name), b, f"{where}: evaluate_headline().{name}")
    return ref


def _case(seed):
    """Plan ``seed`` (data dict and validated plan) and its sweeps: (samples, block rows, rows to run singly)."""
    rng = np.random.default_rng([SEED, seed])
    data = random_plan(rng)
    plan = plan_from_dict(data, f"random-plan-{seed}.toml")
    sweeps = []
    for _ in range(SWEEPS):
        samples = random_sweep(rng, data, plan, ROWS)
        sweeps.append((samples, int(rng.choice([7, ROWS])), rng.choice(ROWS, size=SINGLE_ROWS, replace=False)))
    return data, plan, sweeps


@pytest.mark.parametrize("seed", range(PLANS))
def test_routes_equal_reference_on_random_plans(seed):
    data, plan, sweeps = _case(seed)
    base = model_inputs(plan)
    Y = len(plan.years)
    for k, (samples, block_rows, single_rows) in enumerate(sweeps):
        where = f"plan seed {seed}, sweep {k} {sorted(samples)}"
        inputs = apply_samples(base, plan, samples)
        ref = assert_routes_equal_reference(inputs, Y, where, block_rows)
        # the batch row is the run of the plan the sample describes (overrides -> validation -> n = 1)
        for i in single_rows:
            single = reference_outputs(data, f"random-plan-{seed}.toml", overrides_for_row(samples, int(i)))
            for f in dataclasses.fields(single):
                got = np.broadcast_to(getattr(ref, f.name), (ROWS,) + getattr(ref, f.name).shape[1:])[i]
                _close(got, getattr(single, f.name)[0], f"{where}: row {i} {f.name} vs the per-scenario reference",
                       exact_zero=False)


def test_random_plans_take_every_branch_of_the_route():
    """The random sweeps reach the compiled loop in every QIPP and P4P mode, and the fallback."""
    from finmodel.route import _Call

    seen = set()
    for seed in range(PLANS):
        _, plan, sweeps = _case(seed)
        base = model_inputs(plan)
        for samples, _, _ in sweeps:
            inputs = apply_samples(base, plan, samples)
            for full in (False, True):
                call = _Call(inputs, len(plan.years), inputs.n, full=full, per_year=True, in_loop_p4p=not full)
                seen.add(("fallback", call.t.fallback is not None))
                if call.t.fallback is None:
                    seen.add(("loop", full, call.qmode, call.pmode, call.t.mode, bool(call.t.P), call.t.has_benefits,
                              len(call.t.groups)))
    loop = {k for k in seen if k[0] == "loop"}
    assert ("fallback", True) in seen and ("fallback", False) in seen
    for full, pmodes in ((False, (0, 1, 2)), (True, (0, 2))):
        assert {(q, p) for (_, f, q, p, *_) in loop if f == full} >= {(q, p) for q in (0, 1) for p in pmodes}, full
    assert {k[4] for k in loop if k[2] == 1} >= {"fixed", "shared", "cohort"}  # every table form
    assert {(k[5], k[6]) for k in loop if k[2] == 1} >= {(True, False), (False, False), (True, True)}
    # the headline loop (full=False): one table (fixed / shared ceiling) and one per cohort, with and without benefits
    head = [k for k in loop if not k[1] and k[2] == 1]
    assert {(k[4], k[7] > 1) for k in head} >= {("fixed", False), ("shared", False), ("cohort", True)}
    assert {(k[7] == 1, k[6]) for k in head} >= {(True, False), (True, True), (False, False)}


def rs_basis(plan):
    return plan.risk_share.contingency_basis if plan.risk_share is not None else None


def test_random_plans_cover_the_cases():
    """The generator reaches every case the equivalence test is meant to cover (no silent gaps)."""
    seen = set()
    for seed in range(PLANS):
        data, plan, sweeps = _case(seed)
        seen.add(("qipp", 0 if plan.qipp is None else len(plan.qipp.cohorts)))
        seen.add(("partners", len(plan.partners)))
        seen.add(("years", len(plan.years)))
        seen.add(("p4p", plan.p4p.design if plan.p4p else None))
        if plan.p4p is not None and plan.p4p.design == "original" and rs_basis(plan) in ("p4p_sum", "p4p_unreleased"):
            from finmodel.engine import run_plan

            allowed = bool(run_plan(plan, "r.toml").outputs.contingency_funding_allowed[0])
            seen.add(("70% rule", allowed))  # both sides of the original design's threshold
        rs = plan.risk_share
        seen.add(("risk_share", rs.contingency_basis if rs else None))
        seen.add(("share_basis", rs.share_basis if rs else None))
        for p in plan.partners:
            seen.add(("cap", "none" if p.cap is None else "tiny" if p.cap <= 10 else "large", p.cap_at_contribution))
            seen.add(("profile", isinstance(p.share_pct, dict)))
        seen.add(("benefits", any(s.benefits and s.benefit_activity is None for s in plan.schemes),
                  any(s.benefits and s.benefit_activity is not None for s in plan.schemes)))
        for samples, _, _ in sweeps:
            for path in samples:
                t = resolve(path, plan)
                seen.add(("swept", t.pattern, "[*]" if "[*]" in path else "[k]" if t.index is not None else ""))
    swept = set()
    for pattern, spec in SWEEPABLE_PATTERNS.items():
        listed = spec.per_cohort or spec.per_partner  # swept as [*] and as one item [k]
        swept |= {("swept", pattern, "[*]"), ("swept", pattern, "[k]")} if listed else {("swept", pattern, "")}
    want = ({("qipp", c) for c in range(4)} | {("partners", p) for p in range(5)} | {("years", y) for y in range(2, 6)}
            | {("p4p", d) for d in ("revised", "original", None)}
            | {("risk_share", b) for b in ("p4p_unreleased", "p4p_sum", "stated", "none", None)}
            | {("share_basis", b) for b in ("fixed", "pro_rata")}
            | {("cap", c, a) for c in ("none", "tiny", "large") for a in (True, False)}
            | {("profile", True), ("profile", False), ("benefits", True, True)} | swept
            | {("70% rule", True), ("70% rule", False)})
    assert want <= seen, sorted(want - seen, key=str)


# --------------------------------------------------------------------------- the two reproductions


def _luton_council_capped():
    """Luton, council capped at the lower of £5m and its contribution, admissions +4.9%, savings 40% delivered."""
    raw = read_toml(LUTON)
    overrides = {"partners[1].cap_at_contribution": True, "partners[1].cap": 5000,
                 "outturn.nel_admissions_change_pct": 4.9, "outturn.savings_delivery_pct": 40}
    return apply_overrides(raw, overrides, where="test"), overrides


def test_swept_cap_keeps_cap_at_contribution():
    """A swept cap of a partner also capped at its contribution: the lower of the two applies each year.

    The sweep used to replace the cap outright, so the council paid in years it contributed
    nothing (£60,895.50 in 2014/15) and £1,114,151.01 in all instead of the run's £505,195.95.
    """
    data, overrides = _luton_council_capped()
    plan = plan_from_dict(data, LUTON)
    council = 1
    assert plan.partners[council].name == "Luton Borough Council"
    run = reference_run(data, LUTON, {}).outputs  # what `finmodel run` reports
    paid = run.partner_payments_gbp[0, :, council]
    assert paid[plan.years.index("2015/16")] == pytest.approx(505_195.95, abs=PENNY)
    assert paid[plan.years.index("2014/15")] == 0.0  # the council contributes nothing in 2014/15
    assert paid.sum() == pytest.approx(505_195.95, abs=PENNY)  # all of it in 2015/16

    # the sweep's inputs: the cap swept between £5,000k and £5,001k, far above the contribution
    samples = {"partners[1].cap": np.random.default_rng(1).uniform(5000, 5001, 64)}
    inputs = apply_samples(model_inputs(plan), plan, samples)
    ref = assert_routes_equal_reference(inputs, len(plan.years), "luton swept cap", block_rows=16)
    np.testing.assert_allclose(ref.partner_payments_gbp[:, :, council], np.broadcast_to(paid, (64, len(paid))), rtol=0, atol=PENNY)

    # and the whole sweep (headline kernel, summaries): the council's expected payment is the run's
    scen = Scenario("capped", overrides=overrides,
                    sweep={"inputs": {"partners[1].cap": {"dist": "uniform", "low": 5000, "high": 5001}}})
    res = run_sweep(LUTON, scen, method="mc", n=256, seed=3)
    assert res.risk["partners"]["Luton Borough Council"]["expected_payment_gbp"] == pytest.approx(505_195.95, abs=PENNY)


def test_delivery_swept_without_qipp_varies_the_shortfall(tmp_path):
    """Savings delivery swept on a plan with no [qipp]: scheme benefits still follow the delivery.

    The headline kernel used to treat savings as fixed without QIPP cohorts, so every
    scenario had the first one's shortfall (min = max) while the tornado moved.
    """
    raw = read_toml(CENTRAL_BEDS)
    plan = plan_from_dict(raw, CENTRAL_BEDS)
    assert plan.qipp is None and any(s.benefits for s in plan.schemes)  # savings are scheme benefits alone
    scen = Scenario("delivery", sweep={"inputs": {"outturn.savings_delivery_pct": {"dist": "uniform", "low": 0, "high": 100}}})
    res = run_sweep(CENTRAL_BEDS, scen, method="lhs", n=200, seed=5, save_samples=tmp_path / "samples.csv")
    s = res.summary["shortfall_total_gbp"]
    assert s["min"] < s["max"]
    t = next(r for r in res.tornado if r["input"] == "outturn.savings_delivery_pct")  # at delivery P5 / P95
    assert s["max"] > t["shortfall_at_low_gbp"] - PENNY > t["shortfall_at_high_gbp"] > s["min"] - PENNY
    with open(res.samples_path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    delivery = np.array([float(r["outturn.savings_delivery_pct"]) for r in rows])
    shortfall = np.array([float(r["shortfall_total_gbp"]) for r in rows])
    assert np.unique(shortfall).size > 100
    for i in range(0, 200, 25):  # each row is the run of the plan at that delivery
        single = reference_run(raw, CENTRAL_BEDS, {"outturn.savings_delivery_pct": float(delivery[i])}).outputs
        assert shortfall[i] == pytest.approx(single.shortfall_gbp[0].sum(), abs=PENNY), f"row {i}"
    inputs = apply_samples(model_inputs(plan), plan, {"outturn.savings_delivery_pct": delivery})
    assert_routes_equal_reference(inputs, len(plan.years), "central beds delivery sweep", block_rows=64)
