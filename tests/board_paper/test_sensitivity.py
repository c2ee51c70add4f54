"""Sobol indices, the given-data estimator and break-even values: hand-worked cases, SALib, and the model itself."""

from __future__ import annotations

import numpy as np
import pytest

from finmodel.board_paper.sensitivity import (
    SweepModel,
    break_even,
    first_order_given_data,
    jansen_total,
    pick_freeze_indices,
    saltelli_first_order,
    solve_crossing,
)
from finmodel.engine import load_plan_with_scenario, run_plan
from finmodel.sweep.inputs_map import overrides_for_row, reference_outputs


def test_product_of_two_uniforms_by_hand():
    # Y = X1 * X2, X1, X2 ~ U(0, 1) independent.
    # Var(Y) = E[X1^2] E[X2^2] - (E[X1] E[X2])^2 = 1/9 - 1/16 = 7/144.
    # E[Y | X1] = X1 / 2, so Var(E[Y | X1]) = Var(X1) / 4 = 1/48 = 3/144  ->  S1 = 3/7 (same for X2).
    # ST1 = 1 - Var(E[Y | X2]) / Var(Y) = 1 - 3/7 = 4/7; the 1/7 left over is the interaction.
    s1, s1_ci, st, st_ci = pick_freeze_indices(lambda u: u[:, 0] * u[:, 1], 2, 2**14, seed=1)
    assert s1 == pytest.approx([3 / 7, 3 / 7], abs=0.02)
    assert st == pytest.approx([4 / 7, 4 / 7], abs=0.02)
    assert np.all(s1_ci > 0) and np.all(s1_ci < 0.05)


def test_additive_model_by_hand_and_an_idle_input():
    # Y = 2 X1 + X2 + 0 X3, uniforms: Var = 4/12 + 1/12 = 5/12; S1 = ST1 = 4/5, S2 = ST2 = 1/5, X3 = 0.
    s1, _, st, _ = pick_freeze_indices(lambda u: 2 * u[:, 0] + u[:, 1], 3, 2**13, seed=2)
    assert s1 == pytest.approx([0.8, 0.2, 0.0], abs=0.01)
    assert st == pytest.approx([0.8, 0.2, 0.0], abs=0.01)
    assert st[2] == 0.0  # Y_A == Y_AB3 exactly: a total index of exactly zero, not a small number


def test_estimators_equal_salib_on_its_own_design():
    """Same design, same model runs: our first-order and total estimators give SALib's numbers (Ishigami)."""
    from SALib.analyze import sobol as salib_sobol
    from SALib.sample import sobol as salib_sample

    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    x = salib_sample.sample(problem, 2**12, calc_second_order=False, seed=7)
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    ref = salib_sobol.analyze(problem, y, calc_second_order=False, seed=7)
    d = 3
    y = y - y.mean()  # as pick_freeze_indices and SALib do (SALib also scales, which cancels in the ratios)
    blocks = y.reshape(-1, d + 2)  # SALib's row order: A, AB_1..AB_d, B for each base row
    y_a, y_b, y_ab = blocks[:, 0], blocks[:, -1], blocks[:, 1:-1].T
    assert saltelli_first_order(y_a, y_b, y_ab) == pytest.approx(ref["S1"], abs=1e-12)
    assert jansen_total(y_a, y_b, y_ab) == pytest.approx(ref["ST"], abs=1e-12)
    # and both near the Ishigami values (a = 7, b = 0.1): S = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244
    assert ref["S1"] == pytest.approx([0.314, 0.442, 0.0], abs=0.05)


def test_pick_freeze_agrees_with_salib_on_an_uncorrelated_model():
    """Our own design (scrambled Sobol, 2d dims) and SALib's, each with its own samples: the same indices within their intervals."""
    from SALib.analyze import sobol as salib_sobol
    from SALib.sample import sobol as salib_sample

    def f(u):  # Ishigami on [-pi, pi]^3
        x = -np.pi + 2 * np.pi * u
        return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])

    s1, s1_ci, st, st_ci = pick_freeze_indices(f, 3, 2**13, seed=11)
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    x = salib_sample.sample(problem, 2**13, calc_second_order=False, seed=11)
    ref = salib_sobol.analyze(problem, f(x), calc_second_order=False, seed=11)
    assert np.all(np.abs(s1 - ref["S1"]) <= 2 * (s1_ci + ref["S1_conf"]))
    assert np.all(np.abs(st - ref["ST"]) <= 2 * (st_ci + ref["ST_conf"]))


def test_given_data_estimator_by_hand():
    # X takes 0 or 1 with equal counts; Y = 3 X + e with e = +-1 alternating inside each group.
    # Bin means 1*... : group X=0 mean 0, group X=1 mean 3; overall mean 1.5.
    # Var(E[Y|X]) = 1.5^2 = 2.25; Var(Y) = 2.25 + Var(e) = 2.25 + 1 = 3.25  ->  2.25 / 3.25 = 9/13.
    x = np.array([0, 0, 1, 1] * 50, dtype=float)
    y = 3 * x + np.array([1, -1, 1, -1] * 50, dtype=float)
    assert first_order_given_data(x, y) == pytest.approx(9 / 13, abs=1e-12)


def test_solve_crossing_exact_on_a_piecewise_linear_function():
    # g(x) = max(0, 2 (x - 0.3)) - 0.25 crosses zero at x = 0.3 + 0.125 = 0.425
    g = lambda x: np.maximum(0.0, 2 * (np.asarray(x) - 0.3)) - 0.25  # noqa: E731
    a, b, root = solve_crossing(g, -1.0, 2.0)
    assert a <= 0.425 <= b and root == pytest.approx(0.425, abs=1e-12)


@pytest.fixture(scope="module")
def luton_model():
    plan, path, scen = load_plan_with_scenario(None, "luton-sensitivity")
    return SweepModel.load(plan, path, scen), plan, path


def test_break_even_on_the_model_is_where_the_engine_says_the_shortfall_turns(luton_model):
    """Savings delivery: no shortfall at or above the break-even value, a shortfall just below (reference route)."""
    model, plan, path = luton_model
    be = break_even(model, "outturn.savings_delivery_pct")
    assert be.value is not None and be.zero_below is False
    from finmodel.plan import read_toml

    raw = read_toml(path)
    for x, positive in ((be.value + 1e-6, False), (be.value - 0.01, True)):
        out = reference_outputs(raw, path, overrides_for_row({"outturn.savings_delivery_pct": np.array([x])}, 0))
        total = float(out.shortfall_gbp[0].sum())
        assert (total > 0.005) is positive, (x, total)


def test_bed_day_cost_has_no_break_even_alone_but_a_total_index(luton_model):
    """The interaction the tornado misses: with beds closed as planned the bed-day cost moves nothing on its own."""
    model, _, _ = luton_model
    be = break_even(model, "risk_share.bed_day_cost_gbp")
    assert be.value is None and be.output_at_low_gbp == be.output_at_high_gbp
    d = len(model.names)
    j = model.names.index("risk_share.bed_day_cost_gbp")
    s1, s1_ci, st, st_ci = pick_freeze_indices(model.shortfall, d, 2**11, seed=5)
    assert st[j] - st_ci[j] > 0.005   # it matters, in combination with beds kept open
    assert st[j] > s1[j]              # more in total than alone


def test_sweep_model_equals_the_engine_at_the_plan_values(luton_model):
    model, plan, path = luton_model
    values = {k: np.array([v]) for k, v in model.plan_values().items()}
    ours = model.evaluate(values)["shortfall_total_gbp"][0]
    engine = float(run_plan(plan, path).outputs.shortfall_gbp[0].sum())
    assert ours == pytest.approx(engine, abs=0.005)
