"""Regional stress test: the region's boards under one shared emergency-admissions driver.

In each scenario the change in non-elective (emergency) admissions against baseline is
drawn **once for the region** (a triangular distribution, in percentage points) and each
board adds its **own variation** (normal, mean 0)::

    change_b = regional + own_b        [%; own_b ~ Normal(0, board_sd_pp), independent by board]

so boards move together, as they did when admissions rose nationally in 2014/15
(docs/SOURCES.md §5).  Each board's plan is evaluated with that change
(``outturn.nel_admissions_change_pct``) by the vectorised headline kernel
(:func:`finmodel.kernel.evaluate_headline`), and reported per board and for the region:
P50 and P95 of the shortfall (total over the modelled years, £), the probability that
the board's shortfall exceeds its contingency, and for the region the probability that
**any** board's shortfall exceeds its own contingency.

Defaults [assumption, as in scenarios/luton-sensitivity.toml]: regional change
triangular(low -4.2, mode -1.0, high +4.9) %: the most ambitious plans' fall, a modest
fall, the national 2014/15 outturn; own variation 1.0 pp.  A region file may set them in
``[stress]`` (``regional_low_pct``, ``regional_mode_pct``, ``regional_high_pct``,
``board_sd_pp``).

Reproducible: scenarios come in fixed blocks of :data:`BLOCK_ROWS` rows, each drawn from
``SeedSequence([seed, block])``, and block results are merged in block order, so the
same seed gives the same numbers in-process and on Dask.  Memory is bounded by the block
(one board's block of outputs at a time, plus a running region total and an
"any board exceeds" flag per row; each board's own variation has its own random
stream, ``SeedSequence([seed, block, board + 1])``), not by boards x scenarios.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from finmodel.errors import InputError, NumericFault

BLOCK_ROWS = 65_536
BOARD_BINS = 4096
REGION_BINS = 2**15
PATH = "outturn.nel_admissions_change_pct"
PERCENTILES = (50, 95)
DEFAULTS = {"regional_low_pct": -4.2, "regional_mode_pct": -1.0, "regional_high_pct": 4.9, "board_sd_pp": 1.0}
#: The own variation is clipped at this many standard deviations, so the change is bounded (and so the summaries).
CLIP_SD = 4.0
MAX_STRESS_N = 10_000_000
#: A shortfall within a penny of the contingency is covered: the P4P money held back can equal the
#: shortfall exactly, and float rounding must not count that as an excess (as finmodel.checks does).
PENNY_GBP = 0.005
#: Boards per task: a block of scenarios is split into groups of boards, so Dask workers share a block;
#: the region's total adds the groups in order, in-process too, so both give the same bits.
GROUP_BOARDS = 16


@dataclass(frozen=True)
class StressBoard:
    la_code: str
    name: str
    plan: object      # finmodel.plan.Plan
    base: object      # finmodel.arrays.ModelInputs, n = 1
    n_years: int


@dataclass(frozen=True)
class StressContext:
    """Everything a worker needs for any block (picklable)."""

    boards: tuple[StressBoard, ...]
    n_total: int
    seed: int
    low: float
    mode: float
    high: float
    board_sd: float
    board_bounds: tuple[tuple[float, float], ...]
    region_bounds: tuple[float, float]
    block_rows: int = BLOCK_ROWS


def draws(ctx: StressContext, block: int) -> tuple[np.ndarray, int]:
    """The block's regional change (m,) [pp] and its row count m."""
    start = block * ctx.block_rows
    m = min(ctx.block_rows, ctx.n_total - start)
    regional = np.random.default_rng(np.random.SeedSequence([ctx.seed, block, 0])).triangular(
        ctx.low, ctx.mode, ctx.high, size=m)
    return regional, m


def own_variation(ctx: StressContext, block: int, board: int, m: int) -> np.ndarray:
    """Board ``board``'s own variation (m,) in the block [pp]: its own stream, so memory never holds boards x rows."""
    rng = np.random.default_rng(np.random.SeedSequence([ctx.seed, block, board + 1]))
    return np.clip(rng.normal(0.0, 1.0, size=m), -CLIP_SD, CLIP_SD) * ctx.board_sd


def board_change_pct(regional: np.ndarray, own: np.ndarray) -> np.ndarray:
    """The board's admissions change [%] = the region's draw + the board's own variation."""
    return regional + own


def evaluate_board(board: StressBoard, change_pct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(shortfall total £, contingency total £) per scenario for one board, by the headline kernel."""
    from finmodel.kernel import evaluate_headline
    from finmodel.sweep.inputs_map import apply_samples

    inputs = apply_samples(board.base, board.plan, {PATH: change_pct})
    h = evaluate_headline(inputs, board.n_years, threads=1, per_year=False)
    return np.asarray(h.shortfall_total_gbp, dtype=float), np.asarray(h.contingency_total_gbp, dtype=float)


@dataclass
class BlockResult:
    boards: list                 # StreamingSummary of each board's shortfall
    region: object               # StreamingSummary of the region's total shortfall
    board_exceed: np.ndarray     # (B,) scenarios where the board's shortfall > its contingency
    any_exceed: int              # scenarios where any board's shortfall > its contingency
    n: int

    def merge(self, other: "BlockResult") -> "BlockResult":
        for a, b in zip(self.boards, other.boards):
            a.merge(b)
        self.region.merge(other.region)
        self.board_exceed = self.board_exceed + other.board_exceed
        self.any_exceed += other.any_exceed
        self.n += other.n
        return self


def _summary(bounds, bins):
    from finmodel.sweep.summaries import StreamingSummary

    lo, hi = bounds
    if not hi > lo:
        hi = lo + 1.0  # a board whose shortfall does not move: one point mass, exact
    return StreamingSummary(bounds=(lo, hi), n_bins=bins)


@dataclass
class GroupResult:
    """One block of one group of boards: their summaries and exceedances, and row-wise sums for the region."""

    boards: list
    board_exceed: np.ndarray
    total: np.ndarray   # (m,) the group's shortfall, summed in board order
    anyx: np.ndarray    # (m,) some board of the group exceeds its contingency


def group_block(ctx: StressContext, block: int, group: int) -> GroupResult:
    """Boards ``group * GROUP_BOARDS ...`` on one block of scenarios, rebuilt from (seed, block) alone (a Dask task)."""
    regional, m = draws(ctx, block)
    total = np.zeros(m)
    anyx = np.zeros(m, dtype=bool)
    js = range(group * GROUP_BOARDS, min((group + 1) * GROUP_BOARDS, len(ctx.boards)))
    summaries, exceed = [], np.zeros(len(js), dtype=np.int64)
    for k, j in enumerate(js):
        board = ctx.boards[j]
        shortfall, contingency = evaluate_board(board, board_change_pct(regional, own_variation(ctx, block, j, m)))
        if not (np.isfinite(shortfall).all() and np.isfinite(contingency).all()):
            raise NumericFault(f"stress test: {board.name}: a non-finite shortfall in block {block}; nothing written")
        over = shortfall > contingency + PENNY_GBP  # covered to within a penny is covered (rounding, not money)
        exceed[k] = int(over.sum())
        anyx |= over
        total += shortfall
        summaries.append(_summary(ctx.board_bounds[j], BOARD_BINS).update(shortfall))
    return GroupResult(summaries, exceed, total, anyx)


def n_groups(ctx: StressContext) -> int:
    return -(-len(ctx.boards) // GROUP_BOARDS)


def combine_block(ctx: StressContext, groups: list[GroupResult]) -> BlockResult:
    """A block's groups, in group order (the same additions whatever the backend)."""
    total = groups[0].total.copy()
    anyx = groups[0].anyx.copy()
    for g in groups[1:]:
        total += g.total
        anyx |= g.anyx
    return BlockResult([s for g in groups for s in g.boards], _summary(ctx.region_bounds, REGION_BINS).update(total),
                       np.concatenate([g.board_exceed for g in groups]), int(anyx.sum()), int(total.shape[0]))


def stress_block(ctx: StressContext, block: int) -> BlockResult:
    """One block of scenarios over every board (in-process)."""
    return combine_block(ctx, [group_block(ctx, block, g) for g in range(n_groups(ctx))])


def build_context(boards: list[StressBoard], n: int, seed: int, spec: dict | None = None) -> StressContext:
    """The stress test's fixed inputs; bounds of each summary from the extreme changes (shortfall rises with admissions)."""
    p = {**DEFAULTS, **(spec or {})}
    low, mode, high, sd = p["regional_low_pct"], p["regional_mode_pct"], p["regional_high_pct"], p["board_sd_pp"]
    if not (low <= mode <= high and low < high and sd >= 0 and all(map(math.isfinite, (low, mode, high, sd)))):
        raise InputError(f"stress test: need regional_low_pct <= regional_mode_pct <= regional_high_pct (low < high) "
                         f"and board_sd_pp >= 0; got {low}, {mode}, {high}, {sd}")
    if not 1 <= n <= MAX_STRESS_N:
        raise InputError(f"--stress {n}: the number of scenarios per board must be 1 to {MAX_STRESS_N:,}")
    ends = np.array([low - CLIP_SD * sd, high + CLIP_SD * sd])
    bounds = []
    for b in boards:
        s, _ = evaluate_board(b, ends)
        bounds.append((float(s.min()), float(s.max())))
    region = (sum(b[0] for b in bounds), sum(b[1] for b in bounds))
    return StressContext(tuple(boards), n, seed, low, mode, high, sd, tuple(bounds), region)


def run_blocks(ctx: StressContext, backend: str = "local", scheduler: str | None = None,
               dask_workers: int | None = None, dask_processes: bool = True, progress=None) -> BlockResult:
    """Every block, merged in block order (in-process, or as Dask tasks)."""
    nb = -(-ctx.n_total // ctx.block_rows)
    if backend == "local":
        out = None
        for b in range(nb):
            r = stress_block(ctx, b)
            out = r if out is None else out.merge(r)
            if progress is not None:
                progress(b + 1, nb)
        return out
    from distributed import as_completed

    from finmodel.sweep.backends import dask_client

    with dask_client(scheduler, n_workers=dask_workers, processes=dask_processes) as session:
        client = session.client
        shared = client.scatter(ctx, broadcast=True)
        ng = n_groups(ctx)
        futures = {(b, g): client.submit(group_block, shared, b, g, pure=False) for b in range(nb) for g in range(ng)}
        index = {f.key: bg for bg, f in futures.items()}
        done: dict[int, dict[int, GroupResult]] = {}
        out, nxt = None, 0
        for fut in as_completed(list(futures.values())):
            b, g = index[fut.key]
            done.setdefault(b, {})[g] = fut.result()
            fut.release()
            while nxt in done and len(done[nxt]) == ng:  # blocks merged in block order: the same bits as in-process
                groups = done.pop(nxt)
                r = combine_block(ctx, [groups[k] for k in range(ng)])
                out = r if out is None else out.merge(r)
                nxt += 1
                if progress is not None:
                    progress(nxt, nb)
        return out


def summarise(ctx: StressContext, res: BlockResult) -> tuple[dict, pd.DataFrame]:
    rows = []
    for j, b in enumerate(ctx.boards):
        p50, p95 = res.boards[j].percentiles(PERCENTILES)
        rows.append({"la_code": b.la_code, "hwb": b.name, "shortfall_p50_gbp": round(float(p50), 2),
                     "shortfall_p95_gbp": round(float(p95), 2), "shortfall_mean_gbp": round(res.boards[j].result()["mean"], 2),
                     "prob_shortfall_exceeds_contingency": res.board_exceed[j] / res.n,
                     "quantile_resolution_gbp": round(res.boards[j].quantile_resolution(), 2)})
    p50, p95 = res.region.percentiles(PERCENTILES)
    rows.append({"la_code": "REGION", "hwb": "Region (sum of the boards' shortfalls)", "shortfall_p50_gbp": round(float(p50), 2),
                 "shortfall_p95_gbp": round(float(p95), 2), "shortfall_mean_gbp": round(res.region.result()["mean"], 2),
                 "prob_shortfall_exceeds_contingency": res.any_exceed / res.n,
                 "quantile_resolution_gbp": round(res.region.quantile_resolution(), 2)})
    frame = pd.DataFrame(rows)
    doc = {"n_per_board": res.n, "seed": ctx.seed, "block_rows": ctx.block_rows,
           "driver": {"input": PATH, "regional": {"dist": "triangular", "low": ctx.low, "mode": ctx.mode, "high": ctx.high},
                      "board_own_sd_pp": ctx.board_sd, "own_variation_clipped_at_sd": CLIP_SD},
           "boards_in_test": len(ctx.boards), "prob_any_board_exceeds_contingency": res.any_exceed / res.n,
           "rows": frame.to_dict(orient="records")}
    return doc, frame


def run_stress(result, n: int, seed: int = 0, backend: str = "local",
               scheduler: str | None = None, dask_workers: int | None = None, dask_processes: bool = True,
               progress=None) -> tuple[dict, pd.DataFrame]:
    """The stress test over the boards of a region run that have a valid plan (the others are listed)."""
    from finmodel.arrays import model_inputs

    boards, left_out = [], []
    for b in result.boards:
        if b.base is None:
            left_out.append(b.name)
            continue
        boards.append(StressBoard(b.la_code, b.name, b.base.plan, model_inputs(b.base.plan, b.base.pool), len(b.base.plan.years)))
    if not boards:
        doc = {"n_per_board": 0, "boards_in_test": 0, "left_out": left_out,
               "note": "no board has a valid plan: there is nothing to stress"}
        return doc, pd.DataFrame()
    spec = result.loaded.region.stress
    ctx = build_context(boards, n, seed, spec.model_dump(exclude_none=True) if spec is not None else None)
    res = run_blocks(ctx, backend, scheduler, dask_workers, dask_processes, progress)
    doc, frame = summarise(ctx, res)
    doc["left_out"] = left_out
    return doc, frame


def print_stress(doc: dict, console) -> None:
    from rich.table import Table

    from finmodel.report.terminal import _k, esc

    if not doc.get("boards_in_test"):
        console.print(f"  Stress test: {esc(doc.get('note', 'no board to stress'))}")
        return
    d = doc["driver"]["regional"]
    t = Table(title=f"Regional stress test: {doc['n_per_board']:,} scenarios per board, admissions change "
              f"triangular({d['low']}, {d['mode']}, {d['high']}) % for the region + own ±{doc['driver']['board_own_sd_pp']} pp "
              "(£000)", title_justify="left")
    for col in ("LA Code", "HWB name", "P50 shortfall", "P95 shortfall", "P(shortfall > contingency)"):
        t.add_column(col, justify="left" if col in ("LA Code", "HWB name") else "right")
    for r in doc["rows"]:
        label = "P(any board > its contingency)" if r["la_code"] == "REGION" else ""
        t.add_row(esc(r["la_code"]), esc(r["hwb"]), _k(r["shortfall_p50_gbp"]), _k(r["shortfall_p95_gbp"]),
                  f"{r['prob_shortfall_exceeds_contingency']:.1%}" + (f" {label}" if label else ""))
    console.print(t)
    if doc.get("left_out"):
        console.print(f"  Stress test leaves out (no valid plan): {esc(', '.join(doc['left_out']))}")
