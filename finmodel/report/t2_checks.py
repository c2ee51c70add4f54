"""Live assurance checks on the Cover: the finance RAGs as formulas over the workbook's input cells.

Six of the engine's checks (:mod:`finmodel.checks`) are rewritten here as spreadsheet
formulas, so that a finance lead who edits an input sees the RAG and its reason change:
minimum pooled, sources = uses, protection of social care, Care Act, contingency and
P4P ambition.  Each formula makes the engine's comparison on the same figures, in
pounds, with the same penny tolerance (``x + 0.005 < y``) and the same thresholds
(90% of the Care Act share, 3.5% planned fall, 70% of plan for the original design).
Cells on the £000 sheets are multiplied by 1000 before comparing.

Every formula is built together with its cached value (:class:`Txt`): the cached text
is what the formula gives on the engine's figures, so a reader that does not
recalculate sees the engine's answer, and the LibreOffice recalculation test proves
formula and cache agree.  Amounts in reasons are shown as the engine shows them
(``£1,234`` to the pound, ``-£`` when negative).

Parts that are not inputs stay constants of the formula: the national shares behind
the Care Act's proportionate share, the partner names and the contingency basis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from finmodel.checks import CARE_ACT_GREEN_FRAC, PENNY_GBP, gbp
from finmodel.report.t2_base import _f, _name_year
from finmodel.report.xlsx_match import text_literal

#: The check keys (finmodel.checks.Check.key) written as live formulas.
LIVE_KEYS = ("minimum_pooled", "sources_equal_uses", "social_care_protection", "care_act", "contingency", "p4p_ambition")
#: Year of the Care Act and protection checks (as in finmodel.checks).
CHECK_YEAR = "2015/16"
#: Minimum P4P planned reduction [%] (finmodel.checks.check_p4p_ambition).
P4P_MIN_PCT = 3.5
#: Share of plan the metrics must reach for the performance money to fund the contingency (original design).
METRICS_CONTINGENCY_FRAC = 0.7
#: Longest formula Excel accepts is 8,192 characters (with the leading "="); keep under it.
MAX_FORMULA_CHARS = 8000
#: Header of the Cover's hidden column holding each check's key.
CHECK_KEY_HEADER = "Check key"
_LONG = 10000  # MID(..., 3, _LONG) drops a leading "; " from a joined list


@dataclass(frozen=True)
class Txt:
    """A formula expression and the value it gives on the engine's figures."""

    expr: str
    val: object


def lit(text: str) -> Txt:
    return Txt(text_literal(text), text)


def cat(*parts: Txt) -> Txt:
    return Txt("&".join(p.expr for p in parts), "".join(str(p.val) for p in parts))


def when(cond: Txt, yes: Txt, no: Txt) -> Txt:
    return Txt(f"IF({cond.expr},{yes.expr},{no.expr})", yes.val if cond.val else no.val)


def money(expr: str, value_gbp: float) -> Txt:
    """``expr`` (£) as the engine writes money: £ to the pound, thousands separators, -£ when negative."""
    return Txt(f'IF(({expr})<0,"-£","£")&TEXT(ABS({expr}),"#,##0")', gbp(value_gbp))


def joined(items: list[tuple[Txt, Txt]], sep: str = "; ") -> Txt:
    """The texts whose condition holds, joined by ``sep`` (``MID`` drops the leading separator)."""
    if not items:
        return lit("")
    body = "&".join(f'IF({c.expr},{text_literal(sep)}&{t.expr},"")' for c, t in items)
    val = sep.join(str(t.val) for c, t in items if c.val)
    return Txt(f"MID({body},{len(sep) + 1},{_LONG})", val)


def any_of(conds: list[Txt]) -> Txt:
    if not conds:
        return Txt("FALSE", False)
    return Txt("OR(" + ",".join(c.expr for c in conds) + ")", any(bool(c.val) for c in conds))


def flag(ref: str, value: bool) -> Txt:
    """A yes/no input cell as a condition (a boolean, or the text Yes)."""
    return Txt(f'OR({ref}=TRUE,{ref}="Yes")', bool(value))


def rag3(red: Txt, amber: Txt, red_why: Txt, amber_why: Txt, green_why: Txt) -> tuple[Txt, Txt]:
    """(RAG, reason): Red if ``red``, else Amber if ``amber``, else Green."""
    rag = when(red, lit("Red"), when(amber, lit("Amber"), lit("Green")))
    why = when(red, red_why, when(amber, amber_why, green_why))
    return rag, why


class LiveChecks:
    """Mixin of the workbook builder: (RAG, reason) formula pairs for the Cover."""

    def live_check(self, key: str) -> tuple[Txt, Txt] | None:
        """The live (RAG, reason) of check ``key``, or None to show the engine's value."""
        fn = {"minimum_pooled": self.live_minimum_pooled, "sources_equal_uses": self.live_sources_equal_uses,
              "social_care_protection": self.live_protection, "care_act": self.live_care_act,
              "contingency": self.live_contingency, "p4p_ambition": self.live_p4p_ambition}.get(key)
        live = fn() if fn else None
        if live is not None and max(len(live[0].expr), len(live[1].expr)) > MAX_FORMULA_CHARS:
            return None  # a plan too big for one formula (many organisations or years): the engine's value is shown
        return live

    # helpers -------------------------------------------------------------------
    def _pool(self, y: int) -> Txt:
        return Txt(f"Pool_{_name_year(self.years[y])}*1000", _f(self.r.pool.pool_gbp[0, y]))

    def _num(self, expr: str, value: float) -> Txt:
        return Txt(expr, float(value))

    @staticmethod
    def _lt_penny(a: Txt, b: Txt) -> Txt:
        """a + penny < b (the engine's "short of" test)."""
        return Txt(f"({a.expr})+{PENNY_GBP}<({b.expr})", a.val + PENNY_GBP < b.val)

    # minimum pooled --------------------------------------------------------------
    def live_minimum_pooled(self) -> tuple[Txt, Txt]:
        """Red if a year's pool, or an organisation's contributions, fall a penny or more short of the minimum."""
        pool, plan = self.r.pool, self.plan
        shorts, year_parts = [], []
        for k, org in enumerate(pool.minimum_orgs):
            for y, label in enumerate(self.years):
                refs = [self.a_ref(["minimum_pool", "by_organisation", i, "amount"])
                        for i, m in enumerate(plan.minimum_pool.by_organisation) if m.organisation == org and m.year == label]
                refs = [r for r in refs if r]
                if not refs:
                    continue
                need = Txt("(" + "+".join(refs) + ")", _f(pool.minimum_by_org_gbp[0, y, k]))
                cell = self.fund_org_cells.get((org, y))  # None: the organisation contributes nothing
                has = Txt(f"{cell}*1000" if cell else "0", _f(pool.actual_by_min_org_gbp[0, y, k]))
                cond = Txt(f"AND({need.expr}>0,{self._lt_penny(has, need).expr})", need.val > 0 and has.val + PENNY_GBP < need.val)
                shorts.append((cond, cat(lit(f"{org} {label} contributes "), money(has.expr, has.val),
                                         lit(" of its minimum "), money(need.expr, need.val))))
        for y, label in enumerate(self.years):
            agreed = self._pool(y)
            minimum = Txt(f"Minimum_{_name_year(label)}*1000", _f(pool.minimum_gbp[0, y]))
            asked = Txt(f"OR({minimum.expr}>0,{agreed.expr}>0)", minimum.val > 0 or agreed.val > 0)
            short = self._lt_penny(agreed, minimum)
            cond = Txt(f"AND({asked.expr},{short.expr})", bool(asked.val and short.val))
            gap = f"{minimum.expr}-{agreed.expr}"
            shorts.append((cond, cat(lit(f"{label} short by "), money(gap, minimum.val - agreed.val))))
            year_parts.append((asked, cat(lit(f"{label} "), money(agreed.expr, agreed.val), lit(" vs minimum "),
                                          money(minimum.expr, minimum.val))))
        red = any_of([c for c, _ in shorts])
        by_org = f" (each of {len(pool.minimum_orgs)} organisations at or above its own minimum)" if pool.minimum_orgs else ""
        rag = when(red, lit("Red"), lit("Green"))
        why = when(red, cat(lit("Below the minimum: "), joined(shorts), lit(".")), cat(joined(year_parts), lit(by_org + ".")))
        return rag, why

    # sources = uses ------------------------------------------------------------------
    def live_sources_equal_uses(self) -> tuple[Txt, Txt]:
        """Red if a year or a funding stream is overcommitted by more than a penny; Amber if money is unallocated."""
        pool = self.r.pool
        over, under, fully = [], [], []
        for y, label in enumerate(self.years):
            ny = _name_year(label)
            u = Txt(f"(Pool_{ny}*1000-Spend_{ny}*1000)", _f(pool.unallocated_gbp[0, y]))
            over.append((Txt(f"{u.expr}<-{PENNY_GBP}", u.val < -PENNY_GBP), cat(lit(f"{label} overcommitted by "), money(f"-{u.expr}", -u.val))))
            under.append((Txt(f"{u.expr}>{PENNY_GBP}", u.val > PENNY_GBP), cat(lit(f"{label} "), money(u.expr, u.val), lit(" unallocated"))))
            p = self._pool(y)
            fully.append((Txt(f"{p.expr}>0", p.val > 0), cat(lit(f"{label} "), money(p.expr, p.val))))
        for y, label in enumerate(self.years):  # one item a year: the total spent beyond the streams' own money
            worst = Txt(f"{self.refs['stream_over_max'][y]}*1000", _f(pool.stream_overcommitted_gbp[0, y].max(initial=0.0)))
            total = Txt(f"{self.refs['stream_over_sum'][y]}*1000", _f(pool.stream_overcommitted_gbp[0, y].sum()))
            over.append((Txt(f"{worst.expr}>{PENNY_GBP}", worst.val > PENNY_GBP),
                         cat(lit(f"{label} funding streams overspent by "), Txt(f'"£"&TEXT({total.expr},"#,##0")', gbp(total.val)),
                             lit(" in total (Expenditure plan: spend beyond what its funding stream contributes)"))))
        return rag3(any_of([c for c, _ in over]), any_of([c for c, _ in under]),
                    cat(joined(over), lit(".")), cat(joined(under), lit(".")),
                    cat(lit("Pool fully planned: "), joined(fully, ", "), lit(".")))

    # protection of social care ------------------------------------------------------
    def live_protection(self) -> tuple[Txt, Txt]:
        """Red without a local definition or an amount; Amber if flagged schemes fund less than the amount stated."""
        pool, plan = self.r.pool, self.plan
        y = self.years.index(CHECK_YEAR)
        def_ref = self.a_ref(["social_care_protection", "definition"])
        defined = Txt(f"LEN(TRIM({def_ref}))>0", bool(plan.social_care_protection.definition.strip()))
        stated = Txt(f"{self.refs['prot_stated'][y]}*1000", _f(pool.protection_stated_gbp[y]))
        funded = Txt(f"{self.refs['prot_schemes'][y]}*1000", _f(pool.protection_schemes_gbp[0, y]))
        p = self._pool(y)
        pct = Txt(f"IF({p.expr}=0,0,{stated.expr}/({p.expr})*100)", _f(pool.protection_pct_of_pool[0, y]))
        numbers = cat(lit(f"{CHECK_YEAR} stated "), money(stated.expr, stated.val), lit(" ("),
                      Txt(f'TEXT({pct.expr},"0.0")', f"{pct.val:.1f}"), lit("% of pool), schemes flagged "),
                      money(funded.expr, funded.val))
        red = Txt(f"OR(NOT({defined.expr}),{stated.expr}<=0)", (not defined.val) or stated.val <= 0)
        red_why = cat(when(Txt(f"NOT({defined.expr})", not defined.val), lit("No local definition; "), lit("No amount; ")),
                      numbers, lit("."))
        amber_why = cat(numbers, lit(": schemes fund "), money(f"{stated.expr}-{funded.expr}", stated.val - funded.val),
                        lit(" less than stated."))
        return rag3(red, self._lt_penny(funded, stated), red_why, amber_why, cat(numbers, lit(".")))

    # Care Act ------------------------------------------------------------------------------
    def live_care_act(self) -> tuple[Txt, Txt]:
        """Red without an amount; Amber if flagged schemes carry less, or without national shares, or under 90% of the share."""
        pool = self.r.pool
        y = self.years.index(CHECK_YEAR)
        amount = Txt(f"{self.refs['care_act'][y]}*1000", _f(pool.care_act_gbp[y]))
        backed = Txt(f"{self.refs['care_act_schemes'][y]}*1000", _f(pool.care_act_schemes_gbp[0, y]))
        share = _f(pool.care_act_share_gbp[y])
        known = math.isfinite(share)
        red_why = lit(f"No Care Act money identified in {CHECK_YEAR} (proportionate share {gbp(share) if known else 'unknown'}).")
        unbacked = cat(money(amount.expr, amount.val), lit(f" stated for {CHECK_YEAR}, but schemes flagged as Care Act spend carry "),
                       money(backed.expr, backed.val), lit(": "), money(f"{amount.expr}-{backed.expr}", amount.val - backed.val),
                       lit(" is not backed by a scheme."))
        if not known:
            tail_cond = Txt("TRUE", True)
            tail_why = cat(money(amount.expr, amount.val), lit(f" identified in {CHECK_YEAR}, but the plan gives no national "
                                                                "shares to test proportion."))
            green_why = tail_why
        elif share > 0:
            ratio = Txt(f"{amount.expr}/{share!r}", amount.val / share)
            reason = cat(money(amount.expr, amount.val), lit(f" in {CHECK_YEAR} = "),
                         Txt(f'TEXT({ratio.expr}*100,"0")', f"{ratio.val:.0%}"[:-1]),
                         lit(f"% of the proportionate share {gbp(share)}"))
            tail_cond = Txt(f"{ratio.expr}<{CARE_ACT_GREEN_FRAC}", ratio.val < CARE_ACT_GREEN_FRAC)
            tail_why = cat(reason, lit(f" (below {CARE_ACT_GREEN_FRAC:.0%})."))
            green_why = cat(reason, lit("."))
        else:  # a zero share: any amount is proportionate
            tail_cond = Txt("FALSE", False)
            tail_why = green_why = cat(money(amount.expr, amount.val), lit(f" in {CHECK_YEAR}; the proportionate share is £0."))
        amber = Txt(f"OR({self._lt_penny(backed, amount).expr},{tail_cond.expr})",
                    backed.val + PENNY_GBP < amount.val or bool(tail_cond.val))
        amber_why = when(self._lt_penny(backed, amount), unbacked, tail_why)
        return rag3(Txt(f"{amount.expr}<=0", amount.val <= 0), amber, red_why, amber_why, green_why)

    # contingency --------------------------------------------------------------------------
    def live_contingency(self) -> tuple[Txt, Txt] | None:
        """Amber if the scenario leaves an unfunded gap (or a stated contingency is £0); Red if the 70% rule bars it."""
        plan, out = self.plan, self.r.outputs
        rs = plan.risk_share
        if rs is None or not plan.partners or rs.contingency_basis == "none" or "contingency_total" not in self.refs:
            return None  # no input in the workbook can change these: the engine's value is shown
        basis = rs.contingency_basis
        names = ", ".join(p.name for p in plan.partners)
        cont = Txt(self.refs["contingency_total"], _f(out.contingency_gbp[0].sum()))
        gap = Txt("Unfunded_Gap_Total", _f(out.unfunded_gap_gbp[0].sum()))
        short = Txt(f'SUMIF({self.refs["shortfall_years"]},">0")', _f(np.clip(out.shortfall_gbp[0], 0, None).sum()))
        if basis == "p4p_unreleased" and "p4p_sum" in self.refs:
            held = cat(lit("Contingency: the P4P money not released ("), money(cont.expr, cont.val),
                       lit(" in this scenario, of a "), money("P4P_Sum", _f(out.p4p_sum_gbp[0])), lit(" P4P sum)"))
        else:
            held = cat(lit("Contingency "), money(cont.expr, cont.val), lit(f" ({basis.replace('_', ' ')})"))
        reason = cat(held, lit("; partners "), lit(names), lit("; this scenario's shortfall "), money(short.expr, short.val),
                     lit(", unfunded "), money(gap.expr, gap.val))
        if basis == "stated":
            red = Txt("FALSE", False)
            red_why = lit("")
            zero = Txt(f"{cont.expr}<=0", cont.val <= 0)
            amber = Txt(f"OR({zero.expr},{gap.expr}>{PENNY_GBP})", bool(zero.val) or gap.val > PENNY_GBP)
            amber_why = when(zero, lit(f"A stated contingency of £0 in every year; partners {names}."), cat(reason, lit(".")))
        else:
            rule = (plan.p4p is not None and plan.p4p.design == "original" and basis in ("p4p_sum", "p4p_unreleased")
                    and "achievement" in self.refs)
            if rule:
                ach = Txt(self.refs["achievement"], _f(out.metrics_overall_frac[0]))
                red = Txt(f"{ach.expr}<{METRICS_CONTINGENCY_FRAC}", ach.val < METRICS_CONTINGENCY_FRAC)
                red_why = cat(lit("Recovery plan needed: the metrics are at "), Txt(f'TEXT({ach.expr}*100,"0.0")', f"{ach.val * 100:.1f}"),
                              lit("% of plan, below 70%, so the performance money may not fund the contingency (£0); "),
                              reason, lit("."))
            else:
                red, red_why = Txt("FALSE", False), lit("")
            amber = Txt(f"{gap.expr}>{PENNY_GBP}", gap.val > PENNY_GBP)
            amber_why = cat(reason, lit("."))
        return rag3(red, amber, red_why, amber_why, cat(reason, lit(".")))

    # P4P ambition -----------------------------------------------------------------------------
    def live_p4p_ambition(self) -> tuple[Txt, Txt] | None:
        """Green at a planned fall of 3.5% or more; Amber below it with a credible case claimed; else Red."""
        p = self.plan.p4p
        cred_ref = self.a_ref(["p4p", "credible_case_claimed"])
        if p is None or "p4p_reduction" not in self.refs or cred_ref is None:
            return None
        pct = Txt(self.refs["p4p_reduction"], float(p.planned_reduction_pct))
        reason = cat(lit("Planned reduction "), Txt(f'{pct.expr}&""', f"{pct.val:g}"), lit("%, P4P sum "),
                     money("P4P_Sum", _f(self.r.outputs.p4p_sum_gbp[0])))
        low = Txt(f"{pct.expr}<{P4P_MIN_PCT}", pct.val < P4P_MIN_PCT)
        credible = flag(cred_ref, p.credible_case_claimed)
        red = Txt(f"AND({low.expr},NOT({credible.expr}))", bool(low.val and not credible.val))
        return rag3(red, low, cat(reason, lit(": below 3.5% with no credible case.")),
                    cat(reason, lit(": below 3.5%, credible case claimed.")), cat(reason, lit(".")))
