"""What a plan file may hold beyond its arithmetic: names, text, strict numbers, sizes.

These rules keep hostile or careless input out before it reaches a table, a
terminal, a workbook or a folder name:

* **Names** (organisations, schemes, partners, metrics, cohorts) are 1 to
  :data:`MAX_NAME_CHARS` characters with no control characters (tab, CR, LF, ESC,
  NUL, DEL, and the Unicode bidirectional overrides that make text read differently
  from what it holds), no leading or trailing space, and unique within their list
  when compared ignoring case and runs of space: "NHS Luton CCG" and
  "nhs  luton ccg" are one organisation, so two partners spelt so would have their
  payments merged and money would vanish from the risk-share table.
* **Free text** (sources, definitions) may hold line breaks and tabs but no other
  control character, up to :data:`MAX_TEXT_CHARS` (well inside Excel's 32,767).
* **Numbers** are numbers: ``true`` is not £1, ``"1000"`` is not £1,000.
* **Money** is finite and at most :data:`MAX_MONEY_GBP` in pounds *after* the unit
  conversion, so ``1e306`` in a ``gbp_thousands`` plan is refused, not infinite.
* **Sizes**: the plan file and its lists are bounded (:data:`MAX_PLAN_BYTES` and the
  ``MAX_*`` counts), far above any real plan, so a 100,000-scheme file is refused at
  once instead of failing at the workbook's row limit after minutes.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

#: Longest name (organisation, scheme, partner, metric, cohort) [characters].
MAX_NAME_CHARS = 200
#: Longest free text (a source, a definition) [characters]; Excel's cell limit is 32,767.
MAX_TEXT_CHARS = 10_000
#: Largest plan file read [bytes] (the shipped plans are about 20 kB).
MAX_PLAN_BYTES = 16 * 1024 * 1024
#: Largest money figure [£], after conversion from the file's unit: £1 trillion, about
#: seven times the NHS in England's whole annual budget.
MAX_MONEY_GBP = 1e12
#: Largest count, rate or unit price that is not a percentage (admissions, beds, tariffs).
MAX_NUMBER = 1e12
# List sizes: far above any real plan (tens of schemes, a handful of partners), and low
# enough that the Template 2 workbook of a plan at every limit still imports within the
# workbook reader's limits (finmodel/report/xlsx_guard.py): tests/safety/test_limits.py.
MAX_YEARS = 15
MAX_CONTRIBUTIONS = 1_000
MAX_SCHEMES = 500
MAX_METRICS = 50
MAX_PARTNERS = 20
MAX_COHORTS = 50
MAX_LINES_PER_COHORT = 20
MAX_ORGANISATIONS = 50

# C0 controls, DEL, C1 controls, and the bidi embedding/override/isolate marks.
_NAME_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ufeff]")
_TEXT_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")


def _describe(ch: str) -> str:
    return {"\t": "a tab", "\r": "a carriage return", "\n": "a line break", "\x1b": "an escape character",
            "\x00": "a NUL character"}.get(ch, f"the control character U+{ord(ch):04X}")


def name_chars(value: str) -> str:
    bad = _NAME_FORBIDDEN.search(value)
    if bad:
        raise ValueError(f"a name cannot contain {_describe(bad.group())}")
    if value != value.strip():
        raise ValueError("a name cannot begin or end with a space")
    return value


def text_chars(value: str) -> str:
    bad = _TEXT_FORBIDDEN.search(value)
    if bad:
        raise ValueError(f"text cannot contain {_describe(bad.group())}")
    return value


#: A name: an identifier a reader sees and finmodel matches on.
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS), AfterValidator(name_chars)]
#: Free text with a reason or a source.
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS), AfterValidator(text_chars)]
#: Free text that may be empty.
OptionalText = Annotated[str, Field(max_length=MAX_TEXT_CHARS), AfterValidator(text_chars)]


def strict_number(value: Any) -> Any:
    """Refuse booleans and text where a number belongs (pydantic would read true as 1)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number, not {_kind(value)}")
    return value


def strict_int(value: Any) -> Any:
    """A whole number written as one (not 3.0, not true, not "3")."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be a whole number, not {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "text (write the number without quotes)"
    if isinstance(value, float):
        return "a decimal"
    return type(value).__name__


def bounded(value: float, limit: float = MAX_NUMBER) -> float:
    """A finite number no larger in size than ``limit``."""
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    if abs(value) > limit:
        raise ValueError(f"is larger than the limit of {limit:,.0f}")
    return value


StrictNumber = BeforeValidator(strict_number)
StrictInt = BeforeValidator(strict_int)


def identity_key(name: str) -> str:
    """The form in which two names are the same name: case folded, runs of space made one."""
    return " ".join(name.split()).casefold()


def check_unique(items: list[tuple[str, str]], problems: list, what: str) -> None:
    """Report every (field path, name) whose name repeats an earlier one ignoring case and space."""
    seen: dict[str, tuple[str, str]] = {}
    for path, name in items:
        key = identity_key(name)
        if key in seen:
            first_path, first = seen[key]
            same = "repeats" if first == name else "is the same name as"
            problems.append((path, name, f"{same} {first_path} = {first!r}: each {what} needs its own name "
                             "(names are compared ignoring case and spaces)"))
        else:
            seen[key] = (path, name)


def check_identifiers(plan: Any, problems: list) -> None:
    """Duplicate and near-duplicate names anywhere in the plan (names the model matches on)."""
    orgs = [(f"hwb.councils[{i}]", c) for i, c in enumerate(plan.hwb.councils)]
    orgs += [(f"hwb.ccgs[{i}].name", c.name) for i, c in enumerate(plan.hwb.ccgs)]
    orgs += [(f"hwb.district_councils[{i}]", c) for i, c in enumerate(plan.hwb.district_councils)]
    check_unique(orgs, problems, "organisation of the HWB")
    # The same organisation must be spelt one way in every contribution (it is summed by spelling).
    spelling: dict[str, tuple[str, str]] = {}
    for i, c in enumerate(plan.contributions):
        key = identity_key(c.organisation)
        first = spelling.setdefault(key, (f"contributions[{i}].organisation", c.organisation))
        if first[1] != c.organisation:
            problems.append((f"contributions[{i}].organisation", c.organisation,
                             f"is spelt differently from {first[0]} = {first[1]!r}: spell an organisation "
                             "the same way everywhere (names are compared ignoring case and spaces)"))
    check_unique([(f"schemes[{i}].id", s.id) for i, s in enumerate(plan.schemes)], problems, "scheme")
    check_unique([(f"schemes[{i}].name", s.name) for i, s in enumerate(plan.schemes)], problems, "scheme")
    check_unique([(f"metrics[{i}].name", m.name) for i, m in enumerate(plan.metrics)], problems, "metric")
    check_unique([(f"partners[{i}].name", p.name) for i, p in enumerate(plan.partners)], problems, "partner")
    if plan.qipp is not None:
        check_unique([(f"qipp.cohorts[{i}].name", c.name) for i, c in enumerate(plan.qipp.cohorts)], problems, "cohort")
