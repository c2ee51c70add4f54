"""Limits on an untrusted .xlsx file, and the checks that hold a file to them.

``import-template2`` reads workbooks that come from outside finmodel: e-mailed, edited
in Excel, possibly built to hurt.  Nothing here trusts the file:

* :func:`open_archive` looks at the file before any XML is parsed: a regular file, no
  larger than :data:`MAX_FILE_BYTES`, starting with a zip header (an encrypted workbook
  is an OLE file, ``D0 CF 11 E0``, and is named as such), a zip end record whose
  central directory is small, at most :data:`MAX_PARTS` parts, none encrypted, and
  declared sizes and compression ratios within the limits.
* :func:`read_part` decompresses one part in chunks, counting the bytes that really
  come out (a zip may lie about sizes), and feeds them to an expat parser that refuses
  any DOCTYPE: without a DTD no entity can be declared, so entity expansion ("billion
  laughs") and external entities (XXE, e.g. ``file:///etc/passwd``) cannot happen
  whatever the XML library underneath would do.  Depth and element count are bounded.
* The cell-level limits (rows, columns, cells, text length) are applied by
  :mod:`finmodel.report.xlsx_read` as it reads the cells.

The limits are sized from the workbook finmodel writes for the Luton plan (67 kB on
disk; 370 kB of XML in 41 parts, the largest 126 kB; 5,661 cells; at most 583 rows
and 19 columns on a sheet; compression at most 9 to 1), some 25 to 150 times over,
so a real Template 2 with many more schemes, or re-saved by Excel with a logo pasted
in, fits with room to spare, while a hostile file is refused in about a second: the
cell and element limits are what bound the time (about 3 microseconds an element in
Python), the byte limits what bound the memory.
Every refusal is an :class:`~finmodel.errors.InputError` (exit status 2) with one line
naming the file, the part or cell, and the size or value.
"""

from __future__ import annotations

import os
import stat
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any, Protocol
from xml.parsers import expat

from finmodel.errors import InputError

MiB = 1024 * 1024

#: Largest file accepted [bytes] (150 times the Luton workbook: room for a pasted image).
MAX_FILE_BYTES = 10 * MiB
#: Most parts (zip members) in the archive (finmodel writes 41).
MAX_PARTS = 2_000
#: Largest zip central directory [bytes]: about 1 kB a part at most.
MAX_CENTRAL_DIRECTORY_BYTES = MAX_PARTS * 1024
#: Largest total of the parts read, uncompressed [bytes] (finmodel's are 370 kB in all).
MAX_UNCOMPRESSED_BYTES = 32 * MiB
#: Largest single part, uncompressed [bytes] (finmodel's largest is 126 kB).
MAX_PART_BYTES = 16 * MiB
#: Highest compression ratio of a part larger than RATIO_CHECKED_ABOVE_BYTES (finmodel's: 9).
MAX_COMPRESSION_RATIO = 100
#: Parts smaller than this [bytes] may compress as well as they like.
RATIO_CHECKED_ABOVE_BYTES = 1 * MiB
#: Deepest element nesting in any XML part (a worksheet is 4 deep, a chart about 15).
MAX_XML_DEPTH = 100
#: Most XML elements in all the parts read (import reads about 12,000 of finmodel's workbook for
#: Luton; a plan at every limit of plan_text, e.g. 500 schemes, needs several hundred thousand).
MAX_XML_ELEMENTS = 1_500_000
#: Most sheets in the workbook (finmodel writes 12).
MAX_SHEETS = 100
#: Highest row number on a sheet (finmodel's longest sheet, Assumptions, has 583 rows).
MAX_ROWS = 30_000
#: Highest column number on a sheet (finmodel's widest sheet has 19 columns).
MAX_COLUMNS = 1_000
#: Most cells on the sheets read together (finmodel writes about 6,000 for Luton; a plan at every
#: limit of plan_text needs more than 100,000, tested by tests/safety/test_limits.py); also the
#: most shared strings.  At ~200 bytes a cell read, 250,000 cells stay under ~50 MiB.
MAX_CELLS = 250_000
#: Longest text in a cell [characters]: Excel's own limit.
MAX_CELL_CHARS = 32_767
#: Longest formula [characters]: Excel's own limit.
MAX_FORMULA_CHARS = 8_192

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 256 * 1024
_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"


def one_line(text: Any) -> str:
    """``text`` with every run of white space (newlines included) made one space."""
    return " ".join(str(text).split())


def refuse(path: Path | str, message: str) -> InputError:
    """The error for a workbook that is refused: ``"PATH: MESSAGE"`` on one line."""
    return InputError(one_line(f"{path}: {message}"))


def _unreadable(path: Path | str, why: str) -> InputError:
    return refuse(path, f"not a readable .xlsx workbook: {why}")


def _size(n: int) -> str:
    return f"{n:,} bytes"


# The file and its zip structure ---------------------------------------------------------


def open_archive(path: Path) -> zipfile.ZipFile:
    """Open ``path`` as a zip archive after checking the file and the zip's directory."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise refuse(path, f"cannot read the file ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise refuse(path, "not a regular file (a directory, device or pipe cannot be a workbook)")
    if st.st_size > MAX_FILE_BYTES:
        raise refuse(path, f"the file is {_size(st.st_size)}, above the limit of {_size(MAX_FILE_BYTES)} "
                           "for a Template 2 workbook")
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
            fh.seek(max(0, st.st_size - (22 + 65_535)))
            tail = fh.read()
    except OSError as exc:
        raise refuse(path, f"cannot read the file ({exc.strerror})") from None
    if not head:
        raise _unreadable(path, "the file is empty")
    if head.startswith(OLE_MAGIC[:4]):
        raise _unreadable(path, "it is an OLE compound file (it starts with D0 CF 11 E0): a password-protected "
                                "(encrypted) workbook or an old .xls; remove the password or save it as .xlsx "
                                "in Excel, then import that")
    if not head.startswith(b"PK\x03\x04"):
        raise _unreadable(path, f"it is not a zip archive (it starts with {head.hex(' ')}; an .xlsx starts with 50 4B 03 04)")
    _check_end_record(path, tail)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise _unreadable(path, f"the zip archive is truncated or corrupt ({one_line(exc)})") from None
    try:
        _check_directory(path, zf.infolist())
    except BaseException:
        zf.close()
        raise
    return zf


def _check_end_record(path: Path, tail: bytes) -> None:
    """The zip's end record: present, not zip64, with a small central directory."""
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        raise _unreadable(path, "the zip archive is truncated or corrupt (no end-of-archive record)")
    entries, cd_size = struct.unpack("<HI", tail[at + 10:at + 16])
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF or (at >= 20 and tail[at - 20:at - 16] == _ZIP64_LOCATOR):
        raise _unreadable(path, "the zip archive uses the zip64 format, which no workbook of this size needs")
    if entries > MAX_PARTS:
        raise refuse(path, f"the archive has {entries:,} parts, above the limit of {MAX_PARTS:,}")
    if cd_size > MAX_CENTRAL_DIRECTORY_BYTES:
        raise refuse(path, f"the zip directory is {_size(cd_size)}, above the limit of {_size(MAX_CENTRAL_DIRECTORY_BYTES)}")


def _check_directory(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """What the central directory declares: part count, encryption, sizes, ratios."""
    if len(infos) > MAX_PARTS:
        raise refuse(path, f"the archive has {len(infos):,} parts, above the limit of {MAX_PARTS:,}")
    total = 0
    for info in infos:
        where = f"part {info.filename!r}"
        if info.flag_bits & 0x1:
            raise _unreadable(path, f"{where} is encrypted (a workbook protected by a password cannot be read)")
        if info.file_size > MAX_PART_BYTES:
            raise refuse(path, f"{where} is {_size(info.file_size)} uncompressed, above the limit of {_size(MAX_PART_BYTES)}")
        _check_ratio(path, info, info.file_size)
        total += info.file_size
    if total > MAX_UNCOMPRESSED_BYTES:
        raise refuse(path, f"the parts are {_size(total)} uncompressed in all, above the limit of {_size(MAX_UNCOMPRESSED_BYTES)}")


def _check_ratio(path: Path, info: zipfile.ZipInfo, size: int) -> None:
    if size > RATIO_CHECKED_ABOVE_BYTES and size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
        raise refuse(path, f"part {info.filename!r} expands from {_size(info.compress_size)} to at least {_size(size)} "
                           f"(more than {MAX_COMPRESSION_RATIO} to 1): a zip bomb, not a workbook")


# Reading one part -----------------------------------------------------------------------


class Handler(Protocol):
    """What :func:`read_part` calls for each element (local name, attributes) and for text."""

    def start(self, name: str, attrs: dict[str, str]) -> None: ...
    def end(self, name: str) -> None: ...
    def text(self, data: str) -> None: ...


class Budget:
    """What has been read so far, across the parts of one workbook."""

    def __init__(self, path: Path):
        self.path = path
        self.bytes = 0
        self.elements = 0


def _looks_like_xml(first: bytes) -> bool:
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    return first.lstrip(b" \t\r\n").startswith(b"<")


def _parser(budget: Budget, part: str, handler: Handler | None):
    path = budget.path
    p = expat.ParserCreate(namespace_separator=" ")
    p.buffer_text = True
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = 0
    local: dict[str, str] = {}  # "namespace name" -> name, for the names seen
    on_start = handler.start if handler is not None else None
    on_end = handler.end if handler is not None else None

    def doctype(name, *_):
        raise _unreadable(path, f"part {part!r} declares a DOCTYPE {name!r}: no workbook part has one, and "
                                "entity declarations (entity expansion, external entities) are refused")

    def entity(name, *_):
        raise _unreadable(path, f"part {part!r} declares the entity {name!r}: entities are refused")

    def start(name, attrs):
        nonlocal depth
        depth += 1
        budget.elements += 1
        if depth > MAX_XML_DEPTH:
            raise refuse(path, f"part {part!r} nests elements {depth} deep, above the limit of {MAX_XML_DEPTH}")
        if budget.elements > MAX_XML_ELEMENTS:
            raise refuse(path, f"the workbook has more than {MAX_XML_ELEMENTS:,} XML elements (the limit), "
                               f"reached in part {part!r}")
        if on_start is not None:
            short = local.get(name)
            if short is None:
                short = name.rpartition(" ")[2]
                if len(local) < 1000:
                    local[name] = short
            on_start(short, attrs)

    def end(name):
        nonlocal depth
        depth -= 1
        if on_end is not None:
            on_end(local.get(name) or name.rpartition(" ")[2])

    p.StartDoctypeDeclHandler = doctype
    p.EntityDeclHandler = entity
    p.ExternalEntityRefHandler = lambda context, base, system_id, public_id: entity(system_id or "external")
    p.StartElementHandler = start
    p.EndElementHandler = end
    if handler is not None:
        p.CharacterDataHandler = handler.text
    return p


def read_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: Budget, handler: Handler | None,
              xml_required: bool = True) -> None:
    """Decompress ``info`` in chunks within the limits and parse it as XML with ``handler``.

    A part that is not XML is refused when ``xml_required``, otherwise only counted.
    """
    path, part = budget.path, info.filename
    parser = None
    got = 0
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    break
                got += len(chunk)
                budget.bytes += len(chunk)
                if got > MAX_PART_BYTES or got > info.file_size:
                    raise refuse(path, f"part {part!r} expands past {_size(min(MAX_PART_BYTES, info.file_size))} "
                                       "(more than its zip entry declares, or than the limit)")
                if budget.bytes > MAX_UNCOMPRESSED_BYTES:
                    raise refuse(path, f"the parts read expand past {_size(MAX_UNCOMPRESSED_BYTES)} (the limit), "
                                       f"reached in part {part!r}")
                _check_ratio(path, info, got)
                if parser is None:
                    if not _looks_like_xml(chunk):
                        if xml_required:
                            raise _unreadable(path, f"part {part!r} is not XML (it starts with {chunk[:8].hex(' ')})")
                        continue
                    parser = _parser(budget, part, handler)
                parser.Parse(chunk, False)
        if parser is not None:
            parser.Parse(b"", True)
        elif xml_required:
            raise _unreadable(path, f"part {part!r} is empty")
    except expat.ExpatError as exc:
        raise _unreadable(path, f"part {part!r} is not well-formed XML ({one_line(expat.errors.messages[exc.code])}"
                                f" at line {exc.lineno}, column {exc.offset})") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise _unreadable(path, f"part {part!r} is truncated or corrupt ({one_line(exc)})") from None
