"""The streaming summaries' per-chunk work, compiled by numba: one call per output per chunk.

:func:`chunk_pass` does, for one chunk of one output, what
:meth:`finmodel.sweep.summaries.StreamingSummary.update` needs beyond the chunk's min
and max: the threshold exceedance counts, the exact sum and sum of squares as integer
mantissa sums per float exponent (turned into Python ints by
:func:`scaled_total`), and the histogram cells (count, sum, min, max).

Every step keeps the numbers of the numpy passes it replaces, bit for bit (proved by
tests/sweep/test_summaries_equivalence.py against a frozen copy of those passes):

* cell index: the same IEEE expression ``floor(clip((x - lo) * scale, -1, n_bins)) + 1``
  with the same overflow rules (:func:`cell_of`);
* cell sums: a chunk's values are added to a zeroed per-cell partial in row order and the
  partial is then added to the running cell sum, exactly as ``csum += np.bincount(cell,
  weights=x)`` does;
* cell min/max: the ``np.minimum.at``/``np.maximum.at`` rule, so a later equal value
  (``-0.0`` after ``0.0``) replaces an earlier one;
* sums: ``x = +-M * 2**(E - 1075)`` with integer mantissa ``M < 2**53``; the mantissas are
  summed per exponent ``E`` in int64 as 26/27-bit halves (no overflow below 2**36 values
  per call), so the integer is exact whatever the order; squares go through Dekker's
  error-free product ``x*x = p + e`` (IEEE double, no fastmath, no FMA contraction) and
  the values where it could overflow or underflow (|x| >= 2**500, 0 < |x| <= 2**-450) are
  counted and left to the caller's Python-int fallback.

Compiled code is cached on disk (``cache=True``) and releases the GIL (``nogil=True``) so
the sweep's worker threads summarise blocks in parallel.  numba is a core dependency;
without it :func:`require_numba` raises :class:`~finmodel.errors.EnvironmentFailure`.
"""

from __future__ import annotations

import math

import numpy as np

from finmodel.errors import EnvironmentFailure

try:  # numba is imported here only: reading a saved summary does not need it
    import numba
    from llvmlite import ir
    from numba.core import types
    from numba.extending import intrinsic
except ImportError as exc:  # pragma: no cover - numba is a core dependency
    numba = None
    _IMPORT_ERROR = exc
else:
    _IMPORT_ERROR = None

__all__ = ["require_numba", "cell_of", "chunk_pass", "scaled_total", "N_EXP"]

N_EXP = 2048  # biased float64 exponents 0..2047 (E = max(biased, 1))
_HALF = 27  # mantissa split: hi = M >> 27 in [-2**26, 2**26], lo = M & (2**27 - 1)
_MASK = (1 << _HALF) - 1
_SQ_MAX, _SQ_MIN = 2.0**500, 2.0**-450  # Dekker's product is exact for |x| in (_SQ_MIN, _SQ_MAX) and for 0


def require_numba():
    """Raise a clear environment error if numba is missing (the streaming summaries need it)."""
    if numba is None:
        raise EnvironmentFailure(
            "finmodel's streaming summaries (finmodel.sweep.summaries) need the 'numba' package "
            f"({_IMPORT_ERROR}); install it with: pip install 'numba>=0.60'"
        )


def _jit(fn=None, **kw):
    """``numba.njit`` cached, GIL released, IEEE arithmetic (no fastmath); plain Python without numba."""
    def wrap(f):
        return f if numba is None else numba.njit(cache=True, nogil=True, error_model="numpy", **kw)(f)
    return wrap(fn) if fn is not None else wrap


@_jit
def cell_of(x, lo, hi, scale, n_bins):
    """Histogram cell of one value: 0 below ``lo``, 1..n_bins the bins, n_bins + 1 above ``hi``.

    ``scale = n_bins / (hi - lo)`` (bins per output unit), computed once by the caller.
    """
    if x < lo:
        return 0
    if x > hi:
        return n_bins + 1
    k = (x - lo) * scale
    if k < -1.0:  # np.clip(k, -1, n_bins)
        k = -1.0
    if k > n_bins:
        k = float(n_bins)
    c = int(math.floor(k)) + 1
    return c if c < n_bins else n_bins


if numba is not None:
    @intrinsic
    def _bits(typingctx, v):
        """The IEEE bits of a float64 as an int64 (a register move, like ``ndarray.view``)."""
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.IntType(64))
        return types.int64(types.float64), codegen
else:  # pragma: no cover
    def _bits(v):
        return int(np.array(v, dtype=np.float64).view(np.int64))


@_jit(inline="always")
def _add_exact(bits, acc_hi, acc_lo):
    """Add the integer mantissa of the float64 with IEEE ``bits`` to the sums of its exponent
    (the scaled sum is sum M * 2**(E + 52))."""
    biased = (bits >> 52) & 0x7FF
    mant = (bits & 0xFFFFFFFFFFFFF) | (np.int64(biased > 0) << 52)  # implicit leading 1 unless subnormal
    sign = bits >> 63  # -1 if negative else 0
    mant = (mant ^ sign) - sign  # -mant if negative
    e = max(biased, 1)
    acc_hi[e] += mant >> _HALF
    acc_lo[e] += mant & _MASK


@_jit
def chunk_pass(x, thresholds, exceed, do_cells, lo, hi, scale, cnt, csum, cmin, cmax, acc):
    """One compiled call per chunk ``x`` (finite float64, 1-D) of one output; updates in place.

    ``exceed[i] += #(x > thresholds[i])``; with ``do_cells`` the cells' count, sum, min and
    max; ``acc`` (4, N_EXP) int64 gets the mantissa sums of x (rows 0, 1: hi, lo halves)
    and of the Dekker parts of x*x (rows 2, 3).  Returns how many values were too large or
    too small for Dekker's product (the caller adds their squares exactly in Python).
    Separate loops, each over the chunk (which stays in cache): fused, the stores to the
    accumulators of one loop stall the others.
    """
    n = x.size
    for j in range(thresholds.size):
        t = thresholds[j]
        c = 0
        for i in range(n):
            c += x[i] > t
        exceed[j] += c
    _exact_sums(x, acc)
    unsafe = _exact_sums_of_squares(x, acc)
    if do_cells:
        _add_to_cells(x, lo, hi, scale, cnt, csum, cmin, cmax)
    return unsafe


@_jit
def _exact_sums(x, acc):
    s_hi, s_lo = acc[0], acc[1]
    for i in range(x.size):
        _add_exact(_bits(x[i]), s_hi, s_lo)


@_jit
def _exact_sums_of_squares(x, acc):
    q_hi, q_lo = acc[2], acc[3]
    unsafe = 0
    for i in range(x.size):
        v = x[i]
        a = abs(v)
        if a < _SQ_MAX and (a > _SQ_MIN or a == 0.0):
            p = v * v
            c = 134217729.0 * v  # Veltkamp split, 2**27 + 1
            h = c - (c - v)
            l = v - h
            e = l * l - (((p - h * h) - l * h) - h * l)  # Dekker: v*v == p + e exactly
            _add_exact(_bits(p), q_hi, q_lo)
            _add_exact(_bits(e), q_hi, q_lo)
        else:
            unsafe += 1
    return unsafe


@_jit
def _add_to_cells(x, lo, hi, scale, cnt, csum, cmin, cmax):
    """Cells' count, sum, min, max, as ``bincount`` and ``minimum.at``/``maximum.at`` would."""
    n_bins = cnt.size - 2
    part = np.zeros(cnt.size)
    for i in range(x.size):
        v = x[i]
        k = cell_of(v, lo, hi, scale, n_bins)
        cnt[k] += 1
        part[k] += v
        c = cmin[k]  # np.minimum.at keeps c only if c < v: an equal later value (-0.0 after 0.0) replaces
        cmin[k] = c if c < v else v  # a select, not a branch: 3x faster on random cells
        c = cmax[k]
        cmax[k] = c if c > v else v
    for k in range(cnt.size):  # csum += bincount(cell, weights=x): every cell, partial from 0.0
        csum[k] += part[k]


def scaled_total(acc_hi: np.ndarray, acc_lo: np.ndarray) -> int:
    """``sum over E of (hi_E * 2**27 + lo_E) * 2**(E + 52)`` as a Python int (exact)."""
    total = 0
    live = np.flatnonzero(acc_hi | acc_lo)
    for k, h, l in zip(live.tolist(), acc_hi[live].tolist(), acc_lo[live].tolist()):
        total += ((h << _HALF) + l) << (k + 52)
    return total


@_jit(inline="always")
def _py_max(x, y):
    """Python's ``max(x, y)``: the first unless the second is larger (so ``max(0.0, -0.0)`` is ``0.0``)."""
    return y if y > x else x


@_jit(inline="always")
def _py_min(x, y):
    """Python's ``min(x, y)``: the first unless the second is smaller."""
    return y if y < x else x


@_jit
def tail_mean(cnt, csum, cmin, cmax, k, vmax):
    """Mean of the largest ``k`` values (k > 0, fractional at the boundary) from the cells.

    The same float operations in the same order as the Python loop it replaced (see
    :meth:`finmodel.sweep.summaries.StreamingSummary.expected_shortfall` for the method):
    whole cells from the top add their exact sums; the boundary cell's part assumes its
    values evenly spaced on [min, max], clipped to the range the true part can lie in.
    """
    total, need, low = 0.0, k, vmax
    for c in range(cnt.size - 1, -1, -1):
        if cnt[c] == 0:
            continue
        cc, a, b = cnt[c], cmin[c], cmax[c]
        s = cc * a if a == b else csum[c]
        if cc <= need:
            total += s
            need -= cc
            low = a
            if need <= 0:
                break
            continue
        r = need  # 0 < r < cc values from this cell
        if a == b:
            part = r * a
        else:
            f = float(math.floor(r))
            step = (b - a) / (cc - 1)
            part = f * b - step * f * (f - 1) / 2.0 + (r - f) * (b - step * f)
            part = _py_min(_py_min(_py_max(part, r * s / cc), r * b), s - (cc - r) * a)
        total += part
        low = a
        break
    return _py_min(_py_max(total / k, low), vmax)
