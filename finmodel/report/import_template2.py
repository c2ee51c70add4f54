"""Read a Template 2 workbook (as written by :func:`~finmodel.report.template2.write_template2`) back into a plan.

:func:`import_template2` reads the input cells with :func:`finmodel.report.xlsx_read.read_workbook`,
which checks the file against the limits of :mod:`finmodel.report.xlsx_guard` (size,
parts, compression, rows, columns, cells, text length; no DTD, so no entity
expansion or external entities) before and while it parses, and reads only the six
sheets below (and the About sheet's units row).  Formulas and cached values are ignored, so a workbook edited and saved
by any tool imports the same.  Text comes back exactly as stored: no space is
trimmed, and Excel's ``_x000D_`` escapes become the characters again.  It returns the
plan as a TOML-ready dict with ``money_unit = "gbp"``: contributions, schemes,
benefits, P4P, metrics and partners from their sheets, everything else from the
Assumptions sheet.  Money on Funding sources, Expenditure plan and Benefits plan is
held in £000 and converted to £ exactly (:func:`finmodel.report.t2_units.from_k`, a
decimal shift: 7600 -> 7,600,000.0, 1234.5678 -> 1,234,567.8); a workbook without the
About sheet's units row (written by an earlier finmodel, whose £000-headed cells held
pounds) is refused, and so is an Assumptions row marked 'here' for an input that
belongs to another sheet (it would be read twice, in two units).  The dict is validated with :func:`finmodel.plan.plan_from_dict`;
any problem raises ``ValueError`` (an :class:`~finmodel.errors.InputError` for a file
that is not a readable workbook or exceeds a limit) naming the sheet, the cell and
the value.

:func:`plan_to_toml` (from :mod:`finmodel.report.plan_toml`) writes such a dict as a TOML plan file.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from finmodel.plan import PlanError, plan_from_dict
from finmodel.report import t2_common as L
from finmodel.report.t2_common import held_on, parse_path, plan_field_path, set_path
from finmodel.report.t2_labels import choice_at, code_of, refusal
from finmodel.report.t2_units import UNITS_LABEL, UNITS_VALUE, from_k
from finmodel.report.plan_toml import plan_to_toml
from finmodel.report.xlsx_read import read_workbook

__all__ = ["import_template2", "plan_to_toml"]


class _Reader:
    def __init__(self, path: Path):
        self.path = path
        self.wb = read_workbook(path, SHEETS_READ)  # checks the file against the limits of xlsx_guard
        self.locs: dict[str, tuple[str, str, Any]] = {}  # plan field path -> (sheet, cell, value)

    # cells --------------------------------------------------------------------
    def sheet(self, name: str):
        if name not in self.wb.sheetnames:
            names = ", ".join(repr(n) for n in self.wb.sheetnames[:20])
            raise ValueError(f"{self.path}: the workbook has no sheet {name!r} (sheets: {names})")
        return self.wb[name]

    def fail(self, ws, row: int, col: int, value: Any, why: str):
        coord = f"{_col(col)}{row}"
        raise ValueError(f"{self.path}: sheet {ws.title!r} cell {coord} value {value!r}: {why}")

    def raw(self, ws, row: int, col: int) -> Any:
        v = ws.cell(row=row, column=col).value
        if isinstance(v, str) and v.strip() == "":
            return None
        return v

    def note(self, tokens: list[Any], ws, row: int, col: int) -> None:
        self.locs[plan_field_path(tokens)] = (ws.title, f"{_col(col)}{row}", ws.cell(row=row, column=col).value)

    def text(self, ws, row: int, col: int) -> str | None:
        """The cell's text exactly as stored (no space trimmed: the plan's validation judges it)."""
        v = self.raw(ws, row, col)
        if v is None:
            return None
        if isinstance(v, bool):
            self.fail(ws, row, col, v, "expected text")
        if isinstance(v, (int, float)):
            return str(int(v)) if float(v).is_integer() else str(v)
        if isinstance(v, (date, datetime)):
            self.fail(ws, row, col, v, "expected text, found a date")
        return str(v)

    def choice(self, ws, row: int, col: int, field: str) -> str | None:
        """A drop-down cell (area of spend, funding stream, ...) as the plan's code: its label, or the code
        itself (a workbook from finmodel 0.3.0 or earlier), whatever the case and spacing."""
        v = self.text(ws, row, col)
        code = None if v is None else code_of(field, v)
        if v is not None and code is None:
            self.fail(ws, row, col, v, refusal(field))
        return code

    def label(self, ws, row: int, col: int) -> str | None:
        """A cell of the layout (a path, a type), compared with spaces trimmed."""
        v = self.text(ws, row, col)
        return None if v is None else v.strip()

    def number(self, ws, row: int, col: int) -> float | None:
        v = self.raw(ws, row, col)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            why = "a formula; an input cell needs a number" if isinstance(v, str) and v.startswith("=") else "not a number"
            self.fail(ws, row, col, v, why)
        if not math.isfinite(float(v)):
            self.fail(ws, row, col, v, "not a finite number")
        return float(v)

    def money_k(self, ws, row: int, col: int) -> float | None:
        """A money cell of a £000 sheet, in £ (exactly: a decimal shift of the stored figure)."""
        v = self.number(ws, row, col)
        if v is None:
            return None
        gbp = from_k(v)
        if not math.isfinite(gbp):
            self.fail(ws, row, col, v, "too large (the cell is in £000)")
        return gbp

    def check_units(self) -> None:
        """Refuse a workbook whose About sheet does not state this version's money units."""
        ws = self.sheet(L.ABOUT)
        row = self.find_row(ws, UNITS_LABEL, required=False)
        if row is not None and (self.label(ws, row, 2) or "") == UNITS_VALUE:
            return
        vrow = self.find_row(ws, "finmodel version", required=False)
        version = self.label(ws, vrow, 2) if vrow is not None else None
        about = f" (its About sheet says finmodel {version})" if version else ""
        raise ValueError(
            f"{self.path}: sheet {L.ABOUT!r} has no {UNITS_LABEL!r} row stating that the money cells hold £000: the "
            f"workbook was written before finmodel held £000 in them{about}; its Funding sources and Expenditure plan "
            f"cells hold pounds under '(£000)' headers, so a figure typed there in £000 would be read 1000 times too "
            f"small. It is not imported: write the workbook again with 'finmodel template2 PLAN' and make the changes "
            f"in the new one")

    def yes_no(self, ws, row: int, col: int) -> bool | None:
        v = self.raw(ws, row, col)
        if v is None:
            return None
        if isinstance(v, bool):
            return v
        if isinstance(v, str) and v.strip().lower() in ("yes", "no", "true", "false"):
            return v.strip().lower() in ("yes", "true")
        self.fail(ws, row, col, v, f"expected {L.YES} or {L.NO}")

    def find_row(self, ws, label: str, start: int = 1, required: bool = True) -> int | None:
        for row in range(start, ws.max_row + 1):
            v = ws.cell(row=row, column=1).value
            if isinstance(v, str) and v.strip() == label:
                return row
        if required:
            raise ValueError(f"{self.path}: sheet {ws.title!r}: no row labelled {label!r} in column A")
        return None

    def block(self, ws, header_row: int, width: int, end: str = L.TOTALS_LABEL, cells=None):
        """Rows of an input block: from below the header to the row labelled ``end``, skipping rows blank in
        columns 1 to ``width`` (or in ``cells``, the input cells as (rows below, column), where formulas fill
        every row or a row's inputs continue in a second table)."""
        row = header_row + 1
        cells = cells or [(0, c) for c in range(1, width + 1)]
        while row <= ws.max_row:
            a = ws.cell(row=row, column=1).value
            if isinstance(a, str) and a.strip() == end:
                return
            if any(self.raw(ws, row + dr, c) is not None for dr, c in cells):
                yield row
            row += 1
        raise ValueError(f"{self.path}: sheet {ws.title!r}: the table under row {header_row} has no {end!r} row after it")

    def header_cols(self, ws, row: int) -> dict[str, int]:
        out = {}
        for col in range(1, ws.max_column + 1):
            v = ws.cell(row=row, column=col).value
            if isinstance(v, str) and v.strip():
                out.setdefault(v.strip(), col)
        return out

    def year_cols(self, ws, row: int, pattern: str, years: list[str]) -> dict[str, int]:
        out = {}
        rx = re.compile(pattern)
        for col in range(1, ws.max_column + 1):
            v = ws.cell(row=row, column=col).value
            m = rx.fullmatch(v.strip()) if isinstance(v, str) else None
            if m:
                out[m.group(1)] = col
        missing = [y for y in years if y not in out]
        if missing:
            raise ValueError(f"{self.path}: sheet {ws.title!r} row {row}: no column for the years {missing}")
        return out

    # sections --------------------------------------------------------------------
    def assumptions(self, data: dict) -> None:
        ws = self.sheet(L.ASSUMPTIONS)
        hdr, (c_path, c_value, c_held, c_type) = self.assumptions_columns(ws)
        for row in range(hdr + 1, ws.max_row + 1):
            path_text = self.label(ws, row, c_path)
            if path_text is None:
                continue  # a section heading or a blank row
            held = self.label(ws, row, c_held)
            if held != L.HELD_HERE:
                continue
            try:
                tokens = parse_path(path_text)
            except ValueError as exc:
                self.fail(ws, row, c_path, path_text, str(exc))
            if held_on(tokens) != L.HELD_HERE:
                self.fail(ws, row, c_held, held, f"this input is held on the {held_on(tokens)!r} sheet; change it there")
            kind = self.label(ws, row, c_type) or "text"
            field = choice_at(tokens)
            if field is not None and kind in ("choice", "text"):
                # a coded input: its label, or the code that a workbook of finmodel 0.3.0 holds (type "text")
                value = self.choice(ws, row, c_value, field)
                value = _SKIP if value is None else value
            elif kind == "choice":
                self.fail(ws, row, c_type, kind, f"{path_text} holds no choice of words; its type is one of "
                          "text, number, integer, boolean, date, list, table")
            else:
                value = self.assumption_value(ws, row, kind, c_value, c_type)
            if value is _SKIP:
                continue
            set_path(data, tokens, value)
            self.note(tokens, ws, row, c_value)

    def assumptions_columns(self, ws) -> tuple[int, tuple[int, int, int, int]]:
        """The Assumptions sheet's header row and its (path, value, held on, type) columns, found by their headers.

        The path, held-on and type columns are machine columns (hidden in the workbook finmodel writes);
        an earlier layout with the path in column A reads the same way.
        """
        for row in range(1, min(ws.max_row, 20) + 1):
            cols = self.header_cols(ws, row)
            if L.ASSUMPTIONS_HEADER in cols:
                missing = [h for h in L.ASSUMPTIONS_COLUMNS if h not in cols]
                if missing:
                    raise ValueError(f"{self.path}: sheet {L.ASSUMPTIONS!r} row {row}: no column headed "
                                     f"{missing[0]!r} (expected headers {', '.join(L.ASSUMPTIONS_COLUMNS)})")
                return row, tuple(cols[h] for h in L.ASSUMPTIONS_COLUMNS)
        raise ValueError(f"{self.path}: sheet {L.ASSUMPTIONS!r}: no header row with a {L.ASSUMPTIONS_HEADER!r} column "
                         "in its first 20 rows")

    def assumption_value(self, ws, row: int, kind: str, col: int = 2, type_col: int = 6) -> Any:
        if kind == "list":
            return [] if self.raw(ws, row, col) is None else self.fail(ws, row, col, self.raw(ws, row, col), "an empty list row must stay blank")
        if kind == "table":
            return {} if self.raw(ws, row, col) is None else self.fail(ws, row, col, self.raw(ws, row, col), "an empty table row must stay blank")
        v = self.raw(ws, row, col)
        if v is None:
            return _SKIP
        if kind == "text":
            return self.text(ws, row, col)
        if kind == "number":
            return self.number(ws, row, col)
        if kind == "integer":
            x = self.number(ws, row, col)
            if not float(x).is_integer():
                self.fail(ws, row, col, v, "expected a whole number")
            return int(x)
        if kind == "boolean":
            return self.yes_no(ws, row, col)
        if kind == "date":
            if isinstance(v, datetime):
                return v.date()
            if isinstance(v, date):
                return v
            try:
                return date.fromisoformat(str(v).strip())
            except ValueError:
                self.fail(ws, row, col, v, "expected a date like 2014-08-01")
        self.fail(ws, row, type_col, kind, "unknown type (text, number, integer, boolean, date, list, table, choice)")

    def funding(self, data: dict, years: list[str]) -> None:
        ws = self.sheet(L.FUNDING)
        hdr = self.find_row(ws, L.FUNDING_HEADER)
        out = []
        for row in self.block(ws, hdr, 5):
            i = len(out)
            c: dict[str, Any] = {}
            for col, key in ((1, "year"), (2, "organisation"), (3, "stream"), (5, "source")):
                v = self.choice(ws, row, col, key) if key == "stream" else self.text(ws, row, col)
                if v is not None:
                    c[key] = v
                self.note(["contributions", i, key], ws, row, col)
            amount = self.money_k(ws, row, 4)
            if amount is not None:
                c["amount"] = amount
            self.note(["contributions", i, "amount"], ws, row, 4)
            out.append(c)
        data["contributions"] = out
        if data.get("minimum_pool", {}).get("method") == "stated":
            min_row = self.find_row(ws, L.MINIMUM_LABEL)
            year_hdr = next((r for r in (self.find_row(ws, h, required=False) for h in L.STREAM_TABLE_HEADERS) if r), None)
            if year_hdr is None:
                raise ValueError(f"{self.path}: sheet {ws.title!r}: no row labelled {L.STREAM_TABLE_HEADER!r} in column A")
            cols = self.year_cols(ws, year_hdr, r"(\d{4}/\d{2})", years)
            stated = {}
            for y in years:
                v = self.money_k(ws, min_row, cols[y])
                self.note(["minimum_pool", "stated", y], ws, min_row, cols[y])
                if v is not None:
                    stated[y] = v
            data["minimum_pool"]["stated"] = stated

    def expenditure(self, data: dict, years: list[str]) -> list[dict]:
        ws = self.sheet(L.EXPENDITURE)
        hdr = self.find_row(ws, L.EXPENDITURE_HEADER)
        # header -> (rows below the scheme's row in the first table, column): the provider, flags and source are
        # in a second table, in step with the first; in the first itself in a workbook from finmodel 0.3.0 or earlier
        cols = {h: (0, c) for h, c in self.header_cols(ws, hdr).items()}
        title = self.find_row(ws, L.DETAILS_TABLE_LABEL, hdr + 1, required=False)
        shift = title + 1 - hdr if title else 0
        for h, c in (self.header_cols(ws, title + 1) if title else {}).items():
            cols.setdefault(h, (shift, c))
        spend_cols = self.year_cols(ws, hdr, r"Spend (\d{4}/\d{2}) \(£000\)", years)
        fields = [("id", "Scheme ID"), ("name", "Scheme name"), ("area_of_spend", "Area of spend"),
                  ("commissioner", "Commissioner"), ("provider", "Provider"), ("funding_stream", "Funding stream"),
                  ("status", "New / existing"), ("source", "Source")]
        flags = [("recurrent", "Recurrent"), ("protects_social_care", "Protects social care"),
                 ("nhs_out_of_hospital", "NHS out-of-hospital")]
        for _, label in fields + flags + [("", "% NHS (joint)")]:
            if label not in cols:
                raise ValueError(f"{self.path}: sheet {ws.title!r} row {hdr}: no column headed {label!r}")
        inputs = [cols[label] for _, label in fields + flags + [("", "% NHS (joint)")]] + [(0, c) for c in spend_cols.values()]
        schemes = []
        for row in self.block(ws, hdr, 0, L.DETAILS_TABLE_LABEL if title else L.TOTALS_LABEL, inputs):
            i = len(schemes)
            sc: dict[str, Any] = {}
            for key, label in fields:
                r, col = row + cols[label][0], cols[label][1]
                v = self.text(ws, r, col) if key in ("id", "name", "provider", "source") else self.choice(ws, r, col, key)
                if v is not None:
                    sc[key] = v
                self.note(["schemes", i, key], ws, r, col)
            pct = self.number(ws, row, cols["% NHS (joint)"][1])
            if pct is not None:
                sc["nhs_share_pct"] = pct
            self.note(["schemes", i, "nhs_share_pct"], ws, row, cols["% NHS (joint)"][1])
            for key, label in flags:
                r, col = row + cols[label][0], cols[label][1]
                v = self.yes_no(ws, r, col)
                if v is not None:
                    sc[key] = v
                self.note(["schemes", i, key], ws, r, col)
            spend = {}
            for y in years:
                v = self.money_k(ws, row, spend_cols[y])
                self.note(["schemes", i, "spend", y], ws, row, spend_cols[y])
                if v is not None:
                    spend[y] = v
            sc["spend"] = spend
            schemes.append(sc)
        data["schemes"] = schemes
        # earmarked amounts per year
        tot = self.find_row(ws, L.TOTALS_LABEL, hdr + 1)
        year_cols = self.year_cols(ws, tot + 1, r"(\d{4}/\d{2})", years)
        for label, head in ((L.PROTECTION_STATED_LABEL, "social_care_protection"), (L.CARE_ACT_LABEL, "care_act"),
                            (L.CARERS_LABEL, "carers")):
            row = self.find_row(ws, label, tot)
            amount = {}
            for y in years:
                v = self.money_k(ws, row, year_cols[y])
                self.note([head, "amount", y], ws, row, year_cols[y])
                if v is not None:
                    amount[y] = v
            data.setdefault(head, {})["amount"] = amount
        return schemes

    def benefits(self, schemes: list[dict], years: list[str]) -> None:
        ws = self.sheet(L.BENEFITS)
        hdr = self.find_row(ws, L.BENEFITS_HEADER)
        cols = self.header_cols(ws, hdr)
        if "Benefit activity" not in cols:
            raise ValueError(f"{self.path}: sheet {ws.title!r} row {hdr}: no column headed 'Benefit activity'")
        ben_cols = self.year_cols(ws, hdr, r"Benefits (\d{4}/\d{2}) \(£000\)", years)
        index = {sc.get("id"): i for i, sc in enumerate(schemes)}
        width = max(ben_cols.values())
        seen: set[str] = set()
        for row in self.block(ws, hdr, width):
            sid = self.text(ws, row, 1)
            values = {y: self.money_k(ws, row, ben_cols[y]) for y in years}
            activity = self.choice(ws, row, cols["Benefit activity"], "benefit_activity")
            if sid is None:
                if activity is None and all(v is None for v in values.values()):
                    continue
                self.fail(ws, row, 1, None, "benefits need the scheme ID they belong to")
            if sid not in index:
                self.fail(ws, row, 1, sid, "no scheme with this ID on the Expenditure plan sheet")
            if sid in seen:
                self.fail(ws, row, 1, sid, "this scheme's benefits are already given on an earlier row")
            seen.add(sid)
            i = index[sid]
            benefits = {y: v for y, v in values.items() if v is not None}
            for y in years:
                self.note(["schemes", i, "benefits", y], ws, row, ben_cols[y])
            if benefits:
                schemes[i]["benefits"] = benefits
            if activity is not None:
                schemes[i]["benefit_activity"] = activity
            self.note(["schemes", i, "benefit_activity"], ws, row, cols["Benefit activity"])

    def p4p_and_metrics(self, data: dict) -> None:
        ws = self.sheet(L.P4P)
        base_row = self.find_row(ws, L.P4P_BASELINE_LABEL, required=False)
        if base_row is not None:
            p4p = data.setdefault("p4p", {})
            baseline = []
            for q in range(4):
                v = self.number(ws, base_row, 2 + q)
                self.note(["p4p", "nel_baseline_by_quarter", q], ws, base_row, 2 + q)
                if v is None:
                    self.fail(ws, base_row, 2 + q, None, "a quarterly baseline is required")
                baseline.append(v)
            p4p["nel_baseline_by_quarter"] = baseline
            for label, key in ((L.P4P_REDUCTION_LABEL, "planned_reduction_pct"), (L.P4P_COST_LABEL, "cost_per_admission_gbp")):
                row = self.find_row(ws, label)
                v = self.number(ws, row, 2)
                self.note(["p4p", key], ws, row, 2)
                if v is not None:
                    p4p[key] = v
        hdr = self.find_row(ws, L.METRICS_HEADER)
        metrics = []
        for row in self.block(ws, hdr, 9):
            i = len(metrics)
            m: dict[str, Any] = {}
            for col, key in ((1, "name"), (2, "unit"), (9, "source")):
                v = self.text(ws, row, col)
                if v is not None:
                    m[key] = v
                self.note(["metrics", i, key], ws, row, col)
            flag = self.yes_no(ws, row, 3)
            if flag is not None:
                m["higher_is_better"] = flag
            self.note(["metrics", i, "higher_is_better"], ws, row, 3)
            for col, key in ((4, "baseline"), (5, "target_apr_2015"), (6, "target")):
                v = self.number(ws, row, col)
                if v is not None:
                    m[key] = v
                self.note(["metrics", i, key], ws, row, col)
            metrics.append(m)
        data["metrics"] = metrics

    def partners(self, data: dict) -> None:
        ws = self.sheet(L.RISK)
        hdr = self.find_row(ws, L.PARTNERS_HEADER)
        partners = []
        for row in self.block(ws, hdr, 5):
            i = len(partners)
            p: dict[str, Any] = {}
            for col, key in ((1, "name"), (2, "kind"), (6, "source")):
                v = self.choice(ws, row, col, key) if key == "kind" else self.text(ws, row, col)
                if v is not None:
                    p[key] = v
                self.note(["partners", i, key], ws, row, col)
            capped = self.yes_no(ws, row, 5)
            if capped:
                p["cap_at_contribution"] = True
            self.note(["partners", i, "cap_at_contribution"], ws, row, 5)
            share_cell = self.raw(ws, row, 3)
            if isinstance(share_cell, str) and share_cell.strip().lower() == L.SHARE_BY_YEAR:
                p["share_pct"] = self.share_profile(ws, p.get("name", ""), i)
                keys = ((4, "cap"),)
            else:
                keys = ((3, "share_pct"), (4, "cap"))
            for col, key in keys:
                v = self.number(ws, row, col)
                if v is not None:
                    p[key] = v
                self.note(["partners", i, key], ws, row, col)
            partners.append(p)
        data["partners"] = partners

    def share_profile(self, ws, name: str, i: int) -> dict[str, float]:
        """A partner's share by year, read from its 'Share: NAME (%)' row under the 'Item' year header."""
        row = self.find_row(ws, f"Share: {name} (%)")
        hdr = self.find_row(ws, L.RISK_ITEM_HEADER)
        profile: dict[str, float] = {}
        col = 2
        while isinstance(ws.cell(row=hdr, column=col).value, str) and "/" in ws.cell(row=hdr, column=col).value:
            year = ws.cell(row=hdr, column=col).value.strip()
            v = self.number(ws, row, col)
            if v is not None:
                profile[year] = v
            self.note(["partners", i, "share_pct", year], ws, row, col)
            col += 1
        return profile


_SKIP = object()
#: The sheets import reads; the others (model outputs, charts) are never parsed.
SHEETS_READ = (L.ASSUMPTIONS, L.FUNDING, L.EXPENDITURE, L.BENEFITS, L.P4P, L.RISK, L.ABOUT)


def _col(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def import_template2(path: str | Path) -> dict:
    """Read a Template 2 workbook back into a plan dict (money in £, ``money_unit = "gbp"``).

    The result validates with :func:`finmodel.plan.plan_from_dict`; a malformed
    workbook raises ``ValueError`` naming the sheet, the cell and the value.
    """
    path = Path(path)
    rd = _Reader(path)
    for name in SHEETS_READ:
        rd.sheet(name)
    rd.check_units()
    data: dict[str, Any] = {"money_unit": "gbp"}
    assumed: dict[str, Any] = {}
    rd.assumptions(assumed)
    years = assumed.get("years")
    if not isinstance(years, list) or not years or not all(isinstance(y, str) for y in years):
        raise ValueError(f"{path}: sheet {L.ASSUMPTIONS!r}: the plan's years (rows 'years[0]', 'years[1]', ...) are missing")
    data["years"] = years
    for key, value in assumed.items():
        if key not in ("partners", "schemes"):
            data[key] = value
    rd.funding(data, years)
    schemes = rd.expenditure(data, years)
    rd.benefits(schemes, years)
    rd.p4p_and_metrics(data)
    rd.partners(data)
    # partner and scheme fields kept on the Assumptions sheet (what each partner commissions,
    # a scheme's Care Act flag), by position
    for key in ("partners", "schemes"):
        for i, extra in enumerate(assumed.get(key, [])):
            if i < len(data[key]) and isinstance(extra, dict):
                data[key][i].update({k: v for k, v in extra.items() if k not in data[key][i]})
    # keep the plan file's section order
    order = ["money_unit", "years", "hwb", "contributions", "minimum_pool", "national_shares", "schemes",
             "social_care_protection", "care_act", "carers", "metrics", "partners", "qipp", "five_year", "p4p",
             "risk_share", "outturn"]
    data = {k: data[k] for k in order if k in data} | {k: v for k, v in data.items() if k not in order}
    try:
        plan_from_dict(data, path)
    except PlanError as exc:
        lines = []
        for field, value, why in exc.problems:
            loc = rd.locs.get(field)
            if loc is None:  # a problem with a whole item: point at its first cell
                loc = next((v for k, v in rd.locs.items() if k.startswith(field + ".") or k.startswith(field + "[")), None)
            if loc is not None:
                lines.append(f"sheet {loc[0]!r} cell {loc[1]} value {loc[2]!r} ({field}): {why}")
            else:
                lines.append(f"{field} = {value!r}: {why}")
        raise ValueError(f"{path}: " + "; ".join(lines)) from None
    return data
