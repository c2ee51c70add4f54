"""The risk picture: the sweep's shortfall distribution against the contingency, and who pays at P50 / P95.

Everything here is read from a finished :class:`finmodel.sweep.driver.SweepResult`
(its streaming summaries: the values themselves are never kept) and the sweep's
base run (the plan with the sweep scenario's ``[set]`` applied), which gives the
contingency held.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from finmodel.engine import RunResult


@dataclass(frozen=True)
class PartnerRisk:
    name: str
    expected_gbp: float
    p50_gbp: float
    p95_gbp: float


@dataclass(frozen=True)
class RiskPicture:
    scenario: str
    method: str
    n: int
    seed: int
    contingency_total_gbp: float      # contingency held over all years in the sweep's base plan [£]
    prob_exceeds_contingency: float   # P(total shortfall > total contingency), exact count
    prob_shortfall_positive: float
    prob_unfunded_gap: float
    shortfall_p5_gbp: float
    shortfall_p50_gbp: float
    shortfall_p95_gbp: float
    shortfall_mean_gbp: float
    expected_shortfall_worst_5pct_gbp: float
    hist_edges_gbp: np.ndarray         # (k + 1,) total shortfall bar edges [£]
    hist_share: np.ndarray             # (k,) share of scenarios in each bar (sums to 1)
    partners: list[PartnerRisk]
    tornado: list[dict]
    elapsed_s: float
    percentile_resolution_gbp: float  # width of the fine histogram cell the percentiles come from [£]


def risk_picture(sweep, base: RunResult) -> RiskPicture:
    """The board's risk figures from a sweep result and the sweep's base run."""
    from finmodel.sweep.charts import coarse_histogram

    s = sweep.summaries["shortfall_total_gbp"]
    p5, p50, p95 = (float(v) for v in s.percentiles((5, 50, 95)))
    edges, counts = coarse_histogram(s, bars=40)
    partners = []
    for k, p in enumerate(base.plan.partners):
        r = sweep.summaries[f"partner_payment_total_gbp[{p.name}]"].result((50, 95))
        partners.append(PartnerRisk(p.name, float(r["mean"]), float(r["p50"]), float(r["p95"])))
    risk = sweep.risk
    return RiskPicture(
        scenario=sweep.scenario, method=sweep.method, n=int(sweep.n), seed=int(sweep.seed),
        contingency_total_gbp=float(base.outputs.contingency_gbp[0].sum()),
        prob_exceeds_contingency=float(risk["prob_shortfall_exceeds_contingency"]),
        prob_shortfall_positive=float(risk["prob_shortfall_positive"]),
        prob_unfunded_gap=float(risk["prob_unfunded_gap"]),
        shortfall_p5_gbp=p5, shortfall_p50_gbp=p50, shortfall_p95_gbp=p95,
        shortfall_mean_gbp=float(risk["mean_shortfall_gbp"]),
        expected_shortfall_worst_5pct_gbp=float(risk["expected_shortfall_worst_5pct_gbp"]),
        hist_edges_gbp=np.asarray(edges, dtype=float), hist_share=np.asarray(counts, dtype=float) / max(s.count, 1),
        partners=partners, tornado=list(sweep.tornado), elapsed_s=float(sweep.elapsed_s),
        percentile_resolution_gbp=float(s.quantile_resolution()),
    )
