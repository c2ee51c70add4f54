"""The Scenarios and Sensitivity sheets: engine values of named scenarios side by side, and a sweep's summaries."""

from __future__ import annotations

import math
from typing import Any

from finmodel.report import t2_common as L
from finmodel.report.t2_assumptions import plain_words
from finmodel.report.t2_base import _f
from finmodel.report.t2_units import GBP_UNIT
from finmodel.report.xlsx_utils import write_formula, write_input_number, write_text


class ScenarioSheets:
    """Mixin of the workbook builder (:class:`finmodel.report.t2_base.SheetBuilder`)."""

    # Scenarios ----------------------------------------------------------------------
    def scenarios(self) -> None:
        ws, s = self.ws[L.SCENARIOS], self.s
        results = list(self.scenario_results) if self.scenario_results else [self.r]
        self.title(ws, "Scenarios side by side (model values, totals over the plan's years)",
                   "Each column is one named scenario run by the engine.")
        partners = self.plan.partners
        rows: list[tuple[str, Any]] = [
            ("Description", lambda x: x.scenario.description or ""),
            ("Pool (£)", lambda x: x.pool.pool_gbp[0].sum()),
            ("Savings planned (£)", lambda x: x.outputs.savings_planned_gbp[0].sum()),
            ("Savings delivered (£)", lambda x: x.outputs.savings_delivered_gbp[0].sum()),
            ("P4P sum (£)", lambda x: x.outputs.p4p_sum_gbp[0]),
            ("P4P released (£)", lambda x: x.outputs.p4p_released_gbp[0]),
            ("Shortfall (£)", lambda x: x.outputs.shortfall_gbp[0].sum()),
            ("Contingency used (£)", lambda x: x.outputs.contingency_used_gbp[0].sum()),
        ]
        for k, p in enumerate(partners):
            rows.append((f"Paid by {p.name} (£)", lambda x, k=k: x.outputs.partner_payments_gbp[0, :, k].sum()
                         if x.outputs.partner_payments_gbp.shape[-1] > k else 0.0))
        rows.append(("Unfunded gap (£)", lambda x: x.outputs.unfunded_gap_gbp[0].sum()))
        self.header(ws, 3, ["Scenario"] + [x.scenario.name for x in results])
        for i, (label, fn) in enumerate(rows):
            row = 4 + i
            write_text(ws, row, 0, label, s.bold)
            for j, x in enumerate(results):
                v = fn(x)
                if isinstance(v, str):
                    self.write_wrapped(ws, row, 1 + j, v, s.note)
                else:
                    write_input_number(ws, row, 1 + j, _f(v), s.calc_whole)
        self.finish(ws, 4, 1, widths=[40] + [min(22.0, 90.0 / max(len(results), 1))] * len(results))

    # Sensitivity ----------------------------------------------------------------------
    def sensitivity(self) -> None:
        ws, s = self.ws[L.SENSITIVITY], self.s
        self.title(ws, "Sensitivity (values from a sweep)")
        sw = self.sweep
        n_stats = 9
        if not sw:
            self.write_wrapped(ws, 3, 0, "no sweep run", s.note)
            self.finish(ws, widths=[34] + [10.5] * n_stats)
            return
        r = 3
        meta = [(label, sw[k]) for k, label in (("method", "Sampling method"), ("n", "Number of runs"), ("seed", "Random seed"),
                                                 ("output", "Output tested")) if k in sw]
        for label, v in meta:
            write_text(ws, r, 0, label, s.bold)
            write_text(ws, r, 1, output_label(str(v)) if label == "Output tested" else str(v), s.text)
            r += 1
        r += 1
        summaries = sw.get("percentiles") or sw.get("summaries") or {
            k: v for k, v in sw.items() if isinstance(v, dict) and "count" in v}
        if summaries:
            stats = ["count", "mean", "std", "min"]
            pkeys = sorted({k for v in summaries.values() for k in v if k.startswith("p") and k[1:].replace(".", "").isdigit()},
                           key=lambda k: float(k[1:]))
            stats += pkeys + ["max", "expected_shortfall"]
            n_stats = len(stats)
            self.header(ws, r, ["Output"] + [stat_label(st) for st in stats])
            r += 1
            for name, res in summaries.items():
                write_text(ws, r, 0, output_label(str(name)), s.bold)
                for j, st in enumerate(stats):
                    v = res.get(st)
                    if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
                        write_input_number(ws, r, 1 + j, float(v), s.calc_int if st == "count" else s.calc_whole)
                r += 1
            r += 1
        tornado = sw.get("tornado") or []
        if tornado:
            r = self.tornado(ws, r, tornado, output_label(str(sw.get("output", "output"))))
        self.finish(ws, 0, 1, widths=[34] + [10.5] * max(n_stats, 6))

    def tornado(self, ws, r: int, tornado: list[dict], output: str) -> int:
        """The one-at-a-time table and its chart, centred on the output at the base inputs when the sweep gives it.

        Bars are the change from the base output at each input's low and high value (£); each bar's
        label names the input and its low and high values.  Returns the next free row.
        """
        s = self.s
        write_text(ws, r, 0, f"Tornado: {output} at each input's low and high value", s.bold)
        r += 1
        self.header(ws, r, ["Input (low → high value)", "Low value", "High value", f"Output at low {GBP_UNIT}",
                            f"Output at high {GBP_UNIT}", f"Swing {GBP_UNIT}", f"Output at base {GBP_UNIT}",
                            f"Change at low {GBP_UNIT}", f"Change at high {GBP_UNIT}"])
        hdr = r
        r += 1
        items = sorted(tornado, key=lambda t: -abs(float(t.get("output_high", 0)) - float(t.get("output_low", 0))))
        has_base = all(isinstance(t.get("output_base"), (int, float)) for t in items)
        for t in items:
            lo, hi = t.get("low"), t.get("high")
            span = f" ({lo:,.4g} → {hi:,.4g})" if isinstance(lo, (int, float)) and isinstance(hi, (int, float)) else ""
            self.write_wrapped(ws, r, 0, output_label(str(t.get("input", t.get("label", "")))) + span)
            for j, key in enumerate(("low", "high", "output_low", "output_high")):
                v = t.get(key)
                if isinstance(v, (int, float)) and math.isfinite(float(v)):
                    write_input_number(ws, r, 1 + j, float(v), s.calc_number if j < 2 else s.calc_whole)
            row1 = r + 1
            write_formula(ws, r, 5, f"=ABS(E{row1}-D{row1})",
                          abs(float(t.get("output_high", 0)) - float(t.get("output_low", 0))), s.calc_whole)
            if has_base:
                base = float(t["output_base"])
                write_input_number(ws, r, 6, base, s.calc_whole)
                write_formula(ws, r, 7, f"=D{row1}-G{row1}", float(t.get("output_low", 0)) - base, s.calc_whole)
                write_formula(ws, r, 8, f"=E{row1}-G{row1}", float(t.get("output_high", 0)) - base, s.calc_whole)
            r += 1
        chart = self.wb.add_chart({"type": "bar"})
        cols = ((7, "Change at the low value"), (8, "Change at the high value")) if has_base else \
            ((3, "Output at the low value"), (4, "Output at the high value"))
        for col, name in cols:
            chart.add_series({"name": name, "categories": [L.SENSITIVITY, hdr + 1, 0, r - 1, 0],
                              "values": [L.SENSITIVITY, hdr + 1, col, r - 1, col], "overlap": 100, "gap": 60})
        # every text of the chart sized here (10 pt prints at 8.3 pt on this sheet), not left to the defaults
        title_font = {"size": 12, "bold": True}
        if has_base:
            chart.set_title({"name": f"Tornado: change in {output} from the base (£)", "name_font": title_font})
            chart.set_x_axis({"num_format": "£#,##0", "name": "change from the output at the base inputs (£)", "name_font": {"size": 10}, "num_font": {"size": 10}})
        else:
            chart.set_title({"name": f"Tornado: {output} (£; the sweep gave no base value)", "name_font": title_font})
            chart.set_x_axis({"num_format": "£#,##0", "name": "£", "name_font": {"size": 10}, "num_font": {"size": 10}})
        # the inputs' names at the left of the plot, not over the bars where they cross 0; the largest swing on top
        # (reversed), with the amounts along the foot, beside their axis title (crossing at the last input)
        chart.set_y_axis({"reverse": True, "label_position": "low", "crossing": "max", "num_font": {"size": 10}})
        self.place_chart(ws, r + 1, 0, chart, {"x_scale": 1.6, "y_scale": 1.2})  # below the table, inside the page
        return r + 20


def stat_label(stat: str) -> str:
    """A statistic's column header: ``p95`` -> "95th percentile (£)", ``count`` -> "Runs"."""
    if stat == "count":
        return "Runs (a count)"
    if stat.startswith("p") and stat[1:].replace(".", "").isdigit():
        return f"{stat[1:]}th percentile {GBP_UNIT}"
    return {"mean": "Mean", "std": "Standard deviation", "min": "Minimum", "max": "Maximum",
            "expected_shortfall": "Expected shortfall (mean of the worst 5%)"}.get(stat, plain_words(stat)) + f" {GBP_UNIT}"


def output_label(name: str) -> str:
    """A model path or output name in words: ``outturn.savings_delivery_pct`` -> "Outturn: savings delivery (%)"."""
    parts = [plain_words(p) for p in name.split(".") if p]
    text = ": ".join(parts) if parts else name
    return text[:1].upper() + text[1:]
