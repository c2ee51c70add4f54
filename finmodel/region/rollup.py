"""Each board of a region run through finmodel, and the region's finance totals.

For a board with a plan: the plan is run under ``base`` and each named scenario
(exactly ``finmodel run PLAN --scenario NAME``), and its figures are taken from the
results, **rounded to the penny** as ``run`` writes them.  The regional total of a
figure is the sum of those penny figures over the boards that have it, so it equals
the sum of the boards' own ``run`` outputs to the penny, and says which boards it
leaves out.  A board without a plan contributes only what its record states (e.g. a
pooled budget a board paper gives); every other figure is listed as missing, never
invented.

Figures (all £):

* per year: ``minimum_pool``, ``agreed_pool``, ``margin`` (agreed - minimum);
* 2015/16: ``care_act_amount`` and ``care_act_share`` (the board's proportionate share
  of the national £135m, :func:`finmodel.budget.compute_pool`);
* ``p4p_sum`` (the base case);
* per scenario, totals over the modelled years (year ``all``): ``shortfall``,
  ``contingency_used``, ``partner_payments`` (all partners; each partner as a row with
  its name) and ``unfunded_gap``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from finmodel.errors import FinmodelError
from finmodel.plan import PlanError
from finmodel.region.record import AssessedAnswer, LoadedRecord, RecordError, assess, load_record
from finmodel.region.region_file import Board, LoadedRegion, RegionError
from finmodel.scenario import ScenarioError, list_scenarios

#: Figures a plan gives, in the order the roll-up shows them; (name, scenario-dependent).
PLAN_FIGURES: tuple[tuple[str, bool], ...] = (
    ("minimum_pool", False), ("agreed_pool", False), ("margin", False),
    ("care_act_amount", False), ("care_act_share", False), ("p4p_sum", False),
    ("shortfall", True), ("contingency_used", True), ("partner_payments", True), ("unfunded_gap", True),
)
FIGURE_LABELS = {
    "minimum_pool": "Minimum required pool", "agreed_pool": "Total agreed pool", "margin": "Margin over minimum",
    "care_act_amount": "Care Act amount", "care_act_share": "Care Act share of £135m", "p4p_sum": "P4P sum",
    "shortfall": "Shortfall", "contingency_used": "Contingency used", "partner_payments": "Partners' payments",
    "unfunded_gap": "Unfunded gap",
}
CARE_ACT_YEAR = "2015/16"


def penny(x: float) -> float:
    """£ rounded to the penny, as `finmodel run` writes it (round half to even on the binary value)."""
    return round(float(x), 2)


@dataclass(frozen=True)
class FinanceRow:
    la_code: str
    hwb: str
    scenario: str   # "" for a figure of the plan itself (pool, Care Act, P4P sum)
    year: str       # a financial year, or "all" for a total over the modelled years
    figure: str
    partner: str    # "" unless one partner's payment
    value_gbp: float
    source: str     # "plan" or the record's stated source


@dataclass
class BoardResult:
    board: Board
    record: LoadedRecord | None = None
    answers: list[AssessedAnswer] = field(default_factory=list)
    finance: list[FinanceRow] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)        # figure names this board cannot give
    not_applicable: list[str] = field(default_factory=list)  # "scenario: reason"
    errors: list[str] = field(default_factory=list)
    base: object | None = None  # the base-case RunResult, when the board has a valid plan
    plan_path: Path | None = None

    @property
    def la_code(self) -> str:
        return self.board.la_code

    @property
    def name(self) -> str:
        return self.board.name

    @property
    def ok(self) -> bool:
        return not self.errors


def plan_rows(board: Board, result, scenario: str, first: bool) -> list[FinanceRow]:
    """The penny figures of one run (the plan's own figures only with ``first``)."""
    rows: list[FinanceRow] = []

    def add(scen, year, figure, value, partner=""):
        if value is None or not math.isfinite(value):
            return
        rows.append(FinanceRow(board.la_code, board.name, scen, year, figure, partner, penny(value), "plan"))

    p, o = result.pool, result.outputs
    if first:
        for y, label in enumerate(result.plan.years):
            add("", label, "minimum_pool", p.minimum_gbp[0, y])
            add("", label, "agreed_pool", p.pool_gbp[0, y])
            add("", label, "margin", p.margin_gbp[0, y])
        if CARE_ACT_YEAR in result.plan.years:
            y = result.plan.years.index(CARE_ACT_YEAR)
            add("", CARE_ACT_YEAR, "care_act_amount", p.care_act_gbp[y])
            add("", CARE_ACT_YEAR, "care_act_share", p.care_act_share_gbp[y])
        add("", "all", "p4p_sum", o.p4p_sum_gbp[0])
    add(scenario, "all", "shortfall", o.shortfall_gbp[0].sum())
    add(scenario, "all", "contingency_used", o.contingency_used_gbp[0].sum())
    # the total of the partners is the sum of the penny figures of each, so the rows add up
    each = [penny(o.partner_payments_gbp[0, :, k].sum()) for k in range(len(result.plan.partners))]
    for partner, value in zip(result.plan.partners, each):
        add(scenario, "all", "partner_payment", value, partner.name)
    add(scenario, "all", "partner_payments", sum(each))
    add(scenario, "all", "unfunded_gap", o.unfunded_gap_gbp[0].sum())
    return rows


def run_board(loaded: LoadedRegion, board: Board, scenarios: list[str]) -> BoardResult:
    """One board: its record read, its plan run under each scenario; errors kept, never raised."""
    from finmodel.engine import applicable_runs, run

    out = BoardResult(board)
    if board.record is not None:
        try:
            out.record = load_record(loaded.resolve(board.record))
            if out.record.record.la_code != board.la_code:
                out.errors.append(f"record {board.record}: la_code {out.record.record.la_code!r} is not the "
                                  f"region's {board.la_code!r} for {board.name}")
        except RecordError as exc:
            out.errors.append(str(exc))
    checks = None
    if board.plan is not None:
        out.plan_path = loaded.resolve(board.plan)
        try:
            out.base = run(out.plan_path, "base")
            if out.base.plan.hwb.ons_code != board.la_code:
                raise PlanError(out.plan_path, [("hwb.ons_code", out.base.plan.hwb.ons_code,
                                                 f"is not the region's LA code {board.la_code} for {board.name}")])
            checks = out.base.checks
            out.finance += plan_rows(board, out.base, "base", True)
            others, left_out = applicable_runs(out.plan_path, [n for n in scenarios if n != "base"])
            for result in others:
                out.finance += plan_rows(board, result, result.scenario.name, False)
            out.not_applicable += left_out
        except (PlanError, ScenarioError, FinmodelError) as exc:
            out.errors.append(str(exc))
            out.base, checks, out.finance = None, None, []
    if out.record is not None:
        try:
            out.answers = assess(out.record, checks)
        except RecordError as exc:
            out.errors.append(str(exc))
        if out.base is None:
            for s in out.record.record.finance:
                out.finance.append(FinanceRow(board.la_code, board.name, "", s.year, s.figure, "",
                                              penny(s.amount_gbp), s.source))
    elif checks is not None:
        out.answers = assess(None, checks)  # a plan without a record: the finance questions only
    given = {r.figure for r in out.finance}
    out.missing = [f for f, _ in PLAN_FIGURES if f not in given]
    return out


@dataclass
class RegionResult:
    loaded: LoadedRegion
    scenarios: list[str]
    boards: list[BoardResult]

    @property
    def incomplete(self) -> bool:
        return any(not b.ok for b in self.boards)

    @property
    def name(self) -> str:
        return self.loaded.region.name

    def finance_rows(self) -> list[FinanceRow]:
        return [r for b in self.boards for r in b.finance]


def run_region(loaded: LoadedRegion, progress=None) -> RegionResult:
    """Every board of the region (``progress(i, n, name)`` after each)."""
    scenarios = list(loaded.region.scenarios) if loaded.region.scenarios else list_scenarios(include_sweeps=False)
    if "base" in scenarios:
        scenarios.remove("base")
    scenarios.insert(0, "base")
    from finmodel.scenario import load_scenario

    for name in scenarios:  # a misspelt scenario is the region file's error (exit 2), not every board's
        try:
            load_scenario(name)
        except ScenarioError as exc:
            raise RegionError(loaded.path, [("scenarios", name, str(exc))]) from None
    boards = []
    for i, b in enumerate(loaded.region.boards):
        boards.append(run_board(loaded, b, scenarios))
        if progress is not None:
            progress(i + 1, len(loaded.region.boards), b.name)
    return RegionResult(loaded, scenarios, boards)


@dataclass(frozen=True)
class Total:
    scenario: str
    year: str
    figure: str
    value_gbp: float      # sum of the boards' penny figures, rounded to the penny
    boards_with: int
    boards_without: tuple[str, ...]


def totals(result: RegionResult) -> list[Total]:
    """The region's total of each (scenario, year, figure) over the boards that give it."""
    sums: dict[tuple[str, str, str], list[FinanceRow]] = defaultdict(list)
    for r in result.finance_rows():
        if r.figure != "partner_payment":  # partners are board-specific; their sum is partner_payments
            sums[(r.scenario, r.year, r.figure)].append(r)
    names = [b.name for b in result.boards]
    order = {f: i for i, (f, _) in enumerate(PLAN_FIGURES)}
    scen_order = {s: i for i, s in enumerate([""] + result.scenarios)}
    out = []
    for (scen, year, figure), rows in sorted(sums.items(), key=lambda kv: (scen_order.get(kv[0][0], 99),
                                                                            order.get(kv[0][2], 99), kv[0][1])):
        have = {r.hwb for r in rows}
        out.append(Total(scen, year, figure, penny(sum(r.value_gbp for r in rows)), len(have),
                         tuple(n for n in names if n not in have)))
    return out
