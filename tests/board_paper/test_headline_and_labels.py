"""The headline's figures reconcile, and money and inputs are written as a board reads them."""

from __future__ import annotations

import pytest

from finmodel.board_paper.headline import headline
from finmodel.board_paper.labels import input_label, input_unit, millions, path_words, penny, thousands, value_with_unit
from finmodel.engine import applicable_runs
from finmodel.engine import run
from finmodel.scenario import load_scenario

PENNY = 0.005


def test_who_pays_adds_up_to_the_shortfall_in_every_scenario():
    base = run(None, "base")
    results, _ = applicable_runs(base.plan_path, ["admissions-flat", "admissions-grow", "beds-not-closed", "half-delivery"])
    h = headline(base, results, [])
    assert [s.name for s in h.scenarios] == ["base", "admissions-flat", "admissions-grow", "beds-not-closed", "half-delivery"]
    for line, r in zip(h.scenarios, [base, *results]):
        # uses = sources: contingency used + every partner + unfunded gap = the years' shortfalls (years in underspend add 0)
        paid = line.contingency_used_gbp + sum(line.partner_payments_gbp.values()) + line.unfunded_gap_gbp
        assert paid == pytest.approx(float(r.outputs.shortfall_gbp[0].clip(min=0).sum()), abs=PENNY), line.name
    # admissions-flat by hand (the page shows these): £804,310.83 + £884,608.50 + £530,765.10 + £353,843.40 = £2,573,527.83
    flat = h.scenarios[1]
    assert flat.shortfall_gbp == pytest.approx(2_573_527.83, abs=PENNY)


def test_pool_years_and_checks():
    base = run(None, "base")
    h = headline(base, [], [])
    assert [(p.year, p.minimum_gbp, p.agreed_gbp) for p in h.pool_years] == [
        ("2014/15", 4_400_000.0, 4_400_000.0), ("2015/16", 15_136_000.0, 15_136_000.0)]
    assert sum(h.rag_counts.values()) == len(base.checks)


def test_money_formats():
    assert penny(1_147_300) == "£1,147,300.00"
    assert penny(-2_130_700.004) == "-£2,130,700.00"
    assert penny(-0.001) == "£0.00"          # no "-£0.00"
    assert thousands(15_136_000) == "15,136.0"
    assert millions(27_640_000) == "£27.64m"
    assert value_with_unit(-3.5, "%") == "-3.50%"
    assert value_with_unit(4.0, "%") == "4%"
    assert value_with_unit(1490.0, "£") == "£1,490"
    assert value_with_unit(-200.0, "£000") == "-£200k"
    assert value_with_unit(6.0, "months") == "6 months"


def test_every_swept_input_of_the_shipped_sweep_has_plain_words():
    scen = load_scenario("luton-sensitivity")
    for path in scen.sweep["inputs"]:
        label = input_label(path)
        assert "_" not in label and "." not in label.rstrip(".") and "[" not in label, label
        assert input_unit(path, "gbp_thousands") != "" or path.endswith("beds_not_closed"), path
    assert input_unit("outturn.demographic_growth_above_plan.2015/16", "gbp_thousands") == "£000"
    assert path_words("five_year.asc_funding_change") == "Five year: adult social care funding change"
    assert path_words("schemes[3].spend_gbp") == "Schemes, item 4: spend (£)"


def test_a_contingency_that_varies_with_the_outturn_is_not_named_as_one_amount():
    """Under the default basis (P4P money not released) each outturn has its own contingency, so the
    page must not say "exceeds the contingency of £0.00m" with the plan's figure; a fixed basis may."""
    from types import SimpleNamespace as NS

    from finmodel.board_paper.html import contingency_phrase

    k = NS(contingency_total_gbp=1_043_000.0)
    money = lambda v: f"£{v:,.0f}"  # noqa: E731
    varying = contingency_phrase(NS(plan=NS(risk_share=NS(contingency_basis="p4p_unreleased"))), k, money)
    assert "held in that outturn" in varying and "£1,043,000 in the plan as written" in varying
    fixed = contingency_phrase(NS(plan=NS(risk_share=NS(contingency_basis="p4p_sum"))), k, money)
    assert fixed == "the contingency of £1,043,000"
