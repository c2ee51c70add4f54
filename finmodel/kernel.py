"""The headline kernel: only the figures a sensitivity sweep reads, year-major.

:func:`evaluate_headline` runs the same chain as :func:`finmodel.model.evaluate`
(QIPP planned and delivered, scheme benefits and their overlap, P4P sum and its
quarterly release, the four shortfall parts, contingency, risk-share waterfall)
but materialises only

* ``shortfall_gbp`` ``(Y, n)``, ``contingency_used_gbp`` ``(Y, n)``,
  ``partner_payments_gbp`` ``(Y, P, n)``, ``unfunded_gap_gbp`` ``(Y, n)``,
  ``underspend_retained_gbp`` ``(Y, n)`` (the four per-year arrays other than the
  shortfall may be skipped with ``per_year=False``);
* ``p4p_released_gbp`` ``(n,)``;
* totals over the years, summed year by year in order (the same rounding as the
  sweep's ``_row_total`` of the per-year figures): ``shortfall_total_gbp``,
  ``contingency_total_gbp``, ``contingency_used_total_gbp``,
  ``unfunded_gap_total_gbp``, ``partner_payment_total_gbp`` ``(P, n)`` and
  ``excess_over_contingency_gbp`` (shortfall total minus contingency total).

Layout: scenarios on the LAST axis, so every numpy call of the kernel runs over a
long contiguous row of one block (the model's own ``(n, Y, ...)`` layout puts the
small axes last).  The reference is :func:`finmodel.model._evaluate_general`;
tests/test_kernel.py checks every field against it to £0.005 (and that exact
zeros stay exact zeros) on random inputs, including every fallback.

How it is organised
-------------------
* Everything that depends only on the plan (inputs the sweep leaves at axis 1) is
  computed once, at ``n = 1``: the general route on one row (for figures nothing
  swept feeds), exact QIPP ramp tables (:func:`finmodel.core.piecewise.ramp_table`,
  regrouped into year-major ``alpha + beta * ceiling`` tables per go-live delay and
  ceiling segment) and the water-filling lines of the capped split
  (:func:`finmodel.core.piecewise.allocation_lines`).  These are cached between
  calls that share the same plan arrays (a sweep's chunks), and rebuilt only if a
  chunk's delays or ceilings fall outside the range the tables cover.
* Rows are processed in blocks of ``block_rows`` (default 32,768: a block's
  temporaries stay in L2/L3; measured fastest on this machine) in 2 threads; numpy releases the GIL in its loops.
* Fallbacks, per block, to the general route (then transposed): swept shares or
  caps (or shares/caps the line form does not cover), swept scheme benefits, and
  swept QIPP inputs the tables do not cover (ramp shape, per-cohort constants,
  marginal / outpatient rates, non-whole months).  The P4P step uses the general
  :func:`finmodel.model._p4p_step` for the original design, a swept quarterly
  baseline or a disabled P4P.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from finmodel.arrays import ACTIVITIES, ModelInputs
from finmodel.core import piecewise, risk_share
from finmodel.model import (
    _COHORT,
    _DELIVERED,
    _P4P_IN,
    _by_activity,
    _evaluate_general,
    _p4p_step,
    performance_money_factor,
    _per_scenario_fields,
    _rows,
    _whole,
)

__all__ = ["Headline", "evaluate_headline", "HEADLINE_BLOCK_ROWS"]

#: Rows per block (a block's few dozen temporaries of 8 bytes per row stay in a 1 MiB L2).
HEADLINE_BLOCK_ROWS = 32768
_THREAD_MIN_ROWS = 2 * HEADLINE_BLOCK_ROWS
EA, AE, OP, OTHER = range(len(ACTIVITIES))
_RAMP_SHAPE = ("go_live_month", "initial_frac", "initial_months", "step_frac_pm")


@dataclass(frozen=True)
class Headline:
    """What a sweep reads, scenarios on the last axis.  Money in £.

    Per-year arrays other than ``shortfall_gbp`` are ``None`` when computed with
    ``per_year=False``.
    """

    shortfall_gbp: np.ndarray  # (Y, n)
    contingency_used_gbp: np.ndarray | None  # (Y, n)
    partner_payments_gbp: np.ndarray | None  # (Y, P, n)
    unfunded_gap_gbp: np.ndarray | None  # (Y, n)
    underspend_retained_gbp: np.ndarray | None  # (Y, n)
    p4p_released_gbp: np.ndarray  # (n,)
    shortfall_total_gbp: np.ndarray  # (n,)
    contingency_total_gbp: np.ndarray  # (n,)
    contingency_used_total_gbp: np.ndarray  # (n,)
    unfunded_gap_total_gbp: np.ndarray  # (n,)
    partner_payment_total_gbp: np.ndarray  # (P, n)
    excess_over_contingency_gbp: np.ndarray  # (n,)


_PER_YEAR = ("contingency_used_gbp", "partner_payments_gbp", "unfunded_gap_gbp", "underspend_retained_gbp")


# --------------------------------------------------------------------------- plan-only setup


def _swept(inputs: ModelInputs) -> tuple[str, ...]:
    return tuple(f for f in _per_scenario_fields(inputs) if getattr(inputs, f).shape[0] > 1)


def _ceiling_mode(inputs: ModelInputs, swept) -> str:
    """'fixed' (ceiling not swept), 'shared' (every cohort the same ceiling per row) or 'cohort'."""
    if "ceiling_frac" not in swept:
        return "fixed"
    c = inputs.ceiling_frac
    return "shared" if np.all(c == c[:, :1]) else "cohort"


def _flags(inputs: ModelInputs) -> tuple[bool, bool]:
    """Per-call conditions of the table form: whole-month delays, finite ceilings."""
    return _whole(inputs.delay_months), bool(np.all(np.isfinite(inputs.ceiling_frac)))


def _ranges(inputs: ModelInputs, swept, mode):
    d = inputs.delay_months
    d_rng = (min(float(d.min()), 0.0), max(float(d.max()), 0.0))
    if mode == "shared":
        x = inputs.ceiling_frac[:, 0]
        x_rng = (float(x.min()), float(x.max()))
    else:
        x_rng = None
    return d_rng, x_rng


class _Kernel:
    """The plan-only part of a headline evaluation (tables, lines, plan figures) and the block kernel."""

    def __init__(self, inputs: ModelInputs, n_years: int, swept, mode, d_rng, x_rng):
        self.Y, self.swept, self.mode = n_years, tuple(swept), mode
        self.flags = _flags(inputs)
        self.d_rng, self.x_rng = d_rng, x_rng
        self.key_inputs = inputs  # unswept arrays are compared by identity
        sw = set(swept)
        Y = n_years
        self.base = _evaluate_general(_rows(inputs, slice(0, 1), swept), n_years)
        self.P = inputs.shares_frac.shape[-1]
        self.C = inputs.go_live_month.shape[1]
        self.has_benefits = bool(np.any(inputs.scheme_benefits_gbp))
        self.fallback = None
        if "scheme_benefits_gbp" in sw:
            self.fallback = "benefits swept"
        # savings vary with any swept QIPP or delivery input; without cohorts, scheme benefits still
        # follow the delivery fractions (the QIPP tables are then all zero)
        self.qipp_varies = any(f in sw for f in _DELIVERED) and (self.C > 0 or self.has_benefits)
        self.p4p_varies = any(f in sw for f in _P4P_IN)
        self.fast_p4p = (inputs.p4p_enabled and inputs.p4p_design == "revised" and "nel_baseline_q" not in sw)
        self._setup_waterfall(inputs, sw)
        if self.qipp_varies and self.fallback is None:
            self._setup_qipp(inputs, sw)
        if self.has_benefits:
            bp = _by_activity(inputs.scheme_benefits_gbp, inputs.scheme_activity)[0]  # (Y, A)
            self.benefits_planned = bp
            self.benefits_sum = bp.sum(axis=-1)  # (Y,) as the reference sums them
        py = inputs.p4p_year
        b = self.base
        self.sp_plan = b.savings_planned_gbp[0]  # (Y,)
        self.sd_plan = b.savings_delivered_gbp[0]
        self.avd_p_plan = float(b.ea_avoided_planned[0, py])
        self.avd_d_plan = float(b.ea_avoided[0, py])
        self.p4p_sum_plan = float(b.p4p_sum_gbp[0])
        self.released_plan = float(b.p4p_released_gbp[0])
        self.allowed_plan = performance_money_factor(inputs, b.metrics_overall_frac[:1])  # the 70% rule
        if self.fast_p4p:
            q = inputs.nel_baseline_q[0]
            self.bq = [float(v) for v in q]
            self.bsum = float(inputs.nel_baseline_q[0:1].sum(axis=1)[0])

    # ------------------------------------------------------------------ waterfall

    def _setup_waterfall(self, inp, sw):
        Y, P = self.Y, self.P
        self.lines = None
        if P == 0:
            return
        if "shares_frac" in sw or "caps_gbp" in sw:
            self.fallback = self.fallback or "shares or caps swept"
            return
        shares = np.broadcast_to(inp.shares_frac, (1, Y, P))[0]
        caps = np.broadcast_to(inp.caps_gbp, (1, Y, P))[0]
        if not (np.all(shares >= 0) and np.all(np.isfinite(shares)) and np.all(caps >= 0)):
            self.fallback = self.fallback or "shares or caps outside the line form"
            return
        self.lines = [piecewise.allocation_lines(shares[y], caps[y]) for y in range(Y)]
        is_open = (shares > 0.0) & (caps > 0.0)
        self.wf_shares = np.where(is_open, shares, 0.0)
        self.wf_caps = np.where(is_open, caps, 0.0)
        self.open_caps = np.where(is_open, caps, 0.0).sum(axis=1)  # (Y,)
        weights = risk_share._normalised_shares_frac(shares)
        self.weights = weights
        self.can_share = weights.sum(axis=1) > 0.0

    # ------------------------------------------------------------------ QIPP tables

    def _setup_qipp(self, inp, sw):
        """Year-major tables: value (K, rows) = alpha[:, key] + beta[:, key] * ceiling, per group."""
        Y, C = self.Y, self.C
        self.groups = None
        if C == 0:  # no cohorts: every QIPP figure is 0 (rows EA, A&E, outpatients by year, then EAs avoided)
            self.groups, self.K = [], 3 * Y + 1
            return
        if any(f in sw for f in _RAMP_SHAPE) or any(f in sw for f in _COHORT):
            self.fallback = "QIPP inputs outside the ramp tables swept"
            return
        if not (_whole(inp.delay_months) and _whole(inp.go_live_month) and _whole(inp.initial_months)):
            self.fallback = "months not whole"
            return
        if not (np.all(inp.initial_months >= 0) and np.all(inp.step_frac_pm >= 0) and np.all(np.isfinite(inp.ceiling_frac))
                and np.all(np.isfinite(inp.initial_frac)) and np.all(np.isfinite(inp.step_frac_pm))):
            self.fallback = "ramp outside the table form"
            return
        d_lo, d_hi = self.d_rng
        G = int(d_hi - d_lo) + 1
        self.d_lo, self.d0 = d_lo, int(-d_lo)
        cohort = []  # per cohort: (alpha (G*(J+1), 3Y), beta, j_max)
        for c in range(C):
            g0, n_init = float(inp.go_live_month[0, c]), float(inp.initial_months[0, c])
            j_max = int(max(12 * Y - (g0 + d_lo) - n_init, 0.0))
            if G * (j_max + 1) > 200_000:
                self.fallback = "ramp table too large"
                return
            a, b = piecewise.ramp_table(g0 + np.arange(G) + d_lo, inp.initial_frac[0, c], n_init, inp.step_frac_pm[0, c], Y, j_max)
            cohort.append((a.reshape(-1, 3 * Y), b.reshape(-1, 3 * Y), j_max))
        k1 = inp.ea_value_pm_gbp[0] * inp.marginal_rate_frac[0, 0]
        k2 = inp.ae_via_count_pm[0] * inp.ae_tariff_gbp[0]
        k3 = inp.op_value_pm_gbp[0] * inp.op_reduction_frac[0, 0]
        cnt = inp.ea_count_pm[0]
        py = inp.p4p_year

        def columns(S, L, w):
            """(rows, K) table columns from per-cohort S, L (rows, C, Y) weighted (w: which cohorts)."""
            ea = np.einsum("rcy,c->ry", S, k1 * w)
            ae = np.einsum("rcy,c->ry", S, k2 * w)
            op = np.einsum("rcy,c->ry", L, k3 * w)
            avd = np.einsum("rc,c->r", S[:, :, py], cnt * w)[:, None]
            cols = [ea, ae, op, avd] if self.has_benefits else [ea + ae, op, avd]
            return np.ascontiguousarray(np.concatenate(cols, axis=1).T)  # (K, rows)

        groups = []
        if self.mode in ("fixed", "shared"):
            lo, hi = self.x_rng if self.mode == "shared" else (None, None)
            if self.mode == "shared":
                breaks = []
                for c in range(C):
                    init, step, j_max = float(inp.initial_frac[0, c]), float(inp.step_frac_pm[0, c]), cohort[c][2]
                    bk = init + step * np.arange(1, j_max + 1) if step > 0 else np.array([init])
                    breaks.append(bk[(bk > lo) & (bk <= hi)])
                xb = np.unique(np.concatenate(breaks))
                if xb.size > 4096:
                    self.fallback = "too many ceiling breakpoints"
                    return
                edges = np.concatenate([[lo], xb, [hi]])
                reps = 0.5 * (edges[:-1] + edges[1:])
            else:
                xb, reps = np.zeros(0), np.zeros(1)
            NS = reps.size
            sa = np.zeros((G, NS, C, 3 * Y))
            sb = np.zeros((G, NS, C, 3 * Y))
            for c in range(C):
                alpha, beta, j_max = cohort[c]
                x_c = reps if self.mode == "shared" else inp.ceiling_frac[0, c:c + 1]
                steps = np.minimum(piecewise.ramp_steps(inp.initial_frac[0, c], inp.step_frac_pm[0, c], x_c), j_max).astype(np.intp)
                rows = np.arange(G)[:, None] * (j_max + 1) + steps[None, :]
                sa[:, :, c], sb[:, :, c] = alpha[rows], beta[rows]
                if self.mode == "fixed":  # the cohort's fixed ceiling folds into alpha
                    sa[:, :, c] += sb[:, :, c] * x_c[0]
                    sb[:, :, c] = 0.0
            sa, sb = sa.reshape(G * NS, C, 3 * Y), sb.reshape(G * NS, C, 3 * Y)
            ones = np.ones(C)
            A = columns(sa[..., :Y], sa[..., 2 * Y:], ones)
            B = columns(sb[..., :Y], sb[..., 2 * Y:], ones) if self.mode == "shared" else None
            groups.append(dict(A=A, B=B, NS=NS, xb=xb, cohort=None))
        else:  # per-cohort ceilings: one table per cohort, keyed by (delay, rising steps)
            for c in range(C):
                alpha, beta, j_max = cohort[c]
                w = np.zeros(C)
                w[c] = 1.0
                A = columns(_only(alpha, c, C, Y, 0), _only(alpha, c, C, Y, 2), w)
                B = columns(_only(beta, c, C, Y, 0), _only(beta, c, C, Y, 2), w)
                groups.append(dict(A=A, B=B, NS=j_max + 1, xb=None, cohort=c, j_max=j_max,
                                   init=float(inp.initial_frac[0, c]), step=float(inp.step_frac_pm[0, c])))
        self.groups = groups
        self.K = groups[0]["A"].shape[0]

    def covers(self, inputs: ModelInputs, swept, mode, d_rng, x_rng) -> bool:
        """Whether this kernel's tables and plan figures serve ``inputs`` (same plan arrays, ranges inside)."""
        if tuple(swept) != self.swept or mode != self.mode or _flags(inputs) != self.flags:
            return False
        k = self.key_inputs
        for f, v in vars(inputs).items():
            if f in self.swept:
                continue
            w = getattr(k, f)
            if isinstance(v, np.ndarray):
                if v is not w:
                    return False
            elif v != w:
                return False
        if not (self.d_rng[0] <= d_rng[0] and d_rng[1] <= self.d_rng[1]):
            return False
        if x_rng is not None and not (self.x_rng[0] <= x_rng[0] and x_rng[1] <= self.x_rng[1]):
            return False
        return True

    # ------------------------------------------------------------------ block

    def _qipp_block(self, inp: ModelInputs, planned: bool):
        """(K, m | 1) table values for one block: planned (no delay) or delivered (delay rows, unscaled)."""
        total = None if self.groups else np.zeros((self.K, 1))
        for g in self.groups:
            if g["cohort"] is None:
                x = inp.ceiling_frac[:, 0]
                seg = np.searchsorted(g["xb"], x, side="right") if g["B"] is not None else np.zeros(1, np.intp)
                if g["B"] is None:
                    x = None
            else:
                x = inp.ceiling_frac[:, g["cohort"]]
                seg = np.minimum(piecewise.ramp_steps(g["init"], g["step"], x), g["j_max"]).astype(np.intp)
            if planned:
                key = seg + self.d0 * g["NS"]
            else:
                d = (inp.delay_months[:, 0] - self.d_lo).astype(np.intp)
                key = d * g["NS"] + seg
            v = np.take(g["A"], key, axis=1)
            if x is not None:
                vb = np.take(g["B"], key, axis=1)
                vb *= x
                v += vb
            total = v if total is None else total + v
        return total

    def block(self, inputs: ModelInputs, out: dict, s: int, e: int):
        inp = _rows(inputs, slice(s, e), self.swept)
        if self.fallback is not None:
            return self._general_block(inp, out, s, e)
        m = e - s
        Y, P, py = self.Y, self.P, inp.p4p_year

        def col(a):  # (n, 1) input -> (m,) or (1,)
            return a[:, 0]

        sdf = col(inp.savings_delivery_frac)
        es = col(inp.ea_delivery_frac) * sdf  # as the reference: ea_delivery * savings_delivery

        # 1-2. QIPP (and scheme benefits): savings planned / delivered per year, EAs avoided in the P4P year
        if self.qipp_varies:
            Pv = self._qipp_block(inp, planned=True)
            Dv = self._qipp_block(inp, planned=False)
            K = self.K
            if self.has_benefits:
                sp, sd = [], []
                bp, bsum = self.benefits_planned, self.benefits_sum
                for y in range(Y):
                    qp = (Pv[y] + Pv[Y + y]) + Pv[2 * Y + y]
                    ov = np.minimum(np.maximum(Pv[y], 0.0), max(bp[y, EA], 0.0))
                    ov += np.minimum(np.maximum(Pv[Y + y], 0.0), max(bp[y, AE], 0.0))
                    ov += np.minimum(np.maximum(Pv[2 * Y + y], 0.0), max(bp[y, OP], 0.0))
                    sp.append((qp + bsum[y]) - ov)
                    ea_d, ae_d, op_d = Dv[y] * es, Dv[Y + y] * es, Dv[2 * Y + y] * sdf
                    qd = (ea_d + ae_d) + op_d
                    bd_ea, bd_other = bp[y, EA] * es, sdf  # delivered benefits: planned x scale
                    bd = [bd_ea, bp[y, AE] * bd_other, bp[y, OP] * bd_other, bp[y, OTHER] * bd_other]
                    ovd = np.minimum(np.maximum(ea_d, 0.0), np.maximum(bd[0], 0.0))
                    ovd = ovd + np.minimum(np.maximum(ae_d, 0.0), np.maximum(bd[1], 0.0))
                    ovd = ovd + np.minimum(np.maximum(op_d, 0.0), np.maximum(bd[2], 0.0))
                    bdsum = ((bd[0] + bd[1]) + bd[2]) + bd[3]
                    sd.append((qd + bdsum) - ovd)
            else:
                sp = [Pv[y] + Pv[Y + y] for y in range(Y)]
                sd = []
                for y in range(Y):
                    d = Dv[y] * es
                    d += Dv[Y + y] * sdf
                    sd.append(d)
            avd_p = Pv[K - 1]
            avd_d = Dv[K - 1] * es
        else:
            sp, sd = self.sp_plan, self.sd_plan
            avd_p, avd_d = self.avd_p_plan, self.avd_d_plan

        # 3. P4P: the sum held back and what is released
        allowed = self.allowed_plan
        if not self.p4p_varies:
            p4p_sum, released = self.p4p_sum_plan, self.released_plan
        elif self.fast_p4p:
            p4p_sum, released = self._p4p_revised(inp)
        else:
            r = _p4p_step(inp, m)
            p4p_sum, released = r[5], r[7]
            allowed = performance_money_factor(inp, r[4])
        np.copyto(out["p4p_released_gbp"][s:e], released)
        p4p_unreleased = np.subtract(p4p_sum, released)  # as core.p4p.unreleased_gbp: sum - released

        # 4. shortfall parts that do not change by year
        adm = 0.0
        if inp.p4p_enabled:
            pr, nel, cpa = col(inp.planned_reduction_frac), col(inp.nel_change_frac), col(inp.cost_per_admission_gbp)
            bsum = inp.nel_baseline_q.sum(axis=1)
            above = bsum * (1.0 + nel) - bsum * (1.0 - pr)  # not in place: either term may be the one swept
            qna = np.subtract(avd_p, avd_d)  # EAs the QIPP cohorts failed to avoid (already in savings)
            net = above - np.maximum(qna, 0.0)
            np.maximum(net, 0.0, out=net)
            net = np.where(above > 0, net, above)
            adm = (net - 0.0) * cpa
        beds_on = col(inp.beds_not_closed) * col(inp.bed_days_pa)
        beds_on = beds_on * col(inp.bed_day_cost_gbp)
        demo = inp.demographic_above_plan_gbp
        demo_zero = demo.shape[0] == 1 and not np.any(demo)
        care_on = col(inp.care_home_above_plan) * col(inp.care_home_cost_gbp)  # £ a year from 2015/16
        basis = inp.contingency_basis

        sf_out = out["shortfall_gbp"]
        tot = out["shortfall_total_gbp"][s:e]
        ctot = out["contingency_total_gbp"][s:e]
        utot = out["contingency_used_total_gbp"][s:e]
        gtot = out["unfunded_gap_total_gbp"][s:e]
        ptot = out["partner_payment_total_gbp"][:, s:e]
        per_year = "contingency_used_gbp" in out
        total = np.empty(m)
        pos = np.empty(m)
        used = np.empty(m) if not per_year else None
        amount = np.empty(m)
        tmp = np.empty(m)
        for y in range(Y):
            # shortfall = savings not delivered + admissions above plan + beds not closed + demographic growth
            nd = np.subtract(sp[y], sd[y])
            np.add(nd, adm if y == py else 0.0, out=total)
            if y >= inp.beds_from_year:
                total += beds_on
            if not demo_zero:
                total += demo[:, y]
            if y >= inp.care_home_from_year:
                total += care_on
            sf_out[y, s:e] = total
            # contingency
            if basis == "p4p_sum":
                cont = p4p_sum * allowed if y == py else 0.0
            elif basis == "p4p_unreleased":
                cont = p4p_unreleased * allowed if y == py else 0.0
            elif basis == "stated":
                cont = inp.contingency_stated_gbp[:, y]
            else:
                cont = 0.0
            np.maximum(total, 0.0, out=pos)
            u = out["contingency_used_gbp"][y, s:e] if per_year else used
            np.minimum(pos, cont, out=u)
            np.subtract(pos, u, out=amount)
            # waterfall
            if P:
                self._split(y, total, amount, out, s, e, tmp, ptot, per_year, inp.share_underspend)
            else:
                g = out["unfunded_gap_gbp"][y, s:e] if per_year else tmp
                np.subtract(total, u, out=g)
                np.maximum(g, 0.0, out=g)
                self._acc(gtot, g, y)
                if per_year:
                    r = out["underspend_retained_gbp"][y, s:e]
                    np.negative(total, out=r)
                    np.maximum(r, 0.0, out=r)
            # totals, year by year in order
            self._acc(tot, total, y)
            self._acc(utot, u, y)
            if y == 0:
                np.copyto(ctot, cont)
            else:
                ctot += cont
        np.subtract(tot, ctot, out=out["excess_over_contingency_gbp"][s:e])

    @staticmethod
    def _acc(total, value, y):
        if y == 0:
            np.copyto(total, value)
        else:
            total += value

    def _split(self, y, total, amount, out, s, e, tmp, ptot, per_year, share_underspend):
        """Partners by share up to caps (water-filling lines), the gap, the underspend."""
        P = self.P
        a, b = self.lines[y]
        lam = amount * b[0]
        lam += a[0]
        for k in range(1, len(a)):
            np.multiply(amount, b[k], out=tmp)
            tmp += a[k]
            np.maximum(lam, tmp, out=lam)
        underspend = None
        if share_underspend and self.can_share[y]:
            underspend = np.maximum(total, 0.0)
            np.subtract(underspend, total, out=underspend)  # max(-total, 0)
        for p in range(P):
            col = out["partner_payments_gbp"][y, p, s:e] if per_year else tmp
            if self.wf_shares[y, p] > 0.0:
                np.multiply(lam, self.wf_shares[y, p], out=col)
                np.minimum(col, self.wf_caps[y, p], out=col)
            else:
                col[...] = 0.0
            if underspend is not None and self.weights[y, p] != 0.0:
                col -= underspend * self.weights[y, p]
            self._acc(ptot[p], col, y)
        gap = out["unfunded_gap_gbp"][y, s:e] if per_year else tmp
        np.subtract(amount, self.open_caps[y], out=gap)
        np.maximum(gap, 0.0, out=gap)
        self._acc(out["unfunded_gap_total_gbp"][s:e], gap, y)
        if per_year:
            r = out["underspend_retained_gbp"][y, s:e]
            if underspend is not None:
                r[...] = 0.0
            else:
                np.maximum(total, 0.0, out=r)
                np.subtract(r, total, out=r)

    def _p4p_revised(self, inp):
        """P4P sum and release, revised design, quarterly baseline the plan's (same formulas as core.p4p)."""
        pr = inp.planned_reduction_frac[:, 0]
        cpa = inp.cost_per_admission_gbp[:, 0]
        nel = inp.nel_change_frac[:, 0]
        p4p_sum = (self.bsum * pr) * cpa
        planned = [bq * pr for bq in self.bq]
        planned_total = ((planned[0] + planned[1]) + planned[2]) + planned[3]
        has_total = planned_total > 0.0
        neg = -nel
        released = None
        for q in range(4):
            pq = planned[q]
            w = np.divide(pq, planned_total, out=np.zeros(np.shape(pq)), where=has_total)
            share = p4p_sum * w
            has_plan = pq > 0.0
            actual = self.bq[q] * neg
            shape = np.broadcast_shapes(np.shape(actual), np.shape(pq))
            ach = np.divide(actual, pq, out=np.zeros(shape), where=has_plan)
            np.maximum(ach, 0.0, out=ach)
            np.minimum(ach, 1.0, out=ach)
            rel = share * ach
            released = rel if released is None else released + rel
        return p4p_sum, released

    def _general_block(self, inp, out, s, e):
        """The reference route on rows ``s:e``, transposed into the year-major outputs."""
        g = _evaluate_general(inp, self.Y)
        m = e - s
        Y = self.Y

        def rows(a):
            return np.broadcast_to(a, (m,) + a.shape[1:])

        sf = rows(g.shortfall_gbp)
        out["shortfall_gbp"][:, s:e] = sf.T
        used, cont, gap = rows(g.contingency_used_gbp), rows(g.contingency_gbp), rows(g.unfunded_gap_gbp)
        pay = rows(g.partner_payments_gbp)
        if "contingency_used_gbp" in out:
            out["contingency_used_gbp"][:, s:e] = used.T
            out["partner_payments_gbp"][:, :, s:e] = np.moveaxis(pay, 0, -1)
            out["unfunded_gap_gbp"][:, s:e] = gap.T
            out["underspend_retained_gbp"][:, s:e] = rows(g.underspend_retained_gbp).T
        np.copyto(out["p4p_released_gbp"][s:e], np.broadcast_to(g.p4p_released_gbp, (m,)))
        for name, a in (("shortfall_total_gbp", sf), ("contingency_total_gbp", cont),
                        ("contingency_used_total_gbp", used), ("unfunded_gap_total_gbp", gap)):
            t = out[name][s:e]
            for y in range(Y):
                self._acc(t, a[:, y], y)
        for p in range(self.P):
            t = out["partner_payment_total_gbp"][p, s:e]
            for y in range(Y):
                self._acc(t, pay[:, y, p], y)
        np.subtract(out["shortfall_total_gbp"][s:e], out["contingency_total_gbp"][s:e],
                    out=out["excess_over_contingency_gbp"][s:e])


def _only(table, c, C, Y, part):
    """(rows, C, Y) with cohort ``c``'s ramp ``part`` (0: month-sums, 2: live months) and zeros elsewhere."""
    t = table.reshape(-1, 3 * Y)[:, part * Y:(part + 1) * Y]
    z = np.zeros((t.shape[0], C, Y))
    z[:, c] = t
    return z


# --------------------------------------------------------------------------- cache of plan-only setups

_CACHE: list[_Kernel] = []
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 4


def _kernel_for(inputs: ModelInputs, n_years: int) -> _Kernel:
    swept = _swept(inputs)
    mode = _ceiling_mode(inputs, swept)
    d_rng, x_rng = _ranges(inputs, swept, mode)
    with _CACHE_LOCK:
        for k in _CACHE:
            if k.Y == n_years and k.covers(inputs, swept, mode, d_rng, x_rng):
                return k
        # widen to the union with a kernel of the same plan (a sweep's later chunk), else fresh
        for k in list(_CACHE):
            if k.Y == n_years and k.covers(inputs, swept, mode, k.d_rng, k.x_rng):
                d_rng = (min(d_rng[0], k.d_rng[0]), max(d_rng[1], k.d_rng[1]))
                if x_rng is not None:
                    x_rng = (min(x_rng[0], k.x_rng[0]), max(x_rng[1], k.x_rng[1]))
                _CACHE.remove(k)
                break
        kernel = _Kernel(inputs, n_years, swept, mode, d_rng, x_rng)
        _CACHE.insert(0, kernel)
        del _CACHE[_CACHE_SIZE:]
        return kernel


def _threads(n: int, block_rows: int) -> int:
    if n < max(_THREAD_MIN_ROWS, 2 * block_rows):
        return 1
    env = os.environ.get("FINMODEL_THREADS")
    if env:
        return max(1, int(env))
    return min(2, os.cpu_count() or 1)


def evaluate_headline(inputs: ModelInputs, n_years: int, *, threads: int | None = None,
                      block_rows: int = HEADLINE_BLOCK_ROWS, per_year: bool = True) -> Headline:
    """The sweep's figures for every scenario, year-major (see the module docstring).

    Same numbers as :func:`finmodel.model.evaluate` (to rounding, far below a penny;
    exact zeros stay exact zeros).  ``per_year=False`` skips the per-year contingency
    used, partner payments, gap and retained underspend (their totals are kept).
    """
    n = max(inputs.n, 1)
    Y = int(n_years)
    kernel = _kernel_for(inputs, Y)
    P = kernel.P
    out = {
        "shortfall_gbp": np.empty((Y, n)),
        "p4p_released_gbp": np.empty(n),
        "shortfall_total_gbp": np.empty(n),
        "contingency_total_gbp": np.empty(n),
        "contingency_used_total_gbp": np.empty(n),
        "unfunded_gap_total_gbp": np.empty(n),
        "partner_payment_total_gbp": np.empty((P, n)),
        "excess_over_contingency_gbp": np.empty(n),
    }
    if per_year:
        out.update(contingency_used_gbp=np.empty((Y, n)), partner_payments_gbp=np.empty((Y, P, n)),
                   unfunded_gap_gbp=np.empty((Y, n)), underspend_retained_gbp=np.empty((Y, n)))
    block_rows = max(1, int(block_rows))
    starts = list(range(0, n, block_rows))
    nt = _threads(n, block_rows) if threads is None else max(1, int(threads))
    if nt > 1 and len(starts) > 1:
        with ThreadPoolExecutor(max_workers=nt) as pool:
            for f in [pool.submit(kernel.block, inputs, out, s, min(s + block_rows, n)) for s in starts]:
                f.result()
    else:
        for s in starts:
            kernel.block(inputs, out, s, min(s + block_rows, n))
    for name in _PER_YEAR:
        out.setdefault(name, None)
    return Headline(**out)
