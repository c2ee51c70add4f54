"""Layout constants and plan-path helpers shared by the Template 2 writer and importer.

The Assumptions sheet stores plan inputs one per row under a *path* such as
``qipp.cohorts[0].lines[2].tariff_gbp`` or ``five_year.transformation_fund["2014/15"]``:
attribute names after dots, list positions in ``[n]`` and mapping keys as JSON
strings in ``["..."]`` (so a key may hold any character, dots included).
"""

from __future__ import annotations

import json
import re
from typing import Any

# Sheet names (the importer finds sheets by these names) ----------------------
COVER = "Cover"
FUNDING = "Funding sources"
EXPENDITURE = "Expenditure plan"
BENEFITS = "Benefits plan"
P4P = "P4P and metrics"
RISK = "Contingency and risk share"
QIPP = "QIPP"
FIVE_YEAR = "Five-year profile"
SCENARIOS = "Scenarios"
SENSITIVITY = "Sensitivity"
ASSUMPTIONS = "Assumptions"
ABOUT = "About"

SHEET_ORDER = [COVER, FUNDING, EXPENDITURE, BENEFITS, P4P, RISK, QIPP, FIVE_YEAR, SCENARIOS,
               SENSITIVITY, ASSUMPTIONS, ABOUT]

# Anchor labels written in column A; the importer looks rows up by them -------
TOTALS_LABEL = "Totals"  # ends an input block of lines
FUNDING_HEADER = "Year"
MINIMUM_LABEL = "Minimum required pool"
EXPENDITURE_HEADER = "Scheme ID"
#: Heads the Expenditure plan's second table (each scheme's provider, new or existing, Yes/No flags and source, on
#: the row in step with its row in the first table); a workbook without it (finmodel 0.3.0 and earlier) has them
#: in the first table.
DETAILS_TABLE_LABEL = "Scheme details: provider, new or existing, Yes/No flags and source"
PROTECTION_STATED_LABEL = "Protection of social care: amount stated (input)"
CARE_ACT_LABEL = "Care Act amount (input)"
CARERS_LABEL = "Carers amount (input)"
BENEFITS_HEADER = "Scheme ID"
P4P_BASELINE_LABEL = "Non-elective admissions baseline"
P4P_REDUCTION_LABEL = "Planned reduction (%)"
P4P_COST_LABEL = "Cost per non-elective admission (£)"
METRICS_HEADER = "Metric"
PARTNERS_HEADER = "Partner"
#: Heads the year table of the Contingency and risk share sheet (partners' share rows are read under it).
RISK_ITEM_HEADER = "Item (£)"
#: Written in a partner's share cell when its share is a profile by year (in the share rows).
SHARE_BY_YEAR = "by year"
#: Heads the Funding sources sheet's totals by stream (its year header row is where the stated minimum's years are read);
#: workbooks from before labels replaced stream codes there say "Stream code".
STREAM_TABLE_HEADER = "Funding stream"
STREAM_TABLE_HEADERS = (STREAM_TABLE_HEADER, "Stream code")
ASSUMPTIONS_HEADER = "Path"
#: Headers of the Assumptions sheet's machine columns the importer reads, in the order it uses them.
ASSUMPTIONS_COLUMNS = (ASSUMPTIONS_HEADER, "Value", "Held on", "Type")
HELD_HERE = "here"

YES, NO = "Yes", "No"

#: Scheme fields with a column on the Expenditure or Benefits plan sheet; any other scheme
#: field (such as ``care_act``) is held on the Assumptions sheet and read back by position.
SCHEME_SHEET_FIELDS = frozenset({
    "id", "name", "area_of_spend", "commissioner", "nhs_share_pct", "provider", "funding_stream", "status",
    "recurrent", "protects_social_care", "nhs_out_of_hospital", "spend", "source", "benefits", "benefit_activity",
})

#: Number of blank input rows left in each table of lines, inside the ranges the totals sum.
SPARE_ROWS = 10

# Path helpers -----------------------------------------------------------------

_TOKEN = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')


class Key(str):
    """A mapping key inside a path (as opposed to an attribute name)."""


def format_path(tokens: list[Any]) -> str:
    out = []
    for tok in tokens:
        if isinstance(tok, Key):
            out.append("[" + json.dumps(str(tok), ensure_ascii=False) + "]")
        elif isinstance(tok, int):
            out.append(f"[{tok}]")
        else:
            out.append(("." if out else "") + tok)
    return "".join(out)


def parse_path(text: str) -> list[Any]:
    """Inverse of :func:`format_path`; raises ValueError on anything else."""
    tokens: list[Any] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or (m.group(1) is not None and text[pos] == "." and not tokens):
            raise ValueError(f"cannot parse path {text!r} at character {pos + 1}")
        if m.group(1) is not None:
            if tokens and text[pos] != ".":
                raise ValueError(f"cannot parse path {text!r} at character {pos + 1}")
            tokens.append(m.group(1))
        elif m.group(2) is not None:
            tokens.append(int(m.group(2)))
        else:
            tokens.append(Key(json.loads(m.group(3))))
        pos = m.end()
    if not tokens or not isinstance(tokens[0], str) or isinstance(tokens[0], Key):
        raise ValueError(f"cannot parse path {text!r}")
    return tokens


def plan_field_path(tokens: list[Any]) -> str:
    """The same location in the notation of PlanError messages (``a.b[0].c.2014/15``)."""
    out = ""
    for tok in tokens:
        if isinstance(tok, int):
            out += f"[{tok}]"
        else:
            out += ("." if out else "") + str(tok)
    return out


def set_path(data: dict, tokens: list[Any], value: Any) -> None:
    """Set ``value`` at ``tokens`` in nested dicts/lists, creating containers as needed."""
    node: Any = data
    for i, tok in enumerate(tokens):
        last = i == len(tokens) - 1
        nxt = None if last else tokens[i + 1]
        fresh: Any = [] if isinstance(nxt, int) else {}
        if isinstance(tok, int):
            if not isinstance(node, list):
                raise ValueError(f"[{tok}] used on something that is not a list")
            while len(node) <= tok:
                node.append({} if not isinstance(nxt, int) else [])
            if last:
                node[tok] = value
            else:
                if not isinstance(node[tok], (dict, list)):
                    node[tok] = fresh
                node = node[tok]
        else:
            if not isinstance(node, dict):
                raise ValueError(f"{tok!r} used on something that is not a table")
            if last:
                node[str(tok)] = value
            else:
                if not isinstance(node.get(str(tok)), (dict, list)):
                    node[str(tok)] = fresh
                node = node[str(tok)]


def held_on(tokens: list[Any]) -> str:
    """Which sheet holds the input at ``tokens`` (HELD_HERE for the Assumptions sheet).

    The writer puts each input on one sheet only; the importer refuses an Assumptions
    row marked 'here' for an input that belongs to another sheet, so a figure held in
    £000 on a structured sheet is never also read in £ from the Assumptions sheet.
    """
    head = tokens[0]
    second = tokens[1] if len(tokens) > 1 else None
    if head == "schemes" and len(tokens) > 2 and tokens[2] not in SCHEME_SHEET_FIELDS:
        return HELD_HERE
    if head in ("contributions", "schemes", "metrics"):
        return {"contributions": FUNDING, "schemes": EXPENDITURE, "metrics": P4P}[head]
    if tokens[:2] == ["minimum_pool", "stated"]:
        return FUNDING
    if head in ("social_care_protection", "care_act", "carers") and second == "amount":
        return EXPENDITURE
    if head == "p4p" and second in ("nel_baseline_by_quarter", "planned_reduction_pct", "cost_per_admission_gbp"):
        return P4P
    if head == "partners" and len(tokens) > 2 and tokens[2] != "commissioned":
        return RISK
    return HELD_HERE

#: Header of the Expenditure plan's hidden column: 1 where a scheme's Care Act flag (Assumptions) is Yes.
CARE_ACT_FLAG_HEADER = "Care Act flag (1 = Yes, from Assumptions)"
