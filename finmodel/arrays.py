"""Plan -> arrays: every number the vectorised model reads, with scenarios on axis 0.

:func:`model_inputs` turns a validated plan into a :class:`ModelInputs` whose
arrays have a leading axis of length 1 (the plan as one scenario).  A sweep
replaces some of them with arrays of length ``n`` (see :data:`SWEEPABLE`); every
other array broadcasts.  Shapes: ``C`` cohorts, ``Y`` years, ``J`` schemes,
``P`` partners, ``M`` metrics, 4 quarters.  Money in £, rates as fractions.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from finmodel.budget import PoolResult, compute_pool
from finmodel.core import risk_share
from finmodel.plan import Activity, ActivityKind, Plan

#: Activities in the order of every ``A`` axis.
ACTIVITIES = [Activity.emergency_admissions, Activity.ae_attendances, Activity.outpatients, Activity.other]
#: National performance element of the original (early 2014) design [£] (seed 002, public).
NATIONAL_PERFORMANCE_POOL_GBP = 1_000_000_000.0


@dataclass(frozen=True)
class ModelInputs:
    # QIPP cohorts (n, C)
    go_live_month: np.ndarray
    initial_frac: np.ndarray
    initial_months: np.ndarray
    step_frac_pm: np.ndarray
    ceiling_frac: np.ndarray
    ea_count_pm: np.ndarray  # EAs per month in the cohort [count]
    ea_value_pm_gbp: np.ndarray  # sum of EAs per month x full tariff [£]
    ae_via_count_pm: np.ndarray  # EAs per month admitted via A&E [count]
    ae_tariff_gbp: np.ndarray  # [£ per attendance]
    op_value_pm_gbp: np.ndarray  # outpatient appointments per month x tariff [£]
    marginal_rate_frac: np.ndarray  # (n, 1)
    op_reduction_frac: np.ndarray  # (n, 1)
    qipp_investment_gbp: np.ndarray  # (n, Y)
    other_net_qipp_gbp: np.ndarray  # (n, Y)
    # scheme benefits (n, Y, J) and each scheme's activity index (J,)
    scheme_benefits_gbp: np.ndarray
    scheme_activity: np.ndarray
    # outturn levers (n, 1)
    delay_months: np.ndarray
    savings_delivery_frac: np.ndarray
    ea_delivery_frac: np.ndarray
    nel_change_frac: np.ndarray
    beds_not_closed: np.ndarray
    care_home_above_plan: np.ndarray  # (n, 1) permanent admissions a year above plan
    demographic_above_plan_gbp: np.ndarray  # (n, Y)
    metrics_actual: np.ndarray  # (n, M)
    # P4P
    p4p_enabled: bool
    p4p_design: str
    p4p_year: int
    nel_baseline_q: np.ndarray  # (n, 4)
    planned_reduction_frac: np.ndarray  # (n, 1)
    cost_per_admission_gbp: np.ndarray  # (n, 1)
    performance_pool_gbp: np.ndarray  # (n, 1) original design
    metrics_baseline: np.ndarray  # (M,)
    metrics_target: np.ndarray  # (M,)
    metrics_higher_is_better: np.ndarray  # (M,) bool
    # risk share
    contingency_basis: str
    contingency_stated_gbp: np.ndarray  # (n, Y)
    shares_frac: np.ndarray  # (n, Y, P)
    caps_gbp: np.ndarray  # (n, Y, P) inf = uncapped
    share_underspend: bool
    beds_from_year: int
    bed_day_cost_gbp: np.ndarray  # (n, 1)
    bed_days_pa: np.ndarray  # (n, 1)
    care_home_from_year: int  # index of 2015/16: placements above plan count from the pooled budget's year
    care_home_cost_gbp: np.ndarray  # (n, 1) £ a year per placement
    # five-year (n, Y)
    ccg_outturn_before_gbp: np.ndarray
    asc_pressure_gbp: np.ndarray
    asc_funding_change_gbp: np.ndarray
    asc_savings_target_gbp: np.ndarray
    transformation_fund_gbp: np.ndarray

    @property
    def n(self) -> int:
        """Number of scenarios: the longest leading axis of any array."""
        return _n(self)

    def with_values(self, **arrays: np.ndarray) -> "ModelInputs":
        """A copy with some arrays replaced (for sweeps)."""
        return dataclasses.replace(self, **arrays)


#: Arrays that are per scheme / per metric vectors, not per scenario (no leading scenario axis).
NOT_PER_SCENARIO = frozenset({"scheme_activity", "metrics_baseline", "metrics_target", "metrics_higher_is_better"})


def _n(inputs: ModelInputs) -> int:
    # every per-scenario array counts: a sweep of one input alone (say bed_days_pa) still has n rows
    return max(v.shape[0] for f, v in vars(inputs).items() if isinstance(v, np.ndarray) and f not in NOT_PER_SCENARIO)


def _per_year(plan: Plan, mapping: dict[str, float]) -> np.ndarray:
    return np.array([[mapping.get(y, 0.0) for y in plan.years]], dtype=float)


def _cohort_arrays(plan: Plan) -> dict[str, np.ndarray]:
    cohorts = plan.qipp.cohorts if plan.qipp else []
    first = plan.first_year
    go_live, ea_count, ea_value, ae_via, ae_tariff, op_value = [], [], [], [], [], []
    for c in cohorts:
        go_live.append((c.go_live.year - first) * 12 + c.go_live.month - 4)
        eas = [l for l in c.lines if l.kind is ActivityKind.emergency_admissions]
        ops = [l for l in c.lines if l.kind in (ActivityKind.outpatient_first, ActivityKind.outpatient_follow_up)]
        ae = [l for l in c.lines if l.kind is ActivityKind.ae_attendances]
        ea_count.append(sum(l.baseline_pa for l in eas) / 12.0)
        ea_value.append(sum(l.baseline_pa * l.tariff_gbp for l in eas) / 12.0)
        ae_via.append(sum(l.baseline_pa * l.admitted_via_ae_pct / 100.0 for l in eas) / 12.0)
        ae_tariff.append(ae[0].tariff_gbp if ae else 0.0)
        op_value.append(sum(l.baseline_pa * l.tariff_gbp for l in ops) / 12.0)

    def row(values):
        return np.array([values], dtype=float) if values else np.zeros((1, 0))

    return {
        "go_live_month": row(go_live),
        "initial_frac": row([c.initial_reduction_pct / 100.0 for c in cohorts]),
        "initial_months": row([c.initial_months for c in cohorts]),
        "step_frac_pm": row([c.step_pp_pm / 100.0 for c in cohorts]),
        "ceiling_frac": row([c.ceiling_pct / 100.0 for c in cohorts]),
        "ea_count_pm": row(ea_count),
        "ea_value_pm_gbp": row(ea_value),
        "ae_via_count_pm": row(ae_via),
        "ae_tariff_gbp": row(ae_tariff),
        "op_value_pm_gbp": row(op_value),
    }


def partner_commissioned_gbp(plan: Plan, pool: PoolResult) -> np.ndarray:
    """What each partner commissions per year (Y, P) [£], for pro-rata shares."""
    out = np.zeros((len(plan.years), len(plan.partners)))
    for p, partner in enumerate(plan.partners):
        if partner.commissioned:
            out[:, p] = [partner.commissioned.get(y, 0.0) for y in plan.years]
        elif partner.kind == "ccg":
            out[:, p] = pool.spend_nhs_commissioned_gbp[0]
        elif partner.kind == "council":
            out[:, p] = pool.spend_council_commissioned_gbp[0]
    return out


def contribution_caps_gbp(plan: Plan, pool: PoolResult | None = None) -> np.ndarray:
    """The cap each partner has at its own contribution (Y, P) [£]: what it contributes to the pool
    that year when ``cap_at_contribution``, else inf.  ``pool`` is computed if not given (and needed)."""
    caps = np.full((len(plan.years), len(plan.partners)), np.inf)
    for p, partner in enumerate(plan.partners):
        if partner.cap_at_contribution:
            pool = compute_pool(plan) if pool is None else pool
            caps[:, p] = pool.by_year_org_gbp[0, :, pool.organisations.index(partner.name)]
    return caps


def partner_caps_gbp(plan: Plan, pool: PoolResult | None) -> np.ndarray:
    """Each partner's cap per year (Y, P) [£]: the stated cap, its contribution to the pool that
    year when ``cap_at_contribution`` (the lower of the two when both), or inf (uncapped).
    ``pool`` is read only for a cap at the contribution."""
    caps = np.full((len(plan.years), len(plan.partners)), np.inf)
    for p, partner in enumerate(plan.partners):
        if partner.cap is not None:
            caps[:, p] = partner.cap
    return np.minimum(caps, contribution_caps_gbp(plan, pool))


def model_inputs(plan: Plan, pool: PoolResult | None = None) -> ModelInputs:
    """Every array the vectorised model reads, for the plan as one scenario (n = 1).

    ``pool``: the plan's pooled budget if the caller has it already (pro-rata shares and
    caps at a partner's contribution read it); computed here otherwise.
    """
    Y = len(plan.years)
    qipp = plan.qipp
    out = plan.outturn
    p4p = plan.p4p
    rs = plan.risk_share
    fy = plan.five_year
    P = len(plan.partners)

    pro_rata = rs is not None and rs.share_basis == "pro_rata"
    if pool is None and (pro_rata or any(p.cap_at_contribution for p in plan.partners)):
        pool = compute_pool(plan)
    if pro_rata and P:
        shares = risk_share.pro_rata_shares_frac(partner_commissioned_gbp(plan, pool))
    elif pro_rata:
        shares = np.zeros((Y, 0))
    else:
        # one figure for every year, or a profile by year
        shares = np.array([[(p.share_pct_in(y) or 0.0) / 100.0 for p in plan.partners] for y in plan.years]).reshape(Y, P)
    caps = partner_caps_gbp(plan, pool)

    planned_reduction = p4p.planned_reduction_pct / 100.0 if p4p else 0.0
    nel_change = (
        out.nel_admissions_change_pct / 100.0 if out.nel_admissions_change_pct is not None else -planned_reduction
    )
    if p4p is not None and p4p.performance_pool is not None:
        performance_pool = p4p.performance_pool
    elif plan.national_shares is not None:
        performance_pool = NATIONAL_PERFORMANCE_POOL_GBP * plan.national_shares.revenue_pct / 100.0
    else:
        performance_pool = 0.0

    activity_index = {a: i for i, a in enumerate(ACTIVITIES)}
    scheme_activity = np.array(
        [activity_index[s.benefit_activity or Activity.other] for s in plan.schemes], dtype=np.int64
    )
    benefits = np.array(
        [[[s.benefits.get(y, 0.0) for s in plan.schemes] for y in plan.years]], dtype=float
    ).reshape(1, Y, len(plan.schemes))
    metrics = plan.metrics

    return ModelInputs(
        **_cohort_arrays(plan),
        marginal_rate_frac=np.array([[qipp.marginal_rate_pct / 100.0 if qipp else 0.0]]),
        op_reduction_frac=np.array([[qipp.outpatient_reduction_pct / 100.0 if qipp else 0.0]]),
        qipp_investment_gbp=_per_year(plan, qipp.investment if qipp else {}),
        other_net_qipp_gbp=_per_year(plan, qipp.other_net_qipp if qipp else {}),
        scheme_benefits_gbp=benefits,
        scheme_activity=scheme_activity,
        delay_months=np.array([[float(out.go_live_delay_months)]]),
        savings_delivery_frac=np.array([[out.savings_delivery_pct / 100.0]]),
        ea_delivery_frac=np.array([[out.ea_reduction_delivery_pct / 100.0]]),
        nel_change_frac=np.array([[nel_change]]),
        beds_not_closed=np.array([[out.beds_not_closed]]),
        care_home_above_plan=np.array([[out.care_home_admissions_above_plan]]),
        demographic_above_plan_gbp=_per_year(plan, out.demographic_growth_above_plan),
        metrics_actual=np.array([[out.metrics_actual.get(m.name, m.target) for m in metrics]], dtype=float).reshape(1, len(metrics)),
        p4p_enabled=p4p is not None,
        p4p_design=p4p.design if p4p else "revised",
        p4p_year=plan.years.index(p4p.year) if p4p else plan.years.index("2015/16"),
        nel_baseline_q=np.array([p4p.nel_baseline_by_quarter if p4p else [0.0] * 4], dtype=float),
        planned_reduction_frac=np.array([[planned_reduction]]),
        cost_per_admission_gbp=np.array([[p4p.cost_per_admission_gbp if p4p else 1490.0]]),
        performance_pool_gbp=np.array([[performance_pool]]),
        metrics_baseline=np.array([m.baseline for m in metrics], dtype=float),
        metrics_target=np.array([m.target for m in metrics], dtype=float),
        metrics_higher_is_better=np.array([m.higher_is_better for m in metrics], dtype=bool),
        contingency_basis=rs.contingency_basis if rs else "none",
        contingency_stated_gbp=_per_year(plan, rs.contingency if rs else {}),
        shares_frac=np.asarray(shares, dtype=float).reshape(1, Y, P),
        caps_gbp=caps.reshape(1, Y, P),
        share_underspend=rs.share_underspend if rs else True,
        beds_from_year=plan.years.index(rs.beds_close_from) if rs else 0,
        bed_day_cost_gbp=np.array([[rs.bed_day_cost_gbp if rs else 0.0]]),
        bed_days_pa=np.array([[rs.bed_days_pa if rs else 365.0]]),
        care_home_from_year=plan.years.index("2015/16"),
        care_home_cost_gbp=np.array([[rs.care_home_placement_cost_gbp if rs else 30_000.0]]),
        ccg_outturn_before_gbp=_per_year(plan, fy.ccg_outturn_before_qipp if fy else {}),
        asc_pressure_gbp=_per_year(plan, fy.asc_demographic_pressure if fy else {}),
        asc_funding_change_gbp=_per_year(plan, fy.asc_funding_change if fy else {}),
        asc_savings_target_gbp=_per_year(plan, fy.asc_savings_target if fy else {}),
        transformation_fund_gbp=_per_year(plan, fy.transformation_fund if fy else {}),
    )

