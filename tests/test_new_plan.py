"""`finmodel new`: a skeleton that is a valid plan and that `check` flags until filled in (issue 13, item 2)."""

from __future__ import annotations

import tomllib

from finmodel.checks import check_placeholders
from finmodel.plan import plan_from_dict
from tests.support.cli import run_cli


def test_new_plan_is_valid_and_red_until_filled_in(sandbox, tmp_path, capsys):
    out = tmp_path / "testshire.toml"
    assert run_cli("new", "Testshire", "--ons-code", "E06000999", "--out", out) == 0
    text = out.read_text("utf-8")
    for section in ("[hwb]", "[minimum_pool]", "[[contributions]]", "[social_care_protection]", "[care_act]", "[carers]"):
        assert section in text
    assert "additional_council" in text and "nhs_transfer_s256" in text  # the stream names are listed
    data = tomllib.loads(text)
    assert data["years"] == ["2014/15", "2015/16"]
    plan = plan_from_dict(data, out)
    red = check_placeholders(plan)
    assert red is not None and red.rag == "Red" and "contributions[0].source" in red.reason
    assert run_cli("check", out, "--strict") == 1
    # fill every placeholder in: the check is no longer asked
    filled = text.replace("FILL IN: the published figure, or 'assumption: why'", "assumption: test figure")
    filled = filled.replace("FILL IN: the local definition", "Keep eligibility: the local definition")
    out.write_text(filled, "utf-8")
    assert check_placeholders(plan_from_dict(tomllib.loads(filled), out)) is None


def test_new_never_replaces_a_file_and_checks_its_input(sandbox, tmp_path, capsys):
    out = tmp_path / "mine.toml"
    out.write_text("my plan")
    assert run_cli("new", "Testshire", "--ons-code", "E06000999", "--out", out) == 2
    assert out.read_text() == "my plan"
    assert run_cli("new", "Testshire", "--ons-code", "X1", "--out", tmp_path / "x.toml") == 2
    assert "ons_code" in capsys.readouterr().err and not (tmp_path / "x.toml").exists()
    assert run_cli("new", "Bad\tname", "--ons-code", "E06000999", "--out", tmp_path / "y.toml") == 2


def test_default_path_is_under_inputs(sandbox):
    assert run_cli("new", "Milton Keynes", "--ons-code", "E06000042") == 0
    assert (sandbox.parent / "inputs" / "milton_keynes.toml").is_file()  # the sandbox runs in tmp_path
