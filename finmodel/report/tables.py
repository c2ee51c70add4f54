"""Result tables: a RunResult -> pandas DataFrames, one per financial question.

Money stays in £ here (rounded to the penny when written); the terminal summary
shows £000 where that reads better.  Every table is built from the arrays of the
first scenario (``[0]``) of a run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from finmodel.arrays import ACTIVITIES
from finmodel.core.qipp import month_label
from finmodel.engine import RunResult
from finmodel.model import SHORTFALL_PARTS
from finmodel.plan import STREAM_LABELS

PENNY = 2  # decimal places of £ written to CSV and JSON


def _years(result: RunResult) -> list[str]:
    return list(result.plan.years)


def _year_table(result: RunResult, rows: dict, index_name: str) -> pd.DataFrame:
    """One row per entry of ``rows`` (label -> per-year values), one column per financial year."""
    df = pd.DataFrame(rows, index=_years(result)).T
    df.index.name = index_name
    return df


def pool_by_stream(result: RunResult) -> pd.DataFrame:
    """Pool by funding stream (rows) and year (columns), £, with a total row."""
    pool = result.pool
    rows = {STREAM_LABELS[s]: pool.by_year_stream_gbp[0, :, i] for i, s in enumerate(pool.streams)
            if pool.by_year_stream_gbp[0, :, i].any()}
    df = _year_table(result, rows, "stream")
    df.loc["Total pool"] = pool.pool_gbp[0]
    return df


def pool_by_organisation(result: RunResult) -> pd.DataFrame:
    pool = result.pool
    df = _year_table(result, {org: pool.by_year_org_gbp[0, :, i] for i, org in enumerate(pool.organisations)}, "organisation")
    df.loc["Total pool"] = pool.pool_gbp[0]
    return df


def pool_summary(result: RunResult) -> pd.DataFrame:
    """The pooled budget per year: minimum vs agreed, capital/revenue, sources vs uses, earmarks."""
    p = result.pool
    rows = {
        "Minimum required pool": p.minimum_gbp[0],
        "Total agreed pool": p.pool_gbp[0],
        "Margin over minimum": p.margin_gbp[0],
        "Revenue": p.revenue_gbp[0],
        "Capital": p.capital_gbp[0],
        "DFG passed to district councils": p.dfg_to_districts_gbp[0],
        "Planned scheme spend": p.spend_gbp[0],
        "Unallocated (+) / overcommitted (-)": p.unallocated_gbp[0],
        "NHS-commissioned spend": p.spend_nhs_commissioned_gbp[0],
        "Council-commissioned spend": p.spend_council_commissioned_gbp[0],
        "NHS-commissioned out-of-hospital spend": p.nhs_out_of_hospital_gbp[0],
        "Protection of social care (stated)": p.protection_stated_gbp,
        "Protection of social care (% of pool)": p.protection_pct_of_pool[0],
        "Schemes flagged as protecting social care": p.protection_schemes_gbp[0],
        "Care Act amount": p.care_act_gbp,
        "Care Act proportionate share of £135m": p.care_act_share_gbp,
        "Carers' support amount": p.carers_gbp,
        "Carers' breaks share of £130m": p.carers_share_gbp,
        "Reablement stream": p.reablement_gbp[0],
        "Reablement share of £300m": p.reablement_share_gbp,
        "Scheme benefits (planned)": p.benefits_gbp[0],
    }
    return _year_table(result, rows, "figure")


def spend_by_area(result: RunResult) -> pd.DataFrame:
    from finmodel.budget import ALL_AREAS

    p = result.pool
    df = _year_table(result, {a.value: p.spend_by_area_gbp[0, :, i] for i, a in enumerate(ALL_AREAS)}, "area_of_spend")
    df.loc["Total"] = p.spend_gbp[0]
    return df


def schemes(result: RunResult) -> pd.DataFrame:
    """One row per scheme: its descriptors and spend / benefits per year."""
    records = []
    for j, s in enumerate(result.plan.schemes):
        rec = {
            "id": s.id, "name": s.name, "area_of_spend": s.area_of_spend.value, "commissioner": s.commissioner.value,
            "nhs_share_pct": 100.0 if s.commissioner.value == "ccg" else 0.0 if s.commissioner.value == "council" else s.nhs_share_pct,
            "provider": s.provider, "funding_stream": s.funding_stream.value, "status": s.status,
            "recurrent": s.recurrent, "protects_social_care": s.protects_social_care,
            "nhs_out_of_hospital": s.nhs_out_of_hospital,
            "benefit_activity": s.benefit_activity.value if s.benefit_activity else "",
        }
        for y, label in enumerate(result.plan.years):
            rec[f"spend {label}"] = result.pool.scheme_spend_gbp[0, y, j]
        for y, label in enumerate(result.plan.years):
            rec[f"benefits {label}"] = result.pool.scheme_benefits_gbp[0, y, j]
        records.append(rec)
    return pd.DataFrame.from_records(records)


def checks(result: RunResult) -> pd.DataFrame:
    return pd.DataFrame([{"check": c.key, "question": c.question, "rag": c.rag, "reason": c.reason} for c in result.checks])


def qipp_by_year(result: RunResult) -> pd.DataFrame:
    """QIPP savings per financial year: planned, delivered by activity, full-year effect, investment, net."""
    o = result.outputs
    rows = {
        "Planned gross savings": o.qipp_planned_gbp[0],
        "Emergency admissions (marginal rate)": o.qipp_by_activity_gbp[0, :, 0],
        "A&E attendances": o.qipp_by_activity_gbp[0, :, 1],
        "Outpatient appointments": o.qipp_by_activity_gbp[0, :, 2],
        "Gross savings (part-year effect)": o.qipp_gross_gbp[0],
        "EA full-year effect of the March run-rate": o.qipp_full_year_effect_gbp[0],
        "Investment": result.inputs.qipp_investment_gbp[0],
        "Net QIPP savings": o.qipp_net_gbp[0],
        "Emergency admissions avoided (count)": o.ea_avoided[0],
    }
    return _year_table(result, rows, "figure")


def qipp_by_cohort(result: RunResult) -> pd.DataFrame:
    names = [c.name for c in result.plan.qipp.cohorts] if result.plan.qipp else []
    o = result.outputs
    df = _year_table(result, {name: o.qipp_by_cohort_gbp[0, :, c] for c, name in enumerate(names)}, "cohort")
    if names:
        df.loc["Total"] = o.qipp_gross_gbp[0]
    return df


def qipp_monthly(result: RunResult) -> pd.DataFrame:
    """Monthly QIPP profile by cohort (long table): month, financial year, cohort, EA, A&E, outpatients, total."""
    if result.plan.qipp is None:
        return pd.DataFrame(columns=["month", "financial_year", "cohort", "ea_gbp", "ae_gbp", "outpatients_gbp", "total_gbp"])
    first = result.plan.first_year
    records = []
    for c, cohort in enumerate(result.plan.qipp.cohorts):
        for m in range(result.monthly_qipp_gbp.shape[1]):
            ea, ae, op = result.monthly_qipp_gbp[c, m]
            records.append({
                "month": month_label(m, first), "financial_year": result.plan.years[m // 12], "cohort": cohort.name,
                "ea_gbp": ea, "ae_gbp": ae, "outpatients_gbp": op, "total_gbp": ea + ae + op,
            })
    return pd.DataFrame.from_records(records)


def qipp_monthly_grid(result: RunResult) -> pd.DataFrame:
    """Monthly QIPP savings of all cohorts: one row per financial year, one column per month (Apr..Mar), £."""
    months = ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]
    total = result.monthly_qipp_gbp.sum(axis=(0, 2)).reshape(len(result.plan.years), 12)
    df = pd.DataFrame(total, index=_years(result), columns=months)
    df["Year"] = total.sum(axis=1)
    df.index.name = "financial year"
    return df


def overlaps(result: RunResult) -> pd.DataFrame:
    """QIPP vs scheme benefits per activity and year; the overlap is counted once."""
    o = result.outputs
    records = []
    for y, label in enumerate(result.plan.years):
        for a, activity in enumerate(ACTIVITIES):
            q, b, ov = (o.qipp_planned_by_activity_gbp[0, y, a], o.benefits_planned_by_activity_gbp[0, y, a],
                        o.overlap_planned_by_activity_gbp[0, y, a])
            if q or b:
                records.append({"year": label, "activity": activity.value, "qipp_gbp": q, "scheme_benefits_gbp": b,
                                "overlap_gbp": ov, "counted_once_gbp": q + b - ov})
    return pd.DataFrame.from_records(records, columns=["year", "activity", "qipp_gbp", "scheme_benefits_gbp", "overlap_gbp", "counted_once_gbp"])


def five_year(result: RunResult) -> pd.DataFrame:
    fy = result.plan.five_year
    i, o = result.inputs, result.outputs
    rows = {
        "Transformation fund": i.transformation_fund_gbp[0],
        "CCG outturn before QIPP": i.ccg_outturn_before_gbp[0],
        "Net QIPP (cohort model)": o.qipp_net_gbp[0],
        "Net QIPP (other schemes)": i.other_net_qipp_gbp[0],
        "CCG outturn after QIPP": o.ccg_outturn_after_gbp[0],
        "ASC net budget": np.array([fy.asc_net_budget.get(y, 0.0) for y in result.plan.years]) if fy else np.zeros(len(result.plan.years)),
        "ASC demographic pressure": i.asc_pressure_gbp[0],
        "ASC funding change": i.asc_funding_change_gbp[0],
        "ASC savings target": i.asc_savings_target_gbp[0],
        "ASC gap": o.asc_gap_gbp[0],
        "System gap (+ short / - surplus)": o.system_gap_gbp[0],
    }
    return _year_table(result, rows, "figure")


def p4p_table(result: RunResult) -> pd.DataFrame:
    o, i = result.outputs, result.inputs
    quarters = ["Q1", "Q2", "Q3", "Q4"]
    df = pd.DataFrame({
        "NEL baseline": i.nel_baseline_q[0],
        "Planned admissions avoided": o.nel_planned_avoided_q[0],
        "Actual admissions avoided": o.nel_actual_avoided_q[0],
        "P4P released (£)": o.p4p_released_q_gbp[0],
    }, index=quarters)
    df.loc["Total"] = df.sum()
    df.index.name = "quarter"
    return df


def p4p_summary(result: RunResult) -> dict[str, float]:
    o = result.outputs
    return {
        "design": result.inputs.p4p_design,
        "year": result.plan.years[result.inputs.p4p_year],
        "planned_reduction_pct": float(result.inputs.planned_reduction_frac[0, 0] * 100),
        "cost_per_admission_gbp": float(result.inputs.cost_per_admission_gbp[0, 0]),
        "p4p_sum_gbp": float(o.p4p_sum_gbp[0]),
        "released_gbp": float(o.p4p_released_gbp[0]),
        "unreleased_gbp": float(o.p4p_unreleased_gbp[0]),
        "unreleased_to_acute_gbp": float(o.p4p_to_acute_gbp[0]),
        "unreleased_to_out_of_hospital_gbp": float(o.p4p_to_out_of_hospital_gbp[0]),
        "metrics_overall_achievement_pct": float(o.metrics_overall_frac[0] * 100),
        "contingency_funding_allowed": bool(o.contingency_funding_allowed[0]),
    }


def metrics(result: RunResult) -> pd.DataFrame:
    o = result.outputs
    return pd.DataFrame([{
        "metric": m.name, "unit": m.unit, "baseline": m.baseline, "target": m.target,
        "actual": float(result.inputs.metrics_actual[0, k]), "achievement_pct": float(o.metrics_achievement_frac[0, k] * 100),
        "source": m.source,
    } for k, m in enumerate(result.plan.metrics)], columns=["metric", "unit", "baseline", "target", "actual", "achievement_pct", "source"])


def risk_share(result: RunResult) -> pd.DataFrame:
    """The shortfall and the waterfall per year: parts, contingency, each partner, unfunded gap."""
    o = result.outputs
    rows = {f"Shortfall: {part.replace('_', ' ')}": o.shortfall_parts_gbp[0, :, k] for k, part in enumerate(SHORTFALL_PARTS)}
    rows["Shortfall (total)"] = o.shortfall_gbp[0]
    rows["Contingency held"] = o.contingency_gbp[0]
    rows["Contingency used"] = o.contingency_used_gbp[0]
    for p, partner in enumerate(result.plan.partners):
        rows[f"Paid by {partner.name}"] = o.partner_payments_gbp[0, :, p]
    rows["Unfunded gap"] = o.unfunded_gap_gbp[0]
    rows["Underspend kept in pool"] = o.underspend_retained_gbp[0]
    df = _year_table(result, rows, "figure")
    df["Total"] = df.sum(axis=1)
    return df


def compare_row(result: RunResult) -> dict[str, float]:
    """One scenario's headline figures (totals over all modelled years) for `finmodel compare`."""
    o = result.outputs
    row = {
        "Pool (all years)": float(result.pool.pool_gbp[0].sum()),
        "Savings planned": float(o.savings_planned_gbp[0].sum()),
        "Savings delivered": float(o.savings_delivered_gbp[0].sum()),
        "P4P sum": float(o.p4p_sum_gbp[0]),
        "P4P released": float(o.p4p_released_gbp[0]),
        "Shortfall": float(o.shortfall_gbp[0].sum()),
        "Contingency used": float(o.contingency_used_gbp[0].sum()),
    }
    for p, partner in enumerate(result.plan.partners):
        row[f"Paid by {partner.name}"] = float(o.partner_payments_gbp[0, :, p].sum())
    row["Unfunded gap"] = float(o.unfunded_gap_gbp[0].sum())
    return row


def compare(results: list[RunResult]) -> pd.DataFrame:
    df = pd.DataFrame({r.scenario.name: compare_row(r) for r in results})
    df.index.name = "figure"
    return df


def assumptions(result: RunResult) -> pd.DataFrame:
    """Every figure the plan labels as assumed, with its reason and the headline figures it drives."""
    from finmodel.assumptions import collect

    rows = [{"input": a.path, "drives": a.drives, "reason": a.reason}
            for a in collect(result.plan.model_dump(mode="json"))]
    return pd.DataFrame(rows, columns=["input", "drives", "reason"])


def all_tables(result: RunResult) -> dict[str, pd.DataFrame]:
    """Every result table of a run, by file stem."""
    tables = {
        "pool_by_stream": pool_by_stream(result),
        "pool_by_organisation": pool_by_organisation(result),
        "pool_summary": pool_summary(result),
        "spend_by_area": spend_by_area(result),
        "schemes": schemes(result),
        "checks": checks(result),
        "metrics": metrics(result),
        "assumptions": assumptions(result),
    }
    if result.plan.qipp is not None or result.plan.schemes:
        tables["overlaps"] = overlaps(result)
    if result.plan.qipp is not None:
        tables["qipp_by_year"] = qipp_by_year(result)
        tables["qipp_by_cohort"] = qipp_by_cohort(result)
        tables["qipp_monthly"] = qipp_monthly(result)
    if result.plan.five_year is not None:
        tables["five_year"] = five_year(result)
    if result.plan.p4p is not None:
        tables["p4p_by_quarter"] = p4p_table(result)
    if result.plan.risk_share is not None:
        tables["risk_share"] = risk_share(result)
    return tables

