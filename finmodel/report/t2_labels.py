"""Plain labels for the coded inputs a person picks on the workbook, and the way back to the codes.

The plan file holds codes (``social_care``, ``joint``, ``nhs_transfer_s256``); a finance lead
reads and picks words ("Social care", "Joint", "NHS transfer to social care (s256)").  The
workbook's cells and drop-downs hold the labels (:func:`label_of`), and ``import-template2``
turns what it finds back into the code (:func:`code_of`): the label or the code itself (a
workbook written by finmodel 0.3.0 or earlier holds codes), compared without regard to case,
to spaces around or between the words, or to control characters such as a pasted line
break.  The workbook's formulas compare these cells in the same way (:func:`is_choice`:
``TRIM(CLEAN(cell))`` and ``=``, which ignores case in Excel and LibreOffice), so whatever
the importer accepts, the live totals and checks count as the engine will.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from finmodel.plan import STREAM_LABELS, AreaOfSpend, Commissioner
from finmodel.report.xlsx_match import text_literal

AREA_LABELS = {
    AreaOfSpend.social_care: "Social care",
    AreaOfSpend.community_health: "Community health",
    AreaOfSpend.acute: "Acute",
    AreaOfSpend.primary_care: "Primary care",
    AreaOfSpend.mental_health: "Mental health",
    AreaOfSpend.other: "Other",
}
ACTIVITY_LABELS = {"emergency_admissions": "Emergency admissions", "ae_attendances": "A&E attendances",
                   "outpatients": "Outpatients", "other": "Other"}
COMMISSIONER_LABELS = {Commissioner.council: "Council", Commissioner.ccg: "CCG", Commissioner.joint: "Joint"}
STATUS_LABELS = {"new": "New", "existing": "Existing"}
#: A partner's kind (the Contingency and risk share sheet); import reads the label or the code.
PARTNER_KIND_LABELS = {"ccg": "CCG", "council": "Council", "acute_trust": "Acute trust", "other": "Other"}


@dataclass(frozen=True)
class Choice:
    """One coded input: what it is called in an error message, and its labels by code (in drop-down order)."""

    noun: str
    labels: dict[str, str]


def _by_code(labels: dict) -> dict[str, str]:
    return {getattr(k, "value", k): v for k, v in labels.items()}


#: Plan field -> its choice.  ``stream`` is a contribution's funding stream, ``kind`` a partner's kind.
CHOICES = {
    "area_of_spend": Choice("area of spend", _by_code(AREA_LABELS)),
    "commissioner": Choice("commissioner", _by_code(COMMISSIONER_LABELS)),
    "funding_stream": Choice("funding stream", _by_code(STREAM_LABELS)),
    "stream": Choice("funding stream", _by_code(STREAM_LABELS)),
    "status": Choice("new or existing", STATUS_LABELS),
    "benefit_activity": Choice("benefit activity", ACTIVITY_LABELS),
    "kind": Choice("kind of partner", PARTNER_KIND_LABELS),
}

_CONTROL = re.compile(r"[\x00-\x1f]")
_SPACES = re.compile(r" +")


def _plain(text: str) -> str:
    """``text`` as TRIM(CLEAN(text)) gives it, case folded: the form in which labels and codes are compared."""
    return _SPACES.sub(" ", _CONTROL.sub("", text)).strip(" ").casefold()


def label_of(field: str, code: object) -> str:
    """The label of ``code`` (an enum member or its value) for the plan field ``field``."""
    return CHOICES[field].labels[getattr(code, "value", code)]


def labels(field: str) -> list[str]:
    """The drop-down of ``field``: its labels, in order."""
    return list(CHOICES[field].labels.values())


def code_of(field: str, text: str) -> str | None:
    """The code that ``text`` (a label, or the code, as typed) stands for; None if it is neither."""
    want = _plain(text)
    for code, label in CHOICES[field].labels.items():
        if want in (_plain(label), _plain(code)):
            return code
    return None


def refusal(field: str) -> str:
    """Why a value that is no label was refused, listing the labels to choose from."""
    choice = CHOICES[field]
    return f"{choice.noun} not recognised; choose one of: " + "; ".join(choice.labels.values())


def is_choice(ref: str, field: str, code: object) -> str:
    """A formula term: 1 where the cell (or each cell of the range) ``ref`` holds the label or the code of
    ``code``, as :func:`code_of` reads it, else 0.

    The label and the code are compared once each (once, when they differ only in case), so the
    term is never 2; inside SUMPRODUCT it is evaluated over a whole range without array entry.
    """
    code = getattr(code, "value", code)
    texts = list({_plain(t): t for t in (code, label_of(field, code))}.values())  # the label kept on a tie
    return "(" + "+".join(f"(TRIM(CLEAN({ref}))={text_literal(t)})" for t in texts) + ")"
