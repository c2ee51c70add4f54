"""The region workbook: one sheet per table, RAG cells coloured, counts and totals as live formulas.

Sheets: Overall risk, National conditions, Overall assessment (seed 004's layout, one
row per board, then the counts per column), Finance (one row per board and a Total row
of ``SUM`` formulas), Findings (the sentences and the missing figures) and About.
Counts are ``SUMPRODUCT`` over exact comparisons (``--(range="R")``), never ``COUNTIF``
criteria, so a ``Y*`` cell is a qualified answer, not a wildcard.  Each formula caches
finmodel's own value, so a reader that does not recalculate sees the right number.
Text is written as text (:func:`finmodel.report.xlsx_utils.write_text`).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from xlsxwriter.utility import xl_rowcol_to_cell

from finmodel.report.xlsx_utils import atomic_write_workbook, write_formula, write_text

RAG_FILLS = {"R": "#FF0000", "A": "#FFC000", "G": "#00B050"}
SHEET_NAMES = {"overall_risk": "Overall risk", "national_conditions": "National conditions",
               "overall_assessment": "Overall assessment"}
FIRST_DATA_ROW = 3  # 0-based: title, blank, header, then boards


def _col_range(col: int, first: int, last: int) -> str:
    return f"{xl_rowcol_to_cell(first, col, True, True)}:{xl_rowcol_to_cell(last, col, True, True)}"


def _count_formula(rng: str, value: str, prefix: bool = False) -> str:
    """Boards answering ``value`` in ``rng``; with ``prefix`` a qualified ``value*`` counts too."""
    return f'SUMPRODUCT(--(LEFT({rng},1)="{value}"))' if prefix else f'SUMPRODUCT(--({rng}="{value}"))'


def _assurance_sheet(wb, fmt, name: str, title: str, df: pd.DataFrame) -> None:
    ws = wb.add_worksheet(SHEET_NAMES[name])
    write_text(ws, 0, 0, title, fmt["title"])
    for c, col in enumerate(df.columns):
        write_text(ws, 2, c, str(col), fmt["header"])
        ws.set_column(c, c, 14 if col in ("LA Code",) else 26 if col == "HWB name" else 18)
    last = FIRST_DATA_ROW + len(df) - 1
    for r, row in enumerate(df.itertuples(index=False)):
        for c, value in enumerate(row):
            text = "" if value is None else str(value)
            write_text(ws, FIRST_DATA_ROW + r, c, text, fmt.get(text[:1] if len(text) == 1 else "", fmt["cell"]))
    labels = ([("Y (incl. Y*)", "Y", True), ("of which Y*", "Y*", False), ("N (incl. N*)", "N", True),
               ("of which N*", "N*", False)] if name == "overall_risk" else [(v, v, False) for v in ("R", "A", "G")])
    row0 = last + 2
    label_col = 1 if "HWB name" in df.columns[1:2] else 0
    for i, (label, value, prefix) in enumerate(labels):
        write_text(ws, row0 + i, label_col, f"Count: {label}", fmt["header"])
        for c, col in enumerate(df.columns):
            if col in ("LA Code", "HWB name") or col.startswith("Why high risk"):
                continue
            values = [str(v) for v in df[col]]
            cached = sum(1 for v in values if (v[:1] == value if prefix else v == value))
            write_formula(ws, row0 + i, c, _count_formula(_col_range(c, FIRST_DATA_ROW, last), value, prefix), cached, fmt["count"])
    ws.freeze_panes(FIRST_DATA_ROW, 2 if name != "overall_assessment" else 1)


def _finance_sheet(wb, fmt, df: pd.DataFrame) -> None:
    ws = wb.add_worksheet("Finance")
    write_text(ws, 0, 0, "Finance roll-up (£, to the penny); an empty cell is a figure the board does not give", fmt["title"])
    for c, col in enumerate(df.columns):
        write_text(ws, 2, c, str(col), fmt["header"])
        ws.set_column(c, c, 14 if c == 0 else 26 if c == 1 else 20)
    boards = df.iloc[:-1]
    last = FIRST_DATA_ROW + len(boards) - 1
    for r, row in enumerate(boards.itertuples(index=False)):
        for c, value in enumerate(row):
            if c < 2:
                write_text(ws, FIRST_DATA_ROW + r, c, str(value), fmt["cell"])
            elif value is not None and not (isinstance(value, float) and math.isnan(value)):
                ws.write_number(FIRST_DATA_ROW + r, c, float(value), fmt["gbp"])
    total_row = last + 1
    write_text(ws, total_row, 1, "Total", fmt["header"])
    totals = df.iloc[-1]
    for c, col in enumerate(df.columns[2:], start=2):
        value = totals[col]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            write_text(ws, total_row, c, "missing", fmt["cell"])
        else:
            write_formula(ws, total_row, c, f"SUM({_col_range(c, FIRST_DATA_ROW, last)})", float(value), fmt["gbp_total"])
    ws.freeze_panes(FIRST_DATA_ROW, 2)


def _lines_sheet(wb, fmt, name: str, title: str, lines: list[str]) -> None:
    ws = wb.add_worksheet(name)
    write_text(ws, 0, 0, title, fmt["title"])
    ws.set_column(0, 0, 140)
    for i, line in enumerate(lines):
        write_text(ws, 2 + i, 0, line, fmt["wrap"])


def write_region_workbook(path: Path, tables: dict[str, pd.DataFrame], titles: dict[str, str],
                          finance: pd.DataFrame, findings: list[str], about: list[str]) -> Path:
    """Write the region workbook to ``path`` (through a temporary file, renamed when complete)."""

    def build(wb) -> None:
        fmt = {
            "title": wb.add_format({"bold": True, "font_size": 13}),
            "header": wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#D9D9D9", "border": 1}),
            "cell": wb.add_format({"border": 1, "text_wrap": True, "valign": "top"}),
            "count": wb.add_format({"border": 1, "bold": True, "align": "center"}),
            "gbp": wb.add_format({"num_format": "£#,##0.00;-£#,##0.00", "border": 1}),
            "gbp_total": wb.add_format({"num_format": "£#,##0.00;-£#,##0.00", "border": 1, "bold": True, "bg_color": "#D9D9D9"}),
            "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        }
        for rag, colour in RAG_FILLS.items():
            fmt[rag] = wb.add_format({"bg_color": colour, "border": 1, "align": "center", "bold": True})
        for key, df in tables.items():
            _assurance_sheet(wb, fmt, key, titles[key], df)
        _finance_sheet(wb, fmt, finance)
        _lines_sheet(wb, fmt, "Findings", "What the tables say", findings)
        _lines_sheet(wb, fmt, "About", "About this workbook", about)

    return atomic_write_workbook(path, build)
