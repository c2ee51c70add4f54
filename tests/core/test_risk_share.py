"""Hand-worked checks, invariants and a reference implementation for
finmodel.core.risk_share (docs/SOURCES.md §6)."""

import math

import numpy as np
import pytest

from finmodel.core import risk_share as rs

PENNY = 0.005
TOL = 1e-6
INF = np.inf

SHARES_50_30_20 = np.array([0.5, 0.3, 0.2])


def _row(values):
    return np.array([values], dtype=np.float64)


# --------------------------------------------------------------------------------
# Reference: one scenario at a time, plain Python, by "water-filling".
# Partner k pays min(cap_k, level * share_k) for one common level; partners whose
# cap/share is lowest are capped first.  This is a different route from the
# vectorised round-by-round reallocation, so agreement is a real check.
# --------------------------------------------------------------------------------


def reference_allocate(amount, shares, caps):
    p = len(shares)
    payments = [0.0] * p
    total_share = sum(s for s in shares if s > 0)
    # shares are used relative to each other (normalised)
    norm = [s / total_share if s > 0 else 0.0 for s in shares] if total_share > 0 else [0.0] * p
    candidates = [k for k in range(p) if norm[k] > 0 and caps[k] > 0]
    candidates.sort(key=lambda k: caps[k] / norm[k])
    remaining = max(amount, 0.0)
    share_left = sum(norm[k] for k in candidates)
    for i, k in enumerate(candidates):
        level = remaining / share_left
        if caps[k] <= level * norm[k]:
            payments[k] = caps[k]
            remaining -= caps[k]
            share_left -= norm[k]
        else:
            for j in candidates[i:]:
                payments[j] = level * norm[j]
            remaining = 0.0
            break
    return payments, remaining


def reference_waterfall(shortfall, contingency, shares, caps, share_underspend=True):
    used = min(max(shortfall, 0.0), contingency)
    to_partners = max(shortfall, 0.0) - used
    payments, gap = reference_allocate(to_partners, shares, caps)
    retained = 0.0
    if shortfall < 0:
        underspend = -shortfall
        total_share = sum(shares)
        if share_underspend and total_share > 0:
            payments = [-underspend * s / total_share for s in shares]
        else:
            retained = underspend
    return used, payments, gap, contingency - used, retained


# --------------------------------------------------------------------------------
# Hand-worked examples
# --------------------------------------------------------------------------------


def test_a_contingency_covers_it_all():
    # shortfall 150,000 <= contingency 200,000: used 150,000, left 50,000, nobody pays
    r = rs.waterfall_gbp(np.array([150_000.0]), np.array([200_000.0]), SHARES_50_30_20, np.array([INF, 100_000.0, INF]))
    np.testing.assert_allclose(r.contingency_used, [150_000.0], atol=PENNY)
    np.testing.assert_allclose(r.partner_payments, [[0.0, 0.0, 0.0]], atol=PENNY)
    np.testing.assert_allclose(r.unfunded_gap, [0.0], atol=PENNY)
    np.testing.assert_allclose(r.contingency_left, [50_000.0], atol=PENNY)
    np.testing.assert_allclose(r.underspend_retained, [0.0], atol=PENNY)


def test_b_cap_binds_and_excess_moves():
    # shortfall 1,000,000 ; contingency 200,000 -> 800,000 to partners
    # round 1 at 50/30/20: 400,000 / 240,000 / 160,000
    #   partner 2 capped at 100,000 -> 140,000 to move
    # round 2 to partners 1 and 3 in ratio 50:20 (of 70):
    #   140,000 * 50/70 = 100,000 ; 140,000 * 20/70 = 40,000
    # final: 500,000 / 100,000 / 200,000 = 800,000 ; gap 0 ; contingency left 0
    r = rs.waterfall_gbp(np.array([1_000_000.0]), np.array([200_000.0]), SHARES_50_30_20, np.array([INF, 100_000.0, INF]))
    np.testing.assert_allclose(r.contingency_used, [200_000.0], atol=PENNY)
    np.testing.assert_allclose(r.partner_payments, [[500_000.0, 100_000.0, 200_000.0]], atol=PENNY)
    np.testing.assert_allclose(r.unfunded_gap, [0.0], atol=PENNY)
    np.testing.assert_allclose(r.contingency_left, [0.0], atol=PENNY)


def test_c_all_capped_leaves_unfunded_gap():
    # 800,000 to partners, caps 300,000 / 100,000 / 150,000 ;
    # round 1 offers 400,000 / 240,000 / 160,000 all exceed caps -> pay the caps
    # 300,000 + 100,000 + 150,000 = 550,000 ; gap 800,000 - 550,000 = 250,000
    r = rs.waterfall_gbp(
        np.array([1_000_000.0]), np.array([200_000.0]), SHARES_50_30_20, np.array([300_000.0, 100_000.0, 150_000.0])
    )
    np.testing.assert_allclose(r.partner_payments, [[300_000.0, 100_000.0, 150_000.0]], atol=PENNY)
    np.testing.assert_allclose(r.unfunded_gap, [250_000.0], atol=PENNY)


def test_c2_caps_bind_over_three_rounds():
    # 800,000 to partners, caps 450,000 / 100,000 / 220,000
    # round 1: 400,000 / 240,000->cap 100,000 / 160,000 ; moved 140,000
    # round 2 (50:20): +100,000 -> 500,000 > cap 450,000 so +50,000 (capped) ;
    #                  +40,000 -> 200,000 ; still to place 140,000 - 90,000 = 50,000
    # round 3 (partner 3 only): +50,000 -> 250,000 > cap 220,000 so +20,000 (capped)
    # final 450,000 / 100,000 / 220,000 = 770,000 ; gap 30,000
    r = rs.waterfall_gbp(
        np.array([1_000_000.0]), np.array([200_000.0]), SHARES_50_30_20, np.array([450_000.0, 100_000.0, 220_000.0])
    )
    np.testing.assert_allclose(r.partner_payments, [[450_000.0, 100_000.0, 220_000.0]], atol=PENNY)
    np.testing.assert_allclose(r.unfunded_gap, [30_000.0], atol=PENNY)


def test_d_underspend_shared_and_not_shared():
    # underspend 300,000 at 50/30/20 -> partners receive 150,000 / 90,000 / 60,000
    # (negative payments), no caps on receiving (partner 2's 100,000 cap is ignored;
    # with a cap of 0 it would still receive)
    shortfall = np.array([-300_000.0])
    contingency = np.array([200_000.0])
    caps = np.array([INF, 0.0, 50_000.0])
    shared = rs.waterfall_gbp(shortfall, contingency, SHARES_50_30_20, caps, share_underspend=True)
    np.testing.assert_allclose(shared.partner_payments, [[-150_000.0, -90_000.0, -60_000.0]], atol=PENNY)
    np.testing.assert_allclose(shared.contingency_used, [0.0], atol=PENNY)
    np.testing.assert_allclose(shared.contingency_left, [200_000.0], atol=PENNY)
    np.testing.assert_allclose(shared.underspend_retained, [0.0], atol=PENNY)
    np.testing.assert_allclose(shared.unfunded_gap, [0.0], atol=PENNY)
    # not shared: stays in the pool, partners 0
    kept = rs.waterfall_gbp(shortfall, contingency, SHARES_50_30_20, caps, share_underspend=False)
    np.testing.assert_allclose(kept.partner_payments, [[0.0, 0.0, 0.0]], atol=PENNY)
    np.testing.assert_allclose(kept.underspend_retained, [300_000.0], atol=PENNY)
    np.testing.assert_allclose(kept.contingency_left, [200_000.0], atol=PENNY)


def test_zero_shortfall_nobody_pays():
    r = rs.waterfall_gbp(np.zeros(3), np.array([0.0, 5.0, 1e6]), SHARES_50_30_20, np.array([INF, 0.0, 10.0]))
    np.testing.assert_array_equal(r.partner_payments, np.zeros((3, 3)))
    np.testing.assert_array_equal(r.contingency_used, np.zeros(3))
    np.testing.assert_array_equal(r.unfunded_gap, np.zeros(3))
    np.testing.assert_array_equal(r.contingency_left, [0.0, 5.0, 1e6])


def test_contingency_used_clip():
    # clip(shortfall, 0, contingency): -50 -> 0 ; 30 -> 30 ; 500 -> 100
    got = rs.contingency_used_gbp(np.array([-50.0, 30.0, 500.0]), np.array([100.0, 100.0, 100.0]))
    np.testing.assert_allclose(got, [0.0, 30.0, 100.0])


def test_allocate_with_caps_and_gap_functions():
    # same as example (b) without the contingency: 800,000 -> 500,000 / 100,000 / 200,000
    pay = rs.allocate_with_caps_gbp(np.array([800_000.0]), SHARES_50_30_20, np.array([INF, 100_000.0, INF]))
    np.testing.assert_allclose(pay, [[500_000.0, 100_000.0, 200_000.0]], atol=PENNY)
    np.testing.assert_allclose(rs.unfunded_gap_gbp(np.array([800_000.0]), pay), [0.0], atol=PENNY)
    # scalar caps: everybody capped at 100,000 -> 300,000 paid, 500,000 unfunded
    pay = rs.allocate_with_caps_gbp(np.array([800_000.0]), SHARES_50_30_20, 100_000.0)
    np.testing.assert_allclose(pay, [[100_000.0, 100_000.0, 100_000.0]], atol=PENNY)
    np.testing.assert_allclose(rs.unfunded_gap_gbp(np.array([800_000.0]), pay), [500_000.0], atol=PENNY)


def test_per_scenario_shares_and_caps():
    # row 0: 60/40, caps inf/inf, 1,000 -> 600 / 400
    # row 1: 100/0, caps 250/inf, 1,000 -> 250 / 0 (zero share never pays), gap 750
    shares = np.array([[0.6, 0.4], [1.0, 0.0]])
    caps = np.array([[INF, INF], [250.0, INF]])
    r = rs.waterfall_gbp(np.array([1_000.0, 1_000.0]), np.zeros(2), shares, caps)
    np.testing.assert_allclose(r.partner_payments, [[600.0, 400.0], [250.0, 0.0]], atol=PENNY)
    np.testing.assert_allclose(r.unfunded_gap, [0.0, 750.0], atol=PENNY)


def test_pro_rata_shares():
    # CCG 14,100,000, council 1,190,000 of 15,290,000 (Central Bedfordshire 2015/16);
    # a row with nothing commissioned splits equally
    commissioned = np.array([[14_100_000.0, 1_190_000.0], [0.0, 0.0]])
    got = rs.pro_rata_shares_frac(commissioned)
    np.testing.assert_allclose(got, [[14_100_000 / 15_290_000, 1_190_000 / 15_290_000], [0.5, 0.5]])
    np.testing.assert_allclose(got.sum(axis=1), 1.0)
    np.testing.assert_allclose(rs.pro_rata_shares_frac(np.array([1.0, 3.0])), [0.25, 0.75])


def test_waterfall_by_year():
    # year 0 is example (b), year 1 an underspend of 100,000 shared 50/30/20,
    # year 2 example (c) with caps from a per-year profile
    shortfall = np.array([[1_000_000.0, -100_000.0, 1_000_000.0]])
    contingency = np.array([[200_000.0, 200_000.0, 200_000.0]])
    caps = np.array([[[INF, 100_000.0, INF], [INF, INF, INF], [300_000.0, 100_000.0, 150_000.0]]])
    r = rs.waterfall_by_year_gbp(shortfall, contingency, SHARES_50_30_20, caps)
    assert r.partner_payments.shape == (1, 3, 3)
    assert r.unfunded_gap.shape == (1, 3)
    np.testing.assert_allclose(
        r.partner_payments[0],
        [[500_000.0, 100_000.0, 200_000.0], [-50_000.0, -30_000.0, -20_000.0], [300_000.0, 100_000.0, 150_000.0]],
        atol=PENNY,
    )
    np.testing.assert_allclose(r.contingency_used, [[200_000.0, 0.0, 200_000.0]], atol=PENNY)
    np.testing.assert_allclose(r.contingency_left, [[0.0, 200_000.0, 0.0]], atol=PENNY)
    np.testing.assert_allclose(r.unfunded_gap, [[0.0, 0.0, 250_000.0]], atol=PENNY)


def test_result_is_frozen():
    r = rs.waterfall_gbp(np.array([1.0]), np.array([0.0]), np.array([1.0]), np.array([INF]))
    with pytest.raises(AttributeError):
        r.unfunded_gap = np.zeros(1)


# --------------------------------------------------------------------------------
# Random inputs: invariants and agreement with the reference
# --------------------------------------------------------------------------------


def _random_inputs(rng, n, p):
    shortfall = rng.normal(500_000.0, 1_000_000.0, size=n)
    shortfall[rng.random(n) < 0.05] = 0.0
    contingency = rng.uniform(0.0, 800_000.0, size=n)
    contingency[rng.random(n) < 0.2] = 0.0
    shares = rng.dirichlet(np.ones(p), size=n)
    zero_share = rng.random((n, p)) < 0.1
    shares = np.where(zero_share, 0.0, shares)
    shares = rs.pro_rata_shares_frac(shares)  # renormalise (equal split if all zero)
    caps = rng.uniform(0.0, 600_000.0, size=(n, p))
    kind = rng.random((n, p))
    caps = np.where(kind < 0.3, INF, caps)
    caps = np.where(kind > 0.9, 0.0, caps)
    return shortfall, contingency, shares, caps


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_invariants_random(seed):
    rng = np.random.default_rng(seed)
    n = 10_000
    p = int(rng.integers(1, 6))
    shortfall, contingency, shares, caps = _random_inputs(rng, n, p)
    r = rs.waterfall_gbp(shortfall, contingency, shares, caps)

    positive = shortfall >= 0.0
    paid_total = r.partner_payments.sum(axis=1)
    # conservation for a shortfall: contingency + partners + gap == shortfall
    np.testing.assert_allclose(
        (r.contingency_used + paid_total + r.unfunded_gap)[positive], shortfall[positive], rtol=0, atol=TOL
    )
    # and with the retained underspend, for every row
    np.testing.assert_allclose(
        r.contingency_used + paid_total + r.unfunded_gap - r.underspend_retained, shortfall, rtol=0, atol=TOL
    )
    # nobody pays above its cap; payments >= 0 for a positive shortfall
    assert (r.partner_payments <= caps + TOL).all()
    assert (r.partner_payments[positive] >= 0.0).all()
    # the gap is never negative, and positive only when every partner with a share is capped
    assert (r.unfunded_gap >= 0.0).all()
    has_gap = r.unfunded_gap > TOL
    at_cap_or_no_share = (r.partner_payments >= caps - TOL) | (shares == 0.0)
    assert at_cap_or_no_share[has_gap].all()
    # contingency bookkeeping
    assert (r.contingency_used >= 0.0).all()
    assert (r.contingency_used <= contingency + TOL).all()
    np.testing.assert_allclose(r.contingency_used + r.contingency_left, contingency, rtol=0, atol=TOL)
    # zero shortfall: nobody pays
    zero = shortfall == 0.0
    assert zero.any()
    assert (r.partner_payments[zero] == 0.0).all()
    assert (r.unfunded_gap[zero] == 0.0).all()


@pytest.mark.parametrize("seed", [10, 11, 12, 13])
@pytest.mark.parametrize("share_underspend", [True, False])
def test_matches_reference_row_by_row(seed, share_underspend):
    rng = np.random.default_rng(seed)
    n = 2_000
    p = int(rng.integers(1, 6))
    shortfall, contingency, shares, caps = _random_inputs(rng, n, p)
    r = rs.waterfall_gbp(shortfall, contingency, shares, caps, share_underspend=share_underspend)
    for i in range(n):
        used, payments, gap, left, retained = reference_waterfall(
            float(shortfall[i]), float(contingency[i]), shares[i].tolist(), caps[i].tolist(), share_underspend
        )
        assert math.isclose(r.contingency_used[i], used, abs_tol=TOL)
        np.testing.assert_allclose(r.partner_payments[i], payments, rtol=0, atol=TOL)
        assert math.isclose(r.unfunded_gap[i], gap, abs_tol=TOL)
        assert math.isclose(r.contingency_left[i], left, abs_tol=TOL)
        assert math.isclose(r.underspend_retained[i], retained, abs_tol=TOL)


def test_by_year_equals_year_by_year():
    rng = np.random.default_rng(99)
    n, n_years, p = 500, 4, 3
    shortfall = rng.normal(200_000.0, 500_000.0, size=(n, n_years))
    contingency = rng.uniform(0.0, 300_000.0, size=(n, n_years))
    shares = rng.dirichlet(np.ones(p), size=(n, n_years))
    caps = np.where(rng.random((n, n_years, p)) < 0.3, INF, rng.uniform(0.0, 300_000.0, size=(n, n_years, p)))
    r = rs.waterfall_by_year_gbp(shortfall, contingency, shares, caps)
    for y in range(n_years):
        ry = rs.waterfall_gbp(shortfall[:, y], contingency[:, y], shares[:, y], caps[:, y])
        np.testing.assert_array_equal(r.partner_payments[:, y], ry.partner_payments)
        np.testing.assert_array_equal(r.unfunded_gap[:, y], ry.unfunded_gap)
        np.testing.assert_array_equal(r.contingency_used[:, y], ry.contingency_used)
