"""The one fast route: ``evaluate`` for n > 1 and the sweep's headline, from the same loop.

:func:`evaluate_route` (behind :func:`finmodel.model.evaluate` for n > 1) returns every
field of :class:`~finmodel.model.ModelOutputs`; :func:`evaluate_headline` (behind
:mod:`finmodel.kernel`, used by sweeps) returns only what a sweep reads, year-major.
Both run compiled loops of :mod:`finmodel.route_loops` over the plan-only tables of
:mod:`finmodel.route_tables`: ``every_output_rows`` for ``evaluate`` and ``chain_rows``,
the same formulas (shared inlined helpers) with only the headline's outputs, for sweeps.  The
reference is :func:`finmodel.model._evaluate_general`: tests/test_routes_random_plans.py
checks both entry points against it to £0.005 on random plans x random sweeps.

* Rows run in blocks of ``block_rows`` in ``threads`` threads (the compiled loop releases
  the GIL; blocks are independent, so numbers do not depend on threads or block size).
* Where the tables or lines cannot represent the call (:attr:`RouteTables.fallback`), each
  block runs the reference route and is copied into the outputs.
* P4P: the plan's figures when no P4P input is swept; else the loop's revised-design
  formulas (headline, the plan's quarterly baseline) or the reference's
  :func:`~finmodel.model._p4p_step` on the block (every other case, and every P4P field of
  ``evaluate``), whose sum, release and 70% rule factor the loop then reads.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from finmodel import route_loops as L
from finmodel.arrays import ModelInputs
from finmodel.core import five_year, p4p, qipp
from finmodel.model import (
    _DEPENDS, ModelOutputs, _evaluate_general, _p4p_step, _rows, performance_money_factor,
)
from finmodel.route_tables import BASIS_CODE, RouteTables, tables_for

#: Rows per block: one call of the compiled loop (its per-call cost is ~10 us).
ROUTE_BLOCK_ROWS = 65536

_R1_FIELDS = {L.DELAY: "delay_months", L.SDF: "savings_delivery_frac", L.EAD: "ea_delivery_frac", L.NEL: "nel_change_frac",
              L.BNC: "beds_not_closed", L.BDPA: "bed_days_pa", L.BDC: "bed_day_cost_gbp", L.CHA: "care_home_above_plan",
              L.CHC: "care_home_cost_gbp", L.PR: "planned_reduction_frac", L.CPA: "cost_per_admission_gbp"}
_P4P_FIELDS = ("nel_planned_avoided_q", "nel_actual_avoided_q", "metrics_achievement_frac", "metrics_overall_frac",
               "contingency_funding_allowed", "p4p_sum_gbp", "p4p_released_q_gbp", "p4p_released_gbp",
               "p4p_unreleased_gbp", "p4p_to_acute_gbp", "p4p_to_out_of_hospital_gbp")
_P4P_STEP_INDEX = {"nel_planned_avoided_q": 1, "nel_actual_avoided_q": 2, "metrics_achievement_frac": 3,
                   "metrics_overall_frac": 4, "p4p_sum_gbp": 5, "p4p_released_q_gbp": 6, "p4p_released_gbp": 7,
                   "p4p_unreleased_gbp": 8, "p4p_to_acute_gbp": 9, "p4p_to_out_of_hospital_gbp": 10}
# kernel outputs of evaluate: ModelOutputs field -> (tuple, index); (Y, n) in o2 and (Y, k, n) in o3
_LOOP_FIELDS = {"shortfall_gbp": (2, L.O_SF), "contingency_used_gbp": (2, L.O_USED), "unfunded_gap_gbp": (2, L.O_GAP),
                "underspend_retained_gbp": (2, L.O_RET), "contingency_gbp": (2, L.O_CONT),
                "partner_payments_gbp": (3, L.O_PAY), "shortfall_parts_gbp": (3, L.O_PARTS)}
_QIPP_FIELDS = {"qipp_planned_gbp": (2, L.O_QP), "ea_avoided_planned": (2, L.O_AVDP), "qipp_gross_gbp": (2, L.O_QG),
                "ea_avoided": (2, L.O_AVD), "qipp_full_year_effect_gbp": (2, L.O_FYE), "savings_planned_gbp": (2, L.O_SP),
                "savings_delivered_gbp": (2, L.O_SD), "qipp_planned_by_activity_gbp": (3, L.O_QPACT),
                "qipp_by_activity_gbp": (3, L.O_QACT), "qipp_by_cohort_gbp": (3, L.O_QCOH)}
_BENEFIT_FIELDS = {"benefits_by_activity_gbp": (3, L.O_BEN), "overlap_planned_by_activity_gbp": (3, L.O_OVP)}
_DUMMY = (np.zeros(1), np.zeros((1, 1)), np.zeros((1, 1, 1)))


def default_threads(n: int, block_rows: int = ROUTE_BLOCK_ROWS) -> int:
    """2 threads (``FINMODEL_THREADS`` overrides) when there are at least two blocks, else 1."""
    if n < 2 * block_rows:
        return 1
    env = os.environ.get("FINMODEL_THREADS")
    if env:
        return max(1, int(env))
    return min(2, os.cpu_count() or 1)


_HUGE_PAGE = 2 << 20


def _empty(shape) -> np.ndarray:
    """``np.empty(shape)`` of float64; when 8 MiB or more, a view starting on a 2 MiB boundary of its own buffer.

    The loop's stores are an output's first touch: aligned, its fresh pages fault in as transparent huge
    pages (allocating and first writing the 10^6-row headline's 112 MB: about 20 ms instead of 31 ms on
    the 2-core test machine).  At most 2 MiB more per array; numbers and layout are unchanged.
    """
    size = int(np.prod(shape))
    if size * 8 < 4 * _HUGE_PAGE:
        return np.empty(shape)
    raw = np.empty(size + _HUGE_PAGE // 8)
    start = (-raw.ctypes.data % _HUGE_PAGE) // 8
    return raw[start:start + size].reshape(shape)


def _own(a) -> np.ndarray:
    """A writeable C-contiguous float64 array (numba compiles one version per layout and read-only flag)."""
    a = np.asarray(a, dtype=np.float64)
    return a if (a.flags.c_contiguous and a.flags.writeable) else np.array(a, dtype=np.float64, order="C")


def _col(a: np.ndarray) -> tuple[np.ndarray, int]:
    """An (m | 1, 1) input as a contiguous (m | 1,) vector and its row step (0 = the plan's value)."""
    v = _own(np.reshape(a, (a.shape[0], -1))[:, 0])
    return v, int(v.shape[0] > 1)


def _vec(a) -> tuple[np.ndarray, int]:
    v = _own(np.reshape(np.asarray(a, dtype=np.float64), -1))
    return v, int(v.shape[0] > 1)


def _mat(a: np.ndarray) -> tuple[np.ndarray, int]:
    v = _own(a)
    return v, int(v.shape[0] > 1)


class _Call:
    """One call of the loop: the tables, the P4P mode and the outputs it writes."""

    def __init__(self, inputs: ModelInputs, n_years: int, n: int, *, full: bool, per_year: bool, in_loop_p4p: bool,
                 threads: int = 1):
        L.require_numba()
        self.inputs, self.Y, self.n = inputs, n_years, n
        self.t: RouteTables = tables_for(inputs, n_years, threads=threads)
        t = self.t
        self.full = full
        self.qmode = 1 if (t.qipp_varies and t.fallback is None) else 0
        self.pmode = 0 if not t.p4p_varies else (1 if (in_loop_p4p and t.fast_p4p) else 2)
        self.ci = np.array([n_years, t.C, t.P, inputs.p4p_year, inputs.beds_from_year, inputs.care_home_from_year,
                            self.qmode, self.pmode, BASIS_CODE[inputs.contingency_basis], int(inputs.p4p_enabled),
                            int(t.has_benefits), int(inputs.share_underspend), int(per_year or full), int(full),
                            t.d0, len(t.groups)], dtype=np.int64)

    def inputs_of_block(self, inp: ModelInputs, m: int, p4p_step):
        """Block-local r1 / r2 tuples and steps for the loop."""
        r1, s1 = [None] * L.N_R1, np.zeros(L.N_R1, dtype=np.int64)
        for k, name in _R1_FIELDS.items():
            r1[k], s1[k] = _col(getattr(inp, name))
        r1[L.BSUM], s1[L.BSUM] = _vec(inp.nel_baseline_q.sum(axis=1))  # as the reference sums the quarters
        for k in (L.PSUM, L.PREL, L.PUNR, L.PALW):
            r1[k], s1[k] = _DUMMY[0], 0
        if p4p_step is not None:
            r1[L.PSUM], s1[L.PSUM] = _vec(np.broadcast_to(p4p_step[5], (m,)))
            r1[L.PREL], s1[L.PREL] = _vec(np.broadcast_to(p4p_step[7], (m,)))
            r1[L.PUNR], s1[L.PUNR] = _vec(np.broadcast_to(p4p_step[8], (m,)))
            r1[L.PALW], s1[L.PALW] = _vec(np.broadcast_to(performance_money_factor(inp, p4p_step[4]), (m,)))
        r2, s2 = [None] * 3, np.zeros(3, dtype=np.int64)
        r2[L.CEIL], s2[L.CEIL] = _mat(inp.ceiling_frac)
        r2[L.DEMO], s2[L.DEMO] = _mat(inp.demographic_above_plan_gbp)
        r2[L.STATED], s2[L.STATED] = _mat(inp.contingency_stated_gbp)
        return tuple(r1), s1, tuple(r2), s2

    def run_loop(self, inp: ModelInputs, s: int, e: int, o1, o2, o3, p4p_step=None):
        """Every output of rows ``s:e`` (:func:`~finmodel.route_loops.every_output_rows`)."""
        t = self.t
        r1, s1, r2, s2 = self.inputs_of_block(inp, e - s, p4p_step)
        L.every_output_rows(e - s, s, r1, s1, r2, s2, self.ci, t.cf, t.gi, t.gf, t.xb, t.tab, t.plan_y, t.bp, t.bq,
                            t.lines_a, t.lines_b, t.n_lines, t.wf_y, o1, o2, o3)

    def run_headline(self, inp: ModelInputs, s: int, e: int, o1, per_year_out, p4p_step=None):
        """The headline of rows ``s:e`` (:func:`~finmodel.route_loops.chain_rows`)."""
        t = self.t
        r1, s1, r2, s2 = self.inputs_of_block(inp, e - s, p4p_step)
        L.chain_rows(e - s, s, r1, s1, r2, s2, self.ci, t.cf, t.gi, t.gf, t.xb, t.tab, t.ht, t.plan_y, t.bp, t.bq,
                     t.lines_a, t.lines_b, t.n_lines, t.wf_y, o1, *per_year_out)


def _thread_count(n: int, threads: int | None, block_rows: int) -> int:
    return default_threads(n, max(1, int(block_rows))) if threads is None else max(1, int(threads))


def _run_blocks(n: int, block, threads: int | None, block_rows: int):
    block_rows = max(1, int(block_rows))
    starts = list(range(0, n, block_rows))
    nt = _thread_count(n, threads, block_rows)
    if nt > 1 and len(starts) > 1:
        with ThreadPoolExecutor(max_workers=nt) as pool:
            for f in [pool.submit(block, s, min(s + block_rows, n)) for s in starts]:
                f.result()
    else:
        for s in starts:
            block(s, min(s + block_rows, n))


# --------------------------------------------------------------------------- headline


def headline_arrays(inputs: ModelInputs, n_years: int, *, threads=None, block_rows=ROUTE_BLOCK_ROWS,
                    per_year=True) -> dict:
    """The headline figures as a dict of year-major arrays (see :class:`finmodel.kernel.Headline`)."""
    n = max(inputs.n, 1)
    Y = int(n_years)
    call = _Call(inputs, Y, n, full=False, per_year=per_year, in_loop_p4p=True, threads=_thread_count(n, threads, block_rows))
    P = call.t.P
    out = {name: _empty((n,)) for name in ("p4p_released_gbp", "shortfall_total_gbp", "contingency_total_gbp",
                                           "contingency_used_total_gbp", "unfunded_gap_total_gbp", "excess_over_contingency_gbp")}
    out["shortfall_gbp"] = _empty((Y, n))
    out["partner_payment_total_gbp"] = _empty((P, n))
    d1, d2, d3 = _DUMMY
    if per_year:
        out.update(contingency_used_gbp=_empty((Y, n)), partner_payments_gbp=_empty((Y, P, n)),
                   unfunded_gap_gbp=_empty((Y, n)), underspend_retained_gbp=_empty((Y, n)))
    o1 = (out["p4p_released_gbp"], out["shortfall_total_gbp"], out["contingency_total_gbp"],
          out["contingency_used_total_gbp"], out["unfunded_gap_total_gbp"], out["excess_over_contingency_gbp"])
    # (shortfall, partner totals, used, gap, retained, payments): dummies where not asked for or P = 0
    yearly = (out["shortfall_gbp"], out["partner_payment_total_gbp"] if P else d2,
              out["contingency_used_gbp"] if per_year else d2, out["unfunded_gap_gbp"] if per_year else d2,
              out["underspend_retained_gbp"] if per_year else d2, out["partner_payments_gbp"] if (per_year and P) else d3)
    swept = call.t.swept

    def block(s, e):
        inp = _rows(inputs, slice(s, e), swept)
        if call.t.fallback is not None:
            return _general_headline_block(inp, Y, P, out, s, e)
        step = _p4p_step(inp, e - s) if call.pmode == 2 else None
        call.run_headline(inp, s, e, o1, yearly, step)

    _run_blocks(n, block, threads, block_rows)
    return out


def _row_total_into(t, a):
    """``t = a[:, 0] + a[:, 1] + ...`` year by year in order (the sweep's row totals)."""
    np.copyto(t, a[:, 0])
    for y in range(1, a.shape[1]):
        t += a[:, y]


def _general_headline_block(inp, Y, P, out, s, e):
    """The reference route on rows ``s:e``, transposed into the year-major headline."""
    g = _evaluate_general(inp, Y)
    m = e - s

    def rows(a):
        return np.broadcast_to(a, (m,) + a.shape[1:])

    sf, used, cont, gap = rows(g.shortfall_gbp), rows(g.contingency_used_gbp), rows(g.contingency_gbp), rows(g.unfunded_gap_gbp)
    pay = rows(g.partner_payments_gbp)
    out["shortfall_gbp"][:, s:e] = sf.T
    if "contingency_used_gbp" in out:
        out["contingency_used_gbp"][:, s:e] = used.T
        out["partner_payments_gbp"][:, :, s:e] = np.moveaxis(pay, 0, -1)
        out["unfunded_gap_gbp"][:, s:e] = gap.T
        out["underspend_retained_gbp"][:, s:e] = rows(g.underspend_retained_gbp).T
    np.copyto(out["p4p_released_gbp"][s:e], np.broadcast_to(g.p4p_released_gbp, (m,)))
    for name, a in (("shortfall_total_gbp", sf), ("contingency_total_gbp", cont),
                    ("contingency_used_total_gbp", used), ("unfunded_gap_total_gbp", gap)):
        _row_total_into(out[name][s:e], a)
    for p in range(P):
        _row_total_into(out["partner_payment_total_gbp"][p, s:e], pay[:, :, p])
    np.subtract(out["shortfall_total_gbp"][s:e], out["contingency_total_gbp"][s:e], out=out["excess_over_contingency_gbp"][s:e])


# --------------------------------------------------------------------------- every output


def evaluate_route(inputs: ModelInputs, n_years: int, *, threads=None, block_rows=ROUTE_BLOCK_ROWS) -> ModelOutputs:
    """Every ``ModelOutputs`` field for n scenarios (the reference's numbers to the penny)."""
    n = max(inputs.n, 1)
    Y = int(n_years)
    call = _Call(inputs, Y, n, full=True, per_year=True, in_loop_p4p=False, threads=_thread_count(n, threads, block_rows))
    t = call.t
    base, swept = t.base, t.swept
    if t.fallback is not None:
        return _general_blocks(inputs, Y, n, base, swept, threads, block_rows)
    P = t.P
    d1, d2, d3 = _DUMMY
    o1 = tuple(np.empty(n) for _ in range(6))
    o2 = [d2] * 13
    o3 = [d3] * 7
    loop = {}  # field -> year-major array the loop writes
    wanted = dict(_LOOP_FIELDS)
    if call.qmode == 1:
        wanted.update(_QIPP_FIELDS)
        if t.has_benefits:
            wanted.update(_BENEFIT_FIELDS)
    for name, (nd, k) in wanted.items():
        ref = getattr(base, name)
        shape = (Y, n) if nd == 2 else (Y, ref.shape[2], n)
        loop[name] = np.empty(shape)
        if ref.size or nd == 2:
            (o2 if nd == 2 else o3)[k] = loop[name]
    if P:
        o2[L.O_PAY_TOT] = np.empty((P, n))
    o2, o3 = tuple(o2), tuple(o3)
    p4p_out = {}
    if t.p4p_varies:
        for name in _P4P_FIELDS:
            ref = getattr(base, name)
            p4p_out[name] = np.empty((n,) + ref.shape[1:], dtype=ref.dtype)

    def block(s, e):
        inp = _rows(inputs, slice(s, e), swept)
        step = None
        if t.p4p_varies:
            step = _p4p_step(inp, e - s)
            for name, k in _P4P_STEP_INDEX.items():
                p4p_out[name][s:e] = step[k]
            p4p_out["contingency_funding_allowed"][s:e] = p4p.contingency_funding_allowed(step[4])
        call.run_loop(inp, s, e, o1, o2, o3, step)

    _run_blocks(n, block, threads, block_rows)
    fields = {}
    for name, a in loop.items():
        fields[name] = np.ascontiguousarray(a.T if a.ndim == 2 else np.moveaxis(a, 2, 0))
    fields.update(p4p_out)
    _five_year(inputs, base, swept, fields, n)
    for name in _DEPENDS:
        if name not in fields:
            ref = getattr(base, name)
            fields[name] = np.broadcast_to(ref, (n,) + ref.shape[1:])
    return ModelOutputs(**fields)


def _varies(name, swept) -> bool:
    deps = _DEPENDS[name]
    return deps == "*" or any(f in swept for f in deps)


def _five_year(inputs, base, swept, fields, n):
    """Net QIPP and the five-year picture from the loop's delivered QIPP (same core functions as the reference)."""
    gross = fields.get("qipp_gross_gbp", base.qipp_gross_gbp)
    if _varies("qipp_net_gbp", swept):
        fields["qipp_net_gbp"] = np.broadcast_to(qipp.net_savings_gbp(gross, inputs.qipp_investment_gbp), (n, gross.shape[1]))
    net = fields.get("qipp_net_gbp", base.qipp_net_gbp)
    ccg_after = base.ccg_outturn_after_gbp
    if _varies("ccg_outturn_after_gbp", swept):
        ccg_after = five_year.ccg_outturn_after_qipp_gbp(inputs.ccg_outturn_before_gbp, net + inputs.other_net_qipp_gbp)
        fields["ccg_outturn_after_gbp"] = np.broadcast_to(ccg_after, (n,) + ccg_after.shape[1:])
    asc_gap = base.asc_gap_gbp
    if _varies("asc_gap_gbp", swept):
        asc_gap = five_year.asc_gap_gbp(inputs.asc_pressure_gbp, inputs.asc_funding_change_gbp, inputs.asc_savings_target_gbp)
        fields["asc_gap_gbp"] = np.broadcast_to(asc_gap, (n,) + asc_gap.shape[1:])
    if _varies("system_gap_gbp", swept):
        gap = five_year.system_gap_gbp(ccg_after, asc_gap)
        fields["system_gap_gbp"] = np.broadcast_to(gap, (n,) + gap.shape[1:])


def _general_blocks(inputs, Y, n, base, swept, threads, block_rows) -> ModelOutputs:
    """The reference route block by block (the tables cannot represent this call)."""
    out = {}
    for name in _DEPENDS:
        if _varies(name, swept):
            ref = getattr(base, name)
            out[name] = np.empty((n,) + ref.shape[1:], dtype=ref.dtype)

    def block(s, e):
        g = _evaluate_general(_rows(inputs, slice(s, e), swept), Y)
        for name, a in out.items():
            v = getattr(g, name)
            a[s:e] = np.broadcast_to(v, (e - s,) + v.shape[1:])

    _run_blocks(n, block, threads, block_rows)
    fields = {}
    for name in _DEPENDS:
        ref = getattr(base, name)
        fields[name] = out[name] if name in out else np.broadcast_to(ref, (n,) + ref.shape[1:])
    return ModelOutputs(**fields)
