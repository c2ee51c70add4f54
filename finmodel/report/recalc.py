"""Recalculate .xlsx files in headless LibreOffice and check the cached values.

Used by tests: xlsxwriter stores the engine's results as the cached values of
formula cells; :func:`recalculate` makes LibreOffice compute every formula
afresh and :func:`compare_recalculated` reports where the two disagree or
where a formula evaluates to an error.

LibreOffice keeps the cached values of an .xlsx unless told otherwise, so
each run uses a throw-away user profile whose ``registrymodifications.xcu``
sets ``OOXMLRecalcMode`` (and ``ODFRecalcMode``) to 0, "always recalculate".
"""

from __future__ import annotations

import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = [
    "RecalcError",
    "cell_values",
    "compare_recalculated",
    "formula_cells",
    "recalculate",
    "recalculate_many",
    "soffice_path",
]

DEFAULT_TIMEOUT = 180.0

CellKey = tuple[str, str]  # (sheet name, A1 coordinate)

_RECALC_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""

# Excel error literals, plus LibreOffice's own "Err:502"-style codes.
_ERROR_TEXT = re.compile(
    r"^(#NULL!|#DIV/0!|#VALUE!|#REF!|#NAME\?|#NUM!|#N/A|#GETTING_DATA|#SPILL!|#CALC!"
    r"|Err:\d{3})$"
)


class RecalcError(RuntimeError):
    """LibreOffice could not be run or did not produce the expected output."""


def soffice_path() -> str | None:
    """Path of the LibreOffice binary (``$FINMODEL_SOFFICE``, ``soffice`` or
    ``libreoffice`` on PATH, or the macOS app bundle), or None."""
    override = os.environ.get("FINMODEL_SOFFICE")
    if override:
        return override if Path(override).is_file() else shutil.which(override)
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    mac = Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")
    return str(mac) if mac.is_file() else None


def _write_recalc_profile(profile_dir: Path) -> Path:
    """Write a LibreOffice user profile that always recalculates on load."""
    user = profile_dir / "user"
    user.mkdir(parents=True, exist_ok=True)
    xcu = user / "registrymodifications.xcu"
    xcu.write_text(_RECALC_XCU, encoding="utf-8")
    return xcu


def recalculate(
    xlsx_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Recalculate ``xlsx_path`` in LibreOffice; return the new .xlsx in ``out_dir``."""
    return recalculate_many([xlsx_path], out_dir, timeout=timeout)[0]


def recalculate_many(
    xlsx_paths: Iterable[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    timeout: float = DEFAULT_TIMEOUT,
) -> list[Path]:
    """Recalculate several workbooks with a single LibreOffice start.

    Outputs keep the input file names, so the names must be distinct and
    ``out_dir`` must not be an input's directory. Raises :class:`RecalcError`
    if LibreOffice is missing, fails, times out or writes no output.
    """
    inputs = [Path(p).resolve() for p in xlsx_paths]
    if not inputs:
        return []
    out = Path(out_dir).resolve()
    for src in inputs:
        if not src.is_file():
            raise FileNotFoundError(src)
        if src.parent == out:
            raise ValueError(f"out_dir must differ from the input's directory: {src}")
    names = [src.stem for src in inputs]
    if len(set(names)) != len(names):
        raise ValueError("input workbooks must have distinct file names")

    soffice = soffice_path()
    if soffice is None:
        raise RecalcError(
            "LibreOffice not found (install it, e.g. apt-get install libreoffice-calc-nogui)"
        )
    out.mkdir(parents=True, exist_ok=True)
    expected = [out / f"{src.stem}.xlsx" for src in inputs]
    for path in expected:  # never mistake a stale file for fresh output
        path.unlink(missing_ok=True)

    with tempfile.TemporaryDirectory(prefix="finmodel-lo-") as tmp:
        profile = Path(tmp) / "profile"
        _write_recalc_profile(profile)
        cmd = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless", "--invisible", "--norestore", "--nolockcheck",
            "--nodefault", "--nologo",
            "--convert-to", "xlsx:Calc MS Excel 2007 XML",
            "--outdir", str(out),
            *map(str, inputs),
        ]
        env = {**os.environ, "HOME": tmp}  # keep LibreOffice off the real home
        code, stdout, stderr = _run(cmd, env, timeout)

    missing = [p for p in expected if not p.is_file()]
    if code != 0 or missing:
        raise RecalcError(
            f"LibreOffice conversion failed (exit {code}); missing outputs: "
            f"{[str(p) for p in missing]}\ncommand: {' '.join(cmd)}\n"
            f"stdout: {stdout.strip()}\nstderr: {stderr.strip()}"
        )
    return expected


def _run(cmd: list[str], env: dict[str, str], timeout: float) -> tuple[int, str, str]:
    """Run ``cmd`` in its own process group; kill the whole group on timeout."""
    posix = os.name == "posix"
    try:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
            env=env, text=True, start_new_session=posix,
        )
    except OSError as exc:
        raise RecalcError(f"could not start LibreOffice: {exc}") from exc
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        if posix:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        else:
            proc.kill()
        proc.communicate()
        raise RecalcError(f"LibreOffice timed out after {timeout:g} s: {' '.join(cmd)}") from None
    return proc.returncode, stdout, stderr


# --------------------------------------------------------------------------
# Reading and comparing
# --------------------------------------------------------------------------


def _load(path: str | os.PathLike[str], data_only: bool) -> Any:
    from openpyxl import load_workbook  # imported lazily: only tests need it

    return load_workbook(path, data_only=data_only, read_only=False)


def formula_cells(xlsx_path: str | os.PathLike[str]) -> dict[CellKey, str]:
    """Every formula cell: ``{(sheet, "C5"): "=A1*B1"}``."""
    wb = _load(xlsx_path, data_only=False)
    try:
        found: dict[CellKey, str] = {}
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        value = cell.value
                        text = getattr(value, "text", value)  # ArrayFormula
                        found[(ws.title, cell.coordinate)] = str(text)
        return found
    finally:
        wb.close()


def _typed_values(xlsx_path: str | os.PathLike[str]) -> dict[CellKey, tuple[Any, str]]:
    wb = _load(xlsx_path, data_only=True)
    try:
        return {
            (ws.title, cell.coordinate): (cell.value, cell.data_type)
            for ws in wb.worksheets
            for row in ws.iter_rows()
            for cell in row
            if cell.value is not None
        }
    finally:
        wb.close()


def cell_values(xlsx_path: str | os.PathLike[str]) -> dict[CellKey, Any]:
    """Every non-empty cell's value; formula cells give their cached result."""
    return {key: value for key, (value, _) in _typed_values(xlsx_path).items()}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _same(cached: Any, fresh: Any, tol: float) -> bool:
    if cached in (None, "") and fresh in (None, ""):
        return True
    if isinstance(cached, bool) or isinstance(fresh, bool):
        # LibreOffice may write a boolean result as 0/1.
        if isinstance(cached, (bool, int, float)) and isinstance(fresh, (bool, int, float)):
            return float(cached) == float(fresh)
        return False
    if _is_number(cached) and _is_number(fresh):
        if math.isnan(cached) or math.isnan(fresh):
            return False
        return abs(cached - fresh) <= tol
    return type(cached) is type(fresh) and cached == fresh


def compare_recalculated(
    original_xlsx: str | os.PathLike[str],
    recalculated_xlsx: str | os.PathLike[str],
    tol: float = 0.01,
) -> list[str]:
    """Differences between cached values and LibreOffice's recalculation.

    For each formula cell of the original, the recalculated value must equal
    the cached one (numbers within the absolute ``tol``, anything else
    exactly); and no cell of the recalculated file may be an Excel error. An
    empty list means the workbook passed.
    """
    formulas = formula_cells(original_xlsx)
    cached = _typed_values(original_xlsx)
    fresh = _typed_values(recalculated_xlsx)
    problems: list[str] = []

    for key in sorted(formulas, key=_sort_key):
        sheet, coord = key
        before = cached.get(key, (None, "n"))[0]
        after = fresh.get(key, (None, "n"))[0]
        if not _same(before, after, tol):
            problems.append(
                f"{sheet}!{coord} {formulas[key]}: cached {before!r}, recalculated {after!r}"
            )

    for key in sorted(fresh, key=_sort_key):
        value, data_type = fresh[key]
        is_error = data_type == "e" or (
            key in formulas and isinstance(value, str) and bool(_ERROR_TEXT.match(value))
        )
        if is_error:
            where = f"{key[0]}!{key[1]}"
            formula = f" {formulas[key]}" if key in formulas else ""
            problems.append(f"{where}{formula}: error value {value!r} after recalculation")
    return problems


def _sort_key(key: CellKey) -> tuple[str, int, str]:
    sheet, coord = key
    match = re.match(r"([A-Z]+)(\d+)", coord)
    if not match:
        return (sheet, 0, coord)
    letters, digits = match.groups()
    return (sheet, int(digits), f"{len(letters)}{letters}")
