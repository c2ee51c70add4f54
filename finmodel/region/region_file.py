"""A region file: the boards an assurer runs together, each with its plan and/or assurance record.

.. code-block:: toml

    name = "West Midlands"
    source = "seed 004: the region's assurance tables"
    scenarios = ["base", "admissions-grow"]   # optional; default: every shipped scenario

    [[boards]]
    la_code = "E08000026"
    name = "Coventry"
    record = "west-midlands/coventry.toml"   # paths relative to this file
    plan = "../coventry.toml"                # optional

A board needs a plan, a record or both.  The region file itself is validated like a plan
(exit 2 naming the file, the field and the value); a board whose own plan or record is
invalid is reported by name and the rest of the region is still produced.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from finmodel.plan import Number, PlanError, read_toml
from finmodel.plan_text import Name, OptionalText, Text, check_unique
from finmodel.region.record import RecordError, validation_problems

#: Largest region: the 152 HWBs of England with room to spare.
MAX_BOARDS = 400


class RegionError(RecordError):
    """A region file that cannot be used (exit 2)."""

    kind = "region file"


class Board(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    la_code: str = Field(pattern=r"^E\d{8}$", description="the HWB's ONS code")
    name: Name
    plan: Name | None = Field(default=None, description="plan file, relative to the region file")
    record: Name | None = Field(default=None, description="assurance record, relative to the region file")
    synthetic: StrictBool = False


class StressSpec(BaseModel):
    """The regional stress test's driver (finmodel.region.stress): percentages and percentage points."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    regional_low_pct: Number | None = None
    regional_mode_pct: Number | None = None
    regional_high_pct: Number | None = None
    board_sd_pp: Number | None = None
    source: OptionalText = ""


class Region(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Name
    source: Text
    synthetic: StrictBool = Field(default=False, description="true for generated boards (not real plans)")
    note: OptionalText = ""
    scenarios: list[Name] | None = None
    stress: StressSpec | None = None
    boards: list[Board] = Field(min_length=1, max_length=MAX_BOARDS)


@dataclass(frozen=True)
class LoadedRegion:
    region: Region
    path: Path

    def resolve(self, relative: str | None) -> Path | None:
        """A board's plan or record path, relative to the region file's folder."""
        return None if relative is None else (self.path.parent / relative)


def load_region(path: str | Path) -> LoadedRegion:
    """Read and validate a region file; RegionError (exit 2) if it cannot be used."""
    p = Path(path)
    try:
        data: Any = read_toml(p)
    except PlanError as exc:
        raise RegionError(p, [("(file)", str(p), str(exc).split(": ", 1)[-1].rstrip("."))]) from None
    try:
        region = Region.model_validate(data)
    except ValidationError as exc:
        raise RegionError(p, validation_problems(exc, data, "a region file")) from None
    problems: list = []
    for i, b in enumerate(region.boards):
        if b.plan is None and b.record is None:
            problems.append((f"boards[{i}]", b.name, "a board needs a plan, an assurance record, or both"))
    check_unique([(f"boards[{i}].la_code", b.la_code) for i, b in enumerate(region.boards)], problems, "board")
    check_unique([(f"boards[{i}].name", b.name) for i, b in enumerate(region.boards)], problems, "board")
    if problems:
        raise RegionError(p, problems)
    return LoadedRegion(region, p)
