"""route_tables.facts (one compiled pass) gives numpy's answers exactly.

Every fast-route call asks four things of its swept delays and ceilings before it picks
its tables: are the delays whole months, are the ceilings finite, does every cohort share
the row's ceiling, and the ranges.  ``facts`` answers them in one compiled pass (threads
optional); these tests hold it to the numpy functions it replaces, down to which zero a
range ends at and what happens with NaN and infinities.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from finmodel import route_tables as T

pytest.importorskip("numba")


def numpy_facts(inputs, swept):
    mode = T.ceiling_mode(inputs, swept)
    return (mode, *T.ranges(inputs, mode), T._flags(inputs))


def signed(x):
    """A value with its sign of zero made visible (0.0 and -0.0 compare equal otherwise)."""
    if isinstance(x, tuple):
        return tuple(signed(v) for v in x)
    if isinstance(x, float):
        return (x, math.copysign(1.0, x)) if not math.isnan(x) else "nan"
    return x


def assert_same(inputs, swept, threads=1):
    assert signed(T.facts(inputs, swept, threads)) == signed(numpy_facts(inputs, swept))


def test_hand_example():
    # delays 0, 2, -1 months (whole); ceilings (0.3, 0.3), (0.5, 0.5), (0.1, 0.1): shared
    # -> mode 'shared', delays from -1 to 2, ceiling from 0.1 to 0.5, flags (whole, finite)
    inputs = SimpleNamespace(delay_months=np.array([[0.0], [2.0], [-1.0]]),
                             ceiling_frac=np.array([[0.3, 0.3], [0.5, 0.5], [0.1, 0.1]]))
    swept = ("delay_months", "ceiling_frac")
    assert T.facts(inputs, swept) == ("shared", (-1.0, 2.0), (0.1, 0.5), (True, True))
    # one cohort differs in row 1 -> 'cohort', no ceiling range; a half month -> not whole
    inputs.ceiling_frac[1, 1] = 0.4
    inputs.delay_months[2, 0] = 1.5
    assert T.facts(inputs, swept) == ("cohort", (0.0, 2.0), None, (False, True))


SPECIAL = [np.nan, np.inf, -np.inf, -0.0, 0.0, 0.5, 1e308, -1e308, 5e-324]


@pytest.mark.parametrize("seed", range(60))
def test_random_arrays_equal_numpy(seed):
    rng = np.random.default_rng([4, seed])
    m = int(rng.choice([1, 2, 7, 300]))
    C = int(rng.choice([1, 2, 5]))
    d = rng.integers(-6, 7, size=(m if rng.random() < 0.8 else 1, 1)).astype(float)
    x = rng.choice([0.0, -0.0, 0.1, 0.25, 0.6, 1.0], size=m)
    c = np.repeat(x[:, None], C, axis=1)
    for a in (d, c):  # a few special values in random places
        for _ in range(int(rng.integers(0, 3))):
            a.flat[int(rng.integers(a.size))] = SPECIAL[int(rng.integers(len(SPECIAL)))]
    if rng.random() < 0.3:
        c[int(rng.integers(m)), int(rng.integers(C))] += 0.01
    swept = tuple(f for f, a in (("delay_months", d), ("ceiling_frac", c)) if a.shape[0] > 1)
    inputs = SimpleNamespace(delay_months=d, ceiling_frac=c)
    assert_same(inputs, swept)
    assert_same(inputs, ("delay_months", "ceiling_frac"))  # the mode questions asked even for one row


@pytest.mark.parametrize("case", ["clean", "nan_late", "neg_zero_range", "half_month", "cohort", "plan_delay"])
def test_two_threads_equal_numpy(case):
    # enough rows that facts() splits them between two threads (_SCAN_SLICE_ROWS each)
    m = 2 * T._SCAN_SLICE_ROWS + 3
    rng = np.random.default_rng(7)
    d = rng.integers(-3, 4, size=(m, 1)).astype(float)
    c = np.repeat(rng.uniform(0.05, 0.9, size=(m, 1)), 3, axis=1)
    if case == "nan_late":
        c[m - 1, 2] = np.nan
    elif case == "neg_zero_range":
        c[:, :] = np.abs(c)
        c[m // 2 + 5, :] = -0.0  # the minimum is a zero: numpy's reduction decides which
    elif case == "half_month":
        d[m - 2, 0] = 2.5
    elif case == "cohort":
        c[m - 1, 1] += 0.01
    elif case == "plan_delay":
        d = np.array([[2.0]])
    inputs = SimpleNamespace(delay_months=d, ceiling_frac=c)
    swept = tuple(f for f, a in (("delay_months", d), ("ceiling_frac", c)) if a.shape[0] > 1)
    assert_same(inputs, swept, threads=2)
    assert_same(inputs, swept, threads=1)


def test_layouts_the_pass_is_not_compiled_for_fall_back_to_numpy():
    base = np.repeat(np.linspace(0.1, 0.9, 50)[:, None], 2, axis=1)
    d = np.arange(50.0)[:, None]
    for c in (np.asfortranarray(np.repeat(base, 2, axis=1)), base[::2], base.astype(np.float32)):
        inputs = SimpleNamespace(delay_months=d, ceiling_frac=c)
        assert_same(inputs, ("delay_months", "ceiling_frac"))
    ro = base.copy()
    ro.flags.writeable = False
    assert not T._scannable(ro) and T._scannable(base)
    assert_same(SimpleNamespace(delay_months=d, ceiling_frac=ro), ("delay_months", "ceiling_frac"))
