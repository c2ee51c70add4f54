"""The Assumptions sheet: every input of the plan, one per row, with unit and source.

:func:`walk_plan` lists the plan's input leaves; rows held "here" are read back by
:func:`finmodel.report.import_template2.import_template2`; the others link to the input cell
of the sheet that holds them.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

from pydantic import BaseModel
from xlsxwriter.utility import xl_rowcol_to_cell

from finmodel.plan import Plan
from finmodel.report import t2_common as L
from finmodel.report.plan_diff import MONEY_FIELDS
from finmodel.report.t2_common import Key, format_path, held_on
from finmodel.report.t2_labels import CHOICES, choice_at, label_of, labels
from finmodel.report.t2_units import gbp_ref
from finmodel.report.xlsx_utils import (
    add_list_validation, cell_ref, range_ref, write_formula, write_input_number, write_text,
)

#: Mapping fields whose keys are not financial years.
NON_YEAR_MAPS = {"overrides_pct", "metrics_actual", "assumptions"}


def unit_for(tokens: list[Any], value: Any) -> str:
    """A unit for an input, from its field name and value."""
    names = [t for t in tokens if isinstance(t, str) and not isinstance(t, Key)]
    name = names[-1] if names else ""
    if isinstance(value, bool):
        return "yes/no"
    if isinstance(value, date):
        return "date"
    if isinstance(value, str) or name in ("source", "name", "definition"):
        return "text"
    if name in MONEY_FIELDS or name.endswith("_gbp"):
        return "£"
    if name.endswith("_pct") or name == "overrides_pct" or (len(names) > 1 and names[-1] == "overrides_pct"):
        return "%"
    if name == "step_pp_pm":
        return "percentage points a month"
    if name == "baseline_pa":
        return "a year"
    if name.endswith("_months"):
        return "months"
    if name == "bed_days_pa":
        return "days a year"
    if name.startswith("beds"):
        return "beds"
    return "number"


def _value_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, date):
        return "date"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "table"
    return "text"


def walk_plan(plan: Plan) -> list[tuple[list[Any], Any, str]]:
    """Every input leaf of the plan as (path tokens, value, source); None for an empty value.

    Year-keyed mappings get one leaf per plan year (None where the plan has no
    figure) so that a user can fill a year in on the Assumptions sheet.
    """
    out: list[tuple[list[Any], Any, str]] = []

    def visit(obj: Any, tokens: list[Any], source: str, field: str) -> None:
        if isinstance(obj, BaseModel):
            src = getattr(obj, "source", None)
            src = src if isinstance(src, str) and src else source
            for name in type(obj).model_fields:
                if tokens == [] and (name == "money_unit" or getattr(obj, name) is None):
                    continue  # the unit is always £ here; an absent section has no rows
                visit(getattr(obj, name), tokens + [name], src, name)
        elif isinstance(obj, list):
            if not obj:
                out.append((tokens, [], source))
            for i, item in enumerate(obj):
                visit(item, tokens + [i], source, field)
        elif isinstance(obj, dict):
            if field not in NON_YEAR_MAPS:
                for y in plan.years:
                    visit(obj.get(y), tokens + [Key(y)], source, field)
            elif not obj:
                out.append((tokens, {}, source))
            else:
                for k, v in obj.items():
                    visit(v, tokens + [Key(k.value if isinstance(k, Enum) else str(k))], source, field)
        else:
            value = obj.value if isinstance(obj, Enum) else obj
            out.append((tokens, value, source))

    visit(plan, [], "", "")
    return out



#: Plain names of the plan's sections (the first part of a path).
SECTION_LABELS = {
    "years": "Plan years", "hwb": "Health and Wellbeing Board", "contributions": "Funding sources",
    "minimum_pool": "Minimum required pool", "schemes": "Schemes", "social_care_protection": "Protection of social care",
    "care_act": "Care Act", "carers": "Carers", "p4p": "Payment for performance", "metrics": "Metrics", "qipp": "QIPP",
    "risk_share": "Risk share", "partners": "Partners", "five_year": "Five-year profile", "national_shares": "National shares",
    "outturn": "Outturn assumed in this scenario", "national_conditions": "National conditions",
    "assumptions": "Sources of figures the plan assumes",
}
_WORDS = {"nhs": "NHS", "ccg": "CCG", "ccgs": "CCGs", "hwb": "HWB", "qipp": "QIPP", "p4p": "P4P", "nel": "non-elective",
          "asc": "adult social care", "ons": "ONS", "dfg": "DFG", "ea": "EA", "ae": "A&E", "gbp": "(£)", "pct": "(%)",
          "pa": "a year", "pp": "percentage points", "pm": "a month", "s256": "(s256)", "apr": "April"}
#: Hidden column of the Assumptions sheet holding the drop-down lists of its coded inputs: a list kept in cells, not
#: typed into the validation, because Excel refuses an inline list with a comma or over 255 characters (the
#: national conditions' titles are both).
LISTS_COL = 8
LISTS_HEADER = "Drop-down lists"
#: Value type (hidden Type column) of a coded input shown as a label.
CHOICE_TYPE = "choice"
#: Header of the Assumptions sheet's plain-label column (what a person reads; the path is a hidden machine column).
INPUT_HEADER = "Input"
SAME_SOURCE = "as above"


def plain_words(name: str) -> str:
    """A field name in words: ``initial_reduction_pct`` -> "initial reduction (%)"."""
    return " ".join(_WORDS.get(w, w) for w in name.split("_"))


def _item_name(obj: Any, i: int) -> str:
    for attr in ("name", "id", "title"):
        v = getattr(obj, attr, None)
        if isinstance(v, str) and v:
            return v
    org, year = getattr(obj, "organisation", None), getattr(obj, "year", None)
    if isinstance(org, str) and isinstance(year, str):
        return f"{org} {year}"
    return f"no. {i + 1}"


def plain_label(plan: Plan, tokens: list[Any]) -> str:
    """A person's label for the input at ``tokens`` (its section is shown as a heading above it).

    ``schemes[2].spend["2015/16"]`` -> "Reablement service: spend, 2015/16"; list items are named by
    their name, id or organisation and year where they have one.
    """
    parts: list[str] = []
    node: Any = getattr(plan, tokens[0], None)
    for before, tok in zip(tokens, tokens[1:]):
        if isinstance(tok, int):
            item = node[tok] if isinstance(node, list) and tok < len(node) else None
            parts.append(_item_name(item, tok) if isinstance(item, BaseModel) else f"no. {tok + 1}")
            node = item
        elif isinstance(tok, Key):
            # a share override is keyed by a funding stream's code: shown as the stream's name
            stream = before == "overrides_pct" and str(tok) in CHOICES["stream"].labels
            parts.append(label_of("stream", str(tok)) if stream else str(tok))
            node = node.get(str(tok)) if isinstance(node, dict) else None
        else:
            parts.append(plain_words(tok))
            node = getattr(node, tok, None)
    if not parts:
        return SECTION_LABELS.get(tokens[0], plain_words(tokens[0]).capitalize())
    text = ": ".join(parts)
    return text[0].upper() + text[1:]


def assumptions_layout(leaves: list[tuple[list[Any], Any, str]], first: int) -> tuple[dict[str, int], list[tuple[int, Any]]]:
    """Rows of the Assumptions sheet: a heading row before each section, then its inputs.

    Returns (row of each path, [(row, section heading text) or (row, leaf index)]).
    """
    rows: list[tuple[int, Any]] = []
    where: dict[str, int] = {}
    row, section = first, None
    for i, (tokens, _, _) in enumerate(leaves):
        if tokens[0] != section:
            section = tokens[0]
            rows.append((row, SECTION_LABELS.get(section, plain_words(section).capitalize())))
            row += 1
        where[format_path(tokens)] = row
        rows.append((row, i))
        row += 1
    return where, rows


def where_to_change(sheet: str, row: int, col: int) -> str:
    return f"{sheet}, cell {xl_rowcol_to_cell(row, col)}"


class AssumptionsSheet:
    """Mixin of the workbook builder."""

    # Assumptions ------------------------------------------------------------------------
    def assumptions(self) -> None:
        ws, s = self.ws[L.ASSUMPTIONS], self.s
        self.title(ws, "Assumptions: every input of the plan, by section, with unit and source",
                   "Yellow values on this sheet are inputs read back by import-template2 (money in £, percentages in %). "
                   "Inputs kept on another sheet are folded away under each section (click + to show them): they are "
                   "links to that sheet's cell, shown here in £; change them there. A blank value means the plan has "
                   "no figure.")
        # A-E what a person reads; F-H machine columns that import-template2 reads (hidden)
        self.header(ws, 3, [INPUT_HEADER, "Value", "Unit", "Source", "Change it on", L.ASSUMPTIONS_HEADER, "Held on", "Type"])
        previous_source = None
        choice_rows: dict[str, list[int]] = {}  # CHOICES entry -> rows of its coded inputs, for the drop-downs
        for row, item in self.a_layout:
            if isinstance(item, str):
                write_text(ws, row, 0, item, s.title_small)
                previous_source = None
                continue
            tokens, value, source = self.leaves[item]
            path = format_path(tokens)
            unit = unit_for(tokens, value)
            self.write_wrapped(ws, row, 0, plain_label(self.plan, tokens))
            write_text(ws, row, 5, path, s.text)
            where = held_on(tokens)
            if where == L.HELD_HERE:
                kind = _value_type(value)
                field = choice_at(tokens)
                if field is not None:  # a coded input: its label, with a drop-down of the labels
                    kind = CHOICE_TYPE
                    choice_rows.setdefault(field, []).append(row)
                    if value is None:
                        ws.write_blank(row, 1, None, s.wrap_input)
                    else:
                        self.write_wrapped(ws, row, 1, label_of(field, value), s.wrap_input)
                elif value is None:
                    kind = "text" if unit == "text" else "number"
                    ws.write_blank(row, 1, None, s.input_general)
                elif isinstance(value, bool):
                    ws.write_boolean(row, 1, value, s.input_plain)
                elif isinstance(value, (int, float)):
                    write_input_number(ws, row, 1, float(value), s.input if unit == "£" else s.input_general)
                elif isinstance(value, date):
                    write_text(ws, row, 1, value.isoformat(), s.text_input)
                elif isinstance(value, (list, dict)):
                    ws.write_blank(row, 1, None, s.input_general)
                else:
                    self.write_wrapped(ws, row, 1, str(value), s.wrap_input)
                write_text(ws, row, 4, "this sheet", s.text)
                write_text(ws, row, 6, L.HELD_HERE, s.text)
                write_text(ws, row, 7, kind, s.text)
            else:
                cell = self.cells.get(path)
                if cell is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet, rr, cc = cell
                    ref = cell_ref(rr, cc, sheet=sheet)
                    write_formula(ws, row, 1, "=" + (gbp_ref(sheet, ref) if unit == "£" else ref), float(value),
                                  s.calc if unit == "£" else s.calc_number)
                    write_text(ws, row, 4, where_to_change(sheet, rr, cc), s.wrap)
                    write_text(ws, row, 6, f"{sheet}!{xl_rowcol_to_cell(rr, cc)}", s.text)
                else:
                    write_text(ws, row, 4, where, s.wrap)
                    write_text(ws, row, 6, where, s.text)
                fold = {"level": 1, "hidden": True}  # folded: the input lives on another sheet
                self.row_options.setdefault(ws.name, {})[row] = fold
                ws.set_row(row, None, None, fold)
            write_text(ws, row, 2, unit, s.text)
            shown = SAME_SOURCE if source and source == previous_source else source
            self.write_wrapped(ws, row, 3, shown)
            previous_source = source
        self.choice_lists(ws, choice_rows)
        last = self.a_layout[-1][0] if self.a_layout else 3
        ws.autofilter(3, 0, last, 7)
        ws.outline_settings(True, False, True, False)  # the + buttons sit above the folded rows
        for col in (5, 6, 7, LISTS_COL):
            ws.set_column(col, col, 24, None, {"hidden": True})
        self.finish(ws, 4, 1, 4, widths=[38, 14, 9, 52, 17])


    def choice_lists(self, ws, choice_rows: dict[str, list[int]]) -> None:
        """The labels of each coded input on the sheet, one block a choice down the hidden lists column, and the
        drop-down of each coded cell pointing at its block."""
        write_text(ws, 3, LISTS_COL, LISTS_HEADER, self.s.header)
        row = 4
        for field, rows in choice_rows.items():
            words = labels(field)
            for i, word in enumerate(words):
                write_text(ws, row + i, LISTS_COL, word, self.s.text)
            source = "=" + range_ref(row, LISTS_COL, row + len(words) - 1, LISTS_COL)
            for r in rows:
                add_list_validation(ws, r, 1, r, source)
            row += len(words)
