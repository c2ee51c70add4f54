"""The Funding sources sheet: contribution lines (£000), totals by stream and organisation, the pool against its minimum."""

from __future__ import annotations

from finmodel.plan import STREAM_LABELS, Stream
from finmodel.report import t2_common as L
from finmodel.report.t2_base import _name_year
from finmodel.report.t2_common import Key
from finmodel.report.t2_labels import is_choice, label_of, labels
from finmodel.report.t2_units import K_UNIT, to_k
from finmodel.report.xlsx_match import sum_exact
from finmodel.report.xlsx_utils import (
    add_list_validation, cell_ref, define_name, range_ref, write_formula, write_input_number, write_text,
)


class FundingSheet:
    """Mixin of the workbook builder (:class:`finmodel.report.t2_base.SheetBuilder`)."""

    # Funding sources ------------------------------------------------------------------
    def funding(self) -> None:
        ws, s, plan, pool = self.ws[L.FUNDING], self.s, self.plan, self.r.pool
        self.title(ws, f"Funding sources: {plan.hwb.name}",
                   "One line per contribution. Amounts are in £000 (7800 means £7,800,000). Yellow cells are inputs; "
                   "grey cells are calculated. Add lines in the blank yellow rows.")
        hdr = 3
        self.header(ws, hdr, [L.FUNDING_HEADER, "Organisation", "Stream", "Amount (£000)", "Source"])
        first = hdr + 1
        last, rows = self.input_rows(first, plan.contributions)
        for i, row, c in rows:
            self.text_in(ws, row, 0, c.year if c else None)
            self.text_in(ws, row, 1, c.organisation if c else None)
            self.text_in(ws, row, 2, label_of("stream", c.stream) if c else None, wrap=True)
            self.num_in(ws, row, 3, to_k(c.amount) if c else None, s.input_k)
            self.text_in(ws, row, 4, c.source if c else None, wrap=True)
            if c:
                self.record(["contributions", i, "amount"], L.FUNDING, row, 3)
        add_list_validation(ws, first, 0, last, self.years)
        add_list_validation(ws, first, 2, last, labels("stream"))
        yr_rng = range_ref(first, 0, last, 0)
        org_rng = range_ref(first, 1, last, 1)
        st_rng = range_ref(first, 2, last, 2)
        amt_rng = range_ref(first, 3, last, 3)
        self.fund_ranges_sheet = [range_ref(first, c, last, c, sheet=L.FUNDING) for c in (0, 2, 3)]
        self.fund_org_rng = range_ref(first, 1, last, 1, sheet=L.FUNDING)

        r = last + 2
        write_text(ws, r, 0, L.TOTALS_LABEL, s.section)
        r += 1
        self.header(ws, r, [L.STREAM_TABLE_HEADER, K_UNIT] + self.years)
        year_hdr = r
        r += 1
        stream_rows = {}
        self.fund_stream_cells = {}
        for stream in Stream:
            write_text(ws, r, 0, STREAM_LABELS[stream], s.text)
            k = list(Stream).index(stream)
            is_stream = is_choice(st_rng, "stream", stream)  # the label, or the code an older workbook holds
            for y in range(self.Y):
                f = "=" + sum_exact(amt_rng, (yr_rng, cell_ref(year_hdr, 2 + y)), tests=(is_stream,))
                write_formula(ws, r, 2 + y, f, to_k(pool.by_year_stream_gbp[0, y, k]), s.calc_k)
            stream_rows[stream] = r
            for y in range(self.Y):
                self.fund_stream_cells[(stream, y)] = cell_ref(r, 2 + y, sheet=L.FUNDING)
            r += 1
        # pool, minimum, margin
        pool_row, min_row, margin_row = r, r + 1, r + 2
        write_text(ws, pool_row, 0, "Agreed pool (total of contributions)", s.bold)
        write_text(ws, min_row, 0, L.MINIMUM_LABEL, s.bold)
        write_text(ws, margin_row, 0, "Margin over the minimum", s.bold)
        stated = plan.minimum_pool.method == "stated"
        self.write_wrapped(ws, min_row, 1, "input (stated)" if stated else "derived: national totals x national shares", s.note)
        for y, label in enumerate(self.years):
            col = 2 + y
            write_formula(ws, pool_row, col, "=" + sum_exact(amt_rng, (yr_rng, cell_ref(year_hdr, col))),
                          to_k(pool.pool_gbp[0, y]), s.total_k)
            if stated:
                v = plan.minimum_pool.stated.get(label)
                self.num_in(ws, min_row, col, None if v is None else to_k(v), s.input_k)
                if v is not None:
                    self.record(["minimum_pool", "stated", Key(label)], L.FUNDING, min_row, col)
            else:
                self.minimum_cell(ws, min_row, col, label, to_k(pool.minimum_gbp[0, y]))
            write_formula(ws, margin_row, col, f"={cell_ref(pool_row, col, False)}-{cell_ref(min_row, col, False)}",
                          to_k(pool.margin_gbp[0, y]), s.calc_k)
            define_name(self.wb, f"Pool_{_name_year(label)}", L.FUNDING, pool_row, col)
            define_name(self.wb, f"Minimum_{_name_year(label)}", L.FUNDING, min_row, col)
            self.refs[f"pool_{y}"] = cell_ref(pool_row, col, sheet=L.FUNDING)
            self.refs[f"min_{y}"] = cell_ref(min_row, col, sheet=L.FUNDING)
        r = margin_row + 1
        write_text(ws, r, 0, "Capital (DFG and social care capital)", s.text)
        write_text(ws, r + 1, 0, "Revenue", s.text)
        for y in range(self.Y):
            col = 2 + y
            f = f"={cell_ref(stream_rows[Stream.dfg], col, False)}+{cell_ref(stream_rows[Stream.social_care_capital], col, False)}"
            write_formula(ws, r, col, f, to_k(pool.capital_gbp[0, y]), s.calc_k)
            write_formula(ws, r + 1, col, f"={cell_ref(pool_row, col, False)}-{cell_ref(r, col, False)}",
                          to_k(pool.revenue_gbp[0, y]), s.calc_k)
        r += 3
        self.header(ws, r, ["Organisation", K_UNIT] + self.years)
        org_hdr = r
        r += 1
        self.fund_org_cells = {}  # (organisation, year index) -> its contributions that year (£000)
        for o, org in enumerate(pool.organisations):
            write_text(ws, r, 0, org, s.text)
            for y in range(self.Y):
                f = "=" + sum_exact(amt_rng, (yr_rng, cell_ref(org_hdr, 2 + y)), (org_rng, f"$A${r + 1}"))
                write_formula(ws, r, 2 + y, f, to_k(pool.by_year_org_gbp[0, y, o]), s.calc_k)
                self.fund_org_cells[(org, y)] = cell_ref(r, 2 + y, sheet=L.FUNDING)
            r += 1
        r = self.template_contributions(ws, r + 1, org_hdr, amt_rng, yr_rng, org_rng, st_rng)
        # chart: pool by stream and year
        present = [st for st in Stream if st in plan.streams]
        if present:
            chart = self.wb.add_chart({"type": "column", "subtype": "stacked"})
            for st in present:
                rr = stream_rows[st]
                chart.add_series({
                    "name": [L.FUNDING, rr, 0],
                    "categories": [L.FUNDING, year_hdr, 2, year_hdr, 1 + self.Y],
                    "values": [L.FUNDING, rr, 2, rr, 1 + self.Y],
                })
            chart.set_title({"name": "Pool by stream and year (£000)"})
            chart.set_y_axis({"num_format": "#,##0"})
            self.place_chart(ws, r + 1, 0, chart, {"x_scale": 1.4, "y_scale": 1.2})  # below the tables, inside the page
        # the stream column wraps its label ("NHS transfer to social care (s256)") in two lines
        self.finish(ws, hdr + 1, 0, hdr + 1, widths=[20, 26, 20, 12, 30] + [12] * max(0, 2 + self.Y - 5))

    def minimum_cell(self, ws, row: int, col: int, label: str, cached_k: float) -> None:
        """The minimum of year ``label`` (£000): by organisation, the sum of its Assumptions inputs (£); derived, a value."""
        mp = self.plan.minimum_pool
        refs = [self.a_ref(["minimum_pool", "by_organisation", i, "amount"])
                for i, m in enumerate(mp.by_organisation) if m.year == label] if mp.method == "by_organisation" else []
        refs = [r for r in refs if r]
        if refs:
            write_formula(ws, row, col, "=(" + "+".join(refs) + ")/1000", cached_k, self.s.calc_k)
        else:
            write_input_number(ws, row, col, cached_k, self.s.calc_k)

    def template_contributions(self, ws, r: int, org_hdr: int, amt_rng: str, yr_rng: str, org_rng: str, st_rng: str) -> int:
        """The NHS return's funding table: per organisation, 2014/15 spend on BCF schemes, and the
        2015/16 minimum contribution, additional contribution and actual (total) contribution.

        minimum = the organisation's own required contribution (``minimum_pool.by_organisation``,
        an allocation independent of what it puts in), or "not stated per organisation";
        additional = its additional_* streams; actual = all it puts in.  Returns the next free row.
        """
        s, plan = self.s, self.plan
        if "2014/15" not in self.years or "2015/16" not in self.years:
            return r
        c14, c15 = 2 + self.years.index("2014/15"), 2 + self.years.index("2015/16")
        write_text(ws, r, 0, "Contributions by organisation, as the NHS return lays them out", s.section)
        r += 1
        self.header(ws, r, ["Organisation", "", f"2014/15 spend on BCF schemes {K_UNIT}", f"2015/16 minimum contribution {K_UNIT}",
                            f"2015/16 additional contribution {K_UNIT}", f"2015/16 actual contribution {K_UNIT}"])
        r += 1
        first = r
        additional = {Stream.additional_council, Stream.additional_ccg}
        pool = self.r.pool
        y15i = self.years.index("2015/16")
        own_minimum = {o: float(pool.minimum_by_org_gbp[0, y15i, k]) for k, o in enumerate(pool.minimum_orgs)}
        for org in self.r.pool.organisations:
            lines = [c for c in plan.contributions if c.organisation == org]
            v14 = sum(c.amount for c in lines if c.year == "2014/15")
            extra = sum(c.amount for c in lines if c.year == "2015/16" and c.stream in additional)
            total = sum(c.amount for c in lines if c.year == "2015/16")
            write_text(ws, r, 0, org, s.text)
            by = (org_rng, f"$A${r + 1}")
            y14, y15 = (yr_rng, cell_ref(org_hdr, c14)), (yr_rng, cell_ref(org_hdr, c15))
            write_formula(ws, r, 2, "=" + sum_exact(amt_rng, y14, by), to_k(v14), s.calc_k)
            add = "+".join(sum_exact(amt_rng, y15, by, tests=(is_choice(st_rng, "stream", a),))
                           for a in sorted(additional, key=lambda a: a.value))
            write_formula(ws, r, 4, f"={add}", to_k(extra), s.calc_k)
            write_formula(ws, r, 5, "=" + sum_exact(amt_rng, y15, by), to_k(total), s.calc_k)
            if org in own_minimum:
                ws.write_number(r, 3, to_k(own_minimum[org]), s.calc_k)  # the allocation, a value (an input on Assumptions)
            else:
                write_text(ws, r, 3, "not stated per organisation", s.text)
            r += 1
        write_text(ws, r, 0, "Total", s.bold)
        totals = {
            2: sum(c.amount for c in plan.contributions if c.year == "2014/15"),
            4: sum(c.amount for c in plan.contributions if c.year == "2015/16" and c.stream in additional),
            5: sum(c.amount for c in plan.contributions if c.year == "2015/16"),
        }
        for col in (2, 4, 5):
            write_formula(ws, r, col, f"=SUM({range_ref(first, col, r - 1, col, absolute=False)})", to_k(totals[col]), s.total_k)
        # the HWB's minimum, whatever its method (per organisation, stated or derived)
        write_formula(ws, r, 3, "=Minimum_2015_16", to_k(pool.minimum_gbp[0, y15i]), s.total_k)
        return r + 2

