"""The board paper's charts: matplotlib drawn to inline SVG (no JavaScript, nothing fetched).

Each function returns the ``<svg>`` element as text, ready to sit in the HTML.  The
SVG keeps its text as text (``svg.fonttype = "none"``), so labels stay sharp in the
PDF and the browser draws them in the page's font; sizes are in points and the
figure is drawn at the width it is shown (about 17 cm), so a 9 pt label prints at
9 pt.  Every axis says its unit (£m or £000); labels are plain words.
"""

from __future__ import annotations

import io
import re

import numpy as np

from finmodel.board_paper.labels import input_label

#: Width of a full-width chart [inches]: the A4 text width with 15 mm margins is 7.1 in.
WIDTH_IN = 6.8
#: Width of each of two charts side by side [inches].
HALF_WIDTH_IN = 3.4
#: Smallest text in a chart [pt]; the paper promises nothing below 9 pt.
MIN_FONT_PT = 9.0
BLUE, ORANGE, GREY, RED, GREEN = "#1f5fa0", "#d9822b", "#7f7f7f", "#b22222", "#2e7d32"
PALETTE = ["#1f5fa0", "#d9822b", "#2e7d32", "#8e44ad", "#b22222", "#17a2b8", "#7f7f7f", "#c9a227", "#5d4037"]


class _Figures:
    """``subplots`` without pyplot: a bare :class:`matplotlib.figure.Figure` (no GUI backend, no global state)."""

    @staticmethod
    def subplots(nrows: int = 1, ncols: int = 1, figsize=None, **kw):
        from matplotlib.figure import Figure

        fig = Figure(figsize=figsize)
        return fig, fig.subplots(nrows, ncols, **kw)


#: The paper's chart style, applied only while a chart is drawn (other charts in the process keep theirs).
STYLE = {
    "svg.fonttype": "none", "font.family": ["DejaVu Sans", "sans-serif"], "font.size": 9.5,
    "axes.titlesize": 10.5, "axes.labelsize": 9.5, "xtick.labelsize": 9, "ytick.labelsize": 9,
    "legend.fontsize": 9, "axes.spines.top": False, "axes.spines.right": False, "svg.hashsalt": "finmodel",
}


def _styled(draw):
    """Run a chart function inside the paper's style."""
    import functools

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        import matplotlib

        with matplotlib.rc_context(STYLE):
            return draw(*args, **kwargs)

    return wrapper


def _plt() -> _Figures:
    return _Figures()


def _svg(fig, name: str, alt: str) -> str:
    """The figure as an inline ``<svg>`` (no XML header, no DOCTYPE), tagged for the tests and screen readers."""
    from html import escape

    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<svg ", f'<svg class="chart" data-chart="{name}" role="img" aria-label="{escape(alt)}" ', text, count=1)
    return text


def _millions(a) -> np.ndarray:
    return np.asarray(a, dtype=float) / 1e6


@_styled
def shortfall_distribution(edges_gbp: np.ndarray, share: np.ndarray, contingency_gbp: float,
                           p50_gbp: float, p95_gbp: float, prob_exceeds: float) -> str:
    """Bars of the total shortfall's distribution, the contingency marked as a red line."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 3.0))
    e = _millions(edges_gbp)
    ax.bar(e[:-1], 100 * share, width=np.diff(e), align="edge", color=BLUE, edgecolor="white", linewidth=0.3)
    top = float(100 * share.max()) if share.size else 1.0
    ax.axvline(contingency_gbp / 1e6, color=RED, lw=1.6)
    ax.text(contingency_gbp / 1e6, top * 1.5, f" contingency in the plan as written £{contingency_gbp / 1e6:,.2f}m; "
            f"the shortfall is above the contingency held in {100 * prob_exceeds:.1f}% of scenarios", color=RED, fontsize=9, va="top",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.9, "pad": 1.0})
    for label, v in (("P50", p50_gbp), ("P95", p95_gbp)):
        ax.axvline(v / 1e6, color="black", ls="--", lw=0.8)
        ax.text(v / 1e6, top * 1.05, f" {label} £{v / 1e6:,.2f}m", fontsize=9)
    ax.set_ylim(0, top * 1.5)
    ax.set_xlabel("total shortfall over all years (£m)")
    ax.set_ylabel("share of scenarios (%)")
    fig.tight_layout()
    return _svg(fig, "shortfall-distribution", "Distribution of the total shortfall with the contingency marked")


@_styled
def partner_payments(names: list[str], p50_gbp: list[float], p95_gbp: list[float]) -> str:
    """Each partner's P50 and P95 payment (£m), numbers on the bars."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 0.9 + 0.55 * max(len(names), 1)))
    y = np.arange(len(names))
    for off, vals, label, color in ((0.2, p50_gbp, "median (P50)", BLUE), (-0.2, p95_gbp, "1 in 20 worst (P95)", ORANGE)):
        bars = ax.barh(y + off, _millions(vals), height=0.38, color=color, label=label)
        ax.bar_label(bars, labels=[f"£{v / 1e6:,.2f}m" for v in vals], padding=3, fontsize=9)
    ax.set_yticks(y, [_wrap(n, 34) for n in names])
    ax.invert_yaxis()
    ax.set_xlabel("payment over all years (£m)")
    ax.set_xlim(0, max([*p95_gbp, *p50_gbp, 1.0]) / 1e6 * 1.25)
    ax.legend(loc="lower right", frameon=False)
    fig.tight_layout()
    return _svg(fig, "partner-payments", "Each partner's median and 95th percentile payment")


def _wrap(text: str, width: int) -> str:
    """A label wrapped to ``width`` characters, as plain text (:func:`finmodel.sweep.charts.plain`:
    unescaped, a partner named ``Trust $\\frac$`` stopped the paper with a mathtext parse error)."""
    import textwrap

    from finmodel.sweep.charts import plain

    return plain("\n".join(textwrap.wrap(text, width)) or text)


@_styled
def sobol_chart(rows: list[dict]) -> str:
    """First-order and total Sobol indices with their 95% intervals, one pair of bars per input."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(HALF_WIDTH_IN, 1.0 + 0.5 * max(len(rows), 1)))
    y = np.arange(len(rows))
    first = np.array([r["first"] for r in rows])
    total = np.array([r["total"] for r in rows])
    ax.barh(y - 0.2, total, height=0.38, color=ORANGE, xerr=[r["total_ci"] for r in rows], label="total (with interactions)",
            error_kw={"lw": 0.8})
    ax.barh(y + 0.2, np.clip(first, 0, None), height=0.38, color=BLUE, xerr=[r["first_ci"] for r in rows], label="alone",
            error_kw={"lw": 0.8})
    ax.set_yticks(y, [_wrap(r["label"], 24) for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.05)
    ax.set_xlabel("share of the variance")
    ax.legend(loc="lower center", bbox_to_anchor=(0.4, 1.0), ncol=1, frameon=False)
    fig.tight_layout()
    return _svg(fig, "sobol", "Variance-based ranking of the inputs: first-order and total Sobol indices")


@_styled
def tornado_chart(rows: list[dict]) -> str:
    """One-at-a-time swing of the total shortfall (£m), input at its P5 and P95, others at their medians."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(HALF_WIDTH_IN, 1.0 + 0.5 * max(len(rows), 1)))
    base = rows[0]["shortfall_at_base_gbp"] / 1e6 if rows else 0.0
    for i, r in enumerate(rows):
        lo, hi = r["shortfall_at_low_gbp"] / 1e6, r["shortfall_at_high_gbp"] / 1e6
        ax.barh(i, lo - base, left=base, color=BLUE, height=0.6, label="input at P5" if i == 0 else None)
        ax.barh(i, hi - base, left=base, color=ORANGE, height=0.6, label="input at P95" if i == 0 else None)
    ax.axvline(base, color="black", lw=0.8)
    ax.set_yticks(range(len(rows)), [_wrap(input_label(r["input"]), 24) for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel("total shortfall (£m)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.4, 1.0), ncol=1, frameon=False)
    fig.tight_layout()
    return _svg(fig, "tornado", "One-at-a-time tornado of the total shortfall")


@_styled
def stacked_by_year(years: list[str], series: dict[str, np.ndarray], name: str, ylabel: str, alt: str,
                    totals_on_bars: bool = True) -> str:
    """Stacked bars per year (£m), one colour per series, the total written above each bar."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 3.1))
    x = np.arange(len(years))
    bottom = np.zeros(len(years))
    for k, (label, values) in enumerate(series.items()):
        v = _millions(values)
        ax.bar(x, v, bottom=bottom, color=PALETTE[k % len(PALETTE)], label=_wrap(label, 40), width=0.6)
        bottom = bottom + v
    if totals_on_bars:
        for xi, t in zip(x, bottom):
            if t:
                ax.text(xi, t, f"£{t:,.1f}m", ha="center", va="bottom", fontsize=9)
    ax.set_xticks(x, years)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, max(float(bottom.max()) if bottom.size else 0.0, 0.1) * 1.15)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.tight_layout()
    return _svg(fig, name, alt)


@_styled
def qipp_monthly(month_labels: list[str], monthly_gbp: np.ndarray, years: list[str], yearly_gbp: np.ndarray) -> str:
    """QIPP savings month by month (£000, bars) beside the financial-year totals (£m, bars with numbers)."""
    plt = _plt()
    fig, (ax, ay) = plt.subplots(1, 2, figsize=(WIDTH_IN, 2.9), gridspec_kw={"width_ratios": [2.3, 1]})
    x = np.arange(len(month_labels))
    ax.bar(x, np.asarray(monthly_gbp) / 1e3, color=BLUE, width=0.85)
    step = max(1, len(x) // 10)
    ax.set_xticks(x[::step], [month_labels[i] for i in x[::step]], rotation=45, ha="right")
    ax.set_ylabel("saving in the month (£000)")
    ax.set_title("month by month")
    xs = np.arange(len(years))
    ay.bar(xs, _millions(yearly_gbp), color=GREEN, width=0.6)  # the figures are in the table below
    ay.set_xticks(xs, years, rotation=45, ha="right")
    ay.set_ylabel("saving in the year (£m)")
    ay.set_title("by financial year")
    ay.set_ylim(0, max(float(_millions(yearly_gbp).max()) if len(years) else 0.0, 0.1) * 1.2)
    fig.tight_layout()
    return _svg(fig, "qipp", "QIPP savings month by month and by financial year")


@_styled
def five_year(years: list[str], series: dict[str, np.ndarray]) -> str:
    """The five-year profile: a few gap and saving lines by year (£m), zero marked."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 3.0))
    x = np.arange(len(years))
    for k, (label, values) in enumerate(series.items()):
        v = _millions(values)
        ax.plot(x, v, marker="o", color=PALETTE[k % len(PALETTE)], label=label)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xticks(x, years)
    ax.set_ylabel("£m a year")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.tight_layout()
    return _svg(fig, "five-year", "Five-year profile of savings and gaps")
