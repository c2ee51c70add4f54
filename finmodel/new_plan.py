"""`finmodel new`: a plan file to start from, with every required section.

The skeleton is a valid plan (so `finmodel check` and `finmodel run` work on it at
once), but every figure in it is a placeholder: its source says ``FILL IN``, and the
``placeholders`` check is Red, listing them, until each has a real figure and source.
Optional sections are written commented out, with what they are for.
"""

from __future__ import annotations

import json

from finmodel.plan import STREAM_LABELS

#: The text that marks a placeholder in a source; the placeholders check looks for it.
PLACEHOLDER = "FILL IN"


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def skeleton(hwb_name: str, ons_code: str) -> str:
    """The TOML text of a new plan for ``hwb_name`` (validated by the caller)."""
    ccg, council = f"NHS {hwb_name} CCG", f"{hwb_name} Council"
    streams = "\n".join(f"#   {s.value:<22} {label}" for s, label in STREAM_LABELS.items())
    fill = _q(f"{PLACEHOLDER}: the published figure, or 'assumption: why'")
    # one line per (year, organisation, stream): what it must put in, and what it does
    lines = [("2014/15", "NHS England (s256 transfer)", "nhs_transfer_s256"), ("2015/16", ccg, "ccg_minimum"),
             ("2015/16", council, "dfg")]
    minimum_lines = ",\n".join(f"  {{ year = {_q(y)}, organisation = {_q(o)}, stream = {_q(st)}, amount = 1, "
                               f"source = {fill} }}" for y, o, st in lines)
    contribution_blocks = "\n\n".join(f"[[contributions]]\nyear = {_q(y)}\norganisation = {_q(o)}\n"
                                       f"stream = {_q(st)}\namount = 1\nsource = {fill}" for y, o, st in lines)
    return f'''# Better Care Fund plan: {hwb_name} Health and Wellbeing Board.
# Written by `finmodel new`.  Every figure below is a placeholder whose source says
# "{PLACEHOLDER}"; `finmodel check` is Red on "placeholders" until each has a real figure
# and a source (a seed document, a published figure, or "assumption: why").
#
# Required sections: money_unit, years, [hwb], [[contributions]], [minimum_pool],
# [social_care_protection], [care_act], [carers].  Optional: [national_shares], [[schemes]],
# [[metrics]], [[partners]], [qipp], [five_year], [p4p], [risk_share], [outturn],
# [[national_conditions]], [assumptions].  inputs/luton.toml shows every section in use.
#
# Funding streams (the `stream` of a contribution, the `funding_stream` of a scheme):
{streams}

money_unit = "gbp_thousands"     # or "gbp": the unit of every amount in this file
years = ["2014/15", "2015/16"]   # at least these two; add "2016/17" ... for the five-year profile

[hwb]
name = {_q(hwb_name)}
ons_code = {_q(ons_code)}
councils = [{_q(council)}]
two_tier = false                 # true: name the district councils the DFG passes to
district_councils = []

[[hwb.ccgs]]
name = {_q(ccg)}
share_in_hwb_pct = 100.0         # share of this CCG's BCF contribution that falls in this HWB [%]

# Each organisation's required contribution (its allocation), which the plan is checked against.
[minimum_pool]
method = "by_organisation"       # or "stated" (one figure a year) or "derived" (needs [national_shares])
source = {fill}
by_organisation = [
{minimum_lines}
]

# What each organisation puts in, by year and stream (amounts in money_unit).
{contribution_blocks}

# Where the money goes: one [[schemes]] per line of the expenditure plan.
[[schemes]]
id = "S1"
name = "Protecting social care services"
area_of_spend = "social_care"    # social_care, community_health, acute, primary_care, mental_health, other
commissioner = "council"         # council, ccg, or joint (then nhs_share_pct)
provider = {_q(council)}
funding_stream = "ccg_minimum"
status = "existing"              # new or existing
recurrent = true
protects_social_care = true
spend = {{ "2015/16" = 1 }}
source = {fill}

[social_care_protection]
definition = {_q(PLACEHOLDER + ": the local definition of protecting social care services")}
amount = {{ "2015/16" = 1 }}
source = {fill}

[care_act]                       # back it with schemes flagged care_act = true
amount = {{ "2015/16" = 1 }}
source = {fill}

[carers]
amount = {{ "2015/16" = 1 }}
source = {fill}

# Optional, uncomment and fill in:
# [[metrics]]            name, unit, higher_is_better, baseline, target, source (each of the five national metrics)
# [[partners]]           name, kind (ccg, council, acute_trust, other), share_pct, cap, source: who pays a shortfall
# [p4p]                  design, year, nel_baseline_by_quarter, planned_reduction_pct, source
# [risk_share]           contingency_basis, beds_planned_to_close, source
# [[national_conditions]] condition, status (met, partly, not_met), evidence, page_ref, source
'''
