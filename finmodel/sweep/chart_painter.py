"""A child process that draws a sweep's PNG charts, started before the sweep so matplotlib loads meanwhile.

Importing matplotlib and drawing the two charts cost about 0.8-1 s of a 10^6-scenario
``finmodel sweep`` on the 2-core test machine, all of it on one core after the scenarios
are done.  ``finmodel sweep`` therefore starts this painter first: while the sweep
process imports its own libraries and runs, the painter imports matplotlib (on the core
the sweep's start-up leaves idle) and waits.  When the results are ready the sweep sends
it the figures to draw (plain lists and arrays, pickled through its stdin) and writes its
CSV files while the charts are drawn.

The painter writes only the PNG paths it is given, which are inside the sweep's
temporary output folder (:func:`finmodel.atomic.write_dir_atomically`).  Whenever it
cannot be used (it would not start, it failed, it took longer than
:data:`PAINT_TIMEOUT_S`), the sweep kills it and draws the charts itself: the same
function and the same figures either way, so the same PNG files
(tests/sweep/test_chart_painter.py).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

#: Longest wait for the painter once the charts are sent [s]; then they are drawn in the sweep process.
PAINT_TIMEOUT_S = 120.0
_READY = b"ready\n"
_DONE = b"done\n"


def chart_jobs(result, folder: Path) -> list[tuple[str, tuple]]:
    """The charts of a :class:`~finmodel.sweep.driver.SweepResult`, as (function in :mod:`charts`, arguments)."""
    jobs: list[tuple[str, tuple]] = []
    if result.tornado:
        jobs.append(("tornado_chart", (list(result.tornado), folder / "tornado.png",
                                       f"{result.scenario}: swing of total shortfall")))
    if result.summaries is not None and "shortfall_total_gbp" in result.summaries.names:
        from finmodel.sweep.charts import histogram_figures  # numpy only: matplotlib loads when drawing

        edges, shares, marks = histogram_figures(result.summaries["shortfall_total_gbp"])
        jobs.append(("draw_histogram", (edges, shares, marks, folder / "shortfall_histogram.png",
                                        f"{result.scenario}: total shortfall, {result.n:,} scenarios ({result.method})")))
    return jobs


def draw_here(jobs) -> None:
    """Draw the charts in this process."""
    from finmodel.sweep import charts

    for name, args in jobs:
        getattr(charts, name)(*args)


class ChartPainter:
    """The painter process: :meth:`start` it early, :meth:`send` the charts, :meth:`finish`; :meth:`close` it in any case."""

    def __init__(self, proc: subprocess.Popen):
        self._proc = proc

    @classmethod
    def start(cls) -> ChartPainter | None:
        """Start the painter (None if a process cannot be started here)."""
        import finmodel

        # the same finmodel as this process: its folder first unless already on the path (an installed package)
        root = str(Path(finmodel.__file__).resolve().parents[1])
        code = (f"import sys; r = {root!r}; sys.path[:0] = [] if r in sys.path else [r]; "
                "from finmodel.sweep.chart_painter import serve; serve()")
        try:
            proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL)
        except OSError:
            return None
        return cls(proc)

    def send(self, jobs) -> None:
        """Hand the charts over (a length, then the pickle); the painter starts drawing at once."""
        data = pickle.dumps(jobs, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self._proc.stdin.write(len(data).to_bytes(8, "little") + data)
            self._proc.stdin.flush()
        except (OSError, ValueError):  # the painter has gone: finish() reports it
            pass

    def finish(self) -> bool:
        """Wait until the charts sent are drawn; False (draw them here) if the painter failed or hung."""
        try:
            out, _ = self._proc.communicate(timeout=PAINT_TIMEOUT_S)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            self.close()
            return False
        return self._proc.returncode == 0 and out == _READY + _DONE

    def close(self) -> None:
        """End the painter if it is still running (a sweep that failed, or a painter that hung)."""
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


def paint(jobs, painter: ChartPainter | None) -> None:
    """The charts ``jobs`` drawn: by the painter they were sent to (:meth:`ChartPainter.send`) if it worked, else here."""
    if not jobs:
        return
    if painter is None or not painter.finish():
        draw_here(jobs)


def serve() -> None:
    """The painter process's main: :func:`_serve`, then exit without interpreter teardown (about 0.25 s with
    matplotlib loaded, which the sweep would wait for)."""
    code = _serve()
    sys.stdout.flush()
    os._exit(code)


def _serve() -> int:
    """The painter's side: load matplotlib, say ready, read the jobs from stdin, draw them, say done."""
    from finmodel.sweep import charts

    charts.preload()
    out = sys.stdout.buffer
    out.write(_READY)
    out.flush()
    size = sys.stdin.buffer.read(8)
    if len(size) < 8:  # the sweep failed, had no charts, or drew them itself
        return 0
    data = sys.stdin.buffer.read(int.from_bytes(size, "little"))
    draw_here(pickle.loads(data))  # the sweep process's own pickle, through a pipe only it holds
    out.write(_DONE)
    out.flush()
    return 0
