"""The fast route of ``evaluate`` for n > 1 scenarios.

Same formulas as :func:`_evaluate_general` (the
reference, kept as the single source of truth and used for n == 1), organised for
speed; tests/test_fast_path.py checks the two agree to the penny on random inputs.

* outputs that depend only on inputs the sweep leaves at the plan's values (leading
  axis 1) are computed once by the general route on the plan row and broadcast;
* the rest is computed in blocks of rows (temporaries stay in cache) written
  straight into preallocated outputs, optionally by several threads (numpy
  releases the GIL in its loops; blocks are independent, so results do not depend
  on the number of threads);
* the QIPP ramp, when initial / initial months / step / go-live are the plan's, is
  one gather from an exact per-(go-live, rising-steps) table, linear in the ceiling
  (:func:`finmodel.core.piecewise.ramp_table`); otherwise the general closed form;
* the risk-share split, when shares and caps are the plan's, is the exact
  water-filling form ``min(cap, share * lam(A))`` with ``lam`` a max of lines
  (:func:`finmodel.core.piecewise.allocation_lines`); otherwise the general waterfall.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from finmodel.arrays import ACTIVITIES, ModelInputs
from finmodel.core import five_year, p4p, piecewise, qipp, risk_share, savings, shortfall
from finmodel.model import (
    _ALL, _COHORT, _DELIVERED, _DEPENDS, _P4P_IN, _PLANNED, AE, EA, OP, OTHER, ModelOutputs, _by_activity,
    _evaluate_general, _live_months, _p4p_step, _per_go_live, _per_scenario_fields, _ramp_params, _rows, _whole,
    performance_money_factor,
)


#: Rows per block of the fast route (temporaries of a block stay in L2 cache).
BLOCK_ROWS = 4096
#: Below this many scenarios the fast route runs in one thread.
_THREAD_MIN_ROWS = 2 * BLOCK_ROWS


class FastRoute:
    """Everything scenario-independent of one ``evaluate`` call, and the block kernel."""

    def __init__(self, inputs: ModelInputs, n_years: int, n: int):
        self.inputs, self.Y, self.n = inputs, n_years, n
        self.swept = [f for f in _per_scenario_fields(inputs) if getattr(inputs, f).shape[0] > 1]
        swept = set(self.swept)
        self.base = _evaluate_general(_rows(inputs, slice(0, 1), self.swept), n_years)
        self.has_benefits = bool(np.any(inputs.scheme_benefits_gbp))
        self.P = inputs.shares_frac.shape[-1]
        self.C = inputs.go_live_month.shape[1]

        def varies(name):
            deps = _DEPENDS[name]
            return bool(swept) if deps == _ALL else any(f in swept for f in deps)

        self.per_row = {name for name in _DEPENDS if varies(name)}
        if not self.has_benefits:  # no scheme claims a benefit: benefits and overlaps are exactly 0
            self.per_row -= {"benefits_planned_by_activity_gbp", "benefits_by_activity_gbp", "overlap_planned_by_activity_gbp"}
        if inputs.contingency_basis == "none":
            self.per_row.discard("contingency_gbp")
        self.planned_varies = any(f in swept for f in _PLANNED)
        self.delivered_varies = any(f in swept for f in _DELIVERED)
        self.p4p_varies = any(f in swept for f in _P4P_IN)
        self._setup_ramp(swept)
        self._setup_wide(swept)
        self._setup_waterfall(swept)
        self._setup_planned()

    # ------------------------------------------------------------------ setup

    def _setup_ramp(self, swept):
        """Exact ramp tables when the ramp's shape (not its ceiling) is the plan's."""
        inp, Y = self.inputs, self.Y
        self.ramp_tables = None
        if self.C == 0 or any(f in swept for f in ("go_live_month", "initial_frac", "initial_months", "step_frac_pm")):
            return
        delay = inp.delay_months
        if not (_whole(delay) and _whole(inp.go_live_month) and _whole(inp.initial_months)):
            return
        if not (np.all(inp.initial_months >= 0) and np.all(inp.step_frac_pm >= 0) and np.all(np.isfinite(inp.ceiling_frac))):
            return
        if not np.all(np.isfinite(inp.initial_frac)) or not np.all(np.isfinite(inp.step_frac_pm)):
            return
        d_lo, d_hi = min(float(delay.min()), 0.0), max(float(delay.max()), 0.0)
        G = int(d_hi - d_lo) + 1
        tables = []
        for c in range(self.C):
            g0, n_init = float(inp.go_live_month[0, c]), float(inp.initial_months[0, c])
            j_max = int(max(12 * Y - (g0 + d_lo) - n_init, 0.0))
            if G * (j_max + 1) > 200_000:
                return
            alpha, beta = piecewise.ramp_table(g0 + np.arange(G) + d_lo, inp.initial_frac[0, c], n_init,
                                               inp.step_frac_pm[0, c], Y, j_max)
            tables.append((alpha.reshape(-1, 3 * Y), beta.reshape(-1, 3 * Y), j_max))
        self.ramp_tables, self.delay_lo = tables, d_lo

    def _setup_planned(self):
        """Planned QIPP by the delivered figures' own arithmetic, when only the delivered figures vary.

        The reference computes planned and delivered with the same code, so a row delivered
        exactly as planned has savings not delivered of exactly 0; the plan row's planned
        figures from the general route may differ from the tables' in the last bit.
        """
        self.planned_row = None
        if not self.delivered_varies or self.planned_varies or self.C == 0:
            return
        row = _rows(self.inputs, slice(0, 1), self.swept)
        if self.wide is not None:  # ceiling not swept: segment 0, no ceiling term
            q = self._qipp_wide(row, 1, np.array([self.wide["d0"]]), 0, None, planned=True)
            ea, ae, op, avoided = q["ea"], q["ae"], q["op"], q["avoided"]
        else:
            ea, ae, op, avoided, _ = self._qipp(row, 1, planned=True)
        act = np.stack([ea, ae, op, np.zeros_like(ea)], axis=-1)
        self.planned_row = ((ea + ae) + op, avoided, act)

    def _setup_waterfall(self, swept):
        """Exact water-filling lines per year when shares and caps are the plan's."""
        inp, Y, P = self.inputs, self.Y, self.P
        self.lines = None
        if P == 0 or "shares_frac" in swept or "caps_gbp" in swept:
            return
        shares = np.broadcast_to(inp.shares_frac, (1, Y, P))[0]
        caps = np.broadcast_to(inp.caps_gbp, (1, Y, P))[0]
        if not (np.all(shares >= 0) and np.all(np.isfinite(shares)) and np.all(caps >= 0)):
            return
        per_year = [piecewise.allocation_lines(shares[y], caps[y]) for y in range(Y)]
        K = max(len(a) for a, _ in per_year)
        a = np.full((K, Y), -np.inf)
        b = np.zeros((K, Y))
        for y, (ay, by) in enumerate(per_year):
            a[:len(ay), y], b[:len(by), y] = ay, by
        is_open = (shares > 0.0) & (caps > 0.0)
        self.lines = (a, b)
        self.wf_shares = np.where(is_open, shares, 0.0)[None]  # (1, Y, P)
        self.wf_caps = np.where(is_open, caps, 0.0)[None]
        self.open_caps = np.where(is_open, caps, 0.0).sum(axis=1)[None]  # (1, Y), inf if any open partner is uncapped
        weights = risk_share._normalised_shares_frac(shares)  # (Y, P)
        self.can_share = (weights.sum(axis=1) > 0.0)[None]
        self.weights = weights[None]
        if np.all(np.isinf(self.open_caps)):
            self.per_row.discard("unfunded_gap_gbp")  # an uncapped partner takes every pound: the gap is exactly 0
        if inp.share_underspend and np.all(self.can_share):
            self.per_row.discard("underspend_retained_gbp")  # every underspend is shared back: nothing retained

    # ------------------------------------------------------------------ blocks

    def _ramp(self, inp, c, delay, m):
        """(S, F, L) month-sums, full-year-effect fractions and live months, each (m | 1, Y)."""
        Y = self.Y
        if self.ramp_tables is not None:
            alpha, beta, j_max = self.ramp_tables[c]
            x = inp.ceiling_frac[:, c]
            steps = np.minimum(piecewise.ramp_steps(inp.initial_frac[:, c], inp.step_frac_pm[:, c], x), j_max)
            key = ((delay - self.delay_lo) * (j_max + 1) + steps).astype(np.intp)
            t = beta[key] * x[:, None]
            t += alpha[key]
            return t[:, :Y], t[:, Y:2 * Y], t[:, 2 * Y:]
        go_live = inp.go_live_month[:, c] + delay
        params = _ramp_params(inp, c)
        return (_per_go_live(qipp.ea_reduction_frac_sum_by_year, go_live, params, Y),
                _per_go_live(qipp.ea_full_year_effect_frac_by_year, go_live, params, Y),
                _per_go_live(_live_months, go_live, (), Y))

    def _setup_wide(self, swept):
        """One table for all cohorts when they share the ceiling row and their weights are the plan's.

        Every QIPP figure of a scenario is then ``alpha[row] + beta[row] * x`` (``x`` its
        ceiling), scaled by the delivery fractions: ``row`` = (go-live delay, segment of
        ``x`` between the ramps' breakpoints).  Segments are found with ``searchsorted``;
        the figures are continuous in ``x``, so a tie at a breakpoint is exact either way.
        """
        inp, Y, C = self.inputs, self.Y, self.C
        self.wide = None
        if self.ramp_tables is None or any(f in swept for f in _COHORT):
            return
        ceiling = inp.ceiling_frac
        shared = ceiling.shape[0] > 1
        if shared and not np.all(ceiling == ceiling[:, :1]):
            return
        x_all = ceiling[:, 0]
        lo, hi = float(x_all.min()), float(x_all.max())
        breaks = []
        if shared:
            for c in range(C):
                init, step, j_max = float(inp.initial_frac[0, c]), float(inp.step_frac_pm[0, c]), self.ramp_tables[c][2]
                if step > 0:
                    b = init + step * np.arange(1, j_max + 1)
                else:
                    b = np.array([init])
                breaks.append(b[(b > lo) & (b <= hi)])
        xb = np.unique(np.concatenate(breaks)) if breaks else np.zeros(0)
        if xb.size > 4096:
            return
        # a representative ceiling inside each segment (the linear form is the same throughout it)
        edges = np.concatenate([[lo], xb, [hi]])
        reps = 0.5 * (edges[:-1] + edges[1:]) if shared else np.array([lo])
        NS = reps.size
        G = self.ramp_tables[0][0].shape[0] // (self.ramp_tables[0][2] + 1)
        k1 = inp.ea_value_pm_gbp[0] * inp.marginal_rate_frac[0, 0]
        k2 = inp.ae_via_count_pm[0] * inp.ae_tariff_gbp[0]
        k3 = inp.op_value_pm_gbp[0] * inp.op_reduction_frac[0, 0]
        cnt = inp.ea_count_pm[0]
        # per (delay, segment): S, F, L for each cohort as alpha + beta x
        sa = np.zeros((G, NS, C, 3 * Y))
        sb = np.zeros((G, NS, C, 3 * Y))
        for c in range(C):
            alpha, beta, j_max = self.ramp_tables[c]
            x_c = reps if shared else ceiling[0, c:c + 1]
            steps = np.minimum(piecewise.ramp_steps(inp.initial_frac[0, c], inp.step_frac_pm[0, c], x_c), j_max).astype(np.intp)
            rows = (np.arange(G)[:, None] * (j_max + 1) + steps[None, :])  # (G, NS)
            sa[:, :, c], sb[:, :, c] = alpha[rows], beta[rows]
            if not shared:  # the cohort's own fixed ceiling folds into alpha
                sa[:, :, c] += sb[:, :, c] * x_c[0]
                sb[:, :, c] = 0.0
        S = (sa[..., :Y], sb[..., :Y])
        F = (sa[..., Y:2 * Y], sb[..., Y:2 * Y])
        L = (sa[..., 2 * Y:], sb[..., 2 * Y:])

        def over_cohorts(part, w):  # (G, NS, Y): sum_c w_c part_c
            return np.einsum("gscy,c->gsy", part, w)

        def per_cohort(part, w):  # (G, NS, Y * C) in (Y, C) order
            return np.ascontiguousarray(np.swapaxes(part * w[None, None, :, None], 2, 3)).reshape(G, NS, Y * C)

        tables = []
        for j in (0, 1):  # alpha, beta
            u = [over_cohorts(S[j], k1), over_cohorts(S[j], k2), over_cohorts(S[j], cnt), over_cohorts(F[j], k1),
                 per_cohort(S[j], k1 + k2)]
            v = [over_cohorts(L[j], k3), per_cohort(L[j], k3)]
            tables.append(np.concatenate(u + v, axis=-1).reshape(G * NS, -1))
        self.wide = dict(alpha=tables[0], beta=tables[1], xb=xb, NS=NS, shared=shared,
                         n_u=4 * Y + C * Y, d0=int(-self.delay_lo))

    def _qipp_wide(self, inp, m, delay_idx, seg, x, planned):
        """Wide-table QIPP for one block: dict of (m, Y) / (m, Y, C) arrays."""
        w, Y, C = self.wide, self.Y, self.C
        idx = delay_idx * w["NS"] + seg
        t = np.take(w["alpha"], idx, axis=0)
        if w["shared"]:
            tb = np.take(w["beta"], idx, axis=0)
            tb *= x[:, None]
            t += tb
        if t.shape[0] != m:
            t = np.repeat(t, m, axis=0) if t.shape[0] == 1 else t
        n_u = w["n_u"]
        if not planned:
            ea_scale = inp.ea_delivery_frac * inp.savings_delivery_frac
            t[:, :n_u] *= ea_scale
            t[:, n_u:] *= inp.savings_delivery_frac
        res = dict(ea=t[:, 0:Y], ae=t[:, Y:2 * Y], avoided=t[:, 2 * Y:3 * Y], fye=t[:, 3 * Y:4 * Y],
                   op=t[:, n_u:n_u + Y])
        if not planned:
            by_cohort = t[:, 4 * Y:n_u] + t[:, n_u + Y:]
            res["by_cohort"] = by_cohort.reshape(-1, Y, C)
        return res

    def _qipp(self, inp, m, planned, by_cohort=None):
        """Totals (ea, ae, op, avoided, fye) (m, Y) of planned or delivered QIPP for one block."""
        Y = self.Y
        if planned:
            delay = np.zeros(1)
            sdf = ea_scale = 1.0
        else:
            delay = inp.delay_months[:, 0]
            sdf = inp.savings_delivery_frac
            ea_scale = inp.ea_delivery_frac * sdf
        ea, ae, op, avoided = (np.zeros((m, Y)) for _ in range(4))
        fye = None if planned else np.zeros((m, Y))
        for c in range(self.C):
            s, f_year, live = self._ramp(inp, c, delay, m)
            frac = s * ea_scale
            k1 = inp.ea_value_pm_gbp[:, c:c + 1] * inp.marginal_rate_frac
            ea_v = frac * k1
            ae_v = frac * inp.ae_via_count_pm[:, c:c + 1]
            ae_v = ae_v * inp.ae_tariff_gbp[:, c:c + 1]
            op_v = live * inp.op_value_pm_gbp[:, c:c + 1]
            op_v = op_v * inp.op_reduction_frac
            if not planned:
                op_v = op_v * sdf
            frac = frac * inp.ea_count_pm[:, c:c + 1]
            avoided += frac
            ea += ea_v
            ae += ae_v
            op += op_v
            if by_cohort is not None:
                cohort = by_cohort[:, :, c]
                np.add(ea_v, ae_v, out=cohort)
                np.add(cohort, op_v, out=cohort)
            if fye is not None:
                f_year = f_year * ea_scale
                f_year = f_year * k1
                fye += f_year
        return ea, ae, op, avoided, fye

    def block(self, out: dict, start: int, stop: int):
        """Compute rows ``start:stop`` of every per-scenario output into ``out``."""
        sl = slice(start, stop)
        m = stop - start
        Y, A, base = self.Y, len(ACTIVITIES), self.base
        inp = _rows(self.inputs, sl, self.swept)
        o = {name: arr[sl] for name, arr in out.items()}

        # 1. QIPP planned and delivered
        wide = None
        if self.wide is not None and (self.planned_varies or self.delivered_varies):
            x = inp.ceiling_frac[:, 0]
            seg = np.searchsorted(self.wide["xb"], x, side="right") if self.wide["shared"] else 0
            delay_idx = (inp.delay_months[:, 0] - self.delay_lo).astype(np.intp)
            wide = (delay_idx, seg, x)
        if self.planned_varies:
            if wide is not None:
                q = self._qipp_wide(inp, m, self.wide["d0"], wide[1], wide[2], planned=True)
                ea, ae, op, avoided_planned = q["ea"], q["ae"], q["op"], q["avoided"]
            else:
                ea, ae, op, avoided_planned, _ = self._qipp(inp, m, planned=True)
            qipp_planned = ea + ae
            qipp_planned += op
            planned_act = o["qipp_planned_by_activity_gbp"]
            planned_act[:, :, EA], planned_act[:, :, AE], planned_act[:, :, OP], planned_act[:, :, OTHER] = ea, ae, op, 0.0
            o["qipp_planned_gbp"][...] = qipp_planned
            o["ea_avoided_planned"][...] = avoided_planned
        elif self.planned_row is not None:
            qipp_planned, avoided_planned, planned_act = self.planned_row
        else:
            qipp_planned, avoided_planned = base.qipp_planned_gbp, base.ea_avoided_planned
            planned_act = base.qipp_planned_by_activity_gbp
        if self.delivered_varies:
            if wide is not None:
                q = self._qipp_wide(inp, m, *wide, planned=False)
                ea, ae, op, avoided, fye = q["ea"], q["ae"], q["op"], q["avoided"], q["fye"]
                o["qipp_by_cohort_gbp"][...] = q["by_cohort"]
            else:
                ea, ae, op, avoided, fye = self._qipp(inp, m, planned=False, by_cohort=o.get("qipp_by_cohort_gbp"))
            if self.C == 0:
                o["qipp_by_cohort_gbp"][...] = 0.0
            qipp_gross = ea + ae
            qipp_gross += op
            act = o["qipp_by_activity_gbp"]
            act[:, :, EA], act[:, :, AE], act[:, :, OP], act[:, :, OTHER] = ea, ae, op, 0.0
            o["qipp_gross_gbp"][...] = qipp_gross
            o["ea_avoided"][...] = avoided
            o["qipp_full_year_effect_gbp"][...] = fye
            delivered_act = act
        else:
            qipp_gross, avoided, delivered_act = base.qipp_gross_gbp, base.ea_avoided, base.qipp_by_activity_gbp
        qipp_net = qipp.net_savings_gbp(qipp_gross, inp.qipp_investment_gbp)
        if "qipp_net_gbp" in o:
            o["qipp_net_gbp"][...] = qipp_net

        # 2. Scheme benefits and the overlap (counted once)
        if self.has_benefits:
            benefits_planned = _by_activity(inp.scheme_benefits_gbp, inp.scheme_activity)
            overlap_planned = savings.overlap_gbp(planned_act, benefits_planned)
            mm = max(inp.savings_delivery_frac.shape[0], inp.ea_delivery_frac.shape[0])
            benefit_scale = np.ones((mm, 1, A)) * inp.savings_delivery_frac[:, :, None]
            benefit_scale[..., EA] = benefit_scale[..., EA] * np.broadcast_to(inp.ea_delivery_frac, (mm, 1))
            benefits_delivered = savings.delivered_gbp(benefits_planned, benefit_scale)
            overlap_delivered = savings.overlap_gbp(delivered_act, benefits_delivered)
            savings_planned = savings.savings_counted_once_gbp(qipp_planned, benefits_planned.sum(-1), overlap_planned.sum(-1))
            savings_delivered = savings.savings_counted_once_gbp(qipp_gross, benefits_delivered.sum(-1), overlap_delivered.sum(-1))
            for name, value in (("benefits_planned_by_activity_gbp", benefits_planned), ("benefits_by_activity_gbp", benefits_delivered),
                                ("overlap_planned_by_activity_gbp", overlap_planned)):
                if name in o:
                    o[name][...] = value
        else:  # x + 0 - 0 == x
            savings_planned, savings_delivered = qipp_planned, qipp_gross
        if "savings_planned_gbp" in o:
            o["savings_planned_gbp"][...] = savings_planned
        if "savings_delivered_gbp" in o:
            o["savings_delivered_gbp"][...] = savings_delivered

        # 3. P4P
        py = inp.p4p_year
        if self.p4p_varies:
            (baseline_q, planned_avoided_q, actual_avoided_q, achievement, overall, p4p_sum,
             released_q, released, unreleased, to_acute, to_ooh) = _p4p_step(inp, m)
            for name, value in (("nel_planned_avoided_q", planned_avoided_q), ("nel_actual_avoided_q", actual_avoided_q),
                                ("metrics_achievement_frac", achievement), ("metrics_overall_frac", overall),
                                ("contingency_funding_allowed", p4p.contingency_funding_allowed(overall)),
                                ("p4p_sum_gbp", p4p_sum), ("p4p_released_q_gbp", released_q), ("p4p_released_gbp", released),
                                ("p4p_unreleased_gbp", unreleased), ("p4p_to_acute_gbp", to_acute),
                                ("p4p_to_out_of_hospital_gbp", to_ooh)):
                if name in o:
                    o[name][...] = value
        else:
            baseline_q, p4p_sum, unreleased = inp.nel_baseline_q, base.p4p_sum_gbp, base.p4p_unreleased_gbp
            overall = base.metrics_overall_frac
        allowed = performance_money_factor(inp, overall)

        # 4-6 per year on (m,) vectors (long inner loops; outputs written column by column)
        P = self.P
        fast_wf = bool(P) and self.lines is not None
        parts = o["shortfall_parts_gbp"]
        total_out = o["shortfall_gbp"]
        used_out = o["contingency_used_gbp"]
        pay_out = o["partner_payments_gbp"]
        gap_out = o.get("unfunded_gap_gbp")
        ret_out = o.get("underspend_retained_gbp")
        cont_out = o.get("contingency_gbp")
        sp = np.broadcast_to(savings_planned, (m, Y))
        sd = np.broadcast_to(savings_delivered, (m, Y))
        demo = np.broadcast_to(inp.demographic_above_plan_gbp, (m, Y))
        if inp.p4p_enabled:
            planned_nel = baseline_q.sum(axis=1) * (1.0 - inp.planned_reduction_frac[:, 0])
            actual_nel = baseline_q.sum(axis=1) * (1.0 + inp.nel_change_frac[:, 0])
            above_plan = actual_nel - planned_nel
            qipp_not_avoided = np.broadcast_to(avoided_planned, (m, Y))[:, py] - np.broadcast_to(avoided, (m, Y))[:, py]
            net_above = np.where(above_plan > 0, np.maximum(above_plan - np.maximum(qipp_not_avoided, 0.0), 0.0), above_plan)
            admissions_py = shortfall.excess_admissions_cost_gbp(0.0, net_above, inp.cost_per_admission_gbp[:, 0])
        beds_days = inp.bed_days_pa[:, 0]
        p4p_sum_row = np.broadcast_to(p4p_sum * allowed, (m,))  # as the contingency: x the 70% rule's factor
        unreleased_row = np.broadcast_to(unreleased * allowed, (m,))
        if fast_wf:
            a_lines, b_lines = self.lines
        total = np.empty(m)
        positive = np.empty(m)
        amount = np.empty(m)
        line = np.empty(m)
        lam = np.empty(m)
        for y in range(Y):
            nd = parts[:, y, 0]
            np.subtract(sp[:, y], sd[:, y], out=nd)
            if inp.p4p_enabled and y == py:
                parts[:, y, 1] = admissions_py
                np.add(nd, parts[:, y, 1], out=total)
            else:
                parts[:, y, 1] = 0.0
                np.add(nd, 0.0, out=total)
            by = 1.0 if y >= inp.beds_from_year else 0.0
            beds = shortfall.beds_not_closed_cost_gbp(inp.beds_not_closed[:, 0], beds_days * by, inp.bed_day_cost_gbp[:, 0])
            parts[:, y, 2] = beds
            total += parts[:, y, 2]
            parts[:, y, 3] = demo[:, y]
            total += parts[:, y, 3]
            cy = 1.0 if y >= inp.care_home_from_year else 0.0
            parts[:, y, 4] = shortfall.care_home_admissions_cost_gbp(inp.care_home_above_plan[:, 0] * cy,
                                                                     inp.care_home_cost_gbp[:, 0])
            total += parts[:, y, 4]
            total_out[:, y] = total
            # contingency
            if inp.contingency_basis == "p4p_sum":
                cont = p4p_sum_row if y == py else 0.0
            elif inp.contingency_basis == "p4p_unreleased":
                cont = unreleased_row if y == py else 0.0
            elif inp.contingency_basis == "stated":
                cont = np.broadcast_to(inp.contingency_stated_gbp, (m, Y))[:, y]
            else:
                cont = 0.0
            if cont_out is not None:
                cont_out[:, y] = cont
            np.maximum(total, 0.0, out=positive)
            used = used_out[:, y]
            np.minimum(positive, cont, out=used)
            if fast_wf:
                np.subtract(positive, used, out=amount)
                np.multiply(amount, b_lines[0, y], out=lam)
                lam += a_lines[0, y]
                for k in range(1, a_lines.shape[0]):
                    if not np.isfinite(a_lines[k, y]):
                        continue
                    np.multiply(amount, b_lines[k, y], out=line)
                    line += a_lines[k, y]
                    np.maximum(lam, line, out=lam)
                share_y, cap_y = self.wf_shares[0, y], self.wf_caps[0, y]
                underspend = None
                if inp.share_underspend and self.can_share[0, y]:
                    underspend = np.maximum(total, 0.0)
                    np.subtract(underspend, total, out=underspend)  # max(-total, 0)
                for p in range(P):
                    col = pay_out[:, y, p]
                    if share_y[p] > 0.0:
                        np.multiply(lam, share_y[p], out=line)
                        np.minimum(line, cap_y[p], out=line)
                    else:
                        line[...] = 0.0
                    if underspend is not None and self.weights[0, y, p] != 0.0:
                        line -= underspend * self.weights[0, y, p]
                    col[...] = line
                if gap_out is not None:
                    np.subtract(amount, self.open_caps[0, y], out=line)
                    np.maximum(line, 0.0, out=gap_out[:, y])
                if ret_out is not None:
                    if underspend is not None:
                        ret_out[:, y] = 0.0
                    else:
                        np.maximum(total, 0.0, out=line)
                        np.subtract(line, total, out=ret_out[:, y])
        if P and not fast_wf:
            total2 = total_out
            contingency = cont_out if cont_out is not None else np.broadcast_to(base.contingency_gbp, (m, Y))
            shares = np.broadcast_to(inp.shares_frac, (m, Y, P))
            caps = np.broadcast_to(inp.caps_gbp, (m, Y, P))
            wf = risk_share.waterfall_by_year_gbp(total2, contingency, shares, caps, inp.share_underspend)
            pay_out[...] = wf.partner_payments
            if gap_out is not None:
                gap_out[...] = wf.unfunded_gap
            if ret_out is not None:
                ret_out[...] = wf.underspend_retained
        elif not P:
            gap_out[...] = np.maximum(total_out - used_out, 0.0)
            ret_out[...] = np.maximum(-total_out, 0.0)

        # 6. Five-year picture
        if "ccg_outturn_after_gbp" in o:
            net_qipp_all = qipp_net + inp.other_net_qipp_gbp
            ccg_after = o["ccg_outturn_after_gbp"]
            ccg_after[...] = five_year.ccg_outturn_after_qipp_gbp(inp.ccg_outturn_before_gbp, net_qipp_all)
        else:
            ccg_after = base.ccg_outturn_after_gbp
        asc_gap = five_year.asc_gap_gbp(inp.asc_pressure_gbp, inp.asc_funding_change_gbp, inp.asc_savings_target_gbp)
        if "asc_gap_gbp" in o:
            o["asc_gap_gbp"][...] = asc_gap
        if "system_gap_gbp" in o:
            o["system_gap_gbp"][...] = five_year.system_gap_gbp(ccg_after, asc_gap)

    # ------------------------------------------------------------------ run

    def run(self, threads: int, block_rows: int) -> ModelOutputs:
        n, base = self.n, self.base
        out = {}
        for name in self.per_row:
            ref = getattr(base, name)
            out[name] = np.empty((n,) + ref.shape[1:], dtype=ref.dtype)
        starts = list(range(0, n, block_rows))
        if threads > 1 and len(starts) > 1:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                for f in [pool.submit(self.block, out, s, min(s + block_rows, n)) for s in starts]:
                    f.result()
        else:
            for s in starts:
                self.block(out, s, min(s + block_rows, n))
        fields = {}
        for name in _DEPENDS:
            if name in out:
                fields[name] = out[name]
            else:
                ref = getattr(base, name)
                fields[name] = np.broadcast_to(ref, (n,) + ref.shape[1:])
        return ModelOutputs(**fields)


def default_threads(n: int) -> int:
    if n < _THREAD_MIN_ROWS:
        return 1
    env = os.environ.get("FINMODEL_THREADS")
    if env:
        return max(1, int(env))
    return min(2, os.cpu_count() or 1)
