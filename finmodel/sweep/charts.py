"""PNG charts of a sweep (matplotlib, Agg backend: no display needed).

* :func:`tornado_chart`: one horizontal bar per input, from the total shortfall
  with the input at its low value to that at its high value, largest swing on top.
* :func:`histogram_figures` then :func:`draw_histogram`: the distribution of the total
  shortfall, drawn from the streaming summary's fine histogram (regrouped into about 60
  bars); the values themselves are never kept.
* :func:`plain`: any text a user typed, as matplotlib must be given it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # the painter process draws without loading the summaries' compiled code
    from finmodel.sweep.summaries import StreamingSummary

__all__ = ["tornado_chart", "histogram_figures", "draw_histogram", "coarse_histogram", "plain", "preload"]


def _figure(width_in: float, height_in: float, left_in: float, bottom_in: float = 0.55, top_in: float = 0.4):
    """A matplotlib Figure on the Agg canvas with one axes placed by fixed margins [inches].

    No pyplot (its import and global figure manager cost about 0.1 s and nothing here needs
    them) and no ``tight_layout`` (it draws the figure once more to measure it, about 0.1 s a
    chart); the margins are set from what the chart holds instead.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((left_in / width_in, bottom_in / height_in,
                       1.0 - (left_in + 0.25) / width_in, 1.0 - (bottom_in + top_in) / height_in))
    return fig, ax


def plain(text: str) -> str:
    """``text`` as matplotlib draws it literally: a ``$`` would start mathtext (a scenario named
    ``a $\\frac$ b`` stopped the chart with a parse error), so each is escaped.  The board
    paper's charts use it too."""
    return str(text).replace("$", r"\$")


def coarse_histogram(summary: StreamingSummary, bars: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """(edges (k+1,), counts (k,)) regrouped from the summary's bins; overflow cells go to the end bars.

    The counts sum to ``summary.count``.  A summary that saw only one distinct
    value gives one bar of width 1 around it.
    """
    if summary.bounds is None:
        v = summary.result((50,))["min"] if summary.count else 0.0
        return np.array([v - 0.5, v + 0.5]), np.array([summary.count])
    lo, hi = summary.bounds
    cnt = summary._cnt  # cells: [below lo, n_bins bins, above hi]
    inner = cnt[1:-1]
    group = max(1, int(np.ceil(inner.size / bars)))
    pad = (-inner.size) % group
    counts = np.concatenate([inner, np.zeros(pad, dtype=inner.dtype)]).reshape(-1, group).sum(axis=1)
    width = (hi - lo) / inner.size * group
    edges = lo + width * np.arange(counts.size + 1)
    counts[0] += cnt[0]
    counts[-1] += cnt[-1]
    return edges, counts


def tornado_chart(rows: list[dict], path: str | Path, title: str = "Tornado: total shortfall") -> Path:
    rows = list(rows)[::-1]  # largest swing at the top
    # the input names sit left of the bars: about 0.075 in per character at 8 pt
    left = 0.3 + 0.075 * max((len(r["input"]) for r in rows), default=0)
    fig, ax = _figure(max(9.0, left + 5.0), 1.0 + 0.45 * max(len(rows), 1), left)
    base = rows[0]["shortfall_at_base_gbp"] / 1e6 if rows else 0.0
    for i, r in enumerate(rows):
        lo, hi = r["shortfall_at_low_gbp"] / 1e6, r["shortfall_at_high_gbp"] / 1e6
        ax.barh(i, lo - base, left=base, color="#4c72b0", label="input low" if i == 0 else None)
        ax.barh(i, hi - base, left=base, color="#dd8452", label="input high" if i == 0 else None)
    ax.axvline(base, color="black", lw=0.8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([plain(r["input"]) for r in rows], fontsize=8)
    ax.set_xlabel("total shortfall over all years [£m]")
    ax.set_title(plain(title), fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    fig.savefig(path, dpi=110)
    return Path(path)


def histogram_figures(summary: StreamingSummary) -> tuple[np.ndarray, np.ndarray, list[tuple[int, float]]]:
    """What the histogram chart draws: bar edges [£], each bar's share of the scenarios, and (q, P_q [£]) marks."""
    edges, counts = coarse_histogram(summary)
    marks = list(zip((5, 50, 95), map(float, summary.percentiles((5, 50, 95))))) if summary.count else []
    return edges, counts / max(summary.count, 1), marks


def draw_histogram(edges: np.ndarray, shares: np.ndarray, marks, path: str | Path, title: str) -> Path:
    """Draw bars from ``edges`` [£] of heights ``shares``, with a dashed line at each percentile mark."""
    fig, ax = _figure(8.0, 4.0, 0.8)
    ax.bar(edges[:-1] / 1e6, shares, width=np.diff(edges) / 1e6, align="edge", color="#4c72b0")
    for q, v in marks:
        ax.axvline(v / 1e6, color="black", ls="--", lw=0.8)
        ax.text(v / 1e6, ax.get_ylim()[1] * 0.95, f"P{q}", fontsize=8, ha="center")
    ax.set_xlabel("total shortfall over all years [£m]")
    ax.set_ylabel("share of scenarios")
    ax.set_title(plain(title), fontsize=10)
    fig.savefig(path, dpi=110)
    return Path(path)


def preload() -> None:
    """Import matplotlib's figure and Agg canvas and draw one small chart to memory (fonts, text layout).

    Run by the chart painter (:mod:`finmodel.sweep.chart_painter`) while a sweep is still
    computing, so the charts themselves are then only drawing.
    """
    import io

    fig, ax = _figure(2.0, 1.0, 0.5)
    ax.bar([0.0], [1.0])
    ax.set_title("x", fontsize=10)
    ax.set_yticks([0.5], ["y"], fontsize=8)
    fig.savefig(io.BytesIO(), dpi=20)
