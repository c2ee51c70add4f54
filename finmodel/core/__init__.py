"""Pure-numpy financial formulas: no pandas, no I/O.

Array-shape contract (read once, applies to every module here):

* scenarios are on axis 0.  ``n`` is the number of scenarios.
* per-year arrays are ``(n, n_years)``; year index 0 is the first modelled
  financial year (2014/15 in every shipped plan).  Financial years run April-March.
* per-month arrays are ``(n, n_months)`` with ``n_months = 12 * n_years``;
  month index 0 is April of the first modelled year.
* per-partner arrays are ``(n, n_partners)`` or ``(n, n_years, n_partners)``.
* money is in pounds sterling as float64 (names end ``_gbp``); rates are
  fractions (names end ``_frac``); ``_pm`` is per month, ``_pa`` per year.

A single named scenario is the same code with ``n == 1``.
"""
