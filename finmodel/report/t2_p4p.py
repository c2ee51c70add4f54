"""The P4P and metrics sheet: the payment-for-performance sum and the metrics with baselines and targets."""

from __future__ import annotations

from finmodel.report import t2_common as L
from finmodel.report.t2_base import _f, _yn
from finmodel.report.t2_labels import label_of
from finmodel.report.xlsx_utils import (
    add_list_validation, cell_ref, define_name, range_ref, write_formula, write_input_number, write_text,
)


class P4PSheet:
    """Mixin of the workbook builder (:class:`finmodel.report.t2_base.SheetBuilder`)."""

    # P4P and metrics ----------------------------------------------------------------------
    def p4p(self) -> None:
        ws, s, plan, out = self.ws[L.P4P], self.s, self.plan, self.r.outputs
        p = plan.p4p
        self.title(ws, f"Payment for performance and metrics: {plan.hwb.name}",
                   "Revised design: P4P sum = baseline non-elective admissions x planned reduction x cost per admission.")
        r = 3
        if p is None:
            self.write_wrapped(ws, r, 0, "The plan has no payment-for-performance section.", s.note)
            r += 2
        else:
            self.header(ws, r, ["Item", "Q1", "Q2", "Q3", "Q4", "Total"])
            r += 1
            base_row, plan_row, act_row, rel_row, red_row, cost_row = r, r + 1, r + 2, r + 3, r + 5, r + 6
            write_text(ws, base_row, 0, L.P4P_BASELINE_LABEL, s.bold)
            write_text(ws, plan_row, 0, "Planned admissions avoided", s.bold)
            write_text(ws, act_row, 0, "Admissions avoided in this scenario (model)", s.text)
            write_text(ws, rel_row, 0, "P4P released in this scenario (£, model)", s.text)
            for q in range(4):
                write_input_number(ws, base_row, 1 + q, p.nel_baseline_by_quarter[q], s.input_count)
                self.record(["p4p", "nel_baseline_by_quarter", q], L.P4P, base_row, 1 + q)
                write_formula(ws, plan_row, 1 + q, f"={cell_ref(base_row, 1 + q, False)}*$B${red_row + 1}/100",
                              _f(out.nel_planned_avoided_q[0, q]), s.calc_count)
                write_input_number(ws, act_row, 1 + q, _f(out.nel_actual_avoided_q[0, q]), s.calc_count)
                write_input_number(ws, rel_row, 1 + q, _f(out.p4p_released_q_gbp[0, q]), s.calc)
            for row, cached, fmt in ((base_row, sum(p.nel_baseline_by_quarter), s.calc_count),
                                     (plan_row, out.nel_planned_avoided_q[0].sum(), s.calc_count),
                                     (act_row, out.nel_actual_avoided_q[0].sum(), s.calc_count),
                                     (rel_row, out.p4p_released_gbp[0], s.total)):
                write_formula(ws, row, 5, f"=SUM({range_ref(row, 1, row, 4, False)})", _f(cached), fmt)
            write_text(ws, red_row, 0, L.P4P_REDUCTION_LABEL, s.bold)
            write_input_number(ws, red_row, 1, p.planned_reduction_pct, s.input_pp)
            self.refs["p4p_reduction"] = cell_ref(red_row, 1, sheet=L.P4P)
            self.record(["p4p", "planned_reduction_pct"], L.P4P, red_row, 1)
            write_text(ws, cost_row, 0, L.P4P_COST_LABEL, s.bold)
            write_input_number(ws, cost_row, 1, p.cost_per_admission_gbp, s.input)
            self.record(["p4p", "cost_per_admission_gbp"], L.P4P, cost_row, 1)
            r = cost_row + 1
            sum_row = r
            write_text(ws, sum_row, 0, "P4P sum (held back) (£)", s.bold)
            if p.design == "revised":
                write_formula(ws, sum_row, 1, f"=SUM({range_ref(base_row, 1, base_row, 4, False)})*B{red_row + 1}/100*B{cost_row + 1}",
                              _f(out.p4p_sum_gbp[0]), s.total)
            else:
                write_input_number(ws, sum_row, 1, _f(out.p4p_sum_gbp[0]), s.total)
                self.write_wrapped(ws, sum_row, 2, "original design: the local performance element (engine value)", s.note)
            define_name(self.wb, "P4P_Sum", L.P4P, sum_row, 1)
            self.refs["p4p_sum"] = cell_ref(sum_row, 1, sheet=L.P4P)
            write_text(ws, r + 1, 0, "Released (£)", s.text)
            write_formula(ws, r + 1, 1, f"=F{rel_row + 1}", _f(out.p4p_released_gbp[0]), s.calc)
            write_text(ws, r + 2, 0, "Not released (£)", s.text)
            write_formula(ws, r + 2, 1, f"=B{sum_row + 1}-B{r + 2}", _f(out.p4p_unreleased_gbp[0]), s.calc)
            self.refs["p4p_unreleased"] = cell_ref(r + 2, 1, sheet=L.P4P)
            write_text(ws, r + 3, 0, "Not released: pays the acute trust (£, model)", s.text)
            write_input_number(ws, r + 3, 1, _f(out.p4p_to_acute_gbp[0]), s.calc)
            write_text(ws, r + 4, 0, "Not released: NHS out-of-hospital services (£, model)", s.text)
            write_input_number(ws, r + 4, 1, _f(out.p4p_to_out_of_hospital_gbp[0]), s.calc)
            self.write_wrapped(ws, r + 5, 0, f"Design: {label_of('p4p_design', p.design)}; year {p.year}; credible case claimed: {_yn(p.credible_case_claimed)}", s.note)
            if p.design == "original":  # the 70% rule (docs/SOURCES.md §5)
                overall = float(out.metrics_overall_frac[0])
                write_text(ws, r + 6, 0, "Metrics achieved, share of plan (model)", s.text)
                ws.write_number(r + 6, 1, overall, s.calc_pct)
                self.refs["achievement"] = cell_ref(r + 6, 1, sheet=L.P4P)
                rule = ("70% or more of plan: the performance money may fund the contingency" if overall >= 0.7 else
                        f"Recovery plan needed: {overall:.1%} of plan is below 70%, so the performance money may not "
                        "fund the contingency")
                self.write_wrapped(ws, r + 6, 2, rule, s.wrap_bold if overall < 0.7 else s.note)
            r += 8
        # metrics
        self.header(ws, r, [L.METRICS_HEADER, "Unit", "Higher is better", "Baseline", "Target (Apr 2015)", "Target",
                            "Change", "Achievement (model)", "Source"])
        hdr = r
        first = r + 1
        M = len(plan.metrics)
        spare = 5
        for i in range(M + spare):
            row = first + i
            m = plan.metrics[i] if i < M else None
            self.text_in(ws, row, 0, m.name if m else None, wrap=True)
            self.text_in(ws, row, 1, m.unit if m else None, wrap=True)
            self.text_in(ws, row, 2, _yn(m.higher_is_better) if m else None)
            self.num_in(ws, row, 3, m.baseline if m else None, s.input_number)
            self.num_in(ws, row, 4, m.target_apr_2015 if m else None, s.input_number)
            self.num_in(ws, row, 5, m.target if m else None, s.input_number)
            if m:
                for col, name in ((3, "baseline"), (4, "target_apr_2015"), (5, "target")):
                    if getattr(m, name) is not None:
                        self.record(["metrics", i, name], L.P4P, row, col)
                write_formula(ws, row, 6, f"=F{row + 1}-D{row + 1}", m.target - m.baseline, s.calc_number)
                write_input_number(ws, row, 7, _f(out.metrics_achievement_frac[0, i]), s.calc_pct)
            else:
                ws.write_blank(row, 6, None, s.calc_number)
                ws.write_blank(row, 7, None, s.calc_pct)
            self.text_in(ws, row, 8, m.source if m else None, wrap=True)
        add_list_validation(ws, first, 2, first + M + spare - 1, [L.YES, L.NO])
        r = first + M + spare
        write_text(ws, r, 0, L.TOTALS_LABEL, s.section)
        write_text(ws, r, 6, "Overall achievement (model)", s.text)
        write_input_number(ws, r, 7, _f(out.metrics_overall_frac[0]), s.calc_pct)
        del hdr
        self.finish(ws, 3, 1, widths=[44, 9, 9, 9, 9, 9, 9, 10, 22])

