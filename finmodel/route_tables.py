"""The fast route's plan-only part: exact QIPP ramp tables, water-filling lines, plan figures.

Everything here depends only on inputs a sweep leaves at the plan's values (leading
axis 1) and is built once per plan, at ``n = 1`` cost, then cached between calls that
share the same plan arrays (a sweep's chunks):

* the general route on the plan row (:func:`finmodel.model._evaluate_general`), for
  every figure nothing swept feeds;
* QIPP tables: with the ramp's shape fixed, each QIPP figure of a scenario is
  ``alpha[key] + beta[key] * x`` with ``x`` its ceiling and ``key`` = (go-live delay,
  segment of ``x`` between the ramps' breakpoints) -- exact, not a surrogate
  (:func:`finmodel.core.piecewise.ramp_table`); for the headline loop, a one-table plan's
  columns it reads, adjacent (:attr:`RouteTables.ht`);
* the capped split's lines ``lam(A) = max_k (a_k + b_k A)`` per year
  (:func:`finmodel.core.piecewise.allocation_lines`).

Each call still checks its swept delays and ceilings (whole months, finite, one ceiling for
every cohort, ranges inside the cached tables' ranges): :func:`facts`, one compiled pass.

When the tables or lines cannot represent the call (swept ramp shape, per-cohort
constants, shares or caps, scheme benefits; non-whole months), :attr:`RouteTables.fallback`
names why and every block runs the reference route instead.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from finmodel.arrays import ModelInputs
from finmodel.core import piecewise, risk_share
from finmodel.core.qipp import CEILING_TOL
from finmodel.model import (
    _COHORT, _DELIVERED, _P4P_IN, _by_activity, _evaluate_general, _per_scenario_fields, _rows, _whole,
    performance_money_factor,
)

_RAMP_SHAPE = ("go_live_month", "initial_frac", "initial_months", "step_frac_pm")
#: Largest ramp table per cohort (go-live delays x rising steps) and number of ceiling breakpoints.
_MAX_TABLE_ROWS = 200_000
_MAX_BREAKPOINTS = 4096
BASIS_CODE = {"none": 0, "p4p_sum": 1, "p4p_unreleased": 2, "stated": 3}
_SCAN_SLICE_ROWS = 65536  # fewest rows per thread of a parallel facts() pass


def swept_fields(inputs: ModelInputs) -> tuple[str, ...]:
    """Per-scenario inputs with more than one row (the ones a sweep varies)."""
    return tuple(f for f in _per_scenario_fields(inputs) if getattr(inputs, f).shape[0] > 1)


def ceiling_mode(inputs: ModelInputs, swept) -> str:
    """'fixed' (ceiling not swept), 'shared' (every cohort the same ceiling per row) or 'cohort'."""
    if "ceiling_frac" not in swept:
        return "fixed"
    c = inputs.ceiling_frac
    return "shared" if np.all(c == c[:, :1]) else "cohort"


def _flags(inputs: ModelInputs) -> tuple[bool, bool]:
    """Per-call conditions of the table form: whole-month delays, finite ceilings."""
    return _whole(inputs.delay_months), bool(np.all(np.isfinite(inputs.ceiling_frac)))


def ranges(inputs: ModelInputs, mode):
    """Delay range (always holding 0, the planned figures' delay) and, for a shared ceiling, its range."""
    d = inputs.delay_months
    d_rng = (min(float(d.min()), 0.0), max(float(d.max()), 0.0))
    x_rng = None
    if mode == "shared":
        x = inputs.ceiling_frac[:, 0]
        x_rng = (float(x.min()), float(x.max()))
    return d_rng, x_rng


def _scannable(a) -> bool:
    """A writeable C-contiguous float64 matrix with a column (the one layout :func:`route_scan.scan` is compiled for)."""
    return (isinstance(a, np.ndarray) and a.dtype == np.float64 and a.ndim == 2 and a.shape[0] >= 1 and a.shape[1] >= 1
            and a.flags.c_contiguous and a.flags.writeable)


def facts(inputs: ModelInputs, swept, threads: int = 1):
    """:func:`ceiling_mode`, :func:`ranges` and the per-call flags, from one compiled pass where the arrays allow.

    Same answers as the three numpy functions (where a reduction could differ from the
    pass's comparisons, at a signed zero or a non-finite ceiling, numpy's reduction is used).
    With ``threads`` > 1 the pass runs on that many slices of the rows at once.
    """
    from finmodel import route_loops

    d, c = inputs.delay_months, inputs.ceiling_frac
    if route_loops.numba is None or not (_scannable(d) and _scannable(c)):
        mode = ceiling_mode(inputs, swept)
        return (mode, *ranges(inputs, mode), _flags(inputs))
    from finmodel.route_scan import scan

    m = c.shape[0]
    if threads > 1 and m >= _SCAN_SLICE_ROWS * threads and d.shape[0] in (1, m):
        cuts = [m * k // threads for k in range(threads + 1)]
        parts = [(d if d.shape[0] == 1 else d[a:b], c[a:b]) for a, b in zip(cuts, cuts[1:])]
        with ThreadPoolExecutor(max_workers=threads) as pool:  # the compiled pass releases the GIL
            res = list(pool.map(lambda dc: scan(*dc), parts))
        whole, finite, shared = all(r[0] for r in res), all(r[1] for r in res), all(r[2] for r in res)
        lo, hi = min(r[3] for r in res), max(r[4] for r in res)  # used only when all finite and not zero
    else:
        whole, finite, shared, lo, hi = scan(d, c)
    mode = "fixed" if "ceiling_frac" not in swept else ("shared" if shared else "cohort")
    d_rng = (min(float(d.min()), 0.0), max(float(d.max()), 0.0))  # numpy's (contiguous, fast): which zero it returns
    x_rng = None
    if mode == "shared":
        x_rng = (lo, hi) if (finite and lo != 0.0 and hi != 0.0) else (float(c[:, 0].min()), float(c[:, 0].max()))
    return mode, d_rng, x_rng, (bool(whole), bool(finite))


def qipp_columns(S, F, L, k1, k2, k3, cnt, w):
    """(rows, K) table columns from per-cohort month-sums S, March fractions F, live months L (rows, C, Y).

    Column blocks of Y: EA savings (S k1), A&E (S k2), outpatients (L k3), EAs avoided
    (S count), EA full-year effect (F k1); then per cohort (C x Y): EA + A&E (S (k1 + k2))
    and outpatients (L k3).  ``w`` (C,) selects cohorts (one-hot for a per-cohort table).
    The first four and the fifth block scale by ``ea_delivery x savings_delivery`` when
    delivered; outpatient blocks by ``savings_delivery``.
    """
    def over(part, k):
        return np.einsum("rcy,c->ry", part, k * w)

    def each(part, k):
        return (part * (k * w)[None, :, None]).reshape(part.shape[0], -1)

    cols = [over(S, k1), over(S, k2), over(L, k3), over(S, cnt), over(F, k1), each(S, k1 + k2), each(L, k3)]
    return np.ascontiguousarray(np.concatenate(cols, axis=1))


class RouteTables:
    """The plan-only part of one fast-route evaluation (see the module docstring)."""

    def __init__(self, inputs: ModelInputs, n_years: int, swept, mode, d_rng, x_rng, flags=None):
        self.Y, self.swept, self.mode = n_years, tuple(swept), mode
        self.flags = _flags(inputs) if flags is None else flags
        self.d_rng, self.x_rng = d_rng, x_rng
        self.key_inputs = inputs  # unswept arrays are compared by identity
        sw = set(swept)
        Y = n_years
        self.base = _evaluate_general(_rows(inputs, slice(0, 1), swept), n_years)
        self.P = inputs.shares_frac.shape[-1]
        self.C = inputs.go_live_month.shape[1]
        self.has_benefits = bool(np.any(inputs.scheme_benefits_gbp))
        self.fallback = "scheme benefits swept" if "scheme_benefits_gbp" in sw else None
        # savings vary with any swept QIPP or delivery input; without cohorts, scheme benefits
        # still follow the delivery fractions (the QIPP tables are then all zero)
        self.qipp_varies = any(f in sw for f in _DELIVERED) and (self.C > 0 or self.has_benefits)
        self.p4p_varies = any(f in sw for f in _P4P_IN)
        self.fast_p4p = inputs.p4p_enabled and inputs.p4p_design == "revised" and "nel_baseline_q" not in sw
        self.groups, self.d0, self.K = [], 0, 5 * Y
        self._setup_waterfall(inputs, sw)
        if self.qipp_varies and self.fallback is None:
            self._setup_qipp(inputs, sw)
        b = self.base
        py = inputs.p4p_year
        self.bp = _by_activity(inputs.scheme_benefits_gbp, inputs.scheme_activity)[0]  # (Y, A) planned benefits
        plan_y = np.zeros((6, Y))
        plan_y[0], plan_y[1] = b.savings_planned_gbp[0], b.savings_delivered_gbp[0]
        plan_y[2] = self.bp.sum(axis=-1)  # as the reference sums them
        if self.P:
            plan_y[3], plan_y[4] = self.open_caps, self.can_share
        self.plan_y = plan_y
        allowed = performance_money_factor(inputs, b.metrics_overall_frac[:1])  # the 70% rule
        self.cf = np.array([self.d_rng[0], b.ea_avoided_planned[0, py], b.ea_avoided[0, py], b.p4p_sum_gbp[0],
                            b.p4p_released_gbp[0], b.p4p_unreleased_gbp[0], float(np.reshape(allowed, -1)[0]),
                            float(inputs.nel_baseline_q[0:1].sum(axis=1)[0]), CEILING_TOL])
        self.bq = np.ascontiguousarray(inputs.nel_baseline_q[0], dtype=np.float64)
        self._pack_groups(py)

    # ------------------------------------------------------------------ waterfall

    def _setup_waterfall(self, inp, sw):
        Y, P = self.Y, self.P
        self.lines_a, self.lines_b = np.zeros((Y, 1)), np.zeros((Y, 1))
        self.n_lines = np.ones(Y, dtype=np.int64)
        self.wf_y = np.zeros((3, Y, max(P, 1)))
        self.open_caps, self.can_share = np.zeros(Y), np.zeros(Y)
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
        lines = [piecewise.allocation_lines(shares[y], caps[y]) for y in range(Y)]
        K = max(len(a) for a, _ in lines)
        self.lines_a, self.lines_b = np.full((Y, K), -np.inf), np.zeros((Y, K))
        for y, (a, b) in enumerate(lines):
            self.lines_a[y, :len(a)], self.lines_b[y, :len(b)], self.n_lines[y] = a, b, len(a)
        is_open = (shares > 0.0) & (caps > 0.0)
        weights = risk_share._normalised_shares_frac(shares)
        self.wf_y = np.ascontiguousarray(np.stack([np.where(is_open, shares, 0.0), np.where(is_open, caps, 0.0), weights]))
        self.open_caps = np.where(is_open, caps, 0.0).sum(axis=1)  # (Y,), inf if an open partner is uncapped
        self.can_share = (weights.sum(axis=1) > 0.0).astype(np.float64)

    # ------------------------------------------------------------------ QIPP tables

    def _setup_qipp(self, inp, sw):
        """Groups of (alpha, beta) tables, rows keyed by (delay, segment), K columns (see qipp_columns)."""
        Y, C = self.Y, self.C
        if C == 0:  # no cohorts: every QIPP figure is 0 (no groups)
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
        self.d0 = int(-d_lo)
        cohort = []  # per cohort: (alpha (G*(J+1), 3Y), beta, j_max)
        for c in range(C):
            g0, n_init = float(inp.go_live_month[0, c]), float(inp.initial_months[0, c])
            j_max = int(max(12 * Y - (g0 + d_lo) - n_init, 0.0))
            if G * (j_max + 1) > _MAX_TABLE_ROWS:
                self.fallback = "ramp table too large"
                return
            a, b = piecewise.ramp_table(g0 + np.arange(G) + d_lo, inp.initial_frac[0, c], n_init, inp.step_frac_pm[0, c], Y, j_max)
            cohort.append((a.reshape(-1, 3 * Y), b.reshape(-1, 3 * Y), j_max))
        k = (inp.ea_value_pm_gbp[0] * inp.marginal_rate_frac[0, 0], inp.ae_via_count_pm[0] * inp.ae_tariff_gbp[0],
             inp.op_value_pm_gbp[0] * inp.op_reduction_frac[0, 0], inp.ea_count_pm[0])

        def columns(t, w):  # t (rows, C, 3Y) -> (rows, K)
            return qipp_columns(t[..., :Y], t[..., Y:2 * Y], t[..., 2 * Y:], *k, w)

        if self.mode in ("fixed", "shared"):
            shared = self.mode == "shared"
            if shared:
                lo, hi = self.x_rng
                breaks = []
                for c in range(C):
                    init, step, j_max = float(inp.initial_frac[0, c]), float(inp.step_frac_pm[0, c]), cohort[c][2]
                    bk = init + step * np.arange(1, j_max + 1) if step > 0 else np.array([init])
                    breaks.append(bk[(bk > lo) & (bk <= hi)])
                xb = np.unique(np.concatenate(breaks))
                if xb.size > _MAX_BREAKPOINTS:
                    self.fallback = "too many ceiling breakpoints"
                    return
                edges = np.concatenate([[lo], xb, [hi]])
                reps = 0.5 * (edges[:-1] + edges[1:])  # the linear form is the same throughout a segment
            else:
                xb, reps = np.zeros(0), np.zeros(1)
            NS = reps.size
            sa, sb = np.zeros((G, NS, C, 3 * Y)), np.zeros((G, NS, C, 3 * Y))
            for c in range(C):
                alpha, beta, j_max = cohort[c]
                x_c = reps if shared else inp.ceiling_frac[0, c:c + 1]
                steps = np.minimum(piecewise.ramp_steps(inp.initial_frac[0, c], inp.step_frac_pm[0, c], x_c), j_max).astype(np.intp)
                rows = np.arange(G)[:, None] * (j_max + 1) + steps[None, :]
                sa[:, :, c], sb[:, :, c] = alpha[rows], beta[rows]
                if not shared:  # the cohort's fixed ceiling folds into alpha
                    sa[:, :, c] += sb[:, :, c] * x_c[0]
                    sb[:, :, c] = 0.0
            ones = np.ones(C)
            A = columns(sa.reshape(G * NS, C, 3 * Y), ones)
            B = columns(sb.reshape(G * NS, C, 3 * Y), ones)
            self.groups = [dict(kind=1 if shared else 0, cohort=0, NS=NS, j_max=0, xb=xb, init=0.0, step=0.0, A=A, B=B)]
        else:  # per-cohort ceilings: one table per cohort, keyed by (delay, rising steps)
            for c in range(C):
                alpha, beta, j_max = cohort[c]
                w = np.zeros(C)
                w[c] = 1.0
                self.groups.append(dict(kind=2, cohort=c, NS=j_max + 1, j_max=j_max, xb=np.zeros(0),
                                        init=float(inp.initial_frac[0, c]), step=float(inp.step_frac_pm[0, c]),
                                        A=columns(_only(alpha, c, C), w), B=columns(_only(beta, c, C), w)))
        self.K = self.groups[0]["A"].shape[1]

    def _pack_groups(self, py):
        """The groups as the fixed-type arrays the compiled loops read; :attr:`ht` for the headline loop."""
        g = self.groups
        K = self.K
        rows = max([x["A"].shape[0] for x in g], default=1)
        nb = max([x["xb"].size for x in g], default=0)
        self.gi = np.array([[x["kind"], x["cohort"], x["NS"], x["j_max"], x["xb"].size] for x in g], dtype=np.int64).reshape(-1, 5)
        self.gf = np.array([[x["init"], x["step"], CEILING_TOL] for x in g], dtype=np.float64).reshape(-1, 3)
        self.xb = np.full((len(g), max(nb, 1)), np.inf)
        self.ta, self.tb = np.zeros((len(g), rows, K)), np.zeros((len(g), rows, K))
        for i, x in enumerate(g):
            self.xb[i, :x["xb"].size] = x["xb"]
            self.ta[i, :x["A"].shape[0]], self.tb[i, :x["B"].shape[0]] = x["A"], x["B"]
        self.tab = np.ascontiguousarray(np.stack([self.ta, self.tb], axis=-1))  # (groups, rows, K, alpha | beta)
        # The headline loop's table when QIPP is one table (fixed or shared ceiling), flat: per row, per year
        # (alpha, beta) of EA savings, A&E and outpatients, then of the EAs avoided in the P4P year (the columns it
        # reads, adjacent).  alpha + 0.0 turns a -0.0 into 0.0, so that alpha + beta x is the reference's
        # 0 + (alpha + beta x) to the bit (a sum is -0.0 only when both terms are); any other alpha is unchanged.
        Y = self.Y
        if len(g) == 1 and g[0]["kind"] != 2:
            cols = [b * Y + y for y in range(Y) for b in (0, 1, 2)] + [3 * Y + py]  # qipp_columns blocks EA, A&E, OP, avoided
            h = self.tab[0][:, cols, :]  # (rows, 3Y + 1, alpha | beta), a copy
            h[..., 0] += 0.0
            self.ht = np.ascontiguousarray(h).reshape(-1)
        else:
            self.ht = np.zeros(6 * Y + 2)

    def covers(self, inputs: ModelInputs, swept, mode, d_rng, x_rng, flags=None) -> bool:
        """Whether these tables and plan figures serve ``inputs`` (same plan arrays, ranges inside; ``flags`` as :func:`_flags`)."""
        if tuple(swept) != self.swept or mode != self.mode or (_flags(inputs) if flags is None else flags) != self.flags:
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
        return x_rng is None or (self.x_rng[0] <= x_rng[0] and x_rng[1] <= self.x_rng[1])


def _only(table, c, C):
    """(rows, C, 3Y) with cohort ``c``'s ramp table and zeros for the other cohorts."""
    z = np.zeros((table.shape[0], C, table.shape[1]))
    z[:, c] = table
    return z


# --------------------------------------------------------------------------- cache of plan-only setups

_CACHE: list[RouteTables] = []
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 4


def tables_for(inputs: ModelInputs, n_years: int, threads: int = 1) -> RouteTables:
    """The cached plan-only setup serving ``inputs``, widened to a sweep's later chunks if needed.

    ``threads``: how many threads may scan the swept delays and ceilings (:func:`facts`).
    """
    swept = swept_fields(inputs)
    mode, d_rng, x_rng, flags = facts(inputs, swept, threads)
    with _CACHE_LOCK:
        for t in _CACHE:
            if t.Y == n_years and t.covers(inputs, swept, mode, d_rng, x_rng, flags):
                return t
        # widen to the union with tables of the same plan (a sweep's later chunk), else fresh
        for t in list(_CACHE):
            if t.Y == n_years and t.covers(inputs, swept, mode, t.d_rng, t.x_rng, flags):
                d_rng = (min(d_rng[0], t.d_rng[0]), max(d_rng[1], t.d_rng[1]))
                if x_rng is not None:
                    x_rng = (min(x_rng[0], t.x_rng[0]), max(x_rng[1], t.x_rng[1]))
                _CACHE.remove(t)
                break
        tables = RouteTables(inputs, n_years, swept, mode, d_rng, x_rng, flags)
        _CACHE.insert(0, tables)
        del _CACHE[_CACHE_SIZE:]
        return tables
