"""What finmodel prints on the terminal: the headline, the detail tables, the checks, a sweep.

Every piece of plan or file text goes through :func:`esc` (no rich markup, no control
characters reach the terminal).  The command line (:mod:`finmodel.cli`) decides what to
print; this module only says how.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:  # the command line imports this module for esc(); the model and pandas load when printing
    import pandas as pd
    from rich.console import Console

    from finmodel.engine import RunResult

RAG_STYLE = {"Green": "bold green", "Amber": "bold yellow", "Red": "bold red"}

CONTROL_CHARS = str.maketrans({i: f"\\x{i:02x}" for i in [*range(0x20), 0x7f]})


def esc(text: object) -> str:
    """Plan or file text made safe for the terminal: no rich markup, no escape sequences."""
    return escape(str(text).translate(CONTROL_CHARS))


def _k(x: float) -> str:
    """£ shown in thousands with one decimal, e.g. 15,136.0."""
    try:
        if math.isnan(float(x)):
            return "-"
    except TypeError:  # None or pandas' NA: no figure
        return "-"
    return f"{x / 1000:,.1f}"


def frame_table(df: pd.DataFrame, title: str, money: bool = True, index_title: str = "") -> Table:
    table = Table(title=esc(title), title_justify="left", show_lines=False)
    table.add_column(esc(index_title or (df.index.name or "")), style="bold")
    for col in df.columns:
        table.add_column(esc(col), justify="right")
    for idx, row in df.iterrows():
        table.add_row(esc(idx), *[_k(v) if money else esc(f"{v:,.1f}" if isinstance(v, float) else v) for v in row])
    return table


def print_headline(result: RunResult, console: Console) -> None:
    """What a finance lead reads first: pool vs minimum, the checks, the shortfall and who pays (all in £, as the checks)."""
    from finmodel.checks import gbp
    from finmodel.report import tables

    plan, pool, o = result.plan, result.pool, result.outputs
    console.print(f"[bold]{esc(plan.hwb.name)}[/bold] ({plan.hwb.ons_code}), scenario [bold]{esc(result.scenario.name)}[/bold]: "
                  f"{esc(result.scenario.description)}")
    for label in ("2014/15", "2015/16"):
        y = plan.years.index(label)
        agreed, minimum = pool.pool_gbp[0, y], pool.minimum_gbp[0, y]
        console.print(f"  Pool {label}: {gbp(agreed)} against a minimum of {gbp(minimum)} "
                      f"({'margin' if agreed >= minimum else 'SHORT by'} {gbp(abs(agreed - minimum))})")
    counts = {rag: sum(c.rag == rag for c in result.checks) for rag in ("Green", "Amber", "Red")}
    console.print("  Checks: " + ", ".join(f"[{RAG_STYLE[r]}]{n} {r}[/]" for r, n in counts.items()))
    for c in result.checks:
        if c.rag == "Red":
            console.print(f"    [{RAG_STYLE['Red']}]Red[/] {esc(c.question)} {esc(c.reason)}")
    if plan.risk_share is not None:
        short = float(o.shortfall_gbp[0].clip(min=0).sum())
        used = float(o.contingency_used_gbp[0].sum())
        paid = ", ".join(f"{esc(p.name)} {gbp(o.partner_payments_gbp[0, :, k].sum())}" for k, p in enumerate(plan.partners))
        console.print(f"  Shortfall {gbp(short)}: contingency {gbp(used)}" + (f", partners: {paid}" if paid else "")
                      + f", unfunded {gbp(o.unfunded_gap_gbp[0].sum())}")
    if plan.p4p is not None:
        console.print(f"  P4P sum {gbp(o.p4p_sum_gbp[0])}, released {gbp(o.p4p_released_gbp[0])}")
    assumed = tables.assumptions(result)
    if len(assumed):
        named = ", ".join(esc(k) for k in plan.assumptions)
        console.print(f"  Assumptions: {len(assumed)} figures or sections are assumed, not sourced"
                      + (f"; named with reasons: {named}" if named else "") + " (assumptions.csv)")


def print_summary(result: RunResult, console: Console) -> None:
    from finmodel.report import tables

    plan = result.plan
    console.print(f"[bold]{esc(plan.hwb.name)}[/bold] ({plan.hwb.ons_code}) - scenario [bold]{esc(result.scenario.name)}[/bold]: "
                  f"{esc(result.scenario.description)}")
    console.print(f"plan {esc(result.plan_path)} sha256 {result.plan_sha256[:12]}..., finmodel {result.version}.  Figures in £000.")
    pool_years = [y for i, y in enumerate(plan.years)
                  if result.pool.pool_gbp[0, i] or result.pool.minimum_gbp[0, i] or result.pool.spend_gbp[0, i]]
    console.print(frame_table(tables.pool_by_stream(result)[pool_years], "Pooled budget by stream (£000)"))
    summary = tables.pool_summary(result)[pool_years]
    keep = ["Minimum required pool", "Total agreed pool", "Margin over minimum", "Capital", "Planned scheme spend",
            "Unallocated (+) / overcommitted (-)", "NHS-commissioned out-of-hospital spend", "Protection of social care (stated)",
            "Care Act amount", "Care Act proportionate share of £135m", "Carers' support amount", "Scheme benefits (planned)"]
    console.print(frame_table(summary.loc[keep], "Pool, schemes and earmarks (£000)"))
    console.print(f"Schemes: {len(plan.schemes)}; protection of social care 2015/16: "
                  f"{summary.loc['Protection of social care (% of pool)', '2015/16']:.1f}% of the pool.")
    if plan.qipp is not None:
        console.print(frame_table(tables.qipp_by_year(result).drop(index="Emergency admissions avoided (count)"), "QIPP savings by financial year (£000)"))
        console.print(frame_table(tables.qipp_by_cohort(result), "QIPP gross savings by cohort (£000)"))
        console.print(frame_table(tables.qipp_monthly_grid(result), "QIPP savings month by month, all cohorts (£000)"))
    overlaps = tables.overlaps(result)
    if not overlaps.empty and overlaps["overlap_gbp"].sum() > 0:
        console.print(frame_table(overlaps.set_index(["year", "activity"]), "Savings claimed by both QIPP and schemes (£000)"))
    elif plan.qipp is not None:
        console.print("No saving is claimed by both a scheme and QIPP (nothing counted twice).")
    if plan.five_year is not None:
        console.print(frame_table(tables.five_year(result), "Five-year profile (£000)"))
    if plan.p4p is not None:
        p = tables.p4p_summary(result)
        console.print(f"P4P ({p['design']} design, {p['year']}): planned reduction {p['planned_reduction_pct']:.1f}% at "
                      f"£{p['cost_per_admission_gbp']:,.0f} an admission; sum £{p['p4p_sum_gbp']:,.0f}, released "
                      f"£{p['released_gbp']:,.0f}, not released £{p['unreleased_gbp']:,.0f} (to the acute trust "
                      f"£{p['unreleased_to_acute_gbp']:,.0f}, to out-of-hospital £{p['unreleased_to_out_of_hospital_gbp']:,.0f}).")
    if plan.risk_share is not None:
        console.print(frame_table(tables.risk_share(result), "Shortfall and risk share (£000)"))
    print_checks(result, console)
    print_assumptions(result, console)
    for w in result.warnings:
        console.print(f"[yellow]warning:[/yellow] {esc(w)}")


def print_assumptions(result: RunResult, console: Console) -> None:
    """The plan's assumed figures and what they drive (full reasons in assumptions.csv)."""
    from finmodel.assumptions import DRIVES
    from finmodel.report import tables

    df = tables.assumptions(result)
    if df.empty:
        console.print("Assumptions: the plan labels none of its figures as assumed.")
        return
    named = set(result.plan.assumptions)
    table = Table(title=f"Assumptions behind the figures ({len(df)}; every one with its reason in assumptions.csv)",
                  title_justify="left")
    for col in ("input", "drives", "reason"):
        table.add_column(col)
    for row in df.itertuples():
        if row.input in named:
            table.add_row(esc(row.input), esc(row.drives), esc(row.reason))
    sections: dict[str, int] = {}
    for path in df["input"]:
        if path not in named:
            section = re.split(r"[.\[]", path, maxsplit=1)[0]
            sections[section] = sections.get(section, 0) + 1
    for section, count in sections.items():
        table.add_row(esc(section), esc(DRIVES.get(section, "")), f"{count} item{'s' if count > 1 else ''} whose source says assumption")
    console.print(table)


def print_checks(result: RunResult, console: Console) -> None:
    table = Table(title="Assurance checks", title_justify="left")
    table.add_column("RAG")
    table.add_column("Question")
    table.add_column("Reason")
    for c in result.checks:
        table.add_row(f"[{RAG_STYLE[c.rag]}]{c.rag}[/]", esc(c.question), esc(c.reason))
    console.print(table)


def print_sweep(doc: dict, console: Console) -> None:
    console.print(f"[bold]Sweep[/bold] of {esc(doc['plan'])} under {esc(doc['scenario'])}: {doc['method']}, n = {doc['n']:,}, "
                  f"seed {doc['seed']}, {doc['elapsed_s']:.1f} s on {esc(doc['backend'])}.  Figures in £000.")
    risk = doc.get("risk") or {}
    if "prob_shortfall_exceeds_contingency" in risk and doc["method"] == "grid":
        console.print(f"Unweighted grid (every combination of input levels counts once; not probabilities): shortfall "
                      f"above the contingency at {risk['prob_shortfall_exceeds_contingency']:.1%} of grid points, an "
                      f"unfunded gap at {risk['prob_unfunded_gap']:.1%}; mean over the grid £{risk['mean_shortfall_gbp']/1000:,.1f}k")
    elif "prob_shortfall_exceeds_contingency" in risk:
        console.print(f"P(shortfall > contingency) = {risk['prob_shortfall_exceeds_contingency']:.1%};  "
                      f"P(unfunded gap) = {risk['prob_unfunded_gap']:.1%};  mean shortfall £{risk['mean_shortfall_gbp']/1000:,.1f}k;  "
                      f"expected shortfall of the worst 5% £{risk['expected_shortfall_worst_5pct_gbp']/1000:,.1f}k")
    else:
        console.print("P(shortfall > contingency): not estimated (the tornado method samples no distribution).")
    outputs = doc.get("outputs") or {}
    pct_keys = [k for k in next(iter(outputs.values()), {}) if k.startswith("p") and k[1:].replace(".", "").isdigit()]
    table = Table(title="Distribution of each output over all scenarios (£000)", title_justify="left")
    table.add_column("output", style="bold")
    for k in ["mean", *pct_keys, "min", "max"]:
        table.add_column(k, justify="right")
    for name, s in outputs.items():
        table.add_row(name, *[_k(s[k]) if s.get(k) is not None else "-" for k in ["mean", *pct_keys, "min", "max"]])
    if outputs:
        console.print(table)
    partners = Table(title="Partners' payments (£000)", title_justify="left")
    for col in ("partner", "expected", "P95"):
        partners.add_column(col, justify="right" if col != "partner" else "left")
    for name, p in risk.get("partners", {}).items():
        partners.add_row(name, _k(p["expected_payment_gbp"]), _k(p["p95_payment_gbp"]))
    if risk.get("partners"):
        console.print(partners)
    if doc.get("tornado"):
        t = Table(title="Tornado: swing of the total shortfall per input, others at their medians (£000)", title_justify="left")
        for col in ("input", "low", "high", "shortfall at low", "shortfall at high", "swing"):
            t.add_column(col, justify="left" if col == "input" else "right")
        for row in doc["tornado"]:
            t.add_row(row["input"], f"{row['low_value']:,.4g}", f"{row['high_value']:,.4g}", _k(row["shortfall_at_low_gbp"]),
                      _k(row["shortfall_at_high_gbp"]), _k(row["swing_gbp"]))
        console.print(t)
    be = doc.get("break_even")
    if be and be.get("value") is not None:
        console.print(f"Break-even: {be['output']} is zero at {be['input']} = {be['value']:,.4g} (others as the plan states){(' - ' + be['note']) if be.get('note') else ''}.")
