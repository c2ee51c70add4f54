"""The only orchestrator: plan file (+ scenario) -> validated plan -> arrays -> model -> results.

Data flows one way: :func:`run` reads the plan, applies the scenario's overrides,
computes the pooled budget (:mod:`finmodel.budget`) and the savings / P4P /
shortfall / risk-share chain (:mod:`finmodel.model`, with ``n == 1``), and runs the
assurance checks.  Tables and files are made from the :class:`RunResult` in
:mod:`finmodel.report`, never here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from finmodel import __version__
from finmodel.arrays import ModelInputs, model_inputs
from finmodel.budget import PoolResult, compute_pool
from finmodel.checks import Check, condition_checks, model_checks, pool_checks
from finmodel.core import qipp as qipp_core
from finmodel.errors import NumericFault
from finmodel.model import ModelOutputs, evaluate, monthly_qipp_profile_gbp
from finmodel.plan import Plan, file_sha256, read_toml
from finmodel.scenario import BASE, Scenario, ScenarioNotApplicable, apply_scenario, load_scenario

from finmodel.shipped import default_plan, shipped_inputs_dir  # noqa: E402

if TYPE_CHECKING:
    import pandas as pd

#: The shipped default plan (package data).  A run without a plan uses :func:`default_plan`:
#: ./inputs/luton.toml of the working folder if there is one, else this.
DEFAULT_PLAN = shipped_inputs_dir() / "luton.toml"


@dataclass(frozen=True)
class RunResult:
    """Everything one run of one plan under one named scenario produced."""

    plan: Plan
    plan_path: str
    plan_sha256: str
    scenario: Scenario
    pool: PoolResult
    inputs: ModelInputs
    outputs: ModelOutputs
    monthly_qipp_gbp: np.ndarray  # (C, n_months, 3) for the single scenario
    checks: list[Check]
    warnings: list[str] = field(default_factory=list)
    created_utc: str = ""
    version: str = __version__

    @property
    def plan_name(self) -> str:
        return Path(self.plan_path).stem

    @property
    def la_code(self) -> str:
        """The HWB's ONS (local authority) code, e.g. ``E06000032`` for Luton."""
        return self.plan.hwb.ons_code

    def tables(self) -> dict[str, "pd.DataFrame"]:
        """Every result table as a labelled pandas DataFrame, by the stem of its CSV (money in £, unrounded).

        Years are columns (``"2015/16"``), items are the index; see :mod:`finmodel.report.tables`.
        """
        from finmodel.report.tables import all_tables  # pandas only when tables are asked for

        return all_tables(self)

    def long(self) -> "pd.DataFrame":
        """Every figure of :meth:`tables` in one long DataFrame: la_code, plan, scenario, table,
        item, year, value, unit (see :mod:`finmodel.report.tidy`)."""
        from finmodel.report.tidy import long_table

        return long_table(self)


def qipp_warnings(plan: Plan, inputs: ModelInputs) -> list[str]:
    """Cohorts whose ramp never reaches its ceiling within the modelled years (allowed, reported)."""
    if plan.qipp is None:
        return []
    n_months = 12 * len(plan.years)
    months = qipp_core.months_to_ceiling(inputs.initial_frac[0], inputs.initial_months[0], inputs.step_frac_pm[0], inputs.ceiling_frac[0])
    warnings = []
    for c, cohort in enumerate(plan.qipp.cohorts):
        reached = inputs.go_live_month[0, c] + inputs.delay_months[0, 0] + np.atleast_1d(months)[c]
        if not reached < n_months:
            warnings.append(
                f"QIPP cohort {cohort.name!r}: the EA reduction never reaches its {cohort.ceiling_pct:g}% ceiling "
                f"by the end of {plan.years[-1]} (step {cohort.step_pp_pm:g} pp a month)."
            )
    return warnings


#: Figures that are NaN by design when the plan gives no national shares ("unknown", shown as such).
UNKNOWN_MAY_BE_NAN = frozenset({"care_act_share_gbp", "carers_share_gbp", "reablement_share_gbp"})


def assert_finite(plan_path: str | Path, *results: object) -> None:
    """Raise NumericFault if any figure of these result dataclasses is NaN or infinite.

    Plan validation bounds every input, so a non-finite figure here is a bug; it must
    stop the run (exit 3) rather than reach a table as "£nan" next to a Green check.
    """
    for obj in results:
        for f in dataclasses.fields(obj):  # type: ignore[arg-type]
            value = getattr(obj, f.name)
            if not isinstance(value, np.ndarray) or value.dtype.kind not in "fc":
                continue
            bad = np.isinf(value) if f.name in UNKNOWN_MAY_BE_NAN else ~np.isfinite(value)
            if bad.any():
                raise NumericFault(f"{plan_path}: internal error: {type(obj).__name__}.{f.name} is not finite "
                                   f"({value[bad].ravel()[:3].tolist()}); nothing written. "
                                   "Please report this with the plan file.")


def run_plan(plan: Plan, plan_path: str | Path, scenario: Scenario = BASE, plan_sha256: str = "") -> RunResult:
    """Run an already validated plan (with the scenario already applied)."""
    pool = compute_pool(plan)
    inputs = model_inputs(plan, pool)
    outputs = evaluate(inputs, len(plan.years))
    monthly = monthly_qipp_profile_gbp(inputs, len(plan.years))[0]
    assert_finite(plan_path, pool, outputs)
    return RunResult(
        plan=plan,
        plan_path=str(plan_path),
        plan_sha256=plan_sha256,
        scenario=scenario,
        pool=pool,
        inputs=inputs,
        outputs=outputs,
        monthly_qipp_gbp=monthly,
        checks=pool_checks(plan, pool) + model_checks(plan, outputs, pool) + condition_checks(plan),
        warnings=qipp_warnings(plan, inputs),
        created_utc=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


def load_plan_with_scenario(plan_path: str | Path | None = None, scenario: str | Scenario = "base") -> tuple[Plan, Path, Scenario]:
    """Read the plan file, load the scenario by name or path, and validate the result."""
    path = Path(plan_path) if plan_path is not None else default_plan()
    scen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    data = read_toml(path)
    return apply_scenario(data, path, scen), path, scen


def run(plan_path: str | Path | None = None, scenario: str | Scenario = "base") -> RunResult:
    """Run a plan file under a named scenario (default: the shipped Luton plan, base case)."""
    plan, path, scen = load_plan_with_scenario(plan_path, scenario)
    return run_plan(plan, path, scen, file_sha256(path))


def applicable_runs(plan_path: str | Path | None, names: list[str], current: RunResult | None = None
                    ) -> tuple[list[RunResult], list[str]]:
    """Run each named scenario that applies to the plan; the others are left out, each as "name: reason".

    ``current`` (a run already made) is reused for its own scenario name instead of running it again.
    """
    results, left_out = [], []
    for name in names:
        if current is not None and name == current.scenario.name:
            results.append(current)
            continue
        try:
            results.append(run(plan_path, name))
        except ScenarioNotApplicable as exc:
            left_out.append(f"{name}: {exc}")
    return results, left_out
