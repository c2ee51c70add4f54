"""Two sampling steps compiled by numba (one pass instead of several numpy passes), numpy's results bit for bit.

* :func:`place_if_untied`: the rank scatter of the rank-correlation step, ``out[order] =
  values`` with ``order = np.argsort(t)`` (numpy's unstable sort, vectorised), checking in the
  same pass that ``t`` has no ties, where an unstable order could differ from the stable one;
  it replaces a gather, a comparison and a scatter of numpy passes.
* :func:`stratum_points`: a Latin hypercube column written in stratum order,
  ``out[p - 1] = (p - u) / n`` for each row's stratum p and jitter u: the same IEEE steps
  as the numpy expression ``(strata - jitter) / n``.

tests/sweep/test_sampling_loops.py proves each equal to the numpy expression it replaces on
random inputs, with ties and signed zeros.
"""

from __future__ import annotations

from finmodel.sweep.summary_loops import _jit

__all__ = ["place_if_untied", "stratum_points"]


@_jit
def place_if_untied(values, t, order, out):
    """``out[order[k]] = values[k]`` for every k, if ``t`` has no two equal values; returns whether it had none.

    ``order`` sorts ``t`` ascending (numpy's unstable argsort, the fastest here); with no ties
    every sort gives that order, so the result is the stable order's.  Equal neighbours in
    sorted order are the only ties there can be: on the first one this stops and returns
    False (``out`` then holds part of the scatter) so the caller re-sorts stably.
    """
    n = order.shape[0]
    for k in range(n):
        i = order[k]
        if k > 0 and t[i] == t[order[k - 1]]:
            return False
        out[i] = values[k]
    return True


@_jit
def stratum_points(strata, jitter, n, out):
    """``out[p - 1] = (p - u) / n`` for each row's stratum ``p`` (1..n) and jitter ``u``: one Latin hypercube column, ascending."""
    for i in range(strata.shape[0]):
        p = strata[i]
        out[p - 1] = (p - jitter[i]) / n
