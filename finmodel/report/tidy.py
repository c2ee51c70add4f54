"""Tidy data: every figure of a run's tables in one long table, one figure a row.

Columns (:data:`COLUMNS`): ``la_code`` (the HWB's ONS code, so rows from several plans
can be stacked), ``plan`` (the plan file's stem), ``scenario``, ``table`` (the stem of
the wide CSV the figure comes from), ``item`` (the row of that table, and for a table
with several figures per row the figure after ": ", e.g. ``"S01 Reablement: spend"``),
``year`` (a financial year such as ``"2015/16"``; :data:`ALL_YEARS` for a total over the
modelled years; empty for a figure that is not by year, such as a metric's baseline),
``value`` (a float) and ``unit`` (one of :data:`UNITS`).

The long table holds exactly the numeric cells of the wide tables, total rows and
columns included (a row ``item = "Total pool"`` sits beside the streams it adds up, so
filter it out before summing).  Tables that hold only text (``checks``,
``assumptions``) and the text columns of ``schemes`` and ``metrics`` stay in their own
CSVs.  Money is in pounds; the files round it to the penny (:func:`rounded`), the
DataFrame returned by :func:`long_table` keeps every digit, as the wide tables do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from finmodel.csvsafe import neutralise_frame
from finmodel.errors import EnvironmentFailure

if TYPE_CHECKING:
    from finmodel.engine import RunResult

COLUMNS = ["la_code", "plan", "scenario", "table", "item", "year", "value", "unit"]
#: Units of the ``unit`` column: pounds, thousands of pounds, percent, a count, a rate or ratio.
UNITS = ("GBP", "GBP000", "%", "count", "ratio")
#: ``year`` of a figure that totals every modelled year (the ``Total`` column of risk_share).
ALL_YEARS = "all years"
#: File names written beside the wide CSVs.
CSV_NAME, PARQUET_NAME = "tidy.csv", "tidy.parquet"
PENNY = 2  # decimal places of £ in the files (as the wide CSVs)

Row = tuple[str, str | None, float, str]  # item, year, value, unit


def unit_of_label(label: str) -> str:
    """The unit a wide table's row or column label states; money (GBP) unless it says otherwise."""
    if "(%" in label or label.endswith("_pct") or label.endswith("%)"):
        return "%"
    if "(count)" in label or label.endswith("_count"):
        return "count"
    return "GBP"


def metric_unit(unit: str) -> str:
    """A plan metric's own unit ("%", "per 100,000", "days") as one of :data:`UNITS`."""
    text = unit.strip().lower()
    if text in ("%", "percent", "pct") or text.endswith("%"):
        return "%"
    if "per " in text or "/" in text or "rate" in text or "ratio" in text:
        return "ratio"
    return "count"


def _figure(value: object) -> float | None:
    """A numeric cell as float; None for text, booleans and empty cells (they are not figures)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)  # numpy scalars too
    except (TypeError, ValueError):
        return None


def _by_year(df: pd.DataFrame, years: list[str]) -> Iterator[Row]:
    """A table with one row per item and one column per year (and maybe a ``Total`` column)."""
    for label, row in df.iterrows():
        unit = unit_of_label(str(label))
        for col, value in row.items():
            year = str(col) if str(col) in years else ALL_YEARS
            yield str(label), year, float(value), unit


def _columns(df: pd.DataFrame) -> dict[str, list]:
    """Each column as a plain list (much faster than ``to_dict(orient="records")`` for a few hundred rows)."""
    return {str(c): df[c].tolist() for c in df.columns}


def _schemes(df: pd.DataFrame, years: list[str]) -> Iterator[Row]:
    """Scheme spend and benefits per year (£) and the NHS share of the scheme (%, not by year)."""
    cols = _columns(df)
    for j in range(len(df)):
        name = f"{cols['id'][j]} {cols['name'][j]}"
        yield f"{name}: NHS share", None, float(cols["nhs_share_pct"][j]), "%"
        for what in ("spend", "benefits"):
            for y in years:
                yield f"{name}: {what}", y, float(cols[f"{what} {y}"][j]), "GBP"


def _metrics(df: pd.DataFrame) -> Iterator[Row]:
    cols = _columns(df)
    for j in range(len(df)):
        metric, unit = cols["metric"][j], metric_unit(str(cols["unit"][j]))
        for what in ("baseline", "target", "actual"):
            yield f"{metric}: {what}", None, float(cols[what][j]), unit
        yield f"{metric}: achievement", None, float(cols["achievement_pct"][j]), "%"


def _records(df: pd.DataFrame, label: Callable[[dict], str], year: str, measures: dict[str, str]) -> Iterator[Row]:
    """A record table: ``label(row)`` names the row, column ``year`` holds its year; ``measures`` maps
    each numeric column (£) to the words used in ``item``."""
    cols = _columns(df)
    for j in range(len(df)):
        row = {k: v[j] for k, v in cols.items()}
        for col, words in measures.items():
            yield f"{label(row)}: {words}", row[year], float(row[col]), "GBP"


def _p4p_quarters(df: pd.DataFrame, p4p_year: str) -> Iterator[Row]:
    """Admissions per quarter (count) and the P4P money released (£), in the P4P year."""
    for quarter, row in df.iterrows():
        for col, value in row.items():
            yield f"{quarter}: {col}", p4p_year, float(value), "GBP" if "£" in str(col) else "count"


def _generic(df: pd.DataFrame) -> Iterator[Row]:
    """A table this module does not know: every numeric cell, by row and column, unit from the label."""
    for label, row in df.iterrows():
        for col, value in row.items():
            v = _figure(value)
            if v is not None:
                yield f"{label}: {col}", None, v, unit_of_label(str(col))


def _rows(name: str, df: pd.DataFrame, result: RunResult) -> Iterator[Row]:
    years = list(result.plan.years)
    if name in ("checks", "assumptions"):
        return iter(())  # text only
    if name == "schemes":
        return _schemes(df, years)
    if name == "metrics":
        return _metrics(df)
    if name == "overlaps":
        return _records(df, lambda r: r["activity"], "year",
                        {"qipp_gbp": "QIPP", "scheme_benefits_gbp": "scheme benefits", "overlap_gbp": "overlap",
                         "counted_once_gbp": "counted once"})
    if name == "qipp_monthly":
        return _records(df, lambda r: f"{r['cohort']}, {r['month']}", "financial_year",
                        {"ea_gbp": "emergency admissions", "ae_gbp": "A&E attendances",
                         "outpatients_gbp": "outpatient appointments", "total_gbp": "total"})
    if name == "p4p_by_quarter":
        return _p4p_quarters(df, years[result.inputs.p4p_year])
    if len(df.columns) and all(str(c) in years or str(c) == "Total" for c in df.columns):
        return _by_year(df, years)
    return _generic(df)


def long_table(result: RunResult, built: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Every numeric cell of the run's tables (``built``: :func:`~finmodel.report.tables.all_tables`, if at hand)."""
    if built is None:
        from finmodel.report.tables import all_tables

        built = all_tables(result)
    la_code, plan, scenario = result.plan.hwb.ons_code, result.plan_name, result.scenario.name
    records = [(la_code, plan, scenario, name, item, year, value, unit)
               for name, df in built.items() for item, year, value, unit in _rows(name, df, result)]
    out = pd.DataFrame.from_records(records, columns=COLUMNS)
    out["value"] = out["value"].astype("float64")
    return out


def rounded(long: pd.DataFrame) -> pd.DataFrame:
    """Money (GBP) to the penny; percentages, counts and ratios keep every digit."""
    out = long.copy()
    money = out["unit"] == "GBP"
    out.loc[money, "value"] = out.loc[money, "value"].round(PENNY)
    return out


def parquet_available() -> bool:
    """True when pyarrow's Parquet writer can be imported (the ``finmodel[parquet]`` extra)."""
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def require_parquet(what: str = "--parquet") -> None:
    """Raise :class:`~finmodel.errors.EnvironmentFailure` (exit 4) when Parquet was asked for but pyarrow is missing."""
    if not parquet_available():
        raise EnvironmentFailure(f"{what}: Parquet needs pyarrow, which is not installed here; "
                                 "pip install 'finmodel[parquet]', or leave out --parquet (the long table is "
                                 f"always written as {CSV_NAME})")


def write_long(long: pd.DataFrame, folder: Path, parquet: bool | None = None) -> list[Path]:
    """Write ``tidy.csv`` (and ``tidy.parquet``) into ``folder``; money to the penny in both.

    ``parquet``: None writes Parquet when pyarrow is importable; True requires it (exit 4
    without it, before anything is written); False writes CSV only.  Text cells a
    spreadsheet would run as a formula get a leading ``'`` in the CSV
    (:mod:`finmodel.csvsafe`); the Parquet file, read by programs, keeps the text as it is.
    """
    if parquet:
        require_parquet()
    data = rounded(long)
    written = [folder / CSV_NAME]
    neutralise_frame(data).to_csv(written[0], index=False)
    if parquet or (parquet is None and parquet_available()):
        written.append(folder / PARQUET_NAME)
        data.to_parquet(written[1], index=False, engine="pyarrow")
    return written

