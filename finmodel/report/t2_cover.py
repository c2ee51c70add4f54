"""The Cover and About sheets: who the plan is for, the pool against its minimum, sign-off, checklist and assurance checks."""

from __future__ import annotations

from datetime import datetime, timezone

from finmodel.report import t2_common as L
from finmodel.report.t2_base import _f, _name_year
from finmodel.report.t2_checks import CHECK_KEY_HEADER
from finmodel.report.t2_units import UNITS_LABEL, UNITS_VALUE
from finmodel.report.xlsx_utils import write_formula, write_text


class CoverSheet:
    """Mixin of the workbook builder (:class:`finmodel.report.t2_base.SheetBuilder`)."""

    # About ---------------------------------------------------------------------------------
    def about(self) -> None:
        ws, s, r = self.ws[L.ABOUT], self.s, self.r
        self.title(ws, "About this workbook")
        rows = [
            ("finmodel version", r.version),
            ("Plan file", r.plan_path),
            ("Plan sha256", r.plan_sha256 or "(not recorded)"),
            ("Scenario", r.scenario.name),
            ("Scenario description", r.scenario.description or ""),
            ("Run at (UTC)", r.created_utc or ""),
            ("Workbook written at (UTC)", datetime.now(timezone.utc).isoformat(timespec="seconds")),
            (UNITS_LABEL, UNITS_VALUE),
        ]
        if self.sweep:
            rows.append(("Sweep seed", str(self.sweep.get("seed", "(not given)"))))
        for w in r.warnings:
            rows.append(("Warning", w))
        for i, (k, v) in enumerate(rows):
            write_text(ws, 3 + i, 0, k, s.bold)
            self.write_wrapped(ws, 3 + i, 1, str(v))
        self.finish(ws, widths=[28, 100])

    # Cover -------------------------------------------------------------------------------------
    def cover(self) -> None:
        ws, s, plan, pool = self.ws[L.COVER], self.s, self.plan, self.r.pool
        h = plan.hwb
        self.title(ws, "Better Care Fund: Template 2 (finance and metrics)",
                   "Yellow cells are inputs, grey cells are calculated. Sheets are protected without a password.")
        info = [
            ("Health and Wellbeing Board", h.name),
            ("ONS code", h.ons_code),
            ("Councils", "; ".join(h.councils)),
            ("Clinical Commissioning Groups", "; ".join(f"{c.name} ({c.share_in_hwb_pct:g}% in this HWB)" for c in h.ccgs)),
            ("District councils (DFG pass-through)", "; ".join(h.district_councils) or "none (single tier)"),
            ("Years", ", ".join(self.years)),
            ("Scenario", f"{self.r.scenario.name}: {self.r.scenario.description}"),
        ]
        r = 3
        for k, v in info:
            write_text(ws, r, 0, k, s.bold)
            write_text(ws, r, 1, v, s.text)
            r += 1
        r += 1
        self.header(ws, r, ["Year", "Minimum required pool (£)", "Agreed pool (£)", "Margin (£)"])
        r += 1
        for y, label in enumerate(self.years):
            write_text(ws, r, 0, label, s.text)
            ny = _name_year(label)
            write_formula(ws, r, 1, f"=Minimum_{ny}*1000", _f(pool.minimum_gbp[0, y]), s.calc)
            write_formula(ws, r, 2, f"=Pool_{ny}*1000", _f(pool.pool_gbp[0, y]), s.calc)
            write_formula(ws, r, 3, f"=C{r + 1}-B{r + 1}", _f(pool.margin_gbp[0, y]), s.calc)
            r += 1
        r += 1
        write_text(ws, r, 0, "Sign-off", s.section)
        r += 1
        self.header(ws, r, ["Signed on behalf of", "Name", "Role", "Date"])
        r += 1
        signers = [f"{h.name} Health and Wellbeing Board"] + list(h.councils) + [c.name for c in h.ccgs]
        for who in signers:
            write_text(ws, r, 0, who, s.text)
            for col in (1, 2, 3):
                ws.write_blank(r, col, None, s.text_input)
            r += 1
        r += 1
        write_text(ws, r, 0, "Checklist of incomplete fields", s.section)
        r += 1
        self.header(ws, r, ["Item", "Status", "Detail"])
        r += 1
        for item, ok, detail in self.checklist():
            write_text(ws, r, 0, item, s.text)
            write_text(ws, r, 1, "Complete" if ok else "Incomplete", s.rag["Green" if ok else "Amber"])
            self.write_wrapped(ws, r, 2, detail)
            r += 1
        r += 1
        write_text(ws, r, 0, "Assurance checks", s.section)
        r += 1
        self.header(ws, r, ["Question", "RAG", "Reason", "Kept up to date", CHECK_KEY_HEADER])
        r += 1
        first = r
        for chk in self.r.checks:
            self.write_wrapped(ws, r, 0, chk.question)
            live = self.live_check(chk.key)
            if live is None:
                write_text(ws, r, 1, chk.rag, s.rag[chk.rag])
                self.write_wrapped(ws, r, 2, chk.reason)
                self.write_wrapped(ws, r, 3, "no: the engine's value when written", s.note)
            else:
                rag, why = live
                write_formula(ws, r, 1, "=" + rag.expr, rag.val, s.rag_live)
                write_formula(ws, r, 2, "=" + why.expr, why.val, s.calc_wrap)
                self.wrapped(ws, r, 2, str(why.val))
                self.write_wrapped(ws, r, 3, "yes: a formula over the input cells", s.note)
            write_text(ws, r, 4, chk.key, s.text)  # machine column (hidden): the check's key in finmodel.checks
            r += 1
        for rag, fmt in s.rag.items():  # the colour follows the live value
            ws.conditional_format(first, 1, r - 1, 1, {"type": "cell", "criteria": "==", "value": f'"{rag}"', "format": fmt})
        ws.set_column(4, 4, 16, None, {"hidden": True})  # check keys, for machines
        self.finish(ws, 0, 0, widths=[40, 12, 62, 18])

    def checklist(self) -> list[tuple[str, bool, str]]:
        plan = self.plan
        y = "2015/16"
        no_benefit = [sc.id for sc in plan.schemes if not any(v > 0 for v in sc.benefits.values())]
        no_activity = [sc.id for sc in plan.schemes if any(v > 0 for v in sc.benefits.values()) and sc.benefit_activity is None]
        items = [
            ("Care Act amount for 2015/16", plan.care_act.amount.get(y, 0.0) > 0, "Care Act amount missing" if plan.care_act.amount.get(y, 0.0) <= 0 else "stated"),
            ("Every scheme states its benefits", not no_benefit, ("schemes without benefits: " + ", ".join(no_benefit)) if no_benefit else "all schemes"),
            ("Benefit activity for every scheme with benefits", not no_activity, ", ".join(no_activity) or "all given"),
            ("Local definition of protecting social care", bool(plan.social_care_protection.definition.strip()), plan.social_care_protection.definition or "missing"),
            ("Protection of social care amount for 2015/16", plan.social_care_protection.amount.get(y, 0.0) > 0, "stated" if plan.social_care_protection.amount.get(y, 0.0) > 0 else "missing"),
            ("Carers amount for 2015/16", plan.carers.amount.get(y, 0.0) > 0, "stated" if plan.carers.amount.get(y, 0.0) > 0 else "missing"),
            ("Metrics with baselines and targets", bool(plan.metrics), f"{len(plan.metrics)} metrics"),
            ("Payment for performance (non-elective admissions)", plan.p4p is not None, "given" if plan.p4p else "no P4P section"),
            ("Risk share with partners and a contingency", plan.risk_share is not None and bool(plan.partners),
             f"{len(plan.partners)} partners" if plan.partners else "no partners named"),
            ("Sign-off names and dates", False, "to be completed in the yellow cells above"),
        ]
        return items


