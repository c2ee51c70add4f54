"""Every CSV a sweep writes opens in a spreadsheet as text and numbers, never as a formula.

Partner names may begin with = + - @ and hold quotes and commas (plan validation refuses
control characters in names), and they become column names of the samples file and row
labels of outputs.csv.
"""

import csv
import re

from finmodel.csvsafe import FORMULA_TRIGGERS
from finmodel.sweep.driver import outputs_of_names, run_sweep
from tests.support.cli import is_number
from tests.support.plans import LUTON

NAMES = ['=HYPERLINK("http://example.com/x","click")', "+1", "@SUM(A1)", "-1"]


def _hostile_plan(tmp_path):
    text = LUTON.read_text("utf-8")
    old = re.findall(r'\[\[partners\]\]\nname = "([^"]*)"', text)
    assert len(old) == 3
    for before, after in zip(old, NAMES):
        text = text.replace(f'[[partners]]\nname = "{before}"', "[[partners]]\nname = " + _toml_str(after), 1)
    # a fourth partner, taking half the hospital's 20% share
    text = text.replace("kind = \"acute_trust\"\nshare_pct = 20", "kind = \"acute_trust\"\nshare_pct = 10", 1)
    text += ("\n[[partners]]\nname = " + _toml_str(NAMES[3]) + '\nkind = "other"\nshare_pct = 10\nsource = "test"\n')
    path = tmp_path / "hostile.toml"
    path.write_text(text, "utf-8")
    return path


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r").replace("\n", "\\n") + '"'




def test_no_csv_cell_is_a_formula(tmp_path):
    plan = _hostile_plan(tmp_path)
    samples = tmp_path / "samples.csv"
    res = run_sweep(plan, "luton-sensitivity", "lhs", 300, seed=3, save_samples=samples)
    assert len(res.risk["partners"]) == 4
    out = res.write(tmp_path / "out")
    files = sorted(out.glob("*.csv")) + [samples]
    assert {p.name for p in files} >= {"outputs.csv", "tornado.csv", "break_even.csv", "samples.csv"}
    negative_numbers = 0
    for path in files:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        assert len({len(r) for r in rows}) == 1, f"{path.name}: rows of different lengths (a broken line?)"
        for row in rows:
            for cell in row:
                if is_number(cell):
                    negative_numbers += cell.startswith("-")
                    continue
                assert not cell.startswith(FORMULA_TRIGGERS), (path.name, cell)
    assert negative_numbers > 0  # negative amounts stay numbers (no apostrophe)

    # the samples header reads back as exactly the output names (quoted, not split or mangled)
    with open(samples, newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    partners = list(res.risk["partners"])
    assert partners == NAMES
    expected = ["scenario", *res.spec.names, *outputs_of_names(_years(res), partners)]
    assert header == expected
    with open(out / "outputs.csv", newline="", encoding="utf-8") as fh:
        labels = [r["output"] for r in csv.DictReader(fh)]
    assert labels == list(res.summary) and f"partner_payment_total_gbp[{NAMES[1]}]" in labels


def _years(res):
    return [k[len("shortfall_gbp["):-1] for k in res.summary if k.startswith("shortfall_gbp[")]


def test_a_text_cell_that_starts_like_a_formula_gets_an_apostrophe(tmp_path):
    from finmodel.sweep.driver import _write_csv

    path = tmp_path / "t.csv"
    _write_csv(path, [{"=label": "=1+1", "amount": -5.5, "note": "a\nb", "tab": "\tx"}])
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == [["'=label", "amount", "note", "tab"], ["'=1+1", "-5.5", "a\nb", "'\tx"]]
