"""Rank correlation between sampled inputs (Iman-Conover).

:func:`iman_conover` reorders the rows of each column of an ``(n, d)`` sample
independently so that the Spearman rank correlation matrix of the result is
close to a target, while every column keeps exactly the same multiset of
values (each output column is a permutation of the input column, so marginal
distributions are untouched).

Method (Iman & Conover 1982, with the usual Spearman-to-Pearson adjustment):

1. Van der Waerden scores ``s_i = Phi^-1(i / (n + 1))``, i = 1..n; each of the
   d columns of the score matrix S is an independent random permutation of s.
2. The target Spearman matrix R_s is converted to the Pearson correlation of
   the normal scores that produces it: ``R = 2 sin(pi R_s / 6)`` elementwise
   (exact for a bivariate normal; without this step a target of 0.7 comes out
   near 0.683).
3. Remove the sample correlation of S: with ``E = corr(S) = Q Q^T`` and
   ``R = P P^T`` (Cholesky), ``T = S Q^-T P^T`` has Pearson correlation R.
4. Column j of the output is the sorted column j of the input placed in the
   rank order of ``T[:, j]`` (:func:`rank_order`: one float sort, no argsort).

Only the inputs named in a correlation take part (:func:`correlated_columns`): a
column whose target correlation with every other column is 0 is returned as it was,
in its own random order, rather than reordered to cancel its chance correlation
with the others (which for a Latin hypercube is already of order 1/n).  Before
finmodel 0.4.0 every column was reordered; the samples of a run with correlations
changed then (README, "Samples changed in 0.4.0").

Cost: O(n k^2 + k n log n) time for the k correlated inputs, a few ``(n, k)`` float
arrays of memory.  No step calls BLAS (the score correlation and ``S M`` are column
loops), so the result does not depend on BLAS threading and no BLAS thread pool
competes with the sweep's worker threads.
Sweeps apply it within each fixed block of rows (see ``samplers``), so the
result does not depend on the chunk size used to stream the scenarios.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import special

__all__ = ["validate_correlation", "iman_conover", "correlation_matrix_from_pairs", "correlated_columns", "rank_order"]


def validate_correlation(corr, d: int | None = None, *, atol: float = 1e-10) -> np.ndarray:
    """Return ``corr`` as a float64 ``(d, d)`` array or raise ``ValueError``.

    Checks: square 2-D, finite, symmetric (to ``atol``), unit diagonal,
    entries in [-1, 1], positive definite (Cholesky succeeds).
    """
    c = np.asarray(corr, dtype=np.float64)
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise ValueError(f"correlation matrix must be square 2-D, got shape {c.shape}")
    if d is not None and c.shape[0] != d:
        raise ValueError(f"correlation matrix is {c.shape[0]}x{c.shape[0]} but there are {d} inputs")
    if not np.all(np.isfinite(c)):
        raise ValueError("correlation matrix has non-finite entries")
    if not np.allclose(c, c.T, rtol=0.0, atol=atol):
        i, j = np.unravel_index(np.argmax(np.abs(c - c.T)), c.shape)
        raise ValueError(f"correlation matrix is not symmetric: [{i},{j}]={c[i, j]!r} but [{j},{i}]={c[j, i]!r}")
    diag = np.diag(c)
    if not np.allclose(diag, 1.0, rtol=0.0, atol=atol):
        i = int(np.argmax(np.abs(diag - 1.0)))
        raise ValueError(f"correlation matrix diagonal must be 1, got [{i},{i}]={diag[i]!r}")
    if np.any(np.abs(c) > 1.0 + atol):
        i, j = np.unravel_index(np.argmax(np.abs(c)), c.shape)
        raise ValueError(f"correlation entries must be in [-1, 1], got [{i},{j}]={c[i, j]!r}")
    try:
        np.linalg.cholesky(c)
    except np.linalg.LinAlgError:
        w = np.linalg.eigvalsh(c)
        raise ValueError(
            f"correlation matrix is not positive definite (smallest eigenvalue {w.min():.3g})"
        ) from None
    return 0.5 * (c + c.T)


def correlation_matrix_from_pairs(names, pairs) -> np.ndarray:
    """Identity ``(d, d)`` matrix in the order of ``names`` with the given pairs set.

    ``pairs`` maps ``(name_a, name_b)`` to a rank correlation; unknown names raise
    ``ValueError``.  The result is validated.
    """
    names = list(names)
    pos = {n: i for i, n in enumerate(names)}
    c = np.eye(len(names))
    for key, rho in dict(pairs).items():
        try:
            a, b = key
        except (TypeError, ValueError):
            raise ValueError(f"correlation key must be a pair of input names, got {key!r}") from None
        for nm in (a, b):
            if nm not in pos:
                raise ValueError(f"correlation refers to unknown input {nm!r}; inputs are {names}")
        if a == b:
            raise ValueError(f"correlation pair {key!r} names the same input twice")
        c[pos[a], pos[b]] = c[pos[b], pos[a]] = float(rho)
    return validate_correlation(c)


def _spearman_to_normal_pearson(rs: np.ndarray) -> np.ndarray:
    r = 2.0 * np.sin(np.pi * rs / 6.0)
    np.fill_diagonal(r, 1.0)
    try:
        np.linalg.cholesky(r)
        return r
    except np.linalg.LinAlgError:
        warnings.warn(
            "Spearman-to-Pearson adjusted correlation is not positive definite; "
            "using the unadjusted target (rank correlations may fall slightly short)",
            RuntimeWarning,
            stacklevel=3,
        )
        return rs


def _van_der_waerden_scores(n: int) -> np.ndarray:
    """``Phi^-1(i / (n + 1))`` for i = 1..n, increasing (cached: every full block has the same n)."""
    cached = _SCORES.get(n)
    if cached is None:
        cached = special.ndtri(np.arange(1, n + 1, dtype=np.float64) / (n + 1))
        cached.flags.writeable = False
        if len(_SCORES) >= 4:  # full blocks, the last partial block, and a few test sizes
            _SCORES.clear()
        _SCORES[n] = cached
    return cached


_SCORES: dict[int, np.ndarray] = {}


def _score_correlation(st: np.ndarray) -> np.ndarray:
    """Pearson correlation matrix of the rows of ``st`` (d, n), without BLAS.

    Every row of ``st`` is a permutation of the same scores, so all share one mean and
    one variance; the products are summed by numpy's pairwise sum rather than a BLAS
    call, so the result does not depend on BLAS threads (and no BLAS thread pool
    competes with the sweep's worker threads).
    """
    d, n = st.shape
    c = st - st[0].mean()
    var = np.add.reduce(c[0] * c[0])
    e = np.eye(d)
    prod = np.empty(n)
    for i in range(d):
        for j in range(i + 1, d):
            e[i, j] = e[j, i] = np.add.reduce(np.multiply(c[i], c[j], out=prod)) / var
    return e


def _times_matrix(st: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``(S M)^T`` for ``st = S^T`` (d, n) and a small (d, d) ``m``, row by row without BLAS.

    Row j is ``sum_k st[k] m[k, j]``, added in k order (fixed rounding, no BLAS threads).
    """
    d, n = st.shape
    tt = np.empty((m.shape[1], n))
    tmp = np.empty(n)
    for j in range(m.shape[1]):
        row = tt[j]
        np.multiply(st[0], m[0, j], out=row)
        for k in range(1, d):
            if m[k, j] != 0.0:
                row += np.multiply(st[k], m[k, j], out=tmp)
    return tt


def rank_order(t: np.ndarray) -> np.ndarray:
    """Row indices of ``t`` in ascending order of value; rows whose values agree to the top
    ``52 - bit_length(n - 1)`` mantissa bits are ordered by row (ties included; every -0.0
    comes before every 0.0).  ``t`` (finite) is overwritten.

    One sort of floats instead of an argsort (numpy's float sort is about three times
    faster than its argsort here, and runs in parallel threads where the argsort does
    not): the low ``b = bit_length(n - 1)`` mantissa bits of each value are replaced by
    its row number (its complement for a negative value, whose order runs the other
    way), the floats are sorted, and the row numbers read back from the low bits.
    Replacing low mantissa bits keeps the order of any two values that differ above
    them (for n = 65,536, values more than about 1.5e-11 apart relatively), and the keys
    are all different, so every sort gives the same order.
    """
    n = t.shape[0]
    mask = np.uint64((1 << max(1, (n - 1).bit_length())) - 1)
    key = t.view(np.uint64)
    row = np.arange(n, dtype=np.uint64)
    row ^= (key >> np.uint64(63)) * mask  # negative: mask - row, so equal negatives also go by row
    key &= ~mask
    key |= row
    order = np.sort(key.view(np.float64)).view(np.uint64)
    order ^= (order >> np.uint64(63)) * mask
    order &= mask
    return order.astype(np.intp)


def correlated_columns(target: np.ndarray) -> np.ndarray:
    """Indices of the columns with a non-zero target correlation with some other column, ascending."""
    off = np.asarray(target, dtype=np.float64) != 0.0
    np.fill_diagonal(off, False)
    return np.flatnonzero(off.any(axis=1))


def iman_conover(samples, target_rank_corr, seed=None, *, columns_sorted: bool = False) -> np.ndarray:
    """Reorder the correlated columns of ``samples`` (n, d) to impose a Spearman correlation.

    ``target_rank_corr`` is ``(d, d)``, validated by :func:`validate_correlation`.
    ``seed`` (int, ``SeedSequence`` or ``Generator``) drives the random score
    permutations.  Returns a new ``(n, d)`` float64 array (column-major) whose column j
    is a permutation of ``samples[:, j]``; the columns of :func:`correlated_columns`
    are reordered, the others copied as they are.  With n < 3 or fewer than two
    correlated columns the input is returned unchanged (copied).  ``columns_sorted=True``
    promises the correlated columns are already ascending (a Latin hypercube built in
    stratum order), which skips their sort; the result is the same as for any row order
    of those values.
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"samples must be 2-D (n, d), got shape {x.shape}")
    n, d = x.shape
    target = validate_correlation(target_rank_corr, d)
    out = np.empty((d, n)).T  # column-major: each column written and read contiguously
    out[:] = x
    cols = correlated_columns(target)
    k = cols.size
    if n < 3 or k < 2:
        return out
    rng = np.random.default_rng(seed)
    scores = _van_der_waerden_scores(n)
    st = np.empty((k, n))  # S transposed: one contiguous row per correlated input
    for j in range(k):
        np.take(scores, rng.permutation(n), out=st[j])
    p = np.linalg.cholesky(_spearman_to_normal_pearson(target[np.ix_(cols, cols)]))
    e = _score_correlation(st)
    try:
        q = np.linalg.cholesky(e)
        m = np.linalg.solve(q.T, p.T)  # Q^-T P^T, so T = S Q^-T P^T
    except np.linalg.LinAlgError:  # tiny n relative to k: skip the decorrelation step
        m = p.T
    tt = _times_matrix(st, m)
    for j, c in enumerate(cols):
        # sorting values (not indices) gives the same array whatever the sort's stability
        xs = x[:, c] if columns_sorted else np.sort(x[:, c])
        out[rank_order(tt[j]), c] = xs  # the k-th smallest value goes where the k-th smallest t is
    return out
