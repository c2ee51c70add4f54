"""Shortfall: the money the pool needs because things did not go as planned.

Each source is one elementwise formula, normally on per-year arrays ``(n, n_years)``
(scenarios on axis 0, year 0 = 2014/15, see :mod:`finmodel.core`).  Any shapes that
broadcast are accepted.  A positive shortfall is a pressure on the pool; a negative
one is an underspend (things went better than planned).

The shortfall feeds the risk share (:mod:`finmodel.core.risk_share`): the
contingency absorbs it first, then the partners (docs/SOURCES.md §6).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "undelivered_savings_gbp",
    "excess_admissions_cost_gbp",
    "beds_not_closed_cost_gbp",
    "demographic_pressure_above_plan_gbp",
    "care_home_admissions_cost_gbp",
    "total_shortfall_gbp",
]


def undelivered_savings_gbp(planned_savings_gbp, delivered_savings_gbp):
    """Savings planned but not delivered.

    Formula::

        undelivered_gbp = planned_savings_gbp - delivered_savings_gbp

    Negative when more was saved than planned (an underspend).  Shapes: ``(n,
    n_years)`` £ or broadcastable; returns the broadcast shape, £.

    Source: docs/SOURCES.md §4, §6 (scheme benefits and QIPP savings; "who pays
    if activity does not change as planned", [seed 000, 002]).
    """
    return np.subtract(planned_savings_gbp, delivered_savings_gbp, dtype=np.float64)


def excess_admissions_cost_gbp(planned_admissions, actual_admissions, cost_per_admission_gbp):
    """Cost of emergency admissions above the number planned.

    Formula::

        excess_admissions = actual_admissions - planned_admissions
        cost_gbp          = excess_admissions * cost_per_admission_gbp

    Negative when there were fewer admissions than planned.  Admissions that grow
    above the baseline are counted in full (the 2014/15 outturn: +87,000 admissions
    nationally against a planned 106,000 fewer, [public]).

    Shapes: ``(n, n_years)`` admissions and £ per admission, or broadcastable;
    returns the broadcast shape, £.

    Source: docs/SOURCES.md §5, §6 (stress tests must include admissions that
    grow).
    """
    excess_admissions = np.subtract(actual_admissions, planned_admissions, dtype=np.float64)
    return excess_admissions * cost_per_admission_gbp


def beds_not_closed_cost_gbp(beds_not_closed, days_open, cost_per_bed_day_gbp):
    """Cost of keeping open beds the plan expected to close.

    Formula::

        cost_gbp = beds_not_closed * days_open * cost_per_bed_day_gbp

    Shapes: ``(n, n_years)`` beds, days in the year the beds stay open, £ per
    bed-day, or broadcastable; returns the broadcast shape, £.

    Source: docs/SOURCES.md §6 (Luton's plan closes at least 60 elderly care beds;
    if that fails the beds must still be funded, [seed 000]).
    """
    bed_days = np.multiply(beds_not_closed, days_open, dtype=np.float64)
    return bed_days * cost_per_bed_day_gbp


def care_home_admissions_cost_gbp(admissions_above_plan, cost_per_placement_gbp):
    """Cost of permanent admissions to residential and nursing care above plan.

    Formula::

        cost_gbp = admissions_above_plan * cost_per_placement_gbp

    One year of placement for each admission above plan in that year (a placement
    lasting longer shows up as admissions above plan in the next year too).  Shapes:
    ``(n, n_years)`` count and ``(n, 1)`` £ a year, or broadcastable; returns £.

    Source: seed 002 para 32 (Central Bedfordshire's risk share covers the case "if
    emergency admissions or nursing home admissions increase"); seed 000's metric of
    permanent admissions of people aged 65+ per 100,000.
    """
    return np.multiply(admissions_above_plan, cost_per_placement_gbp, dtype=np.float64)


def demographic_pressure_above_plan_gbp(actual_pressure_gbp, planned_pressure_gbp):
    """Demographic pressure (a growing, ageing population) above what was planned.

    Formula::

        above_plan_gbp = actual_pressure_gbp - planned_pressure_gbp

    Negative when growth was below plan.  Shapes: ``(n, n_years)`` £ or
    broadcastable; returns the broadcast shape, £.

    Source: docs/SOURCES.md §6, §7 (the growing population's care, [seed 000];
    Luton's adult social care demographic pressures £11.5m to 2017/18, [seed 003]).
    """
    return np.subtract(actual_pressure_gbp, planned_pressure_gbp, dtype=np.float64)


def total_shortfall_gbp(*components_gbp):
    """Total shortfall: the sum of its components.

    Formula::

        total_gbp = sum_k components_gbp[k]

    Shapes: each component ``(n, n_years)`` £ or broadcastable; returns the
    broadcast shape, £.  At least one component is required.

    Source: docs/SOURCES.md §6 (the shortfall the risk share must cover).
    """
    if not components_gbp:
        raise ValueError("total_shortfall_gbp needs at least one component")
    arrays = [np.asarray(component, dtype=np.float64) for component in components_gbp]
    total_gbp = np.zeros(np.broadcast_shapes(*(a.shape for a in arrays)), dtype=np.float64)
    for component in arrays:
        total_gbp += component
    return total_gbp
