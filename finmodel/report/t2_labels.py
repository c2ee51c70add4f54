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

from finmodel.national_conditions import CONDITIONS, STATUS_WORDS
from finmodel.plan import STREAM_LABELS, ActivityKind, AreaOfSpend, Commissioner
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
# The coded inputs of the Assumptions sheet (import reads the label or the code).
MINIMUM_METHOD_LABELS = {"stated": "Stated per year", "derived": "Derived from national totals",
                         "by_organisation": "Each organisation's own allocation"}
QIPP_LINE_KIND_LABELS = {
    ActivityKind.emergency_admissions: "Emergency admissions",
    ActivityKind.ae_attendances: "A&E attendances",
    ActivityKind.outpatient_first: "First outpatient appointments",
    ActivityKind.outpatient_follow_up: "Follow-up outpatient appointments",
}
P4P_DESIGN_LABELS = {"revised": "Revised design", "original": "Original design"}
CONTINGENCY_BASIS_LABELS = {"p4p_unreleased": "P4P money not released", "p4p_sum": "The whole P4P sum",
                            "stated": "Stated per year", "none": "No contingency"}
SHARE_BASIS_LABELS = {"fixed": "Fixed shares", "pro_rata": "Pro rata to what each partner commissions"}
#: A stated condition's status: "Met", "Partly met", "Not met" (capitalised, so that no cell shows the bare code).
CONDITION_STATUS_LABELS = {code: words.capitalize() for code, words in STATUS_WORDS.items()}


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
    "minimum_pool_method": Choice("minimum pool method", MINIMUM_METHOD_LABELS),
    "qipp_line_kind": Choice("kind of activity line", _by_code(QIPP_LINE_KIND_LABELS)),
    "p4p_design": Choice("P4P design", P4P_DESIGN_LABELS),
    "contingency_basis": Choice("contingency basis", CONTINGENCY_BASIS_LABELS),
    "share_basis": Choice("share basis", SHARE_BASIS_LABELS),
    "national_condition": Choice("national condition", dict(CONDITIONS)),
    "condition_status": Choice("condition status", CONDITION_STATUS_LABELS),
}

#: Where each coded input sits in a plan: its path with list positions and keys left out -> its CHOICES entry.
#: The field name alone is not enough: a QIPP line's ``kind`` and a partner's ``kind`` are different choices.
CHOICE_AT = {
    "contributions.stream": "stream",
    "minimum_pool.method": "minimum_pool_method",
    "minimum_pool.by_organisation.stream": "stream",
    "schemes.area_of_spend": "area_of_spend",
    "schemes.commissioner": "commissioner",
    "schemes.funding_stream": "funding_stream",
    "schemes.status": "status",
    "schemes.benefit_activity": "benefit_activity",
    "partners.kind": "kind",
    "qipp.cohorts.lines.kind": "qipp_line_kind",
    "p4p.design": "p4p_design",
    "risk_share.contingency_basis": "contingency_basis",
    "risk_share.share_basis": "share_basis",
    "national_conditions.condition": "national_condition",
    "national_conditions.status": "condition_status",
}


def choice_at(tokens: list) -> str | None:
    """The CHOICES entry of the input at ``tokens`` (a path's parts), or None where it holds no code.

    Only attribute names count: list positions (ints) and mapping keys (``t2_common.Key``, a str subclass)
    are left out, so ``qipp.cohorts[0].lines[1].kind`` is looked up as ``qipp.cohorts.lines.kind``.
    """
    names = [t for t in tokens if type(t) is str]
    return CHOICE_AT.get(".".join(names))


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
