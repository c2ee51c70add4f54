"""Risk share: who pays a shortfall in the pooled budget (the waterfall).

For one year and ``n`` scenarios the waterfall is (docs/SOURCES.md §6, [public]):

1. the **contingency** held back in the pool (often equal to the P4P sum) absorbs a
   positive shortfall first;
2. the rest is split between the ``p`` **partners** (council, CCG(s), hospital ...)
   by agreed shares (fixed percentages, or pro rata to what each commissions), each
   partner paying up to its **cap**; the excess above a cap moves to the partners
   still under their caps, in proportion to their shares;
3. what no partner covers is the **unfunded gap**.

A negative shortfall (an underspend) is either shared back to the partners by the
same shares (no caps on receiving) or kept in the pool.

Shapes follow :mod:`finmodel.core`: scenarios on axis 0; per-partner arrays are
``(n, p)`` (one year) or ``(n, n_years, p)``; a ``(p,)`` shares or caps vector
applies to every scenario.  Caps use ``np.inf`` for "uncapped".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "WaterfallResult",
    "pro_rata_shares_frac",
    "contingency_used_gbp",
    "allocate_with_caps_gbp",
    "unfunded_gap_gbp",
    "waterfall_gbp",
    "waterfall_by_year_gbp",
]


@dataclass(frozen=True, slots=True)
class WaterfallResult:
    """Outcome of the risk-share waterfall, all in £.

    One year: ``contingency_used``, ``unfunded_gap``, ``contingency_left`` and
    ``underspend_retained`` are ``(n,)`` and ``partner_payments`` is ``(n, p)``.
    From :func:`waterfall_by_year_gbp` each gains a year axis: ``(n, n_years)`` and
    ``(n, n_years, p)``.

    * ``contingency_used``: part of the contingency spent on the shortfall (>= 0).
    * ``partner_payments``: what each partner pays in (> 0) or receives from an
      underspend (< 0).
    * ``unfunded_gap``: shortfall left after the contingency and all partners (>= 0).
    * ``contingency_left``: contingency not spent (contingency - contingency_used).
    * ``underspend_retained``: underspend kept in the pool rather than shared (>= 0).

    Identity (every row)::

        contingency_used + sum_p partner_payments + unfunded_gap - underspend_retained
            == shortfall
    """

    contingency_used: np.ndarray
    partner_payments: np.ndarray
    unfunded_gap: np.ndarray
    contingency_left: np.ndarray
    underspend_retained: np.ndarray


def _as_partner_matrix(values, n):
    """Broadcast a ``(p,)`` or ``(n, p)`` per-partner array to ``(n, p)`` float64.

    A scalar (e.g. ``np.inf`` caps for everyone) becomes ``(n, 1)`` and broadcasts
    against the partner axis later.
    """
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 0:
        return np.broadcast_to(arr, (n, 1))
    if arr.ndim not in (1, 2):
        raise ValueError(f"per-partner array must be (p,) or (n, p), got shape {arr.shape}")
    return np.broadcast_to(arr, (n, arr.shape[-1]))


def _normalised_shares_frac(shares_frac):
    """Shares divided by their row total; rows that total 0 stay all-zero.  ``(n, p)``."""
    row_total = shares_frac.sum(axis=-1, keepdims=True)
    return np.divide(shares_frac, row_total, out=np.zeros_like(shares_frac), where=row_total > 0.0)


def pro_rata_shares_frac(commissioned_gbp):
    """Risk shares pro rata to what each partner commissions from the pool.

    Formula::

        shares[:, k] = commissioned_gbp[:, k] / sum_j commissioned_gbp[:, j]
                     = 1 / p            for rows whose total is 0

    Shapes: ``(n, p)`` or ``(p,)`` £; returns the same shape, fractions summing to
    1 per row.

    Source: docs/SOURCES.md §6 ([public]: split "pro rata to what each
    commissions").
    """
    commissioned = np.asarray(commissioned_gbp, dtype=np.float64)
    n_partners = commissioned.shape[-1]
    row_total = commissioned.sum(axis=-1, keepdims=True)
    has_total = row_total != 0.0
    equal_split = np.full_like(commissioned, 1.0 / n_partners)
    return np.divide(commissioned, row_total, out=equal_split, where=has_total)


def contingency_used_gbp(shortfall_gbp, contingency_gbp):
    """Part of the pool's contingency that absorbs the shortfall.

    Formula::

        contingency_used = clip(shortfall_gbp, 0, contingency_gbp)

    An underspend (negative shortfall) uses none.  Shapes: ``(n,)`` £ each (or
    broadcastable, ``contingency_gbp >= 0``); returns the broadcast shape, £.

    Source: docs/SOURCES.md §6 ([public]: a contingency held back in the pool,
    often equal to the P4P sum, absorbs a shortfall first).
    """
    shortfall = np.asarray(shortfall_gbp, dtype=np.float64)
    positive_shortfall = np.maximum(shortfall, 0.0)
    return np.minimum(positive_shortfall, np.asarray(contingency_gbp, dtype=np.float64))


def _allocate_with_caps(amount_gbp, shares_frac, caps_gbp):
    """Capped allocation; returns ``(payments (n, p), unallocated (n,))`` in £.

    See :func:`allocate_with_caps_gbp`.  ``unallocated`` is the exact running
    remainder (0 exactly in rows where every pound found a partner).
    """
    amount = np.maximum(np.asarray(amount_gbp, dtype=np.float64), 0.0)
    n = amount.shape[0]
    shares = _as_partner_matrix(shares_frac, n)
    caps = _as_partner_matrix(caps_gbp, n)
    n_partners = max(shares.shape[1], caps.shape[1])
    shares = np.broadcast_to(shares, (n, n_partners))
    caps = np.broadcast_to(caps, (n, n_partners))

    payments = np.zeros((n, n_partners), dtype=np.float64)
    remaining = amount.copy()

    # Work only on rows with money still to place; a partner is open while it has
    # a positive share and room under its cap.
    rows = np.flatnonzero(remaining > 0.0)
    row_shares = shares[rows]
    row_caps = caps[rows]
    row_paid = np.zeros((rows.size, n_partners), dtype=np.float64)
    row_left = remaining[rows]
    open_partner = (row_shares > 0.0) & (row_caps > 0.0)

    # Each round either places all that remains in a row or caps at least one more
    # partner in it, so p rounds always suffice.
    for _round in range(n_partners):
        open_shares = np.where(open_partner, row_shares, 0.0)
        open_share_total = open_shares.sum(axis=1)
        can_place = open_share_total > 0.0
        weight_frac = np.divide(
            open_shares, open_share_total[:, np.newaxis],
            out=np.zeros_like(open_shares), where=can_place[:, np.newaxis],
        )
        offer_gbp = row_left[:, np.newaxis] * weight_frac
        room_gbp = row_caps - row_paid
        hits_cap = open_partner & (offer_gbp >= room_gbp)
        take_gbp = np.where(hits_cap, room_gbp, offer_gbp)
        row_paid += take_gbp

        row_capped_now = hits_cap.any(axis=1)
        row_done = can_place & ~row_capped_now
        row_left = np.where(row_done, 0.0, np.maximum(row_left - take_gbp.sum(axis=1), 0.0))
        open_partner &= ~hits_cap

        # write back, then drop rows that are finished (all placed, or nobody open)
        payments[rows] = row_paid
        remaining[rows] = row_left
        keep = (row_left > 0.0) & open_partner.any(axis=1)
        if not keep.any():
            break
        rows, row_shares, row_caps = rows[keep], row_shares[keep], row_caps[keep]
        row_paid, row_left, open_partner = row_paid[keep], row_left[keep], open_partner[keep]

    return payments, remaining


def allocate_with_caps_gbp(amount_gbp, shares_frac, caps_gbp):
    """Split an amount between partners by shares, each up to its cap.

    Formula (rounds r = 1..p, vectorised over scenarios)::

        open_k     = partner k has share_k > 0 and payment_k < cap_k
        offer_k    = remaining * share_k / sum_{open j} share_j      (open k only)
        payment_k += min(offer_k, cap_k - payment_k)
        remaining  = amount - sum_k payment_k

    Round 1 gives each partner ``share_k * amount`` (shares summing to 1) up to its
    cap; each later round moves the excess above the caps to the partners still
    under theirs, in proportion to their shares, until nothing moves.  Shares are
    used relative to the open partners, so they need not sum exactly to 1; a
    partner with share 0 or cap 0 never pays.  What is left once every partner is
    capped is the unfunded gap (:func:`unfunded_gap_gbp`).

    Shapes: ``amount_gbp`` ``(n,)`` £ (>= 0; negative values are treated as 0);
    ``shares_frac`` ``(n, p)`` or ``(p,)``; ``caps_gbp`` ``(n, p)`` or ``(p,)`` £,
    ``np.inf`` = uncapped.  Returns ``(n, p)`` £ payments, each ``0 <= payment_k <=
    cap_k``.

    Source: docs/SOURCES.md §6 ([public]: split by agreed percentages or pro rata,
    with caps at each partner's contribution; what no one covers is an unfunded
    gap).
    """
    payments, _unallocated = _allocate_with_caps(amount_gbp, shares_frac, caps_gbp)
    return payments


def unfunded_gap_gbp(amount_gbp, payments_gbp):
    """Part of an amount that no partner covered.

    Formula::

        unfunded_gap = amount_gbp - sum_k payments_gbp[:, k]

    Shapes: ``amount_gbp`` ``(n,)`` £, ``payments_gbp`` ``(n, p)`` £ (from
    :func:`allocate_with_caps_gbp`); returns ``(n,)`` £.  Equal to the waterfall's
    ``unfunded_gap`` up to floating-point rounding (the waterfall keeps the exact
    running remainder, so a fully funded row has a gap of exactly 0).

    Source: docs/SOURCES.md §6 ("what no one covers is an unfunded gap").
    """
    amount = np.asarray(amount_gbp, dtype=np.float64)
    return amount - np.asarray(payments_gbp, dtype=np.float64).sum(axis=-1)


def waterfall_gbp(shortfall_gbp, contingency_gbp, shares_frac, caps_gbp, share_underspend=True):
    """Risk-share waterfall for one year.

    Formula::

        contingency_used  = clip(shortfall, 0, contingency)
        to_partners       = max(shortfall, 0) - contingency_used
        payments_k        = allocate_with_caps(to_partners, shares, caps)_k
        unfunded_gap      = to_partners - sum_k payments_k
        contingency_left  = contingency - contingency_used
        underspend        = max(-shortfall, 0)
        if share_underspend:  payments_k -= underspend * share_k / sum_j share_j
        else:                 underspend_retained = underspend

    Zero shortfall: nobody pays and nothing is used.  An underspend is shared
    without caps on receiving; a row whose shares are all 0 keeps it in the pool.

    Shapes: ``shortfall_gbp`` ``(n,)`` £ (negative = underspend);
    ``contingency_gbp`` ``(n,)`` or scalar £ (>= 0); ``shares_frac`` ``(n, p)`` or
    ``(p,)`` (summing to 1 per row, see :func:`pro_rata_shares_frac`); ``caps_gbp``
    ``(n, p)`` or ``(p,)`` £, ``np.inf`` = uncapped.  Returns a
    :class:`WaterfallResult` of ``(n,)`` and ``(n, p)`` arrays.

    Source: docs/SOURCES.md §6 ([seed 000, 002]; [public] common mechanisms:
    contingency first, then partners by shares with caps, then an unfunded gap).
    """
    shortfall = np.atleast_1d(np.asarray(shortfall_gbp, dtype=np.float64))
    n = shortfall.shape[0]
    contingency = np.broadcast_to(np.asarray(contingency_gbp, dtype=np.float64), (n,))
    shares = _as_partner_matrix(shares_frac, n)

    used_gbp = contingency_used_gbp(shortfall, contingency)
    to_partners_gbp = np.maximum(shortfall, 0.0) - used_gbp
    payments_gbp, gap_gbp = _allocate_with_caps(to_partners_gbp, shares, caps_gbp)

    underspend_gbp = np.maximum(-shortfall, 0.0)
    share_weights_frac = _normalised_shares_frac(shares)
    if share_underspend:
        can_share = share_weights_frac.sum(axis=1) > 0.0
        shared_underspend_gbp = np.where(can_share, underspend_gbp, 0.0)
    else:
        shared_underspend_gbp = np.zeros(n, dtype=np.float64)
    received_gbp = shared_underspend_gbp[:, np.newaxis] * share_weights_frac
    retained_gbp = underspend_gbp - shared_underspend_gbp

    return WaterfallResult(
        contingency_used=used_gbp,
        partner_payments=payments_gbp - received_gbp,
        unfunded_gap=gap_gbp,
        contingency_left=contingency - used_gbp,
        underspend_retained=retained_gbp,
    )


def _year_slice(per_partner, year):
    """Pick year ``year`` from a ``(n, n_years, p)`` array; pass ``(p,)``/``(n, p)`` through."""
    arr = np.asarray(per_partner, dtype=np.float64)
    if arr.ndim == 3:
        return arr[:, year, :]
    return arr


def waterfall_by_year_gbp(shortfall_gbp, contingency_gbp, shares_frac, caps_gbp, share_underspend=True):
    """Risk-share waterfall applied to each year independently.

    Formula: for each year ``y``, :func:`waterfall_gbp` on ``shortfall[:, y]`` and
    ``contingency[:, y]``.  Each year has its own contingency and its own caps;
    nothing carries between years (unused contingency, caps already used).

    Shapes: ``shortfall_gbp`` ``(n, n_years)`` £; ``contingency_gbp``
    ``(n, n_years)`` £ (or anything broadcasting to it, e.g. ``(n, 1)``);
    ``shares_frac`` and ``caps_gbp`` ``(p,)``, ``(n, p)`` (same every year) or
    ``(n, n_years, p)`` (a profile by year).  Returns a :class:`WaterfallResult`
    of ``(n, n_years)`` arrays and ``partner_payments`` ``(n, n_years, p)``.

    Source: docs/SOURCES.md §6 ([public]: fixed or variable share profiles).
    """
    shortfall = np.asarray(shortfall_gbp, dtype=np.float64)
    if shortfall.ndim != 2:
        raise ValueError(f"shortfall_gbp must be (n, n_years), got shape {shortfall.shape}")
    n, n_years = shortfall.shape
    contingency = np.broadcast_to(np.asarray(contingency_gbp, dtype=np.float64), (n, n_years))

    yearly = [
        waterfall_gbp(
            shortfall[:, year], contingency[:, year],
            _year_slice(shares_frac, year), _year_slice(caps_gbp, year),
            share_underspend=share_underspend,
        )
        for year in range(n_years)
    ]
    return WaterfallResult(
        contingency_used=np.stack([r.contingency_used for r in yearly], axis=1),
        partner_payments=np.stack([r.partner_payments for r in yearly], axis=1),
        unfunded_gap=np.stack([r.unfunded_gap for r in yearly], axis=1),
        contingency_left=np.stack([r.contingency_left for r in yearly], axis=1),
        underspend_retained=np.stack([r.underspend_retained for r in yearly], axis=1),
    )
