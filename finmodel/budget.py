"""The pooled budget of a plan: contributions and schemes -> arrays -> core.pool -> PoolResult.

Turns a validated :class:`~finmodel.plan.Plan` into numpy arrays (scenarios on
axis 0, ``n == 1``: the pool is the plan as written; sweeps vary the model's
inputs, not the pool), calls the pure formulas of :mod:`finmodel.core.pool`, and gathers
them into a :class:`PoolResult`.  The national £135m / £130m / £300m shares come
from ``finmodel/data/national_totals.toml`` through :mod:`finmodel.national`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from finmodel.core import pool as pool_core
from finmodel.national import national_amount_gbp, national_totals
from finmodel.plan import CAPITAL_STREAMS, AreaOfSpend, Commissioner, Plan, Stream

ALL_STREAMS = list(Stream)
ALL_AREAS = list(AreaOfSpend)


def stream_share_frac(plan: Plan, stream: Stream) -> float | None:
    """The HWB's share of the national total of ``stream`` (fraction), or None if unknown."""
    shares = plan.national_shares
    if shares is None:
        return None
    if stream in shares.overrides_pct:
        return shares.overrides_pct[stream] / 100.0
    if stream in CAPITAL_STREAMS:
        return shares.capital_pct / 100.0
    return shares.revenue_pct / 100.0


@dataclass(frozen=True)
class PoolResult:
    """The pooled budget per year.  Every array has scenarios on axis 0 (n)."""

    years: list[str]
    streams: list[Stream]
    organisations: list[str]
    scheme_ids: list[str]
    by_year_stream_gbp: np.ndarray  # (n, Y, S) S = every Stream
    by_year_org_gbp: np.ndarray  # (n, Y, O)
    pool_gbp: np.ndarray  # (n, Y)
    minimum_gbp: np.ndarray  # (n, Y)
    minimum_method: str
    minimum_orgs: list[str]  # organisations with a required contribution ("by_organisation" only; else empty)
    minimum_by_org_gbp: np.ndarray  # (n, Y, Om) each one's required contribution
    actual_by_min_org_gbp: np.ndarray  # (n, Y, Om) what each of them contributes (0 if nothing)
    margin_gbp: np.ndarray  # (n, Y)
    capital_gbp: np.ndarray  # (n, Y)
    revenue_gbp: np.ndarray  # (n, Y)
    dfg_to_districts_gbp: np.ndarray  # (n, Y)
    scheme_spend_gbp: np.ndarray  # (n, Y, J)
    scheme_benefits_gbp: np.ndarray  # (n, Y, J)
    spend_gbp: np.ndarray  # (n, Y)
    benefits_gbp: np.ndarray  # (n, Y)
    unallocated_gbp: np.ndarray  # (n, Y)
    spend_by_stream_gbp: np.ndarray  # (n, Y, S)
    stream_overcommitted_gbp: np.ndarray  # (n, Y, S)
    spend_by_area_gbp: np.ndarray  # (n, Y, A)
    spend_nhs_commissioned_gbp: np.ndarray  # (n, Y)
    spend_council_commissioned_gbp: np.ndarray  # (n, Y)
    nhs_out_of_hospital_gbp: np.ndarray  # (n, Y)
    protection_stated_gbp: np.ndarray  # (Y,)
    protection_schemes_gbp: np.ndarray  # (n, Y) spend on schemes flagged as protecting social care
    protection_pct_of_pool: np.ndarray  # (n, Y) stated protection / pool * 100
    care_act_gbp: np.ndarray  # (Y,) the plan's stated Care Act amount
    care_act_schemes_gbp: np.ndarray  # (n, Y) spend on schemes flagged as Care Act spend
    care_act_share_gbp: np.ndarray  # (Y,) proportionate share of the national £135m (NaN if no shares)
    carers_gbp: np.ndarray  # (Y,)
    carers_share_gbp: np.ndarray  # (Y,)
    reablement_gbp: np.ndarray  # (n, Y) contributed as the reablement stream
    reablement_share_gbp: np.ndarray  # (Y,)
    national_shares_frac: dict[str, float] = field(default_factory=dict)


def _per_year(plan: Plan, mapping: dict[str, float]) -> np.ndarray:
    return np.array([mapping.get(y, 0.0) for y in plan.years], dtype=float)


def minimum_by_organisation_gbp(plan: Plan) -> tuple[list[str], np.ndarray]:
    """Organisations with a required contribution, and it per year (Y, Om) [£].

    Only for ``minimum_pool.method = "by_organisation"`` (empty otherwise).  An
    organisation may have a minimum and contribute nothing: that is the case the
    check exists to catch.
    """
    entries = plan.minimum_pool.by_organisation if plan.minimum_pool.method == "by_organisation" else []
    orgs = list(dict.fromkeys(m.organisation for m in entries))
    out = np.zeros((len(plan.years), len(orgs)))
    for m in entries:
        out[plan.years.index(m.year), orgs.index(m.organisation)] += m.amount
    return orgs, out


def _columns_for(by_org: np.ndarray, orgs: list[str], wanted: list[str]) -> np.ndarray:
    """The (n, Y, O) per-organisation columns of ``wanted`` (zeros for one that contributes nothing)."""
    out = np.zeros(by_org.shape[:2] + (len(wanted),))
    for k, org in enumerate(wanted):
        if org in orgs:
            out[..., k] = by_org[..., orgs.index(org)]
    return out


def minimum_pool_gbp(plan: Plan) -> np.ndarray:
    """Minimum required pool per year (Y,) [£]: as stated, or derived from national totals."""
    if plan.minimum_pool.method == "stated":
        return _per_year(plan, plan.minimum_pool.stated)
    if plan.minimum_pool.method == "by_organisation":
        return minimum_by_organisation_gbp(plan)[1].sum(axis=-1)
    national = np.zeros((len(plan.years), len(ALL_STREAMS)))
    counted = np.ones(len(ALL_STREAMS), dtype=bool)
    for line in national_totals():
        if line.year in plan.years:
            national[plan.years.index(line.year), ALL_STREAMS.index(line.stream)] += line.amount_gbp
        if line.within is not None:
            counted[ALL_STREAMS.index(line.stream)] = False
    shares = np.array([stream_share_frac(plan, s) or 0.0 for s in ALL_STREAMS])
    return pool_core.derived_minimum_gbp(national, shares, counted)


def compute_pool(plan: Plan) -> PoolResult:
    """Compute the pooled budget of the plan as written (arrays with n = 1 on axis 0)."""
    years = plan.years
    n_years = len(years)
    orgs = plan.organisations
    contribs = plan.contributions
    amounts = np.array([[c.amount for c in contribs]], dtype=float)
    n = amounts.shape[0]
    year_idx = np.array([years.index(c.year) for c in contribs])
    stream_idx = np.array([ALL_STREAMS.index(c.stream) for c in contribs])
    org_idx = np.array([orgs.index(c.organisation) for c in contribs])

    by_stream = pool_core.sum_by_year_and_group_gbp(amounts, year_idx, stream_idx, n_years, len(ALL_STREAMS))
    by_org = pool_core.sum_by_year_and_group_gbp(amounts, year_idx, org_idx, n_years, len(orgs))
    pool = pool_core.pool_total_gbp(by_stream)
    is_capital = np.array([s in CAPITAL_STREAMS for s in ALL_STREAMS])
    capital = pool_core.capital_gbp(by_stream, is_capital)
    minimum = np.broadcast_to(minimum_pool_gbp(plan), (n, n_years)).copy()
    min_orgs, min_by_org = minimum_by_organisation_gbp(plan)

    schemes = plan.schemes
    n_schemes = len(schemes)
    spend = np.array([[[s.spend.get(y, 0.0) for s in schemes] for y in years]], dtype=float).reshape(n, n_years, n_schemes)
    benefits = np.array([[[s.benefits.get(y, 0.0) for s in schemes] for y in years]], dtype=float).reshape(n, n_years, n_schemes)
    spend_total = spend.sum(axis=-1)

    scheme_stream = pool_core.one_hot(np.array([ALL_STREAMS.index(s.funding_stream) for s in schemes], dtype=int), len(ALL_STREAMS))
    scheme_area = pool_core.one_hot(np.array([ALL_AREAS.index(s.area_of_spend) for s in schemes], dtype=int), len(ALL_AREAS))
    spend_by_stream = spend @ scheme_stream
    spend_by_area = spend @ scheme_area
    nhs_frac = np.array(
        [
            1.0 if s.commissioner is Commissioner.ccg
            else 0.0 if s.commissioner is Commissioner.council
            else (s.nhs_share_pct or 0.0) / 100.0
            for s in schemes
        ]
    )
    nhs_spend, council_spend = pool_core.commissioner_split_gbp(spend, nhs_frac)
    protects = np.array([s.protects_social_care for s in schemes], dtype=float)
    out_of_hospital = np.array([s.nhs_out_of_hospital for s in schemes], dtype=float)
    care_act_flag = np.array([s.care_act for s in schemes], dtype=float)

    protection_stated = _per_year(plan, plan.social_care_protection.amount)
    care_act = _per_year(plan, plan.care_act.amount)
    carers = _per_year(plan, plan.carers.amount)

    def share_of_national(stream: Stream) -> np.ndarray:
        share = stream_share_frac(plan, stream)
        if share is None:
            return np.full(n_years, np.nan)
        nat = np.array([national_amount_gbp(y, stream) for y in years])
        return pool_core.proportionate_share_gbp(nat, share)

    shares = {s.value: f for s in ALL_STREAMS if (f := stream_share_frac(plan, s)) is not None}
    return PoolResult(
        years=list(years),
        streams=ALL_STREAMS,
        organisations=orgs,
        scheme_ids=[s.id for s in schemes],
        by_year_stream_gbp=by_stream,
        by_year_org_gbp=by_org,
        pool_gbp=pool,
        minimum_gbp=minimum,
        minimum_method=plan.minimum_pool.method,
        minimum_orgs=min_orgs,
        minimum_by_org_gbp=np.broadcast_to(min_by_org, (n,) + min_by_org.shape).copy(),
        actual_by_min_org_gbp=_columns_for(by_org, orgs, min_orgs),
        margin_gbp=pool_core.minimum_margin_gbp(pool, minimum),
        capital_gbp=capital,
        revenue_gbp=pool_core.revenue_gbp(pool, capital),
        dfg_to_districts_gbp=pool_core.dfg_to_districts_gbp(by_stream[..., ALL_STREAMS.index(Stream.dfg)], plan.hwb.two_tier),
        scheme_spend_gbp=spend,
        scheme_benefits_gbp=benefits,
        spend_gbp=spend_total,
        benefits_gbp=benefits.sum(axis=-1),
        unallocated_gbp=pool_core.unallocated_gbp(pool, spend_total),
        spend_by_stream_gbp=spend_by_stream,
        stream_overcommitted_gbp=pool_core.stream_overcommitment_gbp(spend_by_stream, by_stream),
        spend_by_area_gbp=spend_by_area,
        spend_nhs_commissioned_gbp=nhs_spend.sum(axis=-1),
        spend_council_commissioned_gbp=council_spend.sum(axis=-1),
        nhs_out_of_hospital_gbp=spend @ out_of_hospital,
        protection_stated_gbp=protection_stated,
        protection_schemes_gbp=spend @ protects,
        protection_pct_of_pool=100.0 * pool_core.share_of_pool_frac(protection_stated, pool),
        care_act_gbp=care_act,
        care_act_schemes_gbp=spend @ care_act_flag,
        care_act_share_gbp=share_of_national(Stream.care_act_revenue),
        carers_gbp=carers,
        carers_share_gbp=share_of_national(Stream.carers_breaks),
        reablement_gbp=by_stream[..., ALL_STREAMS.index(Stream.ccg_reablement)],
        reablement_share_gbp=share_of_national(Stream.ccg_reablement),
        national_shares_frac=shares,
    )
