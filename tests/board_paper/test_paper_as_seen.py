"""The board paper as a person sees it: opened in headless Chromium, and its PDF read back.

One paper is written once for the module (`finmodel report` in process, n = 20,000,
seed 3, into a temporary folder); each test looks at one aspect of it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from finmodel.board_paper.cli import HTML_NAME, PDF_NAME
from finmodel.board_paper.paper import default_scenarios
from finmodel.engine import run
from finmodel.report import tables
from finmodel.scenario import ScenarioNotApplicable
from tests.support.cli import run_cli

N, SEED = 20_000, 3
CHARTS = {"shortfall-distribution", "partner-payments", "sobol", "tornado", "pool-by-stream", "spend-by-area", "qipp", "five-year"}


@pytest.fixture(scope="module")
def paper(tmp_path_factory, chromium) -> Path:
    out = tmp_path_factory.mktemp("paper") / "report"
    assert run_cli("report", "--out", out, "-n", N, "--seed", SEED) == 0
    return out


def _engine_figures() -> dict[str, float]:
    """Every headline figure the page must show, keyed as the page's data-figure attributes, from the engine."""
    figures: dict[str, float] = {}
    base = run(None, "base")
    p = base.pool
    for i, y in enumerate(base.plan.years):
        if p.pool_gbp[0, i] or p.minimum_gbp[0, i] or p.spend_gbp[0, i]:
            figures[f"minimum|{y}"] = float(p.minimum_gbp[0, i])
            figures[f"pool|{y}"] = float(p.pool_gbp[0, i])
    figures["p4p_sum"] = float(base.outputs.p4p_sum_gbp[0])
    results = [base]
    for name in default_scenarios():
        try:
            results.append(run(None, name))
        except ScenarioNotApplicable:
            pass
    for r in results:
        row = tables.compare_row(r)
        s = r.scenario.name
        figures[f"shortfall|{s}"] = row["Shortfall"]
        figures[f"contingency_used|{s}"] = row["Contingency used"]
        figures[f"unfunded|{s}"] = row["Unfunded gap"]
        for partner in r.plan.partners:
            figures[f"paid|{s}|{partner.name}"] = row[f"Paid by {partner.name}"]
    return figures


def _pounds(text: str) -> Decimal:
    """'-£2,130,700.00' -> Decimal('-2130700.00')."""
    m = re.fullmatch(r"(-?)£([\d,]+\.\d\d)", text.strip())
    assert m, f"not an amount to the penny: {text!r}"
    return Decimal(m.group(1) + m.group(2).replace(",", ""))


def _penny(x: float) -> Decimal:
    return Decimal(f"{round(x, 2) + 0.0:.2f}")


def test_html_references_nothing_outside_itself(paper):
    html = (paper / HTML_NAME).read_text("utf-8")
    # no URL of any scheme a browser would fetch (the SVG namespace URIs are names, not requests)
    fetched = re.findall(r"""(?:src|href|url)\s*[=(]\s*["']?\s*(?!#|data:)([a-z]+:)?//""", html, re.IGNORECASE)
    assert fetched == []
    assert "<script" not in html.lower() and "<link" not in html.lower() and "@import" not in html
    assert "Content-Security-Policy" in html


def test_no_console_errors_and_no_network_requests(paper, browser):
    url = (paper / HTML_NAME).resolve().as_uri()
    browser.open(url)
    errors = [ev for ev in browser.events_named("Runtime.exceptionThrown")]
    errors += [ev for ev in browser.events_named("Runtime.consoleAPICalled") if ev["params"]["type"] in ("error", "warning", "assert")]
    errors += [ev for ev in browser.events_named("Log.entryAdded") if ev["params"]["entry"]["level"] in ("error", "warning")]
    assert errors == []
    requested = {ev["params"]["request"]["url"] for ev in browser.events_named("Network.requestWillBeSent")}
    assert requested <= {url}, f"the page asked for {sorted(requested - {url})}"
    assert browser.evaluate("document.title").startswith("Better Care Fund pooled budget")


def test_every_chart_rendered_at_its_size(paper, browser):
    browser.open((paper / HTML_NAME).resolve().as_uri())
    found = browser.evaluate("""[...document.querySelectorAll('svg.chart')].map(s => {
        const r = s.getBoundingClientRect();
        return {name: s.dataset.chart, vb: s.viewBox.baseVal.width, w: r.width, h: r.height, wAttr: s.getAttribute('width'), hAttr: s.getAttribute('height'),
                shapes: s.querySelectorAll('path, rect, use, line, polyline').length, texts: s.querySelectorAll('text').length};
    })""")
    assert {c["name"] for c in found} == CHARTS
    for c in found:
        # matplotlib gives the size in pt; the browser lays it out at 96/72 px a pt, unscaled (so 9 pt stays 9 pt)
        w_pt, h_pt = float(c["wAttr"].removesuffix("pt")), float(c["hAttr"].removesuffix("pt"))
        assert c["vb"] == pytest.approx(w_pt, rel=1e-6), c
        assert c["w"] == pytest.approx(w_pt * 96 / 72, rel=0.01), c
        assert c["h"] == pytest.approx(h_pt * 96 / 72, rel=0.01), c
        assert c["w"] > 200 and c["h"] > 100 and c["shapes"] > 10 and c["texts"] > 3, c
    # every label of every chart, rotated or not, is at least 9 pt: sizes are in the SVG's user units, and the
    # check above shows one unit is laid out as one point (width "489.6pt" = viewBox width 489.6)
    sizes = browser.evaluate("""[...document.querySelectorAll('svg.chart text')].map(t => parseFloat(getComputedStyle(t).fontSize))""")
    assert sizes and min(sizes) >= 9.0 - 1e-6, min(sizes)


def test_nothing_printable_splits(paper, browser):
    """Charts and tables stay whole on a page; only a list longer than a page (table.long) splits, between rows."""
    browser.open((paper / HTML_NAME).resolve().as_uri())
    styles = browser.evaluate("""[...document.querySelectorAll('table:not(.long), figure, svg.chart, tr')]
        .map(x => getComputedStyle(x).breakInside)""")
    assert styles and set(styles) == {"avoid"}
    long_tables = browser.evaluate("document.querySelectorAll('table.long').length")
    assert long_tables <= 1  # the assumptions list only


def test_headline_figures_on_the_page_equal_the_engine(paper, browser):
    browser.open((paper / HTML_NAME).resolve().as_uri())
    shown = browser.evaluate("""Object.fromEntries([...document.querySelectorAll('[data-figure][data-gbp]')]
        .map(x => [x.dataset.figure, x.innerText]))""")
    expected = _engine_figures()
    assert set(expected) <= set(shown), sorted(set(expected) - set(shown))
    for key, value in expected.items():
        assert _pounds(shown[key]) == _penny(value), key
    rags = browser.evaluate("Object.fromEntries([...document.querySelectorAll('[data-rag]')].map(x => [x.dataset.rag, x.innerText]))")
    assert rags == {c.key: c.rag for c in run(None, "base").checks}


def test_pdf_pages_fonts_and_figures(paper):
    import pdfplumber

    expected = _engine_figures()
    with pdfplumber.open(paper / PDF_NAME) as pdf:
        assert 4 <= len(pdf.pages) <= 16
        sizes, text = [], []
        for page in pdf.pages:
            assert (round(page.width), round(page.height)) == (595, 842)  # A4 in pt
            # horizontal text: pdfplumber's size is the font size there.  For rotated glyphs (axis titles,
            # month ticks) it reports an extent instead; their sizes are checked in the browser test above.
            sizes += [c["size"] for c in page.chars if c["text"].strip() and c["matrix"][1] == c["matrix"][2] == 0]
            text.append(page.extract_text() or "")
    assert min(sizes) >= 8.95, f"text below 9 pt: {sorted(sizes)[:5]}"
    whole = "\n".join(text)
    assert "Better Care Fund pooled budget" in whole
    for key, value in expected.items():
        assert f"{'-' if round(value, 2) < 0 else ''}£{abs(round(value, 2)):,.2f}" in whole, key
    assert run(None, "base").plan_sha256 in whole.replace("\n", "")
