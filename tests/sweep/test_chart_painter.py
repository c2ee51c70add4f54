"""The chart painter process: the same PNG files as drawing in the sweep's process, whatever goes wrong.

``finmodel sweep`` starts a painter before it sweeps (matplotlib loads there meanwhile) and
sends it the charts at the end (finmodel.sweep.chart_painter).  A user must get the same
charts either way, and a painter that died, hung or could not start must cost nothing but
time: the charts are then drawn in the sweep's own process.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from finmodel import cli
from finmodel.sweep import chart_painter as cp
from finmodel.sweep.driver import run_sweep

PNGS = ("tornado.png", "shortfall_histogram.png")


@pytest.fixture(scope="module")
def result():
    return run_sweep(None, "luton-sensitivity", "lhs", 3000, 1)


@pytest.fixture(scope="module")
def drawn_here(result, tmp_path_factory):
    out = result.write(tmp_path_factory.mktemp("here") / "sw")
    return {name: (out / name).read_bytes() for name in PNGS}


def pngs(folder):
    return {name: (folder / name).read_bytes() for name in PNGS}


def test_the_painter_draws_the_same_files(result, drawn_here, tmp_path):
    painter = cp.ChartPainter.start()
    assert painter is not None
    try:
        out = result.write(tmp_path / "sw", painter=painter)
    finally:
        painter.close()
    assert painter._proc.returncode == 0  # it finished by itself: the charts were its work
    assert pngs(out) == drawn_here
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [".finmodel-output.json", "break_even.csv", "outputs.csv", "summary.json", "tornado.csv", *PNGS])


def test_the_tornado_sent_early_is_the_one_used(result, drawn_here, tmp_path):
    painter = cp.ChartPainter.start()
    try:
        painter.send([cp.tornado_job(result.tornado, result.scenario)])  # as run_sweep's on_tornado does
        jobs = cp.chart_jobs(result)
        assert [j[1] for j in jobs] == ["tornado.png", "shortfall_histogram.png"]
        out = result.write(tmp_path / "sw", painter=painter)
        assert all(painter.drawn(j) is not None for j in jobs)  # both drawn by the painter, the tornado once
        assert len(painter._sent) == 2
    finally:
        painter.close()
    assert pngs(out) == drawn_here
    assert not painter.folder.exists()  # its temporary folder is removed


def test_an_early_chart_that_no_longer_matches_is_drawn_again(result, drawn_here, tmp_path):
    painter = cp.ChartPainter.start()
    try:
        other = [dict(r, shortfall_at_high_gbp=r["shortfall_at_high_gbp"] * 2) for r in result.tornado]
        painter.send([cp.tornado_job(other, result.scenario)])
        out = result.write(tmp_path / "sw", painter=painter)
    finally:
        painter.close()
    assert pngs(out) == drawn_here


def test_a_painter_that_died_costs_nothing_but_time(result, drawn_here, tmp_path):
    painter = cp.ChartPainter.start()
    painter._proc.kill()
    painter._proc.wait()
    try:
        out = result.write(tmp_path / "sw", painter=painter)
    finally:
        painter.close()
    assert pngs(out) == drawn_here


def test_a_painter_that_hangs_is_killed_and_the_charts_drawn_here(result, drawn_here, tmp_path, monkeypatch):
    monkeypatch.setattr(cp, "PAINT_TIMEOUT_S", 0.5)
    # a "painter" that reads nothing and never answers
    hung = cp.ChartPainter(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE), tmp_path / "painter")
    t = time.perf_counter()
    out = result.write(tmp_path / "sw", painter=hung)
    assert time.perf_counter() - t < 60
    assert hung._proc.poll() is not None  # killed, not left running
    assert pngs(out) == drawn_here


def test_a_painter_that_answers_wrongly_is_not_trusted(result, drawn_here, tmp_path):
    # it says it drew the charts, but it is not a painter and drew nothing
    liar = cp.ChartPainter(subprocess.Popen([sys.executable, "-c", f"print('ready'); print('drawn {tmp_path}/p/tornado.png')"],
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE), tmp_path / "p")
    out = result.write(tmp_path / "sw", painter=liar)
    assert pngs(out) == drawn_here


def test_no_process_no_painter(monkeypatch):
    def refuse(*a, **k):
        raise OSError("no more processes")

    monkeypatch.setattr(cp.subprocess, "Popen", refuse)
    assert cp.ChartPainter.start() is None


_REAL_START = cp.ChartPainter.start


class _Recorder:
    """Stands in for ChartPainter.start and records what the CLI did with the painter."""

    def __init__(self):
        self.started, self.closed, self.painter = 0, 0, None

    def start(self):
        self.started += 1
        painter = _REAL_START()
        real_close = painter.close

        def close():
            self.closed += 1
            real_close()

        painter.close = close
        self.painter = painter
        return painter


def test_the_cli_closes_its_painter_when_the_sweep_fails(monkeypatch, tmp_path):
    rec = _Recorder()
    monkeypatch.setattr(cp.ChartPainter, "start", classmethod(lambda cls: rec.start()))
    plan = tmp_path / "bad.toml"
    plan.write_text("not = a plan\n")
    assert cli.main(["sweep", str(plan), "-n", "100", "--out", str(tmp_path / "o")]) == 2
    assert rec.started == 1 and rec.closed == 1 and rec.painter._proc.poll() is not None
    assert not (tmp_path / "o").exists()


def test_the_cli_sends_the_tornado_before_the_sweep(monkeypatch, tmp_path, drawn_here):
    rec = _Recorder()
    monkeypatch.setattr(cp.ChartPainter, "start", classmethod(lambda cls: rec.start()))
    sent = []
    real_send = cp.ChartPainter.send

    def send(self, jobs):
        sent.append([j[1] for j in jobs])
        real_send(self, jobs)

    monkeypatch.setattr(cp.ChartPainter, "send", send)
    out = tmp_path / "o"
    assert cli.main(["sweep", "--method", "lhs", "-n", "3000", "--seed", "1", "--out", str(out)]) == 0
    assert sent[0] == ["tornado.png"] and rec.closed == 1
    assert not rec.painter.folder.exists() and rec.painter._proc.returncode == 0
    assert pngs(out) == drawn_here


def test_no_charts_starts_no_painter(monkeypatch, tmp_path):
    rec = _Recorder()
    monkeypatch.setattr(cp.ChartPainter, "start", classmethod(lambda cls: rec.start()))
    assert cli.main(["sweep", "-n", "500", "--seed", "1", "--no-charts", "--out", str(tmp_path / "o")]) == 0
    assert rec.started == 0 and not list((tmp_path / "o").glob("*.png"))


@pytest.mark.parametrize("name", [r"odd $\frac$ name", "cost $5m", "a $$ b", "£ ^ _ {x} % \\ #"])
def test_any_scenario_name_draws_as_plain_text(result, tmp_path, name):
    # a "$" starts matplotlib's mathtext: before 0.5.0 a name like the first stopped the sweep with a traceback
    import dataclasses

    odd = dataclasses.replace(result, scenario=name)
    here = odd.write(tmp_path / "here")
    painter = cp.ChartPainter.start()
    try:
        there = odd.write(tmp_path / "painter", painter=painter)
        assert all(painter.drawn(j) is not None for j in cp.chart_jobs(odd))  # the painter managed too
    finally:
        painter.close()
    assert pngs(here) == pngs(there)
    assert cp.chart_jobs(odd)[0][3].startswith(name)  # the title keeps the name as written
