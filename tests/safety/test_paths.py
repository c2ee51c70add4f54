"""Output paths: no name in a file escapes the output root, and nothing finmodel did not
write is replaced (safety issue, part 1).  Each reproduction deleted or replaced files on
the code before this test file existed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from finmodel.atomic import MANIFEST, PARTIAL_MARKER, remove_stale_partials
from finmodel.output_paths import SLUG_MAX_CHARS, slug
from tests.support.cli import run_cli, tree
from tests.support.plans import CENTRAL_BEDS, LUTON


def _copy_inputs(repo: Path) -> None:
    shutil.copy(LUTON, repo / "inputs" / "luton.toml")
    shutil.copy(CENTRAL_BEDS, repo / "inputs" / "central_bedfordshire.toml")


def _scenario(path: Path, name: str) -> Path:
    path.write_text(f'name = {json.dumps(name)}\ndescription = "hostile"\n[set]\n'
                    '"outturn.nel_admissions_change_pct" = 4.9\n', "utf-8")
    return path


def _elsewhere_plan(sandbox: Path) -> Path:
    elsewhere = sandbox.parent / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    return Path(shutil.copy(LUTON, elsewhere / "luton.toml"))


# --- names become safe folder names -------------------------------------------------

@pytest.mark.parametrize("name", ["../../inputs", "/etc", "..", ".", "", "a/b", "a\\b", ".hidden", "x" * 500,
                                  "C:\\Windows", "~/.ssh", "name with spaces", "é/ü", "..\\..\\x"])
def test_slug_has_no_separator_no_dotdot_and_is_short(name):
    s = slug(name)
    assert s and "/" not in s and "\\" not in s and ".." not in s and not s.startswith(".")
    assert len(s) <= SLUG_MAX_CHARS + 9
    assert s not in (".", "..")


def test_slug_keeps_plain_names_and_separates_different_ones():
    assert slug("base") == "base" and slug("admissions-grow") == "admissions-grow"
    assert slug("a/b") != slug("a-b") != slug("a b")
    assert slug("x" * 500) != slug("x" * 499)


def test_scenario_name_with_dotdot_does_not_delete_inputs(sandbox):
    # The reproduction: name = "../../inputs" made outputs/luton/../../inputs = inputs/, which was replaced.
    _copy_inputs(sandbox)
    before = tree(sandbox / "inputs")
    evil = _scenario(sandbox.parent / "evil.toml", "../../inputs")
    assert run_cli("run", _elsewhere_plan(sandbox), "--scenario", evil, "--no-workbook") == 0
    assert tree(sandbox / "inputs") == before
    written = [p for p in (sandbox / "outputs" / "luton").iterdir()]
    assert len(written) == 1 and written[0].name.startswith("inputs-") and (written[0] / "summary.json").exists()


def test_absolute_scenario_name_stays_under_outputs(sandbox, tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "important.txt").write_text("keep me")
    evil = _scenario(tmp_path / "evil.toml", str(victim))
    assert run_cli("run", LUTON, "--scenario", evil, "--no-workbook") == 0
    assert (victim / "important.txt").read_text() == "keep me" and len(list(victim.iterdir())) == 1
    assert len(list((sandbox / "outputs" / "luton").iterdir())) == 1


def test_template2_with_hostile_name_writes_under_outputs(sandbox, tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    evil = _scenario(tmp_path / "evil.toml", str(victim))
    assert run_cli("template2", LUTON, "--scenario", evil) == 0
    assert list(victim.iterdir()) == []
    books = list((sandbox / "outputs").rglob("template2.xlsx"))
    assert len(books) == 1 and books[0].is_relative_to(sandbox / "outputs")


def test_symlink_in_outputs_is_not_written_through(sandbox, tmp_path):
    victim = tmp_path / "victim"
    (victim / "base").mkdir(parents=True)
    (victim / "base" / "mine.txt").write_text("keep me")
    (sandbox / "outputs").mkdir()
    (sandbox / "outputs" / "luton").symlink_to(victim)
    assert run_cli("run", LUTON, "--no-workbook") == 2
    assert tree(victim) == {"base/mine.txt": b"keep me"}


# --- --out: only folders finmodel wrote are replaced ----------------------------------

def test_out_at_a_users_folder_is_refused(sandbox, tmp_path, capsys):
    mine = tmp_path / "Documents"
    mine.mkdir()
    (mine / "budget.xlsx").write_bytes(b"the user's own work")
    assert run_cli("run", LUTON, "--no-workbook", "--out", mine) == 2
    assert tree(mine) == {"budget.xlsx": b"the user's own work"}
    err = capsys.readouterr().err
    assert "finmodel did not write" in err and "--force" in err and "Traceback" not in err


def test_out_at_a_users_folder_with_force_is_replaced(sandbox, tmp_path):
    mine = tmp_path / "old-results"
    mine.mkdir()
    (mine / "notes.txt").write_text("x")
    assert run_cli("run", LUTON, "--no-workbook", "--out", mine, "--force") == 0
    assert (mine / "summary.json").exists() and not (mine / "notes.txt").exists()


def test_out_at_a_file_is_refused_even_with_force(sandbox, tmp_path):
    f = tmp_path / "report.pdf"
    f.write_bytes(b"%PDF")
    for extra in ([], ["--force"]):
        assert run_cli("run", LUTON, "--no-workbook", "--out", f, *extra) == 2
        assert f.read_bytes() == b"%PDF"


@pytest.mark.parametrize("out", [".", "..", "/"])
def test_out_at_the_working_folder_or_above_is_refused(sandbox, tmp_path, out):
    (tmp_path / "keep.txt").write_text("x")
    before = tree(tmp_path)
    assert run_cli("run", LUTON, "--no-workbook", "--out", out, "--force") == 2
    assert tree(tmp_path) == before


def test_rerun_replaces_finmodels_own_folder(sandbox, tmp_path):
    out = tmp_path / "res"
    assert run_cli("run", LUTON, "--no-workbook", "--out", out) == 0
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["written_by"] == "finmodel" and "summary.json" in manifest["files"]
    assert set(manifest["files"]) == {p.name for p in out.iterdir()} - {MANIFEST}
    assert run_cli("run", CENTRAL_BEDS, "--no-workbook", "--out", out) == 0
    assert "Central Bedfordshire" in (out / "summary.json").read_text()


def test_finmodel_folder_with_a_users_file_added_is_refused(sandbox, tmp_path):
    out = tmp_path / "res"
    assert run_cli("run", LUTON, "--no-workbook", "--out", out) == 0
    (out / "my-notes.docx").write_bytes(b"notes")
    assert run_cli("run", LUTON, "--no-workbook", "--out", out) == 2
    assert (out / "my-notes.docx").read_bytes() == b"notes"


def test_folder_from_before_manifests_is_recognised(sandbox, tmp_path):
    out = tmp_path / "res"
    assert run_cli("run", LUTON, "--no-workbook", "--out", out) == 0
    (out / MANIFEST).unlink()  # as an earlier finmodel wrote it: summary.json provenance only
    assert run_cli("run", LUTON, "--no-workbook", "--out", out) == 0


def test_sweep_out_at_a_users_folder_is_refused(sandbox, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "a.txt").write_text("x")
    assert run_cli("sweep", LUTON, "-n", "200", "--out", mine) == 2
    assert tree(mine) == {"a.txt": b"x"}


# --- single files: template2 --out, import-template2 --out ----------------------------

@pytest.fixture(scope="module")
def luton_workbook(tmp_path_factory):
    from finmodel import cli
    from finmodel.report import output

    path = tmp_path_factory.mktemp("wb") / "luton.xlsx"
    assert cli.main(["template2", str(LUTON), "--out", str(path)]) == 0
    return path


def test_template2_does_not_replace_a_users_file(sandbox, tmp_path):
    f = tmp_path / "board.xlsx"
    f.write_bytes(b"not finmodel's")
    assert run_cli("template2", LUTON, "--out", f) == 2
    assert f.read_bytes() == b"not finmodel's"
    assert run_cli("template2", LUTON, "--out", f, "--force") == 0
    assert zipfile.is_zipfile(f)


def test_template2_replaces_its_own_unsaved_workbook_but_not_a_saved_one(sandbox, tmp_path):
    f = tmp_path / "t2.xlsx"
    assert run_cli("template2", LUTON, "--out", f) == 0
    assert run_cli("template2", LUTON, "--out", f) == 0  # its own, nobody saved it since
    # As an office suite saves it: it records itself as the last modifier.
    edited = tmp_path / "edited.xlsx"
    with zipfile.ZipFile(f) as src, zipfile.ZipFile(edited, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "docProps/core.xml":
                data = data.replace(b"</cp:coreProperties>",
                                    b"<cp:lastModifiedBy>A Finance Lead</cp:lastModifiedBy></cp:coreProperties>")
            dst.writestr(item, data)
    os.replace(edited, f)
    before = f.read_bytes()
    assert run_cli("template2", LUTON, "--out", f) == 2
    assert f.read_bytes() == before


def test_import_template2_does_not_follow_a_planted_symlink(sandbox, tmp_path, luton_workbook):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    out = tmp_path / "plan.toml"
    for planted in (f".{out.name}.tmp", f".{out.name}.tmp-0"):
        (tmp_path / planted).symlink_to(victim)
    assert run_cli("import-template2", luton_workbook, "--out", out) == 0
    assert victim.read_text() == "keep me"
    assert out.read_text().startswith("#") or "money_unit" in out.read_text()
    assert not out.is_symlink()


def test_import_template2_refuses_existing_plan_and_folder_and_link(sandbox, tmp_path, luton_workbook):
    plan = tmp_path / "mine.toml"
    plan.write_text("mine")
    assert run_cli("import-template2", luton_workbook, "--out", plan) == 2
    assert plan.read_text() == "mine"
    assert run_cli("import-template2", luton_workbook, "--out", tmp_path) == 2
    link = tmp_path / "link.toml"
    link.symlink_to(plan)
    assert run_cli("import-template2", luton_workbook, "--out", link, "--force") == 2
    assert plan.read_text() == "mine"
    assert run_cli("import-template2", luton_workbook, "--out", plan, "--force") == 0
    assert "money_unit" in plan.read_text()


# --- partial folders left by a kill are cleaned up ------------------------------------

def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_stale_partial_folders_are_removed_and_others_left(tmp_path):
    dead = tmp_path / ".base.tmp-abc123"
    dead.mkdir()
    (dead / "pool.csv").write_text("half")
    (dead / PARTIAL_MARKER).write_text(json.dumps({"pid": _dead_pid(), "host": os.uname().nodename, "started": time.time()}))
    alive = tmp_path / ".base.tmp-def456"
    alive.mkdir()
    (alive / PARTIAL_MARKER).write_text(json.dumps({"pid": os.getpid(), "host": os.uname().nodename, "started": time.time()}))
    not_ours = tmp_path / ".thing.tmp-xyz"
    not_ours.mkdir()
    removed = remove_stale_partials(tmp_path)
    assert removed == [dead] and alive.exists() and not_ours.exists()


def test_killed_runs_leave_no_partial_folder_after_the_next_run(tmp_path):
    """SIGKILL `finmodel run` at several moments; the next run leaves only the complete folder."""
    out = tmp_path / "res"
    cmd = [sys.executable, "-m", "finmodel", "run", str(LUTON), "--out", str(out)]
    for delay in (0.8, 1.1, 1.4, 1.7, 2.0, 2.3):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if out.exists():  # whatever is there is complete: every file the manifest lists
            listed = json.loads((out / MANIFEST).read_text())["files"]
            assert all((out / f).is_file() for f in listed)
    assert subprocess.run(cmd, capture_output=True).returncode == 0
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []
    listed = json.loads((out / MANIFEST).read_text())["files"]
    assert "template2.xlsx" in listed and all((out / f).is_file() for f in listed)


def test_sweep_folders_carry_n_and_seed_so_runs_do_not_replace_each_other(sandbox):
    assert run_cli("sweep", LUTON, "-n", "200", "--seed", "3") == 0
    assert run_cli("sweep", LUTON, "-n", "300", "--seed", "3") == 0
    names = sorted(p.name for p in (sandbox / "outputs" / "luton").iterdir())
    assert names == ["sweep-luton-sensitivity-lhs-n200-seed3", "sweep-luton-sensitivity-lhs-n300-seed3"]


def test_sweep_n_limit_through_the_cli(sandbox, capsys):
    # --max-n lowers (or raises) the limit; above it the sweep is refused before it runs.
    assert run_cli("sweep", LUTON, "-n", "300", "--max-n", "100") == 2
    err = capsys.readouterr().err
    assert "300" in err and "Traceback" not in err
    assert not (sandbox / "outputs").exists()


def test_workbook_temporary_file_never_follows_a_planted_link(tmp_path):
    """The workbook is built in memory and written through mkstemp: links planted at likely names are untouched."""
    from finmodel.report.xlsx_utils import atomic_write_workbook

    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    for name in (".book.xlsx.tmp", ".book.xlsx.tmp.xlsx", ".book.xlsx.tmp-00000000.xlsx"):
        (tmp_path / name).symlink_to(victim)
    atomic_write_workbook(tmp_path / "book.xlsx", lambda wb: wb.add_worksheet("S").write(0, 0, "x"))
    assert victim.read_text() == "keep me" and zipfile.is_zipfile(tmp_path / "book.xlsx")
