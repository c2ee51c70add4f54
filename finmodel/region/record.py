"""The assurance record of one Health and Wellbeing Board: the assurers' questions and answers.

The national review of a BCF plan (docs/SOURCES.md §8, §9; seed 000 for one board,
seed 004 for a region's summary) asks eleven questions: six about the national
conditions and five for the overall assessment.  Each answer has a RAG (R, A or G),
and may have a score 1-10, a page reference into the plan and a comment.  The record
also says whether the plan is high risk (Y/N, with the reason) and whether it should
be recommended for sign-off (Y/N).  A Y/N may be *qualified* (``Y*``, ``N*``: the
assurers marked it with a star); the star is kept, never dropped.

A small TOML file per board (``inputs/regions/<region>/<board>.toml``)::

    la_code = "E08000026"
    hwb = "Coventry"
    source = "seed 004: West Midlands assurance tables"

    [overall]
    high_risk = "N"
    recommend_sign_off = "Y"

    [national_conditions.jointly_agreed]
    rag = "G"
    score = 10                 # optional
    page_ref = "T1 PP1-2"      # optional
    comment = "..."            # optional

    [overall_assessment.affordable]
    rag = "A"
    override_reason = "..."    # needed when the assurer's RAG differs from finmodel's

**Finance questions** (:data:`FINANCE_CHECKS`) are pre-filled from finmodel's own
checks of the board's plan (:mod:`finmodel.checks`): the computed RAG is the worst of
the checks behind the question.  The assurer may give another RAG only with an
``override_reason``; both RAGs are kept.  Without a plan, the assurer's RAG stands.

Look-alike letters (Greek and Cyrillic capitals that read as A or Y, seed 004's
``γ`` for y) are read as the Latin letter, and each such reading is reported.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from finmodel.errors import InputError
from finmodel.plan import read_toml
from finmodel.plan_errors import _loc_to_path, _short, _value_at
from finmodel.plan_text import Name, OptionalText, StrictInt, StrictNumber, Text

# The questions ------------------------------------------------------------------

#: The six national conditions, in seed 004's column order (docs/SOURCES.md §9).  The
#: keys of the five stated in plans are those of finmodel.national_conditions.
CONDITION_QUESTIONS: dict[str, str] = {
    "jointly_agreed": "Plans jointly agreed",
    "social_care_protection": "Protection for social care services (not spending)",
    "seven_day_working": "Seven-day working in health and social care, as part of agreed local plans",
    "data_sharing_nhs_number": "Better data sharing between health and social care, based on the NHS number",
    "joint_assessment": "Joint assessment, with an accountable lead professional",
    "acute_sector_impact": "Agreement on the consequential impact on the provider sector, providers consulted",
}

#: The five overall-assessment questions, in seed 004's column order.
ASSESSMENT_QUESTIONS: dict[str, str] = {
    "deliverable": "Confidence that the plan is deliverable",
    "affordable": "Confidence that the plan is affordable",
    "mental_health": "No negative impact on the level and quality of mental health services",
    "risk_mitigation": "A clear risk mitigation plan, incl. what happens if activity does not change as planned",
    "public_engagement": "Patients and the public engaged in developing the plan",
}

SECTIONS: dict[str, dict[str, str]] = {"national_conditions": CONDITION_QUESTIONS,
                                       "overall_assessment": ASSESSMENT_QUESTIONS}

#: Finance questions and the finmodel checks that answer them (the sub-questions seed 000
#: lists under each: Care Act money proportionate to £135m and social care protected;
#: the minimum pooled and a contingency plan; a risk plan with costs and benefits;
#: scheme benefits not double counting QIPP).
FINANCE_CHECKS: dict[tuple[str, str], tuple[str, ...]] = {
    ("national_conditions", "social_care_protection"): ("social_care_protection", "care_act"),
    ("national_conditions", "acute_sector_impact"): ("qipp_double_counting",),
    ("overall_assessment", "affordable"): ("minimum_pooled", "contingency"),
    ("overall_assessment", "risk_mitigation"): ("contingency", "costs_and_benefits"),
}

RAGS = ("R", "A", "G")
RAG_WORDS = {"R": "Red", "A": "Amber", "G": "Green"}
WORD_RAG = {v: k for k, v in RAG_WORDS.items()}
#: Worst first: the computed RAG of a question is the worst of its checks.
_SEVERITY = {"R": 0, "A": 1, "G": 2}

# Look-alike letters ---------------------------------------------------------------

#: Letters from other scripts that read as a Latin R, A, G, Y or N in a RAG or Y/N cell.
LOOKALIKES: dict[str, str] = {
    "\u0391": "A",  # GREEK CAPITAL LETTER ALPHA
    "\u0410": "A",  # CYRILLIC CAPITAL LETTER A
    "\u03a5": "Y",  # GREEK CAPITAL LETTER UPSILON
    "\u04ae": "Y",  # CYRILLIC CAPITAL LETTER STRAIGHT U
    "\u03b3": "Y",  # GREEK SMALL LETTER GAMMA (seed 004 has it for a sign-off 'Y*')
    "\u0423": "Y",  # CYRILLIC CAPITAL LETTER U
    "\u039d": "N",  # GREEK CAPITAL LETTER NU
}


def to_latin(value: str) -> tuple[str, list[str]]:
    """``value`` with look-alike letters read as Latin, and a note for each one read.

    NFKC first (full-width letters), then :data:`LOOKALIKES`.
    """
    text = unicodedata.normalize("NFKC", value)
    notes = []
    out = []
    for ch in text:
        latin = LOOKALIKES.get(ch)
        if latin is not None:
            notes.append(f"U+{ord(ch):04X} {unicodedata.name(ch, '?')} read as {latin!r}")
            out.append(latin)
        else:
            out.append(ch)
    return "".join(out), notes


# Validated types ----------------------------------------------------------------


def _rag(value: str) -> str:
    if value not in RAGS:
        raise ValueError("a RAG must be 'R', 'A' or 'G'")
    return value


def _yes_no(value: str) -> str:
    if value not in ("Y", "N", "Y*", "N*"):
        raise ValueError("must be 'Y' or 'N', or 'Y*' / 'N*' for an answer the assurers qualified")
    return value


Rag = Annotated[str, AfterValidator(_rag)]
YesNo = Annotated[str, AfterValidator(_yes_no)]
Score = Annotated[int, StrictInt, Field(ge=1, le=10)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


class Answer(_Model):
    """The assurer's answer to one question."""

    rag: Rag | None = Field(default=None, description="R/A/G; may be left out for a finance question when the board has a plan")
    score: Score | None = Field(default=None, description="1-10, if the assurer scored it")
    page_ref: Name | None = Field(default=None, description="where in the plan, e.g. 'T1 PP 20-21'")
    comment: OptionalText = ""
    override_reason: OptionalText = Field(default="", description="why the assurer's RAG differs from finmodel's computed one")
    source: OptionalText = ""


class Overall(_Model):
    """The overall risk assessment: high risk Y/N with the reason, recommend sign-off Y/N."""

    high_risk: YesNo
    high_risk_reason: OptionalText = ""
    recommend_sign_off: YesNo
    qualification: OptionalText = Field(default="", description="what a '*' on an answer means, in the assurers' terms")
    source: OptionalText = ""


class StatedFinance(_Model):
    """A finance figure the source gives for a board without a plan (e.g. its 2015/16 pool)."""

    figure: str = Field(pattern=r"^(agreed_pool|minimum_pool)$")
    year: str = Field(pattern=r"^\d{4}/\d{2}$")
    amount_gbp: Annotated[float, StrictNumber, AfterValidator(lambda v: _money(v))]
    source: Text


def _money(value: float) -> float:
    if not math.isfinite(value) or not 0 <= value <= 1e12:
        raise ValueError("must be a finite amount in pounds between £0 and £1 trillion")
    return float(value)


class AssuranceRecord(_Model):
    """One board's assurance record, as the file states it (before finance pre-filling)."""

    la_code: str = Field(pattern=r"^E\d{8}$", description="the HWB's ONS code, e.g. E08000026")
    hwb: Name
    source: Text
    overall: Overall
    national_conditions: dict[str, Answer] = Field(default_factory=dict)
    overall_assessment: dict[str, Answer] = Field(default_factory=dict)
    finance: list[StatedFinance] = Field(default_factory=list)


# Errors ---------------------------------------------------------------------------


class RecordError(InputError):
    """An assurance record that cannot be used; names the file, each field and its value (exit 2)."""

    kind = "assurance record"

    def __init__(self, path: str | Path, problems: list[tuple[str, Any, str]]):
        self.path = str(path)
        self.problems = problems
        lines = [why if f == "(file)" else f"{f}: {why}" if v == "(missing)" else f"{f} = {_short(v)}: {why}"
                 for f, v, why in problems]
        head = f"Invalid {self.kind} {self.path}: "
        super().__init__(head + (lines[0] if len(lines) == 1 else f"{len(lines)} problems. " + "; ".join(lines)) + ".")


# Reading --------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedRecord:
    record: AssuranceRecord
    path: str
    notes: list[str] = field(default_factory=list)  # look-alike letters read as Latin


def _latinise(data: dict, notes: list[str]) -> dict:
    """The RAG and Y/N cells of ``data`` with look-alike letters read as Latin (notes say where)."""
    out = dict(data)
    overall = out.get("overall")
    if isinstance(overall, dict):
        overall = dict(overall)
        for key in ("high_risk", "recommend_sign_off"):
            if isinstance(overall.get(key), str):
                overall[key], found = to_latin(overall[key])
                notes += [f"overall.{key}: {n}" for n in found]
        out["overall"] = overall
    for section in SECTIONS:
        answers = out.get(section)
        if not isinstance(answers, dict):
            continue
        answers = dict(answers)
        for key, answer in answers.items():
            if isinstance(answer, dict) and isinstance(answer.get("rag"), str):
                answer = dict(answer)
                answer["rag"], found = to_latin(answer["rag"])
                notes += [f"{section}.{key}.rag: {n}" for n in found]
                answers[key] = answer
        out[section] = answers
    return out



def validation_problems(exc: ValidationError, data: Any, what: str) -> list[tuple[str, Any, str]]:
    """pydantic's errors as (field path, value, why) rows, in the words a record or region file uses.

    ``what`` names the kind of file ("an assurance record", "a region file") for an unknown key.
    """
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        why = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            why = f"unknown key (not part of {what}; check the spelling)"
        elif err["type"] == "missing":
            why = "required field is missing"
        problems.append((_loc_to_path(loc), _value_at(data, loc), why))
    return problems

def record_from_dict(data: Any, path: str | Path = "<record>") -> LoadedRecord:
    """Validate a record held as a dict (as read from TOML)."""
    if not isinstance(data, dict):
        raise RecordError(path, [("(file)", str(path), "is not a table of keys")])
    notes: list[str] = []
    data = _latinise(data, notes)
    try:
        record = AssuranceRecord.model_validate(data)
    except ValidationError as exc:
        raise RecordError(path, validation_problems(exc, data, "an assurance record")) from None
    problems = []
    for section, questions in SECTIONS.items():
        for key in getattr(record, section):
            if key not in questions:
                problems.append((f"{section}.{key}", "(missing)",
                                 f"unknown question; the questions are {', '.join(questions)}"))
    o = record.overall
    if o.high_risk.startswith("Y") and not o.high_risk_reason.strip():
        problems.append(("overall.high_risk_reason", "(missing)", "a high-risk plan needs the reason"))
    if (o.high_risk.endswith("*") or o.recommend_sign_off.endswith("*")) and not o.qualification.strip():
        problems.append(("overall.qualification", "(missing)", "an answer marked '*' needs the qualification it stands for"))
    if problems:
        raise RecordError(path, problems)
    return LoadedRecord(record, str(path), notes)


def load_record(path: str | Path) -> LoadedRecord:
    """Read and validate the assurance record in ``path``; RecordError (exit 2) if it cannot be used."""
    from finmodel.plan import PlanError

    try:
        data = read_toml(path)
    except PlanError as exc:  # the I/O and TOML errors, said about a record
        raise RecordError(path, [("(file)", str(path), str(exc).split(": ", 1)[-1].rstrip("."))]) from None
    return record_from_dict(data, path)


# Pre-filling the finance questions -----------------------------------------------


@dataclass(frozen=True)
class AssessedAnswer:
    """One question of one board: the assurer's RAG, finmodel's computed RAG, and the one that stands."""

    section: str
    key: str
    question: str
    rag: str | None              # the RAG that stands (None: not assessed)
    assurer_rag: str | None
    computed_rag: str | None     # None: not a finance question, or no plan to compute it from
    computed_reason: str = ""
    score: int | None = None
    page_ref: str | None = None
    comment: str = ""
    override_reason: str = ""


def worst_rag(rags: list[str]) -> str:
    """The worst of some R/A/G ratings (R before A before G)."""
    return min(rags, key=_SEVERITY.__getitem__)


def computed_rag(section: str, key: str, checks: list | None) -> tuple[str | None, str]:
    """The RAG finmodel's checks give a finance question, and their reasons; (None, '') if it cannot."""
    names = FINANCE_CHECKS.get((section, key))
    if not names or checks is None:
        return None, ""
    found = [c for c in checks if c.key in names]
    if not found:
        return None, ""
    rag = worst_rag([WORD_RAG[c.rag] for c in found])
    return rag, " ".join(f"[{c.key} {c.rag}] {c.reason}" for c in found)


def assess(loaded: LoadedRecord | None, checks: list | None, path: str = "<record>") -> list[AssessedAnswer]:
    """Every question of the record with its standing RAG; RecordError on an override without reason.

    ``checks``: the board's plan run checks (``RunResult.checks``), or None without a plan.
    A question neither the assurer nor finmodel answers stands as not assessed (None).
    """
    problems = []
    out = []
    for section, questions in SECTIONS.items():
        answers = getattr(loaded.record, section) if loaded is not None else {}
        for key, question in questions.items():
            a = answers.get(key)
            computed, reason = computed_rag(section, key, checks)
            assurer = a.rag if a is not None else None
            if computed is not None and assurer is not None and assurer != computed and not a.override_reason.strip():
                problems.append((f"{section}.{key}.rag", assurer,
                                 f"differs from finmodel's computed {computed} ({reason[:300]}); "
                                 "give override_reason to keep the assurer's RAG"))
            out.append(AssessedAnswer(
                section=section, key=key, question=question,
                rag=assurer if assurer is not None else computed, assurer_rag=assurer, computed_rag=computed,
                computed_reason=reason, score=a.score if a else None, page_ref=a.page_ref if a else None,
                comment=a.comment if a else "", override_reason=a.override_reason if a else ""))
    if problems:
        raise RecordError(loaded.path if loaded is not None else path, problems)
    return out
