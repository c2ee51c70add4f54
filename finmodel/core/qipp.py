"""QIPP savings from a cohort's emergency-admission (EA) reduction ramp.

The Luton Frail Elderly method [seed 003]: each GP-cluster cohort goes live at
the start of a month.  From go-live, the fraction of the cohort's emergency
admissions that is avoided follows a clipped ramp:

* ``k`` = months since go-live (``k = m - go_live_month`` for month index ``m``);
* ``r(k) = 0``                                              for ``k < 0``;
* ``r(k) = initial_frac``                                    for ``0 <= k < initial_months``;
* ``r(k) = min(ceiling_frac, initial_frac + step_frac_pm * j)`` for ``k >= initial_months``,
  where ``j = k - initial_months + 1`` is the number of monthly steps taken.

The ceiling only caps the rising part.  An ``initial_frac`` above the ceiling is
held for the initial period and then drops to the ceiling (the literal reading of
the formula; plans normally have ``initial_frac <= ceiling_frac``).

Avoided EAs are valued at the marginal rate (30% of full PbR tariff in Luton),
A&E attendances fall with the EAs that were admitted through A&E, and outpatient
appointments fall by a flat fraction from go-live.  Savings land month by month
and are summed into financial years (April-March).

Month index 0 is April of the first modelled financial year (2014/15), and
``n_months = 12 * n_years``.  Scenarios are on axis 0 (see
:mod:`finmodel.core`).  Per-scenario parameters may be scalars or arrays of
shape ``(n,)``; they broadcast against each other.  Scalar-only inputs give
``n == 1``.

Month counts (``go_live_month``, ``initial_months``) must be whole numbers; they
may be given as integer or integer-valued float arrays (``12.0`` is accepted,
``12.5`` raises ``ValueError``).  ``step_frac_pm`` must be non-negative.
"""

from __future__ import annotations

import calendar

import numpy as np

__all__ = [
    "DEFAULT_INITIAL_MONTHS",
    "DEFAULT_MARGINAL_RATE_FRAC",
    "DEFAULT_OP_REDUCTION_FRAC",
    "CEILING_TOL",
    "ea_reduction_frac_pm",
    "ea_reduction_frac_sum_by_year",
    "months_to_ceiling",
    "ea_full_year_effect_frac_by_year",
    "ea_avoided_by_year",
    "ea_savings_gbp",
    "ae_savings_gbp",
    "live_months_by_year",
    "outpatient_savings_gbp",
    "full_year_effect_gbp",
    "net_savings_gbp",
    "fy_label",
    "month_label",
    "month_index",
]

#: Length of the flat initial period in Luton's plan ("the first year from go-live").
DEFAULT_INITIAL_MONTHS = 12
#: Share of full PbR tariff at which an avoided emergency admission is valued.
DEFAULT_MARGINAL_RATE_FRAC = 0.30
#: Flat fall in outpatient appointments across all treatment functions (Luton).
DEFAULT_OP_REDUCTION_FRAC = 0.10

#: Tolerance, in units of monthly steps, for deciding that the ramp has hit the
#: ceiling.  ``0.32 - 0.20`` is not exactly ``6 * 0.02`` in binary floating point;
#: a gap to the ceiling within ``CEILING_TOL`` of a whole number of steps counts
#: as that whole number.
CEILING_TOL = 1e-9

MONTHS_PER_YEAR = 12
FY_START_CALENDAR_MONTH = 4  # April


# --------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------

def _scenario_vectors(*values):
    """Broadcast per-scenario inputs (scalars or ``(n,)``) to float64 ``(n,)`` arrays."""
    arrays = [np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in values]
    for a in arrays:
        if a.ndim != 1:
            raise ValueError(
                f"per-scenario inputs must be scalars or 1-D (n,) arrays, got shape {a.shape}"
            )
    return np.broadcast_arrays(*arrays)


def _check_whole_months(months, name):
    """Raise ``ValueError`` unless every entry of ``months`` is a finite whole number."""
    if not np.all(np.isfinite(months)) or np.any(months != np.floor(months)):
        raise ValueError(f"{name} must hold whole numbers of months")


def _check_non_negative(values, name):
    """Raise ``ValueError`` if any entry of ``values`` is negative or NaN."""
    if not np.all(values >= 0):
        raise ValueError(f"{name} must be non-negative")


def _ramp_inputs(go_live_month, initial_frac, initial_months, step_frac_pm, ceiling_frac):
    """Validate and broadcast the five ramp parameters to float64 ``(n,)`` arrays."""
    go_live, initial, n_initial, step, ceiling = _scenario_vectors(
        go_live_month, initial_frac, initial_months, step_frac_pm, ceiling_frac
    )
    _check_whole_months(go_live, "go_live_month")
    _check_whole_months(n_initial, "initial_months")
    _check_non_negative(n_initial, "initial_months")
    _check_non_negative(step, "step_frac_pm")
    return go_live, initial, n_initial, step, ceiling


def _per_scenario_column(value):
    """Shape a valuation input for broadcasting against ``(n, n_years)``.

    Scalars and 2-D ``(n, n_years)`` arrays pass through; a 1-D ``(n,)`` array
    becomes a column ``(n, 1)`` so that it applies to every year of its scenario.
    """
    a = np.asarray(value, dtype=np.float64)
    if a.ndim == 1:
        return a[:, np.newaxis]
    if a.ndim > 2:
        raise ValueError(f"expected a scalar, (n,) or (n, n_years) array, got shape {a.shape}")
    return a


def _as_2d(result):
    """Return ``result`` as a float64 array with at least two dimensions."""
    return np.atleast_2d(np.asarray(result, dtype=np.float64))


# --------------------------------------------------------------------------
# the ramp
# --------------------------------------------------------------------------

def _rising_steps_below_ceiling(initial, step, ceiling):
    """Number of ramp steps ``J`` taken before the ceiling binds.

    ``J = max{j >= 0 : initial + step * j <= ceiling}`` (``CEILING_TOL`` slack), i.e.

    * ``step > 0``:  ``J = max(0, floor((ceiling - initial) / step + CEILING_TOL))``;
    * ``step == 0``: ``J = inf`` if ``initial <= ceiling`` (the ramp never moves),
      else ``0`` (the ceiling binds at the first step).

    Parameters: ``initial``, ``step``, ``ceiling`` fractions, float64 ``(n,)``.
    Returns float64 ``(n,)`` (may hold ``inf``).
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        steps_to_gap = (ceiling - initial) / step
    finite_steps = np.maximum(np.floor(steps_to_gap + CEILING_TOL), 0.0)
    flat_forever = np.where(initial <= ceiling, np.inf, 0.0)
    return np.where(step > 0, finite_steps, flat_forever)


def _ramp_frac_at(months_since_go_live, initial, n_initial, step, ceiling):
    """Reduction fraction ``r(k)`` at ``k`` months since go-live.

    ``r(k) = 0`` if ``k < 0``; ``initial`` if ``k < n_initial``; else
    ``min(ceiling, initial + step * (k - n_initial + 1))``.

    Parameters: ``months_since_go_live`` whole months, float64 ``(n, t)``;
    ``initial``, ``step``, ``ceiling`` fractions and ``n_initial`` months, each
    ``(n, 1)`` so they broadcast along ``t``.  Returns fractions, ``(n, t)``.
    """
    k = months_since_go_live
    steps_taken = k - n_initial + 1.0
    ramped = np.minimum(ceiling, initial + step * steps_taken)
    after_go_live = np.where(k < n_initial, initial, ramped)
    return np.where(k < 0, 0.0, after_go_live)


def ea_reduction_frac_pm(go_live_month, initial_frac, initial_months, step_frac_pm,
                         ceiling_frac, n_months):
    """Monthly EA reduction fraction of a cohort's ramp, materialised month by month.

    ``r[i, m] = r_i(m - go_live_month_i)`` with the ramp (``k`` months since go-live)::

        r(k) = 0                                                  k < 0
        r(k) = initial_frac                                       0 <= k < initial_months
        r(k) = min(ceiling_frac,
                   initial_frac + step_frac_pm * (k - initial_months + 1))   otherwise

    Parameters
    ----------
    go_live_month : int scalar or (n,) int array
        Month index at whose start the cohort goes live (0 = April 2014).  May be
        negative (live before the horizon) or ``>= n_months`` (never live).
    initial_frac : float scalar or (n,)
        Reduction fraction held for the initial period (e.g. 0.20).
    initial_months : int scalar or (n,) int array
        Length of the initial flat period in months (Luton: 12), ``>= 0``.
    step_frac_pm : float scalar or (n,)
        Added to the fraction each month after the initial period (0.02 = 2pp), ``>= 0``.
    ceiling_frac : float scalar or (n,)
        Cap on the rising part of the ramp (e.g. 0.32).
    n_months : int
        Number of months in the horizon.

    Returns
    -------
    float64 array (n, n_months)
        Fraction of the cohort's baseline EAs avoided in each month.
    """
    go_live, initial, n_initial, step, ceiling = _ramp_inputs(
        go_live_month, initial_frac, initial_months, step_frac_pm, ceiling_frac
    )
    months = np.arange(int(n_months), dtype=np.float64)
    months_since_go_live = months[np.newaxis, :] - go_live[:, np.newaxis]
    return _ramp_frac_at(
        months_since_go_live,
        initial[:, np.newaxis],
        n_initial[:, np.newaxis],
        step[:, np.newaxis],
        ceiling[:, np.newaxis],
    )


def _overlap_months(lo_a, hi_a, lo_b, hi_b):
    """Length of the intersection of ``[lo_a, hi_a)`` and ``[lo_b, hi_b)``, at least 0.

    ``max(0, min(hi_a, hi_b) - max(lo_a, lo_b))``; bounds in months, may be ``inf``.
    """
    return np.maximum(np.minimum(hi_a, hi_b) - np.maximum(lo_a, lo_b), 0.0)


def _sum_of_steps(first_step, n_steps):
    """Arithmetic series ``first + (first+1) + ... + (first+n-1) = n * (2*first + n - 1) / 2``.

    ``first_step``, ``n_steps``: step counts, float64 (n,).  Returns float64 (n,);
    zero wherever ``n_steps == 0``.
    """
    return n_steps * (2.0 * first_step + n_steps - 1.0) / 2.0


def ea_reduction_frac_sum_by_year(go_live_month, initial_frac, initial_months, step_frac_pm,
                                  ceiling_frac, n_years):
    """Sum over each financial year's 12 months of the EA reduction fraction, in closed form.

    Equals ``ea_reduction_frac_pm(..., 12 * n_years).reshape(n, n_years, 12).sum(-1)``
    without materialising months.  In months-since-go-live ``k`` the ramp has
    three phases (``I = initial_months``, ``J`` = steps before the ceiling binds,
    ``J = floor((ceiling - initial) / step)`` clipped at 0, ``inf`` when step is 0)::

        flat    k in [0, I)         r = initial
        rising  k in [I, I + J)     r = initial + step * j,  j = k - I + 1 = 1..J
        capped  k in [I + J, inf)   r = ceiling

    Year ``y`` covers ``k`` in ``[a, a + 12)`` with ``a = 12 y - go_live_month``.
    With ``n_flat``, ``n_rise``, ``n_cap`` the overlaps of the year with each phase
    and ``j0 = max(a, I) - I + 1`` the first step inside the year::

        S[y] = initial * (n_flat + n_rise)
             + step * n_rise * (2 j0 + n_rise - 1) / 2
             + ceiling * n_cap

    Parameters are as for :func:`ea_reduction_frac_pm`, with ``n_years`` (int)
    financial years instead of ``n_months``.  Loops over years only; vectorised
    over scenarios.

    Returns
    -------
    float64 array (n, n_years)
        Sum of the monthly reduction fractions in each financial year, in units of
        "months of the cohort's whole EA activity" (12.0 = the whole year avoided).
    """
    go_live, initial, n_initial, step, ceiling = _ramp_inputs(
        go_live_month, initial_frac, initial_months, step_frac_pm, ceiling_frac
    )
    n_years = int(n_years)
    steps_before_cap = _rising_steps_below_ceiling(initial, step, ceiling)
    rise_end = n_initial + steps_before_cap  # k at which the capped phase starts
    out = np.empty((go_live.shape[0], n_years), dtype=np.float64)
    for year in range(n_years):
        year_start = MONTHS_PER_YEAR * year - go_live  # k of the year's first month
        year_end = year_start + MONTHS_PER_YEAR
        n_flat = _overlap_months(year_start, year_end, 0.0, n_initial)
        n_rise = _overlap_months(year_start, year_end, n_initial, rise_end)
        n_cap = _overlap_months(year_start, year_end, rise_end, np.inf)
        first_step = np.maximum(year_start, n_initial) - n_initial + 1.0
        step_sum = _sum_of_steps(first_step, n_rise)
        out[:, year] = initial * (n_flat + n_rise) + step * step_sum + ceiling * n_cap
    return out


def months_to_ceiling(initial_frac, initial_months, step_frac_pm, ceiling_frac):
    """Months since go-live (0-based ``k``) at which the reduction first reaches the ceiling.

    ``k* = 0``                                       if ``initial >= ceiling``;
    ``k* = inf``                                     if ``step == 0`` and ``initial < ceiling``;
    ``k* = initial_months + ceil((ceiling - initial) / step) - 1``  otherwise.

    (The ``j``-th step lands in month ``k = initial_months + j - 1``.)  Luton
    clusters 1-3: ``12 + ceil(0.12 / 0.02) - 1 = 12 + 6 - 1 = 17``, i.e. the 18th
    live month.  A gap within ``CEILING_TOL`` of a whole number of steps counts as
    that whole number.  Compare ``go_live_month + k*`` with ``n_months`` to warn
    that the ceiling is never reached within the horizon.

    Parameters
    ----------
    initial_frac, step_frac_pm, ceiling_frac : float scalar or (n,)
        Fractions as in :func:`ea_reduction_frac_pm` (step per month, ``>= 0``).
    initial_months : int scalar or (n,) int array
        Length of the initial flat period, months.

    Returns
    -------
    float64 (n,) array, or a numpy float64 scalar if every input is a scalar
        Months since go-live; ``inf`` where the ceiling is never reached.
    """
    all_scalar = all(np.ndim(v) == 0 for v in
                     (initial_frac, initial_months, step_frac_pm, ceiling_frac))
    initial, n_initial, step, ceiling = _scenario_vectors(
        initial_frac, initial_months, step_frac_pm, ceiling_frac
    )
    _check_whole_months(n_initial, "initial_months")
    _check_non_negative(n_initial, "initial_months")
    _check_non_negative(step, "step_frac_pm")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        steps_needed = np.ceil((ceiling - initial) / step - CEILING_TOL)
    ramp_month = n_initial + steps_needed - 1.0
    never = np.full_like(initial, np.inf)
    result = np.where(initial >= ceiling, 0.0, np.where(step > 0, ramp_month, never))
    return result[0] if all_scalar else result


def ea_full_year_effect_frac_by_year(go_live_month, initial_frac, initial_months,
                                     step_frac_pm, ceiling_frac, n_years):
    """Full-year effect of the reduction in force at the end of each financial year.

    ``F[y] = 12 * r(12 y + 11 - go_live_month)``: the reduction fraction of the
    last month (March) of year ``y`` applied to a whole year.  Set against
    :func:`ea_reduction_frac_sum_by_year` (the part-year effect) it shows how much
    of the year's run-rate saving was actually banked.  Both are in the same units,
    so either can be valued with :func:`ea_savings_gbp`.

    Parameters are as for :func:`ea_reduction_frac_sum_by_year`.

    Returns
    -------
    float64 array (n, n_years)
        Twelve times the March reduction fraction, "months of whole EA activity".
    """
    go_live, initial, n_initial, step, ceiling = _ramp_inputs(
        go_live_month, initial_frac, initial_months, step_frac_pm, ceiling_frac
    )
    last_months = MONTHS_PER_YEAR * np.arange(int(n_years), dtype=np.float64) + 11.0
    months_since_go_live = last_months[np.newaxis, :] - go_live[:, np.newaxis]
    march_frac = _ramp_frac_at(
        months_since_go_live,
        initial[:, np.newaxis],
        n_initial[:, np.newaxis],
        step[:, np.newaxis],
        ceiling[:, np.newaxis],
    )
    return MONTHS_PER_YEAR * march_frac


# --------------------------------------------------------------------------
# valuation
# --------------------------------------------------------------------------

def ea_avoided_by_year(reduction_sum_by_year, baseline_ea_pm):
    """Emergency admissions avoided in each financial year.

    ``A[i, y] = S[i, y] * baseline_ea_pm[i]``

    Parameters
    ----------
    reduction_sum_by_year : float (n, n_years)
        Sum of monthly reduction fractions per year (:func:`ea_reduction_frac_sum_by_year`).
    baseline_ea_pm : float scalar, (n,) or (n, n_years)
        The cohort's baseline emergency admissions per month (count).

    Returns
    -------
    float64 (n, n_years)
        Admissions avoided (count, not rounded).
    """
    return _as_2d(_per_scenario_column(reduction_sum_by_year)
                  * _per_scenario_column(baseline_ea_pm))


def ea_savings_gbp(reduction_sum_by_year, baseline_ea_pm, tariff_gbp, marginal_rate_frac):
    """Gross EA savings per financial year, valued at the marginal rate.

    ``G[i, y] = S[i, y] * baseline_ea_pm * tariff_gbp * marginal_rate_frac``

    Parameters
    ----------
    reduction_sum_by_year : float (n, n_years)
        Sum of monthly reduction fractions per year (:func:`ea_reduction_frac_sum_by_year`,
        or :func:`ea_full_year_effect_frac_by_year` for the full-year effect).
    baseline_ea_pm : float scalar, (n,) or (n, n_years)
        Baseline emergency admissions per month (count).
    tariff_gbp : float scalar, (n,) or (n, n_years)
        Full PbR tariff per emergency admission, £.
    marginal_rate_frac : float scalar, (n,) or (n, n_years)
        Share of tariff saved per avoided admission (Luton: 0.30).

    Returns
    -------
    float64 (n, n_years)
        Gross EA savings, £.
    """
    avoided = ea_avoided_by_year(reduction_sum_by_year, baseline_ea_pm)
    value_per_admission_gbp = (_per_scenario_column(tariff_gbp)
                               * _per_scenario_column(marginal_rate_frac))
    return _as_2d(avoided * value_per_admission_gbp)


def ae_savings_gbp(ea_avoided, via_ae_frac, ae_tariff_gbp):
    """A&E savings: attendances fall with the avoided EAs that came through A&E.

    ``G_ae[i, y] = ea_avoided[i, y] * via_ae_frac * ae_tariff_gbp``

    Parameters
    ----------
    ea_avoided : float (n, n_years)
        Emergency admissions avoided per year (:func:`ea_avoided_by_year`), count.
    via_ae_frac : float scalar, (n,) or (n, n_years)
        Share of emergency admissions admitted via A&E, fraction.
    ae_tariff_gbp : float scalar, (n,) or (n, n_years)
        Tariff per A&E attendance, £.

    Returns
    -------
    float64 (n, n_years)
        Gross A&E savings, £.
    """
    attendances_avoided = _per_scenario_column(ea_avoided) * _per_scenario_column(via_ae_frac)
    return _as_2d(attendances_avoided * _per_scenario_column(ae_tariff_gbp))


def live_months_by_year(go_live_month, n_years):
    """Number of months in each financial year at or after go-live.

    ``L[i, y] = clip(12 y + 12 - go_live_month[i], 0, 12)``

    Parameters
    ----------
    go_live_month : int scalar or (n,) int array
        Month index at whose start the cohort goes live (may be negative or past the horizon).
    n_years : int
        Number of financial years.

    Returns
    -------
    float64 (n, n_years)
        Live months per year, whole numbers in 0..12.
    """
    (go_live,) = _scenario_vectors(go_live_month)
    _check_whole_months(go_live, "go_live_month")
    year_ends = MONTHS_PER_YEAR * (np.arange(int(n_years), dtype=np.float64) + 1.0)
    months_live = year_ends[np.newaxis, :] - go_live[:, np.newaxis]
    return np.clip(months_live, 0.0, float(MONTHS_PER_YEAR))


def outpatient_savings_gbp(live_months_by_year, baseline_op_pm, reduction_frac, tariff_gbp):
    """Outpatient savings: a flat fall in appointments from go-live.

    ``G_op[i, y] = L[i, y] * baseline_op_pm * reduction_frac * tariff_gbp``

    Parameters
    ----------
    live_months_by_year : float (n, n_years)
        Months live in each year (:func:`live_months_by_year`).
    baseline_op_pm : float scalar, (n,) or (n, n_years)
        Baseline outpatient appointments (first and follow-up) per month, count.
    reduction_frac : float scalar, (n,) or (n, n_years)
        Flat fall in appointments (Luton: 0.10).
    tariff_gbp : float scalar, (n,) or (n, n_years)
        Average tariff per outpatient appointment, £.

    Returns
    -------
    float64 (n, n_years)
        Gross outpatient savings, £.
    """
    appointments_avoided = (_per_scenario_column(live_months_by_year)
                            * _per_scenario_column(baseline_op_pm)
                            * _per_scenario_column(reduction_frac))
    return _as_2d(appointments_avoided * _per_scenario_column(tariff_gbp))


def full_year_effect_gbp(baseline_ea_pm, ceiling_frac, tariff_gbp, marginal_rate_frac):
    """Annual EA saving once the ramp has reached its ceiling (the steady-state run rate).

    ``FYE[i] = 12 * baseline_ea_pm * ceiling_frac * tariff_gbp * marginal_rate_frac``

    Parameters
    ----------
    baseline_ea_pm : float scalar or (n,)
        Baseline emergency admissions per month, count.
    ceiling_frac : float scalar or (n,)
        Ceiling of the reduction ramp, fraction.
    tariff_gbp : float scalar or (n,)
        Full PbR tariff per emergency admission, £.
    marginal_rate_frac : float scalar or (n,)
        Share of tariff saved per avoided admission.

    Returns
    -------
    float64 (n,)
        Full-year effect at the ceiling, £ per year.  For a per-year full-year
        effect of the fraction in force each March use
        ``ea_savings_gbp(ea_full_year_effect_frac_by_year(...), ...)``.
    """
    baseline, ceiling, tariff, marginal = _scenario_vectors(
        baseline_ea_pm, ceiling_frac, tariff_gbp, marginal_rate_frac
    )
    admissions_avoided_pa = MONTHS_PER_YEAR * baseline * ceiling
    return admissions_avoided_pa * tariff * marginal


def net_savings_gbp(gross_gbp, investment_gbp):
    """Net QIPP savings: gross savings less the investment that produces them.

    ``N = gross_gbp - investment_gbp``

    Parameters
    ----------
    gross_gbp : float (n, n_years)
        Gross savings, £.
    investment_gbp : float scalar, (n,) or (n, n_years)
        Investment in the scheme, £ per year.

    Returns
    -------
    float64 (n, n_years)
        Net savings, £ (negative where investment exceeds savings).
    """
    return _as_2d(_per_scenario_column(gross_gbp) - _per_scenario_column(investment_gbp))


# --------------------------------------------------------------------------
# labels
# --------------------------------------------------------------------------

def fy_label(year_index, first_year=2014):
    """Financial-year label: ``first_year + year_index`` as ``"YYYY/YY"``.

    ``fy_label(0) == "2014/15"``; ``fy_label(5) == "2019/20"``.

    Parameters: ``year_index`` int (0 = first modelled year); ``first_year`` int,
    calendar year in which the first financial year starts.  Returns ``str``.
    """
    start = int(first_year) + int(year_index)
    return f"{start}/{(start + 1) % 100:02d}"


def month_label(month_index, first_year=2014):
    """Calendar label ``"Mon YYYY"`` of a month index (0 = April of ``first_year``).

    months from January of ``first_year``: ``t = month_index + 3``;
    calendar month ``t mod 12 + 1``, calendar year ``first_year + t // 12``.
    ``month_label(0) == "Apr 2014"``, ``month_label(11) == "Mar 2015"``.

    Parameters: ``month_index`` int (may be negative); ``first_year`` int.
    Returns ``str``.
    """
    months_from_january = int(month_index) + (FY_START_CALENDAR_MONTH - 1)
    calendar_month = months_from_january % MONTHS_PER_YEAR + 1
    calendar_year = int(first_year) + months_from_january // MONTHS_PER_YEAR
    return f"{calendar.month_abbr[calendar_month]} {calendar_year}"


def month_index(year, month, first_year=2014):
    """Month index of calendar ``(year, month)``; 0 = April of ``first_year``.

    ``m = 12 * (year - first_year) + (month - 4)``; ``month_index(2014, 8) == 4``
    (1 Aug 2014), ``month_index(2015, 3) == 11`` (1 Mar 2015).

    Parameters: ``year`` int or int array (calendar year); ``month`` int or int
    array in 1..12 (calendar month); ``first_year`` int.  Returns an int, or an
    int array if ``year`` or ``month`` is an array.
    """
    if np.any(np.asarray(month) < 1) or np.any(np.asarray(month) > 12):
        raise ValueError("month must be in 1..12")
    return (MONTHS_PER_YEAR * (year - first_year)
            + (month - FY_START_CALENDAR_MONTH))
