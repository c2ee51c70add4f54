"""The six national conditions for access to the Fund, as a plan states them.

Seed 002 (Central Bedfordshire board paper), paragraph 18, lists six conditions; the
national assurance review of Luton's plan (seed 000) records, for each, the page of
the plan that evidences it, a comment, a score 1-10 and a RAG.  finmodel computes one
of them from the money (protection of social care, :mod:`finmodel.checks`); the other
five are facts about the plan that only the partners and the assurer can state, so a
plan file carries them in ``[[national_conditions]]``:

.. code-block:: toml

    [[national_conditions]]
    condition = "seven_day_working"
    status = "partly"            # met | partly | not_met
    evidence = "Seven day working is central to the frail elderly work stream; no milestones yet."
    page_ref = "T1 PP 20-21"
    source = "seed 000: assurance review, 'seven-day health and social care services', scored 6, Amber"

A condition the plan does not state is reported Red ("not stated"), never assumed met.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from finmodel.plan_text import Name, OptionalText, Text

#: The five stated conditions, in seed 002's order (protection of social care, the
#: second, is computed from the pool and the schemes).
CONDITIONS: dict[str, str] = {
    "jointly_agreed": "Plans jointly agreed (council, CCGs, HWB sign-off)",
    "seven_day_working": "Seven-day health and social care services to support discharge and prevent weekend admissions",
    "data_sharing_nhs_number": "Better data sharing between health and social care, based on the NHS number",
    "joint_assessment": "Joint assessment and an accountable lead professional for integrated packages of care",
    "acute_sector_impact": "Agreement on the consequential impact of the plan on the acute sector and providers",
}

Status = Literal["met", "partly", "not_met"]
STATUS_RAG = {"met": "Green", "partly": "Amber", "not_met": "Red"}
STATUS_WORDS = {"met": "met", "partly": "partly met", "not_met": "not met"}


class NationalCondition(BaseModel):
    """One national condition as the plan (or its assurer) states it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    condition: Literal["jointly_agreed", "seven_day_working", "data_sharing_nhs_number",
                       "joint_assessment", "acute_sector_impact"]
    status: Status
    evidence: Text = Field(description="what in the plan shows it, in a sentence or two")
    page_ref: Name | None = Field(default=None, description="where in the plan, e.g. 'T1 PP 20-21'")
    score: int | None = Field(default=None, ge=1, le=10, strict=True, description="assurer's score 1-10, if assured")
    comment: OptionalText = ""
    source: Text


def check_conditions_unique(conditions: list[NationalCondition], problems: list) -> None:
    seen: dict[str, int] = {}
    for i, c in enumerate(conditions):
        if c.condition in seen:
            problems.append((f"national_conditions[{i}].condition", c.condition,
                             f"already stated in national_conditions[{seen[c.condition]}]"))
        seen.setdefault(c.condition, i)
