"""Template 2 (finance and metrics) as a live Excel workbook.

:func:`write_template2` turns a :class:`~finmodel.engine.RunResult` into an .xlsx
that an assurer can read tab by tab and a finance officer can edit: inputs are
yellow and unlocked, calculated cells grey and locked, every sheet is protected
(no password), and totals, percentages, the P4P sum and the risk-share split are
Excel formulas over the input cells, each carrying the engine's value as its
cached result (so readers that do not recalculate still see the numbers).

Money cells hold the unit their headers state: £000 on Funding sources,
Expenditure plan and Benefits plan (the NHS template's unit: 7800 means
£7,800,000), £ everywhere else; links from a £ sheet to a £000 cell multiply by
1000 (see :mod:`finmodel.report.t2_units`).  Percentages that are plan inputs are stored in percent (60 means 60%),
as in the plan file, so a workbook reads back to exactly the same plan.

The Assumptions sheet lists every input of the plan by path, with its unit and
source.  Inputs that live on a structured sheet (contributions, schemes,
benefits, P4P, metrics, partners) appear there as live links; everything else is
held on the Assumptions sheet itself and read back from it by
:func:`finmodel.report.import_template2.import_template2`.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel
from xlsxwriter.utility import xl_rowcol_to_cell

from finmodel.arrays import ACTIVITIES
from finmodel.model import SHORTFALL_PARTS
from finmodel.plan import STREAM_LABELS, Activity, AreaOfSpend, Commissioner, Plan, Stream
from finmodel.report import t2_common as L
from finmodel.report.t2_common import Key, format_path, held_on
from finmodel.report.t2_units import GBP_UNIT, K_UNIT, UNITS_LABEL, UNITS_VALUE, gbp_ref, to_k
from finmodel.report.workbook_owner import AUTHOR
from finmodel.report.xlsx_match import lookup_exact, sum_exact, text_literal
from finmodel.report.xlsx_utils import (
    Styles, add_list_validation, atomic_write_workbook, cell_ref, define_name, freeze_panes, protect_sheet, range_ref,
    set_print, write_array_formula, write_formula, write_input_number, write_text,
)

__all__ = ["write_template2"]

from finmodel.report.plan_diff import MONEY_FIELDS  # noqa: E402  (one list of the plan's money fields)
#: Mapping fields whose keys are not financial years.
NON_YEAR_MAPS = {"overrides_pct", "metrics_actual", "assumptions"}
AREA_LABELS = {
    AreaOfSpend.social_care: "Social care",
    AreaOfSpend.community_health: "Community health",
    AreaOfSpend.acute: "Acute",
    AreaOfSpend.primary_care: "Primary care",
    AreaOfSpend.mental_health: "Mental health",
    AreaOfSpend.other: "Other",
}
PART_LABELS = {
    "savings_not_delivered": "Savings not delivered",
    "admissions_above_plan": "Admissions above plan",
    "beds_not_closed": "Beds not closed",
    "demographic_growth": "Demographic growth above plan",
    "care_home_admissions": "Care home admissions above plan",
}
ACTIVITY_LABELS = {"emergency_admissions": "Emergency admissions", "ae_attendances": "A&E attendances",
                   "outpatients": "Outpatients", "other": "Other"}
PENNY = 0.005


def _yn(flag: bool) -> str:
    return L.YES if flag else L.NO


def _name_year(label: str) -> str:
    return label.replace("/", "_")


def _f(x: Any) -> float:
    return float(np.asarray(x, dtype=float))


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


class _T2Styles(Styles):
    def __init__(self, wb):
        super().__init__(wb)
        base = {"font_name": "Arial", "font_size": 10}
        inp = {"bg_color": "#FFFF99", "locked": False, "border": 1, "border_color": "#BFBFBF"}
        calc = {"bg_color": "#D9D9D9", "locked": True}
        self.input_pp = wb.add_format({**base, **inp, "num_format": '0.0####"%"'})
        self.calc_pp = wb.add_format({**base, **calc, "num_format": '0.0####"%"'})
        self.input_count = wb.add_format({**base, **inp, "num_format": "#,##0.##"})
        self.calc_count = wb.add_format({**base, **calc, "num_format": "#,##0.0"})
        self.input_general = wb.add_format({**base, **inp, "num_format": "General"})
        self.input_plain = wb.add_format({**base, **inp})
        self.calc_text = wb.add_format({**base, **calc})
        self.bold = wb.add_format({**base, "bold": True, "locked": True})
        self.rag = {
            "Green": wb.add_format({**base, "bold": True, "bg_color": "#C6EFCE", "font_color": "#006100", "locked": True}),
            "Amber": wb.add_format({**base, "bold": True, "bg_color": "#FFEB9C", "font_color": "#9C5700", "locked": True}),
            "Red": wb.add_format({**base, "bold": True, "bg_color": "#FFC7CE", "font_color": "#9C0006", "locked": True}),
        }


class _Builder:
    def __init__(self, wb, result, scenario_results, sweep_summary):
        self.wb = wb
        self.r = result
        self.plan: Plan = result.plan
        self.years = list(self.plan.years)
        self.Y = len(self.years)
        self.s = _T2Styles(wb)
        self.scenario_results = scenario_results
        self.sweep = sweep_summary
        self.ws = {name: wb.add_worksheet(name) for name in L.SHEET_ORDER}
        self.cells: dict[str, tuple[str, int, int]] = {}  # plan path -> input cell
        self.refs: dict[str, str] = {}  # named figures -> cell reference
        # Assumptions rows are laid out first so that other sheets can refer to them
        self.leaves = walk_plan(self.plan)
        self.a_first = 4
        self.a_row = {format_path(t): self.a_first + i for i, (t, _, _) in enumerate(self.leaves)}

    # helpers ------------------------------------------------------------------
    def record(self, tokens: list[Any], sheet: str, row: int, col: int) -> None:
        self.cells[format_path(tokens)] = (sheet, row, col)

    def a_ref(self, tokens: list[Any]) -> str | None:
        row = self.a_row.get(format_path(tokens))
        return None if row is None else cell_ref(row, 1, sheet=L.ASSUMPTIONS)

    def title(self, ws, text: str, note: str = "") -> None:
        write_text(ws, 0, 0, text, self.s.title)
        if note:
            write_text(ws, 1, 0, note, self.s.note)

    def header(self, ws, row: int, labels: list[str], col: int = 0) -> None:
        for i, label in enumerate(labels):
            write_text(ws, row, col + i, label, self.s.header)

    def text_in(self, ws, row, col, value: str | None) -> None:
        if value:
            write_text(ws, row, col, value, self.s.text_input)
        else:
            ws.write_blank(row, col, None, self.s.text_input)

    def num_in(self, ws, row, col, value: float | None, fmt) -> None:
        if value is None:
            ws.write_blank(row, col, None, fmt)
        else:
            write_input_number(ws, row, col, float(value), fmt)

    def link_or_zero(self, ws, row, col, tokens, cached: float, fmt) -> None:
        ref = self.a_ref(tokens)
        if ref is None:
            write_input_number(ws, row, col, 0.0, fmt)
        else:
            write_formula(ws, row, col, "=" + ref, float(cached), fmt)

    def finish(self, ws, freeze_rows: int = 0, freeze_cols: int = 0, repeat: int | None = None) -> None:
        if freeze_rows or freeze_cols:
            freeze_panes(ws, freeze_rows, freeze_cols)
        set_print(ws, repeat_rows=repeat)
        protect_sheet(ws)

    # build ------------------------------------------------------------------------
    def build(self) -> None:
        self.funding()
        self.expenditure()
        self.benefits()
        self.p4p()
        self.qipp()
        self.risk()
        self.five_year()
        self.scenarios()
        self.sensitivity()
        self.assumptions()
        self.about()
        self.cover()
        self.ws[L.COVER].activate()

    # Funding sources ------------------------------------------------------------------
    def funding(self) -> None:
        ws, s, plan, pool = self.ws[L.FUNDING], self.s, self.plan, self.r.pool
        self.title(ws, f"Funding sources: {plan.hwb.name}",
                   "One line per contribution. Amounts are in £000 (7800 means £7,800,000). Yellow cells are inputs; "
                   "grey cells are calculated. Add lines in the blank yellow rows.")
        hdr = 3
        self.header(ws, hdr, [L.FUNDING_HEADER, "Organisation", "Stream", "Amount (£000)", "Source"])
        first = hdr + 1
        K = len(plan.contributions)
        last = first + K + L.SPARE_ROWS - 1
        for i in range(K + L.SPARE_ROWS):
            row = first + i
            c = plan.contributions[i] if i < K else None
            self.text_in(ws, row, 0, c.year if c else None)
            self.text_in(ws, row, 1, c.organisation if c else None)
            self.text_in(ws, row, 2, c.stream.value if c else None)
            self.num_in(ws, row, 3, to_k(c.amount) if c else None, s.input_k)
            self.text_in(ws, row, 4, c.source if c else None)
            if c:
                self.record(["contributions", i, "amount"], L.FUNDING, row, 3)
        add_list_validation(ws, first, 0, last, self.years)
        add_list_validation(ws, first, 2, last, [x.value for x in Stream])
        yr_rng = range_ref(first, 0, last, 0)
        org_rng = range_ref(first, 1, last, 1)
        st_rng = range_ref(first, 2, last, 2)
        amt_rng = range_ref(first, 3, last, 3)
        self.fund_ranges_sheet = [range_ref(first, c, last, c, sheet=L.FUNDING) for c in (0, 2, 3)]

        r = last + 2
        write_text(ws, r, 0, L.TOTALS_LABEL, s.title)
        r += 1
        self.header(ws, r, ["Stream code", f"Stream {K_UNIT}"] + self.years)
        year_hdr = r
        r += 1
        stream_rows = {}
        for stream in Stream:
            write_text(ws, r, 0, stream.value, s.text)
            write_text(ws, r, 1, STREAM_LABELS[stream], s.text)
            k = list(Stream).index(stream)
            for y in range(self.Y):
                f = "=" + sum_exact(amt_rng, (yr_rng, cell_ref(year_hdr, 2 + y)), (st_rng, f"$A${r + 1}"))
                write_formula(ws, r, 2 + y, f, to_k(pool.by_year_stream_gbp[0, y, k]), s.calc_k)
            stream_rows[stream] = r
            r += 1
        # pool, minimum, margin
        pool_row, min_row, margin_row = r, r + 1, r + 2
        write_text(ws, pool_row, 0, "Agreed pool (total of contributions)", s.bold)
        write_text(ws, min_row, 0, L.MINIMUM_LABEL, s.bold)
        write_text(ws, margin_row, 0, "Margin over the minimum", s.bold)
        stated = plan.minimum_pool.method == "stated"
        write_text(ws, min_row, 1, "input (stated)" if stated else "derived: national totals x national shares", s.note)
        for y, label in enumerate(self.years):
            col = 2 + y
            write_formula(ws, pool_row, col, "=" + sum_exact(amt_rng, (yr_rng, cell_ref(year_hdr, col))),
                          to_k(pool.pool_gbp[0, y]), s.total_k)
            if stated:
                v = plan.minimum_pool.stated.get(label)
                self.num_in(ws, min_row, col, None if v is None else to_k(v), s.input_k)
                if v is not None:
                    self.record(["minimum_pool", "stated", Key(label)], L.FUNDING, min_row, col)
            else:
                write_input_number(ws, min_row, col, to_k(pool.minimum_gbp[0, y]), s.calc_k)
            write_formula(ws, margin_row, col, f"={cell_ref(pool_row, col, False)}-{cell_ref(min_row, col, False)}",
                          to_k(pool.margin_gbp[0, y]), s.calc_k)
            define_name(self.wb, f"Pool_{_name_year(label)}", L.FUNDING, pool_row, col)
            define_name(self.wb, f"Minimum_{_name_year(label)}", L.FUNDING, min_row, col)
            self.refs[f"pool_{y}"] = cell_ref(pool_row, col, sheet=L.FUNDING)
            self.refs[f"min_{y}"] = cell_ref(min_row, col, sheet=L.FUNDING)
        r = margin_row + 1
        write_text(ws, r, 0, "Capital (DFG and social care capital)", s.text)
        write_text(ws, r + 1, 0, "Revenue", s.text)
        for y in range(self.Y):
            col = 2 + y
            f = f"={cell_ref(stream_rows[Stream.dfg], col, False)}+{cell_ref(stream_rows[Stream.social_care_capital], col, False)}"
            write_formula(ws, r, col, f, to_k(pool.capital_gbp[0, y]), s.calc_k)
            write_formula(ws, r + 1, col, f"={cell_ref(pool_row, col, False)}-{cell_ref(r, col, False)}",
                          to_k(pool.revenue_gbp[0, y]), s.calc_k)
        r += 3
        self.header(ws, r, ["Organisation", K_UNIT] + self.years)
        org_hdr = r
        r += 1
        for o, org in enumerate(pool.organisations):
            write_text(ws, r, 0, org, s.text)
            for y in range(self.Y):
                f = "=" + sum_exact(amt_rng, (yr_rng, cell_ref(org_hdr, 2 + y)), (org_rng, f"$A${r + 1}"))
                write_formula(ws, r, 2 + y, f, to_k(pool.by_year_org_gbp[0, y, o]), s.calc_k)
            r += 1
        r = self.template_contributions(ws, r + 1, org_hdr, amt_rng, yr_rng, org_rng, st_rng)
        ws.set_column(0, 0, 30)
        ws.set_column(1, 1, 32)
        ws.set_column(2, 2 + self.Y, 14)
        ws.set_column(4, 4, 60)
        # chart: pool by stream and year
        present = [st for st in Stream if st in plan.streams]
        if present:
            chart = self.wb.add_chart({"type": "column", "subtype": "stacked"})
            for st in present:
                rr = stream_rows[st]
                chart.add_series({
                    "name": [L.FUNDING, rr, 1],
                    "categories": [L.FUNDING, year_hdr, 2, year_hdr, 1 + self.Y],
                    "values": [L.FUNDING, rr, 2, rr, 1 + self.Y],
                })
            chart.set_title({"name": "Pool by stream and year (£000)"})
            chart.set_y_axis({"num_format": "#,##0"})
            ws.insert_chart(year_hdr, 3 + self.Y, chart, {"x_scale": 1.4, "y_scale": 1.2})
        self.finish(ws, hdr + 1, 0, hdr + 1)

    def template_contributions(self, ws, r: int, org_hdr: int, amt_rng: str, yr_rng: str, org_rng: str, st_rng: str) -> int:
        """The NHS return's funding table: per organisation, 2014/15 spend on BCF schemes, and the
        2015/16 minimum contribution, additional contribution and actual (total) contribution.

        minimum = the organisation's own required contribution (``minimum_pool.by_organisation``,
        an allocation independent of what it puts in), or "not stated per organisation";
        additional = its additional_* streams; actual = all it puts in.  Returns the next free row.
        """
        s, plan = self.s, self.plan
        if "2014/15" not in self.years or "2015/16" not in self.years:
            return r
        c14, c15 = 2 + self.years.index("2014/15"), 2 + self.years.index("2015/16")
        write_text(ws, r, 0, "Contributions by organisation, as the NHS return lays them out", s.title)
        r += 1
        self.header(ws, r, ["Organisation", "", f"2014/15 spend on BCF schemes {K_UNIT}", f"2015/16 minimum contribution {K_UNIT}",
                            f"2015/16 additional contribution {K_UNIT}", f"2015/16 actual contribution {K_UNIT}"])
        r += 1
        first = r
        additional = {Stream.additional_council, Stream.additional_ccg}
        pool = self.r.pool
        y15i = self.years.index("2015/16")
        own_minimum = {o: float(pool.minimum_by_org_gbp[0, y15i, k]) for k, o in enumerate(pool.minimum_orgs)}
        for org in self.r.pool.organisations:
            lines = [c for c in plan.contributions if c.organisation == org]
            v14 = sum(c.amount for c in lines if c.year == "2014/15")
            extra = sum(c.amount for c in lines if c.year == "2015/16" and c.stream in additional)
            total = sum(c.amount for c in lines if c.year == "2015/16")
            write_text(ws, r, 0, org, s.text)
            by = (org_rng, f"$A${r + 1}")
            y14, y15 = (yr_rng, cell_ref(org_hdr, c14)), (yr_rng, cell_ref(org_hdr, c15))
            write_formula(ws, r, 2, "=" + sum_exact(amt_rng, y14, by), to_k(v14), s.calc_k)
            add = "+".join(sum_exact(amt_rng, y15, by, (st_rng, text_literal(a.value))) for a in sorted(additional, key=lambda a: a.value))
            write_formula(ws, r, 4, f"={add}", to_k(extra), s.calc_k)
            write_formula(ws, r, 5, "=" + sum_exact(amt_rng, y15, by), to_k(total), s.calc_k)
            if org in own_minimum:
                ws.write_number(r, 3, to_k(own_minimum[org]), s.calc_k)  # the allocation, a value (an input on Assumptions)
            else:
                write_text(ws, r, 3, "not stated per organisation", s.text)
            r += 1
        write_text(ws, r, 0, "Total", s.bold)
        totals = {
            2: sum(c.amount for c in plan.contributions if c.year == "2014/15"),
            4: sum(c.amount for c in plan.contributions if c.year == "2015/16" and c.stream in additional),
            5: sum(c.amount for c in plan.contributions if c.year == "2015/16"),
        }
        for col in (2, 4, 5):
            write_formula(ws, r, col, f"=SUM({range_ref(first, col, r - 1, col, absolute=False)})", to_k(totals[col]), s.total_k)
        # the HWB's minimum, whatever its method (per organisation, stated or derived)
        write_formula(ws, r, 3, "=Minimum_2015_16", to_k(pool.minimum_gbp[0, y15i]), s.total_k)
        return r + 2

    # Expenditure plan -----------------------------------------------------------------
    def expenditure(self) -> None:
        ws, s, plan, pool, Y = self.ws[L.EXPENDITURE], self.s, self.plan, self.r.pool, self.Y
        self.title(ws, f"Expenditure plan: {plan.hwb.name}",
                   "One line per scheme. Spend is in £000 (7800 means £7,800,000). % NHS applies to joint commissions only.")
        hdr = 3
        c_spend = 12
        c_total, c_source = c_spend + Y, c_spend + Y + 1
        self.header(ws, hdr, [L.EXPENDITURE_HEADER, "Scheme name", "Area of spend", "Commissioner", "% NHS (joint)",
                              "% council (joint)", "Provider", "Funding stream", "New / existing", "Recurrent",
                              "Protects social care", "NHS out-of-hospital"]
                    + [f"Spend {y} (£000)" for y in self.years] + ["Total spend (£000)", "Source"])
        first = hdr + 1
        J = len(plan.schemes)
        last = first + J + L.SPARE_ROWS - 1
        for i in range(J + L.SPARE_ROWS):
            row = first + i
            sc = plan.schemes[i] if i < J else None
            self.text_in(ws, row, 0, sc.id if sc else None)
            self.text_in(ws, row, 1, sc.name if sc else None)
            self.text_in(ws, row, 2, sc.area_of_spend.value if sc else None)
            self.text_in(ws, row, 3, sc.commissioner.value if sc else None)
            self.num_in(ws, row, 4, sc.nhs_share_pct if sc else None, s.input_pp)
            if sc:
                cached: Any = 100.0 - sc.nhs_share_pct if sc.commissioner is Commissioner.joint else ""
                write_formula(ws, row, 5, f'=IF(D{row + 1}="joint",100-E{row + 1},"")', cached, s.calc_pp)
            else:
                ws.write_blank(row, 5, None, s.calc_pp)
            self.text_in(ws, row, 6, sc.provider if sc else None)
            self.text_in(ws, row, 7, sc.funding_stream.value if sc else None)
            self.text_in(ws, row, 8, sc.status if sc else None)
            self.text_in(ws, row, 9, _yn(sc.recurrent) if sc else None)
            self.text_in(ws, row, 10, _yn(sc.protects_social_care) if sc else None)
            self.text_in(ws, row, 11, _yn(sc.nhs_out_of_hospital) if sc else None)
            for y, label in enumerate(self.years):
                v = sc.spend.get(label) if sc else None
                self.num_in(ws, row, c_spend + y, None if v is None else to_k(v), s.input_k)
                if v is not None:
                    self.record(["schemes", i, "spend", Key(label)], L.EXPENDITURE, row, c_spend + y)
            if sc and sc.nhs_share_pct is not None:
                self.record(["schemes", i, "nhs_share_pct"], L.EXPENDITURE, row, 4)
            if sc:
                write_formula(ws, row, c_total, f"=SUM({range_ref(row, c_spend, row, c_spend + Y - 1, False)})",
                              to_k(pool.scheme_spend_gbp[0, :, i].sum()), s.calc_k)
            else:
                ws.write_blank(row, c_total, None, s.calc_k)
            self.text_in(ws, row, c_source, sc.source if sc else None)
        add_list_validation(ws, first, 2, last, [a.value for a in AreaOfSpend])
        add_list_validation(ws, first, 3, last, [c.value for c in Commissioner])
        add_list_validation(ws, first, 7, last, [x.value for x in Stream])
        add_list_validation(ws, first, 8, last, ["new", "existing"])
        for col in (9, 10, 11):
            add_list_validation(ws, first, col, last, [L.YES, L.NO])
        self.exp_ids = range_ref(first, 0, last, 0, sheet=L.EXPENDITURE)
        self.exp_names = range_ref(first, 1, last, 1, sheet=L.EXPENDITURE)
        area_rng, comm_rng, nhs_rng = (range_ref(first, c, last, c) for c in (2, 3, 4))
        prot_rng, ooh_rng = range_ref(first, 10, last, 10), range_ref(first, 11, last, 11)

        def spend_rng(y: int) -> str:
            return range_ref(first, c_spend + y, last, c_spend + y)

        r = last + 2
        write_text(ws, r, 0, L.TOTALS_LABEL, s.title)
        r += 1
        self.header(ws, r, [f"Item {K_UNIT}", ""] + [""] * (c_spend - 2) + self.years)
        for y, label in enumerate(self.years):
            write_text(ws, r, c_spend + y, label, s.header)
        r += 1

        def row_of(label, values_fn, fmt=None, note="") -> int:
            nonlocal r
            write_text(ws, r, 0, label, s.bold)
            if note:
                write_text(ws, r, 1, note, s.note)
            for y in range(Y):
                values_fn(r, c_spend + y, y)
            r += 1
            return r - 1

        def formula(fn, cached_fn, fmt):
            return lambda row, col, y: write_formula(ws, row, col, fn(row, col, y), cached_fn(y), fmt)

        spend_row = row_of("Total spend", formula(lambda row, col, y: f"=SUM({spend_rng(y)})",
                                                  lambda y: to_k(pool.spend_gbp[0, y]), s.total_k))
        for y, label in enumerate(self.years):
            define_name(self.wb, f"Spend_{_name_year(label)}", L.EXPENDITURE, spend_row, c_spend + y)
        area_rows = {}
        for a, area in enumerate(AreaOfSpend):
            write_text(ws, r, 1, area.value, s.text)
            area_rows[area] = row_of(f"Spend on {AREA_LABELS[area].lower()}", formula(
                lambda row, col, y: "=" + sum_exact(spend_rng(y), (area_rng, f"$B${row + 1}")),
                lambda y, a=a: to_k(pool.spend_by_area_gbp[0, y, a]), s.calc_k))
        row_of("NHS-commissioned out-of-hospital spend", formula(
            lambda row, col, y: f'=SUMIFS({spend_rng(y)},{ooh_rng},"{L.YES}")',
            lambda y: to_k(pool.nhs_out_of_hospital_gbp[0, y]), s.calc_k))
        row_of("NHS-commissioned spend (joint split by % NHS)", formula(
            lambda row, col, y: f'=SUMIFS({spend_rng(y)},{comm_rng},"ccg")'
                                f'+SUMPRODUCT(({comm_rng}="joint")*{spend_rng(y)}*{nhs_rng})/100',
            lambda y: to_k(pool.spend_nhs_commissioned_gbp[0, y]), s.calc_k))
        row_of("Council-commissioned spend (joint split by % council)", formula(
            lambda row, col, y: f'=SUMIFS({spend_rng(y)},{comm_rng},"council")'
                                f'+SUMPRODUCT(({comm_rng}="joint")*{spend_rng(y)}*(100-{nhs_rng}))/100',
            lambda y: to_k(pool.spend_council_commissioned_gbp[0, y]), s.calc_k))
        row_of("Protection of social care: schemes flagged", formula(
            lambda row, col, y: f'=SUMIFS({spend_rng(y)},{prot_rng},"{L.YES}")',
            lambda y: to_k(pool.protection_schemes_gbp[0, y]), s.calc_k))

        def inputs(mapping: dict, tokens_head: list[str]):
            def fn(row, col, y):
                v = mapping.get(self.years[y])
                self.num_in(ws, row, col, None if v is None else to_k(v), s.input_k)
                if v is not None:
                    self.record(tokens_head + [Key(self.years[y])], L.EXPENDITURE, row, col)
            return fn

        stated_row = row_of(L.PROTECTION_STATED_LABEL, inputs(plan.social_care_protection.amount,
                                                               ["social_care_protection", "amount"]))
        pct_cached = [(plan.social_care_protection.amount.get(l, 0.0) / _f(pool.pool_gbp[0, y])
                       if pool.pool_gbp[0, y] != 0 else 0.0) for y, l in enumerate(self.years)]
        row_of("Protection of social care: % of pool", formula(
            lambda row, col, y: f"=IF({self.refs[f'pool_{y}']}=0,0,{cell_ref(stated_row, col, False)}/{self.refs[f'pool_{y}']})",
            lambda y: _f(pct_cached[y]), s.calc_pct))
        row_of(L.CARE_ACT_LABEL, inputs(plan.care_act.amount, ["care_act", "amount"]))
        self.share_row(ws, r, c_spend, "Care Act: proportionate share of the national £135m", pool.care_act_share_gbp)
        r += 1
        row_of(L.CARERS_LABEL, inputs(plan.carers.amount, ["carers", "amount"]))
        self.share_row(ws, r, c_spend, "Carers: proportionate share of the national £130m", pool.carers_share_gbp)
        r += 1
        fund = self.fund_ranges_sheet
        row_of("Reablement (CCG reablement stream contributed)", formula(
            lambda row, col, y: "=" + sum_exact(fund[2], (fund[0], text_literal(self.years[y])), (fund[1], '"ccg_reablement"')),
            lambda y: to_k(pool.reablement_gbp[0, y]), s.calc_k))
        self.share_row(ws, r, c_spend, "Reablement: proportionate share of the national £300m", pool.reablement_share_gbp)
        r += 1
        row_of("Sources minus uses (pool less spend)", formula(
            lambda row, col, y: f"={self.refs[f'pool_{y}']}-{cell_ref(spend_row, col, False)}",
            lambda y: to_k(pool.unallocated_gbp[0, y]), s.total_k))
        ws.set_column(0, 0, 12)
        ws.set_column(1, 1, 44)
        ws.set_column(2, c_spend - 1, 14)
        ws.set_column(c_spend, c_total, 14)
        ws.set_column(c_source, c_source, 50)
        # chart: spend by area and year
        chart = self.wb.add_chart({"type": "bar"})
        for y, label in enumerate(self.years):
            if pool.spend_gbp[0, y] <= 0:
                continue
            rows = [area_rows[a] for a in AreaOfSpend]
            chart.add_series({
                "name": label,
                "categories": [L.EXPENDITURE, rows[0], 1, rows[-1], 1],
                "values": [L.EXPENDITURE, rows[0], c_spend + y, rows[-1], c_spend + y],
            })
        chart.set_title({"name": "Spend by area of spend (£000)"})
        chart.set_x_axis({"num_format": "#,##0"})
        ws.insert_chart(last + 2, c_source + 1, chart, {"x_scale": 1.3, "y_scale": 1.3})
        self.finish(ws, hdr + 1, 2, hdr + 1)

    def share_row(self, ws, row, c0, label, values) -> None:
        write_text(ws, row, 0, label, self.s.text)
        for y in range(self.Y):
            v = _f(values[y])
            if math.isfinite(v):
                write_input_number(ws, row, c0 + y, to_k(v), self.s.calc_k)
            else:
                write_text(ws, row, c0 + y, "n/a (no national shares)", self.s.calc_text)

    # Benefits plan ------------------------------------------------------------------------
    def benefits(self) -> None:
        ws, s, plan, pool, out, Y = self.ws[L.BENEFITS], self.s, self.plan, self.r.pool, self.r.outputs, self.Y
        self.title(ws, f"Benefits plan: {plan.hwb.name}",
                   "Benefits (savings) each scheme claims, per year, in £000 (7800 means £7,800,000), and the activity they reduce. "
                   "The model's QIPP figures below are values from the engine.")
        hdr = 3
        c_b = 3
        c_tot, c_flag = c_b + Y, c_b + Y + 1
        self.header(ws, hdr, [L.BENEFITS_HEADER, "Scheme name", "Benefit activity"]
                    + [f"Benefits {y} {K_UNIT}" for y in self.years] + [f"Total {K_UNIT}", "Flag"])
        first = hdr + 1
        J = len(plan.schemes)
        last = first + J + L.SPARE_ROWS - 1
        for i in range(J + L.SPARE_ROWS):
            row = first + i
            sc = plan.schemes[i] if i < J else None
            self.text_in(ws, row, 0, sc.id if sc else None)
            if sc:
                write_array_formula(ws, row, 1, "=" + lookup_exact(self.exp_names, self.exp_ids, f"A{row + 1}"),
                                    sc.name, s.calc_text)
            else:
                ws.write_blank(row, 1, None, s.calc_text)
            self.text_in(ws, row, 2, sc.benefit_activity.value if sc and sc.benefit_activity else None)
            for y, label in enumerate(self.years):
                v = sc.benefits.get(label) if sc else None
                self.num_in(ws, row, c_b + y, None if v is None else to_k(v), s.input_k)
                if v is not None:
                    self.record(["schemes", i, "benefits", Key(label)], L.BENEFITS, row, c_b + y)
            if sc:
                total = _f(pool.scheme_benefits_gbp[0, :, i].sum())
                write_formula(ws, row, c_tot, f"=SUM({range_ref(row, c_b, row, c_b + Y - 1, False)})", to_k(total), s.calc_k)
                flag = "No benefit stated" if total == 0 else ("Benefit activity missing" if sc.benefit_activity is None else "")
                write_formula(ws, row, c_flag,
                              f'=IF({cell_ref(row, c_tot, False)}=0,"No benefit stated",'
                              f'IF(C{row + 1}="","Benefit activity missing",""))', flag, s.calc_text)
            else:
                ws.write_blank(row, c_tot, None, s.calc_k)
                ws.write_blank(row, c_flag, None, s.calc_text)
        add_list_validation(ws, first, 2, last, [a.value for a in Activity])
        r = last + 2
        write_text(ws, r, 0, L.TOTALS_LABEL, s.title)
        r += 1
        self.header(ws, r, [f"Item {K_UNIT}", "", ""] + self.years)
        r += 1
        write_text(ws, r, 0, "Total scheme benefits", s.bold)
        for y in range(Y):
            write_formula(ws, r, c_b + y, f"=SUM({range_ref(first, c_b + y, last, c_b + y, False)})",
                          to_k(pool.benefits_gbp[0, y]), s.total_k)
        r += 2
        write_text(ws, r, 0, "QIPP overlap by activity (model values: the same activity claimed by QIPP and by schemes, counted once)", s.bold)
        r += 1
        blocks = [("QIPP planned", out.qipp_planned_by_activity_gbp), ("Scheme benefits planned", out.benefits_planned_by_activity_gbp),
                  ("Overlap (counted once)", out.overlap_planned_by_activity_gbp)]
        for a, act in enumerate(ACTIVITIES):
            for label, arr in blocks:
                write_text(ws, r, 0, f"{label}: {ACTIVITY_LABELS[act.value]}", s.text)
                for y in range(Y):
                    write_input_number(ws, r, c_b + y, to_k(arr[0, y, a]), s.calc_k)
                r += 1
        for label, arr in (("Savings planned, counted once", out.savings_planned_gbp),
                           ("Savings delivered in this scenario", out.savings_delivered_gbp)):
            write_text(ws, r, 0, label, s.bold)
            for y in range(Y):
                write_input_number(ws, r, c_b + y, to_k(arr[0, y]), s.calc_k)
            r += 1
        ws.set_column(0, 0, 14)
        ws.set_column(1, 1, 44)
        ws.set_column(2, 2, 22)
        ws.set_column(c_b, c_tot, 14)
        ws.set_column(c_flag, c_flag, 26)
        self.finish(ws, hdr + 1, 2, hdr + 1)

    # P4P and metrics ----------------------------------------------------------------------
    def p4p(self) -> None:
        ws, s, plan, out = self.ws[L.P4P], self.s, self.plan, self.r.outputs
        p = plan.p4p
        self.title(ws, f"Payment for performance and metrics: {plan.hwb.name}",
                   "Revised design: P4P sum = baseline non-elective admissions x planned reduction x cost per admission.")
        r = 3
        if p is None:
            write_text(ws, r, 0, "The plan has no payment-for-performance section.", s.note)
            r += 2
        else:
            self.header(ws, r, ["Item", "Q1", "Q2", "Q3", "Q4", "Total"])
            r += 1
            base_row, plan_row, act_row, rel_row, red_row, cost_row = r, r + 1, r + 2, r + 3, r + 5, r + 6
            write_text(ws, base_row, 0, L.P4P_BASELINE_LABEL, s.bold)
            write_text(ws, plan_row, 0, "Planned admissions avoided", s.bold)
            write_text(ws, act_row, 0, "Admissions avoided in this scenario (model)", s.text)
            write_text(ws, rel_row, 0, "P4P released in this scenario (£, model)", s.text)
            for q in range(4):
                write_input_number(ws, base_row, 1 + q, p.nel_baseline_by_quarter[q], s.input_count)
                self.record(["p4p", "nel_baseline_by_quarter", q], L.P4P, base_row, 1 + q)
                write_formula(ws, plan_row, 1 + q, f"={cell_ref(base_row, 1 + q, False)}*$B${red_row + 1}/100",
                              _f(out.nel_planned_avoided_q[0, q]), s.calc_count)
                write_input_number(ws, act_row, 1 + q, _f(out.nel_actual_avoided_q[0, q]), s.calc_count)
                write_input_number(ws, rel_row, 1 + q, _f(out.p4p_released_q_gbp[0, q]), s.calc)
            for row, cached, fmt in ((base_row, sum(p.nel_baseline_by_quarter), s.calc_count),
                                     (plan_row, out.nel_planned_avoided_q[0].sum(), s.calc_count),
                                     (act_row, out.nel_actual_avoided_q[0].sum(), s.calc_count),
                                     (rel_row, out.p4p_released_gbp[0], s.total)):
                write_formula(ws, row, 5, f"=SUM({range_ref(row, 1, row, 4, False)})", _f(cached), fmt)
            write_text(ws, red_row, 0, L.P4P_REDUCTION_LABEL, s.bold)
            write_input_number(ws, red_row, 1, p.planned_reduction_pct, s.input_pp)
            self.record(["p4p", "planned_reduction_pct"], L.P4P, red_row, 1)
            write_text(ws, cost_row, 0, L.P4P_COST_LABEL, s.bold)
            write_input_number(ws, cost_row, 1, p.cost_per_admission_gbp, s.input)
            self.record(["p4p", "cost_per_admission_gbp"], L.P4P, cost_row, 1)
            r = cost_row + 1
            sum_row = r
            write_text(ws, sum_row, 0, "P4P sum (held back) (£)", s.bold)
            if p.design == "revised":
                write_formula(ws, sum_row, 1, f"=SUM({range_ref(base_row, 1, base_row, 4, False)})*B{red_row + 1}/100*B{cost_row + 1}",
                              _f(out.p4p_sum_gbp[0]), s.total)
            else:
                write_input_number(ws, sum_row, 1, _f(out.p4p_sum_gbp[0]), s.total)
                write_text(ws, sum_row, 2, "original design: the local performance element (engine value)", s.note)
            define_name(self.wb, "P4P_Sum", L.P4P, sum_row, 1)
            self.refs["p4p_sum"] = cell_ref(sum_row, 1, sheet=L.P4P)
            write_text(ws, r + 1, 0, "Released (£)", s.text)
            write_formula(ws, r + 1, 1, f"=F{rel_row + 1}", _f(out.p4p_released_gbp[0]), s.calc)
            write_text(ws, r + 2, 0, "Not released (£)", s.text)
            write_formula(ws, r + 2, 1, f"=B{sum_row + 1}-B{r + 2}", _f(out.p4p_unreleased_gbp[0]), s.calc)
            self.refs["p4p_unreleased"] = cell_ref(r + 2, 1, sheet=L.P4P)
            write_text(ws, r + 3, 0, "Not released: pays the acute trust (£, model)", s.text)
            write_input_number(ws, r + 3, 1, _f(out.p4p_to_acute_gbp[0]), s.calc)
            write_text(ws, r + 4, 0, "Not released: NHS out-of-hospital services (£, model)", s.text)
            write_input_number(ws, r + 4, 1, _f(out.p4p_to_out_of_hospital_gbp[0]), s.calc)
            write_text(ws, r + 5, 0, f"Design: {p.design}; year {p.year}; credible case claimed: {_yn(p.credible_case_claimed)}", s.note)
            if p.design == "original":  # the 70% rule (docs/SOURCES.md §5)
                overall = float(out.metrics_overall_frac[0])
                write_text(ws, r + 6, 0, "Metrics achieved, share of plan (model)", s.text)
                ws.write_number(r + 6, 1, overall, s.calc_pct)
                self.refs["achievement"] = cell_ref(r + 6, 1, sheet=L.P4P)
                rule = ("70% or more of plan: the performance money may fund the contingency" if overall >= 0.7 else
                        f"Recovery plan needed: {overall:.1%} of plan is below 70%, so the performance money may not "
                        "fund the contingency")
                write_text(ws, r + 6, 2, rule, s.bold if overall < 0.7 else s.note)
            r += 8
        # metrics
        self.header(ws, r, [L.METRICS_HEADER, "Unit", "Higher is better", "Baseline", "Target (Apr 2015)", "Target",
                            "Change", "Achievement (model)", "Source"])
        hdr = r
        first = r + 1
        M = len(plan.metrics)
        spare = 5
        for i in range(M + spare):
            row = first + i
            m = plan.metrics[i] if i < M else None
            self.text_in(ws, row, 0, m.name if m else None)
            self.text_in(ws, row, 1, m.unit if m else None)
            self.text_in(ws, row, 2, _yn(m.higher_is_better) if m else None)
            self.num_in(ws, row, 3, m.baseline if m else None, s.input_number)
            self.num_in(ws, row, 4, m.target_apr_2015 if m else None, s.input_number)
            self.num_in(ws, row, 5, m.target if m else None, s.input_number)
            if m:
                for col, name in ((3, "baseline"), (4, "target_apr_2015"), (5, "target")):
                    if getattr(m, name) is not None:
                        self.record(["metrics", i, name], L.P4P, row, col)
                write_formula(ws, row, 6, f"=F{row + 1}-D{row + 1}", m.target - m.baseline, s.calc_number)
                write_input_number(ws, row, 7, _f(out.metrics_achievement_frac[0, i]), s.calc_pct)
            else:
                ws.write_blank(row, 6, None, s.calc_number)
                ws.write_blank(row, 7, None, s.calc_pct)
            self.text_in(ws, row, 8, m.source if m else None)
        add_list_validation(ws, first, 2, first + M + spare - 1, [L.YES, L.NO])
        r = first + M + spare
        write_text(ws, r, 0, L.TOTALS_LABEL, s.title)
        write_text(ws, r, 6, "Overall achievement (model)", s.text)
        write_input_number(ws, r, 7, _f(out.metrics_overall_frac[0]), s.calc_pct)
        ws.set_column(0, 0, 50)
        ws.set_column(1, 7, 14)
        ws.set_column(8, 8, 50)
        del hdr
        self.finish(ws, 3, 1)

    # QIPP --------------------------------------------------------------------------------
    def qipp(self) -> None:
        ws, s, plan, out, Y = self.ws[L.QIPP], self.s, self.plan, self.r.outputs, self.Y
        q = plan.qipp
        self.title(ws, f"QIPP: Frail Elderly cohorts, {plan.hwb.name}",
                   "Monthly savings delivered in this scenario (model values) and yearly totals (formulas over the months).")
        self.refs["qipp_net"] = {}
        if q is None:
            write_text(ws, 3, 0, "The plan has no QIPP section.", s.note)
            self.finish(ws)
            return
        monthly = np.asarray(self.r.monthly_qipp_gbp, dtype=float)  # (C, n_months, 3)
        C, n_months = monthly.shape[0], monthly.shape[1]
        kinds = ["EA", "A&E", "Outpatients"]
        # yearly block first
        r = 3
        self.header(ws, r, [f"Item {GBP_UNIT}", ""] + self.years)
        year_hdr = r
        r += 1
        n_rows_top = C * 4 + 8
        m_hdr = r + n_rows_top + 2
        m_first = m_hdr + 1
        m_last = m_first + n_months - 1
        fy_rng = range_ref(m_first, 1, m_last, 1)
        fy_of_month = [self.years[m // 12] for m in range(n_months)]
        cohort_total_rows = []
        for c, cohort in enumerate(q.cohorts):
            rows = []
            for k in range(3):
                col = 2 + 3 * c + k
                write_text(ws, r, 0, f"{cohort.name}: {kinds[k]}", s.text)
                for y in range(Y):
                    f = "=" + sum_exact(range_ref(m_first, col, m_last, col), (fy_rng, cell_ref(year_hdr, 2 + y)))
                    write_formula(ws, r, 2 + y, f, _f(monthly[c, 12 * y:12 * (y + 1), k].sum()), s.calc)
                rows.append(r)
                r += 1
            write_text(ws, r, 0, f"{cohort.name}: total", s.bold)
            for y in range(Y):
                f = "=" + "+".join(cell_ref(x, 2 + y, False) for x in rows)
                write_formula(ws, r, 2 + y, f, _f(monthly[c, 12 * y:12 * (y + 1), :].sum()), s.calc)
            cohort_total_rows.append(r)
            r += 1
        gross_row = r
        write_text(ws, gross_row, 0, "Gross QIPP delivered", s.bold)
        tot_col = 2 + 3 * C
        for y in range(Y):
            f = "=" + sum_exact(range_ref(m_first, tot_col, m_last, tot_col), (fy_rng, cell_ref(year_hdr, 2 + y)))
            write_formula(ws, gross_row, 2 + y, f, _f(out.qipp_gross_gbp[0, y]), s.total)
        inv_row, net_row, other_row, all_row = r + 1, r + 2, r + 3, r + 4
        write_text(ws, inv_row, 0, "QIPP investment", s.text)
        write_text(ws, net_row, 0, "Net QIPP (cohorts)", s.bold)
        write_text(ws, other_row, 0, "Other net QIPP (outside the cohort model)", s.text)
        write_text(ws, all_row, 0, "Net QIPP, all schemes", s.bold)
        for y, label in enumerate(self.years):
            col = 2 + y
            self.link_or_zero(ws, inv_row, col, ["qipp", "investment", Key(label)], q.investment.get(label, 0.0), s.calc)
            write_formula(ws, net_row, col, f"={cell_ref(gross_row, col, False)}-{cell_ref(inv_row, col, False)}",
                          _f(out.qipp_net_gbp[0, y]), s.calc)
            self.link_or_zero(ws, other_row, col, ["qipp", "other_net_qipp", Key(label)], q.other_net_qipp.get(label, 0.0), s.calc)
            write_formula(ws, all_row, col, f"={cell_ref(net_row, col, False)}+{cell_ref(other_row, col, False)}",
                          _f(out.qipp_net_gbp[0, y] + q.other_net_qipp.get(label, 0.0)), s.calc)
            self.refs["qipp_net"][y] = cell_ref(all_row, col, sheet=L.QIPP)
        r = all_row + 1
        for label, arr, fmt in (("QIPP planned as written (model)", out.qipp_planned_gbp, s.calc),
                                ("Full-year effect of the EA ramp (model)", out.qipp_full_year_effect_gbp, s.calc),
                                ("Emergency admissions avoided (model, a number)", out.ea_avoided, s.calc_count)):
            write_text(ws, r, 0, label, s.text)
            for y in range(Y):
                write_input_number(ws, r, 2 + y, _f(arr[0, y]), fmt)
            r += 1
        assert r <= m_hdr - 1
        # monthly block
        write_text(ws, m_hdr - 1, 0, "Monthly profile (model values)", s.bold)
        self.header(ws, m_hdr, ["Month", "Financial year"]
                    + [f"{c.name}: {k} {GBP_UNIT}" for c in q.cohorts for k in kinds] + [f"Month total {GBP_UNIT}"])
        first_month = date(plan.first_year, 4, 1)
        for m in range(n_months):
            row = m_first + m
            mon = (first_month.month - 1 + m) % 12 + 1
            yr = first_month.year + (first_month.month - 1 + m) // 12
            write_text(ws, row, 0, date(yr, mon, 1).strftime("%b %Y"), s.text)
            write_text(ws, row, 1, fy_of_month[m], s.text)
            for c in range(C):
                for k in range(3):
                    write_input_number(ws, row, 2 + 3 * c + k, _f(monthly[c, m, k]), s.calc)
            write_formula(ws, row, tot_col, f"=SUM({range_ref(row, 2, row, tot_col - 1, False)})",
                          _f(monthly[:, m, :].sum()), s.calc)
        ws.set_column(0, 0, 42)
        ws.set_column(1, tot_col, 14)
        chart = self.wb.add_chart({"type": "column", "subtype": "stacked"})
        for c, row in enumerate(cohort_total_rows):
            chart.add_series({"name": [L.ASSUMPTIONS, self.a_row[format_path(["qipp", "cohorts", c, "name"])], 1],
                              "categories": [L.QIPP, year_hdr, 2, year_hdr, 1 + Y],
                              "values": [L.QIPP, row, 2, row, 1 + Y]})
        chart.set_title({"name": "Gross QIPP delivered by cohort (£)"})
        ws.insert_chart(3, 3 + Y, chart)
        self.finish(ws, 4, 1)

    # Contingency and risk share ----------------------------------------------------------------
    def risk(self) -> None:
        ws, s, plan, out, Y = self.ws[L.RISK], self.s, self.plan, self.r.outputs, self.Y
        rs = plan.risk_share
        partners = plan.partners
        P = len(partners)
        self.title(ws, f"Contingency and risk share: {plan.hwb.name}",
                   "The contingency absorbs a shortfall first; the rest is split between partners by share, "
                   "each up to its cap; what no partner covers is the unfunded gap.")
        r = 3
        self.header(ws, r, [L.PARTNERS_HEADER, "Kind", "Share (%)", "Cap (£, blank = none)", "Capped at its contribution", "Source"])
        first = r + 1
        spare = 5
        for i in range(P + spare):
            row = first + i
            p = partners[i] if i < P else None
            self.text_in(ws, row, 0, p.name if p else None)
            self.text_in(ws, row, 1, p.kind if p else None)
            if p is not None and isinstance(p.share_pct, dict):
                self.text_in(ws, row, 2, L.SHARE_BY_YEAR)  # the profile is entered in the share rows below
            else:
                self.num_in(ws, row, 2, p.share_pct if p else None, s.input_pp)
            self.num_in(ws, row, 3, p.cap if p else None, s.input)
            self.text_in(ws, row, 4, _yn(p.cap_at_contribution) if p else None)
            self.text_in(ws, row, 5, p.source if p else None)
            if p is not None:
                if p.share_pct is not None and not isinstance(p.share_pct, dict):
                    self.record(["partners", i, "share_pct"], L.RISK, row, 2)
                if p.cap is not None:
                    self.record(["partners", i, "cap"], L.RISK, row, 3)
        add_list_validation(ws, first, 1, first + P + spare - 1, ["ccg", "council", "acute_trust", "other"])
        add_list_validation(ws, first, 4, first + P + spare - 1, ["Yes", "No"])
        r = first + P + spare
        write_text(ws, r, 0, L.TOTALS_LABEL, s.title)
        write_formula(ws, r, 2, f"=SUM({range_ref(first, 2, r - 1, 2, False)})",
                      float(sum(p.share_pct for p in partners if isinstance(p.share_pct, (int, float)))), s.calc_pp)
        write_text(ws, r, 1, "Shares total", s.text)
        basis = rs.share_basis if rs else "fixed"
        write_text(ws, r + 1, 0, f"Share basis: {basis}; contingency basis: {rs.contingency_basis if rs else 'none'}; "
                                 f"underspend shared back: {_yn(rs.share_underspend) if rs else L.YES}", s.note)
        r += 3
        self.header(ws, r, [L.RISK_ITEM_HEADER] + self.years + ["Total"])
        hdr_row = r
        r += 1
        c0, c_tot = 1, 1 + Y
        note_rows = []

        def total_formula(row, cached, fmt, name=None):
            write_formula(ws, row, c_tot, f"=SUM({range_ref(row, c0, row, c0 + Y - 1, False)})", _f(cached), fmt)
            if name:
                define_name(self.wb, name, L.RISK, row, c_tot)

        def values_row(label, arr, fmt=s.calc, bold=False):
            nonlocal r
            write_text(ws, r, 0, label, s.bold if bold else s.text)
            for y in range(Y):
                write_input_number(ws, r, c0 + y, _f(arr[y]), fmt)
            total_formula(r, np.sum(arr), fmt)
            r += 1
            return r - 1

        values_row("Planned savings if targets fully met (counted once)", out.savings_planned_gbp[0], bold=True)
        values_row("Savings delivered in this scenario", out.savings_delivered_gbp[0])
        part_rows = [values_row(f"Shortfall: {PART_LABELS.get(name) or name.replace('_', ' ').capitalize()}", out.shortfall_parts_gbp[0, :, k])
                     for k, name in enumerate(SHORTFALL_PARTS)]
        short_row = r
        write_text(ws, r, 0, "Shortfall", s.bold)
        for y in range(Y):
            write_formula(ws, r, c0 + y, f"=SUM({range_ref(part_rows[0], c0 + y, part_rows[-1], c0 + y, False)})",
                          _f(out.shortfall_gbp[0, y]), s.total)
        total_formula(r, out.shortfall_gbp[0].sum(), s.total, "Shortfall_Total")
        r += 1
        cont_row = r
        write_text(ws, r, 0, "Contingency held in the pool", s.text)
        basis_c = rs.contingency_basis if rs else "none"
        py = self.years.index(plan.p4p.year) if plan.p4p else -1
        for y, label in enumerate(self.years):
            v = _f(out.contingency_gbp[0, y])
            # original design: the performance money funds the contingency only at 70% of plan or more
            rule = (lambda ref: f"=IF({self.refs['achievement']}>=0.7,{ref},0)") if "achievement" in self.refs else (lambda ref: "=" + ref)
            if basis_c == "p4p_sum" and y == py and "p4p_sum" in self.refs:
                write_formula(ws, r, c0 + y, rule(self.refs["p4p_sum"]), v, s.calc)
            elif basis_c == "p4p_unreleased" and y == py and "p4p_unreleased" in self.refs:
                write_formula(ws, r, c0 + y, rule(self.refs["p4p_unreleased"]), v, s.calc)
            elif basis_c == "stated":
                self.link_or_zero(ws, r, c0 + y, ["risk_share", "contingency", Key(label)], v, s.calc)
            else:
                write_input_number(ws, r, c0 + y, v, s.calc)
        total_formula(r, out.contingency_gbp[0].sum(), s.calc)
        r += 1
        used_row = r
        write_text(ws, r, 0, "Contingency used", s.bold)
        for y in range(Y):
            S, C = cell_ref(short_row, c0 + y, False), cell_ref(cont_row, c0 + y, False)
            write_formula(ws, r, c0 + y, f"=MIN(MAX({S},0),{C})", _f(out.contingency_used_gbp[0, y]), s.calc)
        total_formula(r, out.contingency_used_gbp[0].sum(), s.calc, "Contingency_Used_Total")
        r += 1
        to_row = r
        to_partners = np.maximum(out.shortfall_gbp[0], 0.0) - out.contingency_used_gbp[0]
        write_text(ws, r, 0, "To share between partners", s.text)
        for y in range(Y):
            S, U = cell_ref(short_row, c0 + y, False), cell_ref(used_row, c0 + y, False)
            write_formula(ws, r, c0 + y, f"=MAX({S},0)-{U}", _f(to_partners[y]), s.calc)
        total_formula(r, to_partners.sum(), s.calc)
        r += 1
        under_row = r
        shares = np.asarray(self.r.inputs.shares_frac, dtype=float)[0] if P else np.zeros((Y, 0))  # (Y, P)
        share_under = (rs.share_underspend if rs else True) and P > 0
        under_vals = np.array([max(-_f(out.shortfall_gbp[0, y]), 0.0) if share_under and shares[y].sum() > 0 else 0.0
                               for y in range(Y)])
        write_text(ws, r, 0, "Underspend shared back to partners", s.text)
        share_rows = list(range(r + 1, r + 1 + P))
        for y in range(Y):
            S = cell_ref(short_row, c0 + y, False)
            if share_under:
                tot = f"SUM({range_ref(share_rows[0], c0 + y, share_rows[-1], c0 + y, False)})"
                write_formula(ws, r, c0 + y, f"=IF({tot}>0,MAX(-{S},0),0)", _f(under_vals[y]), s.calc)
            else:
                write_input_number(ws, r, c0 + y, 0.0, s.calc)
        total_formula(r, under_vals.sum(), s.calc)
        r += 1
        for k, p in enumerate(partners):
            write_text(ws, r, 0, f"Share: {p.name} (%)", s.text)
            for y in range(Y):
                if basis == "fixed" and isinstance(p.share_pct, dict):  # a profile: one input per year
                    write_input_number(ws, r, c0 + y, float(p.share_pct_in(self.years[y]) or 0.0), s.input_pp)
                    self.record(["partners", k, "share_pct", Key(self.years[y])], L.RISK, r, c0 + y)
                elif basis == "fixed":
                    write_formula(ws, r, c0 + y, f"=$C${first + k + 1}", float(p.share_pct or 0.0), s.calc_pp)
                else:
                    write_input_number(ws, r, c0 + y, _f(shares[y, k] * 100.0), s.calc_pp)
            r += 1
        pay_rows = []
        payments = np.asarray(out.partner_payments_gbp, dtype=float)[0] if P else np.zeros((Y, 0))
        formula_year = []
        for y in range(Y):
            tot_share = sum((partners[k].share_pct_in(self.years[y]) or 0.0) if basis == "fixed" else shares[y, k] * 100.0
                            for k in range(P))
            ok = True
            for k in range(P):
                sh = (partners[k].share_pct_in(self.years[y]) or 0.0) if basis == "fixed" else shares[y, k] * 100.0
                calc = 0.0 if tot_share == 0 else (to_partners[y] - under_vals[y]) * sh / tot_share
                if abs(calc - payments[y, k]) > PENNY:
                    ok = False
            formula_year.append(ok)
        for k, p in enumerate(partners):
            write_text(ws, r, 0, f"Payment: {p.name}", s.bold)
            for y in range(Y):
                if formula_year[y]:
                    tot = f"SUM({range_ref(share_rows[0], c0 + y, share_rows[-1], c0 + y, False)})"
                    T, Uu = cell_ref(to_row, c0 + y, False), cell_ref(under_row, c0 + y, False)
                    Sh = cell_ref(share_rows[k], c0 + y, False)
                    write_formula(ws, r, c0 + y, f"=IF({tot}=0,0,({T}-{Uu})*{Sh}/{tot})", _f(payments[y, k]), s.calc)
                else:
                    write_input_number(ws, r, c0 + y, _f(payments[y, k]), s.calc)
            total_formula(r, payments[:, k].sum(), s.calc)
            pay_rows.append(r)
            r += 1
        gap_row = r
        write_text(ws, r, 0, "Unfunded gap", s.bold)
        for y in range(Y):
            T, Uu = cell_ref(to_row, c0 + y, False), cell_ref(under_row, c0 + y, False)
            pays = f"-SUM({range_ref(pay_rows[0], c0 + y, pay_rows[-1], c0 + y, False)})" if P else ""
            write_formula(ws, r, c0 + y, f"={T}{pays}-{Uu}", _f(out.unfunded_gap_gbp[0, y]), s.total)
        total_formula(r, out.unfunded_gap_gbp[0].sum(), s.total, "Unfunded_Gap_Total")
        r += 1
        ret_row = r
        write_text(ws, r, 0, "Underspend retained in the pool", s.text)
        for y in range(Y):
            S, Uu = cell_ref(short_row, c0 + y, False), cell_ref(under_row, c0 + y, False)
            write_formula(ws, r, c0 + y, f"=MAX(-{S},0)-{Uu}", _f(out.underspend_retained_gbp[0, y]), s.calc)
        total_formula(r, out.underspend_retained_gbp[0].sum(), s.calc)
        r += 1
        write_text(ws, r, 0, "Check: used + payments + gap - retained - shortfall (should be 0)", s.note)
        for y in range(Y):
            col = c0 + y
            pays = f"+SUM({range_ref(pay_rows[0], col, pay_rows[-1], col, False)})" if P else ""
            f = (f"={cell_ref(used_row, col, False)}{pays}+{cell_ref(gap_row, col, False)}"
                 f"-{cell_ref(ret_row, col, False)}-{cell_ref(short_row, col, False)}")
            write_formula(ws, r, col, f, 0.0, s.calc)
        r += 2
        capped = [self.years[y] for y in range(Y) if not formula_year[y]]
        if capped:
            note_rows.append(r)
            write_text(ws, r, 0, "Partner payments in " + ", ".join(capped) + " are the engine's values: a cap binds "
                       "there and the excess above it moves to the partners under their caps (not a formula).", s.note)
            r += 1
        write_text(ws, r, 0, "Partner payments in the other years are live formulas: to share x share / total of shares.", s.note)
        ws.set_column(0, 0, 58)
        ws.set_column(1, c_tot, 15)
        ws.set_column(4, 4, 40)
        chart = self.wb.add_chart({"type": "column", "subtype": "stacked"})
        for row, name in ([(used_row, "Contingency used")] + [(pr, [L.RISK, first + k, 0]) for k, pr in enumerate(pay_rows)]
                          + [(gap_row, "Unfunded gap")]):
            chart.add_series({"name": name, "categories": [L.RISK, hdr_row, c0, hdr_row, c0 + Y - 1],
                              "values": [L.RISK, row, c0, row, c0 + Y - 1]})
        chart.set_title({"name": "Who pays the shortfall, by year (£)"})
        ws.insert_chart(3, c_tot + 2, chart, {"x_scale": 1.3, "y_scale": 1.3})
        self.finish(ws, 0, 1)

    # Five-year profile ----------------------------------------------------------------
    def five_year(self) -> None:
        ws, s, plan, out, Y = self.ws[L.FIVE_YEAR], self.s, self.plan, self.r.outputs, self.Y
        fy = plan.five_year
        self.title(ws, f"Five-year profile: {plan.hwb.name}",
                   "Inputs link to the Assumptions sheet; CCG outturn after QIPP and the gaps are formulas.")
        r = 3
        self.header(ws, r, [f"Item {GBP_UNIT}"] + self.years)
        r += 1
        rows = {}

        def link_row(key, label, field):
            nonlocal r
            write_text(ws, r, 0, label, s.text)
            mapping = getattr(fy, field) if fy else {}
            for y, lab in enumerate(self.years):
                self.link_or_zero(ws, r, 1 + y, ["five_year", field, Key(lab)], mapping.get(lab, 0.0), s.calc)
            rows[key] = r
            r += 1

        link_row("tf", "Transformation fund", "transformation_fund")
        link_row("before", "CCG outturn before QIPP (negative = deficit)", "ccg_outturn_before_qipp")
        write_text(ws, r, 0, "Net QIPP, all schemes (QIPP sheet)", s.text)
        net_all = out.qipp_net_gbp[0] + self.r.inputs.other_net_qipp_gbp[0]
        for y in range(Y):
            ref = self.refs.get("qipp_net", {}).get(y)
            if ref:
                write_formula(ws, r, 1 + y, "=" + ref, _f(net_all[y]), s.calc)
            else:
                write_input_number(ws, r, 1 + y, _f(net_all[y]), s.calc)
        rows["net"] = r
        r += 1
        write_text(ws, r, 0, "CCG outturn after QIPP", s.bold)
        for y in range(Y):
            write_formula(ws, r, 1 + y, f"={cell_ref(rows['before'], 1 + y, False)}+{cell_ref(rows['net'], 1 + y, False)}",
                          _f(out.ccg_outturn_after_gbp[0, y]), s.total)
        rows["after"] = r
        r += 1
        link_row("budget", "Adult social care net budget", "asc_net_budget")
        link_row("pressure", "Adult social care demographic pressure", "asc_demographic_pressure")
        link_row("funding", "Change in council funding for adult social care (negative = cut)", "asc_funding_change")
        link_row("savings", "Adult social care savings target", "asc_savings_target")
        write_text(ws, r, 0, "Adult social care gap (pressure - funding change - savings)", s.bold)
        for y in range(Y):
            c = 1 + y
            f = (f"={cell_ref(rows['pressure'], c, False)}-{cell_ref(rows['funding'], c, False)}"
                 f"-{cell_ref(rows['savings'], c, False)}")
            write_formula(ws, r, c, f, _f(out.asc_gap_gbp[0, y]), s.total)
        rows["asc_gap"] = r
        r += 1
        write_text(ws, r, 0, "System gap (-CCG outturn after QIPP + ASC gap)", s.bold)
        for y in range(Y):
            c = 1 + y
            write_formula(ws, r, c, f"=-{cell_ref(rows['after'], c, False)}+{cell_ref(rows['asc_gap'], c, False)}",
                          _f(out.system_gap_gbp[0, y]), s.total)
        rows["system"] = r
        if fy is None:
            write_text(ws, r + 2, 0, "The plan has no five-year section: its inputs are 0.", s.note)
        ws.set_column(0, 0, 60)
        ws.set_column(1, Y, 15)
        chart = self.wb.add_chart({"type": "line"})
        for key, name in (("before", "CCG outturn before QIPP"), ("after", "CCG outturn after QIPP"), ("system", "System gap")):
            chart.add_series({"name": name, "categories": [L.FIVE_YEAR, 3, 1, 3, Y],
                              "values": [L.FIVE_YEAR, rows[key], 1, rows[key], Y]})
        chart.set_title({"name": "Five-year picture (£)"})
        ws.insert_chart(r + 4, 0, chart, {"x_scale": 1.5})
        self.finish(ws, 4, 1)

    # Scenarios ----------------------------------------------------------------------
    def scenarios(self) -> None:
        ws, s = self.ws[L.SCENARIOS], self.s
        results = list(self.scenario_results) if self.scenario_results else [self.r]
        self.title(ws, "Scenarios side by side (model values, totals over the plan's years)",
                   "Each column is one named scenario run by the engine.")
        partners = self.plan.partners
        rows: list[tuple[str, Any]] = [
            ("Description", lambda x: x.scenario.description or ""),
            ("Pool (£)", lambda x: x.pool.pool_gbp[0].sum()),
            ("Savings planned (£)", lambda x: x.outputs.savings_planned_gbp[0].sum()),
            ("Savings delivered (£)", lambda x: x.outputs.savings_delivered_gbp[0].sum()),
            ("P4P sum (£)", lambda x: x.outputs.p4p_sum_gbp[0]),
            ("P4P released (£)", lambda x: x.outputs.p4p_released_gbp[0]),
            ("Shortfall (£)", lambda x: x.outputs.shortfall_gbp[0].sum()),
            ("Contingency used (£)", lambda x: x.outputs.contingency_used_gbp[0].sum()),
        ]
        for k, p in enumerate(partners):
            rows.append((f"Paid by {p.name} (£)", lambda x, k=k: x.outputs.partner_payments_gbp[0, :, k].sum()
                         if x.outputs.partner_payments_gbp.shape[-1] > k else 0.0))
        rows.append(("Unfunded gap (£)", lambda x: x.outputs.unfunded_gap_gbp[0].sum()))
        self.header(ws, 3, ["Scenario"] + [x.scenario.name for x in results])
        for i, (label, fn) in enumerate(rows):
            row = 4 + i
            write_text(ws, row, 0, label, s.bold)
            for j, x in enumerate(results):
                v = fn(x)
                if isinstance(v, str):
                    write_text(ws, row, 1 + j, v, s.note)
                else:
                    write_input_number(ws, row, 1 + j, _f(v), s.calc)
        ws.set_column(0, 0, 40)
        ws.set_column(1, len(results), 22)
        self.finish(ws, 4, 1)

    # Sensitivity ----------------------------------------------------------------------
    def sensitivity(self) -> None:
        ws, s = self.ws[L.SENSITIVITY], self.s
        self.title(ws, "Sensitivity (values from a sweep)")
        sw = self.sweep
        if not sw:
            write_text(ws, 3, 0, "no sweep run", s.note)
            self.finish(ws)
            return
        r = 3
        meta = [(k, sw[k]) for k in ("method", "n", "seed", "output") if k in sw]
        for k, v in meta:
            write_text(ws, r, 0, k, s.bold)
            write_text(ws, r, 1, str(v), s.text)
            r += 1
        r += 1
        summaries = sw.get("percentiles") or sw.get("summaries") or {
            k: v for k, v in sw.items() if isinstance(v, dict) and "count" in v}
        if summaries:
            stats = ["count", "mean", "std", "min"]
            pkeys = sorted({k for v in summaries.values() for k in v if k.startswith("p") and k[1:].replace(".", "").isdigit()},
                           key=lambda k: float(k[1:]))
            stats += pkeys + ["max", "expected_shortfall"]
            self.header(ws, r, [f"Output {GBP_UNIT}"] + stats)
            r += 1
            for name, res in summaries.items():
                write_text(ws, r, 0, str(name), s.bold)
                for j, st in enumerate(stats):
                    v = res.get(st)
                    if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
                        write_input_number(ws, r, 1 + j, float(v), s.calc_count if st == "count" else s.calc)
                r += 1
            r += 1
        tornado = sw.get("tornado") or []
        if tornado:
            write_text(ws, r, 0, f"Tornado: {sw.get('output', 'output')} at each input's low and high value", s.bold)
            r += 1
            self.header(ws, r, ["Input", "Low input", "High input", f"Output at low {GBP_UNIT}", f"Output at high {GBP_UNIT}",
                                f"Swing {GBP_UNIT}"])
            hdr = r
            r += 1
            items = sorted(tornado, key=lambda t: -abs(float(t.get("output_high", 0)) - float(t.get("output_low", 0))))
            for t in items:
                write_text(ws, r, 0, str(t.get("input", t.get("label", ""))), s.text)
                for j, key in enumerate(("low", "high", "output_low", "output_high")):
                    v = t.get(key)
                    if isinstance(v, (int, float)) and math.isfinite(float(v)):
                        write_input_number(ws, r, 1 + j, float(v), s.calc_number if j < 2 else s.calc)
                swing = abs(float(t.get("output_high", 0)) - float(t.get("output_low", 0)))
                write_input_number(ws, r, 5, swing, s.calc)
                r += 1
            chart = self.wb.add_chart({"type": "bar"})
            for col, name in ((3, "Output at low"), (4, "Output at high")):
                chart.add_series({"name": name, "categories": [L.SENSITIVITY, hdr + 1, 0, r - 1, 0],
                                  "values": [L.SENSITIVITY, hdr + 1, col, r - 1, col]})
            chart.set_title({"name": "Tornado"})
            chart.set_y_axis({"reverse": True})
            ws.insert_chart(3, 9, chart, {"x_scale": 1.3, "y_scale": 1.3})
        ws.set_column(0, 0, 40)
        ws.set_column(1, 12, 15)
        self.finish(ws, 0, 1)

    # Assumptions ------------------------------------------------------------------------
    def assumptions(self) -> None:
        ws, s = self.ws[L.ASSUMPTIONS], self.s
        self.title(ws, "Assumptions: every input of the plan, with unit and source",
                   "Rows held 'here' are inputs read back by import-template2 (money in £, percentages in %). "
                   "Links to the £000 sheets (Funding sources, Expenditure plan, Benefits plan) are shown here in £. "
                   "Rows held on another sheet link to that sheet's input cell; change them there. "
                   "A blank value means the plan has no figure.")
        self.header(ws, 3, [L.ASSUMPTIONS_HEADER, "Value", "Unit", "Source", "Held on", "Type"])
        for i, (tokens, value, source) in enumerate(self.leaves):
            row = self.a_first + i
            path = format_path(tokens)
            unit = unit_for(tokens, value)
            write_text(ws, row, 0, path, s.text)
            where = held_on(tokens)
            if where == L.HELD_HERE:
                kind = _value_type(value)
                if value is None:
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
                    write_text(ws, row, 1, str(value), s.text_input)
                write_text(ws, row, 4, L.HELD_HERE, s.text)
                write_text(ws, row, 5, kind, s.text)
            else:
                cell = self.cells.get(path)
                if cell is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet, rr, cc = cell
                    ref = cell_ref(rr, cc, sheet=sheet)
                    write_formula(ws, row, 1, "=" + (gbp_ref(sheet, ref) if unit == "£" else ref), float(value),
                                  s.calc if unit == "£" else s.calc_number)
                    write_text(ws, row, 4, f"{sheet}!{xl_rowcol_to_cell(rr, cc)}", s.text)
                else:
                    write_text(ws, row, 4, where, s.text)
            write_text(ws, row, 2, unit, s.text)
            write_text(ws, row, 3, source, s.text)
        ws.set_column(0, 0, 58)
        ws.set_column(1, 1, 22)
        ws.set_column(2, 2, 12)
        ws.set_column(3, 3, 70)
        ws.set_column(4, 5, 22)
        ws.autofilter(3, 0, 3 + len(self.leaves), 5)
        self.finish(ws, 4, 1, 4)

    # About ---------------------------------------------------------------------------------
    def about(self) -> None:
        ws, s, r = self.ws[L.ABOUT], self.s, self.r
        self.title(ws, "About this workbook")
        rows = [
            ("finmodel version", r.version),
            ("Plan file", r.plan_path),
            ("Plan sha256", r.plan_sha256 or "(not recorded)"),
            ("Scenario", r.scenario.name),
            ("Scenario description", r.scenario.description or ""),
            ("Run at (UTC)", r.created_utc or ""),
            ("Workbook written at (UTC)", datetime.now(timezone.utc).isoformat(timespec="seconds")),
            (UNITS_LABEL, UNITS_VALUE),
        ]
        if self.sweep:
            rows.append(("Sweep seed", str(self.sweep.get("seed", "(not given)"))))
        for w in r.warnings:
            rows.append(("Warning", w))
        for i, (k, v) in enumerate(rows):
            write_text(ws, 3 + i, 0, k, s.bold)
            write_text(ws, 3 + i, 1, str(v), s.text)
        ws.set_column(0, 0, 28)
        ws.set_column(1, 1, 100)
        self.finish(ws)

    # Cover -------------------------------------------------------------------------------------
    def cover(self) -> None:
        ws, s, plan, pool = self.ws[L.COVER], self.s, self.plan, self.r.pool
        h = plan.hwb
        self.title(ws, "Better Care Fund: Template 2 (finance and metrics)",
                   "Yellow cells are inputs, grey cells are calculated. Sheets are protected without a password.")
        info = [
            ("Health and Wellbeing Board", h.name),
            ("ONS code", h.ons_code),
            ("Councils", "; ".join(h.councils)),
            ("Clinical Commissioning Groups", "; ".join(f"{c.name} ({c.share_in_hwb_pct:g}% in this HWB)" for c in h.ccgs)),
            ("District councils (DFG pass-through)", "; ".join(h.district_councils) or "none (single tier)"),
            ("Years", ", ".join(self.years)),
            ("Scenario", f"{self.r.scenario.name}: {self.r.scenario.description}"),
        ]
        r = 3
        for k, v in info:
            write_text(ws, r, 0, k, s.bold)
            write_text(ws, r, 1, v, s.text)
            r += 1
        r += 1
        self.header(ws, r, ["Year", "Minimum required pool (£)", "Agreed pool (£)", "Margin (£)"])
        r += 1
        for y, label in enumerate(self.years):
            write_text(ws, r, 0, label, s.text)
            ny = _name_year(label)
            write_formula(ws, r, 1, f"=Minimum_{ny}*1000", _f(pool.minimum_gbp[0, y]), s.calc)
            write_formula(ws, r, 2, f"=Pool_{ny}*1000", _f(pool.pool_gbp[0, y]), s.calc)
            write_formula(ws, r, 3, f"=C{r + 1}-B{r + 1}", _f(pool.margin_gbp[0, y]), s.calc)
            r += 1
        r += 1
        write_text(ws, r, 0, "Sign-off", s.title)
        r += 1
        self.header(ws, r, ["Signed on behalf of", "Name", "Role", "Date"])
        r += 1
        signers = [f"{h.name} Health and Wellbeing Board"] + list(h.councils) + [c.name for c in h.ccgs]
        for who in signers:
            write_text(ws, r, 0, who, s.text)
            for col in (1, 2, 3):
                ws.write_blank(r, col, None, s.text_input)
            r += 1
        r += 1
        write_text(ws, r, 0, "Checklist of incomplete fields", s.title)
        r += 1
        self.header(ws, r, ["Item", "Status", "Detail"])
        r += 1
        for item, ok, detail in self.checklist():
            write_text(ws, r, 0, item, s.text)
            write_text(ws, r, 1, "Complete" if ok else "Incomplete", s.rag["Green" if ok else "Amber"])
            write_text(ws, r, 2, detail, s.text)
            r += 1
        r += 1
        write_text(ws, r, 0, "Assurance checks", s.title)
        r += 1
        self.header(ws, r, ["Question", "RAG", "Reason"])
        r += 1
        for chk in self.r.checks:
            write_text(ws, r, 0, chk.question, s.text)
            write_text(ws, r, 1, chk.rag, s.rag[chk.rag])
            write_text(ws, r, 2, chk.reason, s.text)
            r += 1
        ws.set_column(0, 0, 62)
        ws.set_column(1, 3, 26)
        ws.set_column(2, 2, 90)
        self.finish(ws, 0, 0)

    def checklist(self) -> list[tuple[str, bool, str]]:
        plan = self.plan
        y = "2015/16"
        no_benefit = [sc.id for sc in plan.schemes if not any(v > 0 for v in sc.benefits.values())]
        no_activity = [sc.id for sc in plan.schemes if any(v > 0 for v in sc.benefits.values()) and sc.benefit_activity is None]
        items = [
            ("Care Act amount for 2015/16", plan.care_act.amount.get(y, 0.0) > 0, "Care Act amount missing" if plan.care_act.amount.get(y, 0.0) <= 0 else "stated"),
            ("Every scheme states its benefits", not no_benefit, ("schemes without benefits: " + ", ".join(no_benefit)) if no_benefit else "all schemes"),
            ("Benefit activity for every scheme with benefits", not no_activity, ", ".join(no_activity) or "all given"),
            ("Local definition of protecting social care", bool(plan.social_care_protection.definition.strip()), plan.social_care_protection.definition or "missing"),
            ("Protection of social care amount for 2015/16", plan.social_care_protection.amount.get(y, 0.0) > 0, "stated" if plan.social_care_protection.amount.get(y, 0.0) > 0 else "missing"),
            ("Carers amount for 2015/16", plan.carers.amount.get(y, 0.0) > 0, "stated" if plan.carers.amount.get(y, 0.0) > 0 else "missing"),
            ("Metrics with baselines and targets", bool(plan.metrics), f"{len(plan.metrics)} metrics"),
            ("Payment for performance (non-elective admissions)", plan.p4p is not None, "given" if plan.p4p else "no P4P section"),
            ("Risk share with partners and a contingency", plan.risk_share is not None and bool(plan.partners),
             f"{len(plan.partners)} partners" if plan.partners else "no partners named"),
            ("Sign-off names and dates", False, "to be completed in the yellow cells above"),
        ]
        return items


def write_template2(result, path: Path, scenario_results: list | None = None, sweep_summary: dict | None = None) -> Path:
    """Write the Template 2 workbook of ``result`` to ``path`` (atomically); returns the path.

    ``scenario_results``: further RunResults of the same plan, shown side by side on
    the Scenarios sheet (default: just ``result``).  ``sweep_summary`` (optional):
    ``{"percentiles": {output: StreamingSummary.result()}, "tornado": [{"input",
    "low", "high", "output_low", "output_high"}, ...], "output", "method", "n",
    "seed"}``; without it the Sensitivity sheet says "no sweep run".
    """
    def build(wb) -> None:
        wb.set_properties({"author": AUTHOR, "title": f"Template 2: {result.plan.hwb.name}"})  # see workbook_owner
        _Builder(wb, result, scenario_results, sweep_summary).build()

    return atomic_write_workbook(Path(path), build)
