"""One compiled pass over a call's swept delays and ceilings: what :func:`finmodel.route_tables.tables_for` asks of them.

Every call of the fast route needs, before its tables, whether the delays are whole months
and the ceilings finite, whether every cohort has the same ceiling in each row, and the
ranges of the delays and the shared ceiling.  numpy takes one pass (and a temporary) per
question, about 25 ms at 10^6 rows; :func:`scan` answers them in one pass.  The caller
keeps numpy's own reductions wherever a reduction could differ from a plain comparison
loop (a range ending at a signed zero, any non-finite value), so the answers are
numpy's exactly.
"""

from __future__ import annotations

import math

import numpy as np

from finmodel.route_loops import _jit


@_jit
def scan(d, c):
    """(delays all whole and finite, ceilings all finite, every row's ceilings equal, min and max of ``c[:, 0]``).

    ``d`` (m | 1, 1) delays, ``c`` (m | 1, C >= 1) ceilings, both C-contiguous float64.
    Comparisons as numpy's ``==`` (a NaN is never equal); min and max by ``<`` / ``>``
    from the first row (the caller uses them only when they are finite and not zero).
    """
    whole = True
    for i in range(d.shape[0]):
        for k in range(d.shape[1]):
            v = d[i, k]
            whole &= math.isfinite(v) & (v == np.floor(v))  # np.floor: a float (math.floor is an int64 here, wrong past 2^63)
    finite, shared = True, True
    lo = hi = c[0, 0]
    for i in range(c.shape[0]):
        x0 = c[i, 0]
        lo = x0 if x0 < lo else lo
        hi = x0 if x0 > hi else hi
        for k in range(c.shape[1]):
            v = c[i, k]
            finite &= math.isfinite(v)
            shared &= v == x0
    return whole, finite, shared, lo, hi
