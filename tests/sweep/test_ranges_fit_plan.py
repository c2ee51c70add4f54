"""A sweep whose ranges reach values the plan itself refuses is refused before it runs.

The batch writes samples straight into arrays; without this check a range of 0-60 beds not closed on a
plan that closes 20 would add a "beds not closed" shortfall the per-scenario reference refuses.
"""

import textwrap

import pytest

from finmodel.scenario import ScenarioNotApplicable
from finmodel.sweep.driver import run_sweep
from tests.support.cli import run_cli
from tests.support.plans import REPO

LUTON = REPO / "inputs" / "luton.toml"


def _scenario(tmp_path, beds_closing: int):
    path = tmp_path / "beds.toml"
    path.write_text(textwrap.dedent(f"""\
        name = "beds"
        description = "beds not closed, on a plan that closes {beds_closing}"
        source = "test"
        [set]
        "risk_share.beds_planned_to_close" = {beds_closing}
        [sweep.inputs]
        "outturn.beds_not_closed" = {{ dist = "discrete", values = [0, 30, 60], probs = [0.5, 0.3, 0.2] }}
        "outturn.savings_delivery_pct" = {{ dist = "uniform", low = 50, high = 100 }}
        """))
    return path


def test_a_range_beyond_what_the_plan_allows_is_refused(tmp_path):
    with pytest.raises(ScenarioNotApplicable) as exc:
        run_sweep(LUTON, str(_scenario(tmp_path, 20)), "lhs", 500, seed=1)
    msg = str(exc.value)
    assert "'outturn.beds_not_closed' reaches 60" in msg
    assert "more beds not closed than the plan closes" in msg and "= 20" in msg
    assert "\n" not in msg


def test_the_cli_says_so_in_one_line_and_exits_2(tmp_path, sandbox, capsys):
    assert run_cli("sweep", LUTON, "--scenario", _scenario(tmp_path, 20), "-n", "500") == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "reaches 60" in err


def test_a_range_the_plan_holds_runs(tmp_path):
    res = run_sweep(LUTON, str(_scenario(tmp_path, 60)), "lhs", 500, seed=1)
    assert res.n == 500
