"""Demographic growth above plan, one financial year at a time, as a sweep input."""

import numpy as np
import pytest

from finmodel.arrays import model_inputs
from finmodel.engine import DEFAULT_PLAN
from finmodel.model import evaluate
from finmodel.plan import plan_from_dict, read_toml
from finmodel.sweep.inputs_map import SweepInputError, apply_samples, overrides_for_row, reference_outputs, resolve

RAW = read_toml(DEFAULT_PLAN)
PLAN = plan_from_dict(RAW, DEFAULT_PLAN)
PATH = "outturn.demographic_growth_above_plan.2016/17"


def test_batch_row_equals_the_single_run():
    samples = {PATH: np.array([0.0, 500.0, -200.0]), "outturn.nel_admissions_change_pct": np.array([0.0, 2.0, -3.5])}
    batch = evaluate(apply_samples(model_inputs(PLAN), PLAN, samples), len(PLAN.years))
    for i in range(3):
        single = reference_outputs(RAW, DEFAULT_PLAN, overrides_for_row(samples, i))
        np.testing.assert_allclose(batch.shortfall_gbp[i], single.shortfall_gbp[0], atol=0.005)
    # Luton is written in £000: 500 -> £500,000 of demographic growth in 2016/17 (year index 2)
    assert batch.shortfall_parts_gbp[1, 2, 3] == pytest.approx(500_000)


def test_year_must_be_one_of_the_plan_years():
    with pytest.raises(SweepInputError, match="2025/26"):
        resolve("outturn.demographic_growth_above_plan.2025/26", PLAN)
    with pytest.raises(SweepInputError, match="YYYY/YY"):  # the list of sweepable inputs shows the form
        resolve("outturn.demographic_growth_above_plan", PLAN)
