"""Savings counted once: scheme benefits against QIPP (docs/SOURCES.md §4, seed 000).

Assurers asked for "arrangements to measure the impact of BCF schemes that will not
be double counting QIPP plans".  Where a BCF scheme's benefits and a QIPP line claim
the same activity in the same year, the smaller claim is the overlap and is counted
once.  Shapes: ``(n, Y, A)`` with ``A`` activities (emergency admissions, A&E
attendances, outpatients, other), money in £.
"""

from __future__ import annotations

import numpy as np


def overlap_gbp(qipp_by_activity_gbp: np.ndarray, benefits_by_activity_gbp: np.ndarray) -> np.ndarray:
    """Savings claimed twice: overlap[i, y, a] = min(qipp[i, y, a], benefits[i, y, a]).

    Both arrays (n, Y, A) [£]; an activity only one side claims has no overlap.
    """
    return np.minimum(np.maximum(qipp_by_activity_gbp, 0.0), np.maximum(benefits_by_activity_gbp, 0.0))


def savings_counted_once_gbp(qipp_gbp: np.ndarray, benefits_gbp: np.ndarray, overlap_total_gbp: np.ndarray) -> np.ndarray:
    """Total savings with the overlap counted once = QIPP + scheme benefits - overlap.  (n, Y) [£]."""
    return qipp_gbp + benefits_gbp - overlap_total_gbp


def delivered_gbp(planned_gbp: np.ndarray, delivery_frac: np.ndarray) -> np.ndarray:
    """Savings delivered = planned x delivery fraction (1 = as planned, 0.5 = half).  [£]"""
    return planned_gbp * delivery_frac
