"""What an edited workbook changed: the imported plan against the plan it came from.

``finmodel import-template2 BOOK.xlsx --against PLAN.toml`` lists every input whose
value differs, with the old and the new value in PLAN's own units (money in £000 for a
``gbp_thousands`` plan), so a finance lead sees exactly what their edits did before
anyone runs the new plan.  List items are matched by what identifies them, not by
position (a scheme by its id, a contribution by year, organisation and stream, a
partner, metric or cohort by name), so inserting a scheme shows one added scheme, not a
shifted list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from finmodel.plan import MONEY_UNIT_FACTORS, Plan
from finmodel.report.t2_labels import CHOICES, choice_at

#: Fields that hold money (in £ inside finmodel, in the plan's unit in its file).
MONEY_FIELDS = frozenset({
    "amount", "stated", "spend", "benefits", "cap", "commissioned", "investment", "other_net_qipp",
    "transformation_fund", "ccg_outturn_before_qipp", "asc_net_budget", "asc_demographic_pressure",
    "asc_savings_target", "asc_funding_change", "performance_pool", "contingency", "demographic_growth_above_plan",
})
_YEAR = re.compile(r"^\d{4}/\d{2}$")


@dataclass(frozen=True)
class Change:
    path: str
    old: Any  # None: added
    new: Any  # None: removed


def _key(section: str, item: dict) -> str | None:
    """The identity of a list item, or None to match by position."""
    if section == "contributions":
        return f"{item.get('year')} {item.get('organisation')} {item.get('stream')}"
    if section == "schemes":
        return item.get("id")
    if section in ("partners", "metrics", "cohorts", "ccgs"):
        return item.get("name")
    if section == "national_conditions":
        return item.get("condition")
    return None


def flatten(node: Any, path: str = "", field: str = "") -> dict[str, tuple[str, Any]]:
    """path -> (field name, leaf value); lists keyed by identity where items have one."""
    out: dict[str, tuple[str, Any]] = {}
    if isinstance(node, dict):
        for k, v in node.items():
            sub = f"{path}.{k}" if path else str(k)
            out.update(flatten(v, sub, field if _YEAR.match(str(k)) else str(k)))
    elif isinstance(node, list) and node and all(isinstance(x, dict) for x in node):
        for i, item in enumerate(node):
            key = _key(field, item)
            out.update(flatten(item, f"{path}[{key if key is not None else i}]", field))
    else:
        out[path] = (field, node)
    return out


def plan_changes(old: Plan, new: Plan) -> list[Change]:
    """Every input that differs (values in £ as the plans hold them), in the old plan's order."""
    a = flatten(old.model_dump(mode="json", exclude={"money_unit"}))
    b = flatten(new.model_dump(mode="json", exclude={"money_unit"}))
    changes = [Change(p, a[p][1], b[p][1] if p in b else None) for p in a if p not in b or b[p][1] != a[p][1]]
    changes += [Change(p, None, b[p][1]) for p in b if p not in a]
    return changes


def _choice(path: str) -> str | None:
    """The CHOICES entry of the coded input at ``path`` (shown as a label on the workbook), or None.

    The identities in brackets are left out, so ``qipp.cohorts[Cluster 1].lines[0].kind`` is a QIPP line's
    kind, not a partner's.
    """
    return choice_at(re.sub(r"\[[^\]]*\]", "", path).split("."))


def in_plan_units(change: Change, plan: Plan) -> tuple[Any, Any, str]:
    """(old, new, unit) with money in the plan file's unit, and a coded input (area of spend, funding stream,
    ...) in the words the workbook shows, as the finance lead picked it."""
    field = re.split(r"[.\[]", change.path)[-1]
    choice = _choice(change.path)
    if choice is not None:
        words = CHOICES[choice].labels
        return words.get(change.old, change.old), words.get(change.new, change.new), ""
    parts = [p for p in re.split(r"\.", re.sub(r"\[[^\]]*\]", "", change.path)) if not _YEAR.match(p)]
    money = bool(parts) and parts[-1] in MONEY_FIELDS and not field.endswith("_gbp")
    if not money:
        return change.old, change.new, ""
    factor = MONEY_UNIT_FACTORS[plan.money_unit]

    def conv(v: Any) -> Any:
        return v / factor if isinstance(v, (int, float)) and not isinstance(v, bool) else v

    return conv(change.old), conv(change.new), "£000" if factor == 1000 else "£"
