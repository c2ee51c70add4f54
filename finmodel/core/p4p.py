"""Payment for performance (P4P): the performance-related part of the BCF.

Two designs are modelled (docs/SOURCES.md §5):

* the **revised design** ([public] revised BCF guidance, July 2014): the
  performance money is the planned reduction in total non-elective (emergency)
  admissions valued at the average cost of a non-elective admission.  It is held
  back and released quarterly in proportion to the reduction achieved; what is not
  released pays the hospital for the admissions not avoided, and any remainder goes
  to NHS-commissioned out-of-hospital services;
* the **original design** (Dec 2013 - Apr 2014, [seed 002, public]): £1bn split
  £250m (April 2015, national conditions), £250m (April 2015, 2014/15 metrics) and
  £500m (October 2015, metrics), paid on achievement against metric targets, with a
  70% threshold for funding the contingency.

Shapes follow :mod:`finmodel.core`: scenarios on axis 0; quarterly arrays are
``(n, 4)`` (quarter 0 = April-June); per-metric arrays are ``(n, n_metrics)``.
Every function is elementwise or reduces a small trailing axis, so inputs may be
anything that broadcasts to the documented shapes.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "MINIMUM_AMBITION_FRAC",
    "CONTINGENCY_THRESHOLD_FRAC",
    "ORIGINAL_DESIGN_SHARES_FRAC",
    "p4p_sum_gbp",
    "planned_admissions_avoided",
    "quarterly_achievement_frac",
    "quarterly_release_gbp",
    "unreleased_gbp",
    "admissions_not_avoided_cost_gbp",
    "unreleased_split_gbp",
    "below_minimum_ambition",
    "original_design_split_gbp",
    "achievement_frac",
    "overall_achievement_frac",
    "contingency_funding_allowed",
]

#: Expected minimum planned reduction in non-elective admissions (revised design,
#: [public] revised BCF guidance July 2014; docs/SOURCES.md §5).
MINIMUM_AMBITION_FRAC = 0.035

#: Share of plan achieved at or above which the performance money may fund the
#: contingency (original design, [public]; docs/SOURCES.md §5).
CONTINGENCY_THRESHOLD_FRAC = 0.70

#: National split of the original £1bn performance element: £250m April 2015 on
#: national conditions, £250m April 2015 on 2014/15 metrics, £500m October 2015 on
#: metrics ([seed 002, public]; docs/SOURCES.md §5).
ORIGINAL_DESIGN_SHARES_FRAC = (250.0 / 1000.0, 250.0 / 1000.0, 500.0 / 1000.0)


# --------------------------------------------------------------------------------
# Revised design (July 2014)
# --------------------------------------------------------------------------------


def p4p_sum_gbp(baseline_nel_admissions_pa, planned_reduction_frac, cost_per_admission_gbp):
    """Money held back for payment for performance.

    Formula::

        admissions_avoided = baseline_nel_admissions_pa * planned_reduction_frac
        p4p_sum_gbp        = admissions_avoided * cost_per_admission_gbp

    Shapes: each argument ``(n,)`` or anything that broadcasts (scalars included);
    returns the broadcast shape.  Units: admissions per year, fraction, £ per
    admission -> £.

    Source: docs/SOURCES.md §5, [public] revised BCF guidance July 2014 (the sum
    is planned admissions avoided x average cost of a non-elective admission; the
    usual £1,490 is an input, not a constant here).
    """
    admissions_avoided = np.multiply(baseline_nel_admissions_pa, planned_reduction_frac)
    return np.multiply(admissions_avoided, cost_per_admission_gbp, dtype=np.float64)


def planned_admissions_avoided(baseline_by_quarter, planned_reduction_frac):
    """Planned non-elective admissions avoided in each quarter.

    Formula::

        planned_avoided[:, q] = baseline_by_quarter[:, q] * planned_reduction_frac

    Shapes: ``baseline_by_quarter`` ``(n, 4)`` (admissions per quarter);
    ``planned_reduction_frac`` ``(n,)`` or scalar.  Returns ``(n, 4)`` admissions.

    Source: docs/SOURCES.md §5, [public] revised BCF guidance July 2014 (one
    planned reduction applied to each quarter's baseline).
    """
    baseline = np.asarray(baseline_by_quarter, dtype=np.float64)
    reduction_col = np.asarray(planned_reduction_frac, dtype=np.float64)[..., np.newaxis]
    return baseline * reduction_col


def quarterly_achievement_frac(planned_avoided_by_quarter, actual_avoided_by_quarter):
    """Share of each quarter's planned reduction that was achieved, capped to [0, 1].

    Formula::

        achievement[:, q] = clip(actual_q / planned_q, 0, 1)   where planned_q > 0
                          = 0                                  where planned_q <= 0

    A quarter in which admissions grew (``actual_q < 0``) scores 0; beating the
    plan scores 1.  A quarter with nothing planned scores 0 (it carries no share of
    the P4P sum, see :func:`quarterly_release_gbp`, so the value is immaterial).

    Shapes: both ``(n, 4)`` admissions avoided.  Returns ``(n, 4)`` fraction.

    Source: docs/SOURCES.md §5, [public] revised BCF guidance July 2014 (release
    "in proportion to the reduction achieved").
    """
    planned = np.asarray(planned_avoided_by_quarter, dtype=np.float64)
    actual = np.asarray(actual_avoided_by_quarter, dtype=np.float64)
    has_plan = planned > 0.0
    raw_ratio = np.divide(actual, planned, out=np.zeros(np.broadcast_shapes(planned.shape, actual.shape)), where=has_plan)
    return np.clip(raw_ratio, 0.0, 1.0)


def quarterly_release_gbp(p4p_sum_gbp, planned_avoided_by_quarter, actual_avoided_by_quarter):
    """P4P money released to the pool in each quarter.

    Formula::

        planned_total      = sum_q planned_q
        quarter_share_gbp  = p4p_sum_gbp * planned_q / planned_total   (0 if planned_total <= 0)
        release_gbp[:, q]  = quarter_share_gbp * clip(actual_q / planned_q, 0, 1)

    so the release in a quarter never exceeds that quarter's share of the sum, the
    total release never exceeds the sum, and a quarter in which admissions grew
    releases nothing.

    Shapes: ``p4p_sum_gbp`` ``(n,)`` £; ``planned_avoided_by_quarter`` and
    ``actual_avoided_by_quarter`` ``(n, 4)`` admissions avoided (negative actual =
    admissions grew).  Returns ``(n, 4)`` £.

    Source: docs/SOURCES.md §5, [public] revised BCF guidance July 2014 (held back
    and released quarterly in proportion to the reduction achieved).
    """
    planned = np.asarray(planned_avoided_by_quarter, dtype=np.float64)
    planned_total = planned.sum(axis=-1, keepdims=True)
    has_total = planned_total > 0.0
    quarter_weight_frac = np.divide(planned, planned_total, out=np.zeros_like(planned), where=has_total)
    quarter_share_gbp = np.asarray(p4p_sum_gbp, dtype=np.float64)[..., np.newaxis] * quarter_weight_frac
    achievement = quarterly_achievement_frac(planned, actual_avoided_by_quarter)
    return quarter_share_gbp * achievement


def unreleased_gbp(p4p_sum_gbp, released_by_quarter_gbp):
    """P4P money held back and not earned over the year.

    Formula::

        unreleased_gbp = p4p_sum_gbp - sum_q released_by_quarter_gbp[:, q]

    Shapes: ``p4p_sum_gbp`` ``(n,)`` £; ``released_by_quarter_gbp`` ``(n, 4)`` £
    (as returned by :func:`quarterly_release_gbp`).  Returns ``(n,)`` £, >= 0 when
    the release came from :func:`quarterly_release_gbp`.

    Source: docs/SOURCES.md §5, [public] revised BCF guidance July 2014.
    """
    released_total_gbp = np.asarray(released_by_quarter_gbp, dtype=np.float64).sum(axis=-1)
    return np.asarray(p4p_sum_gbp, dtype=np.float64) - released_total_gbp


def admissions_not_avoided_cost_gbp(planned_avoided, actual_avoided, cost_per_admission_gbp):
    """Cost of the planned admission reductions that did not happen.

    Formula (elementwise, e.g. per quarter)::

        not_avoided = max(planned_avoided - actual_avoided, 0)
        cost_gbp    = not_avoided * cost_per_admission_gbp

    Admissions that grew (``actual_avoided < 0``) add to ``not_avoided``, so the
    cost can exceed the planned sum.  Beating the plan in one quarter does not
    offset another quarter; sum the result over the quarter axis (``axis=-1``) for
    the year's cost to pass to :func:`unreleased_split_gbp`.

    Shapes: any broadcastable shapes, e.g. ``(n, 4)``, ``(n, 4)``, ``(n,)``-as-column
    or scalar.  Units: admissions, £ per admission -> £.

    Source: docs/SOURCES.md §5, [public] revised BCF guidance July 2014 (unearned
    money "pays the hospital for the admissions that were not avoided").
    """
    shortfall_admissions = np.subtract(planned_avoided, actual_avoided, dtype=np.float64)
    not_avoided = np.maximum(shortfall_admissions, 0.0)
    return not_avoided * cost_per_admission_gbp


def unreleased_split_gbp(unreleased_gbp, cost_of_admissions_not_avoided_gbp):
    """Where the unreleased P4P money goes: the acute hospital first, then out of hospital.

    Formula::

        to_acute_gbp           = min(unreleased_gbp, max(cost_not_avoided_gbp, 0))
        to_out_of_hospital_gbp = unreleased_gbp - to_acute_gbp

    Shapes: both ``(n,)`` £ (or broadcastable).  Returns the tuple
    ``(to_acute_gbp, to_out_of_hospital_gbp)``, each of the broadcast shape, £.
    ``unreleased_gbp`` is expected to be >= 0.

    Source: docs/SOURCES.md §5, [public] revised BCF guidance July 2014 (what is
    not earned pays the hospital for admissions not avoided, or NHS-commissioned
    out-of-hospital services).
    """
    unreleased = np.asarray(unreleased_gbp, dtype=np.float64)
    acute_claim_gbp = np.maximum(np.asarray(cost_of_admissions_not_avoided_gbp, dtype=np.float64), 0.0)
    to_acute_gbp = np.minimum(unreleased, acute_claim_gbp)
    to_out_of_hospital_gbp = unreleased - to_acute_gbp
    return to_acute_gbp, to_out_of_hospital_gbp


def below_minimum_ambition(planned_reduction_frac, minimum_frac=MINIMUM_AMBITION_FRAC):
    """Flag plans whose planned non-elective reduction is below the expected minimum.

    Formula::

        flag = planned_reduction_frac < minimum_frac      (default 0.035)

    A plan exactly at the minimum is not flagged.  Shapes: ``(n,)`` or any shape;
    returns a bool array of that shape.

    Source: docs/SOURCES.md §5, [public] revised BCF guidance July 2014 (expected
    minimum 3.5% unless the HWB makes a credible case).
    """
    return np.asarray(planned_reduction_frac, dtype=np.float64) < minimum_frac


# --------------------------------------------------------------------------------
# Original design (Dec 2013 - Apr 2014)
# --------------------------------------------------------------------------------


def original_design_split_gbp(performance_pool_gbp):
    """Split a performance pool in the national proportions of the original design.

    Formula (250 : 250 : 500 of £1bn)::

        april_2015_conditions_gbp = 0.25 * performance_pool_gbp
        april_2015_metrics_gbp    = 0.25 * performance_pool_gbp
        october_2015_metrics_gbp  = 0.50 * performance_pool_gbp

    Shapes: ``(n,)`` or any shape, £.  Returns the tuple
    ``(april_2015_conditions_gbp, april_2015_metrics_gbp, october_2015_metrics_gbp)``
    each of the input shape, £.

    Source: docs/SOURCES.md §5 ([seed 002, public]: £250m April 2015 for progress
    on national conditions, £250m for 2014/15 metrics, £500m October 2015).
    """
    pool = np.asarray(performance_pool_gbp, dtype=np.float64)
    conditions_frac, april_metrics_frac, october_metrics_frac = ORIGINAL_DESIGN_SHARES_FRAC
    return pool * conditions_frac, pool * april_metrics_frac, pool * october_metrics_frac


def achievement_frac(baseline, target, actual, higher_is_better):
    """Share of the planned improvement on each metric that was achieved.

    Formula::

        achievement = (actual - baseline) / (target - baseline)

    The same formula serves both directions: for a lower-is-better metric (e.g.
    admissions per 100,000) both numerator and denominator are negative when the
    metric improves.  The result is not clipped (worse than baseline < 0; beating
    the target > 1).  ``higher_is_better`` is used only when no change was planned
    (``target == baseline``): then achievement is 1 if ``actual`` is at or better
    than the target in the metric's direction, else 0.

    Shapes: ``baseline``, ``target``, ``actual`` ``(n, n_metrics)`` or anything that
    broadcasts (e.g. baseline and target ``(n_metrics,)``); ``higher_is_better`` a
    bool or bool array ``(n_metrics,)``.  Returns ``(n, n_metrics)`` fraction.

    Source: docs/SOURCES.md §5 (baseline and target per metric; Luton's table
    [seed 000]), [public] original BCF performance design.
    """
    baseline_arr = np.asarray(baseline, dtype=np.float64)
    planned_change = np.subtract(target, baseline_arr, dtype=np.float64)
    actual_change = np.subtract(actual, baseline_arr, dtype=np.float64)
    shape = np.broadcast_shapes(planned_change.shape, actual_change.shape, np.shape(higher_is_better))
    has_planned_change = planned_change != 0.0
    ratio = np.divide(actual_change, planned_change, out=np.zeros(shape), where=has_planned_change)
    higher = np.asarray(higher_is_better, dtype=bool)
    no_change_met = np.where(higher, actual_change >= 0.0, actual_change <= 0.0)
    return np.where(has_planned_change, ratio, no_change_met.astype(np.float64))


def overall_achievement_frac(achievement_by_metric_frac, weights=None):
    """Overall achievement of plan across metrics.

    Formula::

        capped_m = clip(achievement_m, 0, 1)
        overall  = sum_m w_m * capped_m / sum_m w_m        (w_m = 1 by default)

    [assumption] each metric counts between 0 and 1 so over-achievement on one
    metric does not make up for failure on another; equal weights unless given.

    Shapes: ``achievement_by_metric_frac`` ``(n, n_metrics)``; ``weights``
    ``(n_metrics,)`` or ``(n, n_metrics)``.  Returns ``(n,)`` fraction.

    Source: docs/SOURCES.md §5 ("achieved 70% or more of its plan", [public]).
    """
    achievement = np.clip(np.asarray(achievement_by_metric_frac, dtype=np.float64), 0.0, 1.0)
    if weights is None:
        return achievement.mean(axis=-1)
    weights_arr = np.broadcast_to(np.asarray(weights, dtype=np.float64), achievement.shape)
    return (achievement * weights_arr).sum(axis=-1) / weights_arr.sum(axis=-1)


def contingency_funding_allowed(overall_achievement_frac, threshold_frac=CONTINGENCY_THRESHOLD_FRAC):
    """Whether the performance money may fund the contingency (else a recovery plan).

    Formula::

        allowed = overall_achievement_frac >= threshold_frac      (default 0.70)

    Shapes: ``(n,)`` or any shape; returns a bool array of that shape.

    Source: docs/SOURCES.md §5, [public] (70% or more of plan: the performance
    money could fund the contingency; below 70% a recovery plan was needed).
    """
    return np.asarray(overall_achievement_frac, dtype=np.float64) >= threshold_frac
