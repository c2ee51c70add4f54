"""Helpers for writing a live, auditable finance workbook with xlsxwriter.

Conventions used throughout the workbook:

* Inputs are yellow and unlocked; everything a user should not type over is
  locked, and sheets are protected (without a password) so that only inputs
  can be edited.
* Calculated cells hold real Excel formulas *and* the engine's value as the
  formula's cached result, so a reader that does not recalculate (openpyxl,
  pandas, previewers) still sees the right numbers.
* A money cell holds the unit its header states: ``input``/``calc``/``total``
  hold pounds (shown to the penny); ``input_k``/``calc_k``/``total_k`` hold
  thousands of pounds (the number 7800 means £7,800,000), shown as a plain
  thousands number (``#,##0;-#,##0``, no scaling comma: what is stored is what a
  user types under a "(£000)" header). See :mod:`finmodel.report.t2_units`.
* Free text is always written with ``write_string``: text beginning with
  ``=``, ``+``, ``-`` or ``@`` never becomes a formula, and strings are never
  auto-converted to numbers or URLs.

Rows and columns are zero-based, as in xlsxwriter.
"""

from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

__all__ = [
    "CALC_FILL",
    "GBP_FORMAT",
    "GBP_THOUSANDS_FORMAT",
    "INPUT_FILL",
    "PCT_FORMAT",
    "SAFE_WORKBOOK_OPTIONS",
    "Styles",
    "add_list_validation",
    "atomic_write_workbook",
    "cell_ref",
    "define_name",
    "freeze_panes",
    "protect_sheet",
    "quote_sheet_name",
    "range_ref",
    "set_print",
    "write_array_formula",
    "write_formula",
    "write_input_number",
    "write_text",
]

INPUT_FILL = "#FFFF99"  # light yellow: a cell the user may change
CALC_FILL = "#D9D9D9"  # light grey: calculated, locked
HEADER_FILL = "#1F3864"  # dark blue header band
GBP_FORMAT = "£#,##0.00"
#: Whole pounds, for tables of model values too wide to print to the penny (the cell keeps its pennies).
GBP_WHOLE_FORMAT = "£#,##0;-£#,##0"
GBP_THOUSANDS_FORMAT = "#,##0;-#,##0"  # the cell holds £000 (7800 = £7,800,000); no display scaling
PCT_FORMAT = "0.0%"

# Workbook options that stop xlsxwriter's ``write()`` from turning strings
# into formulas, numbers or hyperlinks behind our back.
SAFE_WORKBOOK_OPTIONS: dict[str, Any] = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}

_EXCEL_MAX_LIST_CHARS = 255  # limit on an inline data-validation list


# --------------------------------------------------------------------------
# Writing the file
# --------------------------------------------------------------------------


def atomic_write_workbook(
    path: str | os.PathLike[str],
    build: Callable[[Workbook], None],
    options: Mapping[str, Any] | None = None,
) -> Path:
    """Build a workbook with ``build(wb)`` and move it into place atomically.

    The workbook is built in memory, written to ``.{name}.XXXXXXXX.tmp.xlsx`` (``mkstemp``) in the target's
    directory and ``os.replace``-d over ``path`` only after a successful close,
    so ``path`` is either the old file or the complete new one. On any error
    the temporary file is removed and the exception re-raised. ``options``
    are merged over :data:`SAFE_WORKBOOK_OPTIONS`. Returns the final path.
    """
    target = Path(path)
    directory = target.parent
    if not directory.is_dir():
        raise FileNotFoundError(f"directory does not exist: {directory}")
    wb_options = {**SAFE_WORKBOOK_OPTIONS, **(options or {}), "in_memory": True}
    buffer = io.BytesIO()  # built in memory: xlsxwriter never opens a path an attacker could plant a link at
    wb = xlsxwriter.Workbook(buffer, wb_options)
    build(wb)
    if not wb.fileclosed:
        wb.close()
    # through mkstemp (a fresh unique name, never a planted link) and a rename; whether finmodel
    # may replace what is at ``target`` is the caller's decision (the CLI checks it first)
    from finmodel.atomic import write_file_atomically

    return write_file_atomically(target, buffer.getvalue(), force=True)


# --------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------


class Styles:
    """The workbook's cell formats; create one per workbook.

    ``input``/``calc`` hold and show pounds to the penny; ``input_k``/``calc_k``
    hold thousands of pounds (see module docstring). Inputs are
    unlocked, everything else locked.
    """

    def __init__(self, wb: Workbook, font_name: str = "Arial", font_size: int = 10):
        base = {"font_name": font_name, "font_size": font_size}

        def fmt(**props: Any) -> Any:
            return wb.add_format({**base, **props})

        input_props = {"bg_color": INPUT_FILL, "locked": False, "border": 1, "border_color": "#BFBFBF"}
        calc_props = {"bg_color": CALC_FILL, "locked": True}

        self.input = fmt(num_format=GBP_FORMAT, **input_props)
        self.input_k = fmt(num_format=GBP_THOUSANDS_FORMAT, **input_props)
        self.input_pct = fmt(num_format=PCT_FORMAT, **input_props)
        self.input_number = fmt(num_format="#,##0.00", **input_props)
        self.text_input = fmt(num_format="@", **input_props)
        self.calc = fmt(num_format=GBP_FORMAT, **calc_props)
        self.calc_k = fmt(num_format=GBP_THOUSANDS_FORMAT, **calc_props)
        self.calc_pct = fmt(num_format=PCT_FORMAT, **calc_props)
        self.calc_number = fmt(num_format="#,##0.00", **calc_props)
        self.pct = fmt(num_format=PCT_FORMAT, locked=True)
        self.total = fmt(num_format=GBP_FORMAT, bold=True, top=1, bottom=6, **calc_props)
        self.total_k = fmt(num_format=GBP_THOUSANDS_FORMAT, bold=True, top=1, bottom=6, **calc_props)
        self.header = fmt(
            bold=True, font_color="#FFFFFF", bg_color=HEADER_FILL, text_wrap=True,
            valign="top", border=1, locked=True,
        )
        self.title = fmt(bold=True, font_size=font_size + 4, locked=True)
        self.text = fmt(locked=True)
        self.note = fmt(italic=True, font_color="#595959", text_wrap=True, locked=True)


# --------------------------------------------------------------------------
# Cell writers
# --------------------------------------------------------------------------


def write_text(ws: Worksheet, row: int, col: int, text: str, fmt: Any = None) -> None:
    """Write ``text`` as a literal string (never a formula, number or URL)."""
    if not isinstance(text, str):
        raise TypeError(f"write_text expects str, got {type(text).__name__}")
    _check_status(ws.write_string(row, col, text, fmt), row, col)


def write_input_number(ws: Worksheet, row: int, col: int, value: float, fmt: Any = None) -> None:
    """Write a finite number (typically an input cell)."""
    _check_status(ws.write_number(row, col, _finite(value, row, col), fmt), row, col)


def write_formula(
    ws: Worksheet,
    row: int,
    col: int,
    formula: str,
    cached_value: float | str | bool,
    fmt: Any = None,
) -> None:
    """Write ``formula`` with the engine's result stored as its cached value.

    A leading ``=`` is added if missing. Numeric cached values must be finite.
    """
    formula, cached_value = _checked_formula(formula, cached_value, row, col)
    _check_status(ws.write_formula(row, col, formula, fmt, cached_value), row, col)


def _checked_formula(formula: str, cached_value: Any, row: int, col: int) -> tuple[str, Any]:
    """The formula with its leading ``=``, and a cached value that is text, a boolean or a finite number."""
    if not isinstance(formula, str) or not formula.strip():
        raise ValueError(f"empty formula at {xl_rowcol_to_cell(row, col)}")
    if cached_value is None:
        raise ValueError(f"formula at {xl_rowcol_to_cell(row, col)} needs a cached value")
    if isinstance(cached_value, Real) and not isinstance(cached_value, bool):
        cached_value = _finite(cached_value, row, col)
    elif not isinstance(cached_value, (str, bool)):
        raise TypeError(f"unsupported cached value type {type(cached_value).__name__}")
    return (formula if formula.startswith("=") else "=" + formula), cached_value


def write_array_formula(
    ws: Worksheet,
    row: int,
    col: int,
    formula: str,
    cached_value: float | str | bool,
    fmt: Any = None,
) -> None:
    """Like :func:`write_formula`, as a one-cell array formula (``{=...}`` in Excel).

    For a formula that applies a function to a whole range where a single value is
    expected (``MATCH(TRUE,EXACT(range,x),0)``), which only array evaluation computes
    the same in every spreadsheet.
    """
    text, cached_value = _checked_formula(formula, cached_value, row, col)
    _check_status(ws.write_array_formula(row, col, row, col, text, fmt, cached_value), row, col)


def _finite(value: Any, row: int, col: int) -> int | float:
    """Validate a finite real number; numpy scalars become plain int/float."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"expected a number at {xl_rowcol_to_cell(row, col)}, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"non-finite number {value!r} at {xl_rowcol_to_cell(row, col)}")
    return int(value) if isinstance(value, Integral) else float(value)


def _check_status(status: int, row: int, col: int) -> None:
    # xlsxwriter signals problems with negative return codes, not exceptions.
    if status == -1:
        raise IndexError(f"cell {row},{col} is outside the worksheet")
    if status == -2:
        raise ValueError(f"string too long for Excel at {xl_rowcol_to_cell(row, col)}")
    if status not in (0, None):
        raise RuntimeError(f"xlsxwriter returned {status} at {xl_rowcol_to_cell(row, col)}")


# --------------------------------------------------------------------------
# References and names
# --------------------------------------------------------------------------

_SIMPLE_SHEET = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_LOOKS_LIKE_A1 = re.compile(r"^[A-Za-z]{1,3}[0-9]+$")
_LOOKS_LIKE_R1C1 = re.compile(r"^(R[0-9]*C?[0-9]*|C[0-9]*)$", re.IGNORECASE)
_INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def quote_sheet_name(sheet: str) -> str:
    """Sheet name as used in a reference: quoted (``'`` doubled) when needed."""
    if not sheet or len(sheet) > 31 or _INVALID_SHEET_CHARS.search(sheet):
        raise ValueError(f"invalid Excel sheet name: {sheet!r}")
    if (
        _SIMPLE_SHEET.match(sheet)
        and not _LOOKS_LIKE_A1.match(sheet)
        and not _LOOKS_LIKE_R1C1.match(sheet)
        and sheet.upper() not in ("TRUE", "FALSE")
    ):
        return sheet
    return "'" + sheet.replace("'", "''") + "'"


def cell_ref(row: int, col: int, absolute: bool = True, sheet: str | None = None) -> str:
    """A1 reference, e.g. ``cell_ref(4, 2, sheet="Funding sources")`` ->
    ``'Funding sources'!$C$5``."""
    ref = xl_rowcol_to_cell(row, col, absolute, absolute)
    return f"{quote_sheet_name(sheet)}!{ref}" if sheet else ref


def range_ref(
    first_row: int, first_col: int, last_row: int, last_col: int,
    absolute: bool = True, sheet: str | None = None,
) -> str:
    """A1 range reference, e.g. ``'Funding sources'!$C$5:$C$9``."""
    ref = (
        xl_rowcol_to_cell(first_row, first_col, absolute, absolute) + ":"
        + xl_rowcol_to_cell(last_row, last_col, absolute, absolute)
    )
    return f"{quote_sheet_name(sheet)}!{ref}" if sheet else ref


_DEFINED_NAME = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.\\]*$")


def define_name(wb: Workbook, name: str, sheet: str, row: int, col: int) -> str:
    """Define a workbook-level name for one cell; returns the reference text."""
    if (
        not _DEFINED_NAME.match(name)
        or _LOOKS_LIKE_A1.match(name)
        or _LOOKS_LIKE_R1C1.match(name)
        or len(name) > 255
    ):
        raise ValueError(f"invalid defined name: {name!r}")
    ref = cell_ref(row, col, absolute=True, sheet=sheet)
    if wb.define_name(name, "=" + ref) == -1:
        raise ValueError(f"xlsxwriter rejected defined name {name!r}")
    return ref


# --------------------------------------------------------------------------
# Sheet set-up
# --------------------------------------------------------------------------


def protect_sheet(ws: Worksheet, allow_formatting: bool = True) -> None:
    """Protect ``ws`` without a password: locked cells become read-only.

    Selecting locked and unlocked cells stays allowed; with
    ``allow_formatting`` users may also format cells and resize rows/columns.
    """
    ws.protect(
        "",
        {
            "select_locked_cells": True,
            "select_unlocked_cells": True,
            "format_cells": allow_formatting,
            "format_columns": allow_formatting,
            "format_rows": allow_formatting,
        },
    )


def add_list_validation(
    ws: Worksheet, first_row: int, col: int, last_row: int, values: Sequence[str] | str,
) -> None:
    """Drop-down of ``values`` on ``col`` rows ``first_row..last_row``.

    ``values`` is either a sequence of choices (no commas, 255 characters in
    total at most, Excel's limit) or a range reference string such as
    ``"=Lists!$A$1:$A$9"`` for longer lists.
    """
    if isinstance(values, str):
        source: Any = values if values.startswith("=") else "=" + values
    else:
        source = [str(v) for v in values]
        if not source:
            raise ValueError("a list validation needs at least one value")
        if any("," in v or '"' in v for v in source):
            raise ValueError("list validation values may not contain commas or quotes")
        if len(",".join(source)) > _EXCEL_MAX_LIST_CHARS:
            raise ValueError("inline list too long for Excel; pass a range reference instead")
    status = ws.data_validation(
        first_row, col, last_row, col,
        {
            "validate": "list",
            "source": source,
            "error_title": "Invalid choice",
            "error_message": "Pick a value from the drop-down list.",
        },
    )
    if status not in (0, None):
        raise ValueError(f"xlsxwriter rejected the list validation (status {status})")


#: Left and right print margins [inches].
PRINT_MARGIN_IN = 0.3
#: Widest sheet (Excel character units of printed columns) that LibreOffice fits on A4 landscape at >= 80%, so
#: 10 pt text prints at >= 8 pt.  Measured (docs/WORKBOOK_PRINT_REVIEW.md): a unit prints about 7.1 pt wide at
#: 100%, and the printable width is 297 mm - 2 x 0.3 in = 798 pt: 798 / 0.8 / 7.1 = 140; 135 leaves a margin.
PRINT_WIDTH_UNITS = 135


def set_print(
    ws: Worksheet, landscape: bool = True, fit_width: bool = True, repeat_rows: int | None = None,
) -> None:
    """A4 page set-up: orientation, fit to one page wide, optional title rows."""
    ws.set_paper(9)  # A4
    ws.set_margins(left=PRINT_MARGIN_IN, right=PRINT_MARGIN_IN, top=0.5, bottom=0.5)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    if fit_width:
        ws.fit_to_pages(1, 0)  # one page wide, as many tall as needed
    if repeat_rows:
        ws.repeat_rows(0, repeat_rows - 1)
    ws.set_footer("&L&A&RPage &P of &N")


def freeze_panes(ws: Worksheet, rows: int = 1, cols: int = 0) -> None:
    """Freeze the top ``rows`` rows and left ``cols`` columns."""
    ws.freeze_panes(rows, cols)
