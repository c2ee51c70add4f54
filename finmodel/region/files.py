"""What `finmodel region` writes, whole or not at all, under ``outputs/regions/<region>/``.

* ``overall_risk.csv``, ``national_conditions.csv``, ``overall_assessment.csv``: the
  regional summary's three tables in its layout; ``counts.csv``: the counts per column;
* ``assurance.csv`` and ``finance.csv`` (and ``.parquet`` when pyarrow is importable):
  long format, the LA code on every row (``REGION`` on the regional totals);
* ``finance_by_board.csv``: the roll-up one row per board, a Total row last;
* ``stress.csv`` (with ``--stress``): the regional stress test per board and for the region;
* ``region.xlsx``: the workbook (:mod:`finmodel.region.workbook`);
* ``summary.json``: status ``COMPLETE`` or ``INCOMPLETE``, each board's errors, notes and
  missing figures, the findings, the totals, the finmodel version and the region file's sha256.

CSV cells go through :mod:`finmodel.csvsafe`; the folder through
:func:`finmodel.atomic.write_dir_atomically`.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from finmodel import __version__
from finmodel.atomic import write_dir_atomically
from finmodel.csvsafe import neutralise_frame
from finmodel.jsonsafe import json_safe
from finmodel.plan import file_sha256
from finmodel.region import tables as T
from finmodel.region.rollup import RegionResult, totals
from finmodel.region.workbook import write_region_workbook

WORKBOOK_NAME = "region.xlsx"


def status(result: RegionResult) -> str:
    return "INCOMPLETE" if result.incomplete else "COMPLETE"


def summary_dict(result: RegionResult, seed_tables: dict, stress: dict | None = None) -> dict:
    """The JSON document of a region run (money in £ to the penny)."""
    reg = result.loaded.region
    return json_safe({
        "metadata": {"finmodel_version": __version__, "region_file": str(result.loaded.path),
                     "region_sha256": file_sha256(result.loaded.path),
                     "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                     "units": "pounds sterling (£), rounded to the penny"},
        "region": reg.name, "source": reg.source, "synthetic": reg.synthetic, "note": reg.note,
        "status": status(result),
        "incomplete_boards": [{"la_code": b.la_code, "hwb": b.name, "errors": b.errors} for b in result.boards if not b.ok],
        "scenarios": result.scenarios,
        "boards": [{"la_code": b.la_code, "hwb": b.name, "plan": b.board.plan, "record": b.board.record,
                    "ok": b.ok, "errors": b.errors, "notes": b.record.notes if b.record else [],
                    "missing_finance": b.missing, "scenarios_not_applicable": b.not_applicable} for b in result.boards],
        "findings": T.findings(result, seed_tables),
        "missing_finance": T.missing_finance(result),
        "counts": T.column_counts(seed_tables).to_dict(orient="records"),
        "totals": [{**asdict(t), "boards_without": list(t.boards_without)} for t in totals(result)],
        "stress": stress,
    }, 2)


def about_lines(result: RegionResult, summary: dict) -> list[str]:
    reg = result.loaded.region
    lines = [f"Region: {reg.name}", f"Status: {summary['status']}", f"Source: {reg.source}"]
    if reg.synthetic:
        lines.append("SYNTHETIC: these boards are generated, not real plans.")
    if reg.note:
        lines.append(f"Note: {reg.note}")
    lines += [f"Board not produced in full: {b.name} ({b.la_code}): {' '.join(b.errors)}" for b in result.boards if not b.ok]
    lines += [f"finmodel {__version__}; region file {result.loaded.path} sha256 {summary['metadata']['region_sha256']}; "
              f"written {summary['metadata']['created_utc']}", "Money in £, to the penny."]
    return lines


def _write_frame(df: pd.DataFrame, folder: Path, stem: str, parquet: bool = False) -> None:
    neutralise_frame(df).to_csv(folder / f"{stem}.csv", index=False)
    if parquet and importlib.util.find_spec("pyarrow") is not None:
        df.to_parquet(folder / f"{stem}.parquet", index=False)


def write_region(result: RegionResult, target: Path, force: bool = False, stress_frame: pd.DataFrame | None = None,
                 stress: dict | None = None) -> tuple[Path, dict]:
    """Write every file of the region run into ``target`` (replaced only if finmodel wrote it)."""
    seed = T.seed_tables(result)
    summary = summary_dict(result, seed, stress)
    finance_wide = T.finance_wide(result)

    def fill(tmp: Path) -> None:
        for name, df in seed.items():
            _write_frame(df, tmp, name)
        _write_frame(T.column_counts(seed), tmp, "counts")
        _write_frame(T.assurance_long(result), tmp, "assurance", parquet=True)
        _write_frame(T.finance_long(result), tmp, "finance", parquet=True)
        _write_frame(finance_wide.round(2), tmp, "finance_by_board")
        if stress_frame is not None:
            _write_frame(stress_frame, tmp, "stress", parquet=True)
        write_region_workbook(tmp / WORKBOOK_NAME, seed, T.TABLE_TITLES, finance_wide,
                              summary["findings"] + summary["missing_finance"], about_lines(result, summary))
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=False), "utf-8")

    return write_dir_atomically(target, fill, force=force), summary
