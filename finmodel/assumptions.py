"""Invented figures say so: the plan's assumptions, and which headline figures they drive.

A plan labels a figure that no source document gives in one of two ways:

* the section's ``source`` says ``assumption`` (every figure of that section, or the
  part the text names, is assumed), e.g. an activity line's tariff;
* the plan's ``[assumptions]`` table names the exact input with a one-line reason::

      [assumptions]
      "five_year.asc_funding_change" = "seed 003 gives no funding change; -£4m a year is a placeholder"

Every key of ``[assumptions]`` must be an input the plan has (checked at load).  A
run lists them all (``assumptions.csv``, ``summary.json``, the terminal), each with
the headline figures it drives, so a reader sees which numbers rest on guesses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

#: Plan sections -> the headline figures an assumption there can move.
DRIVES: dict[str, str] = {
    "contributions": "pool",
    "minimum_pool": "minimum pool",
    "national_shares": "minimum pool, Care Act share, share of the £1bn",
    "schemes": "scheme spend, benefits, protection of social care",
    "social_care_protection": "protection of social care",
    "care_act": "Care Act amount",
    "carers": "carers' money",
    "metrics": "P4P (original design)",
    "partners": "partners' payments",
    "qipp": "QIPP savings, shortfall",
    "five_year": "five-year gap",
    "p4p": "P4P sum, shortfall",
    "risk_share": "contingency, shortfall, partners' payments",
    "outturn": "shortfall (the base case)",
    "hwb": "names only",
}

_WORD = re.compile(r"\bassum(ption|ed)s?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Assumption:
    path: str       # the input (or section) assumed, e.g. "five_year.asc_funding_change"
    reason: str     # the plan's one-line reason, or the section's source text
    drives: str     # headline figures it can move


def _drives(path: str) -> str:
    return DRIVES.get(re.split(r"[.\[]", path, maxsplit=1)[0], "")


def _walk_sources(node: Any, path: str, out: list[Assumption]) -> None:
    if isinstance(node, dict):
        src = node.get("source")
        if isinstance(src, str) and _WORD.search(src):
            out.append(Assumption(path or "(plan)", src, _drives(path)))
        for key, value in node.items():
            if key != "source" and isinstance(value, (dict, list)):
                _walk_sources(value, f"{path}.{key}" if path else str(key), out)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            _walk_sources(item, f"{path}[{i}]", out)


def collect(plan_data: dict[str, Any]) -> list[Assumption]:
    """Every assumption of a plan (raw dict as read from TOML): the named ones first, then labelled sources."""
    named = [Assumption(str(k), str(v), _drives(str(k))) for k, v in (plan_data.get("assumptions") or {}).items()]
    labelled: list[Assumption] = []
    _walk_sources({k: v for k, v in plan_data.items() if k != "assumptions"}, "", labelled)
    return named + labelled


def check_paths(plan_data: dict[str, Any], problems: list) -> None:
    """Each key of ``[assumptions]`` names an input the plan has."""
    from finmodel.scenario import get_path, parse_path  # scenario imports plan; plan calls this at load

    for key in (plan_data.get("assumptions") or {}):
        try:
            parse_path(key)
        except ValueError:
            problems.append((f"assumptions.{key}", key, "not a path into the plan (e.g. \"five_year.asc_funding_change\")"))
            continue
        if get_path(plan_data, key) is None:
            problems.append((f"assumptions.{key}", key, "the plan has no input there"))
