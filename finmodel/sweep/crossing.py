"""Where a model output crosses zero as one input moves: the search behind every break-even figure.

A break-even is the value of one input (admissions change, savings delivery, ...) at
which an output such as the total shortfall is exactly £0, every other input held.
The model is vectorised, so evaluating 33 values of the input costs about what one
does; the search therefore narrows a bracket by a grid of points at a time instead
of one point at a time (as a scalar root finder such as Brent's method must), and
needs no root-finding library:

1. evaluate ``g`` on a grid over ``[lo, hi]`` and keep the first interval where the
   sign changes (``g <= 0`` on one side, ``> 0`` on the other);
2. replace the bracket by the sub-interval of a ``section``-point grid over it where
   the sign changes, until it is narrower than ``xtol``;
3. interpolate linearly inside the last bracket.  The model's outputs are piecewise
   linear in a single input (caps and floors bend them), so the interpolation is exact
   whenever the last bracket holds no bend; otherwise the error is below ``xtol``.

Used by ``finmodel sweep``'s break-even table (:func:`finmodel.sweep.driver.break_even`)
and by the board paper's break-even values (:mod:`finmodel.board_paper.sensitivity`).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

__all__ = ["sign_changes", "solve_crossing"]

#: Points per narrowing step: each step divides the bracket by ``section - 1`` = 32.
SECTION = 33


def sign_changes(x: np.ndarray, f: np.ndarray) -> list[int]:
    """Indices k where the sign of f changes between x[k] and x[k+1] (<= 0 on one side, > 0 on the other)."""
    pos = np.asarray(f) > 0
    return [int(k) for k in np.nonzero(pos[1:] != pos[:-1])[0]]


def solve_crossing(g: Callable[[np.ndarray], np.ndarray], lo: float, hi: float, grid: int = 129,
                   rounds: int | None = 5, section: int = SECTION, xtol: float | None = None,
                   ) -> tuple[float, float, float]:
    """The first sign change of the vectorised ``g`` in ``[lo, hi]``: its final bracket ``[a, b]`` and its root.

    Returns ``(a, b, root)`` with ``g(a) <= 0 < g(b)`` or the reverse.  ``rounds`` narrowing
    steps are taken, or, with ``xtol``, as many as bring the bracket under ``xtol`` (in the
    input's unit).  Raises ``ValueError`` when ``g`` does not change sign on the first grid.
    """
    x = np.linspace(lo, hi, grid)
    f = np.asarray(g(x), dtype=np.float64)
    ks = sign_changes(x, f)
    if not ks:
        raise ValueError("no crossing")
    k = ks[0]
    a, b, fa, fb = float(x[k]), float(x[k + 1]), float(f[k]), float(f[k + 1])
    if xtol is not None:
        rounds = max(0, math.ceil(math.log(max(b - a, xtol) / xtol) / math.log(section - 1)))
    for _ in range(rounds or 0):
        if fa == 0.0 or fb == 0.0 or not a < b:
            break
        xs = np.linspace(a, b, section)
        fs = np.asarray(g(xs), dtype=np.float64)
        fs[0], fs[-1] = fa, fb  # the ends are known; keep them exactly
        j = sign_changes(xs, fs)[0]
        a, b, fa, fb = float(xs[j]), float(xs[j + 1]), float(fs[j]), float(fs[j + 1])
    root = a if fa == 0 else (b if fb == 0 else a - fa * (b - a) / (fb - fa))
    return a, b, float(root)
