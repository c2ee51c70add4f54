"""`finmodel report` on the command line: where it writes, what it refuses, and plain words on the page."""

from __future__ import annotations

import json
import re

from finmodel.board_paper.cli import HTML_NAME, PDF_NAME
from finmodel.plan import STREAM_LABELS
from tests.support.cli import run_cli, tree


def _visible_text(html: str) -> str:
    """What a reader sees: tags, attributes and the style sheet removed."""
    html = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_default_folder_under_the_output_root(sandbox, capsys):
    assert run_cli("report", "-n", 2000, "--no-pdf") == 0
    out = sandbox / "outputs" / "luton" / "report-luton-sensitivity-n2000-seed0"
    assert (out / HTML_NAME).is_file() and not (out / PDF_NAME).exists()
    manifest = json.loads((out / ".finmodel-output.json").read_text("utf-8"))
    assert manifest["written_by"] == "finmodel" and HTML_NAME in manifest["files"]
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary folder left beside it
    said = capsys.readouterr().out.replace("\n", "")
    assert "Board paper for Luton" in said and HTML_NAME in said


def test_plain_labels_only(sandbox):
    assert run_cli("report", "-n", 2000, "--no-pdf") == 0
    html = (sandbox / "outputs" / "luton" / "report-luton-sensitivity-n2000-seed0" / HTML_NAME).read_text("utf-8")
    text = _visible_text(html)
    code_names = [s.value for s in STREAM_LABELS] + ["partner_payment_total_gbp", "shortfall_total_gbp", "excess_over_contingency",
                                                     "outturn.nel_admissions_change_pct", "savings_delivery_pct", "bed_day_cost_gbp",
                                                     "cost_per_admission_gbp", "ceiling_pct", "go_live_delay_months",
                                                     "area_of_spend", "demographic_growth_above_plan"]
    shown = [c for c in code_names if c in text]
    assert shown == []
    for words in ("Change in emergency admissions", "Cost of a bed-day", "NHS transfer to social care (s256)",
                  "Beds kept open that the plan closes"):
        assert words in text


def test_refuses_a_folder_finmodel_did_not_write(sandbox):
    mine = sandbox / "board"
    mine.mkdir()
    (mine / "notes.txt").write_text("my notes")
    before = tree(mine)
    assert run_cli("report", "-n", 1000, "--no-pdf", "--out", mine) == 2
    assert tree(mine) == before
    assert run_cli("report", "-n", 1000, "--no-pdf", "--out", mine, "--force") == 0
    assert (mine / HTML_NAME).is_file()


def test_replaces_its_own_paper(sandbox):
    out = sandbox / "paper"
    assert run_cli("report", "-n", 1000, "--no-pdf", "--out", out) == 0
    assert run_cli("report", "-n", 1000, "--no-pdf", "--out", out, "--seed", 4) == 0
    assert "seed 4" in (out / HTML_NAME).read_text("utf-8")


def test_bad_options_are_exit_2_and_write_nothing(sandbox, capsys):
    assert run_cli("report", "-n", 0, "--no-pdf") == 2
    assert run_cli("report", "--seed", -1, "--no-pdf") == 2
    assert run_cli("report", "--sweep", "admissions-grow", "-n", 1000, "--no-pdf") == 2  # no [sweep] table
    err = capsys.readouterr().err
    assert "-n 0" in err and "--seed -1" in err and "admissions-grow" in err
    assert not (sandbox / "outputs").exists() or not any((sandbox / "outputs").rglob(HTML_NAME))


def test_no_sweep_says_so(sandbox):
    assert run_cli("report", "--no-sweep", "--no-pdf", "--scenarios", "qipp-slip") == 0
    html = (sandbox / "outputs" / "luton" / "report-no-sweep" / HTML_NAME).read_text("utf-8")
    assert "No sweep was run" in html and "qipp-slip" in html and "admissions-grow" not in _visible_text(html)
