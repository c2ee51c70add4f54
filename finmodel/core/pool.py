"""The pooled budget: sources (contributions) and uses (schemes), per year.

Shapes: ``n`` scenarios on axis 0, ``Y`` financial years, ``S`` funding streams,
``K`` contribution lines, ``J`` schemes, ``G`` groups (organisations, areas of
spend, ...).  Money in £ (float64).  Source of the rules: docs/SOURCES.md §2-3.
"""

from __future__ import annotations

import numpy as np


def one_hot(index: np.ndarray, n_groups: int) -> np.ndarray:
    """(K,) int index -> (K, G) 0/1 matrix, so ``amounts @ one_hot`` sums by group."""
    index = np.asarray(index, dtype=np.int64)
    out = np.zeros((index.shape[0], n_groups))
    out[np.arange(index.shape[0]), index] = 1.0
    return out


def sum_by_year_and_group_gbp(
    amount_gbp: np.ndarray, year_index: np.ndarray, group_index: np.ndarray, n_years: int, n_groups: int
) -> np.ndarray:
    """Sum contribution lines into a (year, group) table.

    total[i, y, g] = sum over lines k with year_k == y and group_k == g of amount[i, k]

    amount_gbp: (n, K) [£]; year_index, group_index: (K,) ints.  Returns (n, Y, G) [£].
    """
    cell = np.asarray(year_index) * n_groups + np.asarray(group_index)
    flat = np.asarray(amount_gbp, dtype=float) @ one_hot(cell, n_years * n_groups)
    return flat.reshape(amount_gbp.shape[0], n_years, n_groups)


def pool_total_gbp(by_year_stream_gbp: np.ndarray) -> np.ndarray:
    """Total agreed pool per year: pool[i, y] = sum_s by_year_stream[i, y, s].  (n, Y, S) -> (n, Y) [£]."""
    return by_year_stream_gbp.sum(axis=-1)


def capital_gbp(by_year_stream_gbp: np.ndarray, is_capital: np.ndarray) -> np.ndarray:
    """Capital part of the pool: sum of streams flagged capital (DFG, social care capital).

    by_year_stream_gbp (n, Y, S) [£]; is_capital (S,) bool.  Returns (n, Y) [£].
    """
    return by_year_stream_gbp @ np.asarray(is_capital, dtype=float)


def revenue_gbp(pool_gbp: np.ndarray, capital_part_gbp: np.ndarray) -> np.ndarray:
    """Revenue part of the pool = pool - capital.  (n, Y) [£]."""
    return pool_gbp - capital_part_gbp


def minimum_margin_gbp(agreed_pool_gbp: np.ndarray, minimum_pool_gbp: np.ndarray) -> np.ndarray:
    """Margin over the minimum required pool = agreed - minimum (negative: below the minimum).  (n, Y) [£]."""
    return agreed_pool_gbp - minimum_pool_gbp


def derived_minimum_gbp(national_gbp: np.ndarray, share_frac: np.ndarray, counted: np.ndarray) -> np.ndarray:
    """Minimum required pool derived from national totals and the HWB's shares.

    minimum[y] = sum over counted streams s of national[y, s] * share[s]

    national_gbp (Y, S) [£]; share_frac (S,) [fraction of national]; counted (S,) bool,
    False for a stream that sits inside another's national total (the £135m Care Act
    money is inside the £1.9bn CCG contribution) so it is not added twice.  Returns (Y,) [£].
    """
    return np.asarray(national_gbp) @ (np.asarray(share_frac) * np.asarray(counted, dtype=float))


def proportionate_share_gbp(national_gbp: float | np.ndarray, share_frac: float | np.ndarray) -> np.ndarray:
    """The HWB's proportionate share of a national sum = national * share [£].

    Used for the Care Act (£135m), carers' breaks (£130m) and reablement (£300m) tests.
    """
    return np.asarray(national_gbp, dtype=float) * np.asarray(share_frac, dtype=float)


def dfg_to_districts_gbp(dfg_gbp: np.ndarray, two_tier: bool) -> np.ndarray:
    """DFG the county passes to district housing authorities: all of it in a two-tier area, else 0.  (n, Y) [£]."""
    return np.asarray(dfg_gbp, dtype=float) * (1.0 if two_tier else 0.0)


def unallocated_gbp(pool_gbp: np.ndarray, scheme_spend_gbp: np.ndarray) -> np.ndarray:
    """Sources less uses per year = pool - planned scheme spend.

    Positive: money pooled but not planned; negative: schemes overcommit the pool.  (n, Y) [£].
    """
    return pool_gbp - scheme_spend_gbp


def stream_overcommitment_gbp(spend_by_stream_gbp: np.ndarray, pool_by_stream_gbp: np.ndarray) -> np.ndarray:
    """Spend funded from each stream beyond what that stream contributes, floored at 0.

    over[i, y, s] = max(0, spend[i, y, s] - pool[i, y, s]).  (n, Y, S) [£].
    """
    return np.maximum(spend_by_stream_gbp - pool_by_stream_gbp, 0.0)


def commissioner_split_gbp(spend_gbp: np.ndarray, nhs_frac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split scheme spend between NHS (CCG) and council commissioning.

    nhs = spend * nhs_frac; council = spend - nhs.  spend (n, Y, J) [£]; nhs_frac (J,)
    is 1 for a CCG commission, 0 for a council one, the stated split for a joint one.
    Returns (nhs, council), each (n, Y, J) [£].
    """
    nhs = spend_gbp * np.asarray(nhs_frac, dtype=float)
    return nhs, spend_gbp - nhs


def share_of_pool_frac(amount_gbp: np.ndarray, pool_gbp: np.ndarray) -> np.ndarray:
    """amount / pool, 0 where the pool is 0 (a fraction; x100 for %)."""
    amount_gbp = np.asarray(amount_gbp, dtype=float)
    pool_gbp = np.asarray(pool_gbp, dtype=float)
    out = np.zeros(np.broadcast(amount_gbp, pool_gbp).shape)
    np.divide(amount_gbp, pool_gbp, out=out, where=pool_gbp != 0)
    return out
