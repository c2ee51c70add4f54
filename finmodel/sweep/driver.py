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
import re
import json
import math
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from finmodel import __version__
from finmodel.arrays import model_inputs
from finmodel.atomic import write_dir_atomically
from finmodel.csvsafe import neutralise
from finmodel.errors import InputError
from finmodel.jsonsafe import json_safe
from finmodel.model import evaluate
from finmodel.plan import Plan, file_sha256, read_toml
from finmodel.scenario import Scenario, apply_overrides, apply_scenario, load_scenario
from finmodel.sweep.backends import BACKENDS, SweepContext, dask_client, outputs_of, run_dask, run_local
from finmodel.sweep.crossing import SECTION, solve_crossing
from finmodel.sweep.distributions import Discrete
from finmodel.sweep.inputs_map import InputTarget, apply_samples, resolve
from finmodel.sweep import limits
from finmodel.sweep.limits import (
    DASK_CONNECT_TIMEOUT_S,
    MAX_CHUNK_SIZE,
    MAX_N,
    check_count,
    check_evaluations,
    estimate_seconds,
    long_run_message,
    require_finite,
    require_finite_outputs,
)
from finmodel.sweep.samplers import DEFAULT_BLOCK_SIZE, METHODS, map_unit_samples, tornado_samples, unit_samples_block
from finmodel.sweep.samples_file import SamplesFile
from finmodel.sweep.spec import (  # re-exported: the spec lived here first
    BREAK_EVEN_OUTPUTS,
    DEFAULT_BREAK_EVEN_OUTPUT,
    BreakEvenSpec,
    SweepSpec,
    SweepSpecError,
    check_ranges_fit_plan,
)
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
    "DEFAULT_BREAK_EVEN_OUTPUT",
    "DEFAULT_CHUNK_SIZE",
    "MAX_N",
    "MAX_CHUNK_SIZE",
]

DEFAULT_CHUNK_SIZE = 2**16


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
    from finmodel.shipped import default_plan

    path = Path(plan_path) if plan_path is not None else default_plan()
    scen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    raw = read_toml(path)
    plan = apply_scenario(raw, path, scen)
    data = apply_overrides(raw, scen.overrides, where=f"scenario {scen.name!r} ({scen.path})") if scen.overrides else raw
    spec = spec if spec is not None else SweepSpec.from_scenario(scen, plan)
    targets = {p: resolve(p, plan) for p in spec.names}
    check_ranges_fit_plan(data, path, scen, spec, targets)
    return _Base(plan, path, data, scen, spec, targets)



def _single(base: _Base, values: Mapping[str, float]) -> dict[str, np.ndarray]:
    """Outputs of a handful of scenarios with the given input values (vectorised core, no sampling)."""
    arrays = {k: np.atleast_1d(np.asarray(v, dtype=np.float64)) for k, v in values.items()}
    targets = {k: base.targets.get(k) or resolve(k, base.plan) for k in arrays}
    inputs = apply_samples(model_inputs(base.plan), base.plan, arrays, targets)
    # a handful of rows (the tornado's 2k + 1, one per break-even step): the reference route, which is
    # exact by definition and saves loading the full-output compiled loop (~0.6 s) in a sweep process
    out = evaluate(inputs, len(base.plan.years), route="general")
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

    A grid search on the vectorised core (:func:`finmodel.sweep.crossing.solve_crossing`:
    33 values of the input per evaluation, narrowed until the bracket is under ``xtol``).
    ``value`` is None (with a reason) when the output has the same sign at both ends of
    ``[low, high]``.
    """
    key = BREAK_EVEN_OUTPUTS[be.output]

    def g(x: np.ndarray) -> np.ndarray:
        return _single(base, {be.input: x})[key]

    f_lo, f_hi = (float(v) for v in g(np.array([be.low, be.high])))
    out = {"input": be.input, "output": be.output, "low": be.low, "high": be.high,
           "output_at_low_gbp": f_lo, "output_at_high_gbp": f_hi, "value": None, "note": ""}
    if f_lo == 0.0:
        out["value"] = be.low
    elif f_hi == 0.0:
        out["value"] = be.high
    elif (f_lo < 0) == (f_hi < 0):
        out["note"] = f"{be.output} does not cross 0 between {be.low:g} and {be.high:g}"
    else:
        out["value"] = solve_crossing(g, be.low, be.high, grid=SECTION, xtol=xtol)[2]
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
    la_code: str = ""  # the HWB's ONS code, so a region's sweeps can be told apart

    def to_dict(self) -> dict:
        return _jsonable({
            "finmodel_version": self.version,
            "plan": self.plan_path,
            "plan_sha256": self.plan_sha256,
            "la_code": self.la_code,
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
            # a grid weighs every combination of levels equally: its "probabilities" are shares of grid points
            "risk_weighting": ("shares of an unweighted grid of input levels, not probabilities" if self.method == "grid"
                               else "probabilities over the sampled distributions"),
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

    def write(self, out_dir: str | Path, force: bool = False, charts: bool = True, painter=None) -> Path:
        """Write summary.json, CSV tables and (unless ``charts=False``) PNG charts into ``out_dir``, whole or not at all.

        Everything goes to a temporary directory beside ``out_dir`` that is then
        renamed into place (an existing ``out_dir`` is replaced only once the new
        one is complete, and only if finmodel wrote it unless ``force``: see
        :func:`finmodel.atomic.write_dir_atomically`).  A NaN or infinite figure raises
        :class:`~finmodel.errors.NumericFault` before anything is written.  ``painter``: a
        started :class:`~finmodel.sweep.chart_painter.ChartPainter` to draw the charts while
        the CSVs are written (else, or if it fails, they are drawn here).
        """
        self.check_finite()

        def fill(tmp: Path) -> None:
            from finmodel.sweep.chart_painter import chart_jobs, paint

            jobs = chart_jobs(self) if charts else []
            if painter is not None:  # sent first: drawn in the painter while the CSVs are written here
                painter.send(jobs)
            (tmp / "summary.json").write_text(json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n")
            if self.summary:
                _write_csv(tmp / "outputs.csv", self.summary_rows())
            if self.tornado:
                _write_csv(tmp / "tornado.csv", self.tornado)
            if self.break_even:
                _write_csv(tmp / "break_even.csv", [self.break_even])
            if jobs:
                paint(jobs, tmp, painter)

        return write_dir_atomically(Path(out_dir), fill, force=force)


    def check_finite(self) -> None:
        """Raise :class:`~finmodel.errors.NumericFault` if any summary, risk, tornado or break-even figure is NaN or infinite."""
        require_finite(self.summary, "summary")
        require_finite(self.risk, "risk")
        require_finite(self.tornado, "tornado")
        require_finite(self.break_even, "break_even")


def _write_csv(path: Path, rows: list[dict]) -> None:
    """Rows as CSV through the csv module (fields with commas, quotes or line breaks are quoted).

    Text cells (and headers) that a spreadsheet would run as a formula get a leading
    apostrophe (:func:`finmodel.csvsafe.neutralise`); numbers are written as numbers, so
    a negative amount stays a number.
    """
    fields = list(rows[0])
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([neutralise(k) for k in fields])
        for r in rows:
            w.writerow(["" if r.get(k) is None else neutralise(_penny(r, k)) for k in fields])


#: Statistics of an output row of outputs.csv that are in the output's own unit.
_STAT_COLUMNS = ("mean", "std", "min", "max", "expected_shortfall_worst_5pct")


def _penny(row: dict, column: str):
    """Money to the penny, as the run's CSVs (no 4425300.000000006): a column named *_gbp, or a
    statistic of an output named *_gbp; inputs, counts and probabilities keep every digit."""
    value = row[column]
    if not isinstance(value, float):
        return value
    money_stat = "_gbp" in str(row.get("output", "")) and (column in _STAT_COLUMNS or re.fullmatch(r"p[\d.]+", column))
    return round(value, 2) if column.endswith("_gbp") or money_stat else value


# --------------------------------------------------------------------------- bounds


def _pilot_bounds(ctx: SweepContext, base: _Base) -> tuple[dict[str, tuple[float, float]], float]:
    """Histogram bounds for every output (the same for every chunk and worker), and seconds per scenario.

    From a pilot: the first block of the design (deterministic from the seed, at most
    4,096 rows) plus every input at each end of its support with the others at their
    medians; the range is widened by 25% on each side.  Values beyond still count
    exactly (overflow cells); only percentile resolution there is coarser.

    The pilot is timed as it goes (sampling the first block, then inverse CDFs and the
    model on the pilot rows, one thread) to give the cost per scenario that
    :func:`~finmodel.sweep.limits.estimate_seconds` extrapolates.
    """
    u_rows = min(ctx.n_total, 4096)
    ends, _ = tornado_samples(ctx.dists, None, None)

    def timed_pass():
        t0 = time.perf_counter()
        block = unit_samples_block(ctx.method, 0, ctx.block_size, len(ctx.dists), ctx.seed, ctx.n_total,
                                   levels=ctx.levels, correlation=ctx.correlation)
        t1 = time.perf_counter()
        vals = map_unit_samples(ctx.dists, block[:u_rows])
        outs = ctx.evaluate_values({k: np.concatenate([vals[k], ends[k]]) for k in vals}, threads=1)
        t2 = time.perf_counter()
        return outs, (t1 - t0) / block.shape[0] + (t2 - t1) / len(next(iter(outs.values())))

    outs, per_row = timed_pass()
    require_finite_outputs(outs, 0)  # pilot rows: the design's first rows, then the support ends
    if per_row * ctx.n_total > 10.0:
        # the first pass paid one-off costs (loading the compiled loops, the PERT table): an estimate
        # that would be printed is timed again, warm, so it does not overstate the run many times over
        _, per_row = timed_pass()
    bounds = {}
    for k, v in outs.items():
        lo, hi = float(v.min()), float(v.max())
        span = hi - lo
        pad = 0.25 * span if span > 0 else max(1.0, 0.01 * abs(lo))
        bounds[k] = (lo - pad, hi + pad)
    return bounds, per_row


# --------------------------------------------------------------------------- run


def _grid_levels(spec: SweepSpec, n: int) -> tuple[int, ...]:
    """Grid levels: a discrete input takes each of its values; the others share the rest of n equally."""
    discrete = [len(d.values) if isinstance(d, Discrete) else None for d in spec.inputs.values()]
    fixed = math.prod(k for k in discrete if k is not None)
    free = sum(k is None for k in discrete)
    k = max(2, int(math.floor((max(n, 1) / fixed) ** (1.0 / free) + 1e-9))) if free else None
    return tuple(d if d is not None else k for d in discrete)


def _check_arguments(method, n, seed, chunk_size, backend, save_samples, max_n) -> None:
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if backend not in BACKENDS:
        raise InputError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a non-negative int, got {seed!r}")
    check_count("max_n", max_n, 1, 2**63 - 1)
    if method not in ("tornado", "grid"):  # grid: n is a target, checked as the grid's real size
        check_count("n", n, 1, max_n, raise_with=f" scenarios a run ({MAX_N:,} unless max_n / --max-n is raised)")
    elif method == "grid":
        check_count("n", n, 1, 2**63 - 1)
    check_count("chunk_size", chunk_size, 1, MAX_CHUNK_SIZE,
                raise_with=" rows (memory: about 1 KB per row in flight; the result is the same whatever the chunk size)")
    if save_samples is not None and backend != "local":
        raise InputError("save_samples needs the local backend (the dask backend never collects per-scenario values)")
    if save_samples is not None and method == "tornado":
        raise InputError("save_samples does not apply to the tornado method (its rows are in tornado.csv)")


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
    overwrite: bool = False,
    max_n: int = MAX_N,
    notify: Callable[[str], None] | None = None,
    dask_connect_timeout: float = DASK_CONNECT_TIMEOUT_S,
    dask_session=None,
    on_tornado: Callable[[list[dict], str], None] | None = None,
) -> SweepResult:
    """Run the sweep of ``scenario``'s ``[sweep]`` table on the plan (default: the shipped Luton plan).

    ``method``: lhs | sobol | mc | grid | tornado.  ``n`` scenarios (grid: the
    levels are chosen so the grid has about ``n`` rows, see :func:`_grid_levels`;
    tornado: ``1 + 2 d`` rows, ``n`` ignored).  ``seed``: non-negative int.
    ``backend``: "local" (in process, chunks of ``chunk_size``, at most
    :data:`~finmodel.sweep.limits.MAX_CHUNK_SIZE`) or "dask" (``scheduler`` address, or a
    LocalCluster when None; one task per fold group of 4 blocks of 65,536 rows, merged on its
    worker; a scheduler that does not answer within
    ``dask_connect_timeout`` seconds raises :class:`~finmodel.errors.EnvironmentFailure`
    before anything runs).
    ``save_samples``: write the per-scenario table (inputs and outputs) to this CSV file
    (``.parquet`` if pyarrow is importable; local backend only), whole or not at all (see
    :mod:`finmodel.sweep.samples_file`); an existing file is replaced only with
    ``overwrite=True``.
    ``max_n``: most model evaluations allowed (default :data:`~finmodel.sweep.limits.MAX_N`;
    for grid the grid's real size counts).  ``notify(message)`` is called once, before
    the run, when it is expected to take over
    :data:`~finmodel.sweep.limits.LONG_RUN_SECONDS`.
    ``dask_session``: an open :func:`~finmodel.sweep.backends.dask_client` to run on
    (backend "dask"; left open, e.g. to time runs without the cluster's start-up).
    ``on_tornado(rows, scenario name)`` is called with the tornado table as soon as it is
    computed, before the scenarios (the CLI's chart painter draws it meanwhile).
    ``spec`` overrides the scenario's ``[sweep]`` table.  Tornado and break-even
    tables are added whenever they apply (tornado for every method, break-even
    when the spec has one).  A NaN or infinite figure raises
    :class:`~finmodel.errors.NumericFault` and nothing is written.
    """
    _check_arguments(method, n, seed, chunk_size, backend, save_samples, max_n)
    t0 = time.perf_counter()
    base = _load(plan_path, scenario, spec)
    spec = base.spec
    levels = _grid_levels(spec, int(n)) if method == "grid" else None
    if method == "tornado":
        n_run = 1 + 2 * len(spec.inputs)
    elif levels is not None:
        n_run = check_evaluations(math.prod(levels), int(max_n), f"grid with levels {levels} for n = {int(n):,}")
    else:
        n_run = int(n)
    samples = SamplesFile(save_samples, overwrite=overwrite) if save_samples is not None else None
    session = None
    try:
        if backend == "dask" and method != "tornado" and dask_session is not None:
            session = dask_session
        elif backend == "dask" and method != "tornado":
            # connect first: an unreachable scheduler is reported before the pilot and any progress bar
            session = dask_client(scheduler, n_workers=dask_workers, processes=dask_processes,
                                  timeout=dask_connect_timeout)
        result = _run(base, method, n_run, levels, int(seed), int(chunk_size), backend, samples, session,
                      progress, n_bins, notify, on_tornado)
        result.check_finite()  # before the samples file is put in place
        if samples is not None:
            result.samples_path = str(samples.commit())
    except BaseException:
        if samples is not None:
            samples.discard()
        raise
    finally:
        if session is not None and session is not dask_session:
            session.close()
    result.elapsed_s = time.perf_counter() - t0
    return result


def _run(base: _Base, method: str, n_run: int, levels, seed: int, chunk_size: int, backend: str,
         samples: SamplesFile | None, session, progress: bool, n_bins: int, notify, on_tornado=None) -> SweepResult:
    spec = base.spec
    summaries = None
    summary: dict = {}
    risk: dict = {}
    partners = [p.name for p in base.plan.partners]
    with limits.compile_notice(notify):  # the first calls of the compiled route, which numba compiles after an install
        tornado_rows = tornado(base)
        if on_tornado is not None and tornado_rows:
            on_tornado(tornado_rows, base.scenario.name)
        be = break_even(base, spec.break_even) if spec.break_even is not None else None
        if method != "tornado":
            corr = spec.correlation_matrix() if method != "grid" else None
            ctx = SweepContext(
                plan=base.plan, base=model_inputs(base.plan), targets=base.targets, dists=dict(spec.inputs),
                correlation=corr, method=method, n_total=n_run, seed=seed, levels=levels,
                bounds={}, thresholds={}, n_bins=n_bins, block_size=DEFAULT_BLOCK_SIZE,
                output_names=tuple(outputs_of_names(base.plan.years, partners)),
            )
            bounds, per_row = _pilot_bounds(ctx, base)
    if method != "tornado":
        message = long_run_message(n_run, estimate_seconds(n_run, per_row), backend)
        if message is not None and notify is not None:
            notify(message)
        thresholds = {"excess_over_contingency_gbp": (0.0,), "shortfall_total_gbp": (0.0,), "unfunded_gap_total_gbp": (0.0,)}
        ctx = SweepContext(**{**ctx.__dict__, "bounds": bounds, "thresholds": thresholds})
        bar, tick = _progress_bar(progress, n_run, f"sweep {base.scenario.name} ({method})")
        try:
            if backend == "local":
                summaries = run_local(ctx, chunk_size, on_chunk=samples, progress=tick)
            else:
                summaries = run_dask(ctx, progress=tick, session=session)
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
        seed=seed,
        chunk_size=chunk_size,
        backend=backend if session is None else f"dask: {session.describe()}",
        spec=spec,
        summaries=summaries,
        summary=summary,
        risk=risk,
        tornado=tornado_rows,
        break_even=be,
        created_utc=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        elapsed_s=0.0,
        samples_path=None,
        la_code=base.plan.hwb.ons_code,
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
