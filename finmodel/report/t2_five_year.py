"""The Five-year profile sheet: CCG outturn after QIPP, the adult social care gap and the system gap, in £."""

from __future__ import annotations

from finmodel.report import t2_common as L
from finmodel.report.t2_base import _f
from finmodel.report.t2_common import Key
from finmodel.report.t2_units import GBP_UNIT
from finmodel.report.xlsx_utils import cell_ref, write_formula, write_input_number, write_text


class FiveYearSheet:
    """Mixin of the workbook builder (:class:`finmodel.report.t2_base.SheetBuilder`)."""

    # Five-year profile ----------------------------------------------------------------
    def five_year(self) -> None:
        ws, s, plan, out, Y = self.ws[L.FIVE_YEAR], self.s, self.plan, self.r.outputs, self.Y
        fy = plan.five_year
        self.title(ws, f"Five-year profile: {plan.hwb.name}",
                   "Inputs link to the Assumptions sheet; CCG outturn after QIPP and the gaps are formulas.")
        r = 3
        self.header(ws, r, [f"Item {GBP_UNIT}"] + self.years)
        r += 1
        rows = {}

        def link_row(key, label, field):
            nonlocal r
            write_text(ws, r, 0, label, s.text)
            mapping = getattr(fy, field) if fy else {}
            for y, lab in enumerate(self.years):
                self.link_or_zero(ws, r, 1 + y, ["five_year", field, Key(lab)], mapping.get(lab, 0.0), s.calc)
            rows[key] = r
            r += 1

        link_row("tf", "Transformation fund", "transformation_fund")
        link_row("before", "CCG outturn before QIPP (negative = deficit)", "ccg_outturn_before_qipp")
        write_text(ws, r, 0, "Net QIPP, all schemes (QIPP sheet)", s.text)
        net_all = out.qipp_net_gbp[0] + self.r.inputs.other_net_qipp_gbp[0]
        for y in range(Y):
            ref = self.refs.get("qipp_net", {}).get(y)
            if ref:
                write_formula(ws, r, 1 + y, "=" + ref, _f(net_all[y]), s.calc)
            else:
                write_input_number(ws, r, 1 + y, _f(net_all[y]), s.calc)
        rows["net"] = r
        r += 1
        write_text(ws, r, 0, "CCG outturn after QIPP", s.bold)
        for y in range(Y):
            write_formula(ws, r, 1 + y, f"={cell_ref(rows['before'], 1 + y, False)}+{cell_ref(rows['net'], 1 + y, False)}",
                          _f(out.ccg_outturn_after_gbp[0, y]), s.total)
        rows["after"] = r
        r += 1
        link_row("budget", "Adult social care net budget", "asc_net_budget")
        link_row("pressure", "Adult social care demographic pressure", "asc_demographic_pressure")
        link_row("funding", "Change in council funding for adult social care (negative = cut)", "asc_funding_change")
        link_row("savings", "Adult social care savings target", "asc_savings_target")
        write_text(ws, r, 0, "Adult social care gap (pressure - funding change - savings)", s.bold)
        for y in range(Y):
            c = 1 + y
            f = (f"={cell_ref(rows['pressure'], c, False)}-{cell_ref(rows['funding'], c, False)}"
                 f"-{cell_ref(rows['savings'], c, False)}")
            write_formula(ws, r, c, f, _f(out.asc_gap_gbp[0, y]), s.total)
        rows["asc_gap"] = r
        r += 1
        write_text(ws, r, 0, "System gap (-CCG outturn after QIPP + ASC gap)", s.bold)
        for y in range(Y):
            c = 1 + y
            write_formula(ws, r, c, f"=-{cell_ref(rows['after'], c, False)}+{cell_ref(rows['asc_gap'], c, False)}",
                          _f(out.system_gap_gbp[0, y]), s.total)
        rows["system"] = r
        if fy is None:
            self.write_wrapped(ws, r + 2, 0, "The plan has no five-year section: its inputs are 0.", s.note)
        chart = self.wb.add_chart({"type": "line"})
        for key, name in (("before", "CCG outturn before QIPP"), ("after", "CCG outturn after QIPP"), ("system", "System gap")):
            chart.add_series({"name": name, "categories": [L.FIVE_YEAR, 3, 1, 3, Y],
                              "values": [L.FIVE_YEAR, rows[key], 1, rows[key], Y]})
        # every text of the chart sized here, not left to the spreadsheet's defaults: on a sheet printed at 87%,
        # 10 pt prints at 8.7 pt (tests/report/test_print.py measures chart text, turned text included)
        chart.set_title({"name": "Five-year picture (£)", "name_font": {"size": 12, "bold": True}})
        # the years along the foot of the plot, not across the lines where they cross £0
        chart.set_x_axis({"num_font": {"size": 10}, "label_position": "low"})
        chart.set_y_axis({"num_format": '£#,##0,,"m"', "name": "£ million", "name_font": {"size": 10},
                          "num_font": {"size": 10}})
        self.place_chart(ws, r + 4, 0, chart, {"x_scale": 1.5})
        self.finish(ws, 4, 1, widths=[56] + [14] * Y)

