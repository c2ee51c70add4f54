"""Shared pieces of the Template 2 writer: labels, styles and the builder's helpers.

:class:`SheetBuilder` holds the run, the plan, the styles and the map from plan paths
to input cells; each sheet is built by a mixin in its own module (``t2_funding``,
``t2_schemes``, ...), composed in :mod:`finmodel.report.template2`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from finmodel.plan import Plan
from finmodel.report import t2_common as L
from finmodel.report.t2_assumptions import assumptions_layout, walk_plan
from finmodel.report.t2_common import format_path
from finmodel.report.xlsx_utils import (
    GBP_THOUSANDS_FORMAT, GBP_WHOLE_FORMAT, PRINT_MARGIN_IN, Styles, cell_ref, freeze_panes, protect_sheet, set_print,
    write_formula, write_input_number, write_text,
)


PART_LABELS = {
    "savings_not_delivered": "Savings not delivered",
    "admissions_above_plan": "Admissions above plan",
    "beds_not_closed": "Beds not closed",
    "demographic_growth": "Demographic growth above plan",
    "care_home_admissions": "Care home admissions above plan",
}
PENNY = 0.005


def _yn(flag: bool) -> str:
    return L.YES if flag else L.NO


def _name_year(label: str) -> str:
    return label.replace("/", "_")


def _f(x: Any) -> float:
    return float(np.asarray(x, dtype=float))



#: Height of a sheet's title row [pt] (the title is 14 pt) and of one line of the note under it.
TITLE_ROW_PT = 24
NOTE_LINE_PT = 13
#: Height of one line of 10 pt text in a wrapping cell [pt].
LINE_PT = 12.75
#: Height of a row that is not set [pt] (xlsxwriter's default).
ROW_PT = 15.0
#: Print geometry measured in LibreOffice: printed width of a column per unit of its width at 100% (the stored
#: width is 5/7 unit more), and the printable width of A4 landscape with these margins.
PT_PER_UNIT = 7.05
PAGE_WIDTH_PT = 841.9 - 2 * 72 * PRINT_MARGIN_IN
#: Printable height of the page with the footer [pt], as a range: the Expenditure plan printed at 83% put rows of
#: 517 pt on a page and not 527 pt (and the scale is estimated), so what must fit a page must fit at both ends.
PAGE_BODY_PT = (504.0, 530.0)


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
        self.wrap = wb.add_format({**base, "text_wrap": True, "valign": "top", "locked": True})
        self.wrap_bold = wb.add_format({**base, "bold": True, "text_wrap": True, "valign": "top", "locked": True})
        self.wrap_input = wb.add_format({**base, **inp, "num_format": "@", "text_wrap": True, "valign": "top"})
        self.calc_wrap = wb.add_format({**base, **calc, "text_wrap": True, "valign": "top"})
        # the Expenditure plan's rows are tall (wrapped names and providers): every cell starts at the top
        top = {"valign": "top"}
        self.input_k_top = wb.add_format({**base, **inp, **top, "num_format": GBP_THOUSANDS_FORMAT})
        self.calc_k_top = wb.add_format({**base, **calc, **top, "num_format": GBP_THOUSANDS_FORMAT})
        self.input_pp_top = wb.add_format({**base, **inp, **top, "num_format": '0.0####"%"'})
        self.calc_pp_top = wb.add_format({**base, **calc, **top, "num_format": '0.0####"%"'})
        self.section = wb.add_format({**base, "bold": True, "font_size": 11, "locked": True})  # fits a 15 pt row
        self.title_small = wb.add_format({**base, "bold": True, "font_size": 11, "bottom": 1, "locked": True})
        self.calc_int = wb.add_format({**base, **calc, "num_format": "#,##0"})
        self.calc_whole = wb.add_format({**base, **calc, "num_format": GBP_WHOLE_FORMAT})
        self.total_whole = wb.add_format({**base, **calc, "num_format": GBP_WHOLE_FORMAT, "bold": True, "top": 1, "bottom": 6})
        self.rag_live = wb.add_format({**base, "bold": True, "locked": True, "border": 1, "border_color": "#BFBFBF"})
        self.rag = {
            "Green": wb.add_format({**base, "bold": True, "bg_color": "#C6EFCE", "font_color": "#006100", "locked": True}),
            "Amber": wb.add_format({**base, "bold": True, "bg_color": "#FFEB9C", "font_color": "#9C5700", "locked": True}),
            "Red": wb.add_format({**base, "bold": True, "bg_color": "#FFC7CE", "font_color": "#9C0006", "locked": True}),
        }



class SheetBuilder:
    """State and helpers shared by every sheet's mixin."""

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
        self.notes: dict[str, str] = {}  # sheet -> note under its title (written by finish)
        self.first_header: dict[str, int] = {}  # sheet -> row of its first header (repeated when printed)
        # sheet -> wrapping cells (row, col, text, bold, columns it spans)
        self.wrap_cells: dict[str, list[tuple[int, int, str, bool, int]]] = {}
        self.chart_rows: dict[str, list[int]] = {}  # sheet -> rows where a chart starts (a page break above)
        self.row_options: dict[str, dict[int, dict]] = {}  # sheet -> row -> set_row options (outline level, hidden)
        self.cells: dict[str, tuple[str, int, int]] = {}  # plan path -> input cell
        self.refs: dict[str, str] = {}  # named figures -> cell reference
        # Assumptions rows are laid out first so that other sheets can refer to them
        self.leaves = walk_plan(self.plan)
        self.a_row, self.a_layout = assumptions_layout(self.leaves, 4)

    # helpers ------------------------------------------------------------------
    def record(self, tokens: list[Any], sheet: str, row: int, col: int) -> None:
        self.cells[format_path(tokens)] = (sheet, row, col)

    def a_ref(self, tokens: list[Any]) -> str | None:
        row = self.a_row.get(format_path(tokens))
        return None if row is None else cell_ref(row, 1, sheet=L.ASSUMPTIONS)

    def title(self, ws, text: str, note: str = "") -> None:
        """The sheet's title (row 1, a row tall enough for its larger font) and an optional note under it.

        The note is written by :meth:`finish`, merged across the printed columns and wrapped, so it
        never runs past the page or prints over the title.
        """
        write_text(ws, 0, 0, text, self.s.title)
        ws.set_row(0, TITLE_ROW_PT)
        self.notes[ws.name] = note

    def header(self, ws, row: int, labels: list[str], col: int = 0) -> None:
        """A header row (wrapping: :meth:`finish` makes it tall enough)."""
        self.first_header.setdefault(ws.name, row)
        for i, label in enumerate(labels):
            write_text(ws, row, col + i, label, self.s.header)
            self.wrapped(ws, row, col + i, label, bold=True)

    def wrapped(self, ws, row: int, col: int, text: str, bold: bool = False, span: int = 1) -> None:
        """Note a wrapping cell (merged across ``span`` columns), so that :meth:`finish` makes its row tall
        enough for every line.

        LibreOffice keeps an .xlsx row's stored height, so a row of wrapped text must be written tall enough.
        """
        self.wrap_cells.setdefault(ws.name, []).append((row, col, str(text), bold, span))

    def write_wrapped(self, ws, row: int, col: int, text: str, fmt=None) -> None:
        write_text(ws, row, col, text, fmt or self.s.wrap)
        self.wrapped(ws, row, col, text)

    @staticmethod
    def input_rows(first: int, items) -> tuple[int, list]:
        """The rows of an input table: ``(last row, [(i, row, item or None), ...])``, each item then
        :data:`~finmodel.report.t2_common.SPARE_ROWS` blank rows a user may fill in."""
        n = len(items)
        rows = [(i, first + i, items[i] if i < n else None) for i in range(n + L.SPARE_ROWS)]
        return first + n + L.SPARE_ROWS - 1, rows

    def text_in(self, ws, row, col, value: str | None, wrap: bool = False) -> None:
        """A text input cell (``wrap``: long texts such as sources wrap inside their column)."""
        fmt = self.s.wrap_input if wrap else self.s.text_input
        if value:
            write_text(ws, row, col, value, fmt)
            if wrap:
                self.wrapped(ws, row, col, value)
        else:
            ws.write_blank(row, col, None, fmt)

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

    def place_chart(self, ws, row: int, col: int, chart, options: dict | None = None, new_page: bool = True) -> None:
        """Insert a chart below the tables, starting a printed page (unless ``new_page`` is false: the caller
        has found that it fits below the tables, :meth:`room_on_page`) so that it is never cut by a page break."""
        ws.insert_chart(row + 1, col, chart, options or {})  # a row below the break, wholly on the new page
        if new_page:
            self.chart_rows.setdefault(ws.name, []).append(row)

    def room_on_page(self, ws, row: int, widths: list[float]) -> float:
        """Height of the sheet [pt at 100%] left, from ``row`` down, on the printed page where ``row`` falls.

        LibreOffice prints the row heights the file stores (:meth:`row_heights`), scaled to fit ``widths``
        one page wide; rows down to the first header repeat on every page; a row is never split.  The
        page's height is known within :data:`PAGE_BODY_PT`: the pages are laid out at both ends of that
        range, and the smaller room is returned, so that what it says fits does fit.
        """
        heights = self.row_heights(ws, widths)
        heights.update({0: TITLE_ROW_PT, 1: self.note_height(ws, widths)})
        scale = min(1.0, math.floor(100 * PAGE_WIDTH_PT / ((sum(widths) + len(widths) * 5 / 7) * PT_PER_UNIT)) / 100)
        repeat = self.first_header[ws.name] + 1
        breaks = set(self.chart_rows.get(ws.name, []))
        rooms = []
        for body in PAGE_BODY_PT:
            page, used = body / scale - sum(heights.get(r, ROW_PT) for r in range(repeat)), 0.0
            for r in range(repeat, row):
                h = heights.get(r, ROW_PT)
                if used + h > page or r in breaks:
                    used = 0.0
                used += h
            rooms.append(page - used)
        return min(rooms)

    def row_heights(self, ws, widths: list[float]) -> dict[int, float]:
        """Heights [pt] of the rows below the note that hold wrapping cells of more than one line:
        lines = characters / column width (x1.15 for proportional type)."""
        need: dict[int, float] = {}
        for row, col, text, bold, span in self.wrap_cells.get(ws.name, []):
            width = sum(widths[c] if c < len(widths) else 10.0 for c in range(col, col + span))
            per_line = max(width * (0.95 if bold else 1.05), 1.0)
            lines = sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))
            if lines > 1 and row > 1:  # rows 0 and 1 are the title and its note
                need[row] = max(need.get(row, 0.0), LINE_PT * lines + 3)
        return need

    def note_height(self, ws, widths: list[float] | None) -> float:
        """Height [pt] of the row of the note under the title, merged across the printed columns."""
        total = sum(widths) if widths else 100.0
        return NOTE_LINE_PT * max(1, math.ceil(len(self.notes.get(ws.name) or "") * 1.15 / max(total, 1.0))) + 3

    def fit_row_heights(self, ws, widths: list[float] | None) -> None:
        """Row heights for the wrapping cells (:meth:`row_heights`)."""
        if not widths:
            return
        opts = self.row_options.get(ws.name, {})
        for row, height in self.row_heights(ws, widths).items():
            ws.set_row(row, height, None, opts.get(row, {}))

    def finish(self, ws, freeze_rows: int = 0, freeze_cols: int = 0, repeat: int | None = None,
               widths: list[float] | None = None) -> None:
        """Column widths, the note under the title, print set-up (A4 landscape, one page wide, the rows down
        to the first header repeated on every page), freeze panes and protection.

        ``widths`` (Excel character units, one per printed column from A) must fit
        :data:`finmodel.report.xlsx_utils.PRINT_WIDTH_UNITS`, so that fitting to the page keeps 10 pt text
        at 8 pt or more.
        """
        if widths:
            for col, w in enumerate(widths):
                ws.set_column(col, col, w)
        self.fit_row_heights(ws, widths)
        note = self.notes.get(ws.name)
        if note:
            n_cols = max(len(widths or []), 1)
            if n_cols > 1:
                ws.merge_range(1, 0, 1, n_cols - 1, note, self.s.note)
            else:
                write_text(ws, 1, 0, note, self.s.note)
            ws.set_row(1, self.note_height(ws, widths))
        if freeze_rows or freeze_cols:
            freeze_panes(ws, freeze_rows, freeze_cols)
        if repeat is None and ws.name in self.first_header:
            repeat = self.first_header[ws.name] + 1
        set_print(ws, repeat_rows=repeat)
        if self.chart_rows.get(ws.name):
            ws.set_h_pagebreaks(sorted(set(self.chart_rows[ws.name])))
        protect_sheet(ws)

