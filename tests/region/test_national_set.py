"""The synthetic national set: reproducible from its seed, pools summing to the national totals exactly,
and runnable end to end through the CLI (a small set here; the full 151 in the benchmark)."""

from __future__ import annotations

import importlib.util
import json
import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

from finmodel.shipped import shipped_inputs_dir
from tests.support.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "make_national_set.py"
TOTALS = tomllib.loads((ROOT / "finmodel" / "data" / "national_totals.toml").read_text("utf-8"))["years"]


@pytest.fixture(scope="module")
def maker():
    spec = importlib.util.spec_from_file_location("make_national_set", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_largest_remainder_parts_sum_to_the_whole(maker):
    # £10 in thirds: 3.33.. each; the floors give 9, the one pound left goes to the first largest remainder
    assert maker.allocate(10, [1, 1, 1]) == [4, 3, 3]
    # £100 in 1:2:2 -> 20, 40, 40 exactly
    assert maker.allocate(100, [1, 2, 2]) == [20, 40, 40]
    assert sum(maker.allocate(1_900_000_000, [0.3, 1.7, 2.9, 0.1])) == 1_900_000_000


@pytest.fixture(scope="module")
def national(maker):
    return maker.build(2014, 151)


def test_pools_sum_to_the_national_totals_to_the_pound(national):
    plans = {k: tomllib.loads(v) for k, v in national.items() if k.startswith("england-synthetic/")}
    assert len(plans) == 151
    by = defaultdict(int)
    care_act = 0
    minimum = defaultdict(int)
    for p in plans.values():
        for c in p["contributions"]:
            by[(c["year"], c["stream"])] += c["amount"]
        care_act += p["care_act"]["amount"]["2015/16"]
        for y, a in p["minimum_pool"]["stated"].items():
            minimum[y] += a
    for year, streams in TOTALS.items():
        for stream, spec in streams.items():
            if "within" not in spec:
                assert by[(year, stream)] == spec["amount_gbp"], (year, stream)
    assert care_act == TOTALS["2015/16"]["care_act_revenue"]["amount_gbp"]  # £135m
    # 2015/16: £1.9bn + £1.1bn + £130m + £300m + £220m + £134m = £3,784m
    assert minimum["2015/16"] == 3_784_000_000
    assert minimum["2014/15"] == 1_100_000_000


def test_same_seed_same_files_and_labelled_synthetic(maker, national):
    assert maker.build(2014, 151) == national
    assert maker.build(2015, 151) != national
    region = tomllib.loads(national["england-synthetic.toml"])
    assert region["synthetic"] is True and all(b["synthetic"] for b in region["boards"])
    assert all(v.startswith("# SYNTHETIC") for v in national.values())


def test_shipped_set_is_the_script_output(national):
    # the shipped files are the script's, not hand-edited
    root = shipped_inputs_dir() / "regions"
    for rel, text in national.items():
        assert (root / rel).read_text("utf-8") == text, rel


def test_small_synthetic_region_end_to_end(maker, sandbox, capsys):
    for rel, text in maker.build(7, 5).items():
        (sandbox / rel).parent.mkdir(parents=True, exist_ok=True)
        (sandbox / rel).write_text(text, "utf-8")
    capsys.readouterr()
    assert run_cli("region", sandbox / "england-synthetic.toml", "--stress", "1000", "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["synthetic"] is True and doc["status"] == "COMPLETE"
    pool = next(t for t in doc["totals"] if t["figure"] == "agreed_pool" and t["year"] == "2015/16")
    # a five-board set shares the whole national 2015/16 total between them, to the pound
    assert pool["boards_with"] == 5 and pool["value_gbp"] == 3_784_000_000
    assert doc["stress"]["boards_in_test"] == 5


def test_twenty_boards_in_two_groups_same_numbers_on_dask(maker, tmp_path):
    pytest.importorskip("distributed")
    from finmodel.region import stress
    from finmodel.region.region_file import LoadedRegion, load_region
    from finmodel.region.rollup import run_region

    for rel, text in maker.build(3, 20).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, "utf-8")
    loaded = load_region(tmp_path / "england-synthetic.toml")
    result = run_region(LoadedRegion(loaded.region.model_copy(update={"scenarios": ["base"]}), loaded.path))
    local, _ = stress.run_stress(result, n=1500, seed=9)
    dask, _ = stress.run_stress(result, n=1500, seed=9, backend="dask", dask_workers=2, dask_processes=False)
    assert 20 > stress.GROUP_BOARDS  # two groups of boards per block
    assert len(local["rows"]) == 21 and dask["rows"] == local["rows"]
