"""The regional stress test: shared driver + own variation, checked against the reference route,
reproducible, and the same numbers on Dask as in-process."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from finmodel.model import evaluate
from finmodel.region import stress
from finmodel.arrays import model_inputs
from finmodel.region.region_file import LoadedRegion, load_region
from finmodel.region.rollup import run_region
from finmodel.shipped import shipped_inputs_dir
from finmodel.sweep.inputs_map import apply_samples
from tests.support.cli import run_cli

SAMPLE = shipped_inputs_dir() / "regions" / "bedfordshire-luton.toml"


@pytest.fixture(scope="module")
def region():
    loaded = load_region(SAMPLE)
    # base only: the stress test needs each board's base run, not the named scenarios
    return run_region(LoadedRegion(loaded.region.model_copy(update={"scenarios": ["base"]}), loaded.path))


def test_board_change_is_regional_plus_own():
    # 1.5 % for the region + (-0.5) pp for the board = 1.0 %
    assert stress.board_change_pct(np.array([1.5]), np.array([-0.5]))[0] == 1.0


def test_shared_driver_and_own_streams_are_reproducible(region):
    boards = [stress.StressBoard("E1", "a", None, None, 2), stress.StressBoard("E2", "b", None, None, 2)]
    ctx = stress.StressContext(tuple(boards), 1000, 7, -4.2, -1.0, 4.9, 1.0, ((0, 1), (0, 1)), (0, 2))
    r1, m = stress.draws(ctx, 0)
    r2, _ = stress.draws(ctx, 0)
    assert m == 1000 and np.array_equal(r1, r2)
    assert r1.min() >= -4.2 and r1.max() <= 4.9
    a, b = stress.own_variation(ctx, 0, 0, m), stress.own_variation(ctx, 0, 1, m)
    assert not np.array_equal(a, b)  # each board its own variation ...
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.1  # ... independent of the other's
    assert np.abs(a).max() <= stress.CLIP_SD * 1.0


def test_stress_equals_the_reference_route_row_by_row(region):
    n, seed = 3000, 11
    doc, frame = stress.run_stress(region, n=n, seed=seed)
    ctx = stress.build_context([stress.StressBoard(b.la_code, b.name, b.base.plan, model_inputs(b.base.plan, b.base.pool),
                                                   len(b.base.plan.years)) for b in region.boards], n, seed)
    regional, m = stress.draws(ctx, 0)
    total = np.zeros(m)
    anyx = np.zeros(m, dtype=bool)
    for j, b in enumerate(ctx.boards):
        change = regional + stress.own_variation(ctx, 0, j, m)
        out = evaluate(apply_samples(b.base, b.plan, {stress.PATH: change}), b.n_years, route="general")
        shortfall = out.shortfall_gbp.sum(axis=1)
        contingency = out.contingency_gbp.sum(axis=1)
        over = shortfall > contingency + 0.005  # a penny: the kernel and the reference agree far below it
        anyx |= over
        total += shortfall
        row = frame[frame.la_code == b.la_code].iloc[0]
        assert row.prob_shortfall_exceeds_contingency == pytest.approx(over.mean(), abs=2 / n)
        assert row.shortfall_mean_gbp == pytest.approx(shortfall.mean(), abs=0.01)
        # the percentile is within the reported resolution of numpy's on the same rows
        assert abs(row.shortfall_p95_gbp - np.percentile(shortfall, 95)) <= row.quantile_resolution_gbp + 0.01
    reg = frame[frame.la_code == "REGION"].iloc[0]
    assert reg.shortfall_mean_gbp == pytest.approx(total.mean(), abs=0.01)
    assert doc["prob_any_board_exceeds_contingency"] == pytest.approx(anyx.mean(), abs=2 / n)
    # Luton's shortfall rises with admissions; Central Bedfordshire (no P4P) does not move
    assert frame[frame.hwb == "Central Bedfordshire"].iloc[0].shortfall_p95_gbp == 0


def test_same_seed_same_numbers_and_dask_equals_in_process(region):
    pytest.importorskip("distributed")
    n = stress.BLOCK_ROWS + 500  # two blocks, the second short
    local, _ = stress.run_stress(region, n=n, seed=3)
    again, _ = stress.run_stress(region, n=n, seed=3)
    assert local["rows"] == again["rows"]
    dask, _ = stress.run_stress(region, n=n, seed=3, backend="dask", dask_workers=2, dask_processes=False)
    assert dask["rows"] == local["rows"]  # ==, not approx: blocks merged in block order
    other, _ = stress.run_stress(region, n=n, seed=4)
    assert other["rows"] != local["rows"]


def test_cli_stress_writes_per_board_and_region_rows(sandbox):
    assert run_cli("region", SAMPLE, "--stress", "2000", "--seed", "1", "--out", sandbox / "st") == 0
    with open(sandbox / "st" / "stress.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["la_code"] for r in rows] == ["E06000032", "E06000056", "REGION"]
    assert 0 <= float(rows[-1]["prob_shortfall_exceeds_contingency"]) <= 1


def test_bad_stress_spec_is_exit_2(sandbox, capsys):
    path = sandbox / "r.toml"
    path.write_text(SAMPLE.read_text("utf-8").replace('plan = "../', f'plan = "{SAMPLE.parent.parent}/')
                    .replace('record = "bedfordshire-luton/', f'record = "{SAMPLE.parent}/bedfordshire-luton/')
                    + "\n[stress]\nregional_low_pct = 5.0\nregional_mode_pct = 1.0\nregional_high_pct = 4.9\n", "utf-8")
    assert run_cli("region", path, "--stress", "100", "--out", sandbox / "x") == 2
    assert "regional_low_pct <= regional_mode_pct" in capsys.readouterr().err
