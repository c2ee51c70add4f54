"""Hostile .xlsx files given to import-template2: each is refused with one line, at once.

Every file is built here, small on disk, from a real Template 2 workbook: zip bombs
(declared, lying about their size, and merely too compressible), too many rows,
cells, columns or parts, over-long text, entity expansion ("billion laughs") and
external entities (XXE) pointing at /etc/passwd, an encrypted (OLE) file, a
truncated, corrupt, empty, non-zip file, a zip without the workbook's parts, deep
nesting, too many XML elements.

Speed is measured, not asserted: each test runs under a 20 s alarm that only catches
a hang, and prints the time taken (``pytest -s tests/safety -k hostile``).  Before
the guarded reader, the bombs took tens of seconds and gigabytes, or ran out of memory.
"""

from __future__ import annotations

import json
import random
import signal
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from finmodel.cli import main
from finmodel.engine import run
from finmodel.report import t2_common as L
from finmodel.report import xlsx_guard as G
from finmodel.report.import_template2 import import_template2
from finmodel.report.template2 import write_template2
from tests.support.plans import LUTON, REPO

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SST = "xl/sharedStrings.xml"
STYLES = "xl/styles.xml"
HANG_GUARD_S = 20  # only catches a hang; the measured times are printed
ASSUMPTIONS_PART = f"xl/worksheets/sheet{L.SHEET_ORDER.index(L.ASSUMPTIONS) + 1}.xml"
FUNDING_PART = f"xl/worksheets/sheet{L.SHEET_ORDER.index(L.FUNDING) + 1}.xml"


# Building the files ----------------------------------------------------------------------


def rezip(src: Path, dst: Path, replace: dict[str, bytes | None] | None = None, level: int = 9) -> Path:
    """A copy of the workbook ``src`` with parts replaced (or dropped, for None)."""
    replace = dict(replace or {})
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zout:
        for info in zin.infolist():
            if info.filename in replace:
                data = replace.pop(info.filename)
                if data is not None:
                    zout.writestr(info.filename, data)
            else:
                zout.writestr(info.filename, zin.read(info))
        for name, data in replace.items():
            if data is not None:
                zout.writestr(name, data)
    return dst


def _cd_entries(data: bytes):
    """(offset, name) of each central directory entry of a zip held in ``data``."""
    at = data.index(b"PK\x01\x02")
    while data[at:at + 4] == b"PK\x01\x02":
        n, m, k = struct.unpack("<HHH", data[at + 28:at + 34])
        yield at, data[at + 46:at + 46 + n].decode()
        at += 46 + n + m + k


def patch_directory(path: Path, part: str, *, file_size: int | None = None, flag: int | None = None) -> Path:
    """Make the central directory lie about ``part``'s uncompressed size, or set its flag bits."""
    data = bytearray(path.read_bytes())
    for at, name in _cd_entries(bytes(data)):
        if name == part:
            if file_size is not None:
                data[at + 24:at + 28] = struct.pack("<I", file_size)
            if flag is not None:
                data[at + 8:at + 10] = struct.pack("<H", flag)
    path.write_bytes(bytes(data))
    return path


def corrupt_member(path: Path, part: str) -> Path:
    """Overwrite bytes in the middle of ``part``'s compressed data."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(part)
    n, m = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + n + m
    mid = start + info.compress_size // 2
    data[mid:mid + 64] = bytes(range(64))
    path.write_bytes(bytes(data))
    return path


def sheet_xml(rows: str) -> bytes:
    return f'<worksheet xmlns="{MAIN_NS}"><sheetData>{rows}</sheetData></worksheet>'.encode()


def sst_xml(*strings: str, doctype: str = "") -> bytes:
    items = "".join(f"<si><t>{s}</t></si>" for s in strings)
    return f'<?xml version="1.0"?>{doctype}<sst xmlns="{MAIN_NS}" count="{len(strings)}">{items}</sst>'.encode()


LAUGHS = ('<!DOCTYPE sst [<!ENTITY a "hahahahahahahahahaha">'
          + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)) + "]>")
XXE = '<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
XXE_PARAM = '<!DOCTYPE sst [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'


def build(kind: str, good: Path, d: Path) -> Path:
    """The hostile file ``kind``, made from the good workbook ``good`` in directory ``d``."""
    out = d / f"{kind}.xlsx"
    if kind == "bomb_declared":  # 64 MiB of spaces in a few kB: refused from the zip directory
        return rezip(good, out, {SST: b" " * (64 * G.MiB)})
    if kind == "bomb_ratio":  # 8 MiB (within the part limit) at about 1000:1
        return rezip(good, out, {SST: sst_xml("x") + b" " * (8 * G.MiB)})
    if kind == "bomb_lying":  # 64 MiB of data whose directory entry claims 1,000 bytes
        return patch_directory(rezip(good, out, {SST: b" " * (64 * G.MiB)}), SST, file_size=1_000)
    if kind == "many_rows":  # 100,000 rows on the Assumptions sheet
        rows = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, 100_001))
        return rezip(good, out, {ASSUMPTIONS_PART: sheet_xml(rows)})
    if kind == "many_cells":  # 20 % more cells than the limit (rows of 20) on the Funding sources sheet
        cols = [chr(65 + c) for c in range(20)]
        rows = "".join(f'<row r="{i}">' + "".join(f'<c r="{c}{i}"><v>{i}</v></c>' for c in cols) + "</row>"
                       for i in range(1, G.MAX_CELLS * 6 // 5 // 20 + 1))
        return rezip(good, out, {FUNDING_PART: sheet_xml(rows)})
    if kind == "far_cell":  # one cell in Excel's last column and row
        return rezip(good, out, {FUNDING_PART: sheet_xml('<row r="1"><c r="XFD1"><v>1</v></c></row>')})
    if kind == "long_text":  # a shared string past Excel's 32,767 characters
        return rezip(good, out, {SST: sst_xml("x" * 40_000)})
    if kind == "long_formula":
        f = "1+" * 5_000 + "1"
        return rezip(good, out, {FUNDING_PART: sheet_xml(f'<row r="1"><c r="A1"><f>{f}</f></c></row>')})
    if kind == "laughs":
        return rezip(good, out, {SST: sst_xml("&j;", doctype=LAUGHS)})
    if kind == "xxe":
        return rezip(good, out, {SST: sst_xml("&xxe;", doctype=XXE)})
    if kind == "xxe_param":
        return rezip(good, out, {SST: sst_xml("x", doctype=XXE_PARAM)})
    if kind == "xxe_in_sheet":
        doc = XXE.replace("sst", "worksheet")
        body = sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>').decode()
        return rezip(good, out, {ASSUMPTIONS_PART: (doc + body).encode()})
    if kind == "encrypted":  # what Excel writes for a password-protected workbook: an OLE file
        out.write_bytes(G.OLE_MAGIC + bytes(4096))
        return out
    if kind == "encrypted_member":
        return patch_directory(rezip(good, out), SST, flag=0x1)
    if kind == "truncated":
        data = good.read_bytes()
        out.write_bytes(data[: len(data) // 2])
        return out
    if kind == "corrupt":
        return corrupt_member(rezip(good, out), ASSUMPTIONS_PART)
    if kind == "not_zip":
        out.write_text("Year,Organisation\n2015/16,NHS Luton CCG\n")
        return out
    if kind == "empty":
        out.write_bytes(b"")
        return out
    if kind == "no_parts":  # a zip, but not a workbook
        with zipfile.ZipFile(out, "w") as zf:
            zf.writestr("readme.txt", "hello")
        return out
    if kind == "many_parts":
        with zipfile.ZipFile(out, "w") as zf:
            for i in range(G.MAX_PARTS + 1):
                zf.writestr(f"p{i}", b"")
        return out
    if kind == "deep":  # elements nested 10,000 deep in the stylesheet
        return rezip(good, out, {STYLES: b"<a>" * 10_000 + b"</a>" * 10_000})
    if kind == "many_elements":  # 100,000 more elements than the limit in the stylesheet, compressing about 25:1
        rnd = random.Random(1)
        body = b"".join(rnd.choice((b"<a/>", b"<b/>")) for _ in range(G.MAX_XML_ELEMENTS + 100_000))
        return rezip(good, out, {STYLES: b"<styleSheet>" + body + b"</styleSheet>"})
    if kind == "surrogate":
        return rezip(good, out, {SST: sst_xml("_xD800_")})
    raise KeyError(kind)


#: kind -> words the one-line refusal must hold (besides the file name).
EXPECTED = {
    "bomb_declared": [f"part '{SST}' is 67,108,864 bytes uncompressed", "limit of 16,777,216 bytes"],
    "bomb_ratio": [f"part '{SST}' expands from", "more than 100 to 1", "zip bomb"],
    "bomb_lying": [f"part '{SST}'", "corrupt"],
    "many_rows": ["sheet 'Assumptions'", "row 30,001", "limit of 30,000 rows"],
    # the cell past the limit: rows of 20 cells, so the first cell of row MAX_CELLS / 20 + 1
    "many_cells": ["sheet 'Funding sources'", f"cell 'A{G.MAX_CELLS // 20 + 1}'", f"more than {G.MAX_CELLS:,} cells"],
    "far_cell": ["sheet 'Funding sources'", "cell 'XFD1'", "column 16,384", "limit of 1,000 columns"],
    "long_text": [f"part '{SST}' shared string 0", "longer than 32,767 characters"],
    "long_formula": ["sheet 'Funding sources'", "cell A1", "formula is longer than 8,192 characters"],
    "laughs": [f"part '{SST}' declares a DOCTYPE 'sst'", "entity"],
    "xxe": [f"part '{SST}' declares a DOCTYPE 'sst'"],
    "xxe_param": [f"part '{SST}' declares a DOCTYPE 'sst'"],
    "xxe_in_sheet": [f"part '{ASSUMPTIONS_PART}' declares a DOCTYPE 'worksheet'"],
    "encrypted": ["OLE compound file", "D0 CF 11 E0", "password"],
    "encrypted_member": [f"part '{SST}' is encrypted"],
    "truncated": ["truncated or corrupt"],
    "corrupt": [f"part '{ASSUMPTIONS_PART}'", "corrupt"],
    "not_zip": ["not a zip archive", "59 65 61 72"],
    "empty": ["the file is empty"],
    "no_parts": ["no part '[Content_Types].xml'", "'readme.txt'"],
    "many_parts": ["2,001 parts", "limit of 2,000"],
    "deep": [f"part '{STYLES}' nests elements 101 deep", "limit of 100"],
    "many_elements": [f"more than {G.MAX_XML_ELEMENTS:,} XML elements", f"part '{STYLES}'"],
    "surrogate": [f"part '{SST}' shared string 0", "unpaired surrogate"],
}


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return write_template2(run(LUTON), tmp_path_factory.mktemp("good") / "luton.xlsx")


@pytest.fixture(scope="module")
def hostile(good, tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("hostile")
    return {kind: build(kind, good, d) for kind in EXPECTED}


class Hang(Exception):
    pass


@pytest.fixture
def hang_guard():
    """Interrupt a call that runs past HANG_GUARD_S (it would hang otherwise; not a speed test)."""
    def ring(signum, frame):
        raise Hang(f"still running after {HANG_GUARD_S} s")

    old = signal.signal(signal.SIGALRM, ring)
    signal.alarm(HANG_GUARD_S)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


# Tests --------------------------------------------------------------------------------------


def test_the_good_workbook_is_within_every_limit(good):
    """The limits are far above what finmodel writes (so the hostile files are the ones refused)."""
    size = good.stat().st_size
    with zipfile.ZipFile(good) as zf:
        infos = zf.infolist()
    assert size * 50 < G.MAX_FILE_BYTES
    assert len(infos) * 40 < G.MAX_PARTS
    assert sum(i.file_size for i in infos) * 50 < G.MAX_UNCOMPRESSED_BYTES
    # the largest part is the Assumptions sheet (Luton: ~230 KB with its plain-label and hidden machine columns)
    assert max(i.file_size for i in infos) * 60 < G.MAX_PART_BYTES
    assert max(i.file_size / i.compress_size for i in infos) * 10 < G.MAX_COMPRESSION_RATIO
    assert import_template2(good)["hwb"]["name"] == "Luton"


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_hostile_file_is_refused_at_once(kind, hostile, hang_guard):
    path = hostile[kind]
    start = time.perf_counter()
    with pytest.raises(ValueError) as err:
        import_template2(path)
    took = time.perf_counter() - start
    message = str(err.value)
    print(f"\n{kind}: {path.stat().st_size:,} bytes on disk, refused in {took:.3f} s: {message}")
    assert "\n" not in message and message.startswith(f"{path}: ")
    for words in EXPECTED[kind]:
        assert words in message, (kind, words, message)
    assert "root:" not in message  # nothing of /etc/passwd leaks


@pytest.mark.parametrize("kind", ["xxe", "laughs", "encrypted", "truncated", "bomb_declared"])
def test_cli_exits_2_with_one_line(kind, hostile, hang_guard, capsys):
    path = hostile[kind]
    assert main(["import-template2", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"finmodel: cannot import: {path}: ")
    assert "Traceback" not in err and "root:" not in err


def test_not_a_regular_file(tmp_path, hang_guard):
    with pytest.raises(ValueError, match="not a regular file"):
        import_template2(tmp_path)
    with pytest.raises(ValueError, match="cannot read the file"):
        import_template2(tmp_path / "missing.xlsx")


_DRIVER = """
import json, resource, sys, time
from finmodel.report.import_template2 import import_template2
out = {}
for path in sys.argv[1:]:
    start = time.perf_counter()
    try:
        import_template2(path)
        out[path] = ["accepted", time.perf_counter() - start]
    except ValueError as exc:
        out[path] = [str(exc), time.perf_counter() - start]
# VmHWM is this process's own peak; ru_maxrss after fork + exec keeps the forking pytest's high-water
# mark (over 1 GiB late in a full run), which once read as this reader's
try:
    kib = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")).split()[1])
except (OSError, StopIteration):
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out["peak_rss_mib"] = kib / 1024
print(json.dumps(out))
"""


def test_memory_stays_small(hostile):
    """All the hostile files in one fresh process: its peak memory stays far from the gigabytes
    the unguarded reader took (a generous bound that only catches a runaway)."""
    paths = [str(p) for p in hostile.values()]
    proc = subprocess.run([sys.executable, "-c", _DRIVER, *paths], capture_output=True, text=True,
                          cwd=REPO, timeout=HANG_GUARD_S * 6)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    peak = result.pop("peak_rss_mib")
    print(f"\npeak RSS over {len(paths)} hostile files: {peak:.0f} MiB; "
          + ", ".join(f"{Path(p).stem} {t:.2f} s" for p, (_, t) in result.items()))
    assert all(msg != "accepted" for msg, _ in result.values())
    assert peak < 1024
