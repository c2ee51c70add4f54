"""Where the chunks of a sweep are evaluated: in process (local) or on a Dask cluster.

Both backends run the same pure function on a chunk of unit samples
(:func:`evaluate_unit_chunk`): unit samples -> each input's ``ppf`` -> the plan's
:class:`~finmodel.arrays.ModelInputs` with the sampled arrays replaced ->
:func:`finmodel.model.evaluate` -> per-scenario outputs -> a
:class:`~finmodel.sweep.summaries.MultiSummary` with fixed histogram bounds.
Summaries of disjoint chunks merge.  Counts, min, max, threshold exceedances,
histogram counts (hence percentiles), means and standard deviations are exact
whatever the cut; the per-cell float sums behind the tail mean depend on the order
of additions, so both backends fix it.  Every fixed block of rows (65,536) is
added to the summary in one update (its per-cell partial sums formed on their own);
the blocks of a *fold group* (``FOLD_GROUP_BLOCKS`` = 4 consecutive blocks, 262,144
rows) are added in block order to a group summary;
the group summaries are merged in group order into the result.  Locally
:class:`_BlockFold` does exactly that as the chunks arrive; on Dask each task is one
whole group (:func:`summarise_group`), merged on its worker, so only one summary per
group travels back (a summary is ~1 MiB per output whatever its row count).  Every
summary figure is therefore bit-identical whatever the chunk size and backend.

The Dask backend sends each worker a group index only: the worker rebuilds the
blocks' samples with :func:`~finmodel.sweep.samplers.unit_samples_block`
(seed, block index), so no sample array crosses the network.  ``dask`` is an
optional extra (``pip install finmodel[dask]``).

The model step is :func:`finmodel.kernel.evaluate_headline` (only the figures a sweep
reads, year-major; the same numbers as :func:`finmodel.model.evaluate` to rounding far
below a penny, see tests/test_kernel.py).  :func:`run_local` overlaps the chunks'
sampling, ppf and model in worker threads (numpy and scipy.special release the GIL)
while the main thread updates the summary chunk by chunk in order, so the summary is
exactly the one a sequential run builds.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

from finmodel.arrays import ModelInputs
from finmodel.errors import EnvironmentFailure, InputError
from finmodel.kernel import Headline, evaluate_headline
from finmodel.model import ModelOutputs
from finmodel.plan import Plan
from finmodel.sweep.distributions import Distribution
from finmodel.sweep.inputs_map import InputTarget, apply_samples
from finmodel.sweep.limits import DASK_CONNECT_TIMEOUT_S, require_finite_outputs
from finmodel.sweep.samplers import (
    DEFAULT_BLOCK_SIZE,
    chunked_unit_samples,
    map_unit_samples,
    n_blocks,
    unit_samples_block,
)
from finmodel.sweep.summaries import MultiSummary

__all__ = [
    "SweepContext", "outputs_of", "headline_outputs", "evaluate_unit_chunk", "run_local", "run_dask",
    "dask_client", "BACKENDS", "FOLD_GROUP_BLOCKS", "summarise_block", "summarise_group",
]

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


def headline_outputs(h: Headline, years: list[str], partners: list[str]) -> dict[str, np.ndarray]:
    """:func:`outputs_of` from a :class:`~finmodel.kernel.Headline` (same names, same order).

    The kernel's totals are summed year by year in order, as :func:`_row_total` does.
    """
    res = {"shortfall_total_gbp": h.shortfall_total_gbp}
    for y, label in enumerate(years):
        res[f"shortfall_gbp[{label}]"] = h.shortfall_gbp[y]  # a contiguous row (year-major)
    res["unfunded_gap_total_gbp"] = h.unfunded_gap_total_gbp
    res["contingency_used_total_gbp"] = h.contingency_used_total_gbp
    res["excess_over_contingency_gbp"] = h.excess_over_contingency_gbp
    for p, name in enumerate(partners):
        res[f"partner_payment_total_gbp[{name}]"] = h.partner_payment_total_gbp[p]
    res["p4p_released_gbp"] = h.p4p_released_gbp
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

    def evaluate_values(self, values: Mapping[str, np.ndarray], threads: int | None = None) -> dict[str, np.ndarray]:
        """Sampled input values (plan units) -> per-scenario outputs (headline kernel)."""
        inputs = apply_samples(self.base, self.plan, values, self.targets)
        out = evaluate_headline(inputs, self.n_years, threads=threads, per_year=False)
        return headline_outputs(out, self.plan.years, [p.name for p in self.plan.partners])


def evaluate_unit_chunk(ctx: SweepContext, u: np.ndarray, threads: int | None = None) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Unit samples ``(m, d)`` -> (input values, outputs), both ``{name: (m,)}``."""
    values = map_unit_samples(ctx.dists, u)
    return values, ctx.evaluate_values(values, threads=threads)


FOLD_GROUP_BLOCKS = 4  # blocks merged in order into one group summary (see the module docstring)


def n_fold_groups(ctx: SweepContext) -> int:
    """Number of fold groups: ``ceil(blocks / FOLD_GROUP_BLOCKS)``."""
    return -(-n_blocks(ctx.n_total, ctx.block_size) // FOLD_GROUP_BLOCKS)


def block_outputs(ctx: SweepContext, block_index: int, threads: int | None = 1) -> dict[str, np.ndarray]:
    """Outputs of one fixed block of rows, rebuilt from (seed, block index) alone."""
    u = unit_samples_block(
        ctx.method, block_index, ctx.block_size, len(ctx.dists), ctx.seed, ctx.n_total,
        levels=ctx.levels, correlation=ctx.correlation,
    )
    _, outputs = evaluate_unit_chunk(ctx, u, threads=threads)
    require_finite_outputs(outputs, block_index * ctx.block_size)
    return outputs


def summarise_block(ctx: SweepContext, block_index: int, threads: int | None = 1) -> MultiSummary:
    """Summary of one fixed block of rows, rebuilt from (seed, block index) alone."""
    return ctx.new_summary().update(block_outputs(ctx, block_index, threads))


def summarise_group(ctx: SweepContext, group_index: int, threads: int | None = 1) -> MultiSummary:
    """Summary of one fold group: its blocks added in block order, one update per block (a Dask task).

    Adding a block straight into the group summary gives the same bits as summarising the
    block on its own and merging that: an update adds the block's per-cell partial sums to
    the running ones, which is what merging a fresh summary (partials added to zeros) does,
    and counts, extremes and exact sums do not depend on the grouping.  It saves a 2**15-cell
    summary per output per block.  One model thread per task by default: a Dask worker runs
    one task per thread.
    """
    first = group_index * FOLD_GROUP_BLOCKS
    last = min(first + FOLD_GROUP_BLOCKS, n_blocks(ctx.n_total, ctx.block_size))
    group = ctx.new_summary()
    for b in range(first, last):
        group.update(block_outputs(ctx, b, threads=threads))
    return group


class _BlockFold:
    """Feeds chunks of outputs (in row order) into a summary one fixed block at a time.

    Each block is added in one update to its fold group's summary, and each finished group
    is merged in group order into the result: exactly what :func:`run_dask` does with
    :func:`summarise_group`, so the per-cell float sums (and the tail mean built from them)
    come out the same bits whatever the chunk size and backend.  At most one block of
    outputs and two summaries are held.
    """

    def __init__(self, ctx: SweepContext):
        self.ctx = ctx
        self.summary = ctx.new_summary()
        self.group = ctx.new_summary()
        self.pieces: list[Mapping[str, np.ndarray]] = []
        self.next_row = 0  # rows seen so far

    def add(self, outputs: Mapping[str, np.ndarray]) -> None:
        m = len(next(iter(outputs.values())))
        bsz, n_total = self.ctx.block_size, self.ctx.n_total
        pos = 0
        while pos < m:
            row = self.next_row
            block_end = min((row // bsz + 1) * bsz, n_total)
            take = min(m - pos, block_end - row)
            self.pieces.append({k: v[pos:pos + take] for k, v in outputs.items()})
            pos += take
            self.next_row += take
            if self.next_row == block_end:
                self._flush()

    def _flush(self) -> None:
        if len(self.pieces) == 1:
            block = self.pieces[0]
        else:
            block = {k: np.concatenate([p[k] for p in self.pieces]) for k in self.pieces[0]}
        self.pieces = []
        self.group.update(block)  # the same bits as merging the block's own summary (see summarise_group)
        blocks_done = -(-self.next_row // self.ctx.block_size)
        if blocks_done % FOLD_GROUP_BLOCKS == 0 or self.next_row == self.ctx.n_total:
            self.summary.merge(self.group)
            self.group = self.ctx.new_summary()

    def result(self) -> MultiSummary:
        if self.pieces or self.next_row != self.ctx.n_total:
            raise RuntimeError(f"sweep stopped at row {self.next_row} of {self.ctx.n_total}")  # a bug, not an input
        return self.summary


class _Blocks:
    """The design's blocks, each computed once (by whichever worker needs it first) and dropped when passed."""

    def __init__(self, ctx: SweepContext):
        self.ctx = ctx
        self.lock = threading.Lock()
        self.blocks: dict[int, list] = {}  # b -> [lock, array or None]

    def _get(self, b: int) -> np.ndarray:
        with self.lock:
            entry = self.blocks.setdefault(b, [threading.Lock(), None])
        with entry[0]:
            if entry[1] is None:
                c = self.ctx
                entry[1] = unit_samples_block(c.method, b, c.block_size, len(c.dists), c.seed, c.n_total,
                                              levels=c.levels, correlation=c.correlation)
            return entry[1]

    def rows(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start:stop`` of the design (as :func:`chunked_unit_samples` yields them)."""
        bsz = self.ctx.block_size
        parts = []
        b = start // bsz
        while b * bsz < stop:
            block = self._get(b)
            parts.append(block[max(start, b * bsz) - b * bsz:min(stop, (b + 1) * bsz) - b * bsz])
            b += 1
        return parts[0].copy() if len(parts) == 1 else np.concatenate(parts)

    def drop_before(self, row: int) -> None:
        with self.lock:
            for b in [b for b in self.blocks if (b + 1) * self.ctx.block_size <= row]:
                del self.blocks[b]


def _local_workers() -> int:
    env = os.environ.get("FINMODEL_SWEEP_WORKERS")
    if env:
        return max(1, int(env))
    return min(2, os.cpu_count() or 1)


def run_local(
    ctx: SweepContext,
    chunk_size: int,
    on_chunk: Callable[[int, dict, dict], None] | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> MultiSummary:
    """Stream the whole design chunk by chunk in this process; memory is bounded by ``chunk_size``.

    ``on_chunk(start, values, outputs)`` sees each chunk (e.g. to write the samples);
    ``progress(m)`` is told how many scenarios each chunk held.  Chunks are sampled,
    mapped and evaluated by ``workers`` threads (default 2, ``FINMODEL_SWEEP_WORKERS``),
    at most ``workers + 1`` chunks ahead; the summary is updated in chunk order in this
    thread, so the result is the same whatever the number of workers.
    """
    fold = _BlockFold(ctx)
    # validates the arguments (and warns once for a Sobol' n that is not a power of 2)
    chunked_unit_samples(
        ctx.method, ctx.n_total, len(ctx.dists), chunk_size, ctx.seed,
        block_size=ctx.block_size, levels=ctx.levels, correlation=ctx.correlation,
    )
    nw = _local_workers() if workers is None else max(1, int(workers))
    starts = range(0, ctx.n_total, chunk_size)  # a range, not a list: n may be large
    blocks = _Blocks(ctx)

    def task(start: int):
        u = blocks.rows(start, min(start + chunk_size, ctx.n_total))
        values, outputs = evaluate_unit_chunk(ctx, u, threads=1 if nw > 1 else None)
        return u.shape[0], (values if on_chunk is not None else None), outputs  # values kept only if asked for

    def consume(i: int, result) -> None:
        m, values, outputs = result
        require_finite_outputs(outputs, starts[i])  # before the samples file sees the chunk
        fold.add(outputs)
        if on_chunk is not None:
            on_chunk(starts[i], values, outputs)
        if progress is not None:
            progress(m)
        blocks.drop_before(starts[i + 1] if i + 1 < len(starts) else ctx.n_total)

    if nw == 1:
        for i, start in enumerate(starts):
            consume(i, task(start))
        return fold.result()
    with ThreadPoolExecutor(max_workers=nw) as pool:
        pending: deque = deque()
        nxt = 0
        try:
            for i in range(len(starts)):
                # one chunk ahead of the workers: each holds about 25 MB in flight at 65,536 rows, and more
                # ahead made a 10^6 sweep no faster but 10-20 MB larger at its peak (2026-12-01)
                while nxt < len(starts) and len(pending) < nw + 1:
                    pending.append(pool.submit(task, starts[nxt]))
                    nxt += 1
                consume(i, pending.popleft().result())
        finally:
            for f in pending:
                f.cancel()
    return fold.result()


class DaskSession:
    """A connected Dask client (and the LocalCluster it runs on, when finmodel started one)."""

    def __init__(self, client, cluster=None):
        self.client = client
        self.cluster = cluster

    def describe(self) -> str:
        """'tcp://127.0.0.1:8786, 2 workers, 4 threads' (a LocalCluster says so)."""
        try:
            info = self.client.scheduler_info()
            workers = info.get("workers", {})
            threads = sum(int(w.get("nthreads", 0)) for w in workers.values())
            where = info.get("address", "?") + (" (local cluster)" if self.cluster is not None else "")
            return f"{where}, {len(workers)} workers, {threads} threads"
        except Exception:  # a description must never fail a finished sweep
            return "scheduler details unavailable"

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()

    def __enter__(self) -> "DaskSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def dask_client(
    scheduler: str | None = None,
    n_workers: int | None = None,
    processes: bool = True,
    timeout: float = DASK_CONNECT_TIMEOUT_S,
) -> DaskSession:
    """Connect to ``scheduler`` (``tcp://host:8786``), or start a LocalCluster when it is None.

    Raises :class:`~finmodel.errors.EnvironmentFailure` (one line naming the address) when
    dask is not installed or the scheduler does not answer within ``timeout`` seconds, and
    :class:`~finmodel.errors.InputError` for an address dask cannot parse.  The driver
    calls this before any progress bar, so an unreachable cluster is reported at once
    rather than after a bar stuck at 0.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - depends on the environment
        raise EnvironmentFailure(
            "the dask backend needs the optional extra: pip install 'finmodel[dask]' (dask[distributed])"
        ) from None
    if scheduler is None:
        import dask

        # Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in every worker; any explicit trim
        # threshold switches off glibc's adaptive mmap threshold, so each block's temporary
        # arrays are mapped and faulted in afresh: measured 2.4x slower per block.  finmodel's
        # own cluster leaves glibc's default (a sweep's memory is bounded by the block anyway).
        with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
            cluster = LocalCluster(n_workers=n_workers, processes=processes, threads_per_worker=1,
                                   dashboard_address=None)
        try:
            return DaskSession(Client(cluster, timeout=timeout), cluster)
        except BaseException:
            cluster.close()
            raise
    try:
        return DaskSession(Client(scheduler, timeout=timeout))
    except ValueError as exc:  # dask's own wording names the address
        raise InputError(f"Dask scheduler address {scheduler!r} not understood: {exc}") from None
    except (OSError, TimeoutError) as exc:
        raise EnvironmentFailure(
            f"cannot reach the Dask scheduler at {scheduler} (no answer within {timeout:g} s: {exc})"
        ) from None


def run_dask(
    ctx: SweepContext,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
    n_workers: int | None = None,
    processes: bool = True,
    *,
    session: DaskSession | None = None,
) -> MultiSummary:
    """Evaluate every fold group on a Dask cluster and merge the group summaries (in group order).

    ``session``: a connected :func:`dask_client` (left open for the caller to close);
    without it one is made from ``scheduler`` (address of a running scheduler, or
    ``None`` for a :class:`distributed.LocalCluster` with ``n_workers`` and
    ``processes``) and closed afterwards.  Each task gets only its group index and
    returns its group's summary, merged on the worker.
    """
    from distributed import as_completed

    own = session is None
    if own:
        session = dask_client(scheduler, n_workers=n_workers, processes=processes)
    client = session.client
    try:
        ctx_future = client.scatter(ctx, broadcast=True)
        ng = n_fold_groups(ctx)
        futures = [client.submit(summarise_group, ctx_future, g, pure=False) for g in range(ng)]
        index = {f.key: g for g, f in enumerate(futures)}
        summary = ctx.new_summary()
        waiting: dict[int, MultiSummary] = {}  # finished out of order, merged as soon as their turn comes
        next_group = 0
        group_rows = FOLD_GROUP_BLOCKS * ctx.block_size
        for fut in as_completed(futures):
            g = index[fut.key]
            waiting[g] = fut.result()
            fut.release()
            while next_group in waiting:
                summary.merge(waiting.pop(next_group))
                next_group += 1
            if progress is not None:
                progress(min(group_rows, ctx.n_total - g * group_rows))
        return summary
    finally:
        if own:
            session.close()
