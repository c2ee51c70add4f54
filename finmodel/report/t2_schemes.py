"""The Expenditure plan and Benefits plan sheets: one row per scheme (£000), with totals by area, commissioner and earmark.

The Expenditure plan holds two tables with a row per scheme in step (the scheme and its spend by year; then its
details), so that it prints one page wide at 8 pt or more.  Coded cells (area of spend, commissioner, funding
stream, new or existing, benefit activity) hold plain labels (:mod:`finmodel.report.t2_labels`); the formulas
compare them with :func:`~finmodel.report.t2_labels.is_choice`, as the importer reads them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from finmodel.arrays import ACTIVITIES
from finmodel.plan import STREAM_LABELS, AreaOfSpend, Commissioner, Stream
from finmodel.report import t2_common as L
from finmodel.report.t2_base import ROW_PT, _f, _name_year, _yn
from finmodel.report.t2_common import Key
from finmodel.report.t2_labels import ACTIVITY_LABELS, AREA_LABELS, is_choice, label_of, labels
from finmodel.report.t2_units import K_UNIT, to_k
from finmodel.report.xlsx_match import lookup_exact, sum_exact, text_literal
from finmodel.report.xlsx_utils import (
    add_list_validation, cell_ref, define_name, range_ref, write_array_formula, write_formula, write_input_number, write_text,
)

#: Widths of the Expenditure plan's columns A to G, which hold what a scheme is (the first table) and the labels of
#: the totals; from H, a column a year (and the total) of width :data:`EXP_YEAR_WIDTH`.  With five years the
#: printed columns add up to 128 units: fitted one page wide, LibreOffice prints 10 pt text at 8.3 pt (7.9 pt at
#: 131 units).  The second table prints in the same columns, to column M at least (:data:`EXP_MIN_COLUMNS`).
EXP_WIDTHS = [7.0, 20.0, 12.0, 11.0, 8.0, 8.0, 14.0]
EXP_YEAR_WIDTH = 8.0
EXP_MIN_COLUMNS = 13
#: Height of the spend-by-area chart [pt]: xlsxwriter's 288 px at y_scale 1.3.
CHART_PT = 288 * 1.3 * 0.75
#: Columns of the second table's Yes/No flags: recurrent, protects social care, NHS out-of-hospital.
DETAILS_FLAG_COLS = (5, 6, 7)


class SchemeSheets:
    """Mixin of the workbook builder (:class:`finmodel.report.t2_base.SheetBuilder`)."""

    # Expenditure plan -----------------------------------------------------------------
    def expenditure(self) -> None:
        """Two tables with a row per scheme in each, in step (a scheme's row in the second is ``shift`` rows
        below its row in the first), then the totals by year.

        The first holds what the totals and checks read (area of spend, commissioner, % NHS, funding stream
        and the spend by year); the second the provider, new or existing, the Yes/No flags and the source.
        As one table of 19 columns the sheet printed at 5.7 pt; each of the two fits the page at 8 pt or more.
        The totals' years are in the spend columns, so the first table's header, repeated on every printed
        page, heads them too.
        """
        ws, s, plan, pool, Y = self.ws[L.EXPENDITURE], self.s, self.plan, self.r.pool, self.Y
        self.title(ws, f"Expenditure plan: {plan.hwb.name}",
                   "One line per scheme in each table; the scheme details below are on the line with the same ID. Spend is "
                   "in £000 (7800 means £7,800,000). % NHS applies to joint commissions only.")
        hdr = 3
        c_spend = len(EXP_WIDTHS)
        c_total = c_spend + Y
        c_last = max(c_total, EXP_MIN_COLUMNS - 1)  # the last printed column
        c_care_act = c_last + 1  # hidden: 1 where the scheme's Care Act flag (an Assumptions input) is Yes
        self.header(ws, hdr, [L.EXPENDITURE_HEADER, "Scheme name", "Area of spend", "Commissioner", "% NHS (joint)",
                              "% council (joint)", "Funding stream"] + [f"Spend {y} (£000)" for y in self.years]
                    + ["Total spend (£000)"])
        write_text(ws, hdr, c_care_act, L.CARE_ACT_FLAG_HEADER, s.header)  # not a wrapping header: the column is hidden
        first = hdr + 1
        last, rows = self.input_rows(first, plan.schemes)
        details_hdr = last + 3  # a blank row and the table's title between the tables
        shift = details_hdr - hdr
        self.exp_first, self.exp_shift, self.exp_c_spend, self.exp_c_care_act = first, shift, c_spend, c_care_act
        self.exp_label_last = c_spend - 1  # the totals' labels span the columns left of the years
        joint = Commissioner.joint
        for i, row, sc in rows:
            self.text_in(ws, row, 0, sc.id if sc else None, wrap=True)
            self.text_in(ws, row, 1, sc.name if sc else None, wrap=True)
            self.text_in(ws, row, 2, label_of("area_of_spend", sc.area_of_spend) if sc else None, wrap=True)
            self.text_in(ws, row, 3, label_of("commissioner", sc.commissioner) if sc else None, wrap=True)
            self.num_in(ws, row, 4, sc.nhs_share_pct if sc else None, s.input_pp_top)
            cached: Any = 100.0 - sc.nhs_share_pct if sc and sc.commissioner is joint else ""
            write_formula(ws, row, 5, f'=IF({is_choice(f"D{row + 1}", "commissioner", joint)},100-E{row + 1},"")',
                          cached, s.calc_pp_top)
            self.text_in(ws, row, 6, label_of("funding_stream", sc.funding_stream) if sc else None, wrap=True)
            for y, label in enumerate(self.years):
                v = sc.spend.get(label) if sc else None
                self.num_in(ws, row, c_spend + y, None if v is None else to_k(v), s.input_k_top)
                if v is not None:
                    self.record(["schemes", i, "spend", Key(label)], L.EXPENDITURE, row, c_spend + y)
            if sc:
                write_formula(ws, row, c_total, f"=SUM({range_ref(row, c_spend, row, c_total - 1, False)})",
                              to_k(pool.scheme_spend_gbp[0, :, i].sum()), s.calc_k_top)
            else:
                ws.write_blank(row, c_total, None, s.calc_k_top)
            if sc and sc.nhs_share_pct is not None:
                self.record(["schemes", i, "nhs_share_pct"], L.EXPENDITURE, row, 4)
            ref = self.a_ref(["schemes", i, "care_act"]) if sc else None
            if ref:
                write_formula(ws, row, c_care_act, f'=IF(OR({ref}=TRUE,{ref}="Yes"),1,0)', 1 if sc.care_act else 0,
                              s.calc_int)
        ws.set_column(c_care_act, c_care_act, 12, None, {"hidden": True})  # read by the Care Act row below
        for col, field in ((2, "area_of_spend"), (3, "commissioner"), (6, "funding_stream")):
            add_list_validation(ws, first, col, last, labels(field))
        self.scheme_details(ws, rows, details_hdr, shift, c_last)

        self.exp_ids = range_ref(first, 0, last, 0, sheet=L.EXPENDITURE)
        self.exp_names = range_ref(first, 1, last, 1, sheet=L.EXPENDITURE)
        area_rng, comm_rng, nhs_rng = (range_ref(first, c, last, c) for c in (2, 3, 4))
        prot_rng, ooh_rng = (range_ref(first + shift, c, last + shift, c) for c in DETAILS_FLAG_COLS[1:])

        def spend_rng(y: int) -> str:
            return range_ref(first, c_spend + y, last, c_spend + y)

        r = last + shift + 2
        write_text(ws, r, 0, L.TOTALS_LABEL, s.section)
        r += 1
        self.merged(ws, r, 0, self.exp_label_last, f"Item {K_UNIT}", s.header, bold=True)
        self.header(ws, r, self.years, col=c_spend)
        r += 1

        def row_of(label, values_fn, bold=True) -> int:
            nonlocal r
            self.merged(ws, r, 0, self.exp_label_last, label, s.wrap_bold if bold else s.wrap, bold=bold)
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
            area_rows[area] = row_of(f"Spend on {AREA_LABELS[area].lower()}", formula(
                lambda row, col, y, area=area: "=" + sum_exact(spend_rng(y), tests=(is_choice(area_rng, "area_of_spend", area),)),
                lambda y, a=a: to_k(pool.spend_by_area_gbp[0, y, a]), s.calc_k))
        row_of("NHS-commissioned out-of-hospital spend", formula(
            lambda row, col, y: f'=SUMIFS({spend_rng(y)},{ooh_rng},"{L.YES}")',
            lambda y: to_k(pool.nhs_out_of_hospital_gbp[0, y]), s.calc_k))
        # a joint commission counts by its % NHS (the council has the rest); SUMPRODUCT's commas count text as 0
        is_ccg, is_joint = (is_choice(comm_rng, "commissioner", c) for c in (Commissioner.ccg, joint))
        row_of("NHS-commissioned spend (joint split by % NHS)", formula(
            lambda row, col, y: f"=SUMPRODUCT({is_ccg},{spend_rng(y)})+SUMPRODUCT({is_joint},{spend_rng(y)},{nhs_rng})/100",
            lambda y: to_k(pool.spend_nhs_commissioned_gbp[0, y]), s.calc_k))
        is_council = is_choice(comm_rng, "commissioner", Commissioner.council)
        row_of("Council-commissioned spend (joint split by % council)", formula(
            lambda row, col, y: f"=SUMPRODUCT({is_council},{spend_rng(y)})"
                                f"+SUMPRODUCT({is_joint},{spend_rng(y)},100-{nhs_rng})/100",
            lambda y: to_k(pool.spend_council_commissioned_gbp[0, y]), s.calc_k))
        self.refs["prot_schemes"] = [cell_ref(r, c_spend + y, sheet=L.EXPENDITURE) for y in range(Y)]
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

        self.refs["prot_stated"] = [cell_ref(r, c_spend + y, sheet=L.EXPENDITURE) for y in range(Y)]
        stated_row = row_of(L.PROTECTION_STATED_LABEL, inputs(plan.social_care_protection.amount,
                                                               ["social_care_protection", "amount"]))
        pct_cached = [(plan.social_care_protection.amount.get(l, 0.0) / _f(pool.pool_gbp[0, y])
                       if pool.pool_gbp[0, y] != 0 else 0.0) for y, l in enumerate(self.years)]
        row_of("Protection of social care: % of pool", formula(
            lambda row, col, y: f"=IF({self.refs[f'pool_{y}']}=0,0,{cell_ref(stated_row, col, False)}/{self.refs[f'pool_{y}']})",
            lambda y: _f(pct_cached[y]), s.calc_pct))
        self.refs["care_act"] = [cell_ref(r, c_spend + y, sheet=L.EXPENDITURE) for y in range(Y)]
        row_of(L.CARE_ACT_LABEL, inputs(plan.care_act.amount, ["care_act", "amount"]))
        r = self.share_row(ws, r, c_spend, "Care Act: proportionate share of the national £135m", pool.care_act_share_gbp)
        self.refs["care_act_schemes"] = [cell_ref(r, c_spend + y, sheet=L.EXPENDITURE) for y in range(Y)]
        row_of("Care Act: schemes flagged as Care Act spend (flags on the Assumptions sheet)", formula(
            lambda row, col, y: "=" + self.care_act_flagged(y), lambda y: to_k(pool.care_act_schemes_gbp[0, y]), s.calc_k))
        row_of(L.CARERS_LABEL, inputs(plan.carers.amount, ["carers", "amount"]))
        r = self.share_row(ws, r, c_spend, "Carers: proportionate share of the national £130m", pool.carers_share_gbp)
        fund = self.fund_ranges_sheet
        reablement = is_choice(fund[1], "stream", Stream.ccg_reablement)
        row_of("Reablement (CCG reablement stream contributed)", formula(
            lambda row, col, y: "=" + sum_exact(fund[2], (fund[0], text_literal(self.years[y])), tests=(reablement,)),
            lambda y: to_k(pool.reablement_gbp[0, y]), s.calc_k))
        r = self.share_row(ws, r, c_spend, "Reablement: proportionate share of the national £300m", pool.reablement_share_gbp)
        row_of("Sources minus uses (pool less spend)", formula(
            lambda row, col, y: f"={self.refs[f'pool_{y}']}-{cell_ref(spend_row, col, False)}",
            lambda y: to_k(pool.unallocated_gbp[0, y]), s.total_k))
        r = self.stream_overspend(ws, r + 1, c_spend, range_ref(first, 6, last, 6), spend_rng)
        # chart: spend by area and year
        chart = self.wb.add_chart({"type": "bar"})
        for y, label in enumerate(self.years):
            if pool.spend_gbp[0, y] <= 0:
                continue
            rows = [area_rows[a] for a in AreaOfSpend]
            chart.add_series({
                "name": label,
                "categories": [L.EXPENDITURE, rows[0], 0, rows[-1], 0],
                "values": [L.EXPENDITURE, rows[0], c_spend + y, rows[-1], c_spend + y],
            })
        chart.set_title({"name": "Spend by area of spend (£000)"})
        chart.set_x_axis({"num_format": "#,##0"})
        widths = EXP_WIDTHS + [EXP_YEAR_WIDTH] * (c_last + 1 - c_spend)
        # below the totals, on their last page if there is room (a page of its own costs a sheet of paper)
        fits = self.room_on_page(ws, r + 2, widths) >= CHART_PT + ROW_PT
        self.place_chart(ws, r + 1, 0, chart, {"x_scale": 1.3, "y_scale": 1.3}, new_page=not fits)
        self.finish(ws, hdr + 1, 2, hdr + 1, widths=widths)

    def scheme_details(self, ws, rows, hdr: int, shift: int, c_last: int) -> None:
        """The Expenditure plan's second table: each scheme's provider, new or existing, Yes/No flags and source,
        on the row ``shift`` below its row in the first table (whose ID and name it shows).

        The provider spans columns C:D and the source the columns from I to ``c_last``, so that these long
        texts wrap in few lines; the importer reads a merged cell's first column.
        """
        s = self.s
        write_text(ws, hdr - 1, 0, L.DETAILS_TABLE_LABEL, s.section)
        self.header(ws, hdr, [L.EXPENDITURE_HEADER, "Scheme name"])
        self.merged(ws, hdr, 2, 3, "Provider", s.header, bold=True)
        self.header(ws, hdr, ["New / existing", "Recurrent", "Protects social care", "NHS out-of-hospital"], col=4)
        self.merged(ws, hdr, 8, c_last, "Source", s.header, bold=True)
        for i, row, sc in rows:
            r2 = row + shift
            for col, cached in ((0, sc.id if sc else ""), (1, sc.name if sc else "")):  # as typed in the first table
                above = cell_ref(row, col, False)
                write_formula(ws, r2, col, f'=IF({above}="","",{above})', cached, s.calc_wrap)
                self.wrapped(ws, r2, col, cached)
            self.merged(ws, r2, 2, 3, sc.provider if sc else None, s.wrap_input)
            self.text_in(ws, r2, 4, label_of("status", sc.status) if sc else None, wrap=True)
            for col, flag in zip(DETAILS_FLAG_COLS, ("recurrent", "protects_social_care", "nhs_out_of_hospital")):
                self.text_in(ws, r2, col, _yn(getattr(sc, flag)) if sc else None, wrap=True)
            self.merged(ws, r2, 8, c_last, sc.source if sc else None, s.wrap_input)
        first, last = rows[0][1] + shift, rows[-1][1] + shift
        add_list_validation(ws, first, 4, last, labels("status"))
        for col in DETAILS_FLAG_COLS:
            add_list_validation(ws, first, col, last, [L.YES, L.NO])

    def merged(self, ws, row: int, c0: int, c1: int, text: str | None, fmt, bold: bool = False) -> None:
        """``text`` (or a blank) in one cell merged across columns ``c0``..``c1``, wrapping inside them.

        The text is written as text (never a formula) in the first cell, which is the one a reader reads.
        """
        if c1 > c0:
            ws.merge_range(row, c0, row, c1, "", fmt)
        if text:
            write_text(ws, row, c0, text, fmt)
            self.wrapped(ws, row, c0, text, bold, span=c1 - c0 + 1)
        elif c1 == c0:
            ws.write_blank(row, c0, None, fmt)

    def stream_overspend(self, ws, r: int, c_spend: int, stream_rng: str, spend_rng) -> int:
        """Spend funded from each stream beyond what the stream contributes (£000), floored at 0; returns the next row.

        over = MAX(0, spend of schemes naming the stream - the stream's total on Funding sources), as
        :func:`finmodel.core.pool.stream_overcommitment_gbp`; read by the Cover's sources = uses check.
        """
        s, pool = self.s, self.r.pool
        self.merged(ws, r, 0, self.exp_label_last, "Spend beyond what its funding stream contributes (sources = uses by stream)",
                    s.wrap_bold, bold=True)
        r += 1
        first = r
        for k, stream in enumerate(pool.streams):
            self.merged(ws, r, 0, self.exp_label_last, f"Overspent: {STREAM_LABELS[stream]}", s.wrap)
            for y in range(self.Y):
                col = c_spend + y
                spent = sum_exact(spend_rng(y), tests=(is_choice(stream_rng, "funding_stream", stream),))
                f = f"=MAX(0,{spent}-{self.fund_stream_cells[(stream, y)]})"
                write_formula(ws, r, col, f, to_k(pool.stream_overcommitted_gbp[0, y, k]), s.calc_k)
            r += 1
        over = np.asarray(pool.stream_overcommitted_gbp[0], dtype=float)  # (Y, S)
        for key, label, fn, cached in (("stream_over_max", "Overspent: the largest of one stream", "MAX", over.max(axis=1, initial=0.0)),
                                       ("stream_over_sum", "Overspent: all streams", "SUM", over.sum(axis=1))):
            self.merged(ws, r, 0, self.exp_label_last, label, s.wrap_bold, bold=True)
            self.refs[key] = []
            for y in range(self.Y):
                col = c_spend + y
                write_formula(ws, r, col, f"={fn}({range_ref(first, col, r - 1 if fn == 'MAX' else r - 2, col, False)})",
                              to_k(cached[y]), s.calc_k)
                self.refs[key].append(cell_ref(r, col, sheet=L.EXPENDITURE))
            r += 1
        return r

    def care_act_flagged(self, y: int) -> str:
        """Spend (£000) in year ``y`` of the schemes whose Care Act flag (an Assumptions input) is Yes.

        One SUMPRODUCT of the hidden 1/0 flag column and the year's spend column, so the formula's length
        does not grow with the number of schemes (Excel refuses a formula over 8,192 characters); text in a
        spend cell counts as 0, as SUMPRODUCT treats it.
        """
        if not self.plan.schemes:
            return "0"
        first, last = self.exp_first, self.exp_first + len(self.plan.schemes) - 1
        flags = range_ref(first, self.exp_c_care_act, last, self.exp_c_care_act)
        spend = range_ref(first, self.exp_c_spend + y, last, self.exp_c_spend + y)
        return f"SUMPRODUCT({flags},{spend})"

    def exp_spend_cell(self, i: int, y: int) -> str:
        """The Expenditure plan's spend cell (£000) of scheme ``i`` in year ``y``."""
        return cell_ref(self.exp_first + i, self.exp_c_spend + y, sheet=L.EXPENDITURE)

    def share_row(self, ws, row, c0, label, values) -> int:
        """A row of proportionate shares (£000, values from the engine); returns the next row.

        Without national shares a year's cell says "n/a" and the label says why (the year columns are narrow).
        """
        known = [math.isfinite(_f(values[y])) for y in range(self.Y)]
        self.merged(ws, row, 0, self.exp_label_last, label if all(known) else f"{label} (n/a: the plan gives no national shares)", self.s.wrap)
        for y in range(self.Y):
            if known[y]:
                write_input_number(ws, row, c0 + y, to_k(_f(values[y])), self.s.calc_k)
            else:
                write_text(ws, row, c0 + y, "n/a", self.s.calc_text)
        return row + 1

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
        last, rows = self.input_rows(first, plan.schemes)
        for i, row, sc in rows:
            self.text_in(ws, row, 0, sc.id if sc else None)
            if sc:
                write_array_formula(ws, row, 1, "=" + lookup_exact(self.exp_names, self.exp_ids, f"A{row + 1}"),
                                    sc.name, s.calc_wrap)
                self.wrapped(ws, row, 1, sc.name)
            else:
                ws.write_blank(row, 1, None, s.calc_text)
            self.text_in(ws, row, 2, label_of("benefit_activity", sc.benefit_activity) if sc and sc.benefit_activity else None,
                         wrap=True)
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
        add_list_validation(ws, first, 2, last, labels("benefit_activity"))
        r = last + 2
        write_text(ws, r, 0, L.TOTALS_LABEL, s.section)
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
        self.finish(ws, hdr + 1, 2, hdr + 1, widths=[7, 22, 14] + [8] * Y + [8, 16])

