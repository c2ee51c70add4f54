"""The finance roll-up: totals equal the sum of the boards' own `finmodel run` figures to the penny;
an invalid board is reported by name while the rest of the region is produced (INCOMPLETE, exit 0)."""

from __future__ import annotations

import json
import shutil

import pytest

from finmodel.region.region_file import RegionError, load_region
from finmodel.region.rollup import penny
from finmodel.shipped import shipped_inputs_dir
from tests.support.cli import run_cli

INPUTS = shipped_inputs_dir()
SCENARIOS = ["base", "admissions-grow", "half-delivery"]


def region_file(folder, boards: list[dict], scenarios=SCENARIOS, name="Test region") -> str:
    lines = [f'name = "{name}"', 'source = "test"', f"scenarios = {json.dumps(scenarios)}", ""]
    for b in boards:
        lines += ["[[boards]]"] + [f"{k} = {json.dumps(v)}" for k, v in b.items()] + [""]
    path = folder / "region.toml"
    path.write_text("\n".join(lines), "utf-8")
    return str(path)


def two_boards(folder):
    shutil.copy(INPUTS / "luton.toml", folder / "luton.toml")
    shutil.copy(INPUTS / "central_bedfordshire.toml", folder / "cb.toml")
    return [{"la_code": "E06000032", "name": "Luton", "plan": "luton.toml"},
            {"la_code": "E06000056", "name": "Central Bedfordshire", "plan": "cb.toml"}]


def run_json(capsys, *args) -> dict:
    capsys.readouterr()
    assert run_cli(*args) == 0
    return json.loads(capsys.readouterr().out)


def test_penny():
    # round to the penny: £1.005 is stored as 1.00499999... in binary, so it rounds down
    assert penny(1.004) == 1.0 and penny(2.675) == 2.67 and penny(1234.5678) == 1234.57


def test_totals_equal_the_sum_of_each_boards_run_to_the_penny(sandbox, capsys):
    path = region_file(sandbox, two_boards(sandbox))
    doc = run_json(capsys, "region", path, "--json")
    assert doc["status"] == "COMPLETE"
    totals = {(t["scenario"], t["year"], t["figure"]): t["value_gbp"] for t in doc["totals"]}
    runs = {}
    for plan in ("luton.toml", "cb.toml"):
        for scen in SCENARIOS:
            capsys.readouterr()
            code = run_cli("run", sandbox / plan, "--scenario", scen, "--json", "--no-workbook",
                           "--out", sandbox / "runs" / f"{plan}-{scen}")
            captured = capsys.readouterr()
            if code == 2 and "does not apply" in captured.err:
                continue  # a scenario that does not fit the plan: `run` refuses it, the region leaves it out
            assert code == 0
            runs[(plan, scen)] = json.loads(captured.out)
    # the pool: the two boards' "Total agreed pool" rows of pool_summary, 2015/16
    # Luton £15,136,000 + Central Bedfordshire £15,290,000 = £30,426,000
    pool = sum(runs[(p, "base")]["pool_summary"]["Total agreed pool"]["2015/16"] for p in ("luton.toml", "cb.toml"))
    assert pool == 30_426_000
    assert totals[("", "2015/16", "agreed_pool")] == pytest.approx(pool, abs=0.005)
    for figure, row in (("minimum_pool", "Minimum required pool"), ("margin", "Margin over minimum")):
        for year in ("2014/15", "2015/16"):
            want = sum(runs[(p, "base")]["pool_summary"][row][year] for p in ("luton.toml", "cb.toml"))
            assert abs(totals[("", year, figure)] - want) < 0.005
    want = sum(runs[(p, "base")]["pool_summary"]["Care Act amount"]["2015/16"] for p in ("luton.toml", "cb.toml"))
    assert abs(totals[("", "2015/16", "care_act_amount")] - want) < 0.005
    want = sum(runs[(p, "base")]["pool_summary"]["Care Act proportionate share of £135m"]["2015/16"] for p in ("luton.toml", "cb.toml"))
    assert abs(totals[("", "2015/16", "care_act_share")] - want) < 0.005
    compare_rows = {"Shortfall (total)": "Shortfall", "Contingency used": "Contingency used", "Unfunded gap": "Unfunded gap"}
    for scen in SCENARIOS:
        applicable = [p for p in ("luton.toml", "cb.toml") if (p, scen) in runs]
        for figure, row in (("shortfall", "Shortfall (total)"), ("contingency_used", "Contingency used"),
                            ("unfunded_gap", "Unfunded gap")):
            want = 0.0
            for p in applicable:
                if "risk_share" in runs[(p, scen)]:  # the run's own risk_share table, total over the years
                    want += runs[(p, scen)]["risk_share"][row]["Total"]
                else:  # a plan without a risk share writes no such table: `finmodel compare` gives the figure
                    cmp = run_json(capsys, "compare", sandbox / p, scen, "--json")
                    want += cmp["figures_gbp"][scen][compare_rows[row]]
            assert abs(totals[(scen, "all", figure)] - want) < 0.005, (scen, figure)
        paid = sum(v["Total"] for p in applicable if "risk_share" in runs[(p, scen)]
                   for k, v in runs[(p, scen)]["risk_share"].items() if k.startswith("Paid by "))
        assert abs(totals[(scen, "all", "partner_payments")] - paid) < 0.005
    # half-delivery applies to both: Central Bedfordshire (no partners, no contingency) leaves an unfunded gap
    assert totals[("half-delivery", "all", "unfunded_gap")] > 0
    # admissions-grow does not apply to Central Bedfordshire (no P4P): left out, and said
    grow = next(t for t in doc["totals"] if t["scenario"] == "admissions-grow" and t["figure"] == "shortfall")
    assert grow["boards_without"] == ["Central Bedfordshire"]
    cb = next(b for b in doc["boards"] if b["hwb"] == "Central Bedfordshire")
    assert any(s.startswith("admissions-grow:") for s in cb["scenarios_not_applicable"])


def test_invalid_plan_reported_by_name_rest_produced(sandbox, capsys):
    boards = two_boards(sandbox)
    (sandbox / "cb.toml").write_text((sandbox / "cb.toml").read_text("utf-8").replace('money_unit = "gbp_thousands"', 'money_unit = "pounds"')
                                     .replace('money_unit = "gbp"', 'money_unit = "pounds"'), "utf-8")
    path = region_file(sandbox, boards)
    assert run_cli("region", path) == 0
    out = capsys.readouterr().out
    assert "INCOMPLETE" in out and "Central Bedfordshire" in out and "money_unit" in out
    doc = json.loads((sandbox / "outputs" / "regions" / "region" / "summary.json").read_text("utf-8"))
    assert doc["status"] == "INCOMPLETE"
    assert [b["hwb"] for b in doc["incomplete_boards"]] == ["Central Bedfordshire"]
    assert "money_unit" in doc["incomplete_boards"][0]["errors"][0]
    # Luton is still there, in full
    totals = {(t["scenario"], t["year"], t["figure"]): t for t in doc["totals"]}
    assert totals[("", "2015/16", "agreed_pool")]["value_gbp"] == 15_136_000
    assert totals[("", "2015/16", "agreed_pool")]["boards_without"] == ["Central Bedfordshire"]
    # --strict refuses an incomplete region: exit 2, nothing new written
    assert run_cli("region", path, "--strict", "--out", sandbox / "strict") == 2
    assert not (sandbox / "strict").exists()


def test_region_with_no_readable_board_is_exit_2(sandbox, capsys):
    (sandbox / "broken.toml").write_text("money_unit = 'gbp'\n", "utf-8")
    path = region_file(sandbox, [{"la_code": "E06000032", "name": "Luton", "plan": "broken.toml"}])
    assert run_cli("region", path) == 2
    assert "no board could be read" in capsys.readouterr().err


def test_la_code_mismatch_is_an_error_for_that_board(sandbox, capsys):
    boards = two_boards(sandbox)
    boards[0]["la_code"] = "E06000099"
    doc = run_json(capsys, "region", region_file(sandbox, boards), "--json")
    luton = next(b for b in doc["boards"] if b["hwb"] == "Luton")
    assert not luton["ok"] and "hwb.ons_code" in luton["errors"][0] and "E06000099" in luton["errors"][0]


@pytest.mark.parametrize("body, field", [
    ('name = "R"\nsource = "s"\n', "boards"),
    ('name = "R"\nsource = "s"\n[[boards]]\nla_code = "E06000032"\nname = "Luton"\n', "boards[0]"),
    ('name = "R"\nsource = "s"\n[[boards]]\nla_code = "E0600003"\nname = "Luton"\nplan = "x.toml"\n', "boards[0].la_code"),
    ('name = "R"\nsource = "s"\n[[boards]]\nla_code = "E06000032"\nname = "Luton"\nplan = "x.toml"\n'
     '[[boards]]\nla_code = "E06000032"\nname = "luton"\nplan = "x.toml"\n', "boards[1].la_code"),
])
def test_bad_region_file_names_field(tmp_path, body, field):
    path = tmp_path / "r.toml"
    path.write_text(body, "utf-8")
    with pytest.raises(RegionError) as exc:
        load_region(path)
    assert str(exc.value).startswith(f"Invalid region file {path}: ") and field in str(exc.value)


def test_region_out_refuses_a_folder_finmodel_did_not_write(sandbox, capsys):
    path = region_file(sandbox, two_boards(sandbox)[:1], scenarios=["base"])
    mine = sandbox / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep", "utf-8")
    assert run_cli("region", path, "--out", mine) == 2
    assert (mine / "notes.txt").read_text("utf-8") == "keep"
    assert run_cli("region", path, "--out", sandbox / "ok") == 0
    assert run_cli("region", path, "--out", sandbox / "ok") == 0  # its own folder: replaced


def test_invalid_record_makes_the_board_incomplete_naming_the_field(sandbox, capsys):
    boards = two_boards(sandbox)[:1]
    (sandbox / "rec.toml").write_text('la_code = "E06000032"\nhwb = "Luton"\nsource = "t"\n[overall]\nhigh_risk = "N"\n'
                                      'recommend_sign_off = "Y"\n[overall_assessment.deliverable]\nrag = "B"\n', "utf-8")
    boards[0]["record"] = "rec.toml"
    doc = run_json(capsys, "region", region_file(sandbox, boards, scenarios=["base"]), "--json")
    assert doc["status"] == "INCOMPLETE"
    err = doc["incomplete_boards"][0]["errors"][0]
    assert "rec.toml" in err and "overall_assessment.deliverable.rag = 'B'" in err
    # the plan's finance is still there
    assert any(t["figure"] == "agreed_pool" for t in doc["totals"])


def test_unknown_scenario_is_the_region_files_error(sandbox, capsys):
    path = region_file(sandbox, two_boards(sandbox)[:1], scenarios=["base", "admissions-grwo"])
    assert run_cli("region", path) == 2
    err = capsys.readouterr().err
    assert "Invalid region file" in err and "admissions-grwo" in err


def test_hostile_text_stays_text_in_csv_and_workbook(sandbox):
    import csv as _csv

    import openpyxl

    (sandbox / "rec.toml").write_text('la_code = "E06000032"\nhwb = "Luton"\nsource = "t"\n[overall]\nhigh_risk = "Y"\n'
                                      'high_risk_reason = "=HYPERLINK(\\"http://x\\")"\nrecommend_sign_off = "N"\n', "utf-8")
    path = region_file(sandbox, [{"la_code": "E06000032", "name": "Luton", "record": "rec.toml"}], scenarios=["base"])
    assert run_cli("region", path, "--out", sandbox / "h") == 0
    with open(sandbox / "h" / "overall_risk.csv", newline="", encoding="utf-8") as fh:
        row = list(_csv.reader(fh))[1]
    assert row[3] == "'=HYPERLINK(\"http://x\")"
    ws = openpyxl.load_workbook(sandbox / "h" / "region.xlsx")["Overall risk"]
    assert ws["D4"].value == '=HYPERLINK("http://x")' and ws["D4"].data_type == "s"
