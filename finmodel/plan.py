"""A Better Care Fund plan as typed, validated data: the edge where bad input stops.

A plan file is TOML (one per Health and Wellbeing Board, under ``inputs/``).
``load_plan(path)`` reads it, converts money to pounds, validates every field
with frozen pydantic models that reject unknown keys, checks the references
between sections (a scheme's funding stream must be contributed, every year key
must be a modelled year, ...), and returns a :class:`Plan`.  Any problem raises
:class:`PlanError`, whose message names the file, the field path and the value.

Money: the file states ``money_unit = "gbp"`` or ``"gbp_thousands"``; every money
field is multiplied into pounds at load, so the rest of finmodel works in £ only.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from finmodel import assumptions
from finmodel import plan_text as limits
from finmodel.national_conditions import NationalCondition
from finmodel.plan_errors import PlanError, plan_errors_from_validation  # noqa: F401  (PlanError is re-exported)
from finmodel.plan_text import MAX_MONEY_GBP, Name, OptionalText, StrictInt, StrictNumber, Text, bounded

# Money and shares -------------------------------------------------------------

MONEY_UNIT_FACTORS = {"gbp": 1.0, "gbp_thousands": 1000.0}

FY_PATTERN = re.compile(r"^(\d{4})/(\d{2})$")


def _in_pounds(value: float, info: ValidationInfo) -> float:
    """``value`` (in the file's unit) in pounds, refused unless finite and within MAX_MONEY_GBP."""
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    factor = (info.context or {}).get("money_factor", 1.0)
    gbp = float(value) * factor
    if not abs(gbp) <= MAX_MONEY_GBP:
        raise ValueError(f"is £{gbp:,.0f} in pounds, above the limit of £{MAX_MONEY_GBP:,.0f} on any one figure")
    return gbp


def _scale_money(value: float, info: ValidationInfo) -> float:
    """Convert a money amount written in the file's unit into pounds."""
    if value < 0:
        raise ValueError("money cannot be negative")
    return _in_pounds(value, info)


def _finite(value: float) -> float:
    return bounded(value)


#: A non-negative amount of money; written in the file's unit, held in £.
Money = Annotated[float, StrictNumber, AfterValidator(_scale_money)]


def _scale_signed_money(value: float, info: ValidationInfo) -> float:
    """Convert a signed money amount (e.g. an outturn: negative = deficit) into pounds."""
    return _in_pounds(value, info)


#: Money that may be negative (an outturn, a change); written in the file's unit, held in £.
SignedMoney = Annotated[float, StrictNumber, AfterValidator(_scale_signed_money)]
#: A unit price in pounds, whatever the file's money_unit (tariffs, cost per admission).
PriceGbp = Annotated[float, StrictNumber, Field(gt=0), AfterValidator(_finite)]
#: A percentage 0..100.
Pct = Annotated[float, StrictNumber, Field(ge=0, le=100), AfterValidator(_finite)]
#: Any finite number (rates that may be negative, counts, ...).
Number = Annotated[float, StrictNumber, AfterValidator(_finite)]
#: A non-negative finite number.
NonNegative = Annotated[float, StrictNumber, Field(ge=0), AfterValidator(_finite)]
#: A whole number (months), not a decimal, text or true/false.
Whole = Annotated[int, StrictInt]


class _Model(BaseModel):
    """Frozen, strict about unknown keys: the shape every plan section shares."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# Enumerations ------------------------------------------------------------------


class Stream(str, Enum):
    """A funding stream of the pool (docs/SOURCES.md §2)."""

    nhs_transfer_s256 = "nhs_transfer_s256"
    ccg_minimum = "ccg_minimum"
    carers_breaks = "carers_breaks"
    ccg_reablement = "ccg_reablement"
    care_act_revenue = "care_act_revenue"
    dfg = "dfg"
    social_care_capital = "social_care_capital"
    additional_council = "additional_council"
    additional_ccg = "additional_ccg"


CAPITAL_STREAMS = frozenset({Stream.dfg, Stream.social_care_capital})
ADDITIONAL_STREAMS = frozenset({Stream.additional_council, Stream.additional_ccg})

STREAM_LABELS = {
    Stream.nhs_transfer_s256: "NHS transfer to social care (s256)",
    Stream.ccg_minimum: "CCG minimum contribution",
    Stream.carers_breaks: "Carers' breaks",
    Stream.ccg_reablement: "CCG reablement",
    Stream.care_act_revenue: "Care Act revenue",
    Stream.dfg: "Disabled Facilities Grant (capital)",
    Stream.social_care_capital: "Social care capital grant",
    Stream.additional_council: "Additional council contribution",
    Stream.additional_ccg: "Additional CCG contribution",
}


class AreaOfSpend(str, Enum):
    social_care = "social_care"
    community_health = "community_health"
    acute = "acute"
    primary_care = "primary_care"
    mental_health = "mental_health"
    other = "other"


class Activity(str, Enum):
    """Hospital activity that QIPP lines and scheme benefits reduce."""

    emergency_admissions = "emergency_admissions"
    ae_attendances = "ae_attendances"
    outpatients = "outpatients"
    other = "other"


class ActivityKind(str, Enum):
    """Kinds of activity line in a QIPP cohort (seed 003)."""

    emergency_admissions = "emergency_admissions"
    ae_attendances = "ae_attendances"
    outpatient_first = "outpatient_first"
    outpatient_follow_up = "outpatient_follow_up"


class Commissioner(str, Enum):
    council = "council"
    ccg = "ccg"
    joint = "joint"


# Sections ----------------------------------------------------------------------


class Ccg(_Model):
    name: Name
    share_in_hwb_pct: Pct = Field(
        description="share of this CCG's BCF contribution that falls in this HWB [%]"
    )


class Hwb(_Model):
    name: Name
    ons_code: str = Field(pattern=r"^E\d{8}$")
    councils: list[Name] = Field(min_length=1, max_length=limits.MAX_ORGANISATIONS)
    ccgs: list[Ccg] = Field(min_length=1, max_length=limits.MAX_ORGANISATIONS)
    two_tier: StrictBool = False
    district_councils: list[Name] = Field(default_factory=list, max_length=limits.MAX_ORGANISATIONS)


class Contribution(_Model):
    """One organisation's contribution of one stream in one financial year."""

    year: str
    organisation: Name
    stream: Stream
    amount: Money
    source: Text = Field(description="seed document, published figure, or 'assumption'")


class NationalShares(_Model):
    """The HWB's share of each national stream, for a derived minimum [%]."""

    revenue_pct: Pct = Field(description="share of national CCG revenue streams [%]")
    capital_pct: Pct = Field(description="share of national capital grants (DFG, social care capital) [%]")
    source: Text
    overrides_pct: dict[Stream, Pct] = Field(default_factory=dict)


class MinimumContribution(_Model):
    """What one organisation must put into the pool from one stream in one year (its allocation)."""

    year: str
    organisation: Name
    stream: Stream
    amount: Money
    source: Text = Field(description="the published allocation, e.g. NHS England's BCF allocations for the CCG")


class MinimumPool(_Model):
    """The minimum required pool: stated per year, per organisation, or derived from national totals.

    ``by_organisation`` is the independent test: each organisation's required amount
    comes from its own allocation, not from what the partners chose to put in.
    """

    method: Literal["stated", "derived", "by_organisation"]
    stated: dict[str, Money] = Field(default_factory=dict)
    by_organisation: list[MinimumContribution] = Field(default_factory=list, max_length=limits.MAX_CONTRIBUTIONS)
    source: Text


class Scheme(_Model):
    """A line of the expenditure plan (Template 2, tab 2)."""

    id: Name
    name: Name
    area_of_spend: AreaOfSpend
    commissioner: Commissioner
    nhs_share_pct: Pct | None = Field(
        default=None, description="NHS (CCG) share of a joint commission [%]; council has the rest"
    )
    provider: Name
    funding_stream: Stream
    status: Literal["new", "existing"]
    recurrent: StrictBool
    protects_social_care: StrictBool = False
    nhs_out_of_hospital: StrictBool = Field(
        default=False, description="an NHS-commissioned out-of-hospital service"
    )
    care_act: StrictBool = Field(
        default=False, description="spend on Care Act 2014 duties; backs the plan's stated Care Act amount"
    )
    spend: dict[str, Money]
    benefits: dict[str, Money] = Field(default_factory=dict)
    benefit_activity: Activity | None = Field(
        default=None, description="activity the benefits reduce, for the QIPP double-counting test"
    )
    source: Text


class EarmarkedAmount(_Model):
    """An amount the plan sets aside for a national condition, per year."""

    amount: dict[str, Money] = Field(default_factory=dict)
    source: Text


class SocialCareProtection(_Model):
    definition: OptionalText = ""
    amount: dict[str, Money] = Field(default_factory=dict)
    source: Text


class Metric(_Model):
    name: Name
    unit: Name
    higher_is_better: StrictBool
    baseline: Number
    target_apr_2015: Number | None = None
    target: Number
    source: Text


class Partner(_Model):
    name: Name
    kind: Literal["ccg", "council", "acute_trust", "other"]
    share_pct: Pct | dict[str, Pct] | None = Field(
        default=None,
        description="share of a shortfall [%]: one figure for every year, or a profile by year "
        '(e.g. {"2015/16" = 40, "2016/17" = 50}) that gives every modelled year',
    )
    cap: Money | None = Field(default=None, description="most this partner pays in a year [£]")
    cap_at_contribution: StrictBool = Field(
        default=False,
        description="cap this partner each year at what it contributes to the pool that year "
        "(its name must match a contributing organisation); with `cap` too, the lower applies",
    )
    commissioned: dict[str, Money] = Field(
        default_factory=dict,
        description="what this partner commissions per year, for pro-rata shares; default: "
        "NHS-commissioned scheme spend for a CCG, council-commissioned for a council, 0 otherwise",
    )
    source: Text

    def share_pct_in(self, year: str) -> float | None:
        """This partner's share in ``year`` [%] (a profile's figure for that year, or the one figure)."""
        if isinstance(self.share_pct, dict):
            return self.share_pct.get(year)
        return self.share_pct


class ActivityLine(_Model):
    """One line of a cohort's baseline activity (seed 003: EAs by HRG, A&E, outpatients)."""

    kind: ActivityKind
    hrg_group: Name | None = None
    baseline_pa: NonNegative = Field(description="baseline activity per year [count]")
    tariff_gbp: PriceGbp = Field(description="full PbR tariff per unit of activity [£]")
    admitted_via_ae_pct: Pct = Field(default=0.0, description="share of these EAs admitted through A&E [%]")
    source: Text


class Cohort(_Model):
    """A QIPP cohort (e.g. a GP cluster) with its go-live date and EA reduction ramp."""

    name: Name
    go_live: date
    initial_reduction_pct: Pct
    initial_months: Whole = Field(default=12, ge=0, le=120)
    step_pp_pm: NonNegative = Field(description="monthly step after the initial period [percentage points]")
    ceiling_pct: Pct
    lines: list[ActivityLine] = Field(min_length=1, max_length=limits.MAX_LINES_PER_COHORT)
    source: Text

    @field_validator("go_live")
    @classmethod
    def _first_of_month(cls, value: date) -> date:
        if value.day != 1:
            raise ValueError("a cohort goes live on the first day of a month")
        return value


class Qipp(_Model):
    """The CCG's QIPP savings modelled by cohort (docs/SOURCES.md §4, seed 003)."""

    marginal_rate_pct: Pct = Field(default=30.0, description="EAs avoided valued at this % of full tariff")
    outpatient_reduction_pct: Pct = Field(default=10.0, description="flat fall in outpatient appointments [%]")
    cohorts: list[Cohort] = Field(min_length=1, max_length=limits.MAX_COHORTS)
    investment: dict[str, Money] = Field(default_factory=dict, description="investment that buys the savings, per year")
    other_net_qipp: dict[str, SignedMoney] = Field(
        default_factory=dict, description="net QIPP of schemes outside the cohort model, per year"
    )
    source: Text


class FiveYear(_Model):
    """The five-year financial context (docs/SOURCES.md §7, seed 003)."""

    transformation_fund: dict[str, Money] = Field(default_factory=dict)
    ccg_outturn_before_qipp: dict[str, SignedMoney] = Field(
        default_factory=dict, description="CCG in-year outturn before net QIPP (negative = deficit)"
    )
    asc_net_budget: dict[str, Money] = Field(default_factory=dict)
    asc_demographic_pressure: dict[str, Money] = Field(default_factory=dict)
    asc_savings_target: dict[str, Money] = Field(default_factory=dict)
    asc_funding_change: dict[str, SignedMoney] = Field(
        default_factory=dict, description="change in the council's funding for adult social care (negative = cut)"
    )
    source: Text


class P4P(_Model):
    """Payment for performance (docs/SOURCES.md §5)."""

    design: Literal["revised", "original"] = "revised"
    year: str = "2015/16"
    nel_baseline_by_quarter: list[NonNegative] = Field(min_length=4, max_length=4)
    planned_reduction_pct: Pct
    credible_case_claimed: StrictBool = False
    cost_per_admission_gbp: PriceGbp = 1490.0
    performance_pool: Money | None = Field(
        default=None, description="original design: the local performance element [£]"
    )
    source: Text


class RiskShare(_Model):
    """How a shortfall is met (docs/SOURCES.md §6)."""

    contingency_basis: Literal["p4p_unreleased", "p4p_sum", "stated", "none"] = Field(
        default="p4p_unreleased",
        description="p4p_unreleased: the P4P money held back and not released (it pays for admissions not "
        "avoided); p4p_sum: a separate contingency equal to the whole P4P sum; stated: `contingency` per year; none",
    )
    contingency: dict[str, Money] = Field(default_factory=dict, description="stated contingency per year")
    share_basis: Literal["fixed", "pro_rata"] = "fixed"
    share_underspend: StrictBool = True
    beds_planned_to_close: NonNegative = 0.0
    beds_close_from: str = "2015/16"
    bed_day_cost_gbp: PriceGbp = Field(default=250.0, description="cost of keeping a bed open for a day [£]")
    bed_days_pa: NonNegative = 365.0
    care_home_placement_cost_gbp: PriceGbp = Field(
        default=30_000.0, description="cost for a year of one permanent residential or nursing care placement [£]; "
        "the default is an assumption (label it in [assumptions] or state the local figure)")
    source: Text


class Outturn(_Model):
    """What actually happens, as the plan assumes it (the base case); scenarios override it."""

    savings_delivery_pct: NonNegative = Field(default=100.0, description="share of every planned saving delivered [%]")
    ea_reduction_delivery_pct: NonNegative = Field(
        default=100.0, description="share of planned emergency-admission reductions delivered [%]"
    )
    go_live_delay_months: Whole = Field(default=0, ge=-24, le=60)
    nel_admissions_change_pct: Number | None = Field(
        default=None, description="actual change in non-elective admissions vs baseline [%]; default: as planned"
    )
    beds_not_closed: NonNegative = 0.0
    care_home_admissions_above_plan: NonNegative = Field(
        default=0.0, description="permanent admissions to residential and nursing care a year above plan, "
        "from 2015/16 [count a year]")
    demographic_growth_above_plan: dict[str, SignedMoney] = Field(default_factory=dict)
    metrics_actual: dict[str, Number] = Field(default_factory=dict, description="metric name -> outturn; default: target met")
    source: Text = "base case: the plan delivered as written"


class Plan(_Model):
    """A whole BCF plan for one Health and Wellbeing Board."""

    money_unit: Literal["gbp", "gbp_thousands"]
    years: list[str] = Field(min_length=2, max_length=limits.MAX_YEARS)
    hwb: Hwb
    contributions: list[Contribution] = Field(min_length=1, max_length=limits.MAX_CONTRIBUTIONS)
    minimum_pool: MinimumPool
    national_shares: NationalShares | None = None
    schemes: list[Scheme] = Field(default_factory=list, max_length=limits.MAX_SCHEMES)
    social_care_protection: SocialCareProtection
    care_act: EarmarkedAmount
    carers: EarmarkedAmount
    metrics: list[Metric] = Field(default_factory=list, max_length=limits.MAX_METRICS)
    partners: list[Partner] = Field(default_factory=list, max_length=limits.MAX_PARTNERS)
    qipp: Qipp | None = None
    five_year: FiveYear | None = None
    p4p: P4P | None = None
    risk_share: RiskShare | None = None
    outturn: Outturn = Outturn()
    national_conditions: list[NationalCondition] = Field(default_factory=list, max_length=10)
    assumptions: dict[str, Text] = Field(
        default_factory=dict, description='input path -> one-line reason it is assumed (see finmodel/assumptions.py)'
    )

    @field_validator("years")
    @classmethod
    def _years_consecutive(cls, years: list[str]) -> list[str]:
        starts = []
        for label in years:
            match = FY_PATTERN.match(label)
            if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
                raise ValueError(f"{label!r} is not a financial year like '2014/15'")
            starts.append(int(match.group(1)))
        if starts != list(range(starts[0], starts[0] + len(starts))):
            raise ValueError("financial years must be consecutive and in order")
        if "2014/15" not in years or "2015/16" not in years:
            raise ValueError("a BCF plan models at least 2014/15 and 2015/16")
        return years

    # Convenience views ---------------------------------------------------------

    @property
    def first_year(self) -> int:
        """Calendar year in which the first modelled financial year starts."""
        return int(self.years[0][:4])

    def year_index(self, label: str) -> int:
        return self.years.index(label)

    @property
    def streams(self) -> list[Stream]:
        """Streams contributed in any year, in the enumeration's order."""
        present = {c.stream for c in self.contributions}
        return [s for s in Stream if s in present]

    @property
    def organisations(self) -> list[str]:
        seen: dict[str, None] = {}
        for c in self.contributions:
            seen.setdefault(c.organisation, None)
        return list(seen)


# Loading -------------------------------------------------------------------------


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file, turning every I/O or syntax problem into a PlanError."""
    p = Path(path)
    try:
        if p.is_dir():
            raise PlanError(p, [("(file)", str(p), "is a folder, not a plan file")])
        if p.exists() and not p.is_file():
            raise PlanError(p, [("(file)", str(p), "is not a regular file (a device or a pipe?), so not a plan file")])
        with open(p, "rb") as fh:  # read one byte past the limit: never the whole of a huge file
            raw = fh.read(limits.MAX_PLAN_BYTES + 1)
    except FileNotFoundError:
        raise PlanError(p, [("(file)", str(p), "file not found")]) from None
    except OSError as exc:
        raise PlanError(p, [("(file)", str(p), f"cannot be read: {exc.strerror}")]) from None
    if len(raw) > limits.MAX_PLAN_BYTES:
        raise PlanError(p, [("(file)", str(p), f"is larger than {limits.MAX_PLAN_BYTES // 2**20} MiB, far more than any "
                             "plan (the shipped plans are about 20 kB)")])
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PlanError(p, [("(file)", str(p), "not a UTF-8 text file, so not TOML")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(p, [("(file)", str(p), f"not valid TOML: {exc}")]) from None
    except RecursionError:
        raise PlanError(p, [("(file)", str(p), "nested too deeply to be a plan file")]) from None


def plan_from_dict(data: dict[str, Any], path: str | Path = "<plan>") -> Plan:
    """Validate a plan held as a dict (as read from TOML)."""
    unit = data.get("money_unit") if isinstance(data, dict) else None
    if unit not in MONEY_UNIT_FACTORS:
        raise PlanError(
            path,
            [("money_unit", unit if unit is not None else "(missing)", "must be 'gbp' or 'gbp_thousands' so every amount has an explicit unit")],
        )
    try:
        plan = Plan.model_validate(data, context={"money_factor": MONEY_UNIT_FACTORS[unit]})
    except ValidationError as exc:
        raise plan_errors_from_validation(path, data, exc) from None
    except RecursionError:
        raise PlanError(path, [("(file)", str(path), "nested too deeply to be a plan")]) from None
    from finmodel import plan_rules  # the cross-field rules import this module's types

    problems: list[tuple[str, Any, str]] = []
    plan_rules.check_year_keys(plan, problems)
    plan_rules.check_references(plan, problems)
    plan_rules.check_qipp(plan, problems)
    plan_rules.check_outturn(plan, problems)
    limits.check_identifiers(plan, problems)
    assumptions.check_paths(data, problems)
    if problems:
        raise PlanError(path, problems)
    return plan


def load_plan(path: str | Path) -> Plan:
    """Read, validate and return the plan in ``path`` (a TOML file)."""
    return plan_from_dict(read_toml(path), path)


def fy_start(label: str) -> date:
    """1 April of the financial year ``label`` (e.g. '2014/15' -> 2014-04-01)."""
    return date(int(label[:4]), 4, 1)
