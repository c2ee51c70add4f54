"""A scenario's ``[sweep]`` table, parsed and checked: :class:`SweepSpec`.

Every error names the scenario file, the key and the value, so the finance lead can
find the line to change (see :class:`SweepSpecError`).  The table's layout is
described in :mod:`finmodel.sweep.driver`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from finmodel.plan import Plan, PlanError, plan_from_dict
from finmodel.scenario import Scenario, ScenarioNotApplicable, apply_overrides
from finmodel.sweep.correlation import correlation_matrix_from_pairs
from finmodel.sweep.distributions import Distribution, distribution_from_dict
from finmodel.sweep.inputs_map import SweepInputError, overrides_for_row, resolve

__all__ = ["SweepSpecError", "BreakEvenSpec", "SweepSpec", "BREAK_EVEN_OUTPUTS", "DEFAULT_BREAK_EVEN_OUTPUT"]

#: break-even output name -> per-scenario output it reads
BREAK_EVEN_OUTPUTS = {
    "shortfall_total": "shortfall_total_gbp",
    "excess_over_contingency": "excess_over_contingency_gbp",
    "unfunded_gap_total": "unfunded_gap_total_gbp",
}
DEFAULT_BREAK_EVEN_OUTPUT = "shortfall_total"


class SweepSpecError(ValueError):
    """A ``[sweep]`` table that cannot be used; names the file, the key and the value."""


# --------------------------------------------------------------------------- spec


@dataclass(frozen=True)
class BreakEvenSpec:
    input: str
    output: str = DEFAULT_BREAK_EVEN_OUTPUT
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class SweepSpec:
    """A parsed, validated ``[sweep]`` table."""

    inputs: dict[str, Distribution]
    correlations: dict[tuple[str, str], float] = field(default_factory=dict)
    percentiles: tuple[float, ...] = (5.0, 50.0, 95.0)
    break_even: BreakEvenSpec | None = None
    source: str = "<sweep>"

    @property
    def names(self) -> list[str]:
        return list(self.inputs)

    def correlation_matrix(self) -> np.ndarray | None:
        if not self.correlations:
            return None
        return correlation_matrix_from_pairs(self.names, self.correlations)

    @classmethod
    def from_scenario(cls, scenario: Scenario, plan: Plan | None = None) -> "SweepSpec":
        if not scenario.sweep:
            raise SweepSpecError(f"Scenario {scenario.name!r} ({scenario.path}) has no [sweep] table to run.")
        return cls.from_dict(scenario.sweep, where=f"scenario {scenario.name!r} ({scenario.path})", plan=plan)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "<sweep>", plan: Plan | None = None) -> "SweepSpec":
        def err(key: str, value: Any, why: str) -> SweepSpecError:
            return SweepSpecError(f"{where}: [sweep] {key} = {value!r}: {why}")

        if not isinstance(data, Mapping):
            raise err("(table)", data, "must be a table")
        allowed = {"inputs", "correlations", "percentiles", "break_even"}
        for key in data:
            if key not in allowed:
                raise err(key, data[key], f"unknown key (allowed: {', '.join(sorted(allowed))})")
        raw_inputs = data.get("inputs")
        if not isinstance(raw_inputs, Mapping) or not raw_inputs:
            raise err("inputs", raw_inputs, 'needs a table of "<plan path>" = { dist = ..., ... }')
        inputs: dict[str, Distribution] = {}
        for path, spec in raw_inputs.items():
            key = f'inputs."{path}"'
            try:
                target = resolve(path, plan)
            except SweepInputError as exc:
                raise SweepSpecError(f"{where}: [sweep] {key}: {exc}") from None
            try:
                dist = distribution_from_dict(spec)
            except ValueError as exc:
                raise err(key, spec, str(exc)) from None
            lo, hi = dist.support()
            tlo, thi = target.bounds
            if lo < tlo or hi > thi:
                raise err(key, spec, f"values range over [{lo:g}, {hi:g}] but the plan accepts [{tlo:g}, {thi:g}]")
            inputs[path] = dist
        correlations: dict[tuple[str, str], float] = {}
        # unordered pair -> index of the entry that gave it: a pair given twice (as a/b or
        # b/a) would otherwise be settled silently by whichever entry came last
        seen: dict[frozenset, int] = {}
        raw_corr = data.get("correlations", [])
        if not isinstance(raw_corr, list):
            raise err("correlations", raw_corr, "must be a list of { a = <path>, b = <path>, rank_corr = r }")
        for i, item in enumerate(raw_corr):
            key = f"correlations[{i}]"
            if not isinstance(item, Mapping) or set(item) != {"a", "b", "rank_corr"}:
                raise err(key, item, "must be { a = <path>, b = <path>, rank_corr = r }")
            a, b, r = item["a"], item["b"], item["rank_corr"]
            for k, name in (("a", a), ("b", b)):
                if name not in inputs:
                    raise err(f"{key}.{k}", name, f"not one of the swept inputs ({', '.join(inputs)})")
            if a == b:
                raise err(key, item, "a and b must be different inputs (an input's correlation with itself is 1)")
            if isinstance(r, bool) or not isinstance(r, (int, float)) or not -1.0 < float(r) < 1.0:
                raise err(f"{key}.rank_corr", r, "must be a number strictly between -1 and 1")
            pair = frozenset((a, b))
            if pair in seen:
                j = seen[pair]
                first = raw_corr[j]["rank_corr"]
                how = "the same value again" if float(first) == float(r) else "a different value"
                raise err(key, item, f"the pair {a} / {b} is already given in correlations[{j}] "
                          f"(rank_corr = {first!r}; here rank_corr = {r!r}, {how}): give each pair once")
            seen[pair] = i
            correlations[(a, b)] = float(r)
        if correlations:
            try:
                correlation_matrix_from_pairs(list(inputs), correlations)
            except ValueError as exc:
                raise err("correlations", raw_corr, str(exc)) from None
        raw_p = data.get("percentiles", [5, 50, 95])
        if (
            not isinstance(raw_p, list)
            or not raw_p
            or any(isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 100 for p in raw_p)
        ):
            raise err("percentiles", raw_p, "must be a non-empty list of numbers in 0..100")
        be = None
        raw_be = data.get("break_even")
        if raw_be is not None:
            if not isinstance(raw_be, Mapping) or "input" not in raw_be:
                raise err("break_even", raw_be, "must be { input = <path>, output = ..., low = .., high = .. }")
            extra = set(raw_be) - {"input", "output", "low", "high"}
            if extra:
                raise err(f"break_even.{sorted(extra)[0]}", raw_be[sorted(extra)[0]], "unknown key (allowed: input, output, low, high)")
            try:
                target = resolve(raw_be["input"], plan)
            except SweepInputError as exc:
                raise SweepSpecError(f"{where}: [sweep] break_even.input: {exc}") from None
            if target.integer:
                raise err("break_even.input", raw_be["input"], "whole-month inputs have no continuous break-even")
            output = raw_be.get("output", DEFAULT_BREAK_EVEN_OUTPUT)
            if output not in BREAK_EVEN_OUTPUTS:
                raise err("break_even.output", output, f"expected one of {', '.join(BREAK_EVEN_OUTPUTS)}")
            low, high = raw_be.get("low"), raw_be.get("high")
            for k, v in (("low", low), ("high", high)):
                if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                    raise err(f"break_even.{k}", v, "must be a number")
            if low is None or high is None:
                dist = inputs.get(raw_be["input"])
                if dist is None:
                    raise err("break_even", raw_be, "give low and high (the input is not swept, so there is no range)")
                low = dist.support()[0] if low is None else low
                high = dist.support()[1] if high is None else high
            if not float(low) < float(high):
                raise err("break_even", raw_be, "need low < high")
            be = BreakEvenSpec(raw_be["input"], output, float(low), float(high))
        return cls(inputs=inputs, correlations=correlations, percentiles=tuple(float(p) for p in raw_p), break_even=be, source=where)

    def to_dict(self) -> dict:
        out: dict[str, Any] = {
            "inputs": {k: v.to_dict() for k, v in self.inputs.items()},
            "correlations": [{"a": a, "b": b, "rank_corr": r} for (a, b), r in self.correlations.items()],
            "percentiles": list(self.percentiles),
        }
        if self.break_even is not None:
            out["break_even"] = vars(self.break_even).copy() if hasattr(self.break_even, "__dict__") else {
                "input": self.break_even.input, "output": self.break_even.output,
                "low": self.break_even.low, "high": self.break_even.high,
            }
        return out


def check_ranges_fit_plan(data: dict, path, scen: Scenario, spec: SweepSpec, targets: dict) -> None:
    """Refuse a sweep whose ranges reach values the plan itself would refuse.

    The batch writes samples into arrays without validating each scenario, so without this a range
    the plan cannot hold (e.g. 0-60 beds not closed on a plan that closes none) would give a
    shortfall silently.  Each input is set to each finite end of its range, the others left as the
    plan has them, and the plan is validated as the per-scenario reference would (about 1 ms each).
    """
    for name, dist in spec.inputs.items():
        for end in dist.support():
            if not np.isfinite(end):
                continue
            # the value as the per-scenario reference writes it (whole months as an integer)
            override = overrides_for_row({name: np.array([float(end)])}, 0, targets)
            try:
                plan_from_dict(apply_overrides(data, override, where=f"scenario {scen.name!r}"), path)
            except PlanError as exc:
                reason = str(exc).split(": ", 1)[-1] if str(exc).startswith("Invalid plan file") else str(exc)
                raise ScenarioNotApplicable(
                    f"scenario {scen.name!r} ({scen.path}) does not apply to this plan: [sweep.inputs] {name!r} "
                    f"reaches {float(end):g}, which {path} refuses: {reason}") from None
