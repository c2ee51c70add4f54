"""Samplers: unit-hypercube designs, mapped to inputs through each ``ppf``.

Every sampler produces ``u`` of shape ``(n, d)`` (row = scenario, column =
input, in the order of the ``dists`` mapping) with entries strictly inside
(0, 1); column j is then mapped to input values by ``dists[name_j].ppf``.

Methods
-------
``"mc"``
    Independent uniforms from numpy's PCG64.
``"lhs"``
    Latin hypercube: one point in each of n equal strata per input, at a random
    position inside the stratum, strata in random order (:func:`latin_hypercube`).
``"sobol"``
    Owen-scrambled Sobol' sequence (``scipy.stats.qmc.Sobol(scramble=True)``).
    Balance properties need n to be a power of 2; other n are allowed with a
    ``UserWarning``.  Uses 30-bit points (64-bit when n > 2**30).
``"grid"``
    Full factorial: input j takes ``k_j`` levels at the midpoints of k_j
    equal-probability strata, ``u = (i + 0.5) / k_j`` for i = 0..k_j-1;
    n = prod(k_j); the last input varies fastest (``itertools.product`` order).
``"tornado"``
    One at a time: row 0 is the base case (every input at its median, or a
    given base value), then for each input in order a "low" row and a "high"
    row with only that input moved to ``low_high(tornado_quantiles)``.
    See :func:`tornado_samples` for the row labels.

Blocks, chunks and reproducibility
----------------------------------
Rows are organised in fixed *blocks* of ``block_size`` rows (default 2**16),
block b holding rows ``[b*B, min((b+1)*B, n_total))``.  A block depends only on
``(method, seed, block index, block size, d, n_total[, levels, correlation])``
and is computed by :func:`unit_samples_block` from its index alone, so a
distributed backend can hand out block indices.  :func:`chunked_unit_samples`
streams any ``chunk_size`` by slicing blocks (at most one block is held), so the
concatenated chunks equal one call with ``n_total`` bit for bit, whatever the
chunk size.  Per method:

* mc: block b draws from ``PCG64(SeedSequence(seed, spawn_key=(0, b)))``.
  Rows do not depend on ``n_total`` (a smaller run is a prefix of a larger one).
* sobol: one scrambled sequence (scrambling seeded from
  ``SeedSequence(seed, spawn_key=(2,))``); block b is reached with
  ``fast_forward(b*B)``, so the union of blocks is exactly the first
  ``n_total`` points of that sequence (also prefix-stable).
* lhs: a single Latin hypercube over 10**7 rows cannot be streamed without
  holding it, so **each block is an independent Latin hypercube** of its own
  row count, seeded from ``SeedSequence(seed, spawn_key=(1, b))``.  For
  ``n_total <= block_size`` this is one ordinary LHS; for larger runs every
  block is stratified into ``block_size`` strata per input and the union is
  stratified block by block (not one global LHS).  The last block is an LHS of
  the remaining rows, so lhs rows depend on ``n_total``.
* grid: row i is decoded from its index (mixed radix), so blocks are exact.

Rank correlation (``correlation``: a ``(d, d)`` Spearman matrix) is imposed by
Iman-Conover on ``u`` within each block (seed ``spawn_key=(3, b)``), before the
``ppf`` mapping; the ppfs are monotone, so ranks and marginals carry over.  Only the
inputs named in a correlation are reordered; in an lhs block their columns are built
already in stratum order, so they are neither shuffled nor sorted before Iman-Conover
places them.  tests/sweep/test_fast_sampling.py pins the samples of each method.
Blocks much smaller than d rows get weaker correlation control.

``seed`` is a non-negative int.  ``None`` (only where noted) draws fresh OS
entropy once for the whole run.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Iterator, Mapping, Sequence

import numpy as np

from .correlation import correlated_columns, correlation_matrix_from_pairs, iman_conover, validate_correlation
from .distributions import DEFAULT_TORNADO_QUANTILES, Distribution

__all__ = [
    "METHODS",
    "DEFAULT_BLOCK_SIZE",
    "n_blocks",
    "unit_samples_block",
    "chunked_unit_samples",
    "unit_samples",
    "grid_size",
    "tornado_samples",
    "tornado_labels",
    "sample_inputs",
    "chunked_input_samples",
    "input_samples_block",
    "map_unit_samples",
]

METHODS = ("mc", "lhs", "sobol", "grid", "tornado")
STREAMABLE_METHODS = ("mc", "lhs", "sobol", "grid")
DEFAULT_BLOCK_SIZE = 2**16

_TINY = 2.0**-53  # u is clipped to [2**-53, 1 - 2**-53] so ppf never sees 0 or 1
_TAG_MC, _TAG_LHS, _TAG_SOBOL, _TAG_IC = 0, 1, 2, 3


def n_blocks(n_total: int, block_size: int = DEFAULT_BLOCK_SIZE) -> int:
    """Number of blocks covering ``n_total`` rows: ``ceil(n_total / block_size)``."""
    return -(-int(n_total) // int(block_size))


def grid_size(d: int, levels: int | Sequence[int]) -> int:
    """Rows of a full-factorial grid: ``levels ** d`` or ``prod(levels)``."""
    return math.prod(_grid_levels(d, levels))


def _grid_levels(d: int | None, levels) -> tuple[int, ...]:
    if levels is None:
        raise ValueError("method 'grid' needs levels (an int k, or one int per input)")
    if isinstance(levels, (int, np.integer)) and not isinstance(levels, bool):
        if d is None:
            raise ValueError("grid with an int 'levels' needs d")
        ks = (int(levels),) * d
    else:
        ks = tuple(int(k) for k in levels)
        if d is not None and len(ks) != d:
            raise ValueError(f"grid levels has {len(ks)} entries but there are {d} inputs")
    if any(k < 1 for k in ks):
        raise ValueError(f"grid levels must be >= 1, got {ks}")
    return ks


@dataclass(frozen=True)
class _Spec:
    method: str
    n_total: int
    d: int
    entropy: int
    block_size: int
    levels: tuple[int, ...] | None
    corr: np.ndarray | None


def _check_int(name: str, v, minimum: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise ValueError(f"{name} must be an int, got {v!r}")
    if v < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {v!r}")
    return int(v)


def _resolve_seed(seed, allow_none: bool) -> int:
    if seed is None:
        if not allow_none:
            raise ValueError("seed must be an int here (blocks computed separately must share it)")
        return int(np.random.SeedSequence().entropy)
    return _check_int("seed", seed, 0)


def _make_spec(method, n_total, d, seed, block_size, levels, correlation, *, allow_none_seed, warn) -> _Spec:
    if method not in STREAMABLE_METHODS:
        if method == "tornado":
            raise ValueError("method 'tornado' is not block-streamed; use tornado_samples() or sample_inputs()")
        raise ValueError(f"unknown sampling method {method!r}; expected one of {METHODS}")
    block_size = _check_int("block_size", block_size, 1)
    ks = None
    if method == "grid":
        ks = _grid_levels(None if d is None else _check_int("d", d, 1), levels)
        d = len(ks)
        g = math.prod(ks)
        if n_total is None:
            n_total = g
        elif n_total != g:
            raise ValueError(f"grid with levels {ks} has {g} rows, but n_total={n_total}")
        if correlation is not None:
            raise ValueError("correlation cannot be imposed on a grid design")
    elif levels is not None:
        raise ValueError(f"levels only applies to method 'grid', not {method!r}")
    d = _check_int("d", d, 1)
    n_total = _check_int("n_total", n_total, 1)
    corr = None if correlation is None else validate_correlation(correlation, d)
    if method == "sobol" and warn and n_total & (n_total - 1):
        warnings.warn(
            f"Sobol' n_total={n_total} is not a power of 2; balance properties are only "
            "guaranteed for powers of 2 (the samples are still valid)",
            UserWarning,
            stacklevel=3,
        )
    return _Spec(method, n_total, d, _resolve_seed(seed, allow_none_seed), block_size, ks, corr)


def _block(spec: _Spec, b: int) -> np.ndarray:
    start = b * spec.block_size
    if not 0 <= start < spec.n_total:
        raise ValueError(f"block_index {b} out of range for n_total={spec.n_total}, block_size={spec.block_size}")
    m = min(spec.block_size, spec.n_total - start)
    d = spec.d
    if spec.method == "mc":
        gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence(spec.entropy, spawn_key=(_TAG_MC, b))))
        u = gen.random((m, d))
    elif spec.method == "lhs":
        u = latin_hypercube(m, d, np.random.SeedSequence(spec.entropy, spawn_key=(_TAG_LHS, b)),
                            sorted_columns=() if spec.corr is None else correlated_columns(spec.corr))
    elif spec.method == "sobol":
        gen = np.random.default_rng(np.random.SeedSequence(spec.entropy, spawn_key=(_TAG_SOBOL,)))
        bits = 30 if spec.n_total <= 2**30 else 64
        from scipy.stats import qmc  # only Sobol' needs it (scipy.stats takes about 0.6 s to import)

        eng = qmc.Sobol(d, scramble=True, bits=bits, rng=gen)
        if start:
            eng.fast_forward(start)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # power-of-2 note; warned once per run instead
            u = eng.random(m)
    else:  # grid
        ks = np.asarray(spec.levels)
        idx = np.unravel_index(np.arange(start, start + m), tuple(spec.levels))
        u = (np.stack(idx, axis=1).astype(np.float64) + 0.5) / ks
    # clip is monotone, so an lhs column built in stratum order stays sorted
    u = np.clip(np.asarray(u, dtype=np.float64), _TINY, 1.0 - _TINY)
    if spec.corr is not None:
        u = iman_conover(u, spec.corr, seed=np.random.SeedSequence(spec.entropy, spawn_key=(_TAG_IC, b)),
                         columns_sorted=spec.method == "lhs")
    return u


def latin_hypercube(n: int, d: int, seed: np.random.SeedSequence, *, sorted_columns=()) -> np.ndarray:
    """An ``(n, d)`` Latin hypercube: each column has one point in each of n equal strata.

    The point of stratum k (0-based) is ``(k + v_k) / n`` with a uniform jitter v_k in [0, 1),
    drawn for every (column, stratum) first, as one ``(d, n)`` array, from
    ``PCG64(seed)``.  A column listed in ``sorted_columns`` is left in stratum order
    (ascending: row k holds stratum k), which is what the rank-correlation step needs,
    so it neither shuffles nor sorts it; every other column is put in a random order by
    one ``Generator.permutation(n)`` of its strata, drawn in column order.  A column has
    the same values either way.  (Before finmodel 0.4.0 this was scipy's
    ``qmc.LatinHypercube`` construction, with a shuffle of every column; README,
    "Samples changed in 0.4.0".)
    """
    gen = np.random.Generator(np.random.PCG64(seed))
    jitter = gen.random((d, n))
    keep = set(int(j) for j in sorted_columns)
    in_order = np.arange(n, dtype=np.float64)
    out = np.empty((d, n))  # filled row by row (contiguous), returned as its (n, d) transpose
    points = np.empty(n)
    for j in range(d):
        col = out[j] if j in keep else points
        np.add(in_order, jitter[j], out=col)
        col /= n
        if j not in keep:
            np.take(points, gen.permutation(n), out=out[j])
    return out.T


def unit_samples_block(
    method: str,
    block_index: int,
    block_size: int,
    d: int,
    seed: int,
    n_total: int,
    *,
    levels: int | Sequence[int] | None = None,
    correlation=None,
) -> np.ndarray:
    """Rows ``[b*block_size, min((b+1)*block_size, n_total))`` of the design, shape (m, d).

    Computed from the block index alone (for distributed backends).  ``seed``
    must be an int.  For ``"grid"``, ``n_total`` may be ``None`` (= grid size).
    No Sobol power-of-2 warning is issued here.
    """
    spec = _make_spec(method, n_total, d, seed, block_size, levels, correlation, allow_none_seed=False, warn=False)
    return _block(spec, _check_int("block_index", block_index, 0))


def _iter_chunks(spec: _Spec, chunk_size: int) -> Iterator[tuple[int, np.ndarray]]:
    bsz = spec.block_size
    cache_b, cache = -1, None
    for start in range(0, spec.n_total, chunk_size):
        stop = min(start + chunk_size, spec.n_total)
        parts = []
        b = start // bsz
        while b * bsz < stop:
            if b != cache_b:
                cache, cache_b = _block(spec, b), b
            lo = max(start, b * bsz) - b * bsz
            hi = min(stop, (b + 1) * bsz) - b * bsz
            parts.append(cache[lo:hi])
            b += 1
        yield start, (parts[0].copy() if len(parts) == 1 else np.concatenate(parts))


def chunked_unit_samples(
    method: str,
    n_total: int,
    d: int,
    chunk_size: int,
    seed: int | None,
    *,
    block_size: int = DEFAULT_BLOCK_SIZE,
    levels: int | Sequence[int] | None = None,
    correlation=None,
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(start, u_chunk)`` with ``u_chunk`` of shape ``(min(chunk_size, n_total-start), d)``.

    Concatenating the chunks gives exactly ``unit_samples(method, n_total, d, seed)``
    for any ``chunk_size``.  Memory: one block plus one chunk.  Arguments are
    validated at call time (before iteration).  ``seed=None`` draws entropy once.
    """
    spec = _make_spec(method, n_total, d, seed, block_size, levels, correlation, allow_none_seed=True, warn=True)
    chunk_size = _check_int("chunk_size", chunk_size, 1)
    return _iter_chunks(spec, chunk_size)


def unit_samples(
    method: str,
    n: int,
    d: int,
    seed: int | None,
    *,
    block_size: int = DEFAULT_BLOCK_SIZE,
    levels: int | Sequence[int] | None = None,
    correlation=None,
) -> np.ndarray:
    """The whole ``(n, d)`` design in one array (the block concatenation)."""
    spec = _make_spec(method, n, d, seed, block_size, levels, correlation, allow_none_seed=True, warn=True)
    return np.concatenate([_block(spec, b) for b in range(n_blocks(spec.n_total, spec.block_size))])


# --------------------------------------------------------------------------- values


def _names_and_corr(dists: Mapping[str, Distribution], correlation):
    if not isinstance(dists, Mapping) or not dists:
        raise ValueError("dists must be a non-empty mapping of input name -> distribution")
    for k, v in dists.items():
        if not isinstance(v, Distribution):
            raise ValueError(f"input {k!r}: expected a Distribution, got {type(v).__name__}")
    names = list(dists)
    if correlation is None:
        return names, None
    if isinstance(correlation, Mapping):
        return names, correlation_matrix_from_pairs(names, correlation)
    return names, validate_correlation(correlation, len(names))


def map_unit_samples(dists: Mapping[str, Distribution], u: np.ndarray) -> dict[str, np.ndarray]:
    """``{name_j: dists[name_j].ppf(u[:, j])}``; each value array has shape (n,)."""
    u = np.asarray(u, dtype=np.float64)
    names = list(dists)
    if u.ndim != 2 or u.shape[1] != len(names):
        raise ValueError(f"u must have shape (n, {len(names)}), got {u.shape}")
    return {name: np.asarray(dists[name].ppf(u[:, j]), dtype=np.float64) for j, name in enumerate(names)}


def tornado_labels(names: Sequence[str]) -> list[tuple[str | None, str]]:
    """Row labels of a tornado design: ``[(None, "base"), (n0, "low"), (n0, "high"), (n1, "low"), ...]``."""
    out: list[tuple[str | None, str]] = [(None, "base")]
    for n in names:
        out += [(n, "low"), (n, "high")]
    return out


def tornado_samples(
    dists: Mapping[str, Distribution],
    base: Mapping[str, float] | None = None,
    tornado_quantiles: tuple[float, float] | None = DEFAULT_TORNADO_QUANTILES,
) -> tuple[dict[str, np.ndarray], list[tuple[str | None, str]]]:
    """One-at-a-time design: ``1 + 2 d`` rows and their labels.

    Row 0: every input at ``base[name]`` if given, else its median.  Rows
    ``1 + 2j`` / ``2 + 2j``: as row 0 but input j at ``low_high(tornado_quantiles)[0]``
    / ``[1]``.  Returns ``(values, labels)`` where ``values[name]`` has shape
    ``(1 + 2d,)`` and ``labels`` is :func:`tornado_labels`.
    """
    names, _ = _names_and_corr(dists, None)
    base = dict(base or {})
    unknown = set(base) - set(names)
    if unknown:
        raise ValueError(f"tornado base names unknown inputs {sorted(unknown)}; inputs are {names}")
    d = len(names)
    out = {}
    for j, name in enumerate(names):
        b = float(base[name]) if name in base else dists[name].median()
        col = np.full(1 + 2 * d, b)
        col[1 + 2 * j], col[2 + 2 * j] = dists[name].low_high(tornado_quantiles)
        out[name] = col
    return out, tornado_labels(names)


def sample_inputs(
    dists: Mapping[str, Distribution],
    method: str,
    n: int | None,
    seed: int | None,
    correlation=None,
    *,
    levels: int | Sequence[int] | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
    base: Mapping[str, float] | None = None,
    tornado_quantiles: tuple[float, float] | None = DEFAULT_TORNADO_QUANTILES,
) -> dict[str, np.ndarray]:
    """Sample every input: ``{name: values of shape (n,)}``.

    ``correlation``: ``None``, a ``(d, d)`` Spearman matrix in ``dists`` order,
    or a mapping ``{(name_a, name_b): rho}``.  ``n`` is ignored (may be None)
    for ``"tornado"`` (1 + 2d rows; labels from :func:`tornado_labels`) and may
    be None for ``"grid"`` (``levels`` decides).  Identical to concatenating
    :func:`chunked_input_samples` with the same arguments.
    """
    if method == "tornado":
        if correlation is not None:
            raise ValueError("correlation does not apply to a tornado design")
        return tornado_samples(dists, base, tornado_quantiles)[0]
    if base is not None:
        raise ValueError("base only applies to method 'tornado'")
    names, corr = _names_and_corr(dists, correlation)
    u = unit_samples(method, n, len(names), seed, block_size=block_size, levels=levels, correlation=corr)
    return map_unit_samples(dists, u)


def chunked_input_samples(
    dists: Mapping[str, Distribution],
    method: str,
    n_total: int | None,
    chunk_size: int,
    seed: int | None,
    correlation=None,
    *,
    levels: int | Sequence[int] | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> Iterator[tuple[int, dict[str, np.ndarray]]]:
    """Yield ``(start, {name: values (m,)})`` chunk by chunk (see :func:`chunked_unit_samples`)."""
    names, corr = _names_and_corr(dists, correlation)
    it = chunked_unit_samples(
        method, n_total, len(names), chunk_size, seed, block_size=block_size, levels=levels, correlation=corr
    )
    return ((start, map_unit_samples(dists, u)) for start, u in it)


def input_samples_block(
    dists: Mapping[str, Distribution],
    method: str,
    block_index: int,
    block_size: int,
    seed: int,
    n_total: int | None,
    correlation=None,
    *,
    levels: int | Sequence[int] | None = None,
) -> dict[str, np.ndarray]:
    """Input values of one block (see :func:`unit_samples_block`)."""
    names, corr = _names_and_corr(dists, correlation)
    u = unit_samples_block(method, block_index, block_size, len(names), seed, n_total, levels=levels, correlation=corr)
    return map_unit_samples(dists, u)
