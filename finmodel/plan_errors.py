"""PlanError: one message naming the file, each field path and its value.

Validation errors from pydantic are turned into the same ``(field, value, why)``
problems as the cross-field rules (:mod:`finmodel.plan_rules`), so a user reads one
paragraph whatever the kind of mistake.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError


#: Longest rendering of a value in an error message: a 5,001-scheme list is not repeated back.
ERROR_VALUE_CHARS = 200


def _short(value: Any) -> str:
    text = repr(value)
    if len(text) <= ERROR_VALUE_CHARS:
        return text
    size = f" ({len(value):,} items)" if isinstance(value, (list, dict)) else f" ({len(text):,} characters)"
    return text[: ERROR_VALUE_CHARS - 3] + "..." + size


class PlanError(ValueError):
    """A plan file that cannot be used; the message names file, field and value."""

    def __init__(self, path: str | Path, problems: list[tuple[str, Any, str]]):
        self.path = str(path)
        self.problems = problems
        lines = [
            why if field == "(file)" else f"{field}: {why}" if value == "(missing)" else f"{field} = {_short(value)}: {why}"
            for field, value, why in problems
        ]
        head = f"Invalid plan file {self.path}: "
        if len(lines) == 1:
            message = head + lines[0] + "."
        else:
            message = head + f"{len(lines)} problems. " + "; ".join(lines) + "."
        super().__init__(message)


def _loc_to_path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def _value_at(data: Any, loc: tuple[Any, ...]) -> Any:
    node = data
    for item in loc:
        try:
            node = node[item]
        except (KeyError, IndexError, TypeError):
            return "(missing)"
    return node


def plan_errors_from_validation(path: str | Path, data: Any, exc: ValidationError) -> PlanError:
    problems = []
    for err in exc.errors():
        loc = tuple(x for x in err["loc"] if not (isinstance(x, str) and x.startswith("function-")))
        # pydantic appends the enum/literal member or validator name to some locs
        field = _loc_to_path(loc)
        value = _value_at(data, loc)
        why = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            why = "unknown key (not part of a plan; check the spelling)"
        elif err["type"] == "missing":
            why = "required field is missing"
        problems.append((field, value, why))
    return PlanError(path, problems)
