"""Write a run's results to disk: CSV tables and summary.json, whole or not at all.

Everything goes into a temporary directory beside the target, which is renamed
into place only when every file is written; a failure leaves the previous outputs
(if any) untouched and no partial directory behind.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from finmodel.atomic import write_dir_atomically
from finmodel.csvsafe import neutralise_frame
from finmodel.engine import RunResult
from finmodel.jsonsafe import json_safe
from finmodel.output_paths import output_dir
from finmodel.report import tables, tidy

from finmodel.shipped import OUTPUTS_DIR  # ./outputs of the working folder  # noqa: E402


def _clean(value: Any) -> Any:
    """JSON-safe, £ rounded to the penny."""
    return json_safe(value, tables.PENNY)


def _table_json(df: pd.DataFrame) -> Any:
    if df.index.name is None or isinstance(df.index, pd.RangeIndex):
        return _clean(df.to_dict(orient="records"))
    return _clean({str(k): v for k, v in df.to_dict(orient="index").items()})


def metadata(result: RunResult) -> dict[str, Any]:
    return {
        "finmodel_version": result.version,
        "plan_file": result.plan_path,
        "la_code": result.la_code,
        "plan_sha256": result.plan_sha256,
        "plan_money_unit_in_file": result.plan.money_unit,
        "scenario": result.scenario.name,
        "scenario_description": result.scenario.description,
        "scenario_file": result.scenario.path,
        "scenario_overrides": result.scenario.overrides,
        "created_utc": result.created_utc,
        "units": "pounds sterling (£), rounded to the penny; percentages as %",
    }


def summary_dict(result: RunResult, all_tables: dict[str, pd.DataFrame] | None = None) -> dict[str, Any]:
    """One JSON-ready document with every figure of the run (``all_tables``: already built, if at hand)."""
    doc: dict[str, Any] = {"metadata": metadata(result), "hwb": result.plan.hwb.name, "la_code": result.la_code,
                           "years": list(result.plan.years)}
    doc["checks"] = [{"check": c.key, "question": c.question, "rag": c.rag, "reason": c.reason} for c in result.checks]
    doc["warnings"] = list(result.warnings)
    for name, df in (all_tables if all_tables is not None else tables.all_tables(result)).items():
        if name == "qipp_monthly":
            doc[name] = _clean(df.to_dict(orient="records"))
        else:
            doc[name] = _table_json(df)
    if result.plan.p4p is not None:
        doc["p4p"] = _clean(tables.p4p_summary(result))
    return doc


def default_run_dir(result: RunResult) -> Path:
    """outputs/<plan>/<scenario>/, each name made a safe folder name, always under outputs/."""
    return output_dir(OUTPUTS_DIR, result.plan_name, result.scenario.name)


def write_run(result: RunResult, out_dir: Path | None = None,
              extra: Callable[[Path], None] | None = None, force: bool = False, parquet: bool | None = None) -> Path:
    """Write the run's CSV tables, the long table (tidy.csv, tidy.parquet) and summary.json to ``out_dir``
    (default outputs/<plan>/<scenario>/).

    ``parquet``: None writes tidy.parquet when pyarrow is importable, True requires it (exit 4
    without it, nothing written), False leaves it out.  Replaces ``out_dir`` only if finmodel
    wrote it (or ``force``); see :mod:`finmodel.atomic`.
    """
    if parquet:
        tidy.require_parquet()  # before anything is written
    target = Path(out_dir) if out_dir is not None else default_run_dir(result)

    def fill(tmp: Path) -> None:
        built = tables.all_tables(result)
        for name, df in built.items():
            safe = neutralise_frame(df.round(tables.PENNY))  # plan text never runs as a spreadsheet formula
            safe.to_csv(tmp / f"{name}.csv", index=not isinstance(df.index, pd.RangeIndex))
        tidy.write_long(tidy.long_table(result, built), tmp, parquet=parquet)
        (tmp / "summary.json").write_text(json.dumps(summary_dict(result, built), indent=2, allow_nan=False), "utf-8")
        if extra is not None:
            extra(tmp)

    return write_dir_atomically(target, fill, force=force)
