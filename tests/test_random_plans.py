"""Invariants over many randomly generated plans and scenarios, through the whole engine.

For every random plan and outturn: the pool's parts add up to the pool; sources less
uses is the unallocated money; and in the risk share
contingency used + partner payments + unfunded gap - underspend kept = shortfall,
no partner pays above its cap, and with zero shortfall nobody pays.
"""

import datetime as dt

import numpy as np
import pytest

from finmodel.engine import run_plan
from finmodel.plan import plan_from_dict
from finmodel.scenario import Scenario, apply_scenario
from tests.support.plans import mini_plan

STREAMS = ["nhs_transfer_s256", "ccg_minimum", "carers_breaks", "ccg_reablement", "dfg", "social_care_capital"]


def random_plan(rng: np.random.Generator) -> dict:
    data = mini_plan()
    years = ["2014/15", "2015/16"]
    orgs = ["NHS Testshire CCG", "Testshire Council", "NHS England"]
    data["contributions"] = [
        {"year": str(rng.choice(years)), "organisation": str(rng.choice(orgs)), "stream": str(rng.choice(STREAMS)),
         "amount": float(rng.integers(0, 3_000_000)), "source": "random"}
        for _ in range(rng.integers(3, 9))
    ]
    streams = sorted({c["stream"] for c in data["contributions"]})
    schemes = []
    for j in range(rng.integers(1, 7)):
        s = {"id": f"R{j}", "name": f"Random {j}", "area_of_spend": "social_care", "commissioner": "joint",
             "nhs_share_pct": float(rng.uniform(0, 100)), "provider": "P", "funding_stream": str(rng.choice(streams)),
             "status": "new", "recurrent": True, "spend": {y: float(rng.integers(0, 1_000_000)) for y in years},
             "source": "random"}
        if rng.random() < 0.5:
            s["benefits"] = {"2015/16": float(rng.integers(0, 300_000))}
            s["benefit_activity"] = str(rng.choice(["emergency_admissions", "outpatients", "other"]))
        schemes.append(s)
    data["schemes"] = schemes
    P = int(rng.integers(1, 5))
    shares = rng.dirichlet(np.ones(P)) * 100
    shares[-1] = 100 - shares[:-1].sum()
    data["partners"] = [
        {"name": f"Partner {p}", "kind": "other", "share_pct": float(shares[p]), "source": "random",
         **({"cap": float(rng.choice([0, 50_000, 500_000]))} if rng.random() < 0.5 else {})}
        for p in range(P)
    ]
    data["qipp"] = {"source": "random", "cohorts": [{
        "name": "C", "go_live": dt.date(2014, int(rng.integers(4, 13)), 1), "initial_reduction_pct": 20,
        "step_pp_pm": float(rng.uniform(0, 3)), "ceiling_pct": float(rng.uniform(20, 40)), "source": "random",
        "lines": [{"kind": "emergency_admissions", "baseline_pa": float(rng.integers(100, 2000)), "tariff_gbp": 2000, "source": "r"},
                  {"kind": "outpatient_first", "baseline_pa": float(rng.integers(100, 2000)), "tariff_gbp": 150, "source": "r"}],
    }]}
    data["p4p"] = {"nel_baseline_by_quarter": [float(x) for x in rng.integers(1000, 6000, 4)],
                   "planned_reduction_pct": float(rng.uniform(0, 6)), "source": "random"}
    data["risk_share"] = {"contingency_basis": str(rng.choice(["p4p_unreleased", "p4p_sum", "none"])),
                          "share_underspend": bool(rng.random() < 0.7), "beds_planned_to_close": 60.0, "source": "random"}
    return data


def random_outturn(rng: np.random.Generator) -> dict:
    return {
        "outturn.savings_delivery_pct": float(rng.uniform(0, 130)),
        "outturn.ea_reduction_delivery_pct": float(rng.uniform(0, 120)),
        "outturn.nel_admissions_change_pct": float(rng.uniform(-6, 8)),
        "outturn.go_live_delay_months": int(rng.integers(0, 9)),
        "outturn.beds_not_closed": float(rng.choice([0, 30, 60])),
    }


@pytest.mark.parametrize("seed", range(40))
def test_invariants_hold_for_random_plans(seed):
    rng = np.random.default_rng(seed)
    data = random_plan(rng)
    scen = Scenario("random", overrides=random_outturn(rng))
    plan = apply_scenario(data, "random.toml", scen)
    r = run_plan(plan, "random.toml", scen)
    pool, o = r.pool, r.outputs
    # pool: streams and organisations each add up to the pool; sources - uses = unallocated
    assert pool.by_year_stream_gbp[0].sum(axis=1) == pytest.approx(pool.pool_gbp[0])
    assert pool.by_year_org_gbp[0].sum(axis=1) == pytest.approx(pool.pool_gbp[0])
    assert pool.pool_gbp[0] - pool.spend_gbp[0] == pytest.approx(pool.unallocated_gbp[0])
    # risk share: every pound of the shortfall is accounted for
    paid = o.partner_payments_gbp[0].sum(axis=-1)
    total = o.contingency_used_gbp[0] + paid + o.unfunded_gap_gbp[0] - o.underspend_retained_gbp[0]
    assert total == pytest.approx(o.shortfall_gbp[0], abs=1e-6)
    caps = np.array([p.cap if p.cap is not None else np.inf for p in plan.partners])
    assert np.all(o.partner_payments_gbp[0] <= caps + 1e-6)
    assert np.all(o.contingency_used_gbp[0] <= o.contingency_gbp[0] + 1e-9)
    zero = np.abs(o.shortfall_gbp[0]) < 1e-9
    assert np.all(o.partner_payments_gbp[0][zero] == 0)
    # P4P: never more released than the sum
    assert 0 <= o.p4p_released_gbp[0] <= o.p4p_sum_gbp[0] + 1e-6


def test_base_case_of_a_random_plan_has_no_savings_shortfall():
    rng = np.random.default_rng(7)
    data = random_plan(rng)
    r = run_plan(plan_from_dict(data), "random.toml", Scenario("base"))
    assert r.outputs.shortfall_parts_gbp[0, :, 0] == pytest.approx(0, abs=1e-6)
