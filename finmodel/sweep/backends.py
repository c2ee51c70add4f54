"""Where the chunks of a sweep are evaluated: in process (local) or on a Dask cluster.

Both backends run the same pure function on a chunk of unit samples
(:func:`evaluate_unit_chunk`): unit samples -> each input's ``ppf`` -> the plan's
:class:`~finmodel.arrays.ModelInputs` with the sampled arrays replaced ->
:func:`finmodel.model.evaluate` -> per-scenario outputs -> a
:class:`~finmodel.sweep.summaries.MultiSummary` with fixed histogram bounds.
Summaries of disjoint chunks merge, so the result does not depend on how the
scenarios were cut up: counts, min, max, threshold exceedances, histogram counts
(hence percentiles) and means are identical; per-cell float sums (used only by
the tail mean) may differ in the last bit.

The Dask backend sends each worker a block index only: the worker rebuilds the
block's samples with :func:`~finmodel.sweep.samplers.unit_samples_block`
(seed, block index), so no sample array crosses the network.  ``dask`` is an
optional extra (``pip install finmodel[dask]``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator, Mapping

import numpy as np

from finmodel.arrays import ModelInputs
from finmodel.model import ModelOutputs, evaluate
from finmodel.plan import Plan
from finmodel.sweep.distributions import Distribution
from finmodel.sweep.inputs_map import InputTarget, apply_samples
from finmodel.sweep.samplers import (
    DEFAULT_BLOCK_SIZE,
    chunked_unit_samples,
    map_unit_samples,
    n_blocks,
    unit_samples_block,
)
from finmodel.sweep.summaries import MultiSummary

__all__ = ["SweepContext", "outputs_of", "evaluate_unit_chunk", "run_local", "run_dask", "BACKENDS"]

BACKENDS = ("local", "dask")


def _row_total(a: np.ndarray) -> np.ndarray:
    """Sum over the year axis, year by year in order (the same rounding whatever the chunk)."""
    total = np.array(a[:, 0], dtype=np.float64)
    for y in range(1, a.shape[1]):
        total += a[:, y]
    return total


def outputs_of(out: ModelOutputs, years: list[str], partners: list[str]) -> dict[str, np.ndarray]:
    """Per-scenario scalar outputs of a sweep, each ``(n,)`` [£]."""
    shortfall_total = _row_total(out.shortfall_gbp)
    res = {"shortfall_total_gbp": shortfall_total}
    for y, label in enumerate(years):
        res[f"shortfall_gbp[{label}]"] = np.ascontiguousarray(out.shortfall_gbp[:, y], dtype=np.float64)
    res["unfunded_gap_total_gbp"] = _row_total(out.unfunded_gap_gbp)
    res["contingency_used_total_gbp"] = _row_total(out.contingency_used_gbp)
    res["excess_over_contingency_gbp"] = shortfall_total - _row_total(out.contingency_gbp)
    for p, name in enumerate(partners):
        res[f"partner_payment_total_gbp[{name}]"] = _row_total(out.partner_payments_gbp[:, :, p])
    res["p4p_released_gbp"] = np.ascontiguousarray(out.p4p_released_gbp, dtype=np.float64)
    return res


@dataclass(frozen=True)
class SweepContext:
    """Everything a worker needs to evaluate any chunk of one sweep (picklable)."""

    plan: Plan
    base: ModelInputs
    targets: dict[str, InputTarget]
    dists: dict[str, Distribution]
    correlation: np.ndarray | None
    method: str
    n_total: int
    seed: int
    levels: tuple[int, ...] | None
    bounds: dict[str, tuple[float, float]]
    thresholds: dict[str, tuple[float, ...]]
    n_bins: int = 2**15
    tail_frac: float = 0.05
    block_size: int = DEFAULT_BLOCK_SIZE
    output_names: tuple[str, ...] = field(default=())

    @property
    def names(self) -> list[str]:
        return list(self.dists)

    @property
    def n_years(self) -> int:
        return len(self.plan.years)

    def new_summary(self) -> MultiSummary:
        return MultiSummary.from_names(
            self.output_names, bounds=self.bounds, thresholds=self.thresholds, n_bins=self.n_bins, tail_frac=self.tail_frac
        )

    def evaluate_values(self, values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Sampled input values (plan units) -> per-scenario outputs."""
        inputs = apply_samples(self.base, self.plan, values, self.targets)
        out = evaluate(inputs, self.n_years)
        return outputs_of(out, self.plan.years, [p.name for p in self.plan.partners])


def evaluate_unit_chunk(ctx: SweepContext, u: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Unit samples ``(m, d)`` -> (input values, outputs), both ``{name: (m,)}``."""
    values = map_unit_samples(ctx.dists, u)
    return values, ctx.evaluate_values(values)


def summarise_block(ctx: SweepContext, block_index: int) -> MultiSummary:
    """Summary of one fixed block of rows, rebuilt from (seed, block index) alone (Dask task)."""
    u = unit_samples_block(
        ctx.method, block_index, ctx.block_size, len(ctx.dists), ctx.seed, ctx.n_total,
        levels=ctx.levels, correlation=ctx.correlation,
    )
    _, outputs = evaluate_unit_chunk(ctx, u)
    return ctx.new_summary().update(outputs)


def run_local(
    ctx: SweepContext,
    chunk_size: int,
    on_chunk: Callable[[int, dict, dict], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> MultiSummary:
    """Stream the whole design chunk by chunk in this process; memory is bounded by ``chunk_size``.

    ``on_chunk(start, values, outputs)`` sees each chunk (e.g. to write the samples);
    ``progress(m)`` is told how many scenarios each chunk held.
    """
    summary = ctx.new_summary()
    chunks: Iterator = chunked_unit_samples(
        ctx.method, ctx.n_total, len(ctx.dists), chunk_size, ctx.seed,
        block_size=ctx.block_size, levels=ctx.levels, correlation=ctx.correlation,
    )
    for start, u in chunks:
        values, outputs = evaluate_unit_chunk(ctx, u)
        summary.update(outputs)
        if on_chunk is not None:
            on_chunk(start, values, outputs)
        if progress is not None:
            progress(u.shape[0])
        del u, values, outputs
    return summary


def run_dask(
    ctx: SweepContext,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
    n_workers: int | None = None,
    processes: bool = True,
) -> MultiSummary:
    """Evaluate every block on a Dask cluster and merge the block summaries (in block order).

    ``scheduler``: address of a running scheduler (``tcp://host:8786``); ``None``
    starts a :class:`distributed.LocalCluster` for the run (``n_workers``,
    ``processes``) and closes it afterwards.  Each task gets only its block index.
    """
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "the dask backend needs the optional extra: pip install 'finmodel[dask]' (dask[distributed])"
        ) from exc
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=n_workers, processes=processes, threads_per_worker=1, dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        ctx_future = client.scatter(ctx, broadcast=True)
        nb = n_blocks(ctx.n_total, ctx.block_size)
        futures = [client.submit(summarise_block, ctx_future, b, pure=False) for b in range(nb)]
        index = {f.key: b for b, f in enumerate(futures)}
        summary = ctx.new_summary()
        waiting: dict[int, MultiSummary] = {}  # finished out of order, merged as soon as their turn comes
        next_block = 0
        for fut in as_completed(futures):
            b = index[fut.key]
            waiting[b] = fut.result()
            fut.release()
            while next_block in waiting:
                summary.merge(waiting.pop(next_block))
                next_block += 1
            if progress is not None:
                progress(min(ctx.block_size, ctx.n_total - b * ctx.block_size))
        return summary
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
