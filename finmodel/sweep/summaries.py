"""Streaming, mergeable summaries of scenario outputs in bounded memory.

:class:`StreamingSummary` summarises one scalar output per scenario (e.g. the
shortfall in pounds) over any number of chunks; :class:`MultiSummary` keeps one
per named output.  Memory is fixed by ``n_bins`` (about 32 bytes per bin:
2**16 bins = 2 MiB) and does not grow with the number of scenarios.

What is exact
-------------
* ``count``, ``min``, ``max`` and the threshold exceedance counts
  (``prob_exceeds`` for thresholds given at construction, P(X > t), strict).
* ``sum`` and ``sum of squares``: for every finite float64 x, ``x * 2**1127``
  is an integer, so the sum is kept as a Python int of ``sum(x) * 2**1127`` and the
  squares as one of ``sum(x^2) * 2**2254`` (integer mantissas and their products summed
  in int64 pieces, exact for up to 2**35 values per update; see
  :mod:`finmodel.sweep.summary_loops`).
  Hence ``mean = sum / count`` and the population standard deviation
  ``std = sqrt((n*sum(x^2) - sum(x)^2) / n^2)`` (ddof = 0, like ``np.std``) are
  correctly rounded from exact values and are **bit-for-bit identical**
  whatever the chunking and merge order.

What is approximate, and by how much
------------------------------------
Percentiles, the tail mean and ``prob_exceeds`` for unregistered thresholds
come from a histogram of ``n_bins`` equal bins over ``bounds = (lo, hi)`` plus
two exact overflow cells (below lo, above hi).  Each cell keeps its count, sum,
and the exact min and max of the values in it.

* Percentile p uses numpy's default ("linear") definition: with ranks
  j = 0..n-1 in ascending order and h = (n-1) p/100, the value is
  ``x_(floor h) + (h - floor h)(x_(floor h + 1) - x_(floor h))``.  An order
  statistic in a cell with count c, min a and max b is estimated as
  ``a + (b - a) i / (c - 1)`` for its i-th place in the cell, so the error is at
  most ``b - a``.  ``result()["quantile_resolution"]`` reports the largest
  ``b - a`` over non-empty cells: a guaranteed bound on the absolute error of
  every reported percentile, at most the bin width ``(hi - lo)/n_bins`` unless
  values fell outside the bounds (then the spread of the overflow cell
  counts).  Cells holding a single distinct value (a point mass, e.g. a
  shortfall of exactly 0 in most scenarios) are exact.
* ``expected_shortfall`` is the mean of the worst (largest) ``tail_frac`` of
  values, fractional at the boundary: with k = tail_frac * n, the sum of the
  floor(k) largest values plus (k - floor(k)) times the next one, over k.
  Whole cells inside the tail contribute their exact sums; only the single
  boundary cell is estimated (clipped to the range the true value can lie
  in), so the error is at most ``quantile_resolution`` and zero when the
  boundary cell holds a single distinct value.

Bounds
------
Pass ``bounds=(lo, hi)`` covering the plausible range.  Without bounds they are
set at the first moment two distinct values have been seen, to the observed
[min, max] widened by ``auto_margin`` times the range on each side; values seen
earlier (all equal) are inserted as a point mass.  Later values outside the
bounds fall in the overflow cells: counts, sums, min and max stay exact but the
percentile/tail accuracy there degrades to the spread of those cells (reported
in ``quantile_resolution``).

Merging
-------
``merge`` combines summaries of disjoint sets of scenarios.  Both must have the
same ``n_bins``, ``thresholds``, ``tail_frac`` and (once set) the same bounds -
so give explicit bounds when summaries are built on different workers.  Counts
and extremes merge exactly; per-cell sums are float64 additions (order
dependence at the 1e-16 relative level only).  The histogram counts, and so
the percentiles, equal those of a single pass over the same values.  Sweeps fix
the order of those additions (one summary per fixed block of rows, merged in block
order; see :mod:`finmodel.sweep.backends`), so a sweep's tail mean is the same bits
whatever the chunk size or backend.

Speed
-----
``update`` makes one compiled pass per chunk (:mod:`finmodel.sweep.summary_loops`, numba, a
core dependency): exceedances, the exact sums and the cell indices in vectorised loops over
tiles in cache, then the cell updates, with the GIL released.  A cell's count, sum, min and
max share one 32-byte slot (``_cell_block``), so a value's update touches one cache line
there.  It gives the same bits as the numpy passes it replaced
(tests/sweep/test_summaries_equivalence.py compares it with a frozen copy of them).
"""

from __future__ import annotations

import copy
import math
from fractions import Fraction
from typing import Iterable, Mapping, Sequence

import numpy as np

from finmodel.sweep.summary_loops import cell_of, chunk_pass, merge_cells, require_numba, scaled_total, tail_mean

__all__ = ["StreamingSummary", "MultiSummary", "DEFAULT_PERCENTILES"]

DEFAULT_PERCENTILES = (5, 50, 95)
_SHIFT = 1127  # x * 2**_SHIFT is an integer for every finite float64 x


_EMPTY_CELL = np.array([0.0, 0.0, np.inf, -np.inf]).view(np.int64)  # count, sum, min, max


def _new_cell_block(n_cells: int) -> np.ndarray:
    """Uninitialised (n_cells, 4) int64 starting on a 64-byte boundary (two cells per cache line)."""
    buf = np.empty(4 * n_cells + 8, dtype=np.int64)
    start = (-buf.ctypes.data) % 64 // 8
    return buf[start:start + 4 * n_cells].reshape(n_cells, 4)


class StreamingSummary:
    """Mergeable one-output summary; see the module docstring for accuracy.

    Parameters
    ----------
    bounds : (lo, hi) or None
        Histogram range hint in the output's units (e.g. pounds).
    n_bins : int
        Number of equal bins over ``bounds`` (default 2**16).
    thresholds : iterable of float
        Values t for which P(X > t) is counted exactly (e.g. the contingency).
    tail_frac : float in (0, 1]
        Fraction of largest values averaged for ``expected_shortfall``.
    auto_margin : float >= 0
        Widening of automatic bounds, as a fraction of the first observed range.
    """

    def __init__(
        self,
        bounds: tuple[float, float] | None = None,
        n_bins: int = 2**16,
        thresholds: Iterable[float] = (),
        tail_frac: float = 0.05,
        auto_margin: float = 0.25,
    ) -> None:
        require_numba()  # the per-chunk pass is compiled (finmodel.sweep.summary_loops)
        if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
            raise ValueError(f"n_bins must be a positive int, got {n_bins!r}")
        tail_frac = float(tail_frac)
        if not 0.0 < tail_frac <= 1.0:
            raise ValueError(f"tail_frac must be in (0, 1], got {tail_frac!r}")
        auto_margin = float(auto_margin)
        if not (math.isfinite(auto_margin) and auto_margin >= 0):
            raise ValueError(f"auto_margin must be finite and >= 0, got {auto_margin!r}")
        thr = []
        for t in thresholds:
            t = float(t)
            if math.isnan(t):
                raise ValueError("thresholds must not contain NaN")
            if t not in thr:
                thr.append(t)
        self.n_bins = int(n_bins)
        self.tail_frac = tail_frac
        self.auto_margin = auto_margin
        self.thresholds: tuple[float, ...] = tuple(thr)
        self._thr = np.array(thr, dtype=np.float64)  # the same thresholds, for the compiled pass
        self._n = 0
        self._sum = 0  # sum(x) * 2**1127
        self._sumsq = 0  # sum(x^2) * 2**2254
        self._min = math.inf
        self._max = -math.inf
        self._exceed = np.zeros(len(thr), dtype=np.int64)
        nc = self.n_bins + 2  # cell 0: below lo; cells 1..n_bins: bins; last: above hi
        block = _new_cell_block(nc)
        for j in range(4):  # column by column: numpy broadcasts a row of 4 slowly
            block[:, j] = _EMPTY_CELL[j]
        self._use_cell_block(block)  # _cnt, _csum, _cmin, _cmax: views of it
        self._lo: float | None = None
        self._hi: float | None = None
        if bounds is not None:
            self._set_bounds(*bounds)

    # ------------------------------------------------------------------ state
    def _cell_block(self) -> np.ndarray:
        """The cells' count, sum, min and max (the last three as float64 bits) side by side,
        (n_cells, 4) int64 on 64-byte boundaries, so that the compiled pass updates one cache line
        per value, not four; ``_cnt``, ``_csum``, ``_cmin`` and ``_cmax`` are views of it.  Rebuilt
        from those arrays when they are not (after unpickling, a copy, or a merge that replaced them)."""
        block = self.__dict__.get("_cells")
        if block is None or any(a.base is not block.base for a in (self._cnt, self._csum, self._cmin, self._cmax)):
            block = _new_cell_block(self.n_bins + 2)
            block[:, 0] = self._cnt
            block[:, 1] = np.asarray(self._csum, dtype=np.float64).view(np.int64)
            block[:, 2] = np.asarray(self._cmin, dtype=np.float64).view(np.int64)
            block[:, 3] = np.asarray(self._cmax, dtype=np.float64).view(np.int64)
            self._use_cell_block(block)
        return block

    def _use_cell_block(self, block: np.ndarray) -> None:
        self._cells = block
        self._cnt = block[:, 0]
        self._csum, self._cmin, self._cmax = (block[:, j].view(np.float64) for j in (1, 2, 3))

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_cells", None)  # the views pickle as arrays of their own; the next update rebuilds it
        return state

    @property
    def count(self) -> int:
        return self._n

    @property
    def bounds(self) -> tuple[float, float] | None:
        return None if self._lo is None else (self._lo, self._hi)

    def _set_bounds(self, lo, hi) -> None:
        lo, hi = float(lo), float(hi)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"bounds must be finite with lo < hi, got {(lo, hi)!r}")
        self._lo, self._hi = lo, hi

    def _add_point_mass(self, v: float, c: int) -> None:
        cell = cell_of(float(v), self._lo, self._hi, self.n_bins / (self._hi - self._lo), self.n_bins)
        self._cnt[cell] += c
        self._csum[cell] += v * c
        self._cmin[cell] = min(self._cmin[cell], v)
        self._cmax[cell] = max(self._cmax[cell], v)

    def _auto_bounds(self, vmin: float, vmax: float) -> None:
        span = vmax - vmin
        lo, hi = vmin - self.auto_margin * span, vmax + self.auto_margin * span
        if not (math.isfinite(lo) and math.isfinite(hi)):
            lo, hi = vmin, vmax
        self._set_bounds(lo, hi)

    # ----------------------------------------------------------------- update
    def update(self, values) -> "StreamingSummary":
        """Add a 1-D array of finite values (one per scenario).  Returns self."""
        x = np.asarray(values, dtype=np.float64)
        if x.ndim == 0:
            x = x.reshape(1)
        if x.ndim != 1:
            raise ValueError(f"update expects a 1-D array (one value per scenario), got shape {x.shape}")
        if x.size == 0:
            return self
        xmin, xmax = float(x.min()), float(x.max())  # NaN if x has one, else +-inf if it has one
        if not (math.isfinite(xmin) and math.isfinite(xmax)):
            raise ValueError("update values must be finite (found NaN or inf)")
        prev_n, prev_v = self._n, self._min
        self._n += int(x.size)
        self._min = min(self._min, xmin)
        self._max = max(self._max, xmax)
        if self._lo is None and self._min != self._max:
            self._auto_bounds(self._min, self._max)
            if prev_n:
                self._add_point_mass(prev_v, prev_n)
        # one compiled pass: exceedances, exact sums, and the cells once bounds are known
        # (until then all values so far are equal: kept as a point mass (count, min))
        x = np.ascontiguousarray(x)
        do_cells = self._lo is not None
        lo, hi = (self._lo, self._hi) if do_cells else (0.0, 1.0)
        sums = chunk_pass(x, self._thr, self._exceed, do_cells, lo, hi, self.n_bins / (hi - lo),
                          self._cell_block(), max(-xmin, xmax))
        self._sum += scaled_total(sums[0])
        self._sumsq += scaled_total(sums[1])
        return self

    # ------------------------------------------------------------------ merge
    def _is_pending_point(self) -> bool:
        return self._lo is None and self._n > 0

    def merge(self, other: "StreamingSummary") -> "StreamingSummary":
        """Fold ``other`` (disjoint scenarios) into self, in place.  Returns self."""
        if not isinstance(other, StreamingSummary):
            raise ValueError(f"can only merge a StreamingSummary, got {type(other).__name__}")
        for attr in ("n_bins", "thresholds", "tail_frac"):
            if getattr(self, attr) != getattr(other, attr):
                raise ValueError(
                    f"cannot merge summaries with different {attr}: {getattr(self, attr)!r} vs {getattr(other, attr)!r}"
                )
        if other._n == 0:
            if self._lo is None and other._lo is not None:
                self._lo, self._hi = other._lo, other._hi
            return self
        if self._lo is not None and other._lo is not None and (self._lo, self._hi) != (other._lo, other._hi):
            raise ValueError(
                f"cannot merge summaries with different bounds {self.bounds} vs {other.bounds}; "
                "pass the same explicit bounds=(lo, hi) to every summary that will be merged"
            )
        # histogram part
        if other._lo is not None:
            if self._lo is None:
                mine = (self._min, self._n) if self._n else None
                self._lo, self._hi = other._lo, other._hi
                self._cnt, self._csum = other._cnt.copy(), other._csum.copy()
                self._cmin, self._cmax = other._cmin.copy(), other._cmax.copy()
                if mine:
                    self._add_point_mass(*mine)
            else:
                if merge_cells(self._cell_block(), other._cell_block()):
                    # some cell's two mins (or maxes) are 0.0 and -0.0: numpy picks, on contiguous
                    # arrays as before the cells were views (its choice could depend on the loop)
                    for mine, theirs, pick in ((self._cmin, other._cmin, np.minimum),
                                               (self._cmax, other._cmax, np.maximum)):
                        m = np.ascontiguousarray(mine)
                        pick(m, np.ascontiguousarray(theirs), out=m)
                        mine[...] = m
        else:  # other is a pending point mass
            if self._lo is not None:
                self._add_point_mass(other._min, other._n)
            elif self._n and self._min != other._min:
                lo, hi = min(self._min, other._min), max(self._max, other._max)
                mine = (self._min, self._n)
                self._auto_bounds(lo, hi)
                self._add_point_mass(*mine)
                self._add_point_mass(other._min, other._n)
        # exact scalars
        self._n += other._n
        self._sum += other._sum
        self._sumsq += other._sumsq
        self._min = min(self._min, other._min)
        self._max = max(self._max, other._max)
        self._exceed += other._exceed
        return self

    def copy(self) -> "StreamingSummary":
        return copy.deepcopy(self)

    # ---------------------------------------------------------------- queries
    def _cell_arrays(self):
        """(count, sum, min, max) of the cells, including a pending point mass."""
        if self._lo is None:
            return (
                np.array([self._n]),
                np.array([self._min * self._n]),
                np.array([self._min]),
                np.array([self._max]),
            )
        return self._cnt, self._csum, self._cmin, self._cmax

    def _order_stats(self, ranks: np.ndarray) -> np.ndarray:
        cnt, _, cmin, cmax = self._cell_arrays()
        cum = np.cumsum(cnt)
        c = np.searchsorted(cum, ranks, side="right")
        within = ranks - (cum[c] - cnt[c])
        cc = cnt[c]
        a, b = cmin[c], cmax[c]
        frac = np.where(cc > 1, within / np.maximum(cc - 1, 1), 0.0)
        return np.where(a == b, a, a + (b - a) * frac)

    def percentiles(self, percentiles: Sequence[float] = DEFAULT_PERCENTILES) -> np.ndarray:
        """Percentiles (0..100, numpy 'linear' definition) as an array; NaN if empty."""
        p = np.asarray(percentiles, dtype=np.float64).reshape(-1)
        if np.any((p < 0) | (p > 100)) or np.any(np.isnan(p)):
            raise ValueError(f"percentiles must be in [0, 100], got {percentiles!r}")
        if self._n == 0:
            return np.full(p.shape, np.nan)
        h = (self._n - 1) * p / 100.0
        j0 = np.floor(h).astype(np.int64)
        j1 = np.minimum(j0 + 1, self._n - 1)
        x0, x1 = self._order_stats(j0), self._order_stats(j1)
        q = np.where(x0 == x1, x0, x0 + (h - j0) * (x1 - x0))
        return np.clip(q, self._min, self._max)

    def quantile_resolution(self) -> float:
        """Largest (max - min) over non-empty cells: bound on percentile/tail-mean error."""
        if self._n == 0:
            return math.nan
        cnt, _, cmin, cmax = self._cell_arrays()
        live = cnt > 0
        return float(np.max(cmax[live] - cmin[live]))

    def expected_shortfall(self, tail_frac: float | None = None) -> float:
        """Mean of the largest ``tail_frac`` of values (fractional at the boundary)."""
        tf = self.tail_frac if tail_frac is None else float(tail_frac)
        if not 0.0 < tf <= 1.0:
            raise ValueError(f"tail_frac must be in (0, 1], got {tf!r}")
        if self._n == 0:
            return math.nan
        k = tf * self._n
        if abs(k - round(k)) <= 1e-9 * max(1.0, k):
            k = float(round(k))
        # whole cells from the top add their exact sums; the boundary cell's part is
        # estimated as evenly spaced values, clipped (compiled: summary_loops.tail_mean)
        return float(tail_mean(*self._cell_arrays(), float(k), float(self._max)))

    def prob_exceeds(self, threshold: float) -> float:
        """P(X > threshold): exact if ``threshold`` was given at construction, else a histogram estimate."""
        t = float(threshold)
        if self._n == 0:
            return math.nan
        if t in self.thresholds:
            return int(self._exceed[self.thresholds.index(t)]) / self._n
        cnt, _, cmin, cmax = self._cell_arrays()
        live = cnt > 0
        cc, a, b = cnt[live].astype(np.float64), cmin[live], cmax[live]
        split = (a <= t) & (t < b)  # cells straddling t: values assumed evenly spaced on [a, b]
        at_or_below = np.floor((t - a[split]) / (b[split] - a[split]) * (cc[split] - 1)) + 1
        above = np.sum(cc[a > t]) + np.sum(cc[split] - np.clip(at_or_below, 0, cc[split]))
        return float(above) / self._n

    def result(self, percentiles: Sequence[float] = DEFAULT_PERCENTILES) -> dict:
        """Summary dict.

        Keys: ``count``, ``mean``, ``std`` (ddof=0), ``min``, ``max``, ``p<P>`` for
        each requested percentile (e.g. ``p5``, ``p50``, ``p95``, ``p2.5``),
        ``prob_exceeds`` ({threshold: P(X > threshold)}), ``tail_frac``,
        ``expected_shortfall`` (mean of the worst ``tail_frac``), ``quantile_resolution``
        (absolute error bound for percentiles and expected_shortfall), ``bin_width``,
        ``bounds`` and ``n_out_of_range``.  Floats are NaN when count is 0.
        """
        n = self._n
        out: dict = {"count": n}
        if n:
            out["mean"] = float(Fraction(self._sum, n << _SHIFT))
            var = Fraction(n * self._sumsq - self._sum * self._sum, (n * n) << (2 * _SHIFT))
            out["std"] = math.sqrt(float(var))
            out["min"], out["max"] = self._min, self._max
        else:
            out.update(mean=math.nan, std=math.nan, min=math.nan, max=math.nan)
        for p, v in zip(percentiles, self.percentiles(percentiles)):
            out[f"p{float(p):g}"] = float(v)
        out["prob_exceeds"] = {t: (int(e) / n if n else math.nan) for t, e in zip(self.thresholds, self._exceed)}
        out["tail_frac"] = self.tail_frac
        out["expected_shortfall"] = self.expected_shortfall()
        out["quantile_resolution"] = self.quantile_resolution()
        out["bin_width"] = math.nan if self._lo is None else (self._hi - self._lo) / self.n_bins
        out["bounds"] = self.bounds
        out["n_out_of_range"] = 0 if self._lo is None else int(self._cnt[0] + self._cnt[-1])
        return out


class MultiSummary:
    """A named set of :class:`StreamingSummary` (e.g. shortfall, unfunded gap, each partner's payment)."""

    def __init__(self, summaries: Mapping[str, StreamingSummary]) -> None:
        if not summaries:
            raise ValueError("MultiSummary needs at least one named summary")
        for k, v in summaries.items():
            if not isinstance(v, StreamingSummary):
                raise ValueError(f"summary {k!r} is a {type(v).__name__}, not a StreamingSummary")
        self.summaries: dict[str, StreamingSummary] = dict(summaries)

    @classmethod
    def from_names(
        cls,
        names: Iterable[str],
        *,
        bounds: Mapping[str, tuple[float, float]] | tuple[float, float] | None = None,
        thresholds: Mapping[str, Iterable[float]] | Iterable[float] = (),
        **kwargs,
    ) -> "MultiSummary":
        """One summary per name; ``bounds``/``thresholds`` may be per-name mappings
        (names not in the mapping get none) or shared; other kwargs go to every summary."""
        names = list(names)
        out = {}
        for n in names:
            b = bounds.get(n) if isinstance(bounds, Mapping) else bounds
            t = thresholds.get(n, ()) if isinstance(thresholds, Mapping) else thresholds
            out[n] = StreamingSummary(bounds=b, thresholds=t, **kwargs)
        for m in (bounds, thresholds):
            if isinstance(m, Mapping) and set(m) - set(names):
                raise ValueError(f"unknown output names {sorted(set(m) - set(names))}; outputs are {names}")
        return cls(out)

    @property
    def names(self) -> list[str]:
        return list(self.summaries)

    def __getitem__(self, name: str) -> StreamingSummary:
        return self.summaries[name]

    def update(self, values: Mapping[str, np.ndarray]) -> "MultiSummary":
        """Update every summary; ``values`` must have exactly the summary names as keys."""
        extra, missing = set(values) - set(self.summaries), set(self.summaries) - set(values)
        if extra or missing:
            raise ValueError(f"update keys mismatch: unknown {sorted(extra)}, missing {sorted(missing)}")
        sizes = {k: np.size(v) for k, v in values.items()}
        if len(set(sizes.values())) > 1:
            raise ValueError(f"update arrays have different lengths: {sizes}")
        for k, s in self.summaries.items():
            s.update(values[k])
        return self

    def merge(self, other: "MultiSummary") -> "MultiSummary":
        if not isinstance(other, MultiSummary) or set(other.summaries) != set(self.summaries):
            raise ValueError("can only merge a MultiSummary with the same output names")
        for k, s in self.summaries.items():
            s.merge(other.summaries[k])
        return self

    def result(self, percentiles: Sequence[float] = DEFAULT_PERCENTILES) -> dict[str, dict]:
        """``{name: StreamingSummary.result(percentiles)}``."""
        return {k: s.result(percentiles) for k, s in self.summaries.items()}
