"""The fast route's row loops, compiled by numba: one scenario at a time, every formula once.

Two loops run the chain of :func:`finmodel.model._evaluate_general` for rows ``0..m-1`` of
a block (QIPP planned and delivered from the plan's exact ramp tables, scheme benefits and
their overlap, P4P, the five shortfall parts, contingency, the capped risk-share split,
totals over the years), writing year-major, scenario last:

* :func:`every_output_rows` (``evaluate`` for n > 1): every loop field of ``ModelOutputs``;
* :func:`chain_rows` (the sweep's headline): only what :func:`finmodel.kernel.evaluate_headline`
  returns.  Per row it computes QIPP (single-table lookups read by offset) and P4P; then,
  a tile of :data:`TILE` rows at a time, :func:`_tile_years` runs the years with rows
  innermost (contiguous stores to the year-major outputs, partner totals in a scratch
  array, plan constants hoisted).  About 2x the full loop's speed for the headline at one
  thread (tests/benchmarks/test_bench_kernel.py).

Both call the same inlined formula helpers (:func:`_savings_of_year`,
:func:`_quarter_release`, the table lookups), so a formula is written once.  The tables
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
#: Rows of a tile of the headline loop: the per-year part runs over a tile's rows at once (scratch fits in L1).
TILE = 256


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
def _one(flat, o, x, col):
    """One QIPP figure of a single table: ``0 + (alpha + beta * ceiling)``, as :func:`_value` sums one group."""
    return 0.0 + (flat[o + 2 * col] + flat[o + 2 * col + 1] * x)


@_jit(inline="always")
def _savings_of_year(y, p_ea, p_ae, p_op, d_ea, d_ae, d_op, es, sdf, benefits, bp, plan_y, sp, sd):
    """Savings planned ``sp[y]`` and delivered ``sd[y]`` (£): QIPP plus scheme benefits less their overlap."""
    q_plan = (p_ea + p_ae) + p_op
    q_del = (d_ea + d_ae) + d_op
    if benefits:
        ov = min(max(p_ea, 0.0), max(bp[y, 0], 0.0))
        ov += min(max(p_ae, 0.0), max(bp[y, 1], 0.0))
        ov += min(max(p_op, 0.0), max(bp[y, 2], 0.0))
        sp[y] = (q_plan + plan_y[2, y]) - ov
        b0, b1, b2, b3 = bp[y, 0] * es, bp[y, 1] * sdf, bp[y, 2] * sdf, bp[y, 3] * sdf
        ovd = min(max(d_ea, 0.0), max(b0, 0.0))
        ovd = ovd + min(max(d_ae, 0.0), max(b1, 0.0))
        ovd = ovd + min(max(d_op, 0.0), max(b2, 0.0))
        sd[y] = (q_del + (((b0 + b1) + b2) + b3)) - ovd
    else:  # x + 0 - 0 == x
        sp[y] = q_plan
        sd[y] = q_del


@_jit(inline="always")
def _quarter_release(p4p_sum, bq_q, pq, planned_total, nel):
    """One quarter's released P4P money (£): its share of the sum times its achievement, clipped to [0, 1]."""
    w = pq / planned_total if planned_total > 0.0 else 0.0
    share = p4p_sum * w
    ach = (bq_q * -nel) / pq if pq > 0.0 else 0.0
    ach = min(max(ach, 0.0), 1.0)
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
                _savings_of_year(y, p_ea, p_ae, p_op, d_ea, d_ae, d_op, es, sdf, benefits, bp, plan_y, sp, sd)
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


@_jit
def _tile_years(t0, tn, off, Y, P, py, beds_from, care_from, basis, per_year, nd_s, adm_s, beds_s, care_s, cpy_s,
                demo, k_demo, stated, k_stated, lines_a, lines_b, n_lines, wf_y, plan_y, sharing_y,
                tot_s, cont_s, used_s, gap_s, am_s, lam_s, un_s, tsf_s, tco_s, tus_s, tga_s, pay_t,
                sf_o, pay_tot_o, used_o, gap_o, ret_o, pay_o, sf_tot_o, cont_tot_o, used_tot_o, gap_tot_o, excess_o):
    """Years of a tile's rows ``t0..t0+tn-1`` (block-local; outputs at ``off + row``), rows innermost.  Money in £.

    The reference's steps 4-5 for each year: shortfall = (((savings not delivered + P4P-year
    admissions) + beds) + demography) + care homes; contingency by basis; used =
    min(max(shortfall, 0), contingency); the capped split of the rest by the plan's lines
    and each open partner's share and cap, less its share of any underspend; unfunded gap
    and retained underspend; totals over the years summed in year order.
    """
    i0 = off + t0
    for y in range(Y):
        on_py, on_beds, on_care = y == py, y >= beds_from, y >= care_from
        for r in range(tn):
            a_y = adm_s[r] if on_py else 0.0
            b_y = beds_s[r] if on_beds else 0.0
            c_y = care_s[r] if on_care else 0.0
            tot = (((nd_s[y, r] + a_y) + b_y) + demo[(t0 + r) * k_demo, y]) + c_y
            tot_s[r] = tot
            sf_o[y, i0 + r] = tot
        if basis == 1 or basis == 2:
            for r in range(tn):
                cont_s[r] = cpy_s[r] if on_py else 0.0
        elif basis == 3:
            for r in range(tn):
                cont_s[r] = stated[(t0 + r) * k_stated, y]
        else:
            for r in range(tn):
                cont_s[r] = 0.0
        for r in range(tn):
            pos = max(tot_s[r], 0.0)
            used = min(pos, cont_s[r])
            used_s[r] = used
            am_s[r] = pos - used
        if P > 0:
            sharing = sharing_y[y]
            b0, a0 = lines_b[y, 0], lines_a[y, 0]
            for r in range(tn):
                lam_s[r] = am_s[r] * b0 + a0
                un_s[r] = max(tot_s[r], 0.0) - tot_s[r]  # max(-total, 0)
            for k in range(1, n_lines[y]):
                bk, ak = lines_b[y, k], lines_a[y, k]
                for r in range(tn):
                    lam_s[r] = max(lam_s[r], am_s[r] * bk + ak)
            for p in range(P):
                share, cap, w = wf_y[0, y, p], wf_y[1, y, p], wf_y[2, y, p]
                less = sharing and w != 0.0
                for r in range(tn):
                    v = min(lam_s[r] * share, cap) if share > 0.0 else 0.0
                    if less:
                        v = v - un_s[r] * w
                    if per_year:
                        pay_o[y, p, i0 + r] = v
                    pay_t[p, r] = v if y == 0 else pay_t[p, r] + v
            cap_y = plan_y[3, y]
            for r in range(tn):
                gap_s[r] = max(am_s[r] - cap_y, 0.0)
                if per_year:
                    used_o[y, i0 + r], gap_o[y, i0 + r] = used_s[r], gap_s[r]
                    ret_o[y, i0 + r] = 0.0 if sharing else un_s[r]
        else:
            for r in range(tn):
                gap_s[r] = max(tot_s[r] - used_s[r], 0.0)
                if per_year:
                    used_o[y, i0 + r], gap_o[y, i0 + r] = used_s[r], gap_s[r]
                    ret_o[y, i0 + r] = max(-tot_s[r], 0.0)
        if y == 0:
            for r in range(tn):
                tsf_s[r], tco_s[r], tus_s[r], tga_s[r] = tot_s[r], cont_s[r], used_s[r], gap_s[r]
        else:
            for r in range(tn):
                tsf_s[r] += tot_s[r]
                tco_s[r] += cont_s[r]
                tus_s[r] += used_s[r]
                tga_s[r] += gap_s[r]
    for p in range(P):
        for r in range(tn):
            pay_tot_o[p, i0 + r] = pay_t[p, r]
    for r in range(tn):
        sf_tot_o[i0 + r], cont_tot_o[i0 + r], used_tot_o[i0 + r], gap_tot_o[i0 + r] = tsf_s[r], tco_s[r], tus_s[r], tga_s[r]
        excess_o[i0 + r] = tsf_s[r] - tco_s[r]


@_jit
def chain_rows(m, off, r1, s1, r2, s2, ci, cf, gi, gf, xb, tab, plan_y, bp, bq, lines_a, lines_b, n_lines, wf_y,
               o1, sf_o, pay_tot_o, used_o, gap_o, ret_o, pay_o):
    """Rows ``0..m-1`` of a block (inputs block-local, outputs at ``off + j``).  Money in £.

    ``o1`` = (P4P released, shortfall total, contingency total, contingency used total,
    unfunded gap total, excess over contingency), each (n,); ``sf_o`` (Y, n);
    ``pay_tot_o`` (P, n); with ``ci[CI_PER_YEAR]`` also ``used_o``, ``gap_o``, ``ret_o``
    (Y, n) and ``pay_o`` (Y, P, n).  Other arguments as :func:`every_output_rows`.
    Rows are taken in tiles of ``TILE``: a row's QIPP, P4P, beds and care go to the tile's
    scratch arrays, and the tile's last row hands the tile to :func:`_tile_years`.
    """
    Y, P, py = ci[CI_Y], ci[CI_P], ci[CI_PY]
    qmode, pmode, basis = ci[CI_QMODE], ci[CI_PMODE], ci[CI_BASIS]
    per_year, benefits = ci[CI_PER_YEAR] != 0, ci[CI_BENEFITS] != 0
    d_lo, d0 = cf[CF_D_LO], ci[CI_D0]
    beds_from, care_from, p4p_on = ci[CI_BEDS_FROM], ci[CI_CARE_FROM], ci[CI_P4P_ON] != 0
    share_underspend = ci[CI_SHARE_UNDERSPEND] != 0
    bq_sum = cf[CF_BQSUM]
    bq0, bq1, bq2, bq3 = bq[0], bq[1], bq[2], bq[3]
    psum0, prel0, punr0, palw0 = cf[CF_PSUM], cf[CF_PREL], cf[CF_PUNR], cf[CF_PALW]
    kp = np.zeros(gi.shape[0], dtype=np.int64)  # the row's planned / delivered table rows per group
    kd = np.zeros(gi.shape[0], dtype=np.int64)
    xg = np.zeros(gi.shape[0])
    n_groups, n_rows, n_cols = tab.shape[0], tab.shape[1], tab.shape[2]
    flat = tab.reshape(-1)  # (groups, rows, K, alpha | beta) read by offset: one index per figure
    op = np.zeros(n_groups, dtype=np.int64)  # the row's planned / delivered table offsets per group
    od = np.zeros(n_groups, dtype=np.int64)
    sp = plan_y[0].copy()  # savings planned / delivered by year (the plan's when QIPP is not swept)
    sd = plan_y[1].copy()
    pay_t = np.zeros((max(P, 1), TILE))  # a partner's payments summed over the years
    nd_s, adm_s, beds_s, care_s, cpy_s = np.zeros((Y, TILE)), np.zeros(TILE), np.zeros(TILE), np.zeros(TILE), np.zeros(TILE)
    tot_s, cont_s, used_s, gap_s = np.zeros(TILE), np.zeros(TILE), np.zeros(TILE), np.zeros(TILE)
    am_s, lam_s, un_s = np.zeros(TILE), np.zeros(TILE), np.zeros(TILE)
    tsf_s, tco_s, tus_s, tga_s = np.zeros(TILE), np.zeros(TILE), np.zeros(TILE), np.zeros(TILE)
    # per-year plan constants, once per call
    sharing_y = np.zeros(Y, dtype=np.bool_)
    for y in range(Y):
        sharing_y[y] = share_underspend and plan_y[4, y] != 0.0
    a_delay, a_sdf, a_ead, a_nel, a_bnc, a_bdpa, a_bdc, a_cha = r1[DELAY], r1[SDF], r1[EAD], r1[NEL], r1[BNC], r1[BDPA], r1[BDC], r1[CHA]
    a_chc, a_pr, a_cpa, a_bsum, a_psum, a_prel, a_punr, a_palw = r1[CHC], r1[PR], r1[CPA], r1[BSUM], r1[PSUM], r1[PREL], r1[PUNR], r1[PALW]
    k_delay, k_sdf, k_ead, k_nel, k_bnc, k_bdpa, k_bdc, k_cha = s1[DELAY], s1[SDF], s1[EAD], s1[NEL], s1[BNC], s1[BDPA], s1[BDC], s1[CHA]
    k_chc, k_pr, k_cpa, k_bsum, k_psum, k_prel, k_punr, k_palw = s1[CHC], s1[PR], s1[CPA], s1[BSUM], s1[PSUM], s1[PREL], s1[PUNR], s1[PALW]
    ceil, demo, stated = r2[CEIL], r2[DEMO], r2[STATED]
    k_ceil, k_demo, k_stated = s2[CEIL], s2[DEMO], s2[STATED]
    released_o, sf_tot_o, cont_tot_o, used_tot_o, gap_tot_o, excess_o = o1[0], o1[1], o1[2], o1[3], o1[4], o1[5]
    r = 0  # the row's place in its tile of TILE rows
    for j in range(m):
        i = off + j
        t0 = j - r
        tn = min(TILE, m - t0)
        sdf = a_sdf[j * k_sdf]
        es = a_ead[j * k_ead] * sdf  # as the reference: ea_delivery x savings_delivery
        # 1-2. QIPP (and scheme benefits): savings planned / delivered per year, EAs avoided in the P4P year
        if qmode == 1:
            dk = int(a_delay[j * k_delay] - d_lo)
            _row_keys(j, d0, dk, ceil, k_ceil, gi, gf, xb, kp, kd, xg)
            for g in range(n_groups):
                op[g] = (g * n_rows + kp[g]) * n_cols * 2
                od[g] = (g * n_rows + kd[g]) * n_cols * 2
            if n_groups == 1:  # one table (fixed or shared ceiling): the sums over groups are one term
                o_p, o_d, x0 = op[0], od[0], xg[0]
                for y in range(Y):
                    p_ea, p_ae, p_op = _one(flat, o_p, x0, T_EA * Y + y), _one(flat, o_p, x0, T_AE * Y + y), _one(flat, o_p, x0, T_OP * Y + y)
                    d_ea = _one(flat, o_d, x0, T_EA * Y + y) * es
                    d_ae = _one(flat, o_d, x0, T_AE * Y + y) * es
                    d_op = _one(flat, o_d, x0, T_OP * Y + y) * sdf
                    _savings_of_year(y, p_ea, p_ae, p_op, d_ea, d_ae, d_op, es, sdf, benefits, bp, plan_y, sp, sd)
                avd_p = _one(flat, o_p, x0, T_AVD * Y + py)
                avd_d = _one(flat, o_d, x0, T_AVD * Y + py) * es
            else:
                for y in range(Y):
                    p_ea, p_ae, p_op = _value_at(flat, op, xg, T_EA * Y + y), _value_at(flat, op, xg, T_AE * Y + y), _value_at(flat, op, xg, T_OP * Y + y)
                    d_ea = _value_at(flat, od, xg, T_EA * Y + y) * es
                    d_ae = _value_at(flat, od, xg, T_AE * Y + y) * es
                    d_op = _value_at(flat, od, xg, T_OP * Y + y) * sdf
                    _savings_of_year(y, p_ea, p_ae, p_op, d_ea, d_ae, d_op, es, sdf, benefits, bp, plan_y, sp, sd)
                avd_p = _value_at(flat, op, xg, T_AVD * Y + py)
                avd_d = _value_at(flat, od, xg, T_AVD * Y + py) * es
        else:
            avd_p, avd_d = cf[CF_AVD_P], cf[CF_AVD_D]

        # 3. P4P: the sum held back, what is released, what is not; the 70% rule's factor
        if pmode == 0:
            p4p_sum, released, unreleased, allowed = psum0, prel0, punr0, palw0
        elif pmode == 1:  # revised design, the plan's quarterly baseline (core.p4p)
            pr = a_pr[j * k_pr]
            cpa = a_cpa[j * k_cpa]
            nel = a_nel[j * k_nel]
            p4p_sum, released, unreleased = _p4p_revised(bq_sum, bq0, bq1, bq2, bq3, pr, cpa, nel)
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
        beds_s[r] = (a_bnc[j * k_bnc] * a_bdpa[j * k_bdpa]) * a_bdc[j * k_bdc]
        care_s[r] = a_cha[j * k_cha] * a_chc[j * k_chc]
        adm_s[r] = adm
        if basis == 1:
            cpy_s[r] = p4p_sum * allowed
        elif basis == 2:
            cpy_s[r] = unreleased * allowed
        for y in range(Y):
            nd_s[y, r] = sp[y] - sd[y]
        if r == tn - 1:  # the tile's rows done: the years, rows innermost (loops the compiler can vectorise)
            _tile_years(t0, tn, off, Y, P, py, beds_from, care_from, basis, per_year, nd_s, adm_s, beds_s, care_s, cpy_s,
                        demo, k_demo, stated, k_stated, lines_a, lines_b, n_lines, wf_y, plan_y, sharing_y,
                        tot_s, cont_s, used_s, gap_s, am_s, lam_s, un_s, tsf_s, tco_s, tus_s, tga_s, pay_t,
                        sf_o, pay_tot_o, used_o, gap_o, ret_o, pay_o, sf_tot_o, cont_tot_o, used_tot_o, gap_tot_o, excess_o)
            r = 0
        else:
            r += 1
