"""The QIPP sheet: Frail Elderly cohort savings by year (formulas) and month by month (engine values), in £.

Laid out for paper (A4 landscape, one page wide, 10 pt text printing at 8 pt or more): first a table
by year with its chart beside it (below it when there are more than six years), then one table per
financial year whose columns are the twelve months, April to March, and the year's total, one row
per cohort and activity.  The months of a year are never side by side with another cohort's, so the
sheet is 14 columns wide whatever the number of cohorts.

Each table starts where the page has room for it, and a table longer than a page is continued on the
next one under its header written again: every printed page carries the header of the figures on it
(the rows repeated on every page are the title, its note and a blank row).  The page length is an
estimate from the row heights (:class:`_Pager`); ``tests/report/test_print_model_sheets.py`` prints
the sheet in LibreOffice for several plans and checks every page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from finmodel.report import t2_common as L
from finmodel.report.t2_base import LINE_PT, NOTE_LINE_PT, TITLE_ROW_PT, _f
from finmodel.report.t2_common import Key, format_path
from finmodel.report.t2_units import GBP_UNIT
from finmodel.report.xlsx_utils import (
    HEADER_FILL, PRINT_MARGIN_IN, cell_ref, range_ref, write_formula, write_input_number, write_text,
)

MONTHS = 12
#: The model's three activities of a cohort, in the order of ``monthly_qipp_gbp``'s last axis.
KINDS = ("emergency admissions", "A&E attendances", "outpatients")
NOTE = ("Savings delivered in this scenario: by year (formulas over the months), then month by month for each "
        "financial year (model values).")
#: The by-year table leaves the month columns to the right of its years for its chart up to this many years.
CHART_BESIDE_MAX_YEARS = 6
#: Height of the chart when it has the sheet's width to itself [pt], and the least height beside the table.
CHART_BELOW_PT = 255.0
CHART_MIN_PT = 225.0
#: The most cohorts the chart shows one by one (each has a line of the legend).
CHART_MAX_COHORTS = 10

# Print geometry, measured in LibreOffice (docs/WORKBOOK_PRINT_REVIEW.md) --------------------------------
#: Printed width at 100% of one unit of a column's stored width (xlsxwriter stores the width + 5/7 unit).
PT_PER_UNIT = 7.05
STORED_PAD_UNITS = 5 / 7
#: Printable width and height of A4 landscape with this workbook's margins and footer [pt].
PAGE_WIDTH_PT = 841.9 - 2 * 72 * PRINT_MARGIN_IN
PAGE_BODY_PT = 504.0
#: Share of a page the layout fills, so that a small error in the row heights never pushes a row over.
PAGE_FILL = 0.92
#: The print scale the widths are chosen for: 10 pt text prints at 8.4 pt (the floor is 8 pt).
TARGET_SCALE = 0.84
ROW_PT = 15.0  # a row of one line of 10 pt text
LABEL_MIN, LABEL_MAX = 18.0, 30.0  # width of the label column [Excel units]
VALUE_MIN = 7.0  # width of a month or year column [Excel units]
#: Advance widths of Arial's characters in thousandths of the type size (Liberation Sans, which LibreOffice
#: prints for Arial, has the same); anything else is taken as 667, as wide as a capital.
_ARIAL = dict(zip(" !\"#$%&'()*+,-./0123456789:;<=>?@", [278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278,
                                                          333, 278, 278] + [556] * 10 + [278, 278, 584, 584, 584, 556, 1015]))
_ARIAL.update(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", [667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
                                                 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611]))
_ARIAL.update(zip("abcdefghijklmnopqrstuvwxyz", [556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
                                                 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500]))
_ARIAL["£"] = 556
#: Bold is up to this much wider; and LibreOffice leaves this much of a cell's width free of text [pt].
BOLD_WIDER = 1.1
CELL_MARGIN_PT = 6.0


def text_pt(text: str, bold: bool = False, size: float = 10.0) -> float:
    """The printed width of ``text`` at ``size`` pt and 100% [pt]."""
    return sum(_ARIAL.get(ch, 667) for ch in text) * size / 1000 * (BOLD_WIDER if bold else 1.0)


def money_text(x: float) -> str:
    """A whole-pound amount as GBP_WHOLE_FORMAT shows it (``-£1,234``)."""
    return ("-" if round(x) < 0 else "") + f"£{abs(round(x)):,}"


def value_width(texts) -> float:
    """The column width [Excel units] that shows every one of ``texts`` at 10 pt without LibreOffice's ``###``.

    Measured: ``£3,500,000`` (50 pt wide) needs a width of 7.0, ``-£3,500,000`` (53.4 pt) 7.5.
    """
    widest = max((text_pt(t) for t in texts), default=0.0)
    return max(VALUE_MIN, math.ceil((widest / PT_PER_UNIT + 0.3) * 4) / 4)


def print_scale(widths: list[float]) -> float:
    """LibreOffice's scale to fit ``widths`` one page wide (a whole percentage, at most 100%)."""
    printed = sum(w + STORED_PAD_UNITS for w in widths) * PT_PER_UNIT
    return min(1.0, math.floor(100 * PAGE_WIDTH_PT / printed) / 100)


def text_lines(text: str, width: float, bold: bool = False) -> int:
    """How many lines ``text`` wraps to in a column ``width`` wide (words kept whole, as LibreOffice does;
    a word longer than the line is broken)."""
    room = (width + STORED_PAD_UNITS) * PT_PER_UNIT - CELL_MARGIN_PT
    lines = 0
    for part in text.split("\n"):
        lines, line = lines + 1, 0.0
        for word in part.split(" "):
            w = text_pt(word, bold)
            space = text_pt(" ", bold) if line else 0.0
            if line and line + space + w > room:
                lines, line, space = lines + 1, 0.0, 0.0
            line += space + w
            while line > room:  # a word wider than the column
                lines, line = lines + 1, line - room
    return lines


def text_row_pt(text: str, width: float, bold: bool = False) -> float:
    """The height of a row whose wrapping cell in a column ``width`` wide holds ``text`` [pt]."""
    lines = text_lines(text, width, bold)
    return LINE_PT * lines + 3 if lines > 1 else ROW_PT


@dataclass
class _Pager:
    """Assigns sheet rows to tables so that no table is cut by a page break without its header above.

    ``page_pt``: the sheet height a page holds below the repeated rows; ``breaks``: the first row of
    each page after the first; ``heights``: the height planned for each row.
    """

    page_pt: float
    row: int
    used: float
    fresh: bool = True  # nothing on this page yet but the repeated rows (and the blank row under them)
    breaks: list[int] = field(default_factory=list)
    heights: dict[int, float] = field(default_factory=dict)

    def new_page(self) -> None:
        self.breaks.append(self.row)
        self.used, self.fresh = 0.0, True

    def take(self, pt: float) -> int:
        self.heights[self.row] = pt
        self.row, self.used = self.row + 1, self.used + pt
        return self.row - 1

    def fits(self, pt: float) -> bool:
        return self.used + pt <= self.page_pt

    def _start(self, height: float, first_pt: float) -> None:
        """A blank row after the last table, or a new page if ``height`` does not fit here (unless it is
        longer than a page anyway and its first ``first_pt`` does fit)."""
        gap = 0.0 if self.fresh else ROW_PT
        if not self.fresh and not self.fits(gap + height):
            if height <= self.page_pt or not self.fits(gap + first_pt):
                self.new_page()
                gap = 0.0
        if gap:
            self.take(gap)

    def table(self, header_pt: float, groups: list[list[float]], min_pt: float = 0.0) -> tuple[list[int], list[list[int]]]:
        """Rows for a table: ``(header rows, the rows of each group)``.  A group (a cohort's activities) is
        never split by a page; ``min_pt`` reserves that much height (for a chart beside the table)."""
        self._start(max(header_pt + sum(map(sum, groups)), min_pt), header_pt + sum(groups[0]))
        start = self.used
        headers, rows = [self.take(header_pt)], []
        for g in groups:
            if not self.fits(sum(g)) and self.used > header_pt:
                self.new_page()
                headers.append(self.take(header_pt))
            rows.append([self.take(h) for h in g])
        while self.used - start < min_pt - 0.01:
            self.take(ROW_PT)
        self.fresh = False
        return headers, rows

    def block(self, height: float) -> list[int]:
        """The rows reserved for an object ``height`` tall (a chart), all on one page."""
        n = max(1, math.ceil(height / ROW_PT))
        self._start(n * ROW_PT, n * ROW_PT)
        rows = [self.take(ROW_PT) for _ in range(n)]
        self.fresh = False
        return rows


def sum_rows(rows: list[int], col: int) -> str:
    """``SUM`` of ``col`` over ``rows``, one range per run of consecutive rows (a table may be split by a page)."""
    runs: list[list[int]] = []
    for r in sorted(rows):
        if runs and r == runs[-1][1] + 1:
            runs[-1][1] = r
        else:
            runs.append([r, r])
    return "SUM(" + ",".join(range_ref(a, col, b, col, False) for a, b in runs) + ")"


def column_px(width: float) -> int:
    """A column's width in pixels as xlsxwriter places objects (7 px per unit and 5 px of padding)."""
    return int(width * 7 + 0.5) + 5


class QippSheet:
    """Mixin of the workbook builder (:class:`finmodel.report.t2_base.SheetBuilder`)."""

    # QIPP --------------------------------------------------------------------------------
    def qipp(self) -> None:
        ws, s, plan, out, Y = self.ws[L.QIPP], self.s, self.plan, self.r.outputs, self.Y
        q = plan.qipp
        self.title(ws, f"QIPP: Frail Elderly cohorts, {plan.hwb.name}", NOTE)
        self.refs["qipp_net"] = {}
        if q is None:
            self.write_wrapped(ws, 3, 0, "The plan has no QIPP section.", s.note)
            self.finish(ws)
            return
        monthly = np.asarray(self.r.monthly_qipp_gbp, dtype=float)  # (C, n_months, 3)
        C = monthly.shape[0]
        if monthly.shape[1] != MONTHS * Y:
            raise ValueError(f"QIPP sheet: {monthly.shape[1]} months of savings for {Y} plan years")
        yearly = monthly.reshape(C, Y, MONTHS, 3)
        investment = [q.investment.get(label, 0.0) for label in self.years]
        other = [q.other_net_qipp.get(label, 0.0) for label in self.years]
        net, gross = out.qipp_net_gbp[0], out.qipp_gross_gbp[0]

        # widths: one for every value column (the widest amount shown in any), the label column the rest
        n_values = max(MONTHS + 1, Y)
        shown = [*monthly.ravel(), *yearly.sum(axis=2).ravel(), *yearly.sum(axis=(2, 3)).ravel(),
                 *yearly.sum(axis=(0, 3)).ravel(), *yearly.sum(axis=(0, 2, 3)), *gross, *net, *(net + np.asarray(other)),
                 *investment, *other, *out.qipp_planned_gbp[0], *out.qipp_full_year_effect_gbp[0]]
        value_w = value_width(money_text(x) for x in shown)
        budget = PAGE_WIDTH_PT / TARGET_SCALE / PT_PER_UNIT - STORED_PAD_UNITS * (1 + n_values)
        label_w = min(LABEL_MAX, max(LABEL_MIN, budget - n_values * value_w))
        widths = [label_w] + [value_w] * n_values
        note_lines = max(1, math.ceil(len(NOTE) * 1.15 / sum(widths)))  # as finish() sizes the note's row
        repeated_pt = TITLE_ROW_PT + NOTE_LINE_PT * note_lines + 3 + ROW_PT  # the title, its note, a blank row
        pager = _Pager(PAGE_FILL * PAGE_BODY_PT / print_scale(widths) - repeated_pt, 3, 0.0)
        # labels wrap when they must (a long cohort name), their last line level with the row's figures
        label_fmt = {"font_name": "Arial", "font_size": 10, "text_wrap": True, "locked": True}
        label_style = {False: self.wb.add_format(label_fmt), True: self.wb.add_format({**label_fmt, "bold": True})}

        def label_pt(text: str, bold: bool = False) -> float:
            return text_row_pt(text, label_w, bold)

        # the layout: the by-year table and its chart, then one table a year -----------------------------------
        cohort_labels = [f"{c.name}: gross savings" for c in q.cohorts]
        sums = [("gross", "Gross QIPP delivered", True), ("inv", "QIPP investment", False),
                ("net", "Net QIPP (cohorts)", True), ("other", "Other net QIPP (outside the cohort model)", False),
                ("all", "Net QIPP, all schemes", True)]
        model = [("QIPP planned as written (model)", out.qipp_planned_gbp, s.calc_whole),
                 ("Full-year effect of the emergency admissions ramp (model)", out.qipp_full_year_effect_gbp, s.calc_whole),
                 ("Emergency admissions avoided (model, a number)", out.ea_avoided, s.calc_count)]
        groups = ([[label_pt(t)] for t in cohort_labels] + [[label_pt(t, b) for _, t, b in sums]]
                  + [[label_pt(t)] for t, _, _ in model])
        head_pt = label_pt(f"Item {GBP_UNIT} (continued)", True)
        beside = Y <= CHART_BESIDE_MAX_YEARS and max(head_pt + sum(map(sum, groups)), CHART_MIN_PT) <= pager.page_pt
        y_heads, y_rows = pager.table(head_pt, groups, CHART_MIN_PT if beside else 0.0)
        chart_rows = list(range(y_heads[0], pager.row)) if beside else pager.block(CHART_BELOW_PT)
        blocks = [pager.table(label_pt(f"{label} {GBP_UNIT} (continued)", True),
                              [[label_pt(f"{c.name}: {k}") for k in KINDS] for c in q.cohorts] + [[ROW_PT]])
                  for label in self.years]

        # one table a year: the months are model values, their totals formulas -------------------------------
        month_names = [date(2000, (3 + m) % 12 + 1, 1).strftime("%b") for m in range(MONTHS)]  # Apr ... Mar
        tot_col = 1 + MONTHS
        cohort_cells: dict[tuple[int, int], str] = {}  # (cohort, year) -> the range of its months in that table
        for y, (heads, rows) in enumerate(blocks):
            for i, hr in enumerate(heads):
                self.header_row(ws, hr, [f"{self.years[y]} {GBP_UNIT}" + (" (continued)" if i else "")]
                                + month_names + ["Total"])
            kind_rows = []
            for c, cohort in enumerate(q.cohorts):
                for k, row in enumerate(rows[c]):
                    write_text(ws, row, 0, f"{cohort.name}: {KINDS[k]}", label_style[False])
                    for m in range(MONTHS):
                        write_input_number(ws, row, 1 + m, _f(yearly[c, y, m, k]), s.calc_whole)
                    write_formula(ws, row, tot_col, f"=SUM({range_ref(row, 1, row, MONTHS, False)})",
                                  _f(yearly[c, y, :, k].sum()), s.calc_whole)
                kind_rows += rows[c]
                cohort_cells[c, y] = range_ref(rows[c][0], 1, rows[c][-1], MONTHS, False)
            total_row = rows[-1][0]
            write_text(ws, total_row, 0, "Total, all cohorts", label_style[True])
            for m in range(MONTHS):
                write_formula(ws, total_row, 1 + m, "=" + sum_rows(kind_rows, 1 + m), _f(yearly[:, y, m, :].sum()),
                              s.total_whole)
            write_formula(ws, total_row, tot_col, f"=SUM({range_ref(total_row, 1, total_row, MONTHS, False)})",
                          _f(yearly[:, y].sum()), s.total_whole)

        # the by-year table: formulas over the monthly tables, and the links to the Assumptions sheet -----------
        for i, hr in enumerate(y_heads):
            self.header_row(ws, hr, [f"Item {GBP_UNIT}" + (" (continued)" if i else "")] + self.years)
        c_rows = [g[0] for g in y_rows[:C]]
        at = dict(zip([k for k, _, _ in sums], y_rows[C]))
        for c, row in enumerate(c_rows):
            write_text(ws, row, 0, cohort_labels[c], label_style[False])
            for y in range(Y):
                write_formula(ws, row, 1 + y, f"=SUM({cohort_cells[c, y]})", _f(yearly[c, y].sum()), s.calc_whole)
        for key, label, bold in sums:
            write_text(ws, at[key], 0, label, label_style[bold])
        for y, label in enumerate(self.years):
            col = 1 + y
            ref = {k: cell_ref(r, col, False) for k, r in at.items()}
            write_formula(ws, at["gross"], col, "=" + sum_rows(c_rows, col), _f(gross[y]), s.total_whole)
            self.link_or_zero(ws, at["inv"], col, ["qipp", "investment", Key(label)], investment[y], s.calc_whole)
            write_formula(ws, at["net"], col, f"={ref['gross']}-{ref['inv']}", _f(net[y]), s.calc_whole)
            self.link_or_zero(ws, at["other"], col, ["qipp", "other_net_qipp", Key(label)], other[y], s.calc_whole)
            write_formula(ws, at["all"], col, f"={ref['net']}+{ref['other']}", _f(net[y] + other[y]), s.calc_whole)
            self.refs["qipp_net"][y] = cell_ref(at["all"], col, sheet=L.QIPP)
        for (label, arr, fmt), group in zip(model, y_rows[C + 1:]):
            write_text(ws, group[0], 0, label, label_style[False])
            for y in range(Y):
                write_input_number(ws, group[0], 1 + y, _f(arr[0, y]), fmt)

        height_pt = sum(pager.heights[r] for r in chart_rows)
        self.qipp_chart(ws, y_heads[0], c_rows, at["gross"], chart_rows[0], Y + 2 if beside else 0, widths, height_pt)
        for row, pt in pager.heights.items():  # rows of wrapped labels, as tall as the layout planned them
            if pt != ROW_PT:
                ws.set_row(row, pt)
        self.chart_rows.setdefault(ws.name, []).extend(pager.breaks)  # finish() sets them: each starts a page
        self.finish(ws, 2, 1, repeat=3, widths=widths)

    def header_row(self, ws, row: int, labels: list[str]) -> None:
        """A header band: the first label over the row labels, the others (years, months, "Total") set right,
        over their figures."""
        if not hasattr(self, "_qipp_head_right"):  # one format for the workbook
            self._qipp_head_right = self.wb.add_format({
                "font_name": "Arial", "font_size": 10, "bold": True, "font_color": "#FFFFFF", "bg_color": HEADER_FILL,
                "valign": "top", "border": 1, "locked": True, "align": "right"})
        write_text(ws, row, 0, labels[0], self.s.header)
        for col, label in enumerate(labels[1:], 1):
            write_text(ws, row, col, label, self._qipp_head_right)

    def qipp_chart(self, ws, head: int, c_rows: list[int], gross_row: int, row: int, col: int, widths: list[float],
                   height_pt: float) -> None:
        """Gross savings by cohort and year, stacked, over the rows and columns from (``row``, ``col``)
        to the sheet's last column: beside the by-year table (an empty column between), or below it.

        Beyond :data:`CHART_MAX_COHORTS` cohorts a legend would fill the chart and print over its title: the
        chart then shows the gross savings of all the cohorts together."""
        Y = self.Y
        chart = self.wb.add_chart({"type": "column", "subtype": "stacked"})
        categories = [L.QIPP, head, 1, head, Y]
        if len(c_rows) <= CHART_MAX_COHORTS:
            for c, r in enumerate(c_rows):
                chart.add_series({"name": [L.ASSUMPTIONS, self.a_row[format_path(["qipp", "cohorts", c, "name"])], 1],
                                  "categories": categories, "values": [L.QIPP, r, 1, r, Y]})
            title = "Gross QIPP delivered by cohort (£)"
        else:
            chart.add_series({"name": f"All {len(c_rows)} cohorts", "categories": categories,
                              "values": [L.QIPP, gross_row, 1, gross_row, Y]})
            title = "Gross QIPP delivered (£; by cohort in the table)"
        chart.set_title({"name": title, "name_font": {"size": 12, "bold": True}})
        chart.set_x_axis({"num_font": {"size": 10}, "label_position": "low"})
        chart.set_y_axis({"num_format": "£#,##0", "num_font": {"size": 10}})
        # a few pixels inside the cells, so that the chart's frame never touches the table or the next row
        chart.set_size({"width": sum(column_px(w) for w in widths[col:]) - 8, "height": int(height_pt * 4 / 3) - 6})
        ws.insert_chart(row, col, chart, {"x_offset": 4, "y_offset": 3, "object_position": 1})
