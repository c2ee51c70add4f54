"""The sensitivity-sweep driver: a scenario file's ``[sweep]`` table -> summaries, tables, charts.

A scenario's ``[sweep]`` table::

    [sweep]
    percentiles = [5, 50, 95]
    [sweep.inputs]
    "outturn.nel_admissions_change_pct" = { dist = "triangular", low = -4.2, mode = -1.0, high = 4.9 }
    "outturn.savings_delivery_pct"      = { dist = "pert", low = 30, mode = 80, high = 110 }
    [[sweep.correlations]]
    a = "outturn.nel_admissions_change_pct"
    b = "outturn.savings_delivery_pct"
    rank_corr = -0.4
    [sweep.break_even]
    input = "outturn.nel_admissions_change_pct"
    output = "shortfall_total"      # default
    low = -10.0
    high = 10.0

Inputs are plan paths (see :mod:`finmodel.sweep.inputs_map`) in plan units.
:func:`run_sweep` applies the scenario's ``[set]`` overrides first (the base of
the sweep), then streams chunks of unit samples -> ppf -> (rank correlation) ->
:class:`ModelInputs` -> :func:`finmodel.model.evaluate` -> mergeable summaries,
so memory is bounded by the chunk size whatever ``n``.

Outputs summarised per scenario (all £): ``shortfall_total_gbp`` (all years),
``shortfall_gbp[YEAR]``, ``unfunded_gap_total_gbp``, ``contingency_used_total_gbp``,
``excess_over_contingency_gbp`` (total shortfall minus total contingency; > 0
means the contingency is exhausted and the partners pay), one
``partner_payment_total_gbp[NAME]`` per partner and ``p4p_released_gbp``.

Risk figures: P(shortfall > contingency) (exact count), expected shortfall (mean
of the worst 5% of total shortfalls), each partner's expected and P95 payment.

Break-even outputs: ``shortfall_total`` (default: the value of the input at
which the pool's total shortfall over all years is zero, i.e. neither short nor
in underspend), ``excess_over_contingency`` (the contingency is exactly used up)
and ``unfunded_gap_total`` (first pound unfunded; often flat at 0, then no root).
"""

from __future__ import annotations

import csv
import json
import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from finmodel import __version__
from finmodel.arrays import model_inputs
from finmodel.atomic import write_dir_atomically
from finmodel.jsonsafe import json_safe
from finmodel.model import evaluate
from finmodel.plan import Plan, file_sha256, read_toml
from finmodel.scenario import Scenario, apply_overrides, apply_scenario, load_scenario
from finmodel.sweep.backends import BACKENDS, SweepContext, outputs_of, run_dask, run_local
from finmodel.sweep.correlation import correlation_matrix_from_pairs
from finmodel.sweep.distributions import Discrete, Distribution, distribution_from_dict
from finmodel.sweep.inputs_map import (
    InputTarget,
    SweepInputError,
    apply_samples,
    base_values,
    resolve,
)
from finmodel.sweep.samplers import DEFAULT_BLOCK_SIZE, METHODS, tornado_samples, unit_samples_block
from finmodel.sweep.summaries import MultiSummary

__all__ = [
    "SweepSpecError",
    "BreakEvenSpec",
    "SweepSpec",
    "SweepResult",
    "run_sweep",
    "tornado",
    "break_even",
    "BREAK_EVEN_OUTPUTS",
    "DEFAULT_CHUNK_SIZE",
]

DEFAULT_CHUNK_SIZE = 2**16
#: break-even output name -> per-scenario output it reads
BREAK_EVEN_OUTPUTS = {
    "shortfall_total": "shortfall_total_gbp",
    "excess_over_contingency": "excess_over_contingency_gbp",
    "unfunded_gap_total": "unfunded_gap_total_gbp",
}
DEFAULT_BREAK_EVEN_OUTPUT = "shortfall_total"


class SweepSpecError(ValueError):
    """A ``[sweep]`` table that cannot be used; names the file, the key and the value."""


# --------------------------------------------------------------------------- spec


@dataclass(frozen=True)
class BreakEvenSpec:
    input: str
    output: str = DEFAULT_BREAK_EVEN_OUTPUT
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class SweepSpec:
    """A parsed, validated ``[sweep]`` table."""

    inputs: dict[str, Distribution]
    correlations: dict[tuple[str, str], float] = field(default_factory=dict)
    percentiles: tuple[float, ...] = (5.0, 50.0, 95.0)
    break_even: BreakEvenSpec | None = None
    source: str = "<sweep>"

    @property
    def names(self) -> list[str]:
        return list(self.inputs)

    def correlation_matrix(self) -> np.ndarray | None:
        if not self.correlations:
            return None
        return correlation_matrix_from_pairs(self.names, self.correlations)

    @classmethod
    def from_scenario(cls, scenario: Scenario, plan: Plan | None = None) -> "SweepSpec":
        if not scenario.sweep:
            raise SweepSpecError(f"Scenario {scenario.name!r} ({scenario.path}) has no [sweep] table to run.")
        return cls.from_dict(scenario.sweep, where=f"scenario {scenario.name!r} ({scenario.path})", plan=plan)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "<sweep>", plan: Plan | None = None) -> "SweepSpec":
        def err(key: str, value: Any, why: str) -> SweepSpecError:
            return SweepSpecError(f"{where}: [sweep] {key} = {value!r}: {why}")

        if not isinstance(data, Mapping):
            raise err("(table)", data, "must be a table")
        allowed = {"inputs", "correlations", "percentiles", "break_even"}
        for key in data:
            if key not in allowed:
                raise err(key, data[key], f"unknown key (allowed: {', '.join(sorted(allowed))})")
        raw_inputs = data.get("inputs")
        if not isinstance(raw_inputs, Mapping) or not raw_inputs:
            raise err("inputs", raw_inputs, 'needs a table of "<plan path>" = { dist = ..., ... }')
        inputs: dict[str, Distribution] = {}
        for path, spec in raw_inputs.items():
            key = f'inputs."{path}"'
            try:
                target = resolve(path, plan)
            except SweepInputError as exc:
                raise SweepSpecError(f"{where}: [sweep] {key}: {exc}") from None
            try:
                dist = distribution_from_dict(spec)
            except ValueError as exc:
                raise err(key, spec, str(exc)) from None
            lo, hi = dist.support()
            tlo, thi = target.bounds
            if lo < tlo or hi > thi:
                raise err(key, spec, f"values range over [{lo:g}, {hi:g}] but the plan accepts [{tlo:g}, {thi:g}]")
            inputs[path] = dist
        correlations: dict[tuple[str, str], float] = {}
        raw_corr = data.get("correlations", [])
        if not isinstance(raw_corr, list):
            raise err("correlations", raw_corr, "must be a list of { a = <path>, b = <path>, rank_corr = r }")
        for i, item in enumerate(raw_corr):
            key = f"correlations[{i}]"
            if not isinstance(item, Mapping) or set(item) != {"a", "b", "rank_corr"}:
                raise err(key, item, "must be { a = <path>, b = <path>, rank_corr = r }")
            a, b, r = item["a"], item["b"], item["rank_corr"]
            for k, name in (("a", a), ("b", b)):
                if name not in inputs:
                    raise err(f"{key}.{k}", name, f"not one of the swept inputs ({', '.join(inputs)})")
            if a == b:
                raise err(key, item, "a and b must be different inputs")
            if isinstance(r, bool) or not isinstance(r, (int, float)) or not -1.0 < float(r) < 1.0:
                raise err(f"{key}.rank_corr", r, "must be a number strictly between -1 and 1")
            correlations[(a, b)] = float(r)
        if correlations:
            try:
                correlation_matrix_from_pairs(list(inputs), correlations)
            except ValueError as exc:
                raise err("correlations", raw_corr, str(exc)) from None
        raw_p = data.get("percentiles", [5, 50, 95])
        if (
            not isinstance(raw_p, list)
            or not raw_p
            or any(isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 100 for p in raw_p)
        ):
            raise err("percentiles", raw_p, "must be a non-empty list of numbers in 0..100")
        be = None
        raw_be = data.get("break_even")
        if raw_be is not None:
            if not isinstance(raw_be, Mapping) or "input" not in raw_be:
                raise err("break_even", raw_be, "must be { input = <path>, output = ..., low = .., high = .. }")
            extra = set(raw_be) - {"input", "output", "low", "high"}
            if extra:
                raise err(f"break_even.{sorted(extra)[0]}", raw_be[sorted(extra)[0]], "unknown key (allowed: input, output, low, high)")
            try:
                target = resolve(raw_be["input"], plan)
            except SweepInputError as exc:
                raise SweepSpecError(f"{where}: [sweep] break_even.input: {exc}") from None
            if target.integer:
                raise err("break_even.input", raw_be["input"], "whole-month inputs have no continuous break-even")
            output = raw_be.get("output", DEFAULT_BREAK_EVEN_OUTPUT)
            if output not in BREAK_EVEN_OUTPUTS:
                raise err("break_even.output", output, f"expected one of {', '.join(BREAK_EVEN_OUTPUTS)}")
            low, high = raw_be.get("low"), raw_be.get("high")
            for k, v in (("low", low), ("high", high)):
                if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                    raise err(f"break_even.{k}", v, "must be a number")
            if low is None or high is None:
                dist = inputs.get(raw_be["input"])
                if dist is None:
                    raise err("break_even", raw_be, "give low and high (the input is not swept, so there is no range)")
                low = dist.support()[0] if low is None else low
                high = dist.support()[1] if high is None else high
            if not float(low) < float(high):
                raise err("break_even", raw_be, "need low < high")
            be = BreakEvenSpec(raw_be["input"], output, float(low), float(high))
        return cls(inputs=inputs, correlations=correlations, percentiles=tuple(float(p) for p in raw_p), break_even=be, source=where)

    def to_dict(self) -> dict:
        out: dict[str, Any] = {
            "inputs": {k: v.to_dict() for k, v in self.inputs.items()},
            "correlations": [{"a": a, "b": b, "rank_corr": r} for (a, b), r in self.correlations.items()],
            "percentiles": list(self.percentiles),
        }
        if self.break_even is not None:
            out["break_even"] = vars(self.break_even).copy() if hasattr(self.break_even, "__dict__") else {
                "input": self.break_even.input, "output": self.break_even.output,
                "low": self.break_even.low, "high": self.break_even.high,
            }
        return out


# --------------------------------------------------------------------------- base


@dataclass(frozen=True)
class _Base:
    plan: Plan
    plan_path: Path
    plan_data: dict
    scenario: Scenario
    spec: SweepSpec
    targets: dict[str, InputTarget]


def _load(plan_path, scenario, spec: SweepSpec | None = None) -> _Base:
    from finmodel.engine import DEFAULT_PLAN

    path = Path(plan_path) if plan_path is not None else DEFAULT_PLAN
    scen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    raw = read_toml(path)
    plan = apply_scenario(raw, path, scen)
    data = apply_overrides(raw, scen.overrides, where=f"scenario {scen.name!r} ({scen.path})") if scen.overrides else raw
    spec = spec if spec is not None else SweepSpec.from_scenario(scen, plan)
    targets = {p: resolve(p, plan) for p in spec.names}
    return _Base(plan, path, data, scen, spec, targets)


def _single(base: _Base, values: Mapping[str, float]) -> dict[str, np.ndarray]:
    """Outputs of a handful of scenarios with the given input values (vectorised core, no sampling)."""
    arrays = {k: np.atleast_1d(np.asarray(v, dtype=np.float64)) for k, v in values.items()}
    targets = {k: base.targets.get(k) or resolve(k, base.plan) for k in arrays}
    inputs = apply_samples(model_inputs(base.plan), base.plan, arrays, targets)
    out = evaluate(inputs, len(base.plan.years))
    return outputs_of(out, base.plan.years, [p.name for p in base.plan.partners])


# --------------------------------------------------------------------------- tornado / break-even


def tornado(base: _Base, tornado_quantiles=(0.05, 0.95)) -> list[dict]:
    """One at a time: each input at its low / high (P5 / P95 by default), others at their medians.

    Returns rows sorted by swing (largest first): input, low, high, base value,
    total shortfall at low / high / base and the swing ``|high - low|`` [£].
    """
    values, labels = tornado_samples(base.spec.inputs, None, tornado_quantiles)
    res = _single(base, values)["shortfall_total_gbp"]
    rows = []
    for j, name in enumerate(base.spec.names):
        lo_row, hi_row = 1 + 2 * j, 2 + 2 * j
        rows.append({
            "input": name,
            "low_value": float(values[name][lo_row]),
            "high_value": float(values[name][hi_row]),
            "base_value": float(values[name][0]),
            "shortfall_at_low_gbp": float(res[lo_row]),
            "shortfall_at_high_gbp": float(res[hi_row]),
            "shortfall_at_base_gbp": float(res[0]),
            "swing_gbp": float(abs(res[hi_row] - res[lo_row])),
        })
    rows.sort(key=lambda r: -r["swing_gbp"])
    return rows


def break_even(base: _Base, be: BreakEvenSpec, xtol: float = 1e-10) -> dict:
    """Value of ``be.input`` at which ``be.output`` crosses 0, every other input at the base plan's value.

    Root-finding with :func:`scipy.optimize.brentq` on the vectorised core (n = 1
    per evaluation).  ``value`` is None (with a reason) when the output has the
    same sign at both ends of ``[low, high]``.
    """
    from scipy.optimize import brentq

    key = BREAK_EVEN_OUTPUTS[be.output]

    def f(x: float) -> float:
        return float(_single(base, {be.input: x})[key][0])

    f_lo, f_hi = f(be.low), f(be.high)
    out = {"input": be.input, "output": be.output, "low": be.low, "high": be.high,
           "output_at_low_gbp": f_lo, "output_at_high_gbp": f_hi, "value": None, "note": ""}
    if f_lo == 0.0:
        out["value"] = be.low
    elif f_hi == 0.0:
        out["value"] = be.high
    elif (f_lo < 0) == (f_hi < 0):
        out["note"] = f"{be.output} does not cross 0 between {be.low:g} and {be.high:g}"
    else:
        out["value"] = float(brentq(f, be.low, be.high, xtol=xtol, rtol=4 * np.finfo(float).eps, maxiter=200))
    return out


# --------------------------------------------------------------------------- result


def _jsonable(x: Any) -> Any:
    return json_safe(x)


@dataclass
class SweepResult:
    """A finished sweep: summaries (not the per-scenario values), risk figures, tables."""

    plan_path: str
    plan_sha256: str
    scenario: str
    method: str
    n: int
    seed: int
    chunk_size: int
    backend: str
    spec: SweepSpec
    summaries: MultiSummary | None  # None for a tornado run
    summary: dict[str, dict]  # output -> StreamingSummary.result(percentiles)
    risk: dict[str, Any]
    tornado: list[dict]
    break_even: dict | None
    created_utc: str
    elapsed_s: float
    version: str = __version__
    samples_path: str | None = None

    def to_dict(self) -> dict:
        return _jsonable({
            "finmodel_version": self.version,
            "plan": self.plan_path,
            "plan_sha256": self.plan_sha256,
            "scenario": self.scenario,
            "method": self.method,
            "n": self.n,
            "seed": self.seed,
            "chunk_size": self.chunk_size,
            "backend": self.backend,
            "created_utc": self.created_utc,
            "elapsed_s": self.elapsed_s,
            "sweep": self.spec.to_dict(),
            "risk": self.risk,
            "outputs": self.summary,
            "tornado": self.tornado,
            "break_even": self.break_even,
            "samples_path": self.samples_path,
        })

    def summary_rows(self) -> list[dict]:
        """One row per output: count, mean, std, min, percentiles, max, expected shortfall."""
        rows = []
        for name, s in self.summary.items():
            row = {"output": name}
            for k in ("count", "mean", "std", "min"):
                row[k] = s.get(k)
            for p in self.spec.percentiles:
                row[f"p{p:g}"] = s.get(f"p{p:g}")
            row["max"] = s.get("max")
            row["expected_shortfall_worst_5pct"] = s.get("expected_shortfall")
            rows.append(row)
        return rows

    def write(self, out_dir: str | Path) -> Path:
        """Write summary.json, CSV tables and PNG charts into ``out_dir``, whole or not at all.

        Everything goes to a temporary directory beside ``out_dir`` that is then
        renamed into place (an existing ``out_dir`` is replaced only once the new
        one is complete).
        """
        from finmodel.sweep import charts

        def fill(tmp: Path) -> None:
            (tmp / "summary.json").write_text(json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n")
            if self.summary:
                _write_csv(tmp / "outputs.csv", self.summary_rows())
            if self.tornado:
                _write_csv(tmp / "tornado.csv", self.tornado)
                charts.tornado_chart(self.tornado, tmp / "tornado.png", title=f"{self.scenario}: swing of total shortfall")
            if self.break_even:
                _write_csv(tmp / "break_even.csv", [self.break_even])
            if self.summaries is not None and "shortfall_total_gbp" in self.summaries.names:
                charts.histogram_chart(self.summaries["shortfall_total_gbp"], tmp / "shortfall_histogram.png",
                                       title=f"{self.scenario}: total shortfall, {self.n:,} scenarios ({self.method})")

        return write_dir_atomically(Path(out_dir), fill)


def _write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if v is None else v) for k, v in r.items()})


# --------------------------------------------------------------------------- samples file


class _SampleWriter:
    """Streams the per-scenario table (inputs then outputs) chunk by chunk: CSV, or Parquet if asked and available."""

    def __init__(self, path: Path, input_names: list[str]):
        self.path = Path(path)
        self.input_names = input_names
        self.parquet = self.path.suffix == ".parquet" and _has_pyarrow()
        if self.path.suffix == ".parquet" and not self.parquet:
            self.path = self.path.with_suffix(".csv")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = None
        self._pq = None

    def __call__(self, start: int, values: dict, outputs: dict) -> None:
        cols = {"scenario": np.arange(start, start + len(next(iter(outputs.values()))))}
        cols.update(values)
        cols.update(outputs)
        if self.parquet:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.table({k: np.asarray(v) for k, v in cols.items()})
            if self._pq is None:
                self._pq = pq.ParquetWriter(str(self.path), table.schema)
            self._pq.write_table(table)
            return
        if self._fh is None:
            self._fh = open(self.path, "w", newline="")
            self._fh.write(",".join(_csv_field(k) for k in cols) + "\n")
        block = np.column_stack([np.asarray(v, dtype=np.float64) for v in cols.values()])
        fmt = ["%d"] + ["%.17g"] * (block.shape[1] - 1)
        np.savetxt(self._fh, block, fmt=fmt, delimiter=",")

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        if self._pq is not None:
            self._pq.close()


def _csv_field(s: str) -> str:
    return f'"{s}"' if ("," in s or '"' in s) else s


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


# --------------------------------------------------------------------------- bounds


def _pilot_bounds(ctx: SweepContext, base: _Base) -> dict[str, tuple[float, float]]:
    """Histogram bounds for every output, the same for every chunk and worker.

    From a pilot: the first block of the design (deterministic from the seed, at most
    4,096 rows) plus every input at each end of its support with the others at their
    medians; the range is widened by 25% on each side.  Values beyond still count
    exactly (overflow cells); only percentile resolution there is coarser.
    """
    m = min(ctx.n_total, 4096)
    u = unit_samples_block(ctx.method, 0, ctx.block_size, len(ctx.dists), ctx.seed, ctx.n_total,
                           levels=ctx.levels, correlation=ctx.correlation)[:m]
    from finmodel.sweep.samplers import map_unit_samples

    vals = map_unit_samples(ctx.dists, u)
    ends, _ = tornado_samples(ctx.dists, None, None)
    vals = {k: np.concatenate([vals[k], ends[k]]) for k in vals}
    outs = ctx.evaluate_values(vals)
    bounds = {}
    for k, v in outs.items():
        lo, hi = float(v.min()), float(v.max())
        span = hi - lo
        pad = 0.25 * span if span > 0 else max(1.0, 0.01 * abs(lo))
        bounds[k] = (lo - pad, hi + pad)
    return bounds


# --------------------------------------------------------------------------- run


def _grid_levels(spec: SweepSpec, n: int) -> tuple[int, ...]:
    """Grid levels: a discrete input takes each of its values; the others share the rest of n equally."""
    discrete = [len(d.values) if isinstance(d, Discrete) else None for d in spec.inputs.values()]
    fixed = math.prod(k for k in discrete if k is not None)
    free = sum(k is None for k in discrete)
    k = max(2, int(math.floor((max(n, 1) / fixed) ** (1.0 / free) + 1e-9))) if free else None
    return tuple(d if d is not None else k for d in discrete)


def run_sweep(
    plan_path: str | Path | None,
    scenario: str | Scenario,
    method: str = "lhs",
    n: int = 10_000,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    backend: str = "local",
    scheduler: str | None = None,
    save_samples: str | Path | None = None,
    progress: bool = False,
    *,
    spec: SweepSpec | None = None,
    n_bins: int = 2**15,
    dask_workers: int | None = None,
    dask_processes: bool = True,
) -> SweepResult:
    """Run the sweep of ``scenario``'s ``[sweep]`` table on the plan (default: the shipped Luton plan).

    ``method``: lhs | sobol | mc | grid | tornado.  ``n`` scenarios (grid: the
    levels are chosen so the grid has about ``n`` rows, see :func:`_grid_levels`;
    tornado: ``1 + 2 d`` rows, ``n`` ignored).  ``seed``: non-negative int.
    ``backend``: "local" (in process, chunks of ``chunk_size``) or "dask"
    (``scheduler`` address, or a LocalCluster when None; blocks of 65,536 rows).
    ``save_samples``: write the per-scenario table (inputs and outputs) to this
    CSV file, streamed (``.parquet`` if pyarrow is importable); local backend only.
    ``spec`` overrides the scenario's ``[sweep]`` table.  Tornado and break-even
    tables are added whenever they apply (tornado for every method, break-even
    when the spec has one).
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    if method != "tornado" and (isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1):
        raise ValueError(f"n must be a positive int, got {n!r}")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}")
    if save_samples is not None and backend != "local":
        raise ValueError("save_samples needs the local backend (the dask backend never collects per-scenario values)")
    t0 = time.perf_counter()
    base = _load(plan_path, scenario, spec)
    spec = base.spec
    tornado_rows = tornado(base)
    be = break_even(base, spec.break_even) if spec.break_even is not None else None
    summaries = None
    summary: dict = {}
    risk: dict = {}
    samples_path = None
    n_run = 1 + 2 * len(spec.inputs) if method == "tornado" else int(n)
    if method != "tornado":
        levels = _grid_levels(spec, int(n)) if method == "grid" else None
        if levels is not None:
            n_run = math.prod(levels)
        corr = spec.correlation_matrix() if method != "grid" else None
        partners = [p.name for p in base.plan.partners]
        ctx = SweepContext(
            plan=base.plan, base=model_inputs(base.plan), targets=base.targets, dists=dict(spec.inputs),
            correlation=corr, method=method, n_total=n_run, seed=int(seed), levels=levels,
            bounds={}, thresholds={}, n_bins=n_bins, block_size=DEFAULT_BLOCK_SIZE,
            output_names=tuple(outputs_of_names(base.plan.years, partners)),
        )
        bounds = _pilot_bounds(ctx, base)
        thresholds = {"excess_over_contingency_gbp": (0.0,), "shortfall_total_gbp": (0.0,), "unfunded_gap_total_gbp": (0.0,)}
        ctx = SweepContext(**{**ctx.__dict__, "bounds": bounds, "thresholds": thresholds})
        bar, tick = _progress_bar(progress, n_run, f"sweep {base.scenario.name} ({method})")
        try:
            if backend == "local":
                writer = _SampleWriter(Path(save_samples), spec.names) if save_samples is not None else None
                try:
                    summaries = run_local(ctx, int(chunk_size), on_chunk=writer, progress=tick)
                finally:
                    if writer is not None:
                        writer.close()
                        samples_path = str(writer.path)
            else:
                summaries = run_dask(ctx, scheduler, progress=tick, n_workers=dask_workers, processes=dask_processes)
        finally:
            if bar is not None:
                bar.stop()
        summary = summaries.result(spec.percentiles)
        risk = _risk(summaries, partners)
    return SweepResult(
        plan_path=str(base.plan_path),
        plan_sha256=file_sha256(base.plan_path),
        scenario=base.scenario.name,
        method=method,
        n=n_run,
        seed=int(seed),
        chunk_size=int(chunk_size),
        backend=backend,
        spec=spec,
        summaries=summaries,
        summary=summary,
        risk=risk,
        tornado=tornado_rows,
        break_even=be,
        created_utc=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        elapsed_s=time.perf_counter() - t0,
        samples_path=samples_path,
    )


def outputs_of_names(years: list[str], partners: list[str]) -> list[str]:
    """Names of the per-scenario outputs, in the order :func:`~finmodel.sweep.backends.outputs_of` gives them."""
    names = ["shortfall_total_gbp"] + [f"shortfall_gbp[{y}]" for y in years]
    names += ["unfunded_gap_total_gbp", "contingency_used_total_gbp", "excess_over_contingency_gbp"]
    names += [f"partner_payment_total_gbp[{p}]" for p in partners]
    return names + ["p4p_released_gbp"]


def _risk(s: MultiSummary, partners: list[str]) -> dict:
    shortfall = s["shortfall_total_gbp"]
    excess = s["excess_over_contingency_gbp"].result((50,))
    out = {
        "prob_shortfall_exceeds_contingency": excess["prob_exceeds"][0.0],
        "prob_shortfall_positive": shortfall.result((50,))["prob_exceeds"][0.0],
        "prob_unfunded_gap": s["unfunded_gap_total_gbp"].result((50,))["prob_exceeds"][0.0],
        "expected_shortfall_worst_5pct_gbp": shortfall.expected_shortfall(0.05),
        "mean_shortfall_gbp": shortfall.result((50,))["mean"],
        "partners": {},
    }
    for p in partners:
        r = s[f"partner_payment_total_gbp[{p}]"].result((95,))
        out["partners"][p] = {"expected_payment_gbp": r["mean"], "p95_payment_gbp": r["p95"]}
    return out


def _progress_bar(enabled: bool, total: int, label: str):
    if not enabled:
        return None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    task = bar.add_task(label, total=total)
    bar.start()
    return bar, (lambda m: bar.advance(task, m))
