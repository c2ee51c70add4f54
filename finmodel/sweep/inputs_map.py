"""Sweepable plan inputs: plan paths -> replacements of :class:`~finmodel.arrays.ModelInputs` arrays.

A sweep names its inputs by plan path, with the syntax of scenario overrides
(:mod:`finmodel.scenario`): ``"outturn.nel_admissions_change_pct"``,
``"qipp.cohorts[*].ceiling_pct"``, ``"qipp.cohorts[2].initial_reduction_pct"``.
Values are in the plan file's own units (percent as percent, months as months,
money as the file's ``money_unit``; ``*_gbp`` prices in pounds whatever the unit).

Two ways to run sampled values, which must agree to the penny:

* fast (vectorised): :func:`apply_samples` turns ``{path: values (n,)}`` into a
  :class:`ModelInputs` whose swept arrays have leading axis ``n`` (unit
  conversion pct -> frac, months rounded to whole months, money x money factor);
  every other array keeps axis 1 and broadcasts;
* reference (one scenario at a time): :func:`reference_run` writes sample ``i``
  into the plan's raw TOML dict with :func:`finmodel.scenario.apply_overrides`,
  validates it with :func:`finmodel.plan.plan_from_dict` and runs the engine with
  ``n == 1`` (:func:`finmodel.engine.run_plan`).

Paths are applied in the order given, so ``qipp.cohorts[*].ceiling_pct`` followed
by ``qipp.cohorts[2].ceiling_pct`` sets every cohort and then cohort 2 again, as a
scenario's ``[set]`` table would.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from finmodel.arrays import ModelInputs, contribution_caps_gbp
from finmodel.plan import MONEY_UNIT_FACTORS, Plan
from finmodel.scenario import apply_overrides, parse_path

__all__ = [
    "SweepInputError",
    "InputTarget",
    "SWEEPABLE_PATTERNS",
    "sweepable_paths",
    "resolve",
    "check_paths",
    "apply_samples",
    "base_values",
    "overrides_for_row",
    "reference_run",
    "whole_months",
]


class SweepInputError(ValueError):
    """A sweep names an input that cannot be swept (or a value outside its range)."""


def whole_months(values: np.ndarray) -> np.ndarray:
    """Months rounded to whole months (half away from zero), float64."""
    v = np.asarray(values, dtype=np.float64)
    return np.copysign(np.floor(np.abs(v) + 0.5), v)


@dataclass(frozen=True)
class _Field:
    """How one plan field maps onto a ModelInputs array."""

    field: str  # ModelInputs attribute
    kind: str  # "pct" (value/100), "months" (rounded), "price" (£ as is), "count", "money" (x money factor)
    lo: float  # smallest value the plan accepts
    hi: float  # largest value the plan accepts
    per_cohort: bool = False
    per_partner: bool = False
    integer: bool = False  # the plan field is an int: the reference path rounds the sample
    per_year: bool = False  # the path ends in a financial year ("...2015/16"): one column of a (n, Y) array


#: pattern (with ``[i]`` standing for ``[*]`` or ``[k]``) -> target.  Only these paths are sweepable.
SWEEPABLE_PATTERNS: dict[str, _Field] = {
    "outturn.nel_admissions_change_pct": _Field("nel_change_frac", "pct", -100.0, math.inf),
    "outturn.savings_delivery_pct": _Field("savings_delivery_frac", "pct", 0.0, math.inf),
    "outturn.ea_reduction_delivery_pct": _Field("ea_delivery_frac", "pct", 0.0, math.inf),
    "outturn.go_live_delay_months": _Field("delay_months", "months", -24.0, 60.0, integer=True),
    "outturn.beds_not_closed": _Field("beds_not_closed", "count", 0.0, math.inf),
    "outturn.care_home_admissions_above_plan": _Field("care_home_above_plan", "count", 0.0, math.inf),
    "risk_share.care_home_placement_cost_gbp": _Field("care_home_cost_gbp", "price", 0.0, math.inf),
    "p4p.cost_per_admission_gbp": _Field("cost_per_admission_gbp", "price", 0.0, math.inf),
    "p4p.planned_reduction_pct": _Field("planned_reduction_frac", "pct", 0.0, 100.0),
    "risk_share.bed_day_cost_gbp": _Field("bed_day_cost_gbp", "price", 0.0, math.inf),
    "risk_share.bed_days_pa": _Field("bed_days_pa", "count", 0.0, math.inf),
    "qipp.marginal_rate_pct": _Field("marginal_rate_frac", "pct", 0.0, 100.0),
    "qipp.outpatient_reduction_pct": _Field("op_reduction_frac", "pct", 0.0, 100.0),
    "qipp.cohorts[i].ceiling_pct": _Field("ceiling_frac", "pct", 0.0, 100.0, per_cohort=True),
    "qipp.cohorts[i].step_pp_pm": _Field("step_frac_pm", "pct", 0.0, math.inf, per_cohort=True),
    "qipp.cohorts[i].initial_reduction_pct": _Field("initial_frac", "pct", 0.0, 100.0, per_cohort=True),
    "qipp.cohorts[i].initial_months": _Field("initial_months", "months", 0.0, 120.0, per_cohort=True, integer=True),
    "partners[i].cap": _Field("caps_gbp", "money", 0.0, math.inf, per_partner=True),
    # demographic growth above plan in one financial year, in the plan's money unit (may be negative)
    "outturn.demographic_growth_above_plan.YYYY/YY": _Field(
        "demographic_above_plan_gbp", "money", -math.inf, math.inf, per_year=True),
}
_YEAR_KEY = re.compile(r"\.(\d{4}/\d{2})$")

_INDEXED = re.compile(r"\[(\*|\d+)\]")


def sweepable_paths() -> list[str]:
    """The sweepable path patterns, ``[i]`` meaning ``[*]`` (every item) or ``[k]`` (item k)."""
    return list(SWEEPABLE_PATTERNS)


@dataclass(frozen=True)
class InputTarget:
    """A resolved sweep path: which array it replaces and how."""

    path: str
    pattern: str
    spec: _Field
    index: int | None  # list item (cohort / partner), None for [*] or a scalar input
    year: str | None = None  # financial year of a per-year input

    @property
    def integer(self) -> bool:
        return self.spec.integer

    @property
    def bounds(self) -> tuple[float, float]:
        return self.spec.lo, self.spec.hi


def _not_sweepable(path: str, why: str) -> SweepInputError:
    return SweepInputError(
        f"sweep input {path!r}: {why}. Sweepable inputs ([i] = [*] or a list index such as [2]): "
        + ", ".join(sweepable_paths())
    )


def resolve(path: str, plan: Plan | None = None) -> InputTarget:
    """Resolve a sweep path, or raise :class:`SweepInputError` listing the sweepable ones.

    With ``plan``, a list index is checked against the plan's cohorts / partners.
    """
    if not isinstance(path, str):
        raise _not_sweepable(repr(path), "a sweep input must be a plan path string")
    try:
        tokens = parse_path(path)
    except ValueError:
        raise _not_sweepable(path, "not a valid plan path") from None
    index: int | None = None
    for t in tokens:
        if isinstance(t, int):
            index = t
    pattern = _INDEXED.sub("[i]", path)
    year_match = _YEAR_KEY.search(pattern)
    year = year_match.group(1) if year_match else None
    if year is not None:
        pattern = pattern[: year_match.start()] + ".YYYY/YY"
    spec = SWEEPABLE_PATTERNS.get(pattern)
    if spec is None:
        raise _not_sweepable(path, "not a sweepable input")
    if plan is not None:
        if spec.per_cohort:
            count = len(plan.qipp.cohorts) if plan.qipp else 0
            if count == 0:
                raise SweepInputError(f"sweep input {path!r}: the plan has no QIPP cohorts")
            if index is not None and index >= count:
                raise SweepInputError(f"sweep input {path!r}: the plan has {count} QIPP cohorts (indices 0..{count - 1})")
        if spec.per_partner:
            count = len(plan.partners)
            if count == 0:
                raise SweepInputError(f"sweep input {path!r}: the plan has no partners")
            if index is not None and index >= count:
                raise SweepInputError(f"sweep input {path!r}: the plan has {count} partners (indices 0..{count - 1})")
        if spec.per_year and year not in plan.years:
            raise SweepInputError(f"sweep input {path!r}: {year} is not one of the plan's years {plan.years}")
        section = path.split(".")[0].split("[")[0]
        if section in ("p4p", "risk_share", "qipp") and getattr(plan, section) is None:
            raise SweepInputError(f"sweep input {path!r}: the plan has no [{section}] section")
    if spec.per_year and year is None:
        raise _not_sweepable(path, "a per-year input needs a financial year, e.g. '...2015/16'")
    return InputTarget(path=path, pattern=pattern, spec=spec, index=index, year=year)


def check_paths(paths, plan: Plan | None = None) -> list[InputTarget]:
    """Resolve every path (errors name the first bad one)."""
    return [resolve(p, plan) for p in paths]


def _converted(target: InputTarget, values: np.ndarray, money_factor: float) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    kind = target.spec.kind
    if kind == "pct":
        return v / 100.0
    if kind == "months":
        return whole_months(v)
    if kind == "money":
        return v * money_factor
    return v.copy() if kind == "count" or kind == "price" else v


def apply_samples(
    base: ModelInputs,
    plan: Plan,
    samples: Mapping[str, np.ndarray],
    targets: Mapping[str, InputTarget] | None = None,
) -> ModelInputs:
    """``base`` (the plan's n = 1 inputs) with every sampled input replaced by its ``(n,)`` values.

    ``samples`` maps sweep paths to arrays of equal length ``n`` in plan units.
    When the plan leaves ``outturn.nel_admissions_change_pct`` unset, the actual
    change follows ``-p4p.planned_reduction_pct`` (as :func:`finmodel.arrays.model_inputs`
    does), unless the sweep sets the change itself.
    """
    if not samples:
        return base
    factor = MONEY_UNIT_FACTORS[plan.money_unit]
    n = None
    replaced: dict[str, np.ndarray] = {}
    for path, values in samples.items():
        target = targets[path] if targets is not None and path in targets else resolve(path, plan)
        v = _converted(target, values, factor)
        if n is None:
            n = v.shape[0]
        elif v.shape[0] != n:
            raise ValueError(f"sweep input {path!r} has {v.shape[0]} values, others have {n}")
        name = target.spec.field
        current = replaced.get(name, getattr(base, name))
        if target.spec.per_cohort or target.spec.per_partner or target.spec.per_year:
            if name in replaced:
                arr = current
            else:  # a fresh (n, ...) copy of the plan's row, never the base array itself
                arr = np.repeat(np.ascontiguousarray(current[:1]), n, axis=0)
        if target.spec.per_cohort:
            if target.index is None:
                arr[:, :] = v[:, None]
            else:
                arr[:, target.index] = v
        elif target.spec.per_year:  # (n, Y): one year's column
            arr[:, plan.years.index(target.year)] = v
        elif target.spec.per_partner:  # caps (n, Y, P)
            if target.index is None:
                arr[:, :, :] = v[:, None, None]
            else:
                arr[:, :, target.index] = v[:, None]
        else:
            arr = v.reshape(n, 1)
        replaced[name] = arr
    if "caps_gbp" in replaced:
        # a partner capped at its contribution too pays at most the lower of the two in each year,
        # as the plan with the sampled cap would (finmodel.arrays.partner_caps_gbp)
        replaced["caps_gbp"] = np.minimum(replaced["caps_gbp"], contribution_caps_gbp(plan)[None])
    if (
        "planned_reduction_frac" in replaced
        and plan.outturn.nel_admissions_change_pct is None
        and "nel_change_frac" not in replaced
    ):
        replaced["nel_change_frac"] = -replaced["planned_reduction_frac"]
    return base.with_values(**replaced)


def base_values(plan: Plan, paths) -> dict[str, float]:
    """Each path's value in ``plan`` (plan units); a ``[*]`` path reads item 0."""
    factor = MONEY_UNIT_FACTORS[plan.money_unit]
    out = {}
    for path in paths:
        target = resolve(path, plan)
        tokens = parse_path(path)
        node: Any = plan
        for t in tokens:
            if t == "*":
                node = node[0]
            elif isinstance(t, int):
                node = node[t]
            elif isinstance(node, dict):
                node = node.get(t, 0.0)  # a year the plan leaves out is 0
            else:
                node = getattr(node, t)
        if node is None and path == "outturn.nel_admissions_change_pct":
            node = -(plan.p4p.planned_reduction_pct if plan.p4p else 0.0)
        if node is None and target.spec.per_partner:
            node = math.inf
        value = float(node)
        if target.spec.kind == "money":
            value /= factor
        out[path] = value
    return out


def overrides_for_row(samples: Mapping[str, np.ndarray], i: int, targets: Mapping[str, InputTarget] | None = None) -> dict[str, Any]:
    """Scenario overrides (``[set]``-style, plan units) for sample row ``i``."""
    out: dict[str, Any] = {}
    for path, values in samples.items():
        target = targets[path] if targets is not None and path in targets else resolve(path)
        v = float(np.asarray(values).reshape(-1)[i])
        out[path] = int(whole_months(np.array(v))) if target.integer else v
    return out


def reference_run(plan_data: Mapping[str, Any], plan_path, overrides: Mapping[str, Any]):
    """The per-scenario reference: overrides on the raw plan dict, validate, run the engine (n = 1).

    ``plan_data`` is the plan's raw TOML dict with the scenario's ``[set]``
    already applied.  Returns a :class:`finmodel.engine.RunResult`.
    """
    from finmodel.engine import run_plan  # engine imports the model; keep this module light
    from finmodel.plan import plan_from_dict

    data = apply_overrides(dict(plan_data), dict(overrides), where="sweep sample")
    return run_plan(plan_from_dict(data, plan_path), plan_path)


def reference_outputs(plan_data: Mapping[str, Any], plan_path, overrides: Mapping[str, Any]):
    """:func:`reference_run` but only its :class:`~finmodel.model.ModelOutputs`, skipping checks and the pool.

    Same numbers (the same ``model_inputs`` + ``evaluate`` path); used by the
    speed comparison where checks would dominate.
    """
    from finmodel.arrays import model_inputs
    from finmodel.model import evaluate
    from finmodel.plan import plan_from_dict

    data = apply_overrides(dict(plan_data), dict(overrides), where="sweep sample")
    plan = plan_from_dict(data, plan_path)
    return evaluate(model_inputs(plan), len(plan.years))

