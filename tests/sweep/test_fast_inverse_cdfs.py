"""The sweep's own inverse CDFs agree with scipy's, to bounds far below a penny.

The bounded normal uses an exact formula (normal quantile of a blended probability);
PERT uses a quintic table with the exact inverse in its tails.  Both are held here to
``scipy.stats`` over random parameters, with u next to 0 and 1.
"""

import numpy as np
import pytest
from scipy import stats

from finmodel.sweep.distributions import _BETA_TABLE_TOL, NormalBounded, Pert, _BetaQuantileTable, _horner

_EDGE_U = np.array([0.0, 2.0**-53, 1e-300, 1e-12, 2.0**-20, 1e-3, 0.25, 0.5, 0.75, 1 - 1e-3,
                    1 - 2.0**-20, 1 - 1e-12, 1 - 2.0**-53, 1.0])


def _probabilities(rng, n=20_000):
    """Uniform u plus u crowded against 0 and 1 (log-uniform down to 1e-16) and the edge values."""
    return np.concatenate([rng.random(n), 10 ** rng.uniform(-16, -1, n // 10),
                           1 - 10 ** rng.uniform(-16, -1, n // 10), _EDGE_U])


# ------------------------------------------------------------------ bounded normal


@pytest.mark.parametrize(
    "mu, sd, low, high",
    [
        (1490.0, 150.0, 1100.0, 1900.0),  # the shipped scenario's cost per admission
        (0.0, 1.0, -np.inf, np.inf),
        (0.0, 1.0, 5.0, 6.0),  # a > 0: the upper-tail form
        (0.0, 1.0, -6.0, -5.0),  # b < 0: deep lower tail
        (0.0, 1.0, 2.0, np.inf),
        (0.0, 1.0, -np.inf, -3.0),
        (10.0, 2.0, 9.9, 10.1),  # narrow, centred
        (0.0, 1.0, 6.5, 7.0),  # far in the upper tail, where the lower-tail form would fail
    ],
)
def test_bounded_normal_matches_truncnorm(mu, sd, low, high):
    rng = np.random.default_rng(7)
    d = NormalBounded(mu, sd, low, high)
    u = _probabilities(rng)
    got = d.ppf(u)
    want = stats.truncnorm.ppf(u, (low - mu) / sd, (high - mu) / sd, loc=mu, scale=sd)
    finite = np.isfinite(want)
    np.testing.assert_array_equal(got[~finite], want[~finite])  # +-inf at u = 0, 1 when unbounded
    # 2e-14 standard deviations: for the shipped £150 sd, 3e-12 £
    assert np.max(np.abs(got[finite] - want[finite])) <= 2e-14 * sd * max(1.0, abs(low - mu) / sd if np.isfinite(low) else 1.0)
    assert np.all((got >= low) & (got <= high))


def test_bounded_normal_hand_worked():
    # mean 0, sd 1 on [0, inf): the median z solves Phi(z) - 1/2 = 1/4 (half of the upper half),
    # so z = Phi^-1(3/4) = 0.6744897501960817.  Upper-tail form: -Phi^-1(0.5 * 0.5 + 0.5 * 0) = same.
    assert NormalBounded(0.0, 1.0, 0.0).ppf(np.array(0.5)) == pytest.approx(0.6744897501960817, abs=1e-15)
    # scaled: mu + sd z = 100 + 10 * 0.67448975... = 106.744897501960817
    assert NormalBounded(100.0, 10.0, 100.0).median() == pytest.approx(106.744897501960817, abs=1e-12)


# ------------------------------------------------------------------ PERT


def test_quintic_hermite_coefficients_reproduce_a_quintic():
    # The table's interval formula must be exact for any degree-5 polynomial: take
    # p(t) = 1 + 2t - t^2 + 3t^3 - 4t^4 + 5t^5 on [0, 1]: p(0) = 1, p(1) = 6;
    # p'(t) = 2 - 2t + 9t^2 - 16t^3 + 25t^4: p'(0) = 2, p'(1) = 18;
    # p''(t) = -2 + 18t - 48t^2 + 100t^3: p''(0) = -2, p''(1) = 68.
    # With h = 1: D = 5, d0 = 2, d1 = 18, s0 = -2, s1 = 68:
    # c3 = 50 - 12 - 72 - (-6 - 68)/2 = 3;  c4 = -75 + 16 + 126 + (-6 - 136)/2 = -4;
    # c5 = 30 - 6 - 54 - (-2 - 68)/2 = 5.
    D, d0, d1, s0, s1 = 5.0, 2.0, 18.0, -2.0, 68.0
    c = np.array([[1.0, d0, 0.5 * s0,
                   10 * D - 6 * d0 - 4 * d1 - 0.5 * (3 * s0 - s1),
                   -15 * D + 8 * d0 + 7 * d1 + 0.5 * (3 * s0 - 2 * s1),
                   6 * D - 3 * d0 - 3 * d1 - 0.5 * (s0 - s1)]])
    np.testing.assert_array_equal(c[0], [1, 2, -1, 3, -4, 5])
    t = np.array([0.3])
    # p(0.3) = 1 + 0.6 - 0.09 + 0.081 - 0.0324 + 0.01215 = 1.57075
    assert _horner(c, t)[0] == pytest.approx(1.57075, abs=1e-15)


def _shapes(rng, k):
    """Random PERT shapes: lamb from 0.5 to 200, the mode anywhere incl. at either end."""
    out = []
    for i in range(k):
        lamb = float(rng.choice([0.5, 1, 2, 4, 4, 4, 8, 20, 200]))
        m = float(rng.random()) if i % 4 else float(rng.choice([0.0, 1.0, 1e-6, 1 - 1e-6]))
        out.append((1 + lamb * m, 1 + lamb * (1 - m)))
    return out


@pytest.mark.parametrize("chunk", range(4))
def test_pert_table_error_bound_against_beta_ppf(chunk):
    """|table - exact| <= 2.8e-14 of (high - low) on random shapes, the tails included.

    scipy's beta.ppf loses up to ~3e-14 of its own for u close to 1 (x close to 1), so
    the reference above u = 1/2 is the mirror 1 - beta.ppf(1 - u; b, a), the same quantity
    computed where it keeps its digits; beta.ppf directly is held to 1e-13.
    """
    rng = np.random.default_rng(100 + chunk)
    for a, b in _shapes(rng, 12):
        table = _BetaQuantileTable(a, b)
        u = _probabilities(rng, 10_000)
        u = u[u >= 1e-100]  # scipy's own reference is NaN for some shapes at u ~ 1e-300 (tested above)
        got = table.ppf(u)
        mirrored = np.where(u > 0.5, 1.0 - stats.beta.ppf(1.0 - u, b, a), stats.beta.ppf(u, a, b))
        assert np.max(np.abs(got - mirrored)) <= 1.2 * _BETA_TABLE_TOL, (a, b)
        assert np.max(np.abs(got - stats.beta.ppf(u, a, b))) <= 1e-13, (a, b)


def test_beta_quantile_for_u_that_scipy_cannot_invert():
    # betaincinv(9, 1, 1e-300) is NaN in scipy; Beta(9, 1) has CDF x^9 exactly, so
    # x = (1e-300)^(1/9) = 10^(-33.33...) = 4.6415888336127e-34
    x = _BetaQuantileTable(9.0, 1.0).ppf(np.array([1e-300]))[0]
    assert x == pytest.approx(10 ** (-300 / 9), rel=1e-12)


def test_pert_shipped_input_in_money_terms():
    # savings delivery PERT(30, 80, 110) [%]: alpha = 1 + 4 * 50/80 = 3.5, beta = 1 + 4 * 30/80 = 2.5;
    # bound 2.8e-14 * (110 - 30) = 2.3e-12 percentage points of delivery.
    d = Pert(30.0, 80.0, 110.0)
    assert d._ab() == (3.5, 2.5)
    u = _probabilities(np.random.default_rng(3))
    u = u[u >= 1e-100]  # beta.ppf is NaN at 1e-300 (see above); the sweep's u is never below 2**-53
    err = np.max(np.abs(d.ppf(u) - (30.0 + 80.0 * stats.beta.ppf(u, 3.5, 2.5))))
    assert err <= 80.0 * 1e-13  # 8e-12 pp even against beta.ppf's own tail rounding
    assert d.ppf(np.array(0.0)) == 30.0 and d.ppf(np.array(1.0)) == 110.0


def test_pert_table_is_used_and_tails_are_narrow():
    # the shipped shape gets a table (not the slow exact path everywhere) with at most 1/16
    # of the probability on each side left to the exact inverse
    t = _BetaQuantileTable(3.5, 2.5)
    assert t.coef is not None and 0 < t.tail <= 1 / 16
