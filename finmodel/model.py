"""The vectorised model: ModelInputs (n scenarios) -> ModelOutputs, pure numpy.

One function, :func:`evaluate`, runs every formula of the savings, payment for
performance, shortfall and risk-share chain over all scenarios at once.  A named
scenario is the same call with ``n == 1``; a sweep passes arrays of length ``n``.
Loops run only over cohorts, years and partners, never over scenarios.

Chain (each step is a function in :mod:`finmodel.core`):

1. QIPP planned (no delay, full delivery) and delivered (scenario outturn), per
   cohort and year, by activity: EAs at the marginal rate, A&E attendances of EAs
   admitted via A&E, outpatients at a flat reduction.
2. Scheme benefits delivered; the overlap with QIPP per activity; savings counted once.
3. P4P (P4P year only): the sum held back, quarterly release, what is not released.
4. Shortfall per year = savings not delivered + admissions above plan (not already
   counted as QIPP EAs not avoided) + beds not closed + demographic growth above plan.
5. Waterfall per year: contingency, partners by share up to caps, unfunded gap.
6. Five-year picture: CCG outturn after net QIPP, adult social care gap, system gap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from finmodel.arrays import ACTIVITIES, NOT_PER_SCENARIO, ModelInputs
from finmodel.core import five_year, p4p, qipp, risk_share, savings, shortfall

EA, AE, OP, OTHER = range(len(ACTIVITIES))

#: Names of the shortfall components, in the order of the last axis of ``shortfall_parts_gbp``.
SHORTFALL_PARTS = ("savings_not_delivered", "admissions_above_plan", "beds_not_closed", "demographic_growth",
                   "care_home_admissions")


@dataclass(frozen=True)
class ModelOutputs:
    """Every figure of the model; scenarios on axis 0.  Money in £."""

    # QIPP (n, Y) unless stated
    qipp_planned_by_activity_gbp: np.ndarray  # (n, Y, A)
    qipp_by_activity_gbp: np.ndarray  # (n, Y, A) delivered
    qipp_by_cohort_gbp: np.ndarray  # (n, Y, C) delivered
    qipp_planned_gbp: np.ndarray
    qipp_gross_gbp: np.ndarray
    qipp_net_gbp: np.ndarray  # delivered gross - investment
    qipp_full_year_effect_gbp: np.ndarray  # EA full-year effect of the ramp in force each March
    ea_avoided_planned: np.ndarray  # (n, Y) count
    ea_avoided: np.ndarray  # (n, Y) count
    # scheme benefits and overlap
    benefits_planned_by_activity_gbp: np.ndarray  # (n, Y, A)
    benefits_by_activity_gbp: np.ndarray  # (n, Y, A) delivered
    overlap_planned_by_activity_gbp: np.ndarray  # (n, Y, A)
    savings_planned_gbp: np.ndarray  # counted once
    savings_delivered_gbp: np.ndarray  # counted once
    # P4P (n,) / (n, 4)
    p4p_sum_gbp: np.ndarray
    p4p_released_q_gbp: np.ndarray
    p4p_released_gbp: np.ndarray
    p4p_unreleased_gbp: np.ndarray
    p4p_to_acute_gbp: np.ndarray
    p4p_to_out_of_hospital_gbp: np.ndarray
    nel_planned_avoided_q: np.ndarray  # (n, 4)
    nel_actual_avoided_q: np.ndarray  # (n, 4)
    metrics_achievement_frac: np.ndarray  # (n, M)
    metrics_overall_frac: np.ndarray  # (n,)
    contingency_funding_allowed: np.ndarray  # (n,) bool
    # shortfall and waterfall (n, Y)
    shortfall_parts_gbp: np.ndarray  # (n, Y, 5) see SHORTFALL_PARTS
    shortfall_gbp: np.ndarray
    contingency_gbp: np.ndarray
    contingency_used_gbp: np.ndarray
    partner_payments_gbp: np.ndarray  # (n, Y, P)
    unfunded_gap_gbp: np.ndarray
    underspend_retained_gbp: np.ndarray
    # five-year (n, Y)
    ccg_outturn_after_gbp: np.ndarray
    asc_gap_gbp: np.ndarray
    system_gap_gbp: np.ndarray


def _per_go_live(fn, go_live: np.ndarray, params: tuple, n_years: int) -> np.ndarray:
    """``fn(go_live, *params, n_years)`` at the smallest shape the inputs need.

    When only the go-live month varies between scenarios (a swept delay) and the
    ramp parameters are the plan's (leading axis 1), the per-year values depend
    on the whole-month go-live alone: they are computed once per distinct month
    in ``[min, max]`` (a small table) and gathered.  Every row is the same
    elementwise computation as a direct call, so the numbers are identical.
    """
    if go_live.shape[0] > 1 and all(np.shape(p)[0] == 1 for p in params):
        if not np.all(np.isfinite(go_live)) or np.any(go_live != np.floor(go_live)):
            raise ValueError("go_live_month must hold whole numbers of months")
        lo, hi = float(go_live.min()), float(go_live.max())
        k = int(hi - lo) + 1
        if k <= max(64, go_live.shape[0] // 8):
            table = fn(np.arange(k, dtype=np.float64) + lo, *params, n_years)
            return table[(go_live - lo).astype(np.intp)]
    return fn(go_live, *params, n_years)


def _ramp_params(inputs: ModelInputs, c: int) -> tuple:
    return (inputs.initial_frac[:, c], inputs.initial_months[:, c], inputs.step_frac_pm[:, c], inputs.ceiling_frac[:, c])


def _live_months(go_live, n_years):
    return qipp.live_months_by_year(go_live, n_years)


def _accumulate(total, value):
    """``total + value`` starting from 0.0, as ``zeros(...) += value`` would (same rounding)."""
    return (0.0 + value) if total is None else total + value


def _cohort_savings(inputs: ModelInputs, n_years: int, delay: np.ndarray, ea_scale: np.ndarray, all_scale: np.ndarray):
    """QIPP savings per cohort and year for one outturn: returns (by_activity (m,Y,A), by_cohort (m,Y,C), ea_avoided (m,Y)).

    ``m`` is 1 when nothing these figures depend on varies between scenarios, else n:
    results are broadcast to n scenarios by the caller (no per-scenario copies of
    the plan's own figures).
    """
    C = inputs.go_live_month.shape[1]
    if C == 0:
        return np.zeros((1, n_years, len(ACTIVITIES))), np.zeros((1, n_years, 0)), np.zeros((1, n_years))
    ea_total = ae_total = op_total = avoided_total = None
    cohorts = []
    for c in range(C):
        go_live = inputs.go_live_month[:, c] + delay[:, 0]
        reduction_sum = _per_go_live(qipp.ea_reduction_frac_sum_by_year, go_live, _ramp_params(inputs, c), n_years)
        ea_frac_delivered = reduction_sum * ea_scale  # (m, Y) month-sums of the delivered reduction
        # baseline x tariff is pre-summed over the cohort's HRG lines, so baseline = 1 here
        ea_value = qipp.ea_savings_gbp(ea_frac_delivered, 1.0, inputs.ea_value_pm_gbp[:, c:c + 1], inputs.marginal_rate_frac)
        ea_avoided = qipp.ea_avoided_by_year(ea_frac_delivered, inputs.ea_count_pm[:, c:c + 1])
        ae_avoided = qipp.ea_avoided_by_year(ea_frac_delivered, inputs.ae_via_count_pm[:, c:c + 1])
        ae_value = qipp.ae_savings_gbp(ae_avoided, 1.0, inputs.ae_tariff_gbp[:, c:c + 1])
        live = _per_go_live(_live_months, go_live, (), n_years)
        op_value = qipp.outpatient_savings_gbp(live, inputs.op_value_pm_gbp[:, c:c + 1], inputs.op_reduction_frac, 1.0) * all_scale
        ea_total = _accumulate(ea_total, ea_value)
        ae_total = _accumulate(ae_total, ae_value)
        op_total = _accumulate(op_total, op_value)
        cohorts.append(ea_value + ae_value + op_value)
        avoided_total = _accumulate(avoided_total, ea_avoided)
    zero = np.zeros((1, n_years))
    by_activity = np.stack(np.broadcast_arrays(ea_total, ae_total, op_total, zero), axis=-1)
    by_cohort = np.stack(np.broadcast_arrays(*cohorts), axis=-1)
    return by_activity, by_cohort, avoided_total


def _full_year_effect(inputs: ModelInputs, n_years: int) -> np.ndarray:
    total = None
    scale = inputs.ea_delivery_frac * inputs.savings_delivery_frac
    for c in range(inputs.go_live_month.shape[1]):
        go_live = inputs.go_live_month[:, c] + inputs.delay_months[:, 0]
        frac = _per_go_live(qipp.ea_full_year_effect_frac_by_year, go_live, _ramp_params(inputs, c), n_years)
        total = _accumulate(total, qipp.ea_savings_gbp(frac * scale, 1.0, inputs.ea_value_pm_gbp[:, c:c + 1], inputs.marginal_rate_frac))
    return np.zeros((1, n_years)) if total is None else total


def _by_activity(values_gbp: np.ndarray, activity_index: np.ndarray) -> np.ndarray:
    """(n, Y, J) scheme values -> (n, Y, A) by the activity each scheme claims."""
    onehot = np.zeros((activity_index.shape[0], len(ACTIVITIES)))
    onehot[np.arange(activity_index.shape[0]), activity_index] = 1.0
    return values_gbp @ onehot


def _p4p_step(inputs: ModelInputs, n: int):
    """Step 3, payment for performance in the P4P year, for ``n`` scenarios.

    Returns (baseline_q, planned_avoided_q, actual_avoided_q, achievement, overall, p4p_sum,
    released_q, released, unreleased, to_acute, to_ooh).
    """
    baseline_q = np.broadcast_to(inputs.nel_baseline_q, (n, 4))
    planned_avoided_q = p4p.planned_admissions_avoided(baseline_q, np.broadcast_to(inputs.planned_reduction_frac[:, 0], (n,)))
    actual_avoided_q = baseline_q * -np.broadcast_to(inputs.nel_change_frac, (n, 1))
    M = inputs.metrics_baseline.shape[0]
    if M:
        achievement = p4p.achievement_frac(inputs.metrics_baseline, inputs.metrics_target,
                                           inputs.metrics_actual, inputs.metrics_higher_is_better)
        achievement = np.broadcast_to(achievement, (n, M))
        overall = np.broadcast_to(p4p.overall_achievement_frac(achievement[:inputs.metrics_actual.shape[0]]), (n,))
    else:
        achievement = np.zeros((n, 0))
        overall = np.ones(n)
    if not inputs.p4p_enabled:
        p4p_sum = np.zeros(n)
        released_q = np.zeros((n, 4))
    elif inputs.p4p_design == "revised":
        p4p_sum = np.broadcast_to(
            p4p.p4p_sum_gbp(baseline_q.sum(axis=1), inputs.planned_reduction_frac[:, 0], inputs.cost_per_admission_gbp[:, 0]), (n,)
        )
        released_q = p4p.quarterly_release_gbp(p4p_sum, planned_avoided_q, actual_avoided_q)
    else:
        pool = np.broadcast_to(inputs.performance_pool_gbp[:, 0], (n,))
        conditions, metrics_apr, metrics_oct = p4p.original_design_split_gbp(pool)
        p4p_sum = pool
        # national conditions assumed met; metric money in proportion to overall achievement
        released_q = np.zeros((n, 4))
        released_q[:, 0] = conditions + metrics_apr * overall
        released_q[:, 2] = metrics_oct * overall
    released = released_q.sum(axis=1)
    unreleased = p4p.unreleased_gbp(p4p_sum, released_q)
    not_avoided_cost = p4p.admissions_not_avoided_cost_gbp(
        planned_avoided_q, actual_avoided_q, inputs.cost_per_admission_gbp
    ).sum(axis=-1)
    to_acute, to_ooh = p4p.unreleased_split_gbp(unreleased, not_avoided_cost)
    return baseline_q, planned_avoided_q, actual_avoided_q, achievement, overall, p4p_sum, released_q, released, unreleased, to_acute, to_ooh


def performance_money_factor(inputs: ModelInputs, overall_achievement_frac) -> np.ndarray | float:
    """1 where the performance money may fund the contingency, 0 where it may not.

    Original design (docs/SOURCES.md §5): at 70% or more of plan across the metrics
    the performance money may fund the contingency; below 70% it may not (a recovery
    plan is needed), so a ``p4p_sum`` or ``p4p_unreleased`` contingency is 0 and the
    shortfall falls to the partners' shares and caps, then the unfunded gap.  The
    revised design releases the money in proportion to admissions avoided instead, so
    the factor is 1.  A ``stated`` contingency is other money and is never scaled.
    Every route multiplies the contingency by this one factor (x 1.0 and x 0.0 are exact).
    """
    if not inputs.p4p_enabled or inputs.p4p_design != "original":
        return 1.0
    return np.where(p4p.contingency_funding_allowed(overall_achievement_frac), 1.0, 0.0)


def _evaluate_general(inputs: ModelInputs, n_years: int) -> ModelOutputs:
    """The general route (the reference): every formula on whole arrays, any inputs."""
    n = max(inputs.n, 1)
    Y = n_years
    zeros_delay = np.zeros((1, 1))
    ones = np.ones((1, 1))

    # 1. QIPP: planned (as written) and delivered (the scenario's outturn).  Figures are
    # computed at the smallest leading axis their inputs need (1 when nothing they
    # depend on is swept) and broadcast to n scenarios only where they are returned.
    A = len(ACTIVITIES)
    ea_scale = inputs.ea_delivery_frac * inputs.savings_delivery_frac
    planned_act, _, ea_avoided_planned = _cohort_savings(inputs, Y, zeros_delay, ones, ones)
    delivered_act, delivered_cohort, ea_avoided = _cohort_savings(
        inputs, Y, inputs.delay_months, ea_scale, inputs.savings_delivery_frac
    )
    qipp_planned = planned_act.sum(axis=-1)
    qipp_gross = delivered_act.sum(axis=-1)
    qipp_net = qipp.net_savings_gbp(qipp_gross, inputs.qipp_investment_gbp)

    # 2. Scheme benefits and the overlap with QIPP (counted once)
    benefits_planned = _by_activity(inputs.scheme_benefits_gbp, inputs.scheme_activity)
    overlap_planned = savings.overlap_gbp(planned_act, benefits_planned)
    if np.any(benefits_planned):
        m = max(inputs.savings_delivery_frac.shape[0], inputs.ea_delivery_frac.shape[0])
        benefit_scale = np.ones((m, 1, A)) * inputs.savings_delivery_frac[:, :, None]
        benefit_scale[..., EA] = benefit_scale[..., EA] * np.broadcast_to(inputs.ea_delivery_frac, (m, 1))
        benefits_delivered = savings.delivered_gbp(benefits_planned, benefit_scale)
        overlap_delivered = savings.overlap_gbp(delivered_act, benefits_delivered)
    else:  # no scheme claims a benefit: delivered benefits and their overlap are exactly 0
        benefits_delivered = np.zeros((1, Y, A))
        overlap_delivered = np.zeros((1, Y, A))
    savings_planned = savings.savings_counted_once_gbp(qipp_planned, benefits_planned.sum(-1), overlap_planned.sum(-1))
    savings_delivered = savings.savings_counted_once_gbp(qipp_gross, benefits_delivered.sum(-1), overlap_delivered.sum(-1))

    # 3. Payment for performance in the P4P year
    py = inputs.p4p_year
    (baseline_q, planned_avoided_q, actual_avoided_q, achievement, overall, p4p_sum,
     released_q, released, unreleased, to_acute, to_ooh) = _p4p_step(inputs, n)

    # 4. Shortfall per year
    not_delivered = shortfall.undelivered_savings_gbp(savings_planned, savings_delivered)
    admissions = np.zeros((n, Y))
    if inputs.p4p_enabled:
        planned_nel = baseline_q.sum(axis=1) * (1.0 - inputs.planned_reduction_frac[:, 0])
        actual_nel = baseline_q.sum(axis=1) * (1.0 + inputs.nel_change_frac[:, 0])
        above_plan = actual_nel - planned_nel
        # EAs the QIPP cohorts failed to avoid are already in "savings not delivered"
        qipp_not_avoided = ea_avoided_planned[:, py] - ea_avoided[:, py]
        net_above = np.where(above_plan > 0, np.maximum(above_plan - np.maximum(qipp_not_avoided, 0.0), 0.0), above_plan)
        admissions[:, py] = shortfall.excess_admissions_cost_gbp(0.0, net_above, inputs.cost_per_admission_gbp[:, 0])
    bed_years = (np.arange(Y) >= inputs.beds_from_year).astype(float)[None, :]
    beds = shortfall.beds_not_closed_cost_gbp(inputs.beds_not_closed, inputs.bed_days_pa * bed_years, inputs.bed_day_cost_gbp)
    demographic = np.broadcast_to(inputs.demographic_above_plan_gbp, (n, Y))
    care_years = (np.arange(Y) >= inputs.care_home_from_year).astype(float)[None, :]
    care_home = shortfall.care_home_admissions_cost_gbp(inputs.care_home_above_plan * care_years, inputs.care_home_cost_gbp)
    components = np.broadcast_arrays(not_delivered, admissions, beds, demographic, care_home)
    parts = np.stack(components, axis=-1)
    total = shortfall.total_shortfall_gbp(*components)

    # 5. Contingency and the waterfall
    allowed = performance_money_factor(inputs, overall)
    if inputs.contingency_basis == "p4p_sum":
        contingency = np.zeros((n, Y))
        contingency[:, py] = p4p_sum * allowed
    elif inputs.contingency_basis == "p4p_unreleased":
        # the money held back and not earned pays for the admissions that were not avoided
        contingency = np.zeros((n, Y))
        contingency[:, py] = unreleased * allowed
    elif inputs.contingency_basis == "stated":
        contingency = np.broadcast_to(inputs.contingency_stated_gbp, (n, Y)).copy()
    else:
        contingency = np.zeros((n, Y))
    P = inputs.shares_frac.shape[-1]
    if P:
        wf = risk_share.waterfall_by_year_gbp(total, contingency, np.broadcast_to(inputs.shares_frac, (n, Y, P)),
                                              np.broadcast_to(inputs.caps_gbp, (n, Y, P)), inputs.share_underspend)
        used, payments, gap, retained = wf.contingency_used, wf.partner_payments, wf.unfunded_gap, wf.underspend_retained
    else:
        used = risk_share.contingency_used_gbp(total, contingency)
        payments = np.zeros((n, Y, 0))
        gap = np.maximum(total - used, 0.0)
        retained = np.maximum(-total, 0.0)

    # 6. Five-year picture
    net_qipp_all = qipp_net + inputs.other_net_qipp_gbp
    full_year_effect = _full_year_effect(inputs, Y)

    def per_scenario(a: np.ndarray) -> np.ndarray:
        return np.broadcast_to(a, (n,) + a.shape[1:])

    ccg_after = five_year.ccg_outturn_after_qipp_gbp(inputs.ccg_outturn_before_gbp, net_qipp_all)
    asc_gap = five_year.asc_gap_gbp(inputs.asc_pressure_gbp, inputs.asc_funding_change_gbp, inputs.asc_savings_target_gbp)
    system_gap = five_year.system_gap_gbp(ccg_after, asc_gap)

    return ModelOutputs(
        qipp_planned_by_activity_gbp=per_scenario(planned_act),
        qipp_by_activity_gbp=per_scenario(delivered_act),
        qipp_by_cohort_gbp=per_scenario(delivered_cohort),
        qipp_planned_gbp=per_scenario(qipp_planned),
        qipp_gross_gbp=per_scenario(qipp_gross),
        qipp_net_gbp=per_scenario(qipp_net),
        qipp_full_year_effect_gbp=per_scenario(full_year_effect),
        ea_avoided_planned=per_scenario(ea_avoided_planned),
        ea_avoided=per_scenario(ea_avoided),
        benefits_planned_by_activity_gbp=per_scenario(benefits_planned),
        benefits_by_activity_gbp=per_scenario(benefits_delivered),
        overlap_planned_by_activity_gbp=per_scenario(overlap_planned),
        savings_planned_gbp=per_scenario(savings_planned),
        savings_delivered_gbp=per_scenario(savings_delivered),
        p4p_sum_gbp=p4p_sum,
        p4p_released_q_gbp=released_q,
        p4p_released_gbp=released,
        p4p_unreleased_gbp=unreleased,
        p4p_to_acute_gbp=to_acute,
        p4p_to_out_of_hospital_gbp=to_ooh,
        nel_planned_avoided_q=planned_avoided_q,
        nel_actual_avoided_q=actual_avoided_q,
        metrics_achievement_frac=achievement,
        metrics_overall_frac=overall,
        contingency_funding_allowed=p4p.contingency_funding_allowed(overall),
        shortfall_parts_gbp=parts,
        shortfall_gbp=total,
        contingency_gbp=contingency,
        contingency_used_gbp=used,
        partner_payments_gbp=payments,
        unfunded_gap_gbp=gap,
        underspend_retained_gbp=retained,
        ccg_outturn_after_gbp=np.broadcast_to(ccg_after, (n, Y)),
        asc_gap_gbp=np.broadcast_to(asc_gap, (n, Y)),
        system_gap_gbp=np.broadcast_to(system_gap, (n, Y)),
    )


# Which outputs depend on which inputs (the fast routes compute per row only what a swept input moves).

_RAMP = ("go_live_month", "initial_frac", "initial_months", "step_frac_pm", "ceiling_frac")
_COHORT = ("ea_count_pm", "ea_value_pm_gbp", "ae_via_count_pm", "ae_tariff_gbp", "op_value_pm_gbp",
           "marginal_rate_frac", "op_reduction_frac")
_PLANNED = _RAMP + _COHORT
_DELIVERED = _PLANNED + ("delay_months", "savings_delivery_frac", "ea_delivery_frac")
_P4P_IN = ("nel_baseline_q", "planned_reduction_frac", "cost_per_admission_gbp", "performance_pool_gbp",
           "nel_change_frac", "metrics_actual")
_ALL = "*"  # depends on (nearly) everything: always per scenario when n > 1

#: Inputs each output depends on (an output none of whose inputs is swept is the plan's value).
_DEPENDS = {
    "qipp_planned_by_activity_gbp": _PLANNED,
    "qipp_planned_gbp": _PLANNED,
    "ea_avoided_planned": _PLANNED,
    "qipp_by_activity_gbp": _DELIVERED,
    "qipp_by_cohort_gbp": _DELIVERED,
    "qipp_gross_gbp": _DELIVERED,
    "ea_avoided": _DELIVERED,
    "qipp_full_year_effect_gbp": _DELIVERED,
    "qipp_net_gbp": _DELIVERED + ("qipp_investment_gbp",),
    "benefits_planned_by_activity_gbp": ("scheme_benefits_gbp",),
    "benefits_by_activity_gbp": ("scheme_benefits_gbp", "savings_delivery_frac", "ea_delivery_frac"),
    "overlap_planned_by_activity_gbp": _PLANNED + ("scheme_benefits_gbp",),
    "savings_planned_gbp": _PLANNED + ("scheme_benefits_gbp",),
    "savings_delivered_gbp": _DELIVERED + ("scheme_benefits_gbp",),
    "p4p_sum_gbp": _P4P_IN,
    "p4p_released_q_gbp": _P4P_IN,
    "p4p_released_gbp": _P4P_IN,
    "p4p_unreleased_gbp": _P4P_IN,
    "p4p_to_acute_gbp": _P4P_IN,
    "p4p_to_out_of_hospital_gbp": _P4P_IN,
    "nel_planned_avoided_q": ("nel_baseline_q", "planned_reduction_frac"),
    "nel_actual_avoided_q": ("nel_baseline_q", "nel_change_frac"),
    "metrics_achievement_frac": ("metrics_actual",),
    "metrics_overall_frac": ("metrics_actual",),
    "contingency_funding_allowed": ("metrics_actual",),
    "shortfall_parts_gbp": _ALL,
    "shortfall_gbp": _ALL,
    "contingency_gbp": _P4P_IN + ("contingency_stated_gbp",),
    "contingency_used_gbp": _ALL,
    "partner_payments_gbp": _ALL,
    "unfunded_gap_gbp": _ALL,
    "underspend_retained_gbp": _ALL,
    "ccg_outturn_after_gbp": _DELIVERED + ("qipp_investment_gbp", "other_net_qipp_gbp", "ccg_outturn_before_gbp"),
    "asc_gap_gbp": ("asc_pressure_gbp", "asc_funding_change_gbp", "asc_savings_target_gbp"),
    "system_gap_gbp": _DELIVERED + ("qipp_investment_gbp", "other_net_qipp_gbp", "ccg_outturn_before_gbp",
                                    "asc_pressure_gbp", "asc_funding_change_gbp", "asc_savings_target_gbp"),
}


def _per_scenario_fields(inputs: ModelInputs) -> list[str]:
    return [f for f, v in vars(inputs).items() if isinstance(v, np.ndarray) and f not in NOT_PER_SCENARIO]


def _rows(inputs: ModelInputs, sl: slice, fields) -> ModelInputs:
    """``inputs`` with every swept (leading axis > 1) per-scenario array cut to rows ``sl``."""
    return inputs.with_values(**{f: getattr(inputs, f)[sl] for f in fields if getattr(inputs, f).shape[0] > 1})


def _whole(a: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(a)) and np.all(a == np.floor(a)))


def evaluate(inputs: ModelInputs, n_years: int, *, threads: int | None = None, block_rows: int | None = None,
             route: str = "auto") -> ModelOutputs:
    """Run the whole savings -> P4P -> shortfall -> risk-share chain for every scenario.

    ``n == 1`` (a named scenario) runs the general route.  ``n > 1`` runs the one fast
    route (:mod:`finmodel.route`, the compiled loop the sweep's headline also uses), which
    gives the same numbers (to rounding, far below a penny): figures that depend only on
    unswept inputs are the plan's, broadcast; the rest is computed in blocks of
    ``block_rows`` rows (default 65,536), in ``threads`` threads (default: 2 on a machine
    with 2+ CPUs when there are two blocks or more; ``FINMODEL_THREADS`` overrides).
    ``route="general"`` forces the reference route (for tests and comparisons).
    """
    n = max(inputs.n, 1)
    if route == "general" or n == 1:
        return _evaluate_general(inputs, n_years)
    if route not in ("auto", "fast"):
        raise ValueError(f"route must be 'auto', 'fast' or 'general', got {route!r}")
    from finmodel.route import ROUTE_BLOCK_ROWS, evaluate_route  # it builds on this module's reference route

    return evaluate_route(inputs, n_years, threads=threads, block_rows=ROUTE_BLOCK_ROWS if block_rows is None else block_rows)


def monthly_qipp_profile_gbp(inputs: ModelInputs, n_years: int) -> np.ndarray:
    """Delivered QIPP savings month by month, materialised: (n, C, n_months, 3) [£] for EA, A&E, outpatients.

    The per-year totals of :func:`evaluate` use the closed form; this profile is for
    display and is checked against them in the tests (the two must agree to the penny).
    """
    n = max(inputs.n, 1)
    n_months = 12 * n_years
    C = inputs.go_live_month.shape[1]
    out = np.zeros((n, C, n_months, 3))
    ea_scale = (inputs.ea_delivery_frac * inputs.savings_delivery_frac)[:, 0:1]
    for c in range(C):
        go_live = np.broadcast_to(inputs.go_live_month[:, c] + inputs.delay_months[:, 0], (n,))
        r = qipp.ea_reduction_frac_pm(
            go_live,
            np.broadcast_to(inputs.initial_frac[:, c], (n,)),
            np.broadcast_to(inputs.initial_months[:, c], (n,)),
            np.broadcast_to(inputs.step_frac_pm[:, c], (n,)),
            np.broadcast_to(inputs.ceiling_frac[:, c], (n,)),
            n_months,
        ) * ea_scale
        live = (np.arange(n_months)[None, :] >= go_live[:, None]).astype(float)
        out[:, c, :, 0] = r * inputs.ea_value_pm_gbp[:, c:c + 1] * inputs.marginal_rate_frac
        out[:, c, :, 1] = r * inputs.ae_via_count_pm[:, c:c + 1] * inputs.ae_tariff_gbp[:, c:c + 1]
        out[:, c, :, 2] = live * inputs.op_value_pm_gbp[:, c:c + 1] * inputs.op_reduction_frac * inputs.savings_delivery_frac
    return out
