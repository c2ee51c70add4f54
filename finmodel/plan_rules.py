"""Cross-field rules of a plan: what one section may say given another.

Run by :func:`finmodel.plan.plan_from_dict` after the field-by-field validation; each
rule appends ``(field path, value, why)`` to ``problems`` so that every problem of a
file is reported at once, naming the field.
"""

from __future__ import annotations

from datetime import date

from finmodel.plan import ADDITIONAL_STREAMS, ActivityKind, Commissioner, Plan, fy_start
from finmodel.national_conditions import check_conditions_unique


def check_year_keys(plan: Plan, problems: list) -> None:
    years = set(plan.years)

    def check(field: str, mapping: dict[str, float]) -> None:
        for key in mapping:
            if key not in years:
                problems.append((f"{field}.{key}", key, f"year outside the plan's years {plan.years}"))

    for i, c in enumerate(plan.contributions):
        if c.year not in years:
            problems.append((f"contributions[{i}].year", c.year, f"year outside the plan's years {plan.years}"))
    check("minimum_pool.stated", plan.minimum_pool.stated)
    for i, s in enumerate(plan.schemes):
        check(f"schemes[{i}].spend", s.spend)
        check(f"schemes[{i}].benefits", s.benefits)
    check("social_care_protection.amount", plan.social_care_protection.amount)
    check("care_act.amount", plan.care_act.amount)
    check("carers.amount", plan.carers.amount)
    if plan.qipp is not None:
        check("qipp.investment", plan.qipp.investment)
        check("qipp.other_net_qipp", plan.qipp.other_net_qipp)
    if plan.five_year is not None:
        for name in ("transformation_fund", "ccg_outturn_before_qipp", "asc_net_budget",
                     "asc_demographic_pressure", "asc_savings_target", "asc_funding_change"):
            check(f"five_year.{name}", getattr(plan.five_year, name))
    if plan.p4p is not None and plan.p4p.year not in years:
        problems.append(("p4p.year", plan.p4p.year, f"year outside the plan's years {plan.years}"))
    if plan.risk_share is not None:
        check("risk_share.contingency", plan.risk_share.contingency)
        if plan.risk_share.beds_close_from not in years:
            problems.append(("risk_share.beds_close_from", plan.risk_share.beds_close_from, f"year outside the plan's years {plan.years}"))
    check("outturn.demographic_growth_above_plan", plan.outturn.demographic_growth_above_plan)
    for i, partner in enumerate(plan.partners):
        check(f"partners[{i}].commissioned", partner.commissioned)
        if isinstance(partner.share_pct, dict):
            check(f"partners[{i}].share_pct", partner.share_pct)


def check_references(plan: Plan, problems: list) -> None:
    if plan.hwb.two_tier and not plan.hwb.district_councils:
        problems.append(("hwb.district_councils", [], "a two-tier area must name its district councils (DFG pass-through)"))
    # each CCG's share_in_hwb_pct is its own fraction of that CCG; they need not sum to 100
    contributed = {(c.stream) for c in plan.contributions}
    for i, s in enumerate(plan.schemes):
        if s.funding_stream not in contributed:
            problems.append(
                (
                    f"schemes[{i}].funding_stream",
                    s.funding_stream.value,
                    "no contribution of this stream exists in the plan; streams contributed: "
                    + ", ".join(x.value for x in plan.streams),
                )
            )
        if s.commissioner is Commissioner.joint and s.nhs_share_pct is None:
            problems.append((f"schemes[{i}].nhs_share_pct", None, "a joint commission needs the NHS share in %"))
        if s.commissioner is not Commissioner.joint and s.nhs_share_pct is not None:
            problems.append((f"schemes[{i}].nhs_share_pct", s.nhs_share_pct, "only a joint commission has an NHS share"))
    check_minimum(plan, problems)
    if plan.minimum_pool.method == "stated":
        for y in plan.years[:2]:
            if y not in plan.minimum_pool.stated:
                problems.append((f"minimum_pool.stated.{y}", "(missing)", "a stated minimum needs a figure for each BCF year"))
    elif plan.minimum_pool.method == "derived" and plan.national_shares is None:
        problems.append(("national_shares", "(missing)", "a derived minimum needs the HWB's national shares"))
    fixed = [p.share_pct for p in plan.partners]
    if plan.partners and all(x is not None for x in fixed):
        for i, p in enumerate(plan.partners):
            if isinstance(p.share_pct, dict):
                for y in plan.years:
                    if y not in p.share_pct:
                        problems.append((f"partners[{i}].share_pct.{y}", "(missing)", "a share profile gives every modelled year"))
        for y in plan.years:
            in_year = [p.share_pct_in(y) for p in plan.partners]
            if any(x is None for x in in_year):
                continue
            total = sum(in_year)  # type: ignore[arg-type]
            if abs(total - 100.0) > 1e-6:
                where = "partners[*].share_pct" + (f" in {y}" if any(isinstance(x, dict) for x in fixed) else "")
                problems.append((where, in_year, f"shares sum to {total:g}%, not 100%"))
                if not any(isinstance(x, dict) for x in fixed):
                    break  # one figure for every year: report it once
    elif plan.partners and any(x is not None for x in fixed):
        problems.append(("partners[*].share_pct", fixed, "give every partner a share, or none (pro rata to what each commissions)"))
    contributors = set(plan.organisations)
    for i, p in enumerate(plan.partners):
        if p.cap_at_contribution and p.name not in contributors:
            problems.append((f"partners[{i}].name", p.name, "cap_at_contribution needs a partner named as a contributing "
                             "organisation; contributors: " + ", ".join(sorted(contributors))))


def check_minimum(plan: Plan, problems: list) -> None:
    """A minimum that can fail: no zero figures, every BCF year, organisations that exist."""
    mp = plan.minimum_pool
    bcf_years = ("2014/15", "2015/16")
    if mp.method == "stated":
        for y, amount in mp.stated.items():
            if amount <= 0:
                problems.append((f"minimum_pool.stated.{y}", amount, "a minimum of 0 tests nothing: state the required amount"))
    elif mp.method == "by_organisation":
        known = set(plan.organisations) | set(plan.hwb.councils) | {c.name for c in plan.hwb.ccgs}
        for i, m in enumerate(mp.by_organisation):
            where = f"minimum_pool.by_organisation[{i}]"
            if m.year not in plan.years:
                problems.append((f"{where}.year", m.year, f"year outside the plan's years {plan.years}"))
            if m.organisation not in known:
                problems.append((f"{where}.organisation", m.organisation,
                                 "not an organisation of the plan; organisations: " + ", ".join(sorted(known))))
            if m.amount <= 0:
                problems.append((f"{where}.amount", m.amount, "a minimum of 0 tests nothing: state the allocation"))
            if m.stream in ADDITIONAL_STREAMS:
                problems.append((f"{where}.stream", m.stream.value, "additional contributions are above the minimum, not part of it"))
        for y in bcf_years:
            if not any(m.year == y for m in mp.by_organisation):
                problems.append(("minimum_pool.by_organisation", "(missing)", f"no minimum contribution for {y}"))
    if mp.method == "derived" and plan.national_shares is not None:
        ns = plan.national_shares
        if ns.revenue_pct == 0 and ns.capital_pct == 0 and not any(ns.overrides_pct.values()):
            problems.append(("national_shares", 0, "every share is 0, so the derived minimum is £0 and tests nothing"))
    if mp.method != "by_organisation" and mp.by_organisation:
        problems.append(("minimum_pool.by_organisation", "...", 'given, but method is not "by_organisation"'))


def check_qipp(plan: Plan, problems: list) -> None:
    if plan.qipp is None:
        return
    first = fy_start(plan.years[0])
    end = date(first.year + len(plan.years), 4, 1)
    for i, cohort in enumerate(plan.qipp.cohorts):
        where = f"qipp.cohorts[{i}]"
        if not first <= cohort.go_live < end:
            problems.append((f"{where}.go_live", cohort.go_live.isoformat(),
                             f"go-live outside the modelled years ({first.isoformat()} to {end.isoformat()}, exclusive)"))
        if cohort.ceiling_pct < cohort.initial_reduction_pct:
            problems.append((f"{where}.ceiling_pct", cohort.ceiling_pct,
                             f"ceiling below the initial reduction of {cohort.initial_reduction_pct:g}%"))
        kinds = [line.kind for line in cohort.lines]
        via_ae = any(l.admitted_via_ae_pct > 0 for l in cohort.lines if l.kind is ActivityKind.emergency_admissions)
        if via_ae and ActivityKind.ae_attendances not in kinds:
            problems.append((f"{where}.lines", [k.value for k in kinds],
                             "EAs admitted via A&E need an ae_attendances line with its tariff_gbp to value the attendances avoided"))
        if kinds.count(ActivityKind.ae_attendances) > 1:
            problems.append((f"{where}.lines", [k.value for k in kinds], "at most one ae_attendances line per cohort"))
        for j, line in enumerate(cohort.lines):
            if line.kind is not ActivityKind.emergency_admissions and line.admitted_via_ae_pct:
                problems.append((f"{where}.lines[{j}].admitted_via_ae_pct", line.admitted_via_ae_pct,
                                 "only an emergency_admissions line is admitted via A&E"))


def check_outturn(plan: Plan, problems: list) -> None:
    for i, m in enumerate(plan.metrics):
        if m.baseline == 0 and m.target == 0:
            problems.append((f"metrics[{i}].baseline", 0, f"metric {m.name!r} has baseline 0 and target 0: give the real "
                             "baseline and target (achievement cannot be measured against nothing)"))
    check_conditions_unique(plan.national_conditions, problems)
    closing = plan.risk_share.beds_planned_to_close if plan.risk_share is not None else 0.0
    if plan.outturn.beds_not_closed > closing:
        problems.append(("outturn.beds_not_closed", plan.outturn.beds_not_closed,
                         f"more beds not closed than the plan closes (risk_share.beds_planned_to_close = {closing:g})"))
    names = {m.name for m in plan.metrics}
    for name in plan.outturn.metrics_actual:
        if name not in names:
            problems.append((f"outturn.metrics_actual.{name}", name, "no metric of that name in the plan"))
    if plan.risk_share is not None and plan.risk_share.share_basis == "fixed" and plan.partners:
        if any(p.share_pct is None for p in plan.partners):
            problems.append(("partners[*].share_pct", [p.share_pct for p in plan.partners], "fixed shares need a share_pct for every partner"))
    if plan.p4p is not None and plan.p4p.design == "original" and plan.p4p.performance_pool is None and plan.national_shares is None:
        problems.append(("p4p.performance_pool", None, "the original design needs the local performance element, or national_shares to derive it"))
