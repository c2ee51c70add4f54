"""A child process that draws a sweep's PNG charts, started before the sweep so matplotlib loads meanwhile.

Importing matplotlib and drawing the two charts cost about 0.8-1 s of a 10^6-scenario
``finmodel sweep`` on the 2-core test machine, all of it on one core after the scenarios
are done.  ``finmodel sweep`` therefore starts this painter first: while the sweep
process imports its own libraries and runs, the painter imports matplotlib (on the core
the sweep's start-up leaves idle) and waits for charts to draw.  The tornado chart is sent
as soon as the tornado is computed, before the scenarios are sampled; the histogram when the
summaries are complete, while the CSV files are written.

A chart is a job ``(function of finmodel.sweep.charts, file name, arguments, title)``,
called as ``function(*arguments, path, title)``: plain lists and arrays, pickled through
the painter's stdin (a length, then the pickle; one message per :meth:`ChartPainter.send`).
The painter draws into a temporary folder of its own; the sweep copies the finished files
into its output folder (:func:`paint`).  Whenever the painter cannot be used (it would not
start, it failed, it took longer than :data:`PAINT_TIMEOUT_S`, it did not confirm a chart),
the sweep kills it and draws those charts itself: the same function and the same figures
either way, so the same PNG files (tests/sweep/test_chart_painter.py).
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

#: Longest wait for the painter once every chart is sent [s]; then they are drawn in the sweep process.
PAINT_TIMEOUT_S = 120.0
_READY = b"ready\n"


def chart_jobs(result) -> list[tuple]:
    """The charts of a :class:`~finmodel.sweep.driver.SweepResult` (see the module docstring for a job)."""
    jobs = []
    if result.tornado:
        jobs.append(tornado_job(result.tornado, result.scenario))
    if result.summaries is not None and "shortfall_total_gbp" in result.summaries.names:
        from finmodel.sweep.charts import histogram_figures  # numpy only: matplotlib loads when drawing

        edges, shares, marks = histogram_figures(result.summaries["shortfall_total_gbp"])
        jobs.append(("draw_histogram", "shortfall_histogram.png", (edges, shares, marks),
                     f"{result.scenario}: total shortfall, {result.n:,} scenarios ({result.method})"))
    return jobs


def tornado_job(rows, scenario: str) -> tuple:
    """The tornado chart's job (known as soon as the tornado is, before the sweep's scenarios)."""
    return ("tornado_chart", "tornado.png", (list(rows),), f"{scenario}: swing of total shortfall")


def draw_here(jobs, folder: Path) -> None:
    """Draw the charts ``jobs`` into ``folder``, in this process."""
    from finmodel.sweep import charts

    for func, name, args, title in jobs:
        getattr(charts, func)(*args, Path(folder) / name, title)


def _same(a: tuple, b: tuple) -> bool:
    """Whether two jobs draw the same chart (arrays compared by value)."""
    return pickle.dumps(a, protocol=pickle.HIGHEST_PROTOCOL) == pickle.dumps(b, protocol=pickle.HIGHEST_PROTOCOL)


class ChartPainter:
    """The painter process: :meth:`start` it early, :meth:`send` charts, :func:`paint`; :meth:`close` it in any case."""

    def __init__(self, proc: subprocess.Popen, folder: Path):
        self._proc, self.folder = proc, Path(folder)
        self._sent: dict[str, tuple] = {}  # file name -> the job sent for it
        self._drawn: set[str] | None = None  # file names the painter confirmed, once it has ended

    @classmethod
    def start(cls) -> ChartPainter | None:
        """Start the painter (None if a process cannot be started here)."""
        import finmodel

        # the same finmodel as this process: its folder first unless already on the path (an installed package)
        root = str(Path(finmodel.__file__).resolve().parents[1])
        code = (f"import sys; r = {root!r}; sys.path[:0] = [] if r in sys.path else [r]; "
                "from finmodel.sweep.chart_painter import serve; serve()")
        try:
            folder = Path(tempfile.mkdtemp(prefix="finmodel-charts-"))
        except OSError:
            return None
        try:
            proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL)
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)
            return None
        return cls(proc, folder)

    def send(self, jobs) -> None:
        """Hand charts over; the painter draws them into :attr:`folder` as soon as it is ready."""
        jobs = [j for j in jobs if not (j[1] in self._sent and _same(self._sent[j[1]], j))]
        if not jobs or self._drawn is not None:
            return
        data = pickle.dumps([(f, str(self.folder / name), args, title) for f, name, args, title in jobs],
                            protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self._proc.stdin.write(len(data).to_bytes(8, "little") + data)
            self._proc.stdin.flush()
        except (OSError, ValueError):  # the painter has gone: nothing it confirms, so paint() draws here
            return
        self._sent.update((j[1], j) for j in jobs)

    def drawn(self, job) -> Path | None:
        """The painter's finished file for ``job`` (waiting for the painter to end), or None."""
        if self._drawn is None:
            self._drawn = set()
            try:
                out, _ = self._proc.communicate(timeout=PAINT_TIMEOUT_S)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                self.close()
                return None
            lines = out.split(b"\n")
            if self._proc.returncode == 0 and lines[:1] == [_READY.strip()]:
                self._drawn = {line.decode("utf-8", "replace")[len("drawn "):] for line in lines[1:]
                               if line.startswith(b"drawn ")}
        name = job[1]
        path = self.folder / name
        ok = str(path) in self._drawn and name in self._sent and _same(self._sent[name], job) and path.is_file()
        return path if ok else None

    def close(self) -> None:
        """End the painter if it is still running, and remove its folder."""
        proc = self._proc
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


def paint(jobs, folder: Path, painter: ChartPainter | None) -> None:
    """The charts ``jobs`` in ``folder``: the painter's files where it drew them, the rest drawn here."""
    if painter is not None:
        painter.send(jobs)  # any not sent yet
    here = []
    for job in jobs:
        done = painter.drawn(job) if painter is not None else None
        if done is None:
            here.append(job)
        else:
            shutil.copyfile(done, Path(folder) / job[1])
    draw_here(here, folder)


def serve() -> None:
    """The painter process's main: :func:`_serve`, then exit without interpreter teardown (about 0.25 s with
    matplotlib loaded, which the sweep would wait for)."""
    code = _serve()
    sys.stdout.flush()
    os._exit(code)


def _serve() -> int:
    """The painter's side: load matplotlib, say ready, then draw each message's charts until stdin closes."""
    from finmodel.sweep import charts

    charts.preload()
    out = sys.stdout.buffer
    out.write(_READY)
    out.flush()
    while len(size := sys.stdin.buffer.read(8)) == 8:
        data = sys.stdin.buffer.read(int.from_bytes(size, "little"))
        for func, path, args, title in pickle.loads(data):  # the sweep process's own pickle, on a pipe only it holds
            getattr(charts, func)(*args, path, title)
            out.write(b"drawn " + path.encode("utf-8") + b"\n")
            out.flush()
    return 0
