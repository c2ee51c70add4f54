"""The fast route's row loops, compiled by numba: one scenario at a time, every formula once.

Two loops run the chain of :func:`finmodel.model._evaluate_general` for rows ``0..m-1`` of
a block (QIPP planned and delivered from the plan's exact ramp tables, scheme benefits and
their overlap, P4P, the five shortfall parts, contingency, the capped risk-share split,
totals over the years), writing year-major, scenario last:

* :func:`every_output_rows` (``evaluate`` for n > 1): every loop field of ``ModelOutputs``;
* :func:`chain_rows` (the sweep's headline): only what :func:`finmodel.kernel.evaluate_headline`
  returns, a tile of :data:`TILE` rows at a time: QIPP row by row (lookups in the plan's
  compact headline table), then P4P (:func:`_tile_p4p`) and the years (:func:`_tile_years`)
  with rows innermost in loops the compiler vectorises (tests/benchmarks/test_bench_kernel.py).

Both call the same inlined formula helpers (:func:`_savings_of_year`,
:func:`_quarter_release`, the table lookups), so a formula is written once; the headline
reads a one-table plan's QIPP from the compact copy ``RouteTables.ht``.  The tables
and lines are built once per plan by :mod:`finmodel.route_tables`; the caller is
:mod:`finmodel.route`.  Each loop is a separate cached function, so a sweep loads only
the headline loop and ``evaluate`` only the full one.

Every arithmetic step is the reference's, in the reference's order where the order
changes the last bit of an exact zero (see tests/test_routes_random_plans.py); IEEE
double, no fastmath, so the numbers do not depend on the machine's vector width.

Compiled code is cached on disk (``cache=True``): next to this file when the package
folder is writable, else in numba's user cache folder (``NUMBA_CACHE_DIR`` overrides).
numba is a core dependency of the fast route; without it :func:`require_numba` raises
:class:`~finmodel.errors.EnvironmentFailure` (exit 4) naming the missing package.
"""

from __future__ import annotations

import math

import numpy as np

from finmodel.errors import EnvironmentFailure

try:  # numba is imported here only: the reference route and the CLI's start-up do not need it
    import numba
except ImportError as exc:  # pragma: no cover - exercised by tests/test_kernel.py with a blocked import
    numba = None
    _IMPORT_ERROR = exc
else:
    _IMPORT_ERROR = None

# per-row scalar inputs (tuple r1, block-local, step 0 = the plan's one value)
DELAY, SDF, EAD, NEL, BNC, BDPA, BDC, CHA, CHC, PR, CPA, BSUM, PSUM, PREL, PUNR, PALW = range(16)
N_R1 = 16
# per-row (m, k) inputs (tuple r2)
CEIL, DEMO, STATED = range(3)
# plan integers (array ci)
(CI_Y, CI_C, CI_P, CI_PY, CI_BEDS_FROM, CI_CARE_FROM, CI_QMODE, CI_PMODE, CI_BASIS, CI_P4P_ON,
 CI_BENEFITS, CI_SHARE_UNDERSPEND, CI_PER_YEAR, CI_FULL, CI_D0, CI_NG) = range(16)
N_CI = 16
# plan floats (array cf)
CF_D_LO, CF_AVD_P, CF_AVD_D, CF_PSUM, CF_PREL, CF_PUNR, CF_PALW, CF_BQSUM, CF_TOL = range(9)
N_CF = 9
# 1-D outputs (tuple o1, length n)
O_RELEASED, O_SF_TOT, O_CONT_TOT, O_USED_TOT, O_GAP_TOT, O_EXCESS = range(6)
# 2-D outputs (tuple o2): (Y, n) unless stated
(O_SF, O_USED, O_GAP, O_RET, O_CONT, O_QP, O_AVDP, O_QG, O_AVD, O_FYE, O_SP, O_SD, O_PAY_TOT) = range(13)  # PAY_TOT (P, n)
# 3-D outputs (tuple o3): (Y, k, n)
O_PAY, O_PARTS, O_QPACT, O_QACT, O_QCOH, O_BEN, O_OVP = range(7)
# table groups (array gi): kind (0 fixed ceiling, 1 shared ceiling, 2 one cohort's ceiling), cohort, segments, j_max, breakpoints
GI_KIND, GI_COHORT, GI_NS, GI_JMAX, GI_NXB = range(5)
# QIPP table column blocks of Y (then two blocks of C * Y): see route_tables.qipp_columns
T_EA, T_AE, T_OP, T_AVD, T_FYE = range(5)
#: Rows of a tile of the headline loop: P4P and the years run over a tile's rows at once.
TILE = 256
# rows of the headline loop's scratch S (N_S + 3 Y + P, TILE), then savings not delivered, demography, stated contingency
# by year and partner totals: rows of one array, which the compiler sees apart (row loops vectorise without overlap checks)
(S_ZERO, S_ADM, S_BEDS, S_CARE, S_CPY, S_AVDP, S_AVDD, S_AM, S_UN, S_LAM, S_LAM2, S_TSF, S_TCO, S_TUS, S_TGA, S_USED,
 S_GAP, S_X, S_SEG) = range(19)
N_S = 19


def require_numba():
    """Raise a clear environment error if numba is missing (the fast route needs it)."""
    if numba is None:
        raise EnvironmentFailure(
            "the fast route of finmodel.model.evaluate and finmodel.kernel.evaluate_headline needs the "
            f"'numba' package ({_IMPORT_ERROR}); install it with: pip install 'numba>=0.60'"
        )


def _jit(fn=None, **kw):
    """``numba.njit`` with the route's options: cached, GIL released, IEEE division (no fastmath)."""
    def wrap(f):
        return f if numba is None else numba.njit(cache=True, nogil=True, error_model="numpy", **kw)(f)
    return wrap(fn) if fn is not None else wrap


@_jit(inline="always")  # inlined: a call passing arrays would update their refcounts per row
def _ramp_steps(init, step, x, tol, j_max):
    """Rising steps below the ceiling, as :func:`finmodel.core.piecewise.ramp_steps`, clipped at ``j_max``."""
    if step > 0.0:
        j = max(math.floor((x - init) / step + tol), 0.0)
    else:
        j = math.inf if init <= x else 0.0
    return int(min(j, float(j_max)))


@_jit(inline="always")
def _row_keys(j, d0, dk, ceil, k_ceil, gi, gf, xb, kp, kd, xg):
    """Table rows of row ``j`` in each group: planned (delay 0) in ``kp``, delivered in ``kd``, ceilings in ``xg``."""
    for g in range(gi.shape[0]):
        kind, ns = gi[g, GI_KIND], gi[g, GI_NS]
        x = 0.0  # a fixed ceiling is folded into alpha (beta is 0)
        seg = 0
        if kind == 1:
            x = ceil[j * k_ceil, 0]
            for b in range(gi[g, GI_NXB]):  # breakpoints <= x (np.searchsorted side='right'), branch-free
                seg += xb[g, b] <= x
        elif kind == 2:
            x = ceil[j * k_ceil, gi[g, GI_COHORT]]
            seg = _ramp_steps(gf[g, 0], gf[g, 1], x, gf[g, 2], gi[g, GI_JMAX])
        kp[g], kd[g], xg[g] = d0 * ns + seg, dk * ns + seg, x


@_jit(inline="always")
def _value(tab, keys, xg, col):
    """One QIPP figure: the sum over groups of ``alpha + beta * ceiling`` at the row's keys (alpha, beta adjacent)."""
    v = 0.0
    for g in range(keys.shape[0]):
        v += tab[g, keys[g], col, 0] + tab[g, keys[g], col, 1] * xg[g]
    return v


@_jit(inline="always")
def _value_at(flat, offs, xg, col):
    """One QIPP figure: the sum over groups of ``alpha + beta * ceiling`` (``offs`` = each group's row start in ``flat``)."""
    v = 0.0
    for g in range(offs.shape[0]):
        o = offs[g] + 2 * col
        v += flat[o] + flat[o + 1] * xg[g]
    return v


@_jit(inline="always")
def _savings_of_year(y, p_ea, p_ae, p_op, d_ea, d_ae, d_op, es, sdf, benefits, bp, plan_y):
    """(savings planned, savings delivered) in year ``y`` (£): QIPP plus scheme benefits less their overlap."""
    q_plan = (p_ea + p_ae) + p_op
    q_del = (d_ea + d_ae) + d_op
    if not benefits:  # x + 0 - 0 == x
        return q_plan, q_del
    ov = min(max(p_ea, 0.0), max(bp[y, 0], 0.0))
    ov += min(max(p_ae, 0.0), max(bp[y, 1], 0.0))
    ov += min(max(p_op, 0.0), max(bp[y, 2], 0.0))
    b0, b1, b2, b3 = bp[y, 0] * es, bp[y, 1] * sdf, bp[y, 2] * sdf, bp[y, 3] * sdf
    ovd = min(max(d_ea, 0.0), max(b0, 0.0))
    ovd = ovd + min(max(d_ae, 0.0), max(b1, 0.0))
    ovd = ovd + min(max(d_op, 0.0), max(b2, 0.0))
    return (q_plan + plan_y[2, y]) - ov, (q_del + (((b0 + b1) + b2) + b3)) - ovd


@_jit(inline="always")
def _quarter_release(p4p_sum, bq_q, pq, planned_total, nel):
    """One quarter's released P4P money (£): its share of the sum times its achievement, clipped to [0, 1]."""
    w = pq / planned_total  # both divisions always, then a select: no branch, so a row loop vectorises
    w = w if planned_total > 0.0 else 0.0
    share = p4p_sum * w
    ach = (bq_q * -nel) / pq
    ach = min(max(ach if pq > 0.0 else 0.0, 0.0), 1.0)
    return share * ach


@_jit(inline="always")
def _p4p_revised(bq_sum, bq0, bq1, bq2, bq3, pr, cpa, nel):
    """Revised design on the plan's quarterly baseline (core.p4p): (P4P sum, released, unreleased) [£].

    sum = baseline x planned reduction x cost per admission; each quarter releases its share of the
    sum in proportion to the admissions it avoided (``_quarter_release``).
    """
    p4p_sum = (bq_sum * pr) * cpa
    pl0, pl1, pl2, pl3 = bq0 * pr, bq1 * pr, bq2 * pr, bq3 * pr
    planned_total = ((pl0 + pl1) + pl2) + pl3
    released = _quarter_release(p4p_sum, bq0, pl0, planned_total, nel)
    released = released + _quarter_release(p4p_sum, bq1, pl1, planned_total, nel)
    released = released + _quarter_release(p4p_sum, bq2, pl2, planned_total, nel)
    released = released + _quarter_release(p4p_sum, bq3, pl3, planned_total, nel)
    return p4p_sum, released, p4p_sum - released


@_jit(inline="always")
def _admissions_above_plan_gbp(bsum, nel, pr, avd_p, avd_d, cpa):
    """Emergency admissions above plan, net of the EAs the QIPP cohorts failed to avoid, costed [£].

    The EAs not avoided are already in "savings not delivered", so they are taken off a positive
    excess here (never below 0); a negative excess (admissions below plan) is kept as it is.
    """
    above = bsum * (1.0 + nel) - bsum * (1.0 - pr)
    qna = avd_p - avd_d
    net = max(above - max(qna, 0.0), 0.0) if above > 0 else above
    return (net - 0.0) * cpa


@_jit
def every_output_rows(m, off, r1, s1, r2, s2, ci, cf, gi, gf, xb, tab, plan_y, bp, bq, lines_a, lines_b, n_lines,
                      wf_y, o1, o2, o3):
    """Rows ``0..m-1`` of a block (inputs block-local, outputs at ``off + j``).  Money in £.

    ``plan_y`` (6, Y): savings planned / delivered of the plan (QIPP not swept), benefit sums
    by year, open caps by year, can-share flags, unused.  ``bp`` (Y, 4) planned scheme
    benefits by activity, ``bq`` (4,) the quarterly NEL baseline, ``wf_y`` (3, Y, P)
    shares, caps and underspend weights of the open partners.
    """
    Y, C, P, py = ci[CI_Y], ci[CI_C], ci[CI_P], ci[CI_PY]
    qmode, pmode, basis = ci[CI_QMODE], ci[CI_PMODE], ci[CI_BASIS]
    per_year, full, benefits = ci[CI_PER_YEAR] != 0, ci[CI_FULL] != 0, ci[CI_BENEFITS] != 0
    d_lo, d0 = cf[CF_D_LO], ci[CI_D0]
    kp = np.zeros(gi.shape[0], dtype=np.int64)  # the row's planned / delivered table rows per group
    kd = np.zeros(gi.shape[0], dtype=np.int64)
    xg = np.zeros(gi.shape[0])
    sp = np.zeros(Y)
    sd = np.zeros(Y)
    # every array taken out of its tuple once: an element read inside the loop costs two atomic refcount updates
    a_delay, a_sdf, a_ead, a_nel, a_bnc, a_bdpa, a_bdc, a_cha = r1[DELAY], r1[SDF], r1[EAD], r1[NEL], r1[BNC], r1[BDPA], r1[BDC], r1[CHA]
    a_chc, a_pr, a_cpa, a_bsum, a_psum, a_prel, a_punr, a_palw = r1[CHC], r1[PR], r1[CPA], r1[BSUM], r1[PSUM], r1[PREL], r1[PUNR], r1[PALW]
    k_delay, k_sdf, k_ead, k_nel, k_bnc, k_bdpa, k_bdc, k_cha = s1[DELAY], s1[SDF], s1[EAD], s1[NEL], s1[BNC], s1[BDPA], s1[BDC], s1[CHA]
    k_chc, k_pr, k_cpa, k_bsum, k_psum, k_prel, k_punr, k_palw = s1[CHC], s1[PR], s1[CPA], s1[BSUM], s1[PSUM], s1[PREL], s1[PUNR], s1[PALW]
    ceil, demo, stated = r2[CEIL], r2[DEMO], r2[STATED]
    k_ceil, k_demo, k_stated = s2[CEIL], s2[DEMO], s2[STATED]
    released_o, sf_tot_o, cont_tot_o, used_tot_o, gap_tot_o, excess_o = o1[0], o1[1], o1[2], o1[3], o1[4], o1[5]
    sf_o, used_o, gap_o, ret_o, cont_o, qp_o, avdp_o = o2[O_SF], o2[O_USED], o2[O_GAP], o2[O_RET], o2[O_CONT], o2[O_QP], o2[O_AVDP]
    qg_o, avd_o, fye_o, sp_o, sd_o, pay_tot_o = o2[O_QG], o2[O_AVD], o2[O_FYE], o2[O_SP], o2[O_SD], o2[O_PAY_TOT]
    pay_o, parts_o, qpact_o, qact_o, qcoh_o, ben_o, ovp_o = o3[O_PAY], o3[O_PARTS], o3[O_QPACT], o3[O_QACT], o3[O_QCOH], o3[O_BEN], o3[O_OVP]
    beds_from, care_from, p4p_on = ci[CI_BEDS_FROM], ci[CI_CARE_FROM], ci[CI_P4P_ON] != 0
    share_underspend = ci[CI_SHARE_UNDERSPEND] != 0
    bq_sum = cf[CF_BQSUM]
    for j in range(m):
        i = off + j
        sdf = a_sdf[j * k_sdf]
        es = a_ead[j * k_ead] * sdf  # as the reference: ea_delivery x savings_delivery
        # 1-2. QIPP (and scheme benefits): savings planned / delivered per year, EAs avoided in the P4P year
        if qmode == 1:
            dk = int(a_delay[j * k_delay] - d_lo)
            _row_keys(j, d0, dk, ceil, k_ceil, gi, gf, xb, kp, kd, xg)
            for y in range(Y):
                p_ea, p_ae, p_op = _value(tab, kp, xg, T_EA * Y + y), _value(tab, kp, xg, T_AE * Y + y), _value(tab, kp, xg, T_OP * Y + y)
                d_ea = _value(tab, kd, xg, T_EA * Y + y) * es
                d_ae = _value(tab, kd, xg, T_AE * Y + y) * es
                d_op = _value(tab, kd, xg, T_OP * Y + y) * sdf
                sp[y], sd[y] = _savings_of_year(y, p_ea, p_ae, p_op, d_ea, d_ae, d_op, es, sdf, benefits, bp, plan_y)
                if full and benefits:
                    ben_o[y, 0, i], ben_o[y, 1, i] = bp[y, 0] * es, bp[y, 1] * sdf
                    ben_o[y, 2, i], ben_o[y, 3, i] = bp[y, 2] * sdf, bp[y, 3] * sdf
                    ovp_o[y, 0, i] = min(max(p_ea, 0.0), max(bp[y, 0], 0.0))
                    ovp_o[y, 1, i] = min(max(p_ae, 0.0), max(bp[y, 1], 0.0))
                    ovp_o[y, 2, i] = min(max(p_op, 0.0), max(bp[y, 2], 0.0))
                    ovp_o[y, 3, i] = min(0.0, max(bp[y, 3], 0.0))
                if full:
                    qpact_o[y, 0, i], qpact_o[y, 1, i], qpact_o[y, 2, i], qpact_o[y, 3, i] = p_ea, p_ae, p_op, 0.0
                    qact_o[y, 0, i], qact_o[y, 1, i], qact_o[y, 2, i], qact_o[y, 3, i] = d_ea, d_ae, d_op, 0.0
                    qp_o[y, i] = (p_ea + p_ae) + p_op
                    qg_o[y, i] = (d_ea + d_ae) + d_op
                    avdp_o[y, i] = _value(tab, kp, xg, T_AVD * Y + y)
                    avd_o[y, i] = _value(tab, kd, xg, T_AVD * Y + y) * es
                    fye_o[y, i] = _value(tab, kd, xg, T_FYE * Y + y) * es
                    sp_o[y, i] = sp[y]
                    sd_o[y, i] = sd[y]
                    for c in range(C):
                        qcoh_o[y, c, i] = (_value(tab, kd, xg, 5 * Y + c * Y + y) * es
                                           + _value(tab, kd, xg, 5 * Y + C * Y + c * Y + y) * sdf)
            avd_p = _value(tab, kp, xg, T_AVD * Y + py)
            avd_d = _value(tab, kd, xg, T_AVD * Y + py) * es
        else:
            for y in range(Y):
                sp[y] = plan_y[0, y]
                sd[y] = plan_y[1, y]
            avd_p, avd_d = cf[CF_AVD_P], cf[CF_AVD_D]

        # 3. P4P: the sum held back, what is released, what is not; the 70% rule's factor
        if pmode == 0:
            p4p_sum, released, unreleased, allowed = cf[CF_PSUM], cf[CF_PREL], cf[CF_PUNR], cf[CF_PALW]
        elif pmode == 1:  # revised design, the plan's quarterly baseline (core.p4p)
            pr = a_pr[j * k_pr]
            cpa = a_cpa[j * k_cpa]
            nel = a_nel[j * k_nel]
            p4p_sum, released, unreleased = _p4p_revised(bq_sum, bq[0], bq[1], bq[2], bq[3], pr, cpa, nel)
            allowed = 1.0
        else:  # computed per block by the reference's own P4P step
            p4p_sum, released = a_psum[j * k_psum], a_prel[j * k_prel]
            unreleased, allowed = a_punr[j * k_punr], a_palw[j * k_palw]
        released_o[i] = released

        # 4. shortfall parts that do not change by year
        adm = 0.0
        if p4p_on:
            adm = _admissions_above_plan_gbp(a_bsum[j * k_bsum], a_nel[j * k_nel], a_pr[j * k_pr], avd_p, avd_d,
                                             a_cpa[j * k_cpa])
        beds_on = (a_bnc[j * k_bnc] * a_bdpa[j * k_bdpa]) * a_bdc[j * k_bdc]
        care_on = a_cha[j * k_cha] * a_chc[j * k_chc]
        t_sf = t_cont = t_used = t_gap = 0.0
        for y in range(Y):
            nd = sp[y] - sd[y]
            a_y = adm if y == py else 0.0
            b_y = beds_on if y >= beds_from else 0.0
            c_y = care_on if y >= care_from else 0.0
            d_y = demo[j * k_demo, y]
            tot = (((nd + a_y) + b_y) + d_y) + c_y
            sf_o[y, i] = tot
            if full:
                parts_o[y, 0, i], parts_o[y, 1, i], parts_o[y, 2, i] = nd, a_y, b_y
                parts_o[y, 3, i], parts_o[y, 4, i] = d_y, c_y
            # 5. contingency and the waterfall
            if basis == 1:
                cont = p4p_sum * allowed if y == py else 0.0
            elif basis == 2:
                cont = unreleased * allowed if y == py else 0.0
            elif basis == 3:
                cont = stated[j * k_stated, y]
            else:
                cont = 0.0
            pos = max(tot, 0.0)
            used = min(pos, cont)
            amount = pos - used
            if P > 0:
                lam = amount * lines_b[y, 0] + lines_a[y, 0]
                for k in range(1, n_lines[y]):
                    lam = max(lam, amount * lines_b[y, k] + lines_a[y, k])
                sharing = share_underspend and plan_y[4, y] != 0.0
                under = max(tot, 0.0) - tot  # max(-total, 0)
                for p in range(P):
                    v = min(lam * wf_y[0, y, p], wf_y[1, y, p]) if wf_y[0, y, p] > 0.0 else 0.0
                    if sharing and wf_y[2, y, p] != 0.0:
                        v = v - under * wf_y[2, y, p]
                    if per_year:
                        pay_o[y, p, i] = v
                    pay_tot_o[p, i] = v if y == 0 else pay_tot_o[p, i] + v
                gap = max(amount - plan_y[3, y], 0.0)
                ret = 0.0 if sharing else under
            else:
                gap = max(tot - used, 0.0)
                ret = max(-tot, 0.0)
            if per_year:
                used_o[y, i], gap_o[y, i], ret_o[y, i] = used, gap, ret
            if full:
                cont_o[y, i] = cont
            # totals, year by year in order (as the sweep's row totals)
            if y == 0:
                t_sf, t_cont, t_used, t_gap = tot, cont, used, gap
            else:
                t_sf += tot
                t_cont += cont
                t_used += used
                t_gap += gap
        sf_tot_o[i], cont_tot_o[i], used_tot_o[i], gap_tot_o[i] = t_sf, t_cont, t_used, t_gap
        excess_o[i] = t_sf - t_cont


@_jit(inline="always")
def _plan_tile(a, k):
    """A tile of an unswept per-row input's one value (``k = 0``), made once per call; empty when it is swept."""
    return np.full(TILE, a[0]) if k == 0 else a[:0]


@_jit(inline="always")
def _tile_of(a, k, t0, tn, plan):
    """Rows ``t0..t0+tn-1`` of a per-row input: a view when swept, else the plan's tile (unit stride either way)."""
    return a[t0:t0 + tn] if k != 0 else plan[:tn]


@_jit(inline="always")
def _years_into(a, t0, tn, S, row0):
    """Rows ``t0..`` of an (m, Y) input into scratch rows ``row0 + y`` (read in order, written rows first)."""
    for r in range(tn):
        for y in range(a.shape[1]):
            S[row0 + y, r] = a[t0 + r, y]


@_jit(inline="always")
def _p4p_row(pr, cpa, nel, bsum, avd_p, avd_d, bq_sum, bq0, bq1, bq2, bq3, basis, p4p_on):
    """Revised-design P4P of one row: (released, P4P-year contingency, admissions above plan) [£].

    Scalars only: an array argument would cost a refcount call per row and stop the loop vectorising.
    """
    p4p_sum, released, unreleased = _p4p_revised(bq_sum, bq0, bq1, bq2, bq3, pr, cpa, nel)
    adm = _admissions_above_plan_gbp(bsum, nel, pr, avd_p, avd_d, cpa)
    return released, (p4p_sum * 1.0 if basis == 1 else unreleased * 1.0), (adm if p4p_on else 0.0)


@_jit
def _tile_p4p(tn, k_pr, pr0, v_pr, v_cpa, v_nel, v_bsum, bq_sum, bq0, bq1, bq2, bq3, basis, p4p_on, rel_v, S):
    """Revised-design P4P of a tile's rows (a function of its own, so that the compiler vectorises its loop)."""
    if k_pr == 0:  # planned reduction not swept: its quarterly shares are the same for every row (hoisted)
        for r in range(tn):
            rel_v[r], S[S_CPY, r], S[S_ADM, r] = _p4p_row(pr0, v_cpa[r], v_nel[r], v_bsum[r], S[S_AVDP, r], S[S_AVDD, r],
                                                          bq_sum, bq0, bq1, bq2, bq3, basis, p4p_on)
    else:
        for r in range(tn):
            rel_v[r], S[S_CPY, r], S[S_ADM, r] = _p4p_row(v_pr[r], v_cpa[r], v_nel[r], v_bsum[r], S[S_AVDP, r], S[S_AVDD, r],
                                                          bq_sum, bq0, bq1, bq2, bq3, basis, p4p_on)


@_jit
def _tile_years(tn, Y, P, py, beds_from, care_from, basis, per_year, S, lines_a, lines_b, n_lines, wf_y, plan_y, sharing_y,
                sf_o, pay_tot_o, used_o, gap_o, ret_o, pay_o, sf_tot_o, cont_tot_o, used_tot_o, gap_tot_o, excess_o, i0):
    """Years of a tile's ``tn`` rows (outputs at ``i0 + row``), rows innermost.  Money in £.

    The reference's steps 4-5 for each year: shortfall = (((savings not delivered + P4P-year
    admissions) + beds) + demography) + care homes; contingency by basis; used =
    min(max(shortfall, 0), contingency); the capped split of the rest by the plan's lines
    and each open partner's share and cap, less its share of any underspend; unfunded gap
    and retained underspend; totals over the years summed in year order.  A part that is 0
    in a year is read from the zero row, so each row loop is straight-line code.
    """
    i0 = max(i0, 0)  # the compiler then sees output indices >= 0: no negative-index wraparound per row
    i1 = i0 + tn
    ND, DM, ST, PT = N_S, N_S + Y, N_S + 2 * Y, N_S + 3 * Y
    for r in range(tn):  # totals start at -0.0: x + -0.0 == x for every x, so year 0's totals are its figures
        S[S_TSF, r], S[S_TCO, r], S[S_TUS, r], S[S_TGA, r] = -0.0, -0.0, -0.0, -0.0
    for p in range(P):
        for r in range(tn):
            S[PT + p, r] = -0.0
    has_p = P > 0
    for y in range(Y):
        a_row = S_ADM if y == py else S_ZERO
        b_row = S_BEDS if y >= beds_from else S_ZERO
        c_row = S_CARE if y >= care_from else S_ZERO
        k_row = S_CPY if (basis == 1 or basis == 2) and y == py else (ST + y if basis == 3 else S_ZERO)
        cap_y, b0, a0 = plan_y[3, y], lines_b[y, 0], lines_a[y, 0]
        sf_y = sf_o[y, i0:i1]
        for r in range(tn):
            tot = (((S[ND + y, r] + S[a_row, r]) + S[b_row, r]) + S[DM + y, r]) + S[c_row, r]
            sf_y[r] = tot
            cont = S[k_row, r]
            pos = max(tot, 0.0)
            used = min(pos, cont)
            am = pos - used
            gap = max(am - cap_y, 0.0) if has_p else max(tot - used, 0.0)
            S[S_AM, r], S[S_UN, r], S[S_LAM, r] = am, max(tot, 0.0) - tot, am * b0 + a0  # UN: max(-total, 0)
            S[S_TSF, r] += tot
            S[S_TCO, r] += cont
            S[S_TUS, r] += used
            S[S_TGA, r] += gap
            S[S_USED, r], S[S_GAP, r] = used, gap  # for the per-year outputs (a branch here would stop vectorisation)
        lam = S_LAM
        if has_p:
            for k in range(1, n_lines[y]):  # the max over the lines, ping-pong between two rows (plain stores)
                bk, ak = lines_b[y, k], lines_a[y, k]
                nxt = S_LAM2 if lam == S_LAM else S_LAM
                for r in range(tn):
                    S[nxt, r] = max(S[lam, r], S[S_AM, r] * bk + ak)
                lam = nxt
            for p in range(P):
                share, cap, w = wf_y[0, y, p], wf_y[1, y, p], wf_y[2, y, p]
                is_open, less = share > 0.0, sharing_y[y] and w != 0.0
                for r in range(tn):
                    v = min(S[lam, r] * share, cap)
                    v = v if is_open else 0.0
                    vl = v - S[S_UN, r] * w
                    S[PT + p, r] += vl if less else v
                if per_year:  # the year's payments again, for the per-year output (a sweep's chunks skip it)
                    pay_y = pay_o[y, p, i0:i1]
                    for r in range(tn):
                        v = min(S[lam, r] * share, cap) if is_open else 0.0
                        pay_y[r] = v - S[S_UN, r] * w if less else v
        if per_year:
            used_y, gap_y, ret_y = used_o[y, i0:i1], gap_o[y, i0:i1], ret_o[y, i0:i1]
            sharing = sharing_y[y]
            for r in range(tn):
                used_y[r], gap_y[r] = S[S_USED, r], S[S_GAP, r]
                ret_y[r] = (0.0 if sharing else S[S_UN, r]) if has_p else max(-sf_y[r], 0.0)
    for p in range(P):
        pay_tot_y = pay_tot_o[p, i0:i1]
        for r in range(tn):
            pay_tot_y[r] = S[PT + p, r]
    sf_tot, cont_tot, used_tot, gap_tot, ex = sf_tot_o[i0:i1], cont_tot_o[i0:i1], used_tot_o[i0:i1], gap_tot_o[i0:i1], excess_o[i0:i1]
    for r in range(tn):
        sf_tot[r], cont_tot[r], used_tot[r], gap_tot[r] = S[S_TSF, r], S[S_TCO, r], S[S_TUS, r], S[S_TGA, r]
        ex[r] = S[S_TSF, r] - S[S_TCO, r]


@_jit
def chain_rows(m, off, r1, s1, r2, s2, ci, cf, gi, gf, xb, tab, ht, plan_y, bp, bq, lines_a, lines_b, n_lines, wf_y,
               o1, sf_o, pay_tot_o, used_o, gap_o, ret_o, pay_o):
    """Rows ``0..m-1`` of a block (inputs block-local, outputs at ``off + j``).  Money in £.

    ``o1`` = (P4P released, shortfall total, contingency total, contingency used total,
    unfunded gap total, excess over contingency), each (n,); ``sf_o`` (Y, n);
    ``pay_tot_o`` (P, n); with ``ci[CI_PER_YEAR]`` also ``used_o``, ``gap_o``, ``ret_o``
    (Y, n) and ``pay_o`` (Y, P, n).  ``ht``: the plan's headline table when QIPP is one
    table (:attr:`~finmodel.route_tables.RouteTables.ht`).  Other arguments as
    :func:`every_output_rows`.  A tile of ``TILE`` rows at a time: QIPP row by row into the
    scratch rows, then P4P (:func:`_tile_p4p`) and the years (:func:`_tile_years`).
    """
    Y, P, py = max(ci[CI_Y], 0), ci[CI_P], ci[CI_PY]
    qmode, pmode, basis = ci[CI_QMODE], ci[CI_PMODE], ci[CI_BASIS]
    per_year, benefits = ci[CI_PER_YEAR] != 0, ci[CI_BENEFITS] != 0
    d_lo, d0 = cf[CF_D_LO], ci[CI_D0]
    beds_from, care_from, p4p_on = ci[CI_BEDS_FROM], ci[CI_CARE_FROM], ci[CI_P4P_ON] != 0
    bq0, bq1, bq2, bq3 = bq[0], bq[1], bq[2], bq[3]
    kp = np.zeros(gi.shape[0], dtype=np.int64)  # the row's planned / delivered table rows per group
    kd = np.zeros(gi.shape[0], dtype=np.int64)
    xg = np.zeros(gi.shape[0])
    n_groups, n_rows, n_cols = tab.shape[0], tab.shape[1], tab.shape[2]
    flat = tab.reshape(-1)  # (groups, rows, K, alpha | beta) read by offset: one index per figure
    op = np.zeros(n_groups, dtype=np.int64)  # the row's planned / delivered table offsets per group
    od = np.zeros(n_groups, dtype=np.int64)
    ND, DM, ST = N_S, N_S + Y, N_S + 2 * Y
    S = np.zeros((N_S + 3 * Y + max(P, 0), TILE))
    S[S_AVDP, :], S[S_AVDD, :] = cf[CF_AVD_P], cf[CF_AVD_D]  # the plan's (kept when QIPP is not swept)
    a_delay, a_sdf, a_ead, a_nel, a_bnc, a_bdpa, a_bdc, a_cha = r1[DELAY], r1[SDF], r1[EAD], r1[NEL], r1[BNC], r1[BDPA], r1[BDC], r1[CHA]
    a_chc, a_pr, a_cpa, a_bsum, a_psum, a_prel, a_punr, a_palw = r1[CHC], r1[PR], r1[CPA], r1[BSUM], r1[PSUM], r1[PREL], r1[PUNR], r1[PALW]
    k_delay, k_sdf, k_ead, k_nel, k_bnc, k_bdpa, k_bdc, k_cha = s1[DELAY], s1[SDF], s1[EAD], s1[NEL], s1[BNC], s1[BDPA], s1[BDC], s1[CHA]
    k_chc, k_pr, k_cpa, k_bsum, k_psum, k_prel, k_punr, k_palw = s1[CHC], s1[PR], s1[CPA], s1[BSUM], s1[PSUM], s1[PREL], s1[PUNR], s1[PALW]
    if pmode == 0:  # the plan's P4P figures for every row
        a_psum, a_prel, a_punr, a_palw = cf[CF_PSUM:CF_PSUM + 1], cf[CF_PREL:CF_PREL + 1], cf[CF_PUNR:CF_PUNR + 1], cf[CF_PALW:CF_PALW + 1]
        k_psum = k_prel = k_punr = k_palw = 0
    ceil, demo, stated = r2[CEIL], r2[DEMO], r2[STATED]
    k_ceil, k_demo, k_stated = s2[CEIL], s2[DEMO], s2[STATED]
    released_o, sf_tot_o, cont_tot_o, used_tot_o, gap_tot_o, excess_o = o1[0], o1[1], o1[2], o1[3], o1[4], o1[5]
    sharing_y = np.zeros(Y, dtype=np.bool_)
    for y in range(Y):  # the plan's savings not delivered and demography (kept when not swept), per-year constants
        S[ND + y, :], S[DM + y, :] = plan_y[0, y] - plan_y[1, y], demo[0, y]
        S[ST + y, :] = stated[0, y] if basis == 3 else 0.0
        sharing_y[y] = ci[CI_SHARE_UNDERSPEND] != 0 and plan_y[4, y] != 0.0
    # unswept per-row inputs: a tile of the plan's value, once per call (every row loop then reads unit stride)
    f_delay, f_sdf, f_ead, f_nel = _plan_tile(a_delay, k_delay), _plan_tile(a_sdf, k_sdf), _plan_tile(a_ead, k_ead), _plan_tile(a_nel, k_nel)
    f_bnc, f_bdpa, f_bdc, f_cha = _plan_tile(a_bnc, k_bnc), _plan_tile(a_bdpa, k_bdpa), _plan_tile(a_bdc, k_bdc), _plan_tile(a_cha, k_cha)
    f_chc, f_pr, f_cpa, f_bsum = _plan_tile(a_chc, k_chc), _plan_tile(a_pr, k_pr), _plan_tile(a_cpa, k_cpa), _plan_tile(a_bsum, k_bsum)
    f_psum, f_prel, f_punr, f_palw = _plan_tile(a_psum, k_psum), _plan_tile(a_prel, k_prel), _plan_tile(a_punr, k_punr), _plan_tile(a_palw, k_palw)
    # one table of kind 0 (fixed ceiling: x = 0, one segment) or 1 (shared ceiling): segments a tile at a time,
    # lookups in the headline table ht (offsets >= 0 by max: no negative-index wraparound per lookup)
    one_table = n_groups == 1 and gi[0, GI_KIND] != 2
    kind0, ns0, nxb0 = (gi[0, GI_KIND], gi[0, GI_NS], gi[0, GI_NXB]) if n_groups >= 1 else (0, 1, 0)
    hw = max(6 * Y + 2, 0)
    for t0 in range(0, m, TILE):
        tn = min(TILE, m - t0)
        i0 = off + t0
        if k_demo != 0:
            _years_into(demo, t0, tn, S, DM)
        if basis == 3 and k_stated != 0:
            _years_into(stated, t0, tn, S, ST)
        # 1-2. QIPP (and scheme benefits): savings not delivered per year, EAs avoided in the P4P year
        if qmode == 1:
            v_delay, v_sdf, v_ead = _tile_of(a_delay, k_delay, t0, tn, f_delay), _tile_of(a_sdf, k_sdf, t0, tn, f_sdf), _tile_of(a_ead, k_ead, t0, tn, f_ead)
            if one_table and kind0 == 1:
                c0, kc = (ceil[t0:t0 + tn, 0], 1) if k_ceil != 0 else (ceil[0:1, 0], 0)
                for r in range(tn):
                    S[S_X, r], S[S_SEG, r] = c0[r * kc], 0.0
                for b in range(nxb0):  # breakpoints <= x (np.searchsorted side='right'), rows innermost
                    xbb = xb[0, b]
                    for r in range(tn):
                        S[S_SEG, r] += 1.0 if xbb <= S[S_X, r] else 0.0
            for r in range(tn):
                sdf = v_sdf[r]
                es = v_ead[r] * sdf  # as the reference: ea_delivery x savings_delivery
                dk = int(v_delay[r] - d_lo)
                if one_table:
                    seg, x0 = int(S[S_SEG, r]), S[S_X, r]
                    o_p, o_d = max((d0 * ns0 + seg) * hw, 0), max((dk * ns0 + seg) * hw, 0)
                    for y in range(Y):
                        p, d = o_p + 6 * y, o_d + 6 * y
                        p_ea, p_ae, p_op = ht[p] + ht[p + 1] * x0, ht[p + 2] + ht[p + 3] * x0, ht[p + 4] + ht[p + 5] * x0
                        d_ea = (ht[d] + ht[d + 1] * x0) * es
                        d_ae = (ht[d + 2] + ht[d + 3] * x0) * es
                        d_op = (ht[d + 4] + ht[d + 5] * x0) * sdf
                        sp_y, sd_y = _savings_of_year(y, p_ea, p_ae, p_op, d_ea, d_ae, d_op, es, sdf, benefits, bp, plan_y)
                        S[ND + y, r] = sp_y - sd_y
                    S[S_AVDP, r] = ht[o_p + 6 * Y] + ht[o_p + 6 * Y + 1] * x0
                    S[S_AVDD, r] = (ht[o_d + 6 * Y] + ht[o_d + 6 * Y + 1] * x0) * es
                else:  # a table per cohort (or none): sums over the groups
                    _row_keys(t0 + r, d0, dk, ceil, k_ceil, gi, gf, xb, kp, kd, xg)
                    for g in range(n_groups):
                        op[g] = (g * n_rows + kp[g]) * n_cols * 2
                        od[g] = (g * n_rows + kd[g]) * n_cols * 2
                    for y in range(Y):
                        p_ea, p_ae, p_op = _value_at(flat, op, xg, T_EA * Y + y), _value_at(flat, op, xg, T_AE * Y + y), _value_at(flat, op, xg, T_OP * Y + y)
                        d_ea = _value_at(flat, od, xg, T_EA * Y + y) * es
                        d_ae = _value_at(flat, od, xg, T_AE * Y + y) * es
                        d_op = _value_at(flat, od, xg, T_OP * Y + y) * sdf
                        sp_y, sd_y = _savings_of_year(y, p_ea, p_ae, p_op, d_ea, d_ae, d_op, es, sdf, benefits, bp, plan_y)
                        S[ND + y, r] = sp_y - sd_y
                    S[S_AVDP, r] = _value_at(flat, op, xg, T_AVD * Y + py)
                    S[S_AVDD, r] = _value_at(flat, od, xg, T_AVD * Y + py) * es
        # 3. P4P: the sum held back, what is released, what is not; the 70% rule's factor
        rel_v = released_o[max(i0, 0):max(i0, 0) + tn]
        v_nel, v_cpa, v_bsum = _tile_of(a_nel, k_nel, t0, tn, f_nel), _tile_of(a_cpa, k_cpa, t0, tn, f_cpa), _tile_of(a_bsum, k_bsum, t0, tn, f_bsum)
        v_pr = _tile_of(a_pr, k_pr, t0, tn, f_pr)
        if pmode == 1:  # revised design, the plan's quarterly baseline (core.p4p); the 70% rule's factor is 1
            _tile_p4p(tn, k_pr, a_pr[0], v_pr, v_cpa, v_nel, v_bsum, cf[CF_BQSUM], bq0, bq1, bq2, bq3, basis, p4p_on, rel_v, S)
        else:  # the plan's figures, or the reference's own P4P step on the block
            psum_v, prel_v = _tile_of(a_psum, k_psum, t0, tn, f_psum), _tile_of(a_prel, k_prel, t0, tn, f_prel)
            punr_v, palw_v = _tile_of(a_punr, k_punr, t0, tn, f_punr), _tile_of(a_palw, k_palw, t0, tn, f_palw)
            for r in range(tn):
                rel_v[r] = prel_v[r]
                S[S_CPY, r] = psum_v[r] * palw_v[r] if basis == 1 else punr_v[r] * palw_v[r]
                adm = _admissions_above_plan_gbp(v_bsum[r], v_nel[r], v_pr[r], S[S_AVDP, r], S[S_AVDD, r], v_cpa[r])
                S[S_ADM, r] = adm if p4p_on else 0.0
        # 4-5. shortfall parts that do not change by year; then the years, rows innermost
        v_bnc, v_bdpa, v_bdc = _tile_of(a_bnc, k_bnc, t0, tn, f_bnc), _tile_of(a_bdpa, k_bdpa, t0, tn, f_bdpa), _tile_of(a_bdc, k_bdc, t0, tn, f_bdc)
        v_cha, v_chc = _tile_of(a_cha, k_cha, t0, tn, f_cha), _tile_of(a_chc, k_chc, t0, tn, f_chc)
        for r in range(tn):
            S[S_BEDS, r] = (v_bnc[r] * v_bdpa[r]) * v_bdc[r]
            S[S_CARE, r] = v_cha[r] * v_chc[r]
        _tile_years(tn, Y, P, py, beds_from, care_from, basis, per_year, S, lines_a, lines_b, n_lines, wf_y, plan_y, sharing_y,
                    sf_o, pay_tot_o, used_o, gap_o, ret_o, pay_o, sf_tot_o, cont_tot_o, used_tot_o, gap_tot_o, excess_o, i0)
