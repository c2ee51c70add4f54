"""The headline of the board paper: the pool against its minimum, the checks, the P4P sum, and who pays.

Built only from :class:`finmodel.engine.RunResult` objects and the existing tables
(:func:`finmodel.report.tables.compare_row` for each scenario's totals, the same
figures ``finmodel compare`` prints), so the paper can never disagree with ``run``
or ``compare``.  Money in £ (floats); the page shows it to the penny.
"""

from __future__ import annotations

from dataclasses import dataclass

from finmodel.engine import RunResult
from finmodel.report import tables


@dataclass(frozen=True)
class PoolYear:
    year: str
    minimum_gbp: float
    agreed_gbp: float

    @property
    def margin_gbp(self) -> float:
        """Agreed minus minimum: >= 0 meets the minimum; the amount short otherwise."""
        return self.agreed_gbp - self.minimum_gbp


@dataclass(frozen=True)
class ScenarioLine:
    """One scenario's totals over every modelled year [£]."""

    name: str
    description: str
    shortfall_gbp: float
    contingency_used_gbp: float
    partner_payments_gbp: dict[str, float]
    unfunded_gap_gbp: float
    p4p_released_gbp: float
    savings_planned_gbp: float
    savings_delivered_gbp: float


@dataclass(frozen=True)
class Headline:
    hwb: str
    ons_code: str
    pool_years: list[PoolYear]
    checks: list               # finmodel.checks.Check
    p4p_sum_gbp: float | None  # None when the plan has no P4P section
    p4p_year: str
    scenarios: list[ScenarioLine]
    left_out: list[str]        # scenarios that do not apply to the plan, each with its reason

    @property
    def rag_counts(self) -> dict[str, int]:
        return {rag: sum(c.rag == rag for c in self.checks) for rag in ("Red", "Amber", "Green")}


def scenario_line(result: RunResult) -> ScenarioLine:
    """A scenario's totals, from the same row ``finmodel compare`` prints."""
    row = tables.compare_row(result)
    return ScenarioLine(
        name=result.scenario.name, description=result.scenario.description,
        shortfall_gbp=row["Shortfall"], contingency_used_gbp=row["Contingency used"],
        partner_payments_gbp={p.name: row[f"Paid by {p.name}"] for p in result.plan.partners},
        unfunded_gap_gbp=row["Unfunded gap"], p4p_released_gbp=row["P4P released"],
        savings_planned_gbp=row["Savings planned"], savings_delivered_gbp=row["Savings delivered"],
    )


def pool_years(result: RunResult) -> list[PoolYear]:
    """Each year with a pool, a minimum or planned spend (the years a board is asked about)."""
    p = result.pool
    return [PoolYear(y, float(p.minimum_gbp[0, i]), float(p.pool_gbp[0, i]))
            for i, y in enumerate(result.plan.years)
            if p.pool_gbp[0, i] or p.minimum_gbp[0, i] or p.spend_gbp[0, i]]


def headline(plan_result: RunResult, scenario_results: list[RunResult], left_out: list[str]) -> Headline:
    """The headline from the plan's run and each named scenario's run (the plan's own run first)."""
    plan = plan_result.plan
    seen = {plan_result.scenario.name}
    lines = [scenario_line(plan_result)]
    for r in scenario_results:
        if r.scenario.name not in seen:
            seen.add(r.scenario.name)
            lines.append(scenario_line(r))
    return Headline(
        hwb=plan.hwb.name, ons_code=plan.hwb.ons_code, pool_years=pool_years(plan_result),
        checks=list(plan_result.checks),
        p4p_sum_gbp=float(plan_result.outputs.p4p_sum_gbp[0]) if plan.p4p is not None else None,
        p4p_year=plan.years[plan_result.inputs.p4p_year] if plan.p4p is not None else "",
        scenarios=lines, left_out=list(left_out),
    )
