"""The Contingency and risk share sheet: the shortfall, the contingency, partner payments and the unfunded gap, in £."""

from __future__ import annotations

import numpy as np

from finmodel.model import SHORTFALL_PARTS
from finmodel.report import t2_common as L
from finmodel.report.t2_base import PART_LABELS, PENNY, _f, _yn
from finmodel.report.t2_common import Key
from finmodel.report.t2_labels import label_of, labels
from finmodel.report.xlsx_utils import (
    add_list_validation, cell_ref, define_name, range_ref, write_formula, write_input_number, write_text,
)


class RiskShareSheet:
    """Mixin of the workbook builder (:class:`finmodel.report.t2_base.SheetBuilder`)."""

    # Contingency and risk share ----------------------------------------------------------------
    def risk(self) -> None:
        ws, s, plan, out, Y = self.ws[L.RISK], self.s, self.plan, self.r.outputs, self.Y
        rs = plan.risk_share
        partners = plan.partners
        P = len(partners)
        self.title(ws, f"Contingency and risk share: {plan.hwb.name}",
                   "The contingency absorbs a shortfall first; the rest is split between partners by share, "
                   "each up to its cap; what no partner covers is the unfunded gap.")
        r = 3
        self.header(ws, r, [L.PARTNERS_HEADER, "Kind", "Share (%)", "Cap (£, blank = none)", "Capped at its contribution", "Source"])
        first = r + 1
        spare = 5
        for i in range(P + spare):
            row = first + i
            p = partners[i] if i < P else None
            self.text_in(ws, row, 0, p.name if p else None)
            self.text_in(ws, row, 1, label_of("kind", p.kind) if p else None)
            if p is not None and isinstance(p.share_pct, dict):
                self.text_in(ws, row, 2, L.SHARE_BY_YEAR)  # the profile is entered in the share rows below
            else:
                self.num_in(ws, row, 2, p.share_pct if p else None, s.input_pp)
            self.num_in(ws, row, 3, p.cap if p else None, s.input)
            self.text_in(ws, row, 4, _yn(p.cap_at_contribution) if p else None)
            self.text_in(ws, row, 5, p.source if p else None, wrap=True)
            if p is not None:
                if p.share_pct is not None and not isinstance(p.share_pct, dict):
                    self.record(["partners", i, "share_pct"], L.RISK, row, 2)
                if p.cap is not None:
                    self.record(["partners", i, "cap"], L.RISK, row, 3)
        add_list_validation(ws, first, 1, first + P + spare - 1, labels("kind"))
        add_list_validation(ws, first, 4, first + P + spare - 1, ["Yes", "No"])
        r = first + P + spare
        write_text(ws, r, 0, L.TOTALS_LABEL, s.section)
        write_formula(ws, r, 2, f"=SUM({range_ref(first, 2, r - 1, 2, False)})",
                      float(sum(p.share_pct for p in partners if isinstance(p.share_pct, (int, float)))), s.calc_pp)
        write_text(ws, r, 1, "Shares total", s.text)
        basis = label_of("share_basis", rs.share_basis if rs else "fixed")
        cont_words = label_of("contingency_basis", rs.contingency_basis if rs else "none")
        self.write_wrapped(ws, r + 1, 0, f"Share basis: {basis}; contingency basis: {cont_words}; "
                                         f"underspend shared back: {_yn(rs.share_underspend) if rs else L.YES}", s.note)
        r += 3
        self.header(ws, r, [L.RISK_ITEM_HEADER] + self.years + ["Total"])
        hdr_row = r
        r += 1
        c0, c_tot = 1, 1 + Y
        note_rows = []

        def total_formula(row, cached, fmt, name=None):
            write_formula(ws, row, c_tot, f"=SUM({range_ref(row, c0, row, c0 + Y - 1, False)})", _f(cached), fmt)
            if name:
                define_name(self.wb, name, L.RISK, row, c_tot)

        def values_row(label, arr, fmt=s.calc, bold=False):
            nonlocal r
            write_text(ws, r, 0, label, s.bold if bold else s.text)
            for y in range(Y):
                write_input_number(ws, r, c0 + y, _f(arr[y]), fmt)
            total_formula(r, np.sum(arr), fmt)
            r += 1
            return r - 1

        values_row("Planned savings if targets fully met (counted once)", out.savings_planned_gbp[0], bold=True)
        values_row("Savings delivered in this scenario", out.savings_delivered_gbp[0])
        part_rows = [values_row(f"Shortfall: {PART_LABELS.get(name) or name.replace('_', ' ').capitalize()}", out.shortfall_parts_gbp[0, :, k])
                     for k, name in enumerate(SHORTFALL_PARTS)]
        short_row = r
        self.refs["shortfall_years"] = range_ref(r, c0, r, c0 + Y - 1, sheet=L.RISK)
        write_text(ws, r, 0, "Shortfall", s.bold)
        for y in range(Y):
            write_formula(ws, r, c0 + y, f"=SUM({range_ref(part_rows[0], c0 + y, part_rows[-1], c0 + y, False)})",
                          _f(out.shortfall_gbp[0, y]), s.total)
        total_formula(r, out.shortfall_gbp[0].sum(), s.total, "Shortfall_Total")
        r += 1
        cont_row = r
        write_text(ws, r, 0, "Contingency held in the pool", s.text)
        basis_c = rs.contingency_basis if rs else "none"
        py = self.years.index(plan.p4p.year) if plan.p4p else -1
        for y, label in enumerate(self.years):
            v = _f(out.contingency_gbp[0, y])
            # original design: the performance money funds the contingency only at 70% of plan or more
            rule = (lambda ref: f"=IF({self.refs['achievement']}>=0.7,{ref},0)") if "achievement" in self.refs else (lambda ref: "=" + ref)
            if basis_c == "p4p_sum" and y == py and "p4p_sum" in self.refs:
                write_formula(ws, r, c0 + y, rule(self.refs["p4p_sum"]), v, s.calc)
            elif basis_c == "p4p_unreleased" and y == py and "p4p_unreleased" in self.refs:
                write_formula(ws, r, c0 + y, rule(self.refs["p4p_unreleased"]), v, s.calc)
            elif basis_c == "stated":
                self.link_or_zero(ws, r, c0 + y, ["risk_share", "contingency", Key(label)], v, s.calc)
            else:
                write_input_number(ws, r, c0 + y, v, s.calc)
        total_formula(r, out.contingency_gbp[0].sum(), s.calc)
        self.refs["contingency_total"] = cell_ref(r, c_tot, sheet=L.RISK)
        r += 1
        used_row = r
        write_text(ws, r, 0, "Contingency used", s.bold)
        for y in range(Y):
            S, C = cell_ref(short_row, c0 + y, False), cell_ref(cont_row, c0 + y, False)
            write_formula(ws, r, c0 + y, f"=MIN(MAX({S},0),{C})", _f(out.contingency_used_gbp[0, y]), s.calc)
        total_formula(r, out.contingency_used_gbp[0].sum(), s.calc, "Contingency_Used_Total")
        r += 1
        to_row = r
        to_partners = np.maximum(out.shortfall_gbp[0], 0.0) - out.contingency_used_gbp[0]
        write_text(ws, r, 0, "To share between partners", s.text)
        for y in range(Y):
            S, U = cell_ref(short_row, c0 + y, False), cell_ref(used_row, c0 + y, False)
            write_formula(ws, r, c0 + y, f"=MAX({S},0)-{U}", _f(to_partners[y]), s.calc)
        total_formula(r, to_partners.sum(), s.calc)
        r += 1
        under_row = r
        shares = np.asarray(self.r.inputs.shares_frac, dtype=float)[0] if P else np.zeros((Y, 0))  # (Y, P)
        share_under = (rs.share_underspend if rs else True) and P > 0
        under_vals = np.array([max(-_f(out.shortfall_gbp[0, y]), 0.0) if share_under and shares[y].sum() > 0 else 0.0
                               for y in range(Y)])
        write_text(ws, r, 0, "Underspend shared back to partners", s.text)
        share_rows = list(range(r + 1, r + 1 + P))
        for y in range(Y):
            S = cell_ref(short_row, c0 + y, False)
            if share_under:
                tot = f"SUM({range_ref(share_rows[0], c0 + y, share_rows[-1], c0 + y, False)})"
                write_formula(ws, r, c0 + y, f"=IF({tot}>0,MAX(-{S},0),0)", _f(under_vals[y]), s.calc)
            else:
                write_input_number(ws, r, c0 + y, 0.0, s.calc)
        total_formula(r, under_vals.sum(), s.calc)
        r += 1
        for k, p in enumerate(partners):
            write_text(ws, r, 0, f"Share: {p.name} (%)", s.text)
            for y in range(Y):
                if basis == "fixed" and isinstance(p.share_pct, dict):  # a profile: one input per year
                    write_input_number(ws, r, c0 + y, float(p.share_pct_in(self.years[y]) or 0.0), s.input_pp)
                    self.record(["partners", k, "share_pct", Key(self.years[y])], L.RISK, r, c0 + y)
                elif basis == "fixed":
                    write_formula(ws, r, c0 + y, f"=$C${first + k + 1}", float(p.share_pct or 0.0), s.calc_pp)
                else:
                    write_input_number(ws, r, c0 + y, _f(shares[y, k] * 100.0), s.calc_pp)
            r += 1
        pay_rows = []
        payments = np.asarray(out.partner_payments_gbp, dtype=float)[0] if P else np.zeros((Y, 0))
        formula_year = []
        for y in range(Y):
            tot_share = sum((partners[k].share_pct_in(self.years[y]) or 0.0) if basis == "fixed" else shares[y, k] * 100.0
                            for k in range(P))
            ok = True
            for k in range(P):
                sh = (partners[k].share_pct_in(self.years[y]) or 0.0) if basis == "fixed" else shares[y, k] * 100.0
                calc = 0.0 if tot_share == 0 else (to_partners[y] - under_vals[y]) * sh / tot_share
                if abs(calc - payments[y, k]) > PENNY:
                    ok = False
            formula_year.append(ok)
        for k, p in enumerate(partners):
            write_text(ws, r, 0, f"Payment: {p.name}", s.bold)
            for y in range(Y):
                if formula_year[y]:
                    tot = f"SUM({range_ref(share_rows[0], c0 + y, share_rows[-1], c0 + y, False)})"
                    T, Uu = cell_ref(to_row, c0 + y, False), cell_ref(under_row, c0 + y, False)
                    Sh = cell_ref(share_rows[k], c0 + y, False)
                    write_formula(ws, r, c0 + y, f"=IF({tot}=0,0,({T}-{Uu})*{Sh}/{tot})", _f(payments[y, k]), s.calc)
                else:
                    write_input_number(ws, r, c0 + y, _f(payments[y, k]), s.calc)
            total_formula(r, payments[:, k].sum(), s.calc)
            pay_rows.append(r)
            r += 1
        gap_row = r
        write_text(ws, r, 0, "Unfunded gap", s.bold)
        for y in range(Y):
            T, Uu = cell_ref(to_row, c0 + y, False), cell_ref(under_row, c0 + y, False)
            pays = f"-SUM({range_ref(pay_rows[0], c0 + y, pay_rows[-1], c0 + y, False)})" if P else ""
            write_formula(ws, r, c0 + y, f"={T}{pays}-{Uu}", _f(out.unfunded_gap_gbp[0, y]), s.total)
        total_formula(r, out.unfunded_gap_gbp[0].sum(), s.total, "Unfunded_Gap_Total")
        r += 1
        ret_row = r
        write_text(ws, r, 0, "Underspend retained in the pool", s.text)
        for y in range(Y):
            S, Uu = cell_ref(short_row, c0 + y, False), cell_ref(under_row, c0 + y, False)
            write_formula(ws, r, c0 + y, f"=MAX(-{S},0)-{Uu}", _f(out.underspend_retained_gbp[0, y]), s.calc)
        total_formula(r, out.underspend_retained_gbp[0].sum(), s.calc)
        r += 1
        self.write_wrapped(ws, r, 0, "Check: used + payments + gap - retained - shortfall (should be 0)", s.note)
        for y in range(Y):
            col = c0 + y
            pays = f"+SUM({range_ref(pay_rows[0], col, pay_rows[-1], col, False)})" if P else ""
            f = (f"={cell_ref(used_row, col, False)}{pays}+{cell_ref(gap_row, col, False)}"
                 f"-{cell_ref(ret_row, col, False)}-{cell_ref(short_row, col, False)}")
            write_formula(ws, r, col, f, 0.0, s.calc)
        r += 2
        capped = [self.years[y] for y in range(Y) if not formula_year[y]]
        if capped:
            note_rows.append(r)
            self.write_wrapped(ws, r, 0, "Partner payments in " + ", ".join(capped) + " are the engine's values: a cap binds "
                       "there and the excess above it moves to the partners under their caps (not a formula).", s.note)
            r += 1
        self.write_wrapped(ws, r, 0, "Partner payments in the other years are live formulas: to share x share / total of shares.", s.note)
        r += 2
        widths = [46] + [14] * max(Y + 1, 5)
        if float(np.clip(out.shortfall_gbp[0], 0, None).sum()) <= PENNY:  # nothing to show: say so, no empty chart
            self.write_wrapped(ws, r, 0, "No shortfall in this scenario: nothing falls on the contingency or the partners, so "
                       "there is no chart of who pays.", s.note)
            self.finish(ws, 0, 1, widths=widths)
            return
        chart = self.wb.add_chart({"type": "column", "subtype": "stacked"})
        for row, name in ([(used_row, "Contingency used")] + [(pr, [L.RISK, first + k, 0]) for k, pr in enumerate(pay_rows)]
                          + [(gap_row, "Unfunded gap")]):
            chart.add_series({"name": name, "categories": [L.RISK, hdr_row, c0, hdr_row, c0 + Y - 1],
                              "values": [L.RISK, row, c0, row, c0 + Y - 1]})
        # every text of the chart sized here (10 pt prints at 8.4 pt on this sheet), not left to the defaults
        chart.set_title({"name": "Who pays the shortfall, by year (£)", "name_font": {"size": 12, "bold": True}})
        chart.set_x_axis({"num_font": {"size": 10}, "label_position": "low"})
        chart.set_y_axis({"num_format": "£#,##0", "name": "£", "name_font": {"size": 10}, "num_font": {"size": 10}})
        self.place_chart(ws, r, 0, chart, {"x_scale": 1.3, "y_scale": 1.2})  # below the tables, inside the page
        self.finish(ws, 0, 1, widths=widths)

