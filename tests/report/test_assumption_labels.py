"""Plain labels on the Assumptions sheet (issue 12, item 5): the minimum pool method, the streams of each
organisation's minimum, a QIPP line's kind, the P4P design, the contingency and share bases, the national
conditions and their status show words, each with a drop-down of the words; import reads the word or the code
(a workbook of finmodel 0.3.0 holds codes: tests/report/test_t2_labels.py), whatever the case and spacing, and
refuses anything else naming the sheet, the cell, the value and the words to choose from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from finmodel.engine import run, run_plan
from finmodel.plan import Stream, load_plan, plan_from_dict
from finmodel.report import t2_common as L
from finmodel.report.import_template2 import import_template2
from finmodel.report.plan_diff import Change, in_plan_units
from finmodel.report.t2_assumptions import plain_label
from finmodel.report.t2_common import Key
from finmodel.report.t2_labels import CHOICE_AT, CHOICES, choice_at, labels
from finmodel.report.template2 import write_template2
from tests.support.cli import run_cli
from tests.support.plans import LUTON

#: Every code of a coded input; "other" is also a label ("Other") but differs in case, so it counts too.
CODES = {code for choice in CHOICES.values() for code in choice.labels}
#: Columns of the Assumptions sheet a person reads (A to E); F onwards are the hidden machine columns.
VISIBLE = range(1, 6)


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return write_template2(run(LUTON), tmp_path_factory.mktemp("assumption-labels") / "luton.xlsx")


def _row(ws, path: str) -> int:
    """The row of the input at ``path`` (its hidden Path column)."""
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 6).value == path)


def _drop_down(ws, coord: str) -> list[str]:
    """The words of the drop-down on ``coord`` (a list kept in cells of the same sheet)."""
    formulas = [dv.formula1 for dv in ws.data_validations.dataValidation if coord in dv.sqref]
    assert len(formulas) == 1, (coord, formulas)
    c1, r1, c2, r2 = range_boundaries(formulas[0].replace("$", ""))
    return [ws.cell(r, c1).value for r in range(r1, r2 + 1)]


# (a) the Value column shows words, with a drop-down of them -----------------------------------------

def test_every_coded_assumption_shows_its_label_with_a_drop_down_of_the_labels(book):
    ws = load_workbook(book)[L.ASSUMPTIONS]
    hidden = {c for d in ws.column_dimensions.values() if d.hidden for c in range(d.min, d.max + 1)}
    assert hidden == {6, 7, 8, 9}  # Path, Held on, Type and the drop-down lists; A to E are what a person reads
    codes_seen = {}
    for r in range(5, ws.max_row + 1):
        path = ws.cell(r, 6).value
        if ws.cell(r, 7).value != L.HELD_HERE or path is None:
            continue
        field = choice_at(L.parse_path(path))
        if field is None:
            continue
        codes_seen[path] = field
        assert ws.cell(r, 8).value == "choice"
        assert ws.cell(r, 2).value in labels(field), (path, ws.cell(r, 2).value)
        assert _drop_down(ws, f"B{r}") == labels(field)
    # Luton has every kind of coded assumption: 7 minimum streams, 16 QIPP lines, 5 conditions with a status
    assert sorted(set(codes_seen.values())) == sorted(
        ["minimum_pool_method", "stream", "qipp_line_kind", "p4p_design", "contingency_basis", "share_basis",
         "national_condition", "condition_status"])
    assert len(codes_seen) == 1 + 7 + 16 + 3 + 5 * 2
    row = _row(ws, "national_conditions[1].status")
    assert (ws.cell(row, 2).value, ws.cell(row - 1, 2).value.split(" ")[0]) == ("Partly met", "Seven-day")
    assert ws.cell(_row(ws, "minimum_pool.method"), 2).value == "Each organisation's own allocation"


def test_no_visible_assumptions_cell_holds_a_code(book):
    ws = load_workbook(book)[L.ASSUMPTIONS]
    shown = {ws.cell(r, c).value for r in range(1, ws.max_row + 1) for c in VISIBLE}
    assert not shown & CODES, shown & CODES
    snake = {v for v in shown if isinstance(v, str) and re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", v)}
    assert not snake, snake
    machine = {ws.cell(r, 8).value for r in range(1, ws.max_row + 1)}
    assert "choice" in machine  # the codes and types live on, hidden, where import reads them


def test_a_share_override_is_named_by_its_stream_not_its_code():
    plan = load_plan(LUTON)
    assert plain_label(plan, ["national_shares", "overrides_pct", Key("dfg")]) == \
        "Overrides (%): Disabled Facilities Grant (capital)"
    assert plain_label(plan, ["five_year", "asc_net_budget", Key("2015/16")]) == "Adult social care net budget: 2015/16"


def test_every_coded_field_of_the_plan_has_a_choice():
    """A Literal or Enum field of the plan without an entry here would reach the sheet as a code."""
    assert set(CHOICE_AT.values()) <= set(CHOICES)
    assert choice_at(["qipp", "cohorts", 2, "lines", 0, "kind"]) == "qipp_line_kind"
    assert choice_at(["partners", 1, "kind"]) == "kind"
    assert choice_at(["national_shares", "overrides_pct", Key("dfg")]) is None  # a key, not a value


# (b) a label typed in imports to its code; --against lists exactly that change ---------------------

def test_a_typed_label_imports_as_its_code_and_is_the_one_change_listed(book, tmp_path, capsys):
    wb = load_workbook(book)
    ws = wb[L.ASSUMPTIONS]
    status = _row(ws, "national_conditions[1].status")
    assert ws.cell(status, 2).value == "Partly met"
    ws.cell(status, 2).value = "  not   MET "  # the label, as someone might type it
    edited = tmp_path / "status.xlsx"
    wb.save(edited)
    plan = plan_from_dict(import_template2(edited))
    assert plan.national_conditions[1].status == "not_met"
    assert plan == load_plan(LUTON).model_copy(update={
        "money_unit": "gbp", "national_conditions": [
            c.model_copy(update={"status": "not_met"}) if i == 1 else c
            for i, c in enumerate(load_plan(LUTON).national_conditions)]})

    assert run_cli("import-template2", edited, "--against", LUTON, "--out", tmp_path / "new.toml") == 0
    out = capsys.readouterr().out
    changed = [line for line in out.splitlines() if "national_conditions[" in line or "schemes[" in line]
    assert "(1;" in out and len(changed) == 1, out
    assert "national_conditions[seven_day_working].status" in changed[0]
    assert "Partly met" in changed[0] and "Not met" in changed[0] and "not_met" not in changed[0]


def test_labels_and_codes_of_every_assumption_choice_import_the_same(book, tmp_path):
    """Each coded cell given another of its labels, or a code (as 0.3.0 wrote), reads back as that code."""
    wb = load_workbook(book)
    ws = wb[L.ASSUMPTIONS]
    edits = {"minimum_pool.by_organisation[3].stream": ("ccg reablement", Stream.ccg_reablement),
             "qipp.cohorts[1].lines[2].kind": ("outpatient_follow_up", "outpatient_follow_up"),
             "risk_share.contingency_basis": ("THE WHOLE P4P SUM", "p4p_sum")}
    for path, (typed, _) in edits.items():
        ws.cell(_row(ws, path), 2).value = typed
    edited = tmp_path / "edits.xlsx"
    wb.save(edited)
    plan = plan_from_dict(import_template2(edited))
    assert plan.minimum_pool.by_organisation[3].stream is Stream.ccg_reablement
    assert plan.qipp.cohorts[1].lines[2].kind.value == "outpatient_follow_up"
    assert plan.risk_share.contingency_basis == "p4p_sum"
    run_plan(plan, edited)  # the edited plan runs


def test_the_diff_shows_a_qipp_line_kind_and_a_contingency_basis_in_words():
    plan = load_plan(LUTON)
    kind = Change("qipp.cohorts[Cluster 2].lines[2].kind", "outpatient_first", "outpatient_follow_up")
    assert in_plan_units(kind, plan) == ("First outpatient appointments", "Follow-up outpatient appointments", "")
    basis = Change("risk_share.contingency_basis", "p4p_unreleased", "none")
    assert in_plan_units(basis, plan) == ("P4P money not released", "No contingency", "")
    partner = Change("partners[Luton and Dunstable Hospital].kind", "acute_trust", "other")
    assert in_plan_units(partner, plan) == ("Acute trust", "Other", "")


# (c) anything else is refused --------------------------------------------------------------------

@pytest.mark.parametrize("path, value, why", [
    ("national_conditions[1].status", "Partially met", "condition status not recognised; choose one of: Met; Partly met; "
                                                "Not met"),
    ("minimum_pool.method", "by organisation", "minimum pool method not recognised; choose one of: Stated per year; "
                                               "Derived from national totals; Each organisation's own allocation"),
    ("national_conditions[0].condition", "Jointly agreed", "national condition not recognised; choose one of: Plans "
                                                            "jointly agreed (council, CCGs, HWB sign-off); Seven-day "),
    ("qipp.cohorts[0].lines[0].kind", "outpatients", "kind of activity line not recognised; choose one of: "
                                                     "Emergency admissions; A&E attendances; First outpatient"),
])
def test_an_unknown_word_names_sheet_cell_value_and_the_labels(book, tmp_path, path, value, why):
    wb = load_workbook(book)
    ws = wb[L.ASSUMPTIONS]
    row = _row(ws, path)
    ws.cell(row, 2).value = value
    bad = tmp_path / "unknown.xlsx"
    wb.save(bad)
    with pytest.raises(ValueError) as err:
        import_template2(bad)
    assert f"sheet 'Assumptions' cell B{row} value {value!r}: {why}" in str(err.value)


def test_the_choice_type_on_an_input_without_choices_is_refused(book, tmp_path):
    wb = load_workbook(book)
    ws = wb[L.ASSUMPTIONS]
    row = _row(ws, "hwb.name")
    ws.cell(row, 8).value = "choice"
    bad = tmp_path / "type.xlsx"
    wb.save(bad)
    with pytest.raises(ValueError, match=rf"sheet 'Assumptions' cell H{row} value 'choice': hwb.name holds no choice"):
        import_template2(bad)
