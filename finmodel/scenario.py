"""Named scenarios: small sets of overrides of plan inputs, and sweep definitions.

A scenario file (``scenarios/NAME.toml``) reads like a sentence of overrides::

    name = "admissions-grow"
    description = "Non-elective admissions rise 4.9%, the national 2014/15 outturn"
    source = "public: NAO, emergency admissions rose 4.9% in Q1-Q3 2014/15"
    [set]
    "outturn.nel_admissions_change_frac" = 0.049

Each key of ``[set]`` is a path into the plan file: dotted keys, ``[i]`` for a list
item, ``[*]`` for every item of a list (``"qipp.cohorts[*].initial_reduction_pct"``).
Values are in the plan file's own units (money in its ``money_unit``).  A path that
names an input the plan does not have is an error naming the path.  The overridden
plan is validated again, so a scenario cannot smuggle in a bad value.

``[sweep]`` (optional) gives distributions for numeric inputs and rank correlations
between them; see :mod:`finmodel.sweep`.
"""

from __future__ import annotations

import copy
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from finmodel.plan import Plan, PlanError, plan_from_dict, read_toml
from finmodel.plan_text import MAX_NAME_CHARS, MAX_TEXT_CHARS, name_chars, text_chars

#: Plan inputs a scenario may not change: the unit every override is written in.
NOT_OVERRIDABLE = {"money_unit": "every amount in a scenario is read in the plan's own money_unit, so it cannot change"}

from finmodel.shipped import scenario_dirs, shipped_scenarios_dir

#: The shipped scenarios (package data); names are looked up in ./scenarios first (see finmodel.shipped).
SCENARIO_DIR = shipped_scenarios_dir()
_TOKEN = re.compile(r"([^.\[\]]+)|\[(\*|\d+)\]")


class ScenarioError(ValueError):
    """A scenario file that cannot be applied; names the file, the path and the value."""


class ScenarioNotApplicable(ScenarioError):
    """A valid scenario about something this plan does not have (cohorts, partners, beds to close).

    Applying it anyway would charge the plan for a commitment it never made (a plan
    that closes no beds paying for "60 beds not closed"), so it is refused by ``run``
    and left out, with the reason, by ``compare``.
    """


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str = ""
    source: str = ""
    overrides: dict[str, Any] = field(default_factory=dict)
    sweep: dict[str, Any] = field(default_factory=dict)
    path: str = "<built-in>"
    requires: tuple[str, ...] = ()


BASE = Scenario(name="base", description="The plan as written: every assumption as the plan states it.")


def parse_path(path: str) -> list[str | int]:
    """'a.b[2].c[*]' -> ['a', 'b', 2, 'c', '*']."""
    tokens: list[str | int] = []
    pos = 0
    for m in _TOKEN.finditer(path):
        if m.start() != pos and path[pos:m.start()] != ".":
            raise ValueError(f"cannot parse path {path!r}")
        pos = m.end()
        if m.group(1) is not None:
            tokens.append(m.group(1))
        else:
            tokens.append("*" if m.group(2) == "*" else int(m.group(2)))
    if pos != len(path) or not tokens:
        raise ValueError(f"cannot parse path {path!r}")
    return tokens


def _unwrap(annotation: Any) -> Any:
    """The model class, list item or dict value type inside an annotation (drops None)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(args[0]) if len(args) == 1 else annotation
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    return annotation


def _child_schema(schema: Any, key: Any) -> Any:
    """Schema of ``schema[key]``: a pydantic model class, ('list', item), ('dict', value) or None (a leaf)."""
    schema = _unwrap(schema)
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        field = schema.model_fields.get(key) if isinstance(key, str) else None
        return _unwrap(field.annotation) if field is not None else _MISSING
    origin = typing.get_origin(schema)
    if origin is list:
        return _unwrap(typing.get_args(schema)[0]) if not isinstance(key, str) or key == "*" else _MISSING
    if origin is dict:
        return _unwrap(typing.get_args(schema)[1])
    return _MISSING


_MISSING = object()


def _assign(node: Any, key: Any, value: Any) -> int:
    node[key] = copy.deepcopy(value)
    return 1


def _set_path(node: Any, tokens: list[str | int], value: Any, full: str, where: str, schema: Any) -> int:
    """Set ``value`` at ``tokens`` under ``node``, creating tables the plan schema allows but the file omits."""
    head, rest = tokens[0], tokens[1:]
    child = _child_schema(schema, head)
    if child is _MISSING:
        fields = sorted(schema.model_fields) if isinstance(schema, type) and issubclass(schema, BaseModel) else []
        raise ScenarioError(
            f"{where}: override {full!r}: a plan has no input {head!r} there"
            + (f" (inputs at that level: {', '.join(fields)})" if fields else "")
        )
    if head == "*":
        if isinstance(node, dict) and not node:  # a section the plan does not have (created empty above)
            raise ScenarioNotApplicable(f"{where}: override {full!r}: the plan has none of these")
        if not isinstance(node, list):
            raise ScenarioError(f"{where}: override {full!r}: '[*]' used on something that is not a list")
        if not rest:
            return sum(_assign(node, i, value) for i in range(len(node)))
        return sum(_set_path(item, rest, value, full, where, child) for item in node)
    if isinstance(head, int):
        if isinstance(node, list) and head >= len(node) or isinstance(node, dict) and not node:
            raise ScenarioNotApplicable(f"{where}: override {full!r}: the plan has no item [{head}] there "
                                        f"(it has {len(node)})")
        if not isinstance(node, list):
            raise ScenarioError(f"{where}: override {full!r}: the plan has no list item [{head}] there")
    elif not isinstance(node, dict):
        raise ScenarioError(f"{where}: override {full!r}: {head!r} is not inside a table")
    if not rest:
        return _assign(node, head, value)
    if isinstance(head, str) and head not in node:
        node[head] = {}  # an optional table the file leaves out; validation fills its defaults
    return _set_path(node[head], rest, value, full, where, child)


def get_path(data: Any, path: str) -> Any:
    """The value at ``path`` in the plan's raw dict, or None if the plan does not have it."""
    node = data
    for token in parse_path(path):
        try:
            node = node[token]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _present(value: Any) -> bool:
    """A plan commitment that exists: a section, a non-empty list, a non-zero number."""
    if value is None or value == {} or value == []:
        return False
    return not (isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0)


def _relative_value(plan_data: dict[str, Any], path: str, value: Any, where: str) -> Any:
    """Resolve ``{ pct_of = "PLAN.PATH", pct = P }`` to P% of the plan's own figure at PLAN.PATH.

    This is how a scenario refers to a plan's commitments ("the beds the plan closes
    are not closed") instead of assuming one plan's figures.
    """
    if not (isinstance(value, dict) and "pct_of" in value):
        return value
    if set(value) != {"pct_of", "pct"} or not isinstance(value["pct"], (int, float)) or isinstance(value["pct"], bool):
        raise ScenarioError(f"{where}: override {path!r} = {value!r}: a relative value is "
                            "{ pct_of = \"plan.path\", pct = number }")
    base = get_path(plan_data, str(value["pct_of"]))
    if not _present(base):
        raise ScenarioNotApplicable(f"{where}: override {path!r} is {value['pct']:g}% of {value['pct_of']}, "
                                    "which this plan does not have (or is 0)")
    if not isinstance(base, (int, float)) or isinstance(base, bool):
        raise ScenarioError(f"{where}: override {path!r}: {value['pct_of']} = {base!r} is not a number")
    return base * value["pct"] / 100.0


def check_applies(plan_data: dict[str, Any], scenario: Scenario) -> None:
    """Raise ScenarioNotApplicable if the plan lacks something the scenario ``requires``."""
    for path in scenario.requires:
        if not _present(get_path(plan_data, path)):
            raise ScenarioNotApplicable(f"scenario {scenario.name!r} does not apply to this plan: it needs {path}, "
                                        "which the plan does not have (or is 0)")


def apply_overrides(plan_data: dict[str, Any], overrides: dict[str, Any], where: str) -> dict[str, Any]:
    """Return a deep copy of the plan's raw dict with the overrides applied."""
    data = copy.deepcopy(plan_data)
    for path, value in overrides.items():
        value = _relative_value(plan_data, path, value, where)
        try:
            tokens = parse_path(path)
        except ValueError as exc:
            raise ScenarioError(f"{where}: {exc}") from None
        if tokens[0] in NOT_OVERRIDABLE:
            raise ScenarioError(f"{where}: override {path!r} = {value!r}: {NOT_OVERRIDABLE[tokens[0]]}")
        _set_path(data, tokens, value, path, where, Plan)
    return data


def _dirs(scenario_dir: Path | None) -> list[Path]:
    return [scenario_dir] if scenario_dir is not None else scenario_dirs()


def scenario_path(name: str, scenario_dir: Path | None = None) -> Path:
    """The file of scenario ``name``: the first folder (./scenarios, then the shipped ones) that has it."""
    dirs = _dirs(scenario_dir)
    for d in dirs:
        if (d / f"{name}.toml").is_file():
            return d / f"{name}.toml"
    return dirs[0] / f"{name}.toml"


def load_scenario(name_or_path: str, scenario_dir: Path | None = None) -> Scenario:
    """A scenario by name (``scenarios/NAME.toml``) or by file path; 'base' always exists."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        path = candidate
    else:
        path = scenario_path(name_or_path, scenario_dir)
        if not path.exists():
            if name_or_path == "base":
                return BASE
            known = ", ".join(list_scenarios(scenario_dir)) or "(none)"
            where = " or ".join(str(d) for d in _dirs(scenario_dir))
            raise ScenarioError(f"No scenario named {name_or_path!r} in {where}; known scenarios: {known}")
    try:
        data = read_toml(path)
    except PlanError as exc:
        raise ScenarioError(str(exc).replace("Invalid plan file", "Invalid scenario file")) from None
    allowed = {"name", "description", "source", "set", "sweep", "requires"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ScenarioError(f"Invalid scenario file {path}: {unknown[0]} = {data[unknown[0]]!r}: unknown key (allowed: {', '.join(sorted(allowed))}).")
    overrides = data.get("set", {})
    if not isinstance(overrides, dict):
        raise ScenarioError(f"Invalid scenario file {path}: set = {overrides!r}: must be a table of path = value.")
    requires = data.get("requires", [])
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise ScenarioError(f"Invalid scenario file {path}: requires = {requires!r}: must be a list of plan paths.")
    texts = {key: _scenario_text(path, key, data.get(key, default))
             for key, default in (("name", path.stem), ("description", ""), ("source", ""))}
    return Scenario(
        name=texts["name"],
        description=texts["description"],
        source=texts["source"],
        overrides=overrides,
        sweep=data.get("sweep", {}),
        path=str(path),
        requires=tuple(requires),
    )


def _scenario_text(path: Path, key: str, value: Any) -> str:
    """The scenario's name (a name: it labels outputs) or description/source (free text), checked."""
    if not isinstance(value, str):
        raise ScenarioError(f"Invalid scenario file {path}: {key} = {value!r}: must be text.")
    limit = MAX_NAME_CHARS if key == "name" else MAX_TEXT_CHARS
    if len(value) > limit or (key == "name" and not value):
        raise ScenarioError(f"Invalid scenario file {path}: {key} = {value[:40]!r}...: must be 1 to {limit:,} characters.")
    try:
        (name_chars if key == "name" else text_chars)(value)
    except ValueError as exc:
        raise ScenarioError(f"Invalid scenario file {path}: {key} = {value!r}: {exc}.") from None
    return value


def list_scenarios(scenario_dir: Path | None = None, include_sweeps: bool = True) -> list[str]:
    """Names of the scenario files shipped in ``scenarios/`` (base first).

    ``include_sweeps=False`` leaves out files that only define a sweep (a ``[sweep]``
    table and no overrides): as a single scenario they are the base case again.
    """
    found: dict[str, Path] = {}
    for d in _dirs(scenario_dir):
        for p in sorted(d.glob("*.toml")) if d.is_dir() else []:
            found.setdefault(p.stem, p)  # ./scenarios wins over a shipped file of the same name
    names = sorted(found)
    if not include_sweeps:
        names = [n for n in names if not _sweep_only(found[n])]
    if "base" in names:
        names.remove("base")
    return ["base"] + names


def _sweep_only(path: Path) -> bool:
    try:
        data = read_toml(path)
    except PlanError:
        return False
    return bool(data.get("sweep")) and not data.get("set")


def apply_scenario(plan_data: dict[str, Any], plan_path: str | Path, scenario: Scenario) -> Plan:
    """Validate the plan with the scenario's overrides applied (refused if it does not apply to this plan)."""
    check_applies(plan_data, scenario)
    if not scenario.overrides:
        return plan_from_dict(plan_data, plan_path)
    data = apply_overrides(plan_data, scenario.overrides, where=f"scenario {scenario.name!r} ({scenario.path})")
    try:
        return plan_from_dict(data, plan_path)
    except PlanError as exc:
        raise ScenarioError(f"Scenario {scenario.name!r} ({scenario.path}) makes the plan invalid. {exc}") from None
