"""The cell values of an untrusted .xlsx, read within the limits of :mod:`~finmodel.report.xlsx_guard`.

:func:`read_workbook` reads only what ``import-template2`` needs: the sheet names,
and for the sheets asked for, each cell's value as openpyxl would give it with
``data_only=False`` (text, int or float, bool, a datetime for a number in a date
format, ``"=..."`` for a formula, the error text such as ``"#N/A"``), except that a
true/false cell saved by LibreOffice as the formula ``=TRUE()`` or ``=FALSE()`` is read
as the value it is.  It parses the
XML itself with the guarded expat parser, in one streaming pass over each part it
needs, so memory and time stay bounded by the limits whatever the file holds;
charts, drawings, merged ranges and the rest are never parsed.

Text is decoded exactly: the ``_xHHHH_`` escapes with which Excel and xlsxwriter
store control characters (a carriage return is ``_x000D_``) become the characters
again, and ``_x005F_`` (an escaped underscore) an underscore, so text written by
:mod:`~finmodel.report.template2` reads back as it was written.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from finmodel.report import xlsx_guard as G
from finmodel.report.xlsx_guard import Budget, read_part, refuse

__all__ = ["Book", "Sheet", "decode_escapes", "read_workbook"]

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_CELL_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})")
#: Raw text may be up to 7 times its decoded length (each character as ``_xHHHH_``).
_RAW_FACTOR = 7


def decode_escapes(text: str) -> str:
    """``_xHHHH_`` escapes (OOXML's ST_Xstring) as the characters they stand for.

    Escaped surrogate pairs combine into one character; an unpaired surrogate (which
    no text file can hold) raises ``ValueError``.
    """
    if "_x" not in text:
        return text
    out = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    try:
        return out.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError:
        raise ValueError("the text holds an unpaired surrogate escape (_xD800_ to _xDFFF_)") from None


class Cell:
    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


class Sheet:
    """One sheet's cells: ``cell(row=, column=).value`` (1-based), ``max_row``, ``max_column``."""

    def __init__(self, title: str):
        self.title = title
        self.part = ""
        self.cells: dict[tuple[int, int], Any] = {}
        self.max_row = 0
        self.max_column = 0

    def cell(self, row: int, column: int) -> Cell:
        return Cell(self.cells.get((row, column)))


class Book:
    """The workbook's sheet names, in order, and the sheets that were read."""

    def __init__(self, sheetnames: list[str], sheets: dict[str, Sheet]):
        self.sheetnames = sheetnames
        self._sheets = sheets

    def __getitem__(self, name: str) -> Sheet:
        return self._sheets.get(name) or Sheet(name)


# Handlers for the parts ------------------------------------------------------------------


class _Ignore:
    def start(self, name, attrs):
        pass

    def end(self, name):
        pass

    def text(self, data):
        pass


class _Rels(_Ignore):
    """Relationship Id -> (type, target part) of one .rels part, targets resolved against ``base``."""

    def __init__(self, base: str):
        self.base = base
        self.by_id: dict[str, tuple[str, str]] = {}

    def start(self, name, attrs):
        if name != "Relationship" or attrs.get("TargetMode") == "External":
            return
        target = attrs.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(self.base, target))
        self.by_id.setdefault(attrs.get("Id", ""), (attrs.get("Type", ""), part))

    def first(self, kind: str) -> str | None:
        return next((part for typ, part in self.by_id.values() if typ.endswith("/" + kind)), None)


class _Workbook(_Ignore):
    def __init__(self, path: Path, part: str):
        self.path, self.part = path, part
        self.sheets: list[tuple[str, str]] = []  # (name, relationship id)
        self.date1904 = False

    def start(self, name, attrs):
        if name == "sheet":
            if len(self.sheets) >= G.MAX_SHEETS:
                raise refuse(self.path, f"part {self.part!r} lists more than {G.MAX_SHEETS} sheets (the limit)")
            rid = next((v for k, v in attrs.items() if " " in k and k.endswith(" id")), "")
            self.sheets.append((attrs.get("name", ""), rid))
        elif name == "workbookPr":
            self.date1904 = attrs.get("date1904", "").lower() in ("1", "true")


def _int(text: Any, default: int = -1) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


class _Styles(_Ignore):
    """Which cell style indices have a date number format."""

    def __init__(self):
        self.formats: dict[int, str] = {}
        self.xf_formats: list[int] = []
        self.where = ""

    def start(self, name, attrs):
        if name in ("numFmts", "cellXfs"):
            self.where = name
        elif name == "numFmt" and self.where == "numFmts":
            self.formats[_int(attrs.get("numFmtId"))] = attrs.get("formatCode", "")
        elif name == "xf" and self.where == "cellXfs":
            self.xf_formats.append(_int(attrs.get("numFmtId"), 0))

    def end(self, name):
        if name == self.where:
            self.where = ""

    def date_styles(self) -> set[int]:
        out = set()
        for i, fmt_id in enumerate(self.xf_formats):
            code = self.formats.get(fmt_id, BUILTIN_FORMATS.get(fmt_id))
            if is_date_format(code):
                out.add(i)
        return out


class _Text:
    """Text gathered from character data, refused once past ``limit`` raw characters."""

    def __init__(self, limit: int, too_long):
        self.parts: list[str] = []
        self.n = 0
        self.limit = limit
        self.too_long = too_long

    def add(self, data: str) -> None:
        self.n += len(data)
        if self.n > self.limit:
            self.too_long(self.n)
        self.parts.append(data)

    def value(self) -> str:
        return "".join(self.parts)


class _SharedStrings(_Ignore):
    def __init__(self, path: Path, part: str):
        self.path, self.part = path, part
        self.strings: list[str] = []
        self.stack: list[str] = []
        self.current: _Text | None = None
        self.into: _Text | None = None

    def _too_long(self, n: int) -> None:
        raise refuse(self.path, f"part {self.part!r} shared string {len(self.strings)} is longer than "
                                f"{G.MAX_CELL_CHARS:,} characters (Excel's limit for a cell)")

    def start(self, name, attrs):
        parent = self.stack[-1] if self.stack else ""
        self.stack.append(name)
        if name == "si":
            if len(self.strings) >= G.MAX_CELLS:
                raise refuse(self.path, f"part {self.part!r} holds more than {G.MAX_CELLS:,} shared strings (the limit)")
            self.current = _Text(G.MAX_CELL_CHARS * _RAW_FACTOR, self._too_long)
        elif name == "t" and self.current is not None and (
                parent == "si" or (parent == "r" and len(self.stack) > 2 and self.stack[-3] == "si")):
            self.into = self.current

    def end(self, name):
        self.stack.pop()
        if name == "t":
            self.into = None
        elif name == "si" and self.current is not None:
            try:
                text = decode_escapes(self.current.value())
            except ValueError as exc:
                raise refuse(self.path, f"part {self.part!r} shared string {len(self.strings)}: {exc}") from None
            if len(text) > G.MAX_CELL_CHARS:
                self._too_long(len(text))
            self.strings.append(text)
            self.current = None

    def text(self, data):
        if self.into is not None:
            self.into.add(data)


class _Count:
    cells = 0


class _Worksheet(_Ignore):
    """Rows, columns and cells of one worksheet part, checked against the limits, values kept in ``store``.

    Written for speed (a call per element): the common path, a ``<c>`` holding a
    ``<v>``, does no more than it must; messages are built only on failure.
    """

    def __init__(self, path: Path, part: str, title: str, store: Sheet, strings: list[str],
                 date_styles: set[int], epoch, count: _Count):
        self.path, self.part, self.title = path, part, title
        self.store, self.strings, self.date_styles, self.epoch, self.count = store, strings, date_styles, epoch, count
        self.row = 0
        self.col = 0
        self.in_cell = False
        self.cell_row = self.cell_col = self.style = 0
        self.kind = "n"
        self.v: list[str] | None = None
        self.f: list[str] | None = None
        self.inline: list[str] | None = None
        self.into: list[str] | None = None  # where character data goes now
        self.n = 0  # characters gathered into self.into
        self.limit = 0
        self.stack: list[str] = []

    def fail(self, where: str, why: str):
        raise refuse(self.path, f"sheet {self.title!r} ({self.part}) {where}: {why}")

    def start(self, name, attrs):
        if self.in_cell:
            self.start_in_cell(name)
        elif name == "c":
            self.start_cell(attrs)
        elif name == "row":
            r = attrs.get("r")
            self.row = _int(r, 0) if r is not None else self.row + 1
            if not 1 <= self.row <= G.MAX_ROWS:
                if 1 <= self.row <= 1_048_576:
                    self.fail(f"row {self.row:,}", f"beyond the limit of {G.MAX_ROWS:,} rows a sheet")
                self.fail(f"row {r!r}", "not a valid row number")
            self.col = 0

    def start_cell(self, attrs):
        ref = attrs.get("r")
        if ref is not None:
            m = _CELL_REF.fullmatch(ref)
            if m is None:
                self.fail(f"cell {ref!r}", "not a valid cell reference")
            letters, digits = m.groups()
            col = _COLUMNS.get(letters) or _column(letters)
            row = int(digits)
        else:
            row, col = self.row, self.col + 1
        self.col = col
        if not (1 <= row <= G.MAX_ROWS and col <= G.MAX_COLUMNS):
            self.cell_beyond(ref, row, col)
        self.count.cells += 1
        if self.count.cells > G.MAX_CELLS:
            self.fail(f"cell {ref or _ref(row, col)!r}", f"the sheets hold more than {G.MAX_CELLS:,} cells (the limit)")
        self.in_cell = True
        self.cell_row, self.cell_col = row, col
        self.kind = attrs.get("t", "n")
        s = attrs.get("s")
        self.style = int(s) if s and s.isdigit() else 0
        self.v = self.f = self.inline = self.into = None
        self.stack = []

    def cell_beyond(self, ref, row, col):
        where = f"cell {ref or _ref(row, col)!r}"
        if row < 1:
            self.fail(where, "a cell outside any row")
        if row > G.MAX_ROWS:
            self.fail(where, f"row {row:,} is beyond the limit of {G.MAX_ROWS:,} rows a sheet")
        self.fail(where, f"column {col:,} is beyond the limit of {G.MAX_COLUMNS:,} columns a sheet")

    def start_in_cell(self, name):
        stack = self.stack
        parent = stack[-1] if stack else "c"
        stack.append(name)
        if parent == "c":
            if name == "v":
                self.v = self.into = []
                self.n, self.limit = 0, G.MAX_CELL_CHARS * _RAW_FACTOR
            elif name == "f":
                self.f = self.into = []
                self.n, self.limit = 0, G.MAX_FORMULA_CHARS
            elif name == "is":
                self.inline = []
                self.n, self.limit = 0, G.MAX_CELL_CHARS * _RAW_FACTOR
        elif name == "t" and self.inline is not None and (parent == "is" or stack[-3:-1] == ["is", "r"]):
            self.into = self.inline

    def end(self, name):
        if not self.in_cell:
            return
        if name == "c" and not self.stack:
            self.in_cell = False
            value = self.value()
            store = self.store
            row, col = self.cell_row, self.cell_col
            if row > store.max_row:
                store.max_row = row
            if col > store.max_column:
                store.max_column = col
            if value is not None:
                store.cells[(row, col)] = value
            return
        if self.stack:
            self.stack.pop()
        self.into = None

    def text(self, data):
        if self.into is not None:
            self.n += len(data)
            if self.n > self.limit:
                self.too_long()
            self.into.append(data)

    def too_long(self, n: int = 0):
        what, limit = ("formula", G.MAX_FORMULA_CHARS) if self.into is self.f else ("text", G.MAX_CELL_CHARS)
        self.fail(f"cell {_ref(self.cell_row, self.cell_col)}",
                  f"its {what} is longer than {limit:,} characters (Excel's limit)")

    def value(self) -> Any:
        try:
            return self._value()
        except ValueError as exc:
            if isinstance(exc, G.InputError):
                raise
            self.fail(f"cell {_ref(self.cell_row, self.cell_col)}", str(exc))

    def _value(self) -> Any:
        kind = self.kind
        if self.f is not None:
            formula = "".join(self.f)
            if kind == "b" and formula.strip().upper() in _BOOLEAN_FORMULAS:
                return _BOOLEAN_FORMULAS[formula.strip().upper()]  # how LibreOffice saves a true/false cell
            return "=" + formula
        if kind == "inlineStr":
            text = decode_escapes("".join(self.inline)) if self.inline is not None else ""
            if len(text) > G.MAX_CELL_CHARS:
                self.into = None
                self.too_long()
            return text
        if self.v is None:
            return None
        v = "".join(self.v)
        if kind == "n":
            if not v or v.isspace():
                return None
            try:
                number: Any = float(v) if ("." in v or "e" in v or "E" in v) else int(v)
            except ValueError:
                raise ValueError(f"value {v[:40]!r} is not a number") from None
            if self.style in self.date_styles:
                try:
                    return from_excel(number, self.epoch)
                except (OverflowError, ValueError, TypeError):
                    return number
            return number
        if kind == "s":
            i = _int(v.strip())
            if not 0 <= i < len(self.strings):
                raise ValueError(f"refers to shared string {v[:40]!r}, but the table has {len(self.strings):,}")
            return self.strings[i]
        if kind == "b":
            flag = {"1": True, "true": True, "0": False, "false": False}.get(v.strip().lower())
            if flag is None:
                raise ValueError(f"value {v[:40]!r} is not a true/false value")
            return flag
        if kind == "d":
            try:
                return datetime.fromisoformat(v.strip())
            except ValueError:
                return v
        return decode_escapes(v)  # "str" (a formula's text result), "e" (an error such as #N/A)


_BOOLEAN_FORMULAS = {"TRUE()": True, "FALSE()": False, "TRUE": True, "FALSE": False}
_COLUMNS: dict[str, int] = {}


def _column(letters: str) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    if len(_COLUMNS) < 20_000:
        _COLUMNS[letters] = col
    return col


def _ref(row: int, col: int) -> str:
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


# The workbook ----------------------------------------------------------------------------


def read_workbook(path: str | Path, sheets: Iterable[str] | None = None) -> Book:
    """Sheet names and the cells of ``sheets`` (all when None) of the .xlsx at ``path``.

    Raises :class:`~finmodel.errors.InputError` naming the file, the part or cell and
    the value or size when the file is not a readable workbook or exceeds a limit of
    :mod:`~finmodel.report.xlsx_guard`.
    """
    path = Path(path)
    wanted = None if sheets is None else set(sheets)
    zf = G.open_archive(path)
    try:
        return _read(path, zf, wanted)
    finally:
        zf.close()


def _read(path: Path, zf: zipfile.ZipFile, wanted: set[str] | None) -> Book:
    parts = {info.filename: info for info in zf.infolist()}
    budget = Budget(path)

    def need(name: str | None, what: str = "part") -> zipfile.ZipInfo:
        if name is None or name not in parts:
            listed = ", ".join(repr(n) for n in list(parts)[:6]) + (", ..." if len(parts) > 6 else "")
            missing = f"{what} {name!r}" if name else what
            raise refuse(path, f"not a readable .xlsx workbook: no {missing} in the archive "
                               f"(it holds {len(parts)} parts: {listed})")
        return parts[name]

    read_part(zf, need("[Content_Types].xml"), budget, None)
    root = _Rels("")
    read_part(zf, need("_rels/.rels"), budget, root)
    wb_part = root.first("officeDocument")
    wb_info = need(wb_part, "workbook part (the main document of _rels/.rels)")
    base, leaf = posixpath.split(wb_part)
    rels = _Rels(base)
    read_part(zf, need(posixpath.join(base, "_rels", leaf + ".rels")), budget, rels)
    book = _Workbook(path, wb_part)
    read_part(zf, wb_info, budget, book)

    date_styles: set[int] = set()
    styles_part = rels.first("styles")
    if styles_part in parts:
        styles = _Styles()
        read_part(zf, parts[styles_part], budget, styles)
        date_styles = styles.date_styles()
    strings: list[str] = []
    strings_part = rels.first("sharedStrings")
    if strings_part in parts:
        sst = _SharedStrings(path, strings_part)
        read_part(zf, parts[strings_part], budget, sst)
        strings = sst.strings

    epoch = CALENDAR_MAC_1904 if book.date1904 else CALENDAR_WINDOWS_1900
    count = _Count()
    read: dict[str, Sheet] = {}
    for title, rid in book.sheets:
        if wanted is not None and title not in wanted:
            continue  # sheets import-template2 does not use are never parsed
        typ, part = rels.by_id.get(rid, ("", ""))
        if not typ.endswith("/worksheet"):
            continue  # a chart sheet or a dangling entry: no cells
        same = next((sheet for sheet in read.values() if sheet.part == part), None)
        if same is not None:  # two sheets on one part: read it once
            read[title] = same
            continue
        store = Sheet(title)
        store.part = part
        read_part(zf, need(part, f"part for sheet {title!r}:"), budget,
                  _Worksheet(path, part, title, store, strings, date_styles, epoch, count))
        read[title] = store
    return Book([title for title, _ in book.sheets], read)
