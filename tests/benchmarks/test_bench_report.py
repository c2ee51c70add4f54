"""Time of `finmodel report` end to end: the default plan, a 10^5-scenario sweep, the HTML and the PDF.

Run: ``.venv/bin/python -m pytest tests/benchmarks/test_bench_report.py --benchmark-only -s``
(skipped in a normal run by the project's ``--benchmark-skip``).  The target is under 10 s
on the default plan including the sweep; the figure is the wall time of a fresh process
(interpreter start, imports, model, sweep, sensitivity, charts, Chromium's print).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from finmodel.board_paper.pdf import find_chromium


@pytest.mark.skipif(find_chromium() is None, reason="Chromium not installed: apt-get install chromium")
def test_report_end_to_end_1e5(benchmark, figures, tmp_path):
    def once() -> float:
        out = tmp_path / f"report-{time.monotonic_ns()}"
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "finmodel", "report", "-n", "100000", "--out", str(out)],
                       check=True, cwd=tmp_path, capture_output=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        seconds = time.perf_counter() - t0
        assert (out / "board_paper.html").is_file() and (out / "board_paper.pdf").is_file()
        return seconds

    rounds: list[float] = []
    benchmark.pedantic(lambda: rounds.append(once()), rounds=3, iterations=1)
    figures("finmodel report, default plan, n = 10^5, HTML + PDF (wall, fresh process)",
            f"best {min(rounds):.1f} s, rounds " + ", ".join(f"{r:.1f}" for r in rounds))


def test_report_stages_1e5(benchmark, figures):
    """Where the time goes, in process: figures (plan, scenarios, sweep, sensitivity), then the page."""
    from finmodel.board_paper.html import render
    from finmodel.board_paper.paper import build

    def stages():
        t0 = time.perf_counter()
        paper = build(None, n=100_000, seed=0)
        t1 = time.perf_counter()
        render(paper)
        return paper, t1 - t0, time.perf_counter() - t1

    paper, t_build, t_render = benchmark.pedantic(stages, rounds=1, iterations=1)
    figures("report figures (plan, scenarios, sweep 10^5, Sobol, break-even)", f"{t_build:.2f} s "
            + ", ".join(f"{k} {v:.2f} s" for k, v in paper.timings_s.items()))
    figures("report page (8 SVG charts, tables)", f"{t_render:.2f} s")
