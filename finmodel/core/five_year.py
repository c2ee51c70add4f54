"""The five-year system picture (docs/SOURCES.md §7, seed 003).

Shapes ``(n, Y)``, money in £.  Sign convention: an outturn is positive for a
surplus and negative for a deficit; a gap is positive when money is missing.
"""

from __future__ import annotations

import numpy as np


def ccg_outturn_after_qipp_gbp(outturn_before_gbp: np.ndarray, net_qipp_gbp: np.ndarray) -> np.ndarray:
    """CCG in-year outturn after QIPP = outturn before QIPP + net QIPP savings.  (n, Y) [£]."""
    return outturn_before_gbp + net_qipp_gbp


def asc_gap_gbp(demographic_pressure_gbp: np.ndarray, funding_change_gbp: np.ndarray, savings_target_gbp: np.ndarray) -> np.ndarray:
    """Adult social care gap = demographic pressure - funding change - savings target.

    A funding cut is a negative funding change, so it widens the gap.  (n, Y) [£].
    """
    return demographic_pressure_gbp - funding_change_gbp - savings_target_gbp


def system_gap_gbp(ccg_outturn_after_gbp: np.ndarray, asc_gap: np.ndarray) -> np.ndarray:
    """System gap = CCG deficit after QIPP (= -outturn) + adult social care gap.  (n, Y) [£].

    Positive: the health and care system is short of money that year; negative: a surplus.
    """
    return -ccg_outturn_after_gbp + asc_gap
