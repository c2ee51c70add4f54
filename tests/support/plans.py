"""Small hand-checkable plans for tests, as dicts (the shape of a plan TOML file)."""

from __future__ import annotations

import copy
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LUTON = REPO / "inputs" / "luton.toml"
CENTRAL_BEDS = REPO / "inputs" / "central_bedfordshire.toml"

PENNY = 0.005


def _scheme(id_, stream, spend, area="social_care", commissioner="council", **extra):
    s = {
        "id": id_, "name": f"Scheme {id_}", "area_of_spend": area, "commissioner": commissioner,
        "provider": "Provider", "funding_stream": stream, "status": "existing", "recurrent": True,
        "spend": spend, "source": "test",
    }
    s.update(extra)
    return s


def mini_plan() -> dict:
    """A two-year plan in £ whose every figure is worked by hand in the tests.

    Pool 2014/15 = 1,000,000 (s256).  Pool 2015/16 = 2,000,000 CCG minimum + 100,000
    carers + 300,000 DFG + 200,000 social care capital = 2,600,000 (capital 500,000).
    Schemes 2015/16 = 1,500,000 + 100,000 + 300,000 + 200,000 = 2,100,000, so 500,000
    is unallocated.
    """
    return copy.deepcopy({
        "money_unit": "gbp",
        "years": ["2014/15", "2015/16"],
        "hwb": {
            "name": "Testshire", "ons_code": "E06000999", "councils": ["Testshire Council"],
            "ccgs": [{"name": "NHS Testshire CCG", "share_in_hwb_pct": 100}],
        },
        "contributions": [
            {"year": "2014/15", "organisation": "NHS England", "stream": "nhs_transfer_s256", "amount": 1_000_000, "source": "test"},
            {"year": "2015/16", "organisation": "NHS Testshire CCG", "stream": "ccg_minimum", "amount": 2_000_000, "source": "test"},
            {"year": "2015/16", "organisation": "NHS Testshire CCG", "stream": "carers_breaks", "amount": 100_000, "source": "test"},
            {"year": "2015/16", "organisation": "Testshire Council", "stream": "dfg", "amount": 300_000, "source": "test"},
            {"year": "2015/16", "organisation": "Testshire Council", "stream": "social_care_capital", "amount": 200_000, "source": "test"},
        ],
        "minimum_pool": {"method": "stated", "stated": {"2014/15": 1_000_000, "2015/16": 2_500_000}, "source": "test"},
        "national_shares": {"revenue_pct": 0.1, "capital_pct": 0.1, "source": "test"},
        "schemes": [
            _scheme("S1", "nhs_transfer_s256", {"2014/15": 1_000_000}, protects_social_care=True),
            _scheme("S2", "ccg_minimum", {"2015/16": 1_500_000}, area="community_health", commissioner="joint",
                    nhs_share_pct=60, nhs_out_of_hospital=True, benefits={"2015/16": 200_000},
                    benefit_activity="emergency_admissions"),
            _scheme("S3", "carers_breaks", {"2015/16": 100_000}, protects_social_care=True),
            _scheme("S4", "dfg", {"2015/16": 300_000}, area="other"),
            _scheme("S5", "social_care_capital", {"2015/16": 200_000}, area="other"),
        ],
        "social_care_protection": {"definition": "Keep eligibility", "amount": {"2015/16": 100_000}, "source": "test"},
        "care_act": {"amount": {"2015/16": 121_500}, "source": "test"},
        "carers": {"amount": {"2015/16": 100_000}, "source": "test"},
    })


def write_toml(data: dict, path: Path) -> Path:
    """Write a plan dict as TOML (enough of TOML for these test plans)."""
    path.write_text(to_toml(data), "utf-8")
    return path


def _value(v) -> str:
    import datetime as dt
    import json

    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def to_toml(data: dict) -> str:
    """Top-level scalars, then every top-level key as an inline value (valid TOML)."""
    return "\n".join(f"{k} = {_value(v)}" for k, v in data.items()) + "\n"
