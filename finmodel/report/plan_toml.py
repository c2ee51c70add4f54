"""A plan dict (as :func:`finmodel.report.import_template2.import_template2` returns it) as a TOML plan file.

Deterministic for a given dict: keys in the dict's order, tables after plain values, arrays of
tables last; strings quoted with every control character escaped, dates as TOML dates.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime
from typing import Any

__all__ = ["plan_to_toml"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE_KEY.match(k) else _string(k)


def _string(s: str) -> str:
    out = json.dumps(s, ensure_ascii=False)  # escapes quotes, backslashes and C0 controls
    return out.replace("\x7f", "\\u007f")


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"TOML cannot hold {v!r}")
        return repr(v)
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, list):
        return "[" + ", ".join(_scalar(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(str(k))} = {_scalar(x)}" for k, x in v.items()) + " }" if v else "{}"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _is_table_list(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def _emit(lines: list[str], table: dict, prefix: str) -> None:
    subtables, arrays = [], []
    for k, v in table.items():
        if isinstance(v, dict) and (not prefix or any(isinstance(x, (dict, list)) for x in v.values())) and v:
            subtables.append((k, v))
        elif _is_table_list(v):
            arrays.append((k, v))
        else:
            lines.append(f"{_key(str(k))} = {_scalar(v)}")
    for k, v in subtables:
        name = f"{prefix}.{_key(str(k))}" if prefix else _key(str(k))
        lines.append("")
        lines.append(f"[{name}]")
        _emit(lines, v, name)
    for k, items in arrays:
        name = f"{prefix}.{_key(str(k))}" if prefix else _key(str(k))
        for item in items:
            lines.append("")
            lines.append(f"[[{name}]]")
            _emit(lines, item, name)


def plan_to_toml(data: dict) -> str:
    """A plan dict (as from :func:`import_template2`) as TOML text, deterministic for a given dict."""
    lines = ["# Better Care Fund plan written by finmodel import-template2. Money in pounds."]
    _emit(lines, data, "")
    return "\n".join(lines) + "\n"
