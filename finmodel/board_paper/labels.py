"""Plain words for the board paper: input names a board member can read, and money written out.

A sweep names its inputs by plan path (``outturn.nel_admissions_change_pct``); a board
paper never shows those.  :func:`input_label` gives the words and :func:`input_unit`
the unit a value of that input is in (plan units, as the scenario file states them).
Money is formatted in one of three ways, each saying its unit: to the penny (``£1,147,300.00``,
the headline, so a reader can tie it to the accounts), in £000 (tables), in £m (charts).
"""

from __future__ import annotations

import math
import re

#: Sweep path pattern -> (plain label, unit of the value as the scenario states it).
_INPUT_WORDS: list[tuple[str, str, str]] = [
    (r"outturn\.nel_admissions_change_pct", "Change in emergency admissions", "%"),
    (r"outturn\.savings_delivery_pct", "Share of planned savings delivered", "%"),
    (r"outturn\.ea_reduction_delivery_pct", "Share of the emergency admissions reduction delivered", "%"),
    (r"outturn\.go_live_delay_months", "Delay before the QIPP cohorts go live", "months"),
    (r"outturn\.beds_not_closed", "Beds kept open that the plan closes", "beds"),
    (r"outturn\.care_home_admissions_above_plan", "Care home admissions above plan", "placements"),
    (r"risk_share\.care_home_placement_cost_gbp", "Cost of a care home placement", "£"),
    (r"p4p\.cost_per_admission_gbp", "Cost of an emergency admission", "£"),
    (r"p4p\.planned_reduction_pct", "Planned reduction in emergency admissions", "%"),
    (r"risk_share\.bed_day_cost_gbp", "Cost of a bed-day", "£"),
    (r"risk_share\.bed_days_pa", "Bed-days a year of each bed kept open", "bed-days"),
    (r"qipp\.marginal_rate_pct", "Marginal rate paid for emergency admissions", "%"),
    (r"qipp\.outpatient_reduction_pct", "Reduction in outpatient appointments", "%"),
    (r"qipp\.cohorts\[\*\]\.ceiling_pct", "Ceiling of the QIPP admissions reduction (every cohort)", "%"),
    (r"qipp\.cohorts\[(\d+)\]\.ceiling_pct", "Ceiling of the QIPP admissions reduction (cohort {0})", "%"),
    (r"qipp\.cohorts\[\*\]\.step_pp_pm", "Monthly step of the QIPP ramp (every cohort)", "points a month"),
    (r"qipp\.cohorts\[(\d+)\]\.step_pp_pm", "Monthly step of the QIPP ramp (cohort {0})", "points a month"),
    (r"qipp\.cohorts\[\*\]\.initial_reduction_pct", "First-months QIPP reduction (every cohort)", "%"),
    (r"qipp\.cohorts\[(\d+)\]\.initial_reduction_pct", "First-months QIPP reduction (cohort {0})", "%"),
    (r"qipp\.cohorts\[\*\]\.initial_months", "Months at the first QIPP reduction (every cohort)", "months"),
    (r"qipp\.cohorts\[(\d+)\]\.initial_months", "Months at the first QIPP reduction (cohort {0})", "months"),
    (r"partners\[\*\]\.cap", "Every partner's cap", "money"),
    (r"partners\[(\d+)\]\.cap", "Cap of partner {0}", "money"),
    (r"outturn\.demographic_growth_above_plan\.(\d{4}/\d{2})", "Adult social care demographic growth above plan, {0}", "money"),
]


def _match(path: str) -> tuple[str, str] | None:
    for pattern, words, unit in _INPUT_WORDS:
        m = re.fullmatch(pattern, path)
        if m:
            groups = [str(int(g) + 1) if g.isdigit() else g for g in m.groups()]  # cohorts counted from 1
            return words.format(*groups), unit
    return None


def input_label(path: str) -> str:
    """Plain words for a sweep input path; an unknown path becomes its words without the code."""
    hit = _match(path)
    if hit:
        return hit[0]
    words = re.sub(r"\[(\*|\d+)\]", " ", path.split(".")[-1]).replace("_gbp", "").replace("_pct", "").replace("_", " ")
    return words.strip().capitalize() or path


def input_unit(path: str, money_unit: str = "gbp") -> str:
    """The unit a value of ``path`` is in, as a scenario file states it (money in the plan's unit)."""
    hit = _match(path)
    unit = hit[1] if hit else ""
    if unit == "money":
        return "£000" if money_unit == "gbp_thousands" else "£"
    return unit


def value_with_unit(value: float, unit: str) -> str:
    """``4.9%``, ``6 months``, ``£250``, ``£800k``: a value as the board reads it."""
    if unit == "%":
        return f"{value:,.2f}%".replace(".00%", "%")
    sign = "-" if value < 0 else ""
    if unit == "£":
        return f"{sign}£{abs(value):,.2f}".replace(".00", "")
    if unit == "£000":
        return f"{sign}£{abs(value):,.1f}k".replace(".0k", "k")
    return f"{value:,.2f}".rstrip("0").rstrip(".") + (f" {unit}" if unit else "")


def penny(gbp: float) -> str:
    """£ to the penny with thousands separators; a negative amount as -£ (``-£2,130,700.00``)."""
    if not math.isfinite(gbp):
        return "unknown"
    value = round(gbp, 2) + 0.0  # -0.0 -> 0.0: no "-£0.00"
    return ("-£" if value < 0 else "£") + f"{abs(value):,.2f}"


def thousands(gbp: float) -> str:
    """£ in £000 with one decimal (``15,136.0``), for tables headed "£000"."""
    if not math.isfinite(gbp):
        return "-"
    value = round(gbp / 1000.0, 1) + 0.0
    return f"{value:,.1f}"


def millions(gbp: float) -> str:
    """£ in £m with two decimals (``£4.43m``), for sentences about a distribution."""
    value = round(gbp / 1e6, 2) + 0.0
    return ("-£" if value < 0 else "£") + f"{abs(value):,.2f}m"


def pct(frac: float, digits: int = 1) -> str:
    """A probability or share as a percentage (``99.4%``)."""
    return f"{100.0 * frac:.{digits}f}%"


_ABBREVIATIONS = {"asc": "adult social care", "ccg": "CCG", "nel": "emergency admissions", "p4p": "P4P",
                  "qipp": "QIPP", "ea": "emergency admissions", "dfg": "DFG", "hwb": "HWB", "pa": "a year",
                  "ae": "A&E", "s256": "s256", "pm": "a month"}


def path_words(path: str) -> str:
    """A plan path in words for the assumptions list: ``five_year.asc_funding_change`` ->
    ``Five year: asc funding change``; ``schemes[3].spend`` -> ``Schemes, item 4: spend``."""
    hit = _match(path)
    if hit:
        return hit[0]
    parts = []
    for seg in path.split("."):
        seg = re.sub(r"\[(\d+)\]", lambda m: f", item {int(m.group(1)) + 1}", seg)
        seg = seg.replace("[*]", ", every item").replace("_gbp", " (£)").replace("_pct", " (%)").replace("_", " ")
        parts.append(seg.strip())
    text = ": ".join(p for p in parts if p)
    text = re.sub(r"\b[a-z0-9]+\b", lambda m: _ABBREVIATIONS.get(m.group(0), m.group(0)), text)
    return text[:1].upper() + text[1:] if text else path
