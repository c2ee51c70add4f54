"""The board paper as one self-contained HTML page: styles and SVG charts inline, nothing fetched.

The page carries a Content-Security-Policy that forbids every network request, so even
a browser that would follow a link in plan text loads nothing.  Every piece of plan or
scenario text is HTML-escaped.  Headline figures are printed to the penny and each
carries a ``data-figure`` key, so the tests can read the page as a person sees it and
compare it with the engine.  Tables and charts are wrapped so print never splits them
(CSS ``break-inside: avoid``).
"""

from __future__ import annotations

from html import escape

from finmodel.assumptions import collect
from finmodel.board_paper import charts
from finmodel.board_paper.labels import (
    input_label, input_unit, millions, path_words, penny, pct, thousands, value_with_unit,
)
from finmodel.board_paper.paper import BoardPaper, SweepPart
from finmodel.core.qipp import month_label
from finmodel.report import tables

CSS = """
@page { size: A4; margin: 14mm 13mm 15mm 13mm; }
html { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10pt; color: #111; }
body { margin: 0 auto; max-width: 184mm; line-height: 1.35; }
h1 { font-size: 17pt; margin: 0 0 2pt 0; }
h2 { font-size: 13.5pt; margin: 14pt 0 4pt 0; border-bottom: 1.5pt solid #1f5fa0; break-after: avoid; }
h3 { font-size: 11pt; margin: 10pt 0 3pt 0; break-after: avoid; }
p { margin: 3pt 0 5pt 0; }
.sub { color: #444; font-size: 9.5pt; }
.lead { font-size: 11pt; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; margin: 4pt 0 8pt 0; }
th, td { border-bottom: 0.5pt solid #bbb; padding: 2pt 4pt; vertical-align: top; text-align: left; }
th { background: #eef3f8; font-weight: bold; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
th.num { text-align: right; }
td { overflow-wrap: anywhere; }
.keep, figure, table, .row, tr, svg.chart { break-inside: avoid; page-break-inside: avoid; }
table.long { break-inside: auto; page-break-inside: auto; }  /* a list longer than a page: split between rows, header repeated */
thead { display: table-header-group; }
figure { margin: 4pt 0 8pt 0; }
figcaption { font-size: 9pt; color: #333; }
.row { display: flex; gap: 3mm; justify-content: space-between; }
svg.chart { display: block; max-width: 100%; height: auto; }
.rag { display: inline-block; min-width: 34pt; text-align: center; color: #fff; font-weight: bold; border-radius: 2pt; padding: 0 2pt; }
.rag.Red { background: #b22222; } .rag.Amber { background: #a85d00; } .rag.Green { background: #2e7d32; }
.note { font-size: 9pt; color: #333; }
code, .path { font-size: 9pt; }
ul { margin: 2pt 0 6pt 14pt; padding: 0; }
li { margin: 1pt 0; }
.pagebreak { break-before: page; }
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src 'none'; connect-src 'none'"



def contingency_phrase(base, k, money) -> str:
    """How the page names the contingency the shortfall is compared with.

    Under the default basis the contingency is the P4P money not released, so it differs from one
    outturn to the next (each outturn is compared with its own); the plan's figure is then only the
    contingency as written, and the sentence must say so rather than name one amount.
    """
    as_written = money(k.contingency_total_gbp)
    if base.plan.risk_share.contingency_basis == "p4p_unreleased":
        return (f"the contingency held in that outturn (the P4P money not released, which grows when admissions "
                f"are not avoided; {as_written} in the plan as written)")
    return f"the contingency of {as_written}"

def e(text: object) -> str:
    return escape(str(text), quote=True)


def _money_td(gbp: float, key: str | None = None) -> str:
    attr = f' data-figure="{e(key)}" data-gbp="{round(gbp, 2):.2f}"' if key else ""
    return f'<td class="num"{attr}>{penny(gbp)}</td>'


def _table(head: list[str], rows: list[list[str]], numeric_from: int = 1, caption: str = "", long: bool = False) -> str:
    cap = f"<caption class='note' style='caption-side:bottom;text-align:left'>{e(caption)}</caption>" if caption else ""
    ths = "".join(f'<th class="{"num" if i >= numeric_from else ""}">{h}</th>' for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(rows_i) + "</tr>" for rows_i in rows)
    cls = " class='long'" if long else ""
    return f"<table{cls}>{cap}<thead><tr>{ths}</tr></thead><tbody>{body}</tbody></table>"


def _frame_k(df, index_words=None, index_title: str = "") -> str:
    """A pandas table of £ as an HTML table in £000 (index in plain words)."""
    head = [e(index_title)] + [e(c) for c in df.columns]
    rows = []
    for idx, row in df.iterrows():
        label = index_words(idx) if index_words else idx
        rows.append([f"<td>{e(label)}</td>"] + [f'<td class="num">{thousands(v)}</td>' for v in row])
    return _table(head, rows)


# --------------------------------------------------------------------------- 1. headline


def _headline_words(paper: BoardPaper) -> str:
    h = paper.headline
    parts = []
    short = [py for py in h.pool_years if py.margin_gbp < 0]
    last = h.pool_years[-1] if h.pool_years else None
    if last is not None:
        parts.append(f"The pooled budget for {e(last.year)} is <b>{penny(last.agreed_gbp)}</b> against a required minimum of "
                     f"{penny(last.minimum_gbp)}; " + ("it meets the minimum in every year." if not short else
                     "it is <b>short of the minimum</b> in " + ", ".join(e(py.year) for py in short) + "."))
    c = h.rag_counts
    parts.append(f"Of the {len(h.checks)} financial assurance checks, <b>{c['Red']} are Red</b>, {c['Amber']} Amber and "
                 f"{c['Green']} Green.")
    if h.p4p_sum_gbp is not None:
        parts.append(f"The payment-for-performance sum for {e(h.p4p_year)} is {penny(h.p4p_sum_gbp)}.")
    plan_line = h.scenarios[0]
    if plan_line.shortfall_gbp > 0:
        paid = ", ".join(f"{e(k)} {penny(v)}" for k, v in plan_line.partner_payments_gbp.items())
        parts.append(f"As planned there is a shortfall of {penny(plan_line.shortfall_gbp)}: the contingency covers "
                     f"{penny(plan_line.contingency_used_gbp)}, the partners pay {paid}, and {penny(plan_line.unfunded_gap_gbp)} "
                     "is unfunded.")
    else:
        parts.append("As planned (every saving delivered, admissions falling as planned) there is <b>no shortfall</b>.")
    worst = max(h.scenarios, key=lambda s: s.shortfall_gbp)
    if worst.shortfall_gbp > 0 and worst is not plan_line:
        parts.append(f"Of the named scenarios, the largest shortfall is {penny(worst.shortfall_gbp)} "
                     f"(<i>{e(worst.name)}</i>: {e(worst.description.rstrip('. '))}).")
    if paper.sweep is not None:
        k = paper.sweep.risk
        parts.append(f"Across {k.n:,} simulated outturns the shortfall exceeds {contingency_phrase(paper.sweep.base, k, millions)} "
                     f"in <b>{pct(k.prob_exceeds_contingency)}</b> of them; "
                     f"the median shortfall is {millions(k.shortfall_p50_gbp)} and 1 in 20 are above "
                     f"{millions(k.shortfall_p95_gbp)}.")
    return "<p class='lead'>" + " ".join(parts) + "</p>"


def _headline(paper: BoardPaper) -> str:
    h = paper.headline
    out = ["<section id='headline'><h2>1. The headline</h2>", _headline_words(paper)]
    rows = [[f"<td>{e(py.year)}</td>", _money_td(py.minimum_gbp, f"minimum|{py.year}"), _money_td(py.agreed_gbp, f"pool|{py.year}"),
             _money_td(py.margin_gbp, f"margin|{py.year}")] for py in h.pool_years]
    out.append("<h3>The pool against the minimum (£)</h3>")
    out.append(_table(["Financial year", "Minimum required", "Agreed pool", "Margin (negative: short)"], rows))
    partners = list(h.scenarios[0].partner_payments_gbp)
    money_rows, partner_rows = [], []
    for s in h.scenarios:
        label = f"<td><b>{e('the plan as written' if s.name == 'base' else s.name)}</b></td>"
        money_rows.append([label, _money_td(s.shortfall_gbp, f"shortfall|{s.name}"),
                           _money_td(s.contingency_used_gbp, f"contingency_used|{s.name}"),
                           _money_td(s.unfunded_gap_gbp, f"unfunded|{s.name}")])
        partner_rows.append([label] + [_money_td(s.partner_payments_gbp[p], f"paid|{s.name}|{p}") for p in partners])
    out.append("<h3>The shortfall under the plan and each named scenario (£, totals over all modelled years)</h3>")
    out.append(_table(["Scenario", "Shortfall", "Met from the contingency", "Unfunded gap"], money_rows))
    if partners:
        out.append("<h3>Who pays the rest: each partner's payment (£, totals over all modelled years)</h3>")
        out.append(_table(["Scenario"] + [e(p) for p in partners], partner_rows))
    out.append("<ul class='note'>" + "".join(f"<li><i>{e(s.name)}</i>: {e(s.description)}</li>" for s in h.scenarios[1:])
               + "".join(f"<li>left out: {e(why)}</li>" for why in h.left_out) + "</ul>")
    if h.p4p_sum_gbp is not None:
        out.append(f"<p>Payment-for-performance sum ({e(h.p4p_year)}): <b data-figure='p4p_sum' "
                   f"data-gbp='{round(h.p4p_sum_gbp, 2):.2f}'>{penny(h.p4p_sum_gbp)}</b>.</p>")
    out.append("<h3>Financial assurance checks</h3>")
    order = {"Red": 0, "Amber": 1, "Green": 2}
    rows = [[f"<td>{e(c.question)}</td>", f"<td><span class='rag {e(c.rag)}' data-rag='{e(c.key)}'>{e(c.rag)}</span></td>",
             f"<td>{e(c.reason)}</td>"] for c in sorted(h.checks, key=lambda c: order.get(c.rag, 3))]
    out.append(_table(["Check", "Rating", "Why"], rows, numeric_from=9))
    out.append("</section>")
    return "\n".join(out)


# --------------------------------------------------------------------------- 2. risk


def _break_even_sentence(b, money_unit: str) -> str:
    unit = input_unit(b.input, money_unit)
    label = input_label(b.input)
    what = "the contingency covers the shortfall" if b.output == "excess_over_contingency_gbp" else "there is no shortfall"
    rng = f"the sweep ranges from {value_with_unit(b.low, unit)} to {value_with_unit(b.high, unit)}"
    if b.value is None:
        if "whole values" in b.note:
            return f"<li>{e(label)}: takes whole values only ({e(rng)}); see the tornado and the ranking.</li>"
        return (f"<li>{e(label)} on its own, the others as planned, leaves the shortfall {e(b.note.replace('stays ', ''))} "
                f"({e(rng)}); it can still matter in combination (see its total index).</li>")
    side = "at or below" if b.zero_below else "at or above"
    return (f"<li data-break-even='{e(b.input)}'>{what.capitalize()} while <b>{e(label.lower())}</b> stays {side} "
            f"<b>{e(value_with_unit(b.value, unit))}</b> (the plan has {e(value_with_unit(b.plan_value, unit))}; {e(rng)}).</li>")


def _distribution_words(d) -> str:
    t = d.to_dict()
    kind = t.pop("dist")
    return kind + " (" + ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in t.items()) + ")"


def _risk(paper: BoardPaper) -> str:
    part: SweepPart | None = paper.sweep
    if part is None:
        return ("<section id='risk'><h2>2. The risk picture</h2><p>No sweep was run for this paper (<code>--no-sweep</code>): "
                "the distribution of the shortfall, the ranking of inputs and break-even values are not shown.</p></section>")
    k, s = part.risk, part.sobol
    mu = part.base.plan.money_unit
    out = ["<section id='risk'><h2>2. The risk picture</h2>"]
    out.append(f"<p>{k.n:,} outturns were drawn ({e(k.method.upper())} sampling, seed {k.seed}) from the ranges in the "
               f"scenario <i>{e(k.scenario)}</i> (listed under provenance) and each was run through the model. "
               f"The shortfall exceeds {contingency_phrase(part.base, k, penny)} in "
               f"<b data-figure='prob_exceeds_contingency'>{pct(k.prob_exceeds_contingency, 2)}</b> of them; "
               f"the median shortfall is {millions(k.shortfall_p50_gbp)}, 1 in 20 are above {millions(k.shortfall_p95_gbp)}, "
               f"and the worst 5% average {millions(k.expected_shortfall_worst_5pct_gbp)}. "
               f"An unfunded gap (every partner at its cap) occurs in {pct(k.prob_unfunded_gap, 2)}.</p>")
    out.append("<figure>" + charts.shortfall_distribution(k.hist_edges_gbp, k.hist_share, k.contingency_total_gbp,
               k.shortfall_p50_gbp, k.shortfall_p95_gbp, k.prob_exceeds_contingency)
               + f"<figcaption>Total shortfall over all years across {k.n:,} outturns; the red line is the contingency. "
               f"Percentiles are read from a fine histogram (cells of {penny(k.percentile_resolution_gbp)}).</figcaption></figure>")
    rows = [[f"<td>{e(p.name)}</td>", f'<td class="num">{penny(p.expected_gbp)}</td>', f'<td class="num">{penny(p.p50_gbp)}</td>',
             f'<td class="num">{penny(p.p95_gbp)}</td>'] for p in k.partners]
    out.append("<div class='keep'><h3>Each partner's payment across the outturns (£, all years)</h3>"
               + charts.partner_payments([p.name for p in k.partners], [p.p50_gbp for p in k.partners], [p.p95_gbp for p in k.partners])
               + _table(["Partner", "Expected", "Median (P50)", "1 in 20 worst (P95)"], rows) + "</div>")
    out.append("<h3>What drives the shortfall</h3>")
    out.append("<p>Left, a variance-based ranking: the share of the shortfall's variance each input explains on its own "
               "(first-order Sobol index) and in combination with the others (total index), with 95% intervals. "
               "Right, the one-at-a-time tornado: each input moved to its 5th and 95th percentile with the others at their "
               "medians. An input that matters only together with another (the cost of a bed-day matters only when beds "
               "stay open, and at the median none do) shows no swing in the tornado but a total index above zero.</p>")
    out.append("<div class='row'><figure>" + charts.sobol_chart(s.rows()) + "</figure><figure>"
               + charts.tornado_chart(k.tornado) + "</figure></div>")
    rows = [[f"<td>{e(r['label'])}</td>", f'<td class="num">{r["first"]:.3f} ± {r["first_ci"]:.3f}</td>',
             f'<td class="num">{r["total"]:.3f} ± {r["total_ci"]:.3f}</td>',
             f'<td class="num">{r["given_data_first"]:.3f} ± {r["given_data_ci"]:.3f}</td>'] for r in s.rows()]
    out.append(_table(["Input", "Alone (first-order)", "In total", "Alone, inputs correlated"], rows,
                      caption=f"Pick-freeze design of {s.n_base:,} base rows ({s.n_base * (len(s.names) + 2):,} model runs), "
                      f"bootstrap 95% intervals; last column from {s.given_data_rows:,} of the sweep's own correlated samples."))
    out.append("<p class='note'><b>Correlated inputs.</b> Sobol indices assume the inputs are independent. The sweep correlates "
               "some of them (for example admissions growth with savings delivery), so the first two columns are computed with "
               "those correlations switched off. The last column is estimated from the sweep's own correlated samples; there an "
               "input also carries the effect of the inputs correlated with it, so two correlated inputs can each show the "
               "same share and the column can add up to more than one. Read the ranking, not the second decimal.</p>")
    tornado_rows = [[f"<td>{e(input_label(t['input']))}</td>",
                     f'<td class="num">{e(value_with_unit(t["low_value"], input_unit(t["input"], mu)))}</td>',
                     f'<td class="num">{e(value_with_unit(t["high_value"], input_unit(t["input"], mu)))}</td>',
                     f'<td class="num">{penny(t["shortfall_at_low_gbp"])}</td>', f'<td class="num">{penny(t["shortfall_at_high_gbp"])}</td>',
                     f'<td class="num">{penny(t["swing_gbp"])}</td>'] for t in k.tornado]
    out.append(_table(["Input", "Low (P5)", "High (P95)", "Shortfall at low", "Shortfall at high", "Swing"], tornado_rows))
    out.append("<div class='keep'><h3>Break-even values</h3><p>One input at a time, every other input as the plan states it; "
               "solved on the model itself (bracketed on a grid, narrowed, then an exact linear step).</p><ul>"
               + "".join(_break_even_sentence(b, mu) for b in part.break_even)
               + "".join(_break_even_sentence(b, mu) for b in part.break_even_contingency) + "</ul></div>")
    out.append("</section>")
    return "\n".join(out)


# --------------------------------------------------------------------------- 3. money over time


def _area_words(area: str) -> str:
    return str(area).replace("_", " ").capitalize()


def _money(paper: BoardPaper) -> str:
    r = paper.plan_result
    years = list(r.plan.years)
    out = ["<section id='money' class='pagebreak'><h2>3. The money over time</h2>"]
    by_stream = tables.pool_by_stream(r)
    streams = {idx: by_stream.loc[idx].to_numpy() for idx in by_stream.index if idx != "Total pool"}
    out.append("<div class='keep'><h3>The pool by funding stream</h3>" + charts.stacked_by_year(
        years, streams, "pool-by-stream", "pool (£m)", "Pooled budget by funding stream and year")
        + _frame_k(by_stream, index_title="Funding stream (£000)") + "</div>")
    by_area = tables.spend_by_area(r)
    areas = {_area_words(idx): by_area.loc[idx].to_numpy() for idx in by_area.index if idx != "Total" and by_area.loc[idx].any()}
    out.append("<div class='keep'><h3>Planned spend by area</h3>" + charts.stacked_by_year(
        years, areas, "spend-by-area", "planned spend (£m)", "Planned scheme spend by area and year")
        + _frame_k(by_area.loc[[i for i in by_area.index if i == "Total" or by_area.loc[i].any()]],
                                                 _area_words, "Area of spend (£000)") + "</div>")
    if r.plan.qipp is not None:
        monthly = r.monthly_qipp_gbp.sum(axis=(0, 2))
        labels = [month_label(m, r.plan.first_year) for m in range(monthly.size)]
        yearly = monthly.reshape(len(years), 12).sum(axis=1)
        grid = tables.qipp_monthly_grid(r)
        out.append("<div class='keep'><h3>QIPP savings month by month and by year</h3>"
                   + charts.qipp_monthly(labels, monthly, years, yearly) + ""
                   + _frame_k(grid, index_title="Financial year (£000)") + "</div>")
        qy = tables.qipp_by_year(r).drop(index="Emergency admissions avoided (count)")
        out.append("<div class='keep'><p class='note'>QIPP by financial year, £000</p>" + _frame_k(qy, index_title="QIPP (£000)") + "</div>")
    if r.plan.five_year is not None:
        fy = tables.five_year(r)
        keep = [k for k in ("Net QIPP (cohort model)", "Net QIPP (other schemes)", "ASC gap", "System gap (+ short / - surplus)")
                if k in fy.index]
        words = {"ASC gap": "Adult social care gap", "Net QIPP (cohort model)": "Net QIPP savings (cohort model)",
                 "Net QIPP (other schemes)": "Net QIPP savings (other schemes)"}
        out.append("<div class='keep'><h3>The five-year profile</h3>" + charts.five_year(
            years, {words.get(k, k): fy.loc[k].to_numpy() for k in keep})
            + _frame_k(fy, lambda i: str(i).replace("ASC", "Adult social care"), "Five-year profile (£000)")
            + "</div>")
    out.append("</section>")
    return "\n".join(out)


# --------------------------------------------------------------------------- 4. provenance


def _provenance(paper: BoardPaper) -> str:
    r = paper.plan_result
    out = ["<section id='provenance' class='pagebreak'><h2>4. Provenance and assumptions</h2>"]
    rows = [("Plan file", e(r.plan_path)), ("Plan file sha256", f"<span class='path' data-figure='sha256'>{e(r.plan_sha256)}</span>"),
            ("Health and Wellbeing Board", f"{e(r.plan.hwb.name)} ({e(r.plan.hwb.ons_code)})"),
            ("Money in the plan file", e(r.plan.money_unit)), ("finmodel version", e(paper.version)),
            ("Produced (UTC)", e(paper.created_utc))]
    for s in paper.scenario_results:
        ov = "; ".join(f"{path_words(k)} = {v}" for k, v in s.scenario.overrides.items()) or "no overrides"
        rows.append((f"Scenario {e(s.scenario.name)}", f"{e(s.scenario.path)}: {e(ov)}"))
    if paper.sweep is not None:
        k, sp = paper.sweep.risk, paper.sweep
        scen = sp.base.scenario
        ov = "; ".join(f"{path_words(a)} = {v}" for a, v in scen.overrides.items()) or "the plan as written"
        rows += [("Sweep scenario", f"{e(scen.name)} ({e(scen.path)}); base: {e(ov)}"),
                 ("Sweep", f"{k.n:,} outturns, {e(k.method)} sampling, seed <span data-figure='seed'>{k.seed}</span>; "
                           f"sweep {k.elapsed_s:.1f} s, sensitivity {sp.sensitivity_s:.1f} s"),
                 ("Sweep ranges, source", e(scen.source or "not stated"))]
    out.append(_table(["", ""], [[f"<th>{a}</th>", f"<td>{b}</td>"] for a, b in rows], numeric_from=9))
    if paper.sweep is not None:
        spec = paper.sweep.spec
        mu = paper.sweep.base.plan.money_unit
        rows = [[f"<td>{e(input_label(n))}</td>", f"<td>{e(input_unit(n, mu))}</td>", f"<td>{e(_distribution_words(d))}</td>"]
                for n, d in spec.inputs.items()]
        rows += [[f"<td>Rank correlation: {e(input_label(a))} with {e(input_label(b).lower())}</td>", "<td></td>",
                  f"<td>{c:+.2f}</td>"] for (a, b), c in spec.correlations.items()]
        out.append("<div class='keep'><h3>The sweep's ranges (assumptions of the risk picture)</h3>"
                   + _table(["Input", "Unit", "Distribution"], rows, numeric_from=9) + "</div>")
    assumed = [a for a in collect(r.plan.model_dump(mode="json")) if a.drives and a.drives != "names only"]
    rows = [[f"<td>{e(path_words(a.path))}</td>", f"<td>{e(a.drives)}</td>", f"<td>{e(a.reason)}</td>"] for a in assumed]
    out.append(f"<h3>Assumptions behind the headline figures ({len(assumed)})</h3><p>Figures the plan marks as assumed "
               "rather than taken from a source document, with the headline figures each can move and the plan's stated "
               "reason or source.</p>" + _table(["Input", "Drives", "Source or reason"], rows, numeric_from=9, long=True))
    if r.warnings:
        out.append("<h3>Warnings</h3><ul>" + "".join(f"<li>{e(w)}</li>" for w in r.warnings) + "</ul>")
    out.append("</section>")
    return "\n".join(out)


def render(paper: BoardPaper) -> str:
    """The whole page (UTF-8 text)."""
    r = paper.plan_result
    title = f"Better Care Fund pooled budget: {r.plan.hwb.name}"
    return "\n".join([
        "<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">",
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>",
        f"<header><h1>{e(title)}</h1><p class='sub'>Board paper for the Health and Wellbeing Board, "
        f"{e(r.plan.years[0])} to {e(r.plan.years[-1])}. Produced by finmodel {e(paper.version)} on {e(paper.created_utc[:10])} "
        f"from {e(r.plan_path.rsplit('/', 1)[-1])}. Money in pounds (£) unless a table or axis says £000 or £m.</p></header>",
        _headline(paper), _risk(paper), _money(paper), _provenance(paper), "</body></html>",
    ])
