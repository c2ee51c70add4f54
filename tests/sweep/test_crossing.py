"""The break-even search (finmodel.sweep.crossing): hand-worked roots, its stopping rule, and Brent's method as a check."""

from __future__ import annotations

import numpy as np
import pytest

from finmodel.sweep.crossing import sign_changes, solve_crossing
from finmodel.sweep.driver import _load, break_even
from finmodel.sweep.spec import BreakEvenSpec


def test_sign_changes_counts_zero_as_not_positive():
    # f = [-1, 0, 2, 3, -1]: positive from index 2, back to non-positive at index 4
    assert sign_changes(np.arange(5.0), np.array([-1.0, 0.0, 2.0, 3.0, -1.0])) == [1, 3]


def test_root_of_a_line_is_exact():
    # g(x) = 2x - 3 is zero at x = 3 / 2 = 1.5; the last step interpolates a line, so no error at all
    a, b, root = solve_crossing(lambda x: 2.0 * x - 3.0, 0.0, 4.0)
    assert root == 1.5 and a <= 1.5 <= b


def test_root_past_a_bend_is_exact():
    # g(x) = 3 max(x - 1, 0) - 2: flat at -2 up to x = 1, then rises 3 per unit: zero at 1 + 2/3
    a, b, root = solve_crossing(lambda x: 3.0 * np.maximum(x - 1.0, 0.0) - 2.0, -5.0, 5.0, xtol=1e-10)
    assert root == pytest.approx(1.0 + 2.0 / 3.0, abs=1e-12)
    assert b - a < 1e-10


def test_xtol_sets_the_number_of_narrowing_steps():
    calls = []

    def g(x):
        calls.append(len(x))
        return x - 0.3

    # first grid: 129 points over [0, 4], bracket 4 / 128 = 0.03125 wide; each step divides it by 32,
    # so 1e-10 needs ceil(log(0.03125 / 1e-10) / log(32)) = ceil(5.64) = 6 steps of 33 points
    a, b, root = solve_crossing(g, 0.0, 4.0, xtol=1e-10)
    assert calls == [129] + [33] * 6
    assert b - a <= 1e-10 and root == pytest.approx(0.3, abs=1e-15)


def test_no_crossing_raises():
    with pytest.raises(ValueError, match="no crossing"):
        solve_crossing(lambda x: x * 0.0 + 1.0, 0.0, 1.0)


def test_sweep_break_even_agrees_with_brents_method():
    """The grid search gives the root scipy's brentq finds on the same model, to 1e-8 of a percentage point."""
    optimize = pytest.importorskip("scipy.optimize")
    from finmodel.sweep.driver import _single

    base = _load(None, "luton-sensitivity")
    be = BreakEvenSpec(input="outturn.nel_admissions_change_pct", low=-15.0, high=10.0)
    got = break_even(base, be)

    def f(x):
        return float(_single(base, {be.input: x})["shortfall_total_gbp"][0])

    ref = optimize.brentq(f, be.low, be.high, xtol=1e-12)
    assert got["value"] == pytest.approx(ref, abs=1e-8)
    assert abs(f(got["value"])) < 0.01  # the total shortfall there is under a penny
