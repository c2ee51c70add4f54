"""The headline figures a sensitivity sweep reads: a selection of the one fast route's outputs.

:func:`evaluate_headline` runs :mod:`finmodel.route` (the same compiled loop and
plan-only tables as :func:`finmodel.model.evaluate` for n > 1) and asks it only for

* ``shortfall_gbp`` ``(Y, n)``, ``contingency_used_gbp`` ``(Y, n)``,
  ``partner_payments_gbp`` ``(Y, P, n)``, ``unfunded_gap_gbp`` ``(Y, n)``,
  ``underspend_retained_gbp`` ``(Y, n)`` (the four per-year arrays other than the
  shortfall may be skipped with ``per_year=False``);
* ``p4p_released_gbp`` ``(n,)``;
* totals over the years, summed year by year in order (the same rounding as the
  sweep's ``_row_total`` of the per-year figures): ``shortfall_total_gbp``,
  ``contingency_total_gbp``, ``contingency_used_total_gbp``,
  ``unfunded_gap_total_gbp``, ``partner_payment_total_gbp`` ``(P, n)`` and
  ``excess_over_contingency_gbp`` (shortfall total minus contingency total).

Layout: scenarios on the LAST axis (a sweep's summaries read long contiguous rows).
The reference is :func:`finmodel.model._evaluate_general`; tests/test_kernel.py and
tests/test_routes_random_plans.py check every field against it to £0.005 (and that
exact zeros stay exact zeros).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from finmodel.arrays import ModelInputs

__all__ = ["Headline", "evaluate_headline", "HEADLINE_BLOCK_ROWS"]

#: Rows per block of a headline evaluation (one call of the compiled loop).
HEADLINE_BLOCK_ROWS = 65536


@dataclass(frozen=True)
class Headline:
    """What a sweep reads, scenarios on the last axis.  Money in £.

    Per-year arrays other than ``shortfall_gbp`` are ``None`` when computed with
    ``per_year=False``.
    """

    shortfall_gbp: np.ndarray  # (Y, n)
    contingency_used_gbp: np.ndarray | None  # (Y, n)
    partner_payments_gbp: np.ndarray | None  # (Y, P, n)
    unfunded_gap_gbp: np.ndarray | None  # (Y, n)
    underspend_retained_gbp: np.ndarray | None  # (Y, n)
    p4p_released_gbp: np.ndarray  # (n,)
    shortfall_total_gbp: np.ndarray  # (n,)
    contingency_total_gbp: np.ndarray  # (n,)
    contingency_used_total_gbp: np.ndarray  # (n,)
    unfunded_gap_total_gbp: np.ndarray  # (n,)
    partner_payment_total_gbp: np.ndarray  # (P, n)
    excess_over_contingency_gbp: np.ndarray  # (n,)


_PER_YEAR = ("contingency_used_gbp", "partner_payments_gbp", "unfunded_gap_gbp", "underspend_retained_gbp")


def evaluate_headline(inputs: ModelInputs, n_years: int, *, threads: int | None = None,
                      block_rows: int = HEADLINE_BLOCK_ROWS, per_year: bool = True) -> Headline:
    """The sweep's figures for every scenario, year-major (see the module docstring).

    Same numbers as :func:`finmodel.model.evaluate` (to rounding, far below a penny;
    exact zeros stay exact zeros).  ``per_year=False`` skips the per-year contingency
    used, partner payments, gap and retained underspend (their totals are kept).
    """
    from finmodel.route import headline_arrays  # numba is loaded on first use, not at import

    out = headline_arrays(inputs, n_years, threads=threads, block_rows=block_rows, per_year=per_year)
    for name in _PER_YEAR:
        out.setdefault(name, None)
    return Headline(**out)
