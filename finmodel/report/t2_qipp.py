"""The QIPP sheet: Frail Elderly cohort savings by month (engine values) and by year (formulas), in £."""

from __future__ import annotations

from datetime import date

import numpy as np

from finmodel.report import t2_common as L
from finmodel.report.t2_base import _f
from finmodel.report.t2_common import Key, format_path
from finmodel.report.t2_units import GBP_UNIT
from finmodel.report.xlsx_match import sum_exact
from finmodel.report.xlsx_utils import cell_ref, range_ref, write_formula, write_input_number, write_text


class QippSheet:
    """Mixin of the workbook builder (:class:`finmodel.report.t2_base.SheetBuilder`)."""

    # QIPP --------------------------------------------------------------------------------
    def qipp(self) -> None:
        ws, s, plan, out, Y = self.ws[L.QIPP], self.s, self.plan, self.r.outputs, self.Y
        q = plan.qipp
        self.title(ws, f"QIPP: Frail Elderly cohorts, {plan.hwb.name}",
                   "Monthly savings delivered in this scenario (model values) and yearly totals (formulas over the months).")
        self.refs["qipp_net"] = {}
        if q is None:
            self.write_wrapped(ws, 3, 0, "The plan has no QIPP section.", s.note)
            self.finish(ws)
            return
        monthly = np.asarray(self.r.monthly_qipp_gbp, dtype=float)  # (C, n_months, 3)
        C, n_months = monthly.shape[0], monthly.shape[1]
        kinds = ["EA", "A&E", "Outpatients"]
        # yearly block first
        r = 3
        self.header(ws, r, [f"Item {GBP_UNIT}", ""] + self.years)
        year_hdr = r
        r += 1
        n_rows_top = C * 4 + 8
        m_hdr = r + n_rows_top + 2
        m_first = m_hdr + 1
        m_last = m_first + n_months - 1
        fy_rng = range_ref(m_first, 1, m_last, 1)
        fy_of_month = [self.years[m // 12] for m in range(n_months)]
        cohort_total_rows = []
        for c, cohort in enumerate(q.cohorts):
            rows = []
            for k in range(3):
                col = 2 + 3 * c + k
                write_text(ws, r, 0, f"{cohort.name}: {kinds[k]}", s.text)
                for y in range(Y):
                    f = "=" + sum_exact(range_ref(m_first, col, m_last, col), (fy_rng, cell_ref(year_hdr, 2 + y)))
                    write_formula(ws, r, 2 + y, f, _f(monthly[c, 12 * y:12 * (y + 1), k].sum()), s.calc_whole)
                rows.append(r)
                r += 1
            write_text(ws, r, 0, f"{cohort.name}: total", s.bold)
            for y in range(Y):
                f = "=" + "+".join(cell_ref(x, 2 + y, False) for x in rows)
                write_formula(ws, r, 2 + y, f, _f(monthly[c, 12 * y:12 * (y + 1), :].sum()), s.calc_whole)
            cohort_total_rows.append(r)
            r += 1
        gross_row = r
        write_text(ws, gross_row, 0, "Gross QIPP delivered", s.bold)
        tot_col = 2 + 3 * C
        for y in range(Y):
            f = "=" + sum_exact(range_ref(m_first, tot_col, m_last, tot_col), (fy_rng, cell_ref(year_hdr, 2 + y)))
            write_formula(ws, gross_row, 2 + y, f, _f(out.qipp_gross_gbp[0, y]), s.total_whole)
        inv_row, net_row, other_row, all_row = r + 1, r + 2, r + 3, r + 4
        write_text(ws, inv_row, 0, "QIPP investment", s.text)
        write_text(ws, net_row, 0, "Net QIPP (cohorts)", s.bold)
        write_text(ws, other_row, 0, "Other net QIPP (outside the cohort model)", s.text)
        write_text(ws, all_row, 0, "Net QIPP, all schemes", s.bold)
        for y, label in enumerate(self.years):
            col = 2 + y
            self.link_or_zero(ws, inv_row, col, ["qipp", "investment", Key(label)], q.investment.get(label, 0.0), s.calc_whole)
            write_formula(ws, net_row, col, f"={cell_ref(gross_row, col, False)}-{cell_ref(inv_row, col, False)}",
                          _f(out.qipp_net_gbp[0, y]), s.calc_whole)
            self.link_or_zero(ws, other_row, col, ["qipp", "other_net_qipp", Key(label)], q.other_net_qipp.get(label, 0.0), s.calc_whole)
            write_formula(ws, all_row, col, f"={cell_ref(net_row, col, False)}+{cell_ref(other_row, col, False)}",
                          _f(out.qipp_net_gbp[0, y] + q.other_net_qipp.get(label, 0.0)), s.calc_whole)
            self.refs["qipp_net"][y] = cell_ref(all_row, col, sheet=L.QIPP)
        r = all_row + 1
        for label, arr, fmt in (("QIPP planned as written (model)", out.qipp_planned_gbp, s.calc_whole),
                                ("Full-year effect of the EA ramp (model)", out.qipp_full_year_effect_gbp, s.calc_whole),
                                ("Emergency admissions avoided (model, a number)", out.ea_avoided, s.calc_count)):
            write_text(ws, r, 0, label, s.text)
            for y in range(Y):
                write_input_number(ws, r, 2 + y, _f(arr[0, y]), fmt)
            r += 1
        assert r <= m_hdr - 1
        # monthly block
        write_text(ws, m_hdr - 1, 0, "Monthly profile (model values)", s.bold)
        self.header(ws, m_hdr, ["Month", "Financial year"]
                    + [f"{c.name}: {k} {GBP_UNIT}" for c in q.cohorts for k in kinds] + [f"Month total {GBP_UNIT}"])
        first_month = date(plan.first_year, 4, 1)
        for m in range(n_months):
            row = m_first + m
            mon = (first_month.month - 1 + m) % 12 + 1
            yr = first_month.year + (first_month.month - 1 + m) // 12
            write_text(ws, row, 0, date(yr, mon, 1).strftime("%b %Y"), s.text)
            write_text(ws, row, 1, fy_of_month[m], s.text)
            for c in range(C):
                for k in range(3):
                    write_input_number(ws, row, 2 + 3 * c + k, _f(monthly[c, m, k]), s.calc_whole)
            write_formula(ws, row, tot_col, f"=SUM({range_ref(row, 2, row, tot_col - 1, False)})",
                          _f(monthly[:, m, :].sum()), s.calc_whole)
        chart = self.wb.add_chart({"type": "column", "subtype": "stacked"})
        for c, row in enumerate(cohort_total_rows):
            chart.add_series({"name": [L.ASSUMPTIONS, self.a_row[format_path(["qipp", "cohorts", c, "name"])], 1],
                              "categories": [L.QIPP, year_hdr, 2, year_hdr, 1 + Y],
                              "values": [L.QIPP, row, 2, row, 1 + Y]})
        chart.set_title({"name": "Gross QIPP delivered by cohort (£)"})
        chart.set_y_axis({"num_format": "£#,##0"})
        self.place_chart(ws, m_last + 2, 0, chart, {"x_scale": 1.4})  # below the monthly table, inside the page
        self.finish(ws, 4, 1, widths=[24, 8] + [9] * (tot_col - 1))

