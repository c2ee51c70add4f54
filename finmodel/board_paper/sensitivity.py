"""Which inputs drive the shortfall: variance-based (Sobol) indices and break-even values.

The one-at-a-time tornado moves one input with the others at their medians, so an
input that matters only together with another shows a swing of zero (the cost of a
bed-day matters only when beds are not closed, and at the median no bed stays open).
Variance-based indices do not have that blind spot:

* the **first-order index** ``S_i`` is the share of the shortfall's variance that
  ``X_i`` explains on its own, ``Var(E[Y | X_i]) / Var(Y)``;
* the **total index** ``ST_i`` is the share that involves ``X_i`` at all, alone or in
  combination, ``E[Var(Y | X_~i)] / Var(Y)``; ``ST_i - S_i`` is its interactions.

Estimated here by a pick-freeze (Saltelli) design run through the vectorised headline
kernel: two independent unit matrices ``A`` and ``B`` of ``N`` rows, and for each input
``i`` the matrix ``AB_i`` (``A`` with column ``i`` from ``B``); ``N (d + 2)`` model runs.
The estimators are those of Saltelli et al. (2010) on the centred outputs, normalised by
the sample variance of ``[Y_A, Y_B]``, the same as SALib's ``sobol.analyze`` (checked in
tests/board_paper/test_sensitivity.py), with bootstrap confidence intervals.

Sobol indices assume **independent inputs**.  The sweep's inputs are rank-correlated
(admissions with savings delivery and with demographic growth), so the pick-freeze
indices are computed with those correlations switched off, and beside them
:func:`first_order_given_data` estimates ``Var(E[Y | X_i]) / Var(Y)`` straight from
the sweep's own correlated samples (binning ``X_i`` into quantile bins).  Under
correlation that figure includes what ``X_i`` carries of the inputs correlated with
it, so correlated inputs can share the same variance and the column need not sum to
one or less.

Break-even values (:func:`break_even`) solve "the total shortfall is zero" for one
input at a time with the others as the plan states them, exactly to the model's own
arithmetic: a fine grid brackets the crossing, repeated 33-point sections narrow the
bracket, and a last linear step is exact on the model's piecewise-linear pieces.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np

from finmodel.arrays import ModelInputs, model_inputs
from finmodel.board_paper.labels import input_label
from finmodel.kernel import evaluate_headline
from finmodel.plan import Plan
from finmodel.scenario import Scenario
from finmodel.sweep.crossing import sign_changes, solve_crossing
from finmodel.sweep.inputs_map import InputTarget, apply_samples, base_values, resolve
from finmodel.sweep.samplers import map_unit_samples, unit_samples_block
from finmodel.sweep.spec import SweepSpec

#: Bootstrap resamples and confidence level of the interval around each index.
BOOTSTRAP_RESAMPLES = 100
CONFIDENCE = 0.95
#: Bins of the given-data estimator (quantile bins of the input; a discrete input uses its values).
GIVEN_DATA_BINS = 32
#: At most this many of the sweep's own rows feed the given-data estimator (its first block).
GIVEN_DATA_ROWS = 65_536


# --------------------------------------------------------------------------- the model as a function


@dataclass(frozen=True)
class SweepModel:
    """The sweep's plan (its scenario's ``[set]`` applied) as a vectorised function of the swept inputs."""

    plan: Plan
    plan_path: Path
    scenario: Scenario
    spec: SweepSpec
    targets: dict[str, InputTarget]
    base: ModelInputs

    @classmethod
    def load(cls, plan: Plan, plan_path: str | Path, scenario: Scenario) -> "SweepModel":
        spec = SweepSpec.from_scenario(scenario, plan)
        targets = {p: resolve(p, plan) for p in spec.names}
        return cls(plan, Path(plan_path), scenario, spec, targets, model_inputs(plan))

    @property
    def names(self) -> list[str]:
        return self.spec.names

    def plan_values(self) -> dict[str, float]:
        """Each swept input's value in the plan (plan units)."""
        return base_values(self.plan, self.names)

    def evaluate(self, values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Input values (plan units, each ``(n,)``; inputs left out stay as planned) -> totals [£], each ``(n,)``."""
        inputs = apply_samples(self.base, self.plan, values, self.targets)
        h = evaluate_headline(inputs, len(self.plan.years), per_year=False)
        return {"shortfall_total_gbp": h.shortfall_total_gbp, "excess_over_contingency_gbp": h.excess_over_contingency_gbp}

    def shortfall(self, unit: np.ndarray) -> np.ndarray:
        """Unit samples ``(m, d)`` -> total shortfall [£] ``(m,)`` through each input's inverse CDF."""
        return self.evaluate(map_unit_samples(self.spec.inputs, unit))["shortfall_total_gbp"]


# --------------------------------------------------------------------------- Sobol indices (pick-freeze)


def saltelli_first_order(y_a: np.ndarray, y_b: np.ndarray, y_ab: np.ndarray) -> np.ndarray:
    """``S_i = mean(Y_B (Y_ABi - Y_A)) / Var([Y_A, Y_B])`` (Saltelli et al. 2010); ``y_ab`` is ``(d, N)``."""
    var = np.var(np.concatenate([y_a, y_b]))
    if not var > 0:
        return np.zeros(y_ab.shape[0])
    return np.mean(y_b[None, :] * (y_ab - y_a[None, :]), axis=1) / var


def jansen_total(y_a: np.ndarray, y_b: np.ndarray, y_ab: np.ndarray) -> np.ndarray:
    """``ST_i = mean((Y_A - Y_ABi)^2) / 2 / Var([Y_A, Y_B])`` (Jansen 1999, as in Saltelli et al. 2010)."""
    var = np.var(np.concatenate([y_a, y_b]))
    if not var > 0:
        return np.zeros(y_ab.shape[0])
    return 0.5 * np.mean((y_a[None, :] - y_ab) ** 2, axis=1) / var


def bootstrap_half_widths(y_a, y_b, y_ab, resamples: int = BOOTSTRAP_RESAMPLES, confidence: float = CONFIDENCE,
                          seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Half-widths of the normal-approximation intervals of S and ST: ``z * sd`` over bootstrap resamples of the rows."""
    from scipy.stats import norm

    rng = np.random.default_rng(seed)
    n = y_a.shape[0]
    s1, st = [], []
    for _ in range(resamples):
        r = rng.integers(0, n, n)
        s1.append(saltelli_first_order(y_a[r], y_b[r], y_ab[:, r]))
        st.append(jansen_total(y_a[r], y_b[r], y_ab[:, r]))
    z = float(norm.ppf(0.5 + confidence / 2))
    return z * np.std(s1, axis=0, ddof=1), z * np.std(st, axis=0, ddof=1)


def pick_freeze_design(d: int, n_base: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two independent unit matrices ``A`` and ``B`` ``(N, d)``: one scrambled Sobol sequence in ``2d`` dimensions split in two."""
    from scipy.stats import qmc

    if n_base < 2 or n_base & (n_base - 1):
        raise ValueError(f"n_base must be a power of 2 (Sobol' balance), got {n_base}")
    eng = qmc.Sobol(2 * d, scramble=True, rng=np.random.default_rng(seed))
    u = np.clip(eng.random_base2(int(n_base).bit_length() - 1), 1e-12, 1 - 1e-12)
    return u[:, :d], u[:, d:]


@dataclass(frozen=True)
class SobolIndices:
    names: list[str]
    first: np.ndarray          # S_i, independent inputs
    first_ci: np.ndarray       # half-width of its 95% interval
    total: np.ndarray          # ST_i
    total_ci: np.ndarray
    given_data_first: np.ndarray   # Var(E[Y|X_i]) / Var(Y) from the sweep's correlated samples
    given_data_ci: np.ndarray
    n_base: int
    evaluations: int
    given_data_rows: int

    def rows(self) -> list[dict]:
        """One row per input, largest total index first."""
        order = np.argsort(-self.total, kind="stable")
        return [{"input": self.names[i], "label": input_label(self.names[i]),
                 "first": float(self.first[i]), "first_ci": float(self.first_ci[i]),
                 "total": float(self.total[i]), "total_ci": float(self.total_ci[i]),
                 "given_data_first": float(self.given_data_first[i]), "given_data_ci": float(self.given_data_ci[i])}
                for i in order]


def pick_freeze_indices(f, d: int, n_base: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(S, S half-width, ST, ST half-width) of ``f`` (unit ``(m, d)`` -> ``(m,)``) over independent uniform inputs.

    All ``N (d + 2)`` rows go through ``f`` in one call (the kernel is vectorised).
    """
    a, b = pick_freeze_design(d, n_base, seed)
    ab = np.repeat(a[None], d, axis=0)  # (d, N, d)
    for i in range(d):
        ab[i, :, i] = b[:, i]
    y = f(np.concatenate([a, b, ab.reshape(d * n_base, d)]))
    y = y - y.mean()  # centred first, as SALib does: the first-order estimator is not shift-invariant
    y_a, y_b, y_ab = y[:n_base], y[n_base:2 * n_base], y[2 * n_base:].reshape(d, n_base)
    s1, st = saltelli_first_order(y_a, y_b, y_ab), jansen_total(y_a, y_b, y_ab)
    s1_ci, st_ci = bootstrap_half_widths(y_a, y_b, y_ab, seed=seed)
    return s1, s1_ci, st, st_ci


# --------------------------------------------------------------------------- given data (correlated samples)


def bin_codes(x: np.ndarray, bins: int = GIVEN_DATA_BINS) -> np.ndarray:
    """Bin number of each sample of ``x``: by value when ``x`` has at most ``bins`` distinct values
    (a discrete input), else by ``bins`` quantile bins."""
    values, codes = np.unique(x, return_inverse=True)
    if values.size > bins:
        edges = np.quantile(x, np.linspace(0, 1, bins + 1)[1:-1])
        codes = np.searchsorted(edges, x, side="right")
    return codes.reshape(-1)


def explained_share(codes: np.ndarray, y: np.ndarray) -> float:
    """``Var(bin means of Y) / Var(Y)``, population variances, each bin weighted by its count."""
    var = float(np.var(y))
    if not var > 0:
        return 0.0
    counts = np.bincount(codes)
    sums = np.bincount(codes, weights=y)
    keep = counts > 0
    means = sums[keep] / counts[keep]
    return float(np.sum(counts[keep] * (means - y.mean()) ** 2) / y.size) / var


def first_order_given_data(x: np.ndarray, y: np.ndarray, bins: int = GIVEN_DATA_BINS) -> float:
    """``Var(E[Y | X]) / Var(Y)`` from paired samples: the variance of the bin means of ``Y``, bins by ``X``."""
    return explained_share(bin_codes(x, bins), y)


def given_data_indices(x: Mapping[str, np.ndarray], y: np.ndarray, resamples: int = 50, seed: int = 0
                       ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`first_order_given_data` for every input, with bootstrap half-widths (95%; bins fixed)."""
    from scipy.stats import norm

    codes = [bin_codes(x[k]) for k in x]
    point = np.array([explained_share(c, y) for c in codes])
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(resamples):
        r = rng.integers(0, y.size, y.size)
        yr = y[r]
        boots.append([explained_share(c[r], yr) for c in codes])
    z = float(norm.ppf(0.5 + CONFIDENCE / 2))
    return point, z * np.std(boots, axis=0, ddof=1)


def sobol_for_sweep(model: SweepModel, method: str, n: int, seed: int, n_base: int | None = None) -> SobolIndices:
    """Sobol indices of the total shortfall for the sweep's inputs.

    ``n_base`` (default: the power of 2 at or below ``n / (d + 2)``, between 1,024 and 8,192) sets the
    pick-freeze design, so its cost is about the sweep's own.  The given-data column uses the
    sweep's own design (``method``, ``seed``, its correlations): its first block of rows.
    """
    d = len(model.names)
    if n_base is None:
        n_base = 1 << int(min(13, max(10, np.floor(np.log2(max(n, 1) / (d + 2))))))
    s1, s1_ci, st, st_ci = pick_freeze_indices(model.shortfall, d, n_base, seed)
    rows = int(min(n, GIVEN_DATA_ROWS))
    u = unit_samples_block(method, 0, GIVEN_DATA_ROWS, d, seed, int(n),
                           correlation=model.spec.correlation_matrix())[:rows]
    values = map_unit_samples(model.spec.inputs, u)
    y = model.evaluate(values)["shortfall_total_gbp"]
    gd, gd_ci = given_data_indices(values, y, seed=seed)
    return SobolIndices(model.names, s1, s1_ci, st, st_ci, gd, gd_ci, n_base, n_base * (d + 2) + rows, rows)


# --------------------------------------------------------------------------- break-even


@dataclass(frozen=True)
class BreakEven:
    input: str
    output: str                 # "shortfall_total_gbp" or "excess_over_contingency_gbp"
    plan_value: float           # the input as the plan states it
    low: float                  # the range searched (the input's sweep range)
    high: float
    value: float | None         # where the output crosses zero (None: it does not, in the range)
    zero_below: bool | None     # True: the output is <= 0 for values below ``value``
    output_at_low_gbp: float
    output_at_high_gbp: float
    note: str = ""


def break_even(model: SweepModel, name: str, output: str = "shortfall_total_gbp") -> BreakEven:
    """The value of input ``name`` at which ``output`` crosses zero, every other input as planned.

    Searched over the input's sweep range (its distribution's support).  The crossing
    nearest the plan's own value is reported when there are several.
    """
    dist = model.spec.inputs[name]
    lo, hi = (float(v) for v in dist.support())
    plan_value = float(model.plan_values()[name])

    def g(x: np.ndarray) -> np.ndarray:
        return model.evaluate({name: np.asarray(x, dtype=np.float64)})[output]

    ends = g(np.array([lo, hi]))
    common = dict(input=name, output=output, plan_value=plan_value, low=lo, high=hi,
                  output_at_low_gbp=float(ends[0]), output_at_high_gbp=float(ends[1]))
    if model.targets[name].integer:
        return BreakEven(value=None, zero_below=None, note="takes whole values only; see the tornado", **common)
    x = np.linspace(lo, hi, 129)
    f = g(x)
    ks = sign_changes(x, f)
    if not ks:
        where = "zero or less" if f.max() <= 0 else "above zero"
        return BreakEven(value=None, zero_below=None, note=f"stays {where} over the whole range", **common)
    k = min(ks, key=lambda j: abs(0.5 * (x[j] + x[j + 1]) - plan_value))
    a, b, root = solve_crossing(g, float(x[k]), float(x[k + 1]), grid=2)
    return BreakEven(value=root, zero_below=bool(f[k] <= 0), **common)
