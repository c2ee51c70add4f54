"""Random plans (valid plan dicts) and random sweeps of them, for the route-equivalence tests.

:func:`random_plan` builds a plan dict in the shape of a plan TOML file (start:
:func:`tests.support.plans.mini_plan`, the shapes of the shipped plans) that
:func:`finmodel.plan.plan_from_dict` accepts.  It covers, at random: 2-5 years; £ or
£000; no ``[qipp]`` or 1-3 cohorts (A&E and outpatient lines or not); 0-4 partners
with caps absent / 0 / tiny / large, ``cap_at_contribution`` with and without a cap,
partners that contribute nothing in some years, fixed shares, share profiles by year
and ``share_basis = "pro_rata"``; every ``contingency_basis``; both P4P designs and no
P4P; no ``[risk_share]``; scheme benefits with and without ``benefit_activity``.

:func:`random_sweep` draws sweep samples ``{path: values (n,)}`` (plan units, as the
sweep driver's ppf step gives them) over the paths of
:data:`finmodel.sweep.inputs_map.SWEEPABLE_PATTERNS` that the plan has, keeping every
row a valid plan (ceiling >= initial reduction, beds not closed <= beds closed) so that
it can also go through the per-scenario reference path.  Values include exact ties
(constant columns, caps equal to a partner's contribution, ceilings on a ramp
breakpoint, rows at the plan's own values, rows delivered exactly as planned).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from finmodel.sweep.inputs_map import base_values
from tests.support.plans import mini_plan

ORGS = {
    "ccg": "NHS Testshire CCG",
    "council": "Testshire Council",
    "acute_trust": "Testshire Hospital NHS FT",
    "other": "Testshire Community Trust",
}
NHSE = "NHS England"
ALL_YEARS = ["2014/15", "2015/16", "2016/17", "2017/18", "2018/19"]
ACTIVITIES = ["emergency_admissions", "ae_attendances", "outpatients", "other"]


def _choice(rng, items):
    return items[int(rng.integers(len(items)))]


def _some_years(rng, years, p=0.6):
    return [y for y in years if rng.random() < p]


class _Money:
    """Amounts written in the plan's money unit (the generator thinks in £)."""

    def __init__(self, unit: str):
        self.factor = 1000.0 if unit == "gbp_thousands" else 1.0

    def __call__(self, gbp: float) -> float:
        return round(float(gbp) / self.factor, 3)


def _contributions(rng, years, money, partner_orgs):
    out = []

    def add(year, org, stream, gbp):
        out.append({"year": year, "organisation": org, "stream": stream, "amount": money(gbp), "source": "random"})

    for y in years:
        add(y, NHSE, "nhs_transfer_s256", rng.integers(500_000, 3_000_000))
        if y != years[0] or rng.random() < 0.3:
            add(y, ORGS["ccg"], "ccg_minimum", rng.integers(1_000_000, 8_000_000))
        if rng.random() < 0.7:
            add(y, ORGS["council"], "dfg", rng.integers(0, 900_000))
        if rng.random() < 0.4:
            add(y, ORGS["council"], "additional_council", rng.integers(0, 700_000))
        if rng.random() < 0.4:
            add(y, ORGS["ccg"], "carers_breaks", rng.integers(50_000, 300_000))
    # a partner may contribute in some years only (the council pays nothing in 2014/15 in Luton)
    for org in partner_orgs:
        if org in (ORGS["acute_trust"], ORGS["other"]):
            for y in _some_years(rng, years, 0.5):
                add(y, org, "additional_ccg", rng.integers(0, 400_000))
    return out


def _schemes(rng, years, money, streams):
    schemes = []
    for j in range(int(rng.integers(1, 6))):
        commissioner = _choice(rng, ["council", "ccg", "joint"])
        area = _choice(rng, ["social_care", "community_health", "acute", "other"])
        s = {"id": f"R{j}", "name": f"Random scheme {j}", "area_of_spend": area,
             "commissioner": commissioner, "provider": "P", "funding_stream": _choice(rng, streams),
             "status": _choice(rng, ["new", "existing"]), "recurrent": bool(rng.random() < 0.7),
             "spend": {y: money(rng.integers(0, 2_000_000)) for y in _some_years(rng, years, 0.8)}, "source": "random"}
        if commissioner == "joint":
            s["nhs_share_pct"] = float(rng.uniform(0, 100))
        if rng.random() < 0.6:
            s["benefits"] = {y: money(rng.integers(0, 600_000)) for y in _some_years(rng, years)}
            if rng.random() < 0.75:  # else the benefit claims no QIPP activity ("other")
                s["benefit_activity"] = _choice(rng, ACTIVITIES)
        schemes.append(s)
    return schemes


def _shares(rng, P):
    """Percent shares of P partners summing to 100 (sometimes with zeros)."""
    w = rng.dirichlet(np.ones(P))
    if P > 1 and rng.random() < 0.3:
        w[int(rng.integers(P))] = 0.0
        w = w / w.sum() if w.sum() > 0 else np.full(P, 1.0 / P)
    pct = np.round(w * 100, 4)
    pct[-1] = round(100.0 - pct[:-1].sum(), 4)
    if pct[-1] < 0:  # rounding pushed the last below 0: give the first the difference
        pct[0] += pct[-1]
        pct[-1] = 0.0
    return [float(x) for x in pct]


def _partners(rng, years, money, kinds, share_mode, contributors):
    partners = []
    P = len(kinds)
    fixed = _shares(rng, P) if P and share_mode == "fixed" else None
    profile = [_shares(rng, P) for _ in years] if P and share_mode == "profile" else None
    for p, kind in enumerate(kinds):
        q = {"name": ORGS[kind], "kind": kind, "source": "random"}
        if fixed is not None:
            q["share_pct"] = fixed[p]
        elif profile is not None:
            q["share_pct"] = {y: profile[i][p] for i, y in enumerate(years)}
        r = rng.random()
        if r < 0.35:
            pass  # no cap
        elif r < 0.5:
            q["cap"] = money(_choice(rng, [0.0, 1.0, 10.0]))  # tiny
        else:
            q["cap"] = money(rng.choice([50_000, 250_000, 1_000_000, 5_000_000, 1e9]))
        if ORGS[kind] in contributors and rng.random() < 0.4:
            q["cap_at_contribution"] = True
        if share_mode == "pro_rata" and rng.random() < 0.4:
            q["commissioned"] = {y: money(rng.integers(0, 3_000_000)) for y in _some_years(rng, years, 0.8)}
        partners.append(q)
    return partners


def _cohort(rng, years, c):
    start = dt.date(int(years[0][:4]), 4, 1)
    months = 12 * len(years)
    g = int(rng.integers(0, min(months, 30)))
    go_live = dt.date(start.year + (start.month - 1 + g) // 12, (start.month - 1 + g) % 12 + 1, 1)
    initial = float(_choice(rng, [0.0, 10.0, 20.0, float(rng.uniform(0, 30))]))
    lines = [{"kind": "emergency_admissions", "hrg_group": "X", "baseline_pa": float(rng.integers(50, 3000)),
              "tariff_gbp": float(rng.integers(1500, 3500)), "source": "r"}]
    if rng.random() < 0.6:
        lines[0]["admitted_via_ae_pct"] = float(rng.uniform(0, 100))
        lines.append({"kind": "ae_attendances", "baseline_pa": float(rng.integers(100, 5000)),
                      "tariff_gbp": float(rng.integers(80, 150)), "source": "r"})
    if rng.random() < 0.7:
        lines.append({"kind": _choice(rng, ["outpatient_first", "outpatient_follow_up"]),
                      "baseline_pa": float(rng.integers(100, 5000)),
                      "tariff_gbp": float(rng.integers(80, 200)), "source": "r"})
    return {"name": f"Cohort {c}", "go_live": go_live, "initial_reduction_pct": initial,
            "initial_months": int(_choice(rng, [0, 6, 12, int(rng.integers(0, 25))])),
            "step_pp_pm": float(_choice(rng, [0.0, 1.0, 2.0, float(rng.uniform(0, 4))])),
            "ceiling_pct": float(initial + _choice(rng, [0.0, 12.0, float(rng.uniform(0, 25))])),
            "lines": lines, "source": "random"}


def random_plan(rng: np.random.Generator) -> dict:
    """A random valid plan dict (validate with :func:`finmodel.plan.plan_from_dict`)."""
    data = mini_plan()
    unit = "gbp_thousands" if rng.random() < 0.4 else "gbp"
    money = _Money(unit)
    years = ALL_YEARS[: int(rng.integers(2, 6))]
    data["money_unit"] = unit
    data["years"] = years

    P = int(_choice(rng, [0, 1, 2, 3, 4]))
    kinds = list(rng.permutation(list(ORGS))[:P])
    has_rs = rng.random() < 0.8
    share_mode = _choice(rng, ["fixed", "fixed", "profile", "pro_rata"]) if P else "fixed"
    if not has_rs and share_mode == "pro_rata":
        share_mode = "fixed"
    data["contributions"] = _contributions(rng, years, money, [ORGS[k] for k in kinds])
    streams = sorted({c["stream"] for c in data["contributions"]})
    data["minimum_pool"] = {"method": "stated", "stated": {y: money(rng.integers(1_000_000, 5_000_000)) for y in years[:2]},
                            "source": "random"}
    data["schemes"] = _schemes(rng, years, money, streams)
    for key in ("social_care_protection", "care_act", "carers"):
        data[key]["amount"] = {"2015/16": money(100_000)}
    contributors = {c["organisation"] for c in data["contributions"]}
    data["partners"] = _partners(rng, years, money, kinds, share_mode, contributors)

    n_metrics = int(rng.integers(0, 3))
    data["metrics"] = [{"name": f"M{k}", "unit": "%", "higher_is_better": bool(rng.random() < 0.5),
                        "baseline": float(rng.uniform(40, 60)), "target": float(rng.uniform(40, 60)), "source": "r"}
                       for k in range(n_metrics)]

    if rng.random() < 0.75:
        data["qipp"] = {"marginal_rate_pct": float(rng.uniform(10, 60)), "outpatient_reduction_pct": float(rng.uniform(0, 20)),
                        "cohorts": [_cohort(rng, years, c) for c in range(int(rng.integers(1, 4)))],
                        "investment": {y: money(rng.integers(0, 500_000)) for y in _some_years(rng, years, 0.4)},
                        "other_net_qipp": {y: money(rng.integers(-300_000, 300_000)) for y in _some_years(rng, years, 0.3)},
                        "source": "random"}
    p4p_mode = _choice(rng, ["revised", "revised", "original", None])
    if p4p_mode is not None:
        q = [float(x) for x in rng.integers(500, 6000, 4)]
        if rng.random() < 0.15:
            q[int(rng.integers(4))] = 0.0
        data["p4p"] = {"design": p4p_mode, "year": _choice(rng, years[1:] + ["2015/16"]), "nel_baseline_by_quarter": q,
                       "planned_reduction_pct": float(_choice(rng, [0.0, 3.5, float(rng.uniform(0, 6))])),
                       "cost_per_admission_gbp": float(rng.uniform(1000, 2000)), "source": "random"}
        if p4p_mode == "original" and rng.random() < 0.5:
            data["p4p"]["performance_pool"] = money(rng.integers(0, 2_000_000))
    if has_rs:
        data["risk_share"] = {"contingency_basis": _choice(rng, ["p4p_unreleased", "p4p_sum", "stated", "none"]),
                              "contingency": {y: money(rng.integers(0, 2_000_000)) for y in _some_years(rng, years)},
                              "share_basis": "pro_rata" if share_mode == "pro_rata" else "fixed",
                              "share_underspend": bool(rng.random() < 0.7),
                              "beds_planned_to_close": float(_choice(rng, [0.0, 30.0, 60.0, 120.0])),
                              "beds_close_from": _choice(rng, years), "bed_day_cost_gbp": float(rng.uniform(150, 400)),
                              "bed_days_pa": float(_choice(rng, [365.0, float(rng.uniform(0, 365))])),
                              "care_home_placement_cost_gbp": float(rng.uniform(20_000, 40_000)), "source": "random"}
    if rng.random() < 0.4:
        data["five_year"] = {"ccg_outturn_before_qipp": {y: money(rng.integers(-3_000_000, 3_000_000)) for y in years},
                             "asc_demographic_pressure": {y: money(rng.integers(0, 2_000_000)) for y in _some_years(rng, years)},
                             "asc_savings_target": {y: money(rng.integers(0, 2_000_000)) for y in _some_years(rng, years)},
                             "asc_funding_change": {y: money(rng.integers(-1_000_000, 1_000_000)) for y in _some_years(rng, years)},
                             "source": "random"}
    closing = data["risk_share"]["beds_planned_to_close"] if has_rs else 0.0
    outturn = {"savings_delivery_pct": float(_choice(rng, [100.0, float(rng.uniform(0, 130))])),
               "ea_reduction_delivery_pct": float(_choice(rng, [100.0, float(rng.uniform(0, 120))])),
               "go_live_delay_months": int(_choice(rng, [0, int(rng.integers(-3, 10))])),
               "beds_not_closed": float(_choice(rng, [0.0, 0.5])) * closing,  # at most the beds the plan closes
               "care_home_admissions_above_plan": float(_choice(rng, [0.0, float(rng.integers(0, 30))])),
               "demographic_growth_above_plan": {y: money(rng.integers(-200_000, 400_000)) for y in _some_years(rng, years, 0.3)},
               "metrics_actual": {m["name"]: float(rng.uniform(35, 65)) for m in data["metrics"] if rng.random() < 0.7}}
    if rng.random() < 0.6:
        outturn["nel_admissions_change_pct"] = float(rng.uniform(-6, 6))
    data["outturn"] = outturn
    return data


# --------------------------------------------------------------------------- sweeps


def _column(rng, n, lo, hi, ties=()):
    """n values in [lo, hi]: uniform, sometimes a constant column, sometimes with exact ties."""
    r = rng.random()
    if r < 0.1:
        return np.full(n, float(rng.uniform(lo, hi)))
    v = rng.uniform(lo, hi, n)
    if ties and r < 0.5:
        pick = rng.random(n) < 0.3
        v[pick] = rng.choice(np.asarray(ties, dtype=float), size=int(pick.sum()))
    return v


def _cohort_paths(rng, data, n, paths, out):
    """Ramp inputs of the cohorts, each row keeping ceiling >= initial reduction."""
    cohorts = data["qipp"]["cohorts"]
    C = len(cohorts)
    init = np.array([[c["initial_reduction_pct"] for c in cohorts]] * n, dtype=float)
    ceil = np.array([[c["ceiling_pct"] for c in cohorts]] * n, dtype=float)

    def target():
        k = int(rng.integers(-1, C))
        return ("[*]", list(range(C))) if k < 0 else (f"[{k}]", [k])

    if "initial_reduction_pct" in paths:
        idx, which = target()
        v = rng.uniform(0, 1, n) * ceil[:, which].min(axis=1)
        out[f"qipp.cohorts{idx}.initial_reduction_pct"] = v
        init[:, which] = v[:, None]
    if "step_pp_pm" in paths:
        idx, which = target()
        out[f"qipp.cohorts{idx}.step_pp_pm"] = _column(rng, n, 0.0, 4.0, ties=(0.0, 1.0, 2.5))
    if "initial_months" in paths:
        idx, which = target()  # months as the sampler gives them: not whole (the map rounds)
        out[f"qipp.cohorts{idx}.initial_months"] = _column(rng, n, 0.0, 24.0, ties=(0.0, 12.0, 5.5))
    if "ceiling_pct" in paths:
        idx, which = target()
        lo = init[:, which].max(axis=1)
        v = lo + rng.uniform(0, 1, n) * (60.0 - lo)
        # some rows exactly on a ramp breakpoint (initial + k steps) of the first cohort swept, or at the initial
        c0 = cohorts[which[0]]
        on = rng.random(n) < 0.25
        bp = c0["initial_reduction_pct"] + c0["step_pp_pm"] * rng.integers(0, 8, n)
        v = np.where(on & (bp >= lo) & (bp <= 100), bp, v)
        v = np.where(rng.random(n) < 0.1, lo, v)
        out[f"qipp.cohorts{idx}.ceiling_pct"] = v


def _contributed_gbp(data, org):
    total = {}
    for c in data["contributions"]:
        if c["organisation"] == org:
            total[c["year"]] = total.get(c["year"], 0.0) + c["amount"]
    return list(total.values())


def random_sweep(rng: np.random.Generator, data: dict, plan, n: int) -> dict[str, np.ndarray]:
    """Sweep samples ``{path: (n,) values}`` in plan units over 1-6 of the sweepable inputs of ``plan``
    (``data`` validated)."""
    years = data["years"]
    pool = ["outturn.nel_admissions_change_pct", "outturn.savings_delivery_pct", "outturn.ea_reduction_delivery_pct",
            "outturn.go_live_delay_months", "outturn.demographic_growth_above_plan",
            "outturn.care_home_admissions_above_plan"]
    if "p4p" in data:
        pool += ["p4p.cost_per_admission_gbp", "p4p.planned_reduction_pct"]
    closing = data["risk_share"]["beds_planned_to_close"] if "risk_share" in data else 0.0
    if "risk_share" in data:
        pool += ["risk_share.bed_day_cost_gbp", "risk_share.bed_days_pa", "risk_share.care_home_placement_cost_gbp"]
    if closing > 0:  # a plan accepts at most the beds it closes not closed
        pool += ["outturn.beds_not_closed"]
    if "qipp" in data:
        pool += ["qipp.marginal_rate_pct", "qipp.outpatient_reduction_pct"] + [
            f"cohort.{f}" for f in ("ceiling_pct", "step_pp_pm", "initial_reduction_pct", "initial_months")]
    if data["partners"]:
        pool += ["partners.cap", "partners.cap"]  # twice: caps are where the waterfall's fallbacks are
    k = int(rng.integers(1, 7))
    chosen = list(dict.fromkeys(pool[i] for i in rng.permutation(len(pool))[:k]))
    out: dict[str, np.ndarray] = {}
    outturn = data["outturn"]
    factor = 1000.0 if data["money_unit"] == "gbp_thousands" else 1.0
    cohort = [p.split(".", 1)[1] for p in chosen if p.startswith("cohort.")]
    for path in chosen:
        if path.startswith("cohort."):
            continue
        # ties at the plan's own value: a row delivered as planned must give the plan's figures exactly
        if path == "outturn.nel_admissions_change_pct":
            out[path] = _column(rng, n, -8.0, 8.0, ties=(0.0, -3.5, outturn.get("nel_admissions_change_pct", 0.0)))
        elif path == "outturn.savings_delivery_pct":
            out[path] = _column(rng, n, 0.0, 130.0, ties=(0.0, 100.0, outturn["savings_delivery_pct"]))
        elif path == "outturn.ea_reduction_delivery_pct":
            out[path] = _column(rng, n, 0.0, 120.0, ties=(0.0, 100.0, outturn["ea_reduction_delivery_pct"]))
        elif path == "outturn.go_live_delay_months":
            out[path] = _column(rng, n, -6.0, 14.0, ties=(0.0, 2.5, -0.5, outturn["go_live_delay_months"]))
        elif path == "outturn.beds_not_closed":
            out[path] = _column(rng, n, 0.0, closing, ties=(0.0, closing))
        elif path == "outturn.demographic_growth_above_plan":
            out[f"{path}.{_choice(rng, years)}"] = _column(rng, n, -300_000 / factor, 500_000 / factor, ties=(0.0,))
        elif path == "p4p.cost_per_admission_gbp":
            out[path] = _column(rng, n, 900.0, 2100.0)
        elif path == "p4p.planned_reduction_pct":
            out[path] = _column(rng, n, 0.0, 8.0, ties=(0.0, 3.5))
        elif path == "risk_share.bed_day_cost_gbp":
            out[path] = _column(rng, n, 100.0, 450.0)
        elif path == "outturn.care_home_admissions_above_plan":
            out[path] = _column(rng, n, 0.0, 40.0, ties=(0.0, outturn.get("care_home_admissions_above_plan", 0.0)))
        elif path == "risk_share.care_home_placement_cost_gbp":
            out[path] = _column(rng, n, 15_000.0, 45_000.0)
        elif path == "risk_share.bed_days_pa":
            out[path] = _column(rng, n, 0.0, 365.0, ties=(0.0, 365.0))
        elif path == "qipp.marginal_rate_pct":
            out[path] = _column(rng, n, 0.0, 100.0, ties=(30.0,))
        elif path == "qipp.outpatient_reduction_pct":
            out[path] = _column(rng, n, 0.0, 30.0, ties=(0.0, 10.0))
        elif path == "partners.cap":
            P = len(data["partners"])
            i = int(rng.integers(-1, P))
            key = "partners[*].cap" if i < 0 else f"partners[{i}].cap"
            if key in out:
                continue
            ties = [0.0, 1.0 / factor]
            for q in (data["partners"] if i < 0 else [data["partners"][i]]):
                ties += _contributed_gbp(data, q["name"]) + ([q["cap"]] if "cap" in q else [])
            hi = float(_choice(rng, [2_000.0, 200_000.0, 5_000_000.0])) / factor
            out[key] = _column(rng, n, 0.0, hi, ties=tuple(ties))
    if cohort:
        _cohort_paths(rng, data, n, set(cohort), out)
    # a [*] cohort path's "plan value" is cohort 0's, not the plan (and may break ceiling >= initial)
    _same_rows(rng, n, out, base_values(plan, [p for p in out if not p.startswith("qipp.cohorts[*]")]))
    return out


#: The outturn of a plan delivered exactly as written.
AS_PLANNED = {"outturn.savings_delivery_pct": 100.0, "outturn.ea_reduction_delivery_pct": 100.0, "outturn.go_live_delay_months": 0.0}


def _same_rows(rng, n, out, base):
    """Some rows where every swept input is the plan's value (``base``), and some delivered as planned.

    Sweeps do sample such rows (the tornado's base row, a delivery of exactly 100%); there
    the reference gives exact figures (savings not delivered exactly 0) a route must keep.
    """
    for values in (base, AS_PLANNED):
        rows = rng.random(n) < 0.15
        for path, v in values.items():
            if path in out and np.isfinite(v):
                out[path][rows] = v
