"""Row i of the vectorised batch equals the reference single run of scenario i (to the penny).

The reference writes sample i into the plan's raw TOML as scenario overrides,
validates the plan again and runs the engine with n = 1; the batch replaces
ModelInputs arrays by length-n arrays (finmodel.sweep.inputs_map) in one call.
"""

import numpy as np
import pytest

from finmodel.arrays import model_inputs
from finmodel.engine import DEFAULT_PLAN
from finmodel.model import evaluate
from finmodel.plan import plan_from_dict, read_toml
from finmodel.sweep.inputs_map import apply_samples, overrides_for_row, reference_run

PENNY = 0.005
N = 25


def _samples(rng, n):
    return {
        "outturn.nel_admissions_change_pct": rng.uniform(-4.2, 4.9, n),
        "outturn.savings_delivery_pct": rng.uniform(30, 110, n),
        "outturn.ea_reduction_delivery_pct": rng.uniform(0, 100, n),
        "outturn.go_live_delay_months": rng.choice([-2.0, 0.0, 3.0, 6.0, 9.0], n) + rng.uniform(-0.4, 0.4, n),
        "outturn.beds_not_closed": rng.choice([0.0, 30.0, 60.0], n),
        "p4p.cost_per_admission_gbp": rng.uniform(1100, 1900, n),
        "p4p.planned_reduction_pct": rng.uniform(1.0, 5.0, n),
        "risk_share.bed_day_cost_gbp": rng.uniform(200, 350, n),
        "qipp.marginal_rate_pct": rng.uniform(20, 40, n),
        "qipp.outpatient_reduction_pct": rng.uniform(5, 15, n),
        "qipp.cohorts[*].ceiling_pct": rng.uniform(26, 40, n),
        "qipp.cohorts[*].step_pp_pm": rng.uniform(0.5, 3.0, n),
        "qipp.cohorts[2].initial_reduction_pct": rng.uniform(10, 25, n),
        "qipp.cohorts[3].ceiling_pct": rng.uniform(25, 36, n),
        "partners[2].cap": rng.uniform(300, 3000, n),  # the plan's money_unit: £000
    }


@pytest.mark.parametrize("seed", [1, 2])
def test_batch_row_equals_reference_single_run(seed):
    raw = read_toml(DEFAULT_PLAN)
    plan = plan_from_dict(raw, DEFAULT_PLAN)
    samples = _samples(np.random.default_rng(seed), N)
    batch = evaluate(apply_samples(model_inputs(plan), plan, samples), len(plan.years))
    for i in range(N):
        ref = reference_run(raw, DEFAULT_PLAN, overrides_for_row(samples, i)).outputs
        for name in ("shortfall_gbp", "partner_payments_gbp", "unfunded_gap_gbp", "qipp_gross_gbp",
                     "p4p_released_gbp", "contingency_used_gbp", "savings_delivered_gbp", "p4p_sum_gbp"):
            got, want = np.asarray(getattr(batch, name))[i], np.asarray(getattr(ref, name))[0]
            np.testing.assert_allclose(got, want, rtol=0, atol=PENNY, err_msg=f"scenario {i}: {name}")


def test_planned_reduction_moves_actual_change_when_plan_leaves_it_unset():
    raw = read_toml(DEFAULT_PLAN)
    plan = plan_from_dict(raw, DEFAULT_PLAN)
    assert plan.outturn.nel_admissions_change_pct is None
    samples = {"p4p.planned_reduction_pct": np.array([2.0, 5.0])}
    batch = evaluate(apply_samples(model_inputs(plan), plan, samples), len(plan.years))
    for i in range(2):
        ref = reference_run(raw, DEFAULT_PLAN, overrides_for_row(samples, i)).outputs
        np.testing.assert_allclose(batch.shortfall_gbp[i], ref.shortfall_gbp[0], atol=PENNY)
