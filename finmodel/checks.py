"""Financial assurance checks: the finance questions of the national BCF review.

Each check returns a Red/Amber/Green rating and a one-line reason with the
numbers (docs/SOURCES.md §8; seed 000 shows the assurers' questions and seed 004
the regional RAG summary).  Checks read a computed :class:`PoolResult` (first
scenario, ``[0]``) and the plan; they do not compute money themselves beyond
simple comparisons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from finmodel.arrays import NATIONAL_PERFORMANCE_POOL_GBP
from finmodel.budget import PoolResult
from finmodel.national_conditions import CONDITIONS, STATUS_RAG, STATUS_WORDS
from finmodel.plan import Plan

Rag = Literal["Green", "Amber", "Red"]

#: Sources and uses are treated as equal within a penny.
PENNY_GBP = 0.005
#: Care Act money at or above this fraction of the proportionate share is Green [assumption].
CARE_ACT_GREEN_FRAC = 0.9


@dataclass(frozen=True)
class Check:
    key: str
    question: str
    rag: Rag
    reason: str


def gbp(x: float) -> str:
    """£ to the nearest pound, with thousands separators (negative as -£)."""
    return ("-£" if x < 0 else "£") + f"{abs(x):,.0f}"


def check_minimum_pooled(pool: PoolResult) -> Check:
    """At least the minimum required amount is pooled, every year, and by every organisation that owes one.

    With ``minimum_pool.method = "by_organisation"`` each organisation's contributions
    are compared with its own allocation, so the check fails when one partner puts in
    less than it must even if another's extra money lifts the total.
    """
    question = "Does the plan pool at least the minimum required amount?"
    parts, short = [], []
    for k, org in enumerate(pool.minimum_orgs):
        for y, label in enumerate(pool.years):
            need, has = pool.minimum_by_org_gbp[0, y, k], pool.actual_by_min_org_gbp[0, y, k]
            if need > 0 and has + PENNY_GBP < need:
                short.append(f"{org} {label} contributes {gbp(has)} of its minimum {gbp(need)}")
    for y, label in enumerate(pool.years):
        agreed, minimum = pool.pool_gbp[0, y], pool.minimum_gbp[0, y]
        if minimum <= 0 and agreed <= 0:
            continue
        parts.append(f"{label} {gbp(agreed)} vs minimum {gbp(minimum)}")
        if agreed + PENNY_GBP < minimum:
            short.append(f"{label} short by {gbp(minimum - agreed)}")
    if short:
        return Check("minimum_pooled", question, "Red", "Below the minimum: " + "; ".join(short) + ".")
    by_org = f" (each of {len(pool.minimum_orgs)} organisations at or above its own minimum)" if pool.minimum_orgs else ""
    return Check("minimum_pooled", question, "Green", "; ".join(parts) + by_org + ".")


def check_costs_and_benefits(plan: Plan, pool: PoolResult) -> Check:
    """Schemes are listed with costs and benefits (seed 000: Luton listed costs but not benefits)."""
    question = "Are schemes listed with costs and benefits?"
    if not plan.schemes:
        return Check("costs_and_benefits", question, "Red", "No schemes are listed.")
    spend = pool.scheme_spend_gbp[0].sum(axis=0)
    benefits = pool.scheme_benefits_gbp[0].sum(axis=0)
    no_cost = [s.id for s, c in zip(plan.schemes, spend) if c <= 0]
    no_benefit = [s.id for s, b in zip(plan.schemes, benefits) if b <= 0]
    j = len(plan.schemes)
    totals = f"{j} schemes, costs {gbp(spend.sum())}, benefits {gbp(benefits.sum())}"
    if no_cost or len(no_benefit) == j:
        why = f"{len(no_cost)} without costs" if no_cost else "no scheme states a benefit"
        return Check("costs_and_benefits", question, "Red", f"{totals}: {why}.")
    if no_benefit:
        return Check("costs_and_benefits", question, "Amber", f"{totals}: {len(no_benefit)} of {j} without benefits ({', '.join(no_benefit)}).")
    return Check("costs_and_benefits", question, "Green", f"{totals}: every scheme has both.")


def check_care_act(pool: PoolResult) -> Check:
    """Care Act money identified, backed by schemes, and proportionate to the national £135m (seed 000).

    A stated amount alone is not identified money: schemes flagged ``care_act = true``
    must carry it (Amber if they carry less than the amount stated).
    """
    question = "Is the Care Act money identified and proportionate to the national £135m?"
    y = pool.years.index("2015/16")
    amount, share = pool.care_act_gbp[y], pool.care_act_share_gbp[y]
    backed = pool.care_act_schemes_gbp[0, y]
    if amount <= 0:
        return Check("care_act", question, "Red", f"No Care Act money identified in 2015/16 (proportionate share {gbp(share) if np.isfinite(share) else 'unknown'}).")
    if backed + PENNY_GBP < amount:
        return Check("care_act", question, "Amber",
                     f"{gbp(amount)} stated for 2015/16, but schemes flagged as Care Act spend carry {gbp(backed)}: "
                     f"{gbp(amount - backed)} is not backed by a scheme.")
    if not np.isfinite(share):
        return Check("care_act", question, "Amber", f"{gbp(amount)} identified in 2015/16, but the plan gives no national shares to test proportion.")
    ratio = amount / share if share > 0 else np.inf
    reason = f"{gbp(amount)} in 2015/16 = {ratio:.0%} of the proportionate share {gbp(share)}"
    if ratio >= CARE_ACT_GREEN_FRAC:
        return Check("care_act", question, "Green", reason + ".")
    return Check("care_act", question, "Amber", reason + f" (below {CARE_ACT_GREEN_FRAC:.0%}).")


def check_social_care_protection(plan: Plan, pool: PoolResult) -> Check:
    """Protection of social care is defined locally and funded by schemes."""
    question = "Is the protection of social care defined and funded?"
    defined = bool(plan.social_care_protection.definition.strip())
    y = pool.years.index("2015/16")
    stated = pool.protection_stated_gbp[y]
    funded = pool.protection_schemes_gbp[0, y]
    pct = pool.protection_pct_of_pool[0, y]
    numbers = f"2015/16 stated {gbp(stated)} ({pct:.1f}% of pool), schemes flagged {gbp(funded)}"
    if not defined or stated <= 0:
        return Check("social_care_protection", question, "Red", ("No local definition; " if not defined else "No amount; ") + numbers + ".")
    if funded + PENNY_GBP < stated:
        return Check("social_care_protection", question, "Amber", numbers + f": schemes fund {gbp(stated - funded)} less than stated.")
    return Check("social_care_protection", question, "Green", numbers + ".")


def check_sources_equal_uses(pool: PoolResult) -> Check:
    """Every pound pooled is planned, and no scheme spends money the pool does not have."""
    question = "Do sources equal uses (every pound planned, nothing overcommitted)?"
    over, under, streams_over = [], [], []
    for y, label in enumerate(pool.years):
        u = pool.unallocated_gbp[0, y]
        if u < -PENNY_GBP:
            over.append(f"{label} overcommitted by {gbp(-u)}")
        elif u > PENNY_GBP:
            under.append(f"{label} {gbp(u)} unallocated")
        for s, stream in enumerate(pool.streams):
            if pool.stream_overcommitted_gbp[0, y, s] > PENNY_GBP:
                streams_over.append(f"{label} {stream.value} by {gbp(pool.stream_overcommitted_gbp[0, y, s])}")
    if over or streams_over:
        return Check("sources_equal_uses", question, "Red", "; ".join(over + [f"stream overspent: {x}" for x in streams_over]) + ".")
    if under:
        return Check("sources_equal_uses", question, "Amber", "; ".join(under) + ".")
    totals = ", ".join(f"{label} {gbp(pool.pool_gbp[0, y])}" for y, label in enumerate(pool.years) if pool.pool_gbp[0, y] > 0)
    return Check("sources_equal_uses", question, "Green", f"Pool fully planned: {totals}.")


def placeholder_paths(node, path: str = "") -> list[str]:
    """Where the plan still says FILL IN (a skeleton from `finmodel new`), e.g. 'contributions[0].source'."""
    from finmodel.new_plan import PLACEHOLDER

    if isinstance(node, dict):
        return [p for k, v in node.items() for p in placeholder_paths(v, f"{path}.{k}" if path else str(k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in placeholder_paths(v, f"{path}[{i}]")]
    return [path] if isinstance(node, str) and PLACEHOLDER in node else []


def check_placeholders(plan: Plan) -> Check | None:
    """Red while any figure of a skeleton plan is still a placeholder; None (not asked) once none is left."""
    paths = placeholder_paths(plan.model_dump(mode="json"))
    if not paths:
        return None
    shown = ", ".join(paths[:6]) + (f" and {len(paths) - 6} more" if len(paths) > 6 else "")
    return Check("placeholders", "Is every figure of the plan filled in, with its source?", "Red",
                 f"{len(paths)} placeholders still say FILL IN: {shown}.")


def pool_checks(plan: Plan, pool: PoolResult) -> list[Check]:
    """The pool-level assurance checks, in the order assurers ask them."""
    placeholders = check_placeholders(plan)
    return ([placeholders] if placeholders else []) + [
        check_minimum_pooled(pool),
        check_costs_and_benefits(plan, pool),
        check_care_act(pool),
        check_social_care_protection(plan, pool),
        check_sources_equal_uses(pool),
    ]


def check_qipp_double_counting(outputs) -> Check:
    """BCF scheme benefits kept apart from QIPP, so nothing is counted twice (seed 000)."""
    question = "Are BCF benefits kept apart from QIPP, so nothing is counted twice?"
    overlap = outputs.overlap_planned_by_activity_gbp[0]  # (Y, A)
    total = overlap.sum()
    if total > PENNY_GBP:
        return Check("qipp_double_counting", question, "Amber",
                     f"Scheme benefits and QIPP claim the same activity: {gbp(total)} counted once, not twice.")
    benefits = outputs.benefits_planned_by_activity_gbp[0].sum()
    qipp = outputs.qipp_planned_gbp[0].sum()
    return Check("qipp_double_counting", question, "Green",
                 f"No overlap: QIPP {gbp(qipp)} and scheme benefits {gbp(benefits)} claim different activity.")


def check_contingency(plan: Plan, outputs) -> Check:
    """A contingency plan for targets not met, with a risk share (seed 000, 002)."""
    question = "Is there a contingency plan, with a risk share, for targets not being met?"
    if plan.risk_share is None or not plan.partners:
        return Check("contingency", question, "Red", "No risk share: the plan names no partners or contingency.")
    basis = plan.risk_share.contingency_basis
    contingency = outputs.contingency_gbp[0].sum()
    if basis == "none":
        return Check("contingency", question, "Red", "No contingency (contingency_basis = none): a shortfall falls straight "
                     "on the partners' shares and caps, then is unfunded.")
    shortfall = outputs.shortfall_gbp[0].clip(min=0).sum()
    gap = outputs.unfunded_gap_gbp[0].sum()
    names = ", ".join(p.name for p in plan.partners)
    if basis == "stated" and sum(plan.risk_share.contingency.values()) <= 0:
        return Check("contingency", question, "Amber", f"A stated contingency of £0 in every year; partners {names}.")
    if basis == "p4p_unreleased":
        held = (f"Contingency: the P4P money not released ({gbp(contingency)} in this scenario, "
                f"of a {gbp(outputs.p4p_sum_gbp[0])} P4P sum)")
    else:
        held = f"Contingency {gbp(contingency)} ({basis.replace('_', ' ')})"
    reason = f"{held}; partners {names}; this scenario's shortfall {gbp(shortfall)}, unfunded {gbp(gap)}"
    overall = float(outputs.metrics_overall_frac[0])
    original = plan.p4p is not None and plan.p4p.design == "original"
    if original and basis in ("p4p_sum", "p4p_unreleased") and not bool(outputs.contingency_funding_allowed[0]):
        return Check("contingency", question, "Red",
                     f"Recovery plan needed: the metrics are at {overall:.1%} of plan, below 70%, so the performance "
                     f"money may not fund the contingency (£0); {reason}.")
    if gap > PENNY_GBP:
        return Check("contingency", question, "Amber", reason + ".")
    return Check("contingency", question, "Green", reason + ".")


def check_p4p_ambition(plan: Plan, outputs) -> Check:
    """Planned fall in non-elective admissions against the 3.5% expected minimum (revised design, public)."""
    question = "Is the planned fall in non-elective admissions at least 3.5% (or a credible case made)?"
    if plan.p4p is None:
        return Check("p4p_ambition", question, "Amber", "No payment-for-performance section in the plan.")
    pct = plan.p4p.planned_reduction_pct
    reason = f"Planned reduction {pct:g}%, P4P sum {gbp(outputs.p4p_sum_gbp[0])}"
    if pct >= 3.5:
        return Check("p4p_ambition", question, "Green", reason + ".")
    if plan.p4p.credible_case_claimed:
        return Check("p4p_ambition", question, "Amber", reason + ": below 3.5%, credible case claimed.")
    return Check("p4p_ambition", question, "Red", reason + ": below 3.5% with no credible case.")


def hwb_performance_element_gbp(plan: Plan) -> float | None:
    """The HWB's share of the national £1bn performance element [£]: stated, or £1bn x revenue share; None if unknown."""
    if plan.p4p is not None and plan.p4p.performance_pool is not None:
        return plan.p4p.performance_pool
    if plan.national_shares is not None:
        return NATIONAL_PERFORMANCE_POOL_GBP * plan.national_shares.revenue_pct / 100.0
    return None


def check_performance_element(plan: Plan, pool: PoolResult, outputs) -> Check | None:
    """Revised design: the HWB's share of the £1bn is the P4P sum or NHS-commissioned out-of-hospital spend (public).

    P4P sum + NHS-commissioned out-of-hospital spend in the P4P year >= the HWB's share.
    None (not asked) for the original design or a plan without P4P.
    """
    if plan.p4p is None or plan.p4p.design != "revised":
        return None
    question = "Is the HWB's share of the £1bn either the P4P sum or spent on NHS-commissioned out-of-hospital services?"
    y = plan.years.index(plan.p4p.year)
    share = hwb_performance_element_gbp(plan)
    p4p_sum, ooh = float(outputs.p4p_sum_gbp[0]), float(pool.nhs_out_of_hospital_gbp[0, y])
    covered = p4p_sum + ooh
    numbers = f"P4P sum {gbp(p4p_sum)} + NHS-commissioned out-of-hospital spend {gbp(ooh)} = {gbp(covered)}"
    if share is None:
        return Check("performance_element", question, "Amber", numbers + ": the plan gives no national shares or "
                     "performance element to test it against.")
    if covered + PENNY_GBP < share:
        return Check("performance_element", question, "Red",
                     f"{numbers} in {plan.p4p.year}, short of the HWB's {gbp(share)} share of the £1bn by {gbp(share - covered)}.")
    return Check("performance_element", question, "Green", f"{numbers} in {plan.p4p.year}, at least the HWB's {gbp(share)} share of the £1bn.")


def condition_checks(plan: Plan) -> list[Check]:
    """The five national conditions the plan states (seed 002 para 18); one not stated is Red."""
    stated = {c.condition: c for c in plan.national_conditions}
    checks = []
    for key, title in CONDITIONS.items():
        c = stated.get(key)
        if c is None:
            checks.append(Check(f"condition_{key}", f"National condition: {title}?", "Red", "Not stated in the plan."))
            continue
        where = f" ({c.page_ref})" if c.page_ref else ""
        score = f" (assurer's score {c.score}/10)" if c.score is not None else ""
        checks.append(Check(f"condition_{key}", f"National condition: {title}?", STATUS_RAG[c.status],
                            f"{STATUS_WORDS[c.status].capitalize()}{where}: {c.evidence.rstrip('.')}{score}."))
    return checks


def model_checks(plan: Plan, outputs, pool: PoolResult | None = None) -> list[Check]:
    """Checks that read the savings, P4P and risk-share results (and the pool for the £1bn test)."""
    checks = [check_qipp_double_counting(outputs), check_p4p_ambition(plan, outputs)]
    element = check_performance_element(plan, pool, outputs) if pool is not None else None
    if element is not None:
        checks.append(element)
    return checks + [check_contingency(plan, outputs)]
