"""Exact piecewise-linear forms of the QIPP ramp and the capped risk-share split.

When a sweep varies only a few inputs, two pieces of the model are piecewise
LINEAR functions of one per-scenario number, with breakpoints that depend only on
inputs the sweep leaves at the plan's values.  They can then be built once (at
``n = 1`` cost) and evaluated for every scenario with a handful of array passes.
Nothing here is a surrogate: every function below is the same arithmetic as the
general code in :mod:`finmodel.core.qipp` and :mod:`finmodel.core.risk_share`,
regrouped (results agree to rounding, far below a penny).

1. **Capped split (water-filling).**  For one year with shares ``s_p`` and caps
   ``c_p`` fixed, :func:`finmodel.core.risk_share.allocate_with_caps_gbp` gives
   partner ``p`` the payment ``min(c_p, s_p * lam)`` where ``lam >= 0`` is the
   level at which the payments add up to ``min(A, sum of open caps)`` (a partner
   is *open* if ``s_p > 0`` and ``c_p > 0``).  ``lam(A)`` is continuous, increasing
   and convex piecewise linear: with the open partners sorted by the level
   ``t_p = c_p / s_p`` at which each reaches its cap, after ``k`` of them are
   capped ``lam = (A - sum of their caps) / (sum of the other open shares)``.
   Convexity means ``lam(A) = max_k (a_k + b_k * A)`` over those lines
   (:func:`allocation_lines`); :func:`allocation_breakpoints` gives the same
   function as a breakpoint table for :func:`numpy.interp`.

2. **QIPP ramp.**  With the ramp's ``initial_frac``, ``initial_months`` and
   ``step_frac_pm`` fixed, the month-sum of the reduction in each financial year,
   the full-year effect and the live months depend on the scenario only through
   the go-live month ``g`` and the ceiling ``x``, and, for a given ``g`` and the
   number of rising steps ``J`` taken below the ceiling, they are LINEAR in ``x``:
   ``value = alpha[g, J] + beta[g, J] * x`` (``beta`` = number of months at the
   ceiling).  ``J`` is computed per scenario with the general code's own formula
   (:func:`ramp_steps`), so the segment chosen is the one the closed form uses.
"""

from __future__ import annotations

import numpy as np

from finmodel.core.qipp import CEILING_TOL

__all__ = [
    "allocation_lines",
    "allocation_level",
    "allocation_breakpoints",
    "allocate_piecewise_gbp",
    "ramp_steps",
    "ramp_table",
]

MONTHS_PER_YEAR = 12


# --------------------------------------------------------------------------- capped split


def _open_partners(shares, caps):
    shares = np.asarray(shares, dtype=np.float64)
    caps = np.asarray(caps, dtype=np.float64)
    return shares, caps, (shares > 0.0) & (caps > 0.0)


def allocation_lines(shares_frac, caps_gbp):
    """Lines ``(a, b)`` with ``lam(A) = max_k (a_k + b_k * A)`` for one year's split.

    ``shares_frac``, ``caps_gbp``: ``(p,)`` (caps may be ``inf``).  Line ``k`` is the
    level once the ``k`` open partners with the smallest ``c/s`` are capped::

        lam_k(A) = (A - sum_{first k} c) / (sum_{other open} s)

    Lines whose open share total is 0 (everyone capped) are dropped.  With no open
    partner the result is the single line ``lam = 0``.  Returns two float64 arrays.
    """
    shares, caps, is_open = _open_partners(shares_frac, caps_gbp)
    s, c = shares[is_open], caps[is_open]
    if s.size == 0:
        return np.zeros(1), np.zeros(1)
    order = np.argsort(c / s, kind="stable")
    s, c = s[order], c[order]
    a, b = [], []
    for k in range(s.size):
        share_left = s[k:].sum()
        capped = c[:k].sum()
        a.append(-capped / share_left)
        b.append(1.0 / share_left)
        if not np.isfinite(c[k]):  # every later partner is uncapped too: no more lines
            break
    return np.array(a), np.array(b)


def allocation_level(amount_gbp, lines):
    """``lam(A) = max_k (a_k + b_k * A)`` elementwise (``amount_gbp`` >= 0, any shape)."""
    a, b = lines
    amount = np.asarray(amount_gbp, dtype=np.float64)
    lam = amount * b[0] + a[0]
    for k in range(1, len(a)):
        np.maximum(lam, amount * b[k] + a[k], out=lam)
    return lam


def allocation_breakpoints(shares_frac, caps_gbp, far_gbp=1e15):
    """Breakpoint table of the capped split: ``(amounts (K,), payments (K, p))``.

    ``np.interp(A, amounts, payments[:, p])`` is partner ``p``'s payment for any
    ``0 <= A <= far_gbp``.  Breakpoints: ``A = 0``, each amount at which an open
    partner reaches its cap, and ``far_gbp`` (beyond the last cap payments are
    flat, so interp's clamping at the right end is exact for ``A >= far_gbp`` too).
    """
    shares, caps, is_open = _open_partners(shares_frac, caps_gbp)
    lines = allocation_lines(shares, caps)
    with np.errstate(divide="ignore", invalid="ignore"):
        levels = np.where(is_open, caps / np.where(is_open, shares, 1.0), np.inf)
    amounts = [0.0]
    for t in np.sort(levels[np.isfinite(levels)]):
        # amount at which the level reaches t: sum_p min(c_p, s_p t)
        amounts.append(float(np.minimum(caps[is_open], shares[is_open] * t).sum()))
    amounts.append(max(far_gbp, amounts[-1] * 2.0 + 1.0))
    amounts = np.maximum.accumulate(np.array(amounts))
    lam = allocation_level(amounts, lines)
    payments = np.where(is_open, np.minimum(caps, shares * lam[:, None]), 0.0)
    return amounts, payments


def allocate_piecewise_gbp(amount_gbp, shares_frac, caps_gbp):
    """Capped split of ``amount_gbp`` (n,) by fixed ``(p,)`` shares and caps: ``(payments (n, p), gap (n,))``.

    Same numbers as :func:`finmodel.core.risk_share.allocate_with_caps_gbp` (and its
    unallocated remainder, which is exactly 0 when every pound is placed).
    """
    shares, caps, is_open = _open_partners(shares_frac, caps_gbp)
    amount = np.maximum(np.asarray(amount_gbp, dtype=np.float64), 0.0)
    lam = allocation_level(amount, allocation_lines(shares, caps))
    payments = np.where(is_open, np.minimum(caps, shares * lam[..., None]), 0.0)
    open_caps = caps[is_open].sum()
    gap = np.maximum(amount - open_caps, 0.0)
    return payments, gap


# --------------------------------------------------------------------------- QIPP ramp


def ramp_steps(initial_frac, step_frac_pm, ceiling_frac):
    """Rising steps taken below the ceiling, ``J``, exactly as :mod:`finmodel.core.qipp` computes it.

    ``step > 0``: ``max(0, floor((ceiling - initial) / step + CEILING_TOL))``;
    ``step == 0``: ``inf`` if ``initial <= ceiling`` else 0.  Broadcasts; float64.
    """
    initial = np.asarray(initial_frac, dtype=np.float64)
    step = np.asarray(step_frac_pm, dtype=np.float64)
    ceiling = np.asarray(ceiling_frac, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        steps_to_gap = (ceiling - initial) / step
    finite_steps = np.maximum(np.floor(steps_to_gap + CEILING_TOL), 0.0)
    flat_forever = np.where(initial <= ceiling, np.inf, 0.0)
    return np.where(step > 0, finite_steps, flat_forever)


def ramp_table(go_live_months, initial_frac, initial_months, step_frac_pm, n_years, j_max):
    """``alpha, beta`` of shape ``(G, j_max + 1, 3 * n_years)`` for one cohort's ramp.

    Row ``[g, J]`` (go-live month ``go_live_months[g]``, ``J`` rising steps below
    the ceiling, ``J = j_max`` standing for any ``J >= j_max``) holds, for a ceiling
    ``x``, ``alpha + beta * x`` =

    * columns ``0..Y-1``: the year's month-sum of the reduction fraction
      (:func:`~finmodel.core.qipp.ea_reduction_frac_sum_by_year`);
    * columns ``Y..2Y-1``: 12 x the March fraction (the full-year effect,
      :func:`~finmodel.core.qipp.ea_full_year_effect_frac_by_year`);
    * columns ``2Y..3Y-1``: live months (:func:`~finmodel.core.qipp.live_months_by_year`), ``beta = 0``.

    Month ``k`` since go-live is at ``initial`` for ``0 <= k < I``, at
    ``initial + step (k - I + 1)`` for ``I <= k < I + J``, and at the ceiling from
    ``k = I + J`` (counted in ``beta``).  ``j_max`` must satisfy
    ``I + j_max >= 12 * n_years - min(go_live_months)`` so that clipping ``J`` at
    ``j_max`` changes nothing inside the horizon.
    """
    g = np.asarray(go_live_months, dtype=np.float64).reshape(-1, 1, 1)
    initial, n_initial, step = float(initial_frac), float(initial_months), float(step_frac_pm)
    J = np.arange(j_max + 1, dtype=np.float64).reshape(1, -1, 1)
    Y = int(n_years)
    months = np.arange(MONTHS_PER_YEAR * Y, dtype=np.float64).reshape(1, 1, -1)
    k = months - g  # (G, 1, M)
    rise_end = n_initial + J  # (1, J, 1)
    uncapped = np.where(k < n_initial, initial, initial + step * (k - n_initial + 1.0))
    capped = k >= rise_end  # (G, J, M)
    live = k >= 0
    alpha_m = np.where(live & ~capped, uncapped, 0.0)
    beta_m = capped.astype(np.float64)
    G, NJ = alpha_m.shape[0], alpha_m.shape[1]
    alpha = np.zeros((G, NJ, 3 * Y))
    beta = np.zeros((G, NJ, 3 * Y))
    alpha[..., :Y] = alpha_m.reshape(G, NJ, Y, MONTHS_PER_YEAR).sum(-1)
    beta[..., :Y] = beta_m.reshape(G, NJ, Y, MONTHS_PER_YEAR).sum(-1)
    march = MONTHS_PER_YEAR * np.arange(Y) + (MONTHS_PER_YEAR - 1)
    alpha[..., Y:2 * Y] = MONTHS_PER_YEAR * alpha_m[..., march]
    beta[..., Y:2 * Y] = MONTHS_PER_YEAR * beta_m[..., march]
    year_ends = MONTHS_PER_YEAR * (np.arange(Y, dtype=np.float64) + 1.0)
    alpha[..., 2 * Y:] = np.clip(year_ends.reshape(1, 1, -1) - g, 0.0, float(MONTHS_PER_YEAR))
    return alpha, beta
