"""How the ``finmodel`` command ends: its exit code, its files whole, no work lost.

The command skips Python's slow interpreter teardown (``cli.entry`` -> ``cli._leave``): it
flushes its streams, runs the ``atexit`` handlers and ends the process, unless another
non-daemon thread is still running.  These tests hold it to what a user sees: the same
exit codes, complete outputs, output piped into ``head`` without a traceback, and
library clean-ups still run.
"""

from __future__ import annotations

import atexit
import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from finmodel import cli
from finmodel.errors import EXIT_BAD_INPUT
from finmodel.sweep.limits import COMPILE_MESSAGE

#: What a sweep may say on stderr: nothing, or (the first sweep after an install) that numba is compiling.
QUIET = ("", f"finmodel: {COMPILE_MESSAGE}\n")

REPO = Path(__file__).resolve().parents[1]


def finmodel(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "finmodel", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def test_a_sweep_ends_with_its_files_whole_and_exit_0(tmp_path):
    out = tmp_path / "sweep"
    r = finmodel("sweep", "--method", "lhs", "-n", 2000, "--seed", 1, "--out", out)
    assert r.returncode == 0, r.stderr
    assert r.stderr in QUIET and "P(shortfall > contingency)" in r.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n"] == 2000
    for name in ("outputs.csv", "tornado.csv", "break_even.csv"):
        assert (out / name).read_text().endswith("\n")
    for name in ("shortfall_histogram.png", "tornado.png"):
        assert (out / name).read_bytes()[-12:] == b"\x00\x00\x00\x00IEND\xaeB`\x82"  # a PNG's closing chunk


def test_bad_input_still_exits_2_with_the_message(tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text("this is = not a plan\n")
    r = finmodel("sweep", plan, "-n", 100, "--out", tmp_path / "o")
    assert r.returncode == EXIT_BAD_INPUT
    assert r.stderr.startswith("finmodel: ") and "plan.toml" in r.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("cmd", [["run", "--no-workbook"], ["sweep", "-n", "1000", "--seed", "1"]])
def test_piped_into_head_ends_quietly(cmd, tmp_path):
    line = " ".join([sys.executable, "-m", "finmodel", *cmd, "--out", str(tmp_path / "o"), "| head -1"])
    r = subprocess.run(["bash", "-o", "pipefail", "-c", line], capture_output=True, text=True, cwd=REPO, timeout=600)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == 1 and r.stderr in QUIET


def test_atexit_handlers_run_and_the_code_is_kept(tmp_path):
    mark = tmp_path / "ran.txt"
    code = textwrap.dedent(f"""
        import atexit, sys
        atexit.register(lambda: open({str(mark)!r}, "w").write("clean-up ran"))
        print("before", flush=False)  # left in the buffer: _leave must flush it
        from finmodel.cli import _leave
        _leave(3)
        print("never reached")
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 3 and r.stdout == "before\n"
    assert mark.read_text() == "clean-up ran"


def test_a_running_thread_gets_the_normal_shutdown(monkeypatch):
    ended = []
    monkeypatch.setattr(cli.os, "_exit", ended.append)
    gate = threading.Event()
    worker = threading.Thread(target=gate.wait, daemon=False)
    worker.start()
    try:
        with pytest.raises(SystemExit) as exc:
            cli._leave(1)
        assert exc.value.code == 1 and ended == []  # Python's shutdown, which waits for the thread
    finally:
        gate.set()
        worker.join()
    # with the thread gone: straight out, with the code (the atexit handlers are tested above)
    monkeypatch.setattr(atexit, "_run_exitfuncs", lambda: None)
    cli._leave(0)
    assert ended == [0]


def test_stderr_piped_into_a_closed_reader_ends_quietly(tmp_path):
    # both streams into `head -c 1`: the reader goes away while finmodel is still talking to it
    line = (f"{sys.executable} -m finmodel sweep -n 500 --seed 1 --out {tmp_path / 'o'} --json 2>&1 | head -c 1")
    r = subprocess.run(["bash", "-o", "pipefail", "-c", line], capture_output=True, text=True, cwd=REPO, timeout=600)
    assert r.returncode == 0 and r.stdout == "{", (r.returncode, r.stdout[:200], r.stderr[-500:])
    assert (tmp_path / "o" / "summary.json").is_file()
