"""The Python API's sweep: :func:`sweep` runs a sensitivity sweep and returns labelled DataFrames.

``finmodel.sweep(plan, scenario, n=..., seed=..., method=...)`` calls :func:`sweep` (the
:mod:`finmodel.sweep` subpackage is callable).  It wraps
:func:`finmodel.sweep.driver.run_sweep`, whose result holds its tables as dicts and lists
of dicts, and gives them as pandas objects with plain labels and a unit on every row:

* ``percentiles``: one row per output (``"Total shortfall, all years"``), its unit, the
  count of scenarios, mean, std, min, the spec's percentiles, max and the mean of the worst 5%;
* ``partners``: each risk-share partner's expected and 95th-percentile payment (£);
* ``risk``: the probabilities (or, for a grid, shares of grid points) and the risk figures in £;
* ``tornado``: each input at its low and high value, in the input's own unit, and the total
  shortfall at each (£), largest swing first.

The run itself (``result.tables()``, ``result.long()``) is on :class:`finmodel.engine.RunResult`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

#: Sweep output code names -> plain labels; ``{}`` takes the year or partner in brackets.
OUTPUT_LABELS = {
    "shortfall_total_gbp": "Total shortfall, all years",
    "shortfall_gbp": "Shortfall {}",
    "unfunded_gap_total_gbp": "Unfunded gap, all years",
    "contingency_used_total_gbp": "Contingency used, all years",
    "excess_over_contingency_gbp": "Shortfall above the contingency, all years",
    "partner_payment_total_gbp": "Paid by {}, all years",
    "p4p_released_gbp": "P4P money released",
}

#: Risk figures of a sweep: key -> (label, unit).  "probability" is a share of scenarios, 0 to 1.
RISK_LABELS = {
    "prob_shortfall_exceeds_contingency": ("Shortfall above the contingency", "probability"),
    "prob_shortfall_positive": ("Any shortfall", "probability"),
    "prob_unfunded_gap": ("An unfunded gap", "probability"),
    "expected_shortfall_worst_5pct_gbp": ("Mean total shortfall of the worst 5% of scenarios", "GBP"),
    "mean_shortfall_gbp": ("Mean total shortfall", "GBP"),
}

_BRACKETED = re.compile(r"^(?P<base>[^\[]+)\[(?P<key>.*)\]$")


def output_label(name: str) -> str:
    """A sweep output's plain label: ``partner_payment_total_gbp[NHS Luton CCG]`` -> ``Paid by NHS Luton CCG, all years``."""
    m = _BRACKETED.match(name)
    base, key = (m["base"], m["key"]) if m else (name, None)
    label = OUTPUT_LABELS.get(base)
    if label is None:
        return name
    return label.format(key) if key is not None else label


def output_unit(name: str) -> str:
    """Unit of a sweep output's statistics: every output is money in pounds today."""
    return "GBP" if "_gbp" in name else "ratio"


def input_unit(path: str, money_unit: str) -> str:
    """Unit of a swept input's values, as the plan file states them (the sweep's low/high are in it)."""
    leaf = path.rsplit(".", 1)[-1].split("[", 1)[0]
    if "demographic_growth_above_plan" in path:  # a money amount in the plan's own unit
        return "GBP000" if money_unit == "gbp_thousands" else "GBP"
    if leaf.endswith("_pct"):
        return "%"
    if leaf.endswith("_gbp"):
        return "GBP"
    if leaf.endswith("_months"):
        return "months"
    return "count"


@dataclass(frozen=True)
class SweepFrames:
    """A finished sweep as DataFrames; ``raw`` is the driver's :class:`~finmodel.sweep.driver.SweepResult`."""

    raw: Any
    la_code: str  # the HWB's ONS code
    percentiles: pd.DataFrame
    partners: pd.DataFrame
    risk: pd.DataFrame
    tornado: pd.DataFrame
    break_even: dict | None

    @property
    def method(self) -> str:
        return self.raw.method

    @property
    def n(self) -> int:
        return self.raw.n

    @property
    def seed(self) -> int:
        return self.raw.seed

    def to_dict(self) -> dict:
        """The JSON document ``finmodel sweep --json`` prints."""
        return self.raw.to_dict()

    def write(self, out_dir: str | Path, force: bool = False) -> Path:
        """Write summary.json, the CSVs and the charts into ``out_dir``, as ``finmodel sweep`` does."""
        return self.raw.write(out_dir, force=force)


def percentiles_frame(raw: Any) -> pd.DataFrame:
    """One row per output: plain label (index), code name, unit, count, mean, std, min, percentiles, max, worst-5% mean."""
    rows = []
    for row in raw.summary_rows():
        name = row["output"]
        rows.append({"output": output_label(name), "code": name, "unit": output_unit(name),
                     **{k: v for k, v in row.items() if k != "output"}})
    if not rows:  # a tornado run samples no distribution
        return pd.DataFrame(columns=["code", "unit"], index=pd.Index([], name="output"))
    return pd.DataFrame.from_records(rows).set_index("output")


def partners_frame(raw: Any) -> pd.DataFrame:
    """Each partner's expected and P95 total payment over all years, £."""
    partners = (raw.risk or {}).get("partners", {})
    df = pd.DataFrame.from_records(
        [{"partner": name, "expected_payment_gbp": p["expected_payment_gbp"], "p95_payment_gbp": p["p95_payment_gbp"]}
         for name, p in partners.items()], columns=["partner", "expected_payment_gbp", "p95_payment_gbp"])
    return df.set_index("partner")


def risk_frame(raw: Any) -> pd.DataFrame:
    """The sweep's risk figures, labelled; a grid's "probabilities" are shares of grid points and say so."""
    unit_words = {"probability": "share of grid points" if raw.method == "grid" else "probability"}
    rows = [{"figure": label, "code": key, "value": (raw.risk or {})[key], "unit": unit_words.get(unit, unit)}
            for key, (label, unit) in RISK_LABELS.items() if key in (raw.risk or {})]
    return pd.DataFrame.from_records(rows, columns=["figure", "code", "value", "unit"]).set_index("figure")


def tornado_frame(raw: Any, money_unit: str) -> pd.DataFrame:
    """One row per input (largest swing first): its unit, low / base / high value, the total shortfall at each (£) and the swing."""
    cols = ["input", "input_unit", "low_value", "base_value", "high_value",
            "shortfall_at_low_gbp", "shortfall_at_base_gbp", "shortfall_at_high_gbp", "swing_gbp"]
    rows = [{**row, "input_unit": input_unit(row["input"], money_unit)} for row in raw.tornado]
    return pd.DataFrame.from_records(rows, columns=cols).set_index("input")


def frames(raw: Any, money_unit: str = "gbp", la_code: str = "") -> SweepFrames:
    """The driver's result as :class:`SweepFrames` (``money_unit``: the plan file's, for the tornado's input units)."""
    return SweepFrames(raw=raw, la_code=la_code, percentiles=percentiles_frame(raw), partners=partners_frame(raw), risk=risk_frame(raw),
                       tornado=tornado_frame(raw, money_unit), break_even=raw.break_even)


def sweep(plan: str | Path | None = None, scenario: str = "luton-sensitivity", *, n: int = 10_000, seed: int = 0,
          method: str = "lhs", **options: Any) -> SweepFrames:
    """Run the sweep of ``scenario``'s ``[sweep]`` table on ``plan`` (default: the shipped Luton plan).

    ``method``: lhs, sobol, mc, grid or tornado; ``n`` scenarios; the same ``seed`` gives the
    same figures.  Other keywords (``chunk_size``, ``backend``, ``scheduler``, ``save_samples``,
    ``overwrite``, ``max_n``, ...) go to :func:`finmodel.sweep.driver.run_sweep`; errors are
    finmodel's own (:mod:`finmodel.errors`, :class:`~finmodel.plan.PlanError`, ...).
    """
    from finmodel.plan import read_toml
    from finmodel.sweep.driver import run_sweep

    raw = run_sweep(plan, scenario, method=method, n=n, seed=seed, **options)
    data = read_toml(Path(raw.plan_path))  # validated by the sweep already
    return frames(raw, data["money_unit"], data["hwb"]["ons_code"])
