"""`save_samples`: written whole or not at all, refusals before the sweep runs, no symlink followed."""

import csv
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

import pytest

from finmodel.errors import EnvironmentFailure, InputError, RefusedError
from finmodel.sweep import driver
from finmodel.sweep.driver import run_sweep
from tests.support.plans import REPO

SCEN = "luton-sensitivity"


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.reader(fh))


def _no_sweep(monkeypatch):
    """Make the sweep itself fail loudly, to show a refusal came before it."""
    def boom(*a, **k):
        raise AssertionError("the sweep ran before the samples file was checked")
    monkeypatch.setattr(driver, "run_local", boom)
    monkeypatch.setattr(driver, "_pilot_bounds", boom)


# ------------------------------------------------------------------ refusals before the sweep


def test_existing_folder_is_refused_before_the_sweep(tmp_path, monkeypatch):
    _no_sweep(monkeypatch)
    with pytest.raises(InputError, match="is a folder"):
        run_sweep(None, SCEN, "mc", 100, save_samples=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_missing_folder_is_refused_and_not_created(tmp_path, monkeypatch):
    _no_sweep(monkeypatch)
    target = tmp_path / "no" / "such" / "s.csv"
    with pytest.raises(InputError, match="does not exist") as exc:
        run_sweep(None, SCEN, "mc", 100, save_samples=target)
    assert "\n" not in str(exc.value)
    assert not (tmp_path / "no").exists()


def test_unwritable_folder_is_an_environment_failure(tmp_path, monkeypatch):
    _no_sweep(monkeypatch)
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() == 0:  # root writes through a 0500 folder; make the folder refuse instead
        def refuse(*a, **k):
            raise PermissionError(13, "Permission denied")
        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    else:
        folder.chmod(0o500)
    try:
        with pytest.raises(EnvironmentFailure, match="cannot write in") as exc:
            run_sweep(None, SCEN, "mc", 100, save_samples=folder / "s.csv")
    finally:
        folder.chmod(0o700)
    assert "Permission denied" in str(exc.value) and "\n" not in str(exc.value)
    assert list(folder.iterdir()) == []


def test_existing_file_is_kept_unless_overwrite(tmp_path, monkeypatch):
    target = tmp_path / "s.csv"
    target.write_text("someone else's file\n")
    with monkeypatch.context() as m:
        _no_sweep(m)
        with pytest.raises(RefusedError, match="already exists"):
            run_sweep(None, SCEN, "mc", 100, save_samples=target)
    assert target.read_text() == "someone else's file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["s.csv"]  # no temporary left behind
    res = run_sweep(None, SCEN, "mc", 100, save_samples=target, overwrite=True)
    assert res.samples_path == str(target) and len(_rows(target)) == 101


def test_failed_sweep_leaves_no_file(tmp_path, monkeypatch):
    def fail(*a, **k):
        raise KeyboardInterrupt  # the user's Ctrl-C half way through
    real = driver.run_local

    def half(ctx, chunk_size, on_chunk=None, progress=None):
        def chunk_then_fail(start, values, outputs):
            on_chunk(start, values, outputs)
            if start >= 500:
                fail()
        return real(ctx, chunk_size, on_chunk=chunk_then_fail, progress=progress)

    monkeypatch.setattr(driver, "run_local", half)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(None, SCEN, "mc", 2000, chunk_size=250, save_samples=tmp_path / "s.csv")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ symlinks


def test_symlink_at_the_target_is_replaced_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    link = tmp_path / "s.csv"
    link.symlink_to(victim)
    with pytest.raises(RefusedError):
        run_sweep(None, SCEN, "mc", 50, save_samples=link)
    assert victim.read_text() == "precious\n" and link.is_symlink()
    run_sweep(None, SCEN, "mc", 50, save_samples=link, overwrite=True)
    assert victim.read_text() == "precious\n"
    assert not link.is_symlink() and len(_rows(link)) == 51


def test_symlinks_planted_at_temporary_names_are_not_followed(tmp_path, monkeypatch):
    # tempfile draws random names; here the first two it would try are taken by planted
    # symlinks (one to a file, one dangling: opening it for writing would create the file)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    dangling = tmp_path / "created-by-attack.txt"
    planted = [tmp_path / ".s.csv.planted1.tmp", tmp_path / ".s.csv.planted2.tmp"]
    planted[0].symlink_to(victim)
    planted[1].symlink_to(dangling)
    drawn = []

    def names():
        for name in ("planted1", "planted2", "fresh1", "fresh2", "fresh3"):
            drawn.append(name)
            yield name

    monkeypatch.setattr(tempfile, "_get_candidate_names", names)
    target = tmp_path / "s.csv"
    run_sweep(None, SCEN, "mc", 300, chunk_size=100, save_samples=target)
    assert "fresh1" in drawn  # the samples went through a fresh temporary file in the folder
    assert victim.read_text() == "precious\n" and not dangling.exists()
    assert all(p.is_symlink() for p in planted)
    assert len(_rows(target)) == 301
    assert {p.name for p in tmp_path.iterdir()} == {"victim.txt", "s.csv", ".s.csv.planted1.tmp", ".s.csv.planted2.tmp"}


# ------------------------------------------------------------------ a killed sweep

_CHILD = textwrap.dedent("""
    import sys
    from finmodel.sweep.driver import run_sweep
    kw = {"overwrite": True} if sys.argv[2] == "1" else {}
    run_sweep(None, "luton-sensitivity", "mc", 20_000_000, seed=1, chunk_size=2048, save_samples=sys.argv[1], **kw)
""")


def _kill_mid_run(tmp_path, target, overwrite: bool):
    """Start a long sweep writing ``target``; SIGKILL it once the samples have started to flow."""
    before = {p.name: p.stat().st_size for p in tmp_path.iterdir()}
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(target), "1" if overwrite else "0"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the sweep ended before it could be killed: {proc.stderr.read().decode()[-2000:]}")
            grown = {p.name: p.stat().st_size for p in tmp_path.iterdir() if p.is_file()}
            if any(size > 200_000 and before.get(name) != size for name, size in grown.items()):
                break  # some file in the folder (the target, or a temporary) holds samples
            if time.monotonic() > deadline:
                pytest.fail("no samples were written within 120 s")
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def test_killed_sweep_leaves_no_samples_file(tmp_path):
    target = tmp_path / "samples.csv"
    _kill_mid_run(tmp_path, target, overwrite=False)
    assert not target.exists()
    # what is left is a hidden temporary, never a file at the name the user asked for
    assert all(p.name.startswith(".samples.csv.") and p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_killed_sweep_keeps_the_previous_complete_file(tmp_path):
    target = tmp_path / "samples.csv"
    run_sweep(None, SCEN, "mc", 1000, seed=2, save_samples=target)
    previous = target.read_bytes()
    _kill_mid_run(tmp_path, target, overwrite=True)
    assert target.read_bytes() == previous
    assert len(_rows(target)) == 1001


# ------------------------------------------------------------------ Parquet, read back


def test_parquet_samples_hold_the_same_rows_as_csv(tmp_path):
    """`--save-samples x.parquet` (pyarrow installed): the same columns and values as the CSV of the
    same sweep, row for row (CSV money is rounded to the penny, so compare within half a penny)."""
    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow is not installed (pip install 'finmodel[parquet]')")
    run_sweep(None, SCEN, "lhs", 1_500, seed=3, save_samples=tmp_path / "s.parquet")
    run_sweep(None, SCEN, "lhs", 1_500, seed=3, save_samples=tmp_path / "s.csv")
    table = pq.read_table(tmp_path / "s.parquet")
    rows = _rows(tmp_path / "s.csv")
    header, body = rows[0], rows[1:]
    assert table.column_names == header
    assert table.num_rows == len(body) == 1_500
    for j, name in enumerate(header):
        col = table.column(name).to_pylist()
        for i in (0, 1, 749, 1_499):
            a, b = col[i], body[i][j]
            try:
                assert abs(float(a) - float(b)) <= 0.005, (name, i, a, b)
            except ValueError:  # a text column (none today, but a label would be)
                assert str(a) == b, (name, i, a, b)
