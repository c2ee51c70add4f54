"""The streaming summaries' per-chunk work, compiled by numba: one call per output per chunk.

:func:`chunk_pass` does, for one chunk of one output, what
:meth:`finmodel.sweep.summaries.StreamingSummary.update` needs beyond the chunk's min
and max: the threshold exceedance counts, the exact sum and sum of squares (returned as
32-bit limbs, made Python ints by :func:`scaled_total`), and the histogram cells (count,
sum, min, max).

Every step keeps the numbers of the numpy passes it replaces, bit for bit (proved by
tests/sweep/test_summaries_equivalence.py against a frozen copy of those passes):

* cell index: the same IEEE expression ``floor(clip((x - lo) * scale, -1, n_bins)) + 1``
  with the same overflow rules (:func:`cell_of`; a NaN index, possible only when
  ``hi - lo`` or ``scale`` overflows, goes to cell 0 where numpy would fail);
* cell sums: a chunk's values are added to a zeroed per-cell partial in row order and the
  partial is then added to the running cell sum, exactly as ``csum += np.bincount(cell,
  weights=x)`` does;
* cell min/max: the ``np.minimum.at``/``np.maximum.at`` rule, so a later equal value
  (``-0.0`` after ``0.0``) replaces an earlier one;
* exact zeros (most of some outputs) skip the per-value cell updates and are added once
  at the end, which gives the same cells (:func:`_add_zeros` says why);
* sums: the sum and the sum of squares are exact integers (``x * 2**1127`` and
  ``x**2 * 2**2254``), kept as int64 sums per power of two (``acc``: row 0 the sum, row 1
  the squares; column k weighs 2**k).  A value adds less than 2**27 to any column and a
  tile of ``_TILE`` values less than 2**32, so nothing overflows below 2**35 values per
  call, and the integer is exact whatever the order.

The sums take two paths, both integer-only (no float rounding, no fallback to Python).
With ``x = +-M * 2**(E - 1075)`` (integer mantissa ``M < 2**53``), a value whose exponent E
lies in the chunk's top ``_T + 1`` binades (from its largest magnitude) is
``+-y * 2**(e0 - 1075)`` with ``y = M << (E - e0) < 2**75``: y is cut into three 25-bit
pieces, whose signed sums and six pairwise products (below 2**50; y*y exactly) are summed
in registers over a tile, in a loop numba vectorises (SIMD), and added to ``acc`` once per
tile.  The rare others (far smaller, or subnormal) are added one by one: M in 27-bit
halves at their own exponent, M*M as three products of 27-bit halves.

The cells' updates are the costly part: a sweep's 2**15 cells per output do not stay in
the core's cache (13 outputs take turns), so a cell is one 32-byte slot (count, sum, min,
max; see ``StreamingSummary._cell_block``) and it and the cell's partial sum are fetched
``_AHEAD`` values before the update.

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
    from numba.core import cgutils, types
    from numba.extending import intrinsic
except ImportError as exc:  # pragma: no cover - numba is a core dependency
    numba = None
    _IMPORT_ERROR = exc
else:
    _IMPORT_ERROR = None

__all__ = ["require_numba", "cell_of", "chunk_pass", "merge_cells", "scaled_total"]

ACC_WIDTH = 4352  # columns of acc: weights 2**0 .. 2**4351 (the largest used is 2**4284)
_LIMBS = ACC_WIDTH // 32 + 3  # 32-bit digits of a row of acc, with room for the carries
_T = 22  # fast path: exponents e0..e0 + _T, so y = M << (E - e0) < 2**75 = three 25-bit pieces
_TILE = 512  # values per tile (a power of 2): the tile's sums of 25-bit products stay below 2**59
_AHEAD = 128  # values between a cell's prefetch and its update (a memory latency ahead)
_FRAC = (1 << 52) - 1
_M25, _M27, _M32 = (1 << 25) - 1, (1 << 27) - 1, (1 << 32) - 1
_TWO52 = 2.0**52  # floor(k) + 2**52 + 1 has the cell index in its low bits (exact below 2**52)
_TWO52_BITS = 0x4330000000000000
_U = np.uint64


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


if numba is not None:
    @intrinsic
    def _bits(typingctx, v):
        """The IEEE bits of a float64 as an int64 (a register move, like ``ndarray.view``)."""
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.IntType(64))
        return types.int64(types.float64), codegen

    @intrinsic
    def _float(typingctx, b):
        """The float64 with IEEE bits ``b`` (the inverse of :func:`_bits`)."""
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.DoubleType())
        return types.float64(types.int64), codegen

    @intrinsic
    def _mul32(typingctx, a, b):
        """``a * b`` for int64 operands below 2**32: a 32x32->64 bit multiply, which SIMD has
        (a plain int64 product is not vectorised on AVX2)."""
        def codegen(context, builder, signature, args):
            i32, i64 = ir.IntType(32), ir.IntType(64)
            return builder.mul(*(builder.zext(builder.trunc(v, i32), i64) for v in args))
        return types.int64(types.int64, types.int64), codegen

    @intrinsic
    def _prefetch(typingctx, arr, idx):
        """Ask for the cache line of ``arr[idx]`` (to be written) ahead of its use: no effect on results."""
        def codegen(context, builder, signature, args):
            aty = signature.args[0]
            ary = context.make_array(aty)(context, builder, args[0])
            ptr = cgutils.get_item_pointer(context, builder, aty, ary, [args[1]])
            i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
            fn = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]), "llvm.prefetch.p0i8")
            builder.call(fn, [builder.bitcast(ptr, i8p)] + [ir.Constant(i32, c) for c in (1, 3, 1)])
            return context.get_dummy_value()
        return types.void(arr, types.int64), codegen
else:  # pragma: no cover
    def _bits(v):
        return int(np.array(v, dtype=np.float64).view(np.int64))

    def _float(b):
        return float(np.array(b, dtype=np.int64).view(np.float64))

    def _mul32(a, b):
        return a * b

    def _prefetch(arr, idx):
        pass


@_jit(inline="always")
def _cell(x, lo, hi, scale, n_bins):
    """:func:`cell_of` without branches (so the loop over a tile is vectorised); ``n_bins < 2**51``."""
    k = (x - lo) * scale
    k = k if k >= -1.0 else -1.0  # np.clip(k, -1, n_bins); NaN -> -1 (cell 0), not an undefined int
    k = k if k <= n_bins else float(n_bins)
    c = _bits(np.floor(k) + (_TWO52 + 1.0)) - _TWO52_BITS  # floor(k) + 1, exact: |k| <= n_bins < 2**51
    c = c if c < n_bins else n_bins
    c = 0 if x < lo else c
    return n_bins + 1 if x > hi else c


@_jit
def cell_of(x, lo, hi, scale, n_bins):
    """Histogram cell of one value: 0 below ``lo``, 1..n_bins the bins, n_bins + 1 above ``hi``.

    ``scale = n_bins / (hi - lo)`` (bins per output unit), computed once by the caller.
    """
    return _cell(x, lo, hi, scale, n_bins)


@_jit
def chunk_pass(x, thresholds, exceed, do_cells, lo, hi, scale, cells, amax):
    """One compiled call per chunk ``x`` (finite float64, 1-D) of one output; updates in place.

    ``exceed[i] += #(x > thresholds[i])``; with ``do_cells``, the cells: ``cells`` (n_cells, 4)
    int64 holds per cell its count, sum, min and max (the last three as float64 bits).
    Returns the exact sum (row 0, in units of 2**-1127) and sum of squares (row 1, units of
    2**-2254) of x as 32-bit limbs for :func:`scaled_total`.  ``amax`` is the largest ``|x|``: it only chooses
    the binades of the fast path (any value gives the same sums).

    The chunk is done in tiles that stay in cache: the tile's exceedances, exact sums and
    cell indices in loops numba vectorises, then the previous tile's cell updates, each
    prefetching the cell of the value ``_AHEAD`` on (so the next tile's indices are ready).
    Exact zeros skip the cell updates and are added once at the end (:func:`_add_zeros`).
    """
    n = x.size
    emax = (_bits(amax) >> 52) & 0x7FF
    e0 = max(emax - _T, 1)
    n_bins = cells.shape[0] - 2
    acc = np.zeros((2, ACC_WIDTH), dtype=np.int64)
    flat = cells.reshape(-1)  # cell k at 4k..4k + 3
    part = np.zeros(cells.shape[0] if do_cells else 0)  # this call's sums per cell, from +0.0
    vals = np.zeros(2 * _TILE)  # this tile's and the previous tile's values but exact zeros,
    ring = np.zeros(2 * _TILE, dtype=np.uint64)  # and their cells
    if do_cells and 4 * n >= part.size:  # most cells will be hit: fetch them in order first (faster)
        for j in range(0, flat.size, 8):
            _prefetch(flat, j)
    todo = n_zeros = 0  # values of the previous tile waiting for their cells; zeros so far
    zero = 0.0  # the last zero, in row order
    for start in range(0, n, _TILE):
        xt = x[start:min(start + _TILE, n)]
        for j in range(thresholds.size):
            t = thresholds[j]
            c = 0
            for i in range(xt.size):
                c += xt[i] > t
            exceed[j] += c
        if _tile_sums(xt, e0, acc):
            for i in range(xt.size):  # rare (values below 2**-_T of the largest, subnormals): one by one
                b = _bits(xt[i])
                e = (b >> 52) & 0x7FF
                if not (e0 <= e <= e0 + _T) and (b << 1) != 0:
                    _add_exact(b, acc)
        if not do_cells:
            continue
        base = (start // _TILE) % 2 * _TILE
        zeros = 0
        for i in range(xt.size):
            v = xt[i]
            vals[base + i] = v
            ring[base + i] = _cell(v, lo, hi, scale, n_bins)
            zeros += v == 0.0
        m = xt.size
        if zeros:
            m = 0
            for i in range(xt.size):  # keep the others, in row order
                v = vals[base + i]
                vals[base + m] = v
                ring[base + m] = ring[base + i]
                m += v != 0.0
                zero = zero if v != 0.0 else v
            n_zeros += zeros
        if start:
            _add_to_cells(vals, ring, _TILE - base, todo, flat, part)
        todo = m
    if do_cells and n:
        _add_to_cells(vals, ring, (n - 1) // _TILE % 2 * _TILE, todo, flat, part)
        if n_zeros:
            _add_zeros(_cell(0.0, lo, hi, scale, n_bins), n_zeros, zero, flat)
        for k in range(part.size):  # csum += bincount(cell, weights=x): every cell, partial from 0.0
            flat[4 * k + 1] = _bits(_float(flat[4 * k + 1]) + part[k])
    return _limbs(acc)


@_jit
def _limbs(acc):
    """Each row of ``acc`` (sum of acc[k] * 2**k) as base-2**32 digits: all in [0, 2**32) but the
    last, which is signed (so a Python int is one ``int.from_bytes`` away)."""
    out = np.zeros((acc.shape[0], _LIMBS), dtype=np.int64)
    for r in range(acc.shape[0]):
        d = out[r]
        for k in range(acc.shape[1]):
            v = acc[r, k]
            if v:
                q, sh = k >> 5, k & 31
                t = (v & _M32) << sh  # below 2**63
                d[q] += t & _M32
                d[q + 1] += t >> 32
                t = (v >> 32) << sh  # |v >> 32| < 2**31
                d[q + 1] += t & _M32
                d[q + 2] += t >> 32
        for j in range(_LIMBS - 1):  # carries (arithmetic shift: floor)
            d[j + 1] += d[j] >> 32
            d[j] &= _M32
    return out


@_jit
def _add_zeros(k, n_zeros, zero, flat):
    """Add ``n_zeros`` exact zeros, the last one ``zero``, to their cell ``k`` (both signs share it),
    after the cell's other values: the same cells as adding them in row order.

    A cell's partial sum starts at +0.0 and so is never -0.0 (round to nearest), so adding +-0.0
    leaves it unchanged; counts commute; and by the ``minimum.at`` rule a cell's min is the last
    of its smallest values in row order, so if that is 0 it is the last zero (likewise the max).
    """
    j = 4 * k
    flat[j] += n_zeros
    c = _float(flat[j + 2])
    flat[j + 2] = _bits(c if c < zero else zero)
    c = _float(flat[j + 3])
    flat[j + 3] = _bits(c if c > zero else zero)


@_jit(inline="always")
def _put(acc, row, w, s):
    """``acc[row]`` += s * 2**w, cut at 32 bits (each addition below 2**32 in magnitude)."""
    acc[row, w] += s & _M32
    acc[row, w + 32] += s >> 32


@_jit
def _tile_sums(x, e0, acc):
    """Fast path over one tile: add the values with exponent e0..e0 + _T (and zeros) to ``acc``;
    return how many other values there are (left to :func:`_add_exact`)."""
    s0 = s1 = s2 = 0
    a0 = a1 = a2 = b2 = a3 = a4 = 0
    bad = 0
    for i in range(x.size):
        b = _bits(x[i])
        s = ((b >> 52) & 0x7FF) - e0
        ok = (s >= 0) & (s <= _T)
        m = ((b & _FRAC) | (1 << 52)) if ok else 0
        s = s if ok else 0
        t = m << s  # y mod 2**64: its bits 0..49
        y0 = t & _M25
        y1 = (t >> 25) & _M25
        y2 = m >> (50 - s)  # bits 50..74
        sg = b >> 63  # -1 if negative else 0: (v ^ sg) - sg is +-v
        s0 += (y0 ^ sg) - sg
        s1 += (y1 ^ sg) - sg
        s2 += (y2 ^ sg) - sg
        a0 += _mul32(y0, y0)  # y*y = a0 + 2*a1 * 2**25 + (2*a2 + b2) * 2**50 + 2*a3 * 2**75 + a4 * 2**100
        a1 += _mul32(y0, y1)
        a2 += _mul32(y0, y2)
        b2 += _mul32(y1, y1)
        a3 += _mul32(y1, y2)
        a4 += _mul32(y2, y2)
        bad += (not ok) & ((b << 1) != 0)
    # x = +-y * 2**(e0 - 1075): times 2**1127 for the sum, its square times 2**2254
    w = e0 + 52
    _put(acc, 0, w, s0)
    _put(acc, 0, w + 25, s1)
    _put(acc, 0, w + 50, s2)
    w = 2 * e0 + 104
    _put(acc, 1, w, a0)
    _put(acc, 1, w + 26, a1)
    _put(acc, 1, w + 51, a2)
    _put(acc, 1, w + 50, b2)
    _put(acc, 1, w + 76, a3)
    _put(acc, 1, w + 100, a4)
    return bad


@_jit
def _add_exact(b, acc):
    """Add the float64 with IEEE bits ``b``, and its square, to ``acc`` (any finite value):
    ``x = +-M * 2**(E - 1075)`` is M * 2**(E + 52) in units of 2**-1127 and x*x is M*M * 2**(2E + 104)
    in units of 2**-2254; M = h * 2**27 + l."""
    biased = (b >> 52) & 0x7FF
    m = (b & _FRAC) | (np.int64(biased > 0) << 52)  # implicit leading 1 unless subnormal
    e = max(biased, 1)
    sg = b >> 63
    sm = (m ^ sg) - sg
    acc[0, e + 52] += sm & _M27
    acc[0, e + 79] += sm >> 27
    h, l = m >> 27, m & _M27
    for p, w in ((l * l, 2 * e + 104), (h * l, 2 * e + 132), (h * h, 2 * e + 158)):
        acc[1, w] += p & _M27
        acc[1, w + 27] += p >> 27


@_jit
def _add_to_cells(vals, ring, base, m, flat, part):
    """Add the ``m`` values ``vals[base:base + m]`` in cells ``ring[base:base + m]`` to the cells'
    count, partial sum, min and max, as ``bincount`` and ``minimum.at``/``maximum.at`` would.
    Indices are unsigned (``_U``): numba then adds no negative-index wrap-around to each access."""
    wrap, two, three = _U(2 * _TILE - 1), _U(2), _U(3)
    for i in range(m):
        r = _U(base + i)
        ahead = ring[(r + _U(_AHEAD)) & wrap]  # a later value's cell (or a stale one: harmless)
        _prefetch(flat, ahead << two)
        _prefetch(part, ahead)
        v = vals[r]
        k = ring[r]
        j = k << two
        flat[j] += 1
        part[k] += v
        c = _float(flat[j + two])  # np.minimum.at keeps c only if c < v: an equal later value (-0.0 after 0.0) replaces
        flat[j + two] = _bits(c if c < v else v)  # a select, not a branch: 3x faster on random cells
        c = _float(flat[j + three])
        flat[j + three] = _bits(c if c > v else v)


@_jit
def merge_cells(cells, other):
    """Merge another summary's cell block into ``cells``: counts and sums added (as numpy's ``+=``),
    mins and maxes taken; returns how many cells have two mins or two maxes that are 0.0 and -0.0,
    which are left as they were (numpy's ``minimum``/``maximum`` picks one there)."""
    a, b = cells.reshape(-1), other.reshape(-1)
    ties = 0
    for k in range(cells.shape[0]):
        j = _U(4 * k)  # unsigned: no negative-index wrap-around
        a[j] += b[j]
        j += _U(1)
        a[j] = _bits(_float(a[j]) + _float(b[j]))
        j += _U(1)
        x, y = _float(a[j]), _float(b[j])
        tie = (x == y) & (a[j] != b[j])
        a[j] = a[j] if tie | (x < y) else b[j]
        ties += tie
        j += _U(1)
        x, y = _float(a[j]), _float(b[j])
        tie = (x == y) & (a[j] != b[j])
        a[j] = a[j] if tie | (x > y) else b[j]
        ties += tie
    return ties


def scaled_total(limbs: np.ndarray) -> int:
    """A row of :func:`chunk_pass`'s result, ``sum over j of limbs[j] * 2**(32 j)``, as a Python int."""
    low = limbs[:-1].astype("<u4").tobytes()
    return int.from_bytes(low, "little") + (int(limbs[-1]) << (32 * (limbs.size - 1)))


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
