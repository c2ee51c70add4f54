"""Input distributions for sensitivity sweeps.

Every distribution is a frozen dataclass with the same small interface:

``ppf(u)``
    Inverse CDF.  ``u`` is any array of probabilities in (0, 1) (0 and 1 are
    accepted and give the support end points where those are finite); the
    result has the same shape as ``u`` and is float64 in the input's own units
    (pounds, fractions, ...).  Samplers produce unit-hypercube samples and map
    each column through the matching input's ``ppf``.
``mean()``
    Expected value (float).
``median()``
    ``ppf(0.5)``; the tornado base value unless a base is given.
``low_high(tornado_quantiles=(0.05, 0.95))``
    The two values a tornado chart swings each input between.  The choice is
    applied uniformly: ``(ppf(q_lo), ppf(q_hi))`` for *every* distribution,
    so all bars of one tornado mean the same thing (P5 to P95 by default).
    Pass ``tornado_quantiles=None`` for the support end points instead
    (min and max); that is only defined when both are finite.
``support()``
    ``(min, max)`` of the values ``ppf`` can return.
``from_dict(d)`` / ``to_dict()``
    Construction from, and export to, plain dicts such as a parsed TOML table.
    ``from_dict`` raises ``ValueError`` naming the missing, unknown or invalid
    key and value.

``distribution_from_dict({"dist": "triangular", "low": 0, "mode": 1, "high": 3})``
dispatches on the ``"dist"`` key.

Note on :class:`NormalBounded`: its location field is called ``mu`` (not
``mean``) because ``mean()`` is the common method name; ``from_dict`` accepts
the key ``"mean"`` (or ``"mu"``) for it.
"""

from __future__ import annotations

import functools
import math
from dataclasses import MISSING, dataclass, fields
from typing import Any, ClassVar, Mapping

import numpy as np
from scipy import special  # scipy.stats (about 0.6 s to import) is loaded only for a bounded normal's mean

__all__ = [
    "Distribution",
    "Uniform",
    "Triangular",
    "NormalBounded",
    "Pert",
    "Discrete",
    "DISTRIBUTIONS",
    "distribution_from_dict",
]

DEFAULT_TORNADO_QUANTILES = (0.05, 0.95)


def _as_float(cls_name: str, key: str, value: Any) -> float:
    """Convert a scalar parameter to float, or raise naming the key and value."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{cls_name}: {key!r} must be a number, got {value!r}")
    out = float(value)
    if math.isnan(out):
        raise ValueError(f"{cls_name}: {key!r} must not be NaN")
    return out


def _finite(cls_name: str, key: str, value: float) -> None:
    if not math.isfinite(value):
        raise ValueError(f"{cls_name}: {key!r} must be finite, got {value!r}")


def _check_quantiles(q: tuple[float, float]) -> tuple[float, float]:
    if len(q) != 2:
        raise ValueError(f"tornado_quantiles must be a pair (low, high), got {q!r}")
    lo, hi = float(q[0]), float(q[1])
    if not (0.0 <= lo < hi <= 1.0):
        raise ValueError(f"tornado_quantiles must satisfy 0 <= low < high <= 1, got {q!r}")
    return lo, hi


class Distribution:
    """Shared behaviour; concrete classes implement ``ppf``, ``mean`` and ``support``."""

    name: ClassVar[str] = ""
    #: from_dict key -> dataclass field, for keys whose names differ.
    _aliases: ClassVar[dict[str, str]] = {}

    # --- interface implemented by subclasses --------------------------------
    def ppf(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def mean(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def support(self) -> tuple[float, float]:  # pragma: no cover - abstract
        raise NotImplementedError

    # --- shared ---------------------------------------------------------------
    def median(self) -> float:
        """``ppf(0.5)``."""
        return float(self.ppf(np.array(0.5)))

    def low_high(
        self, tornado_quantiles: tuple[float, float] | None = DEFAULT_TORNADO_QUANTILES
    ) -> tuple[float, float]:
        """Tornado swing values: ``(ppf(q_lo), ppf(q_hi))``, or the support if ``None``."""
        if tornado_quantiles is None:
            lo, hi = self.support()
            if not (math.isfinite(lo) and math.isfinite(hi)):
                raise ValueError(
                    f"{type(self).__name__} has an unbounded support {(lo, hi)}; "
                    "give tornado_quantiles instead of None"
                )
            return lo, hi
        qlo, qhi = _check_quantiles(tornado_quantiles)
        v = self.ppf(np.array([qlo, qhi]))
        return float(v[0]), float(v[1])

    def to_dict(self) -> dict[str, Any]:
        """Plain dict with a ``"dist"`` key; ``distribution_from_dict`` inverts it."""
        out: dict[str, Any] = {"dist": self.name}
        for f in fields(self):  # type: ignore[arg-type]
            v = getattr(self, f.name)
            out[f.name] = list(v) if isinstance(v, tuple) else v
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]):
        """Build from a mapping of parameters; a ``"dist"`` key, if present, must match."""
        if not isinstance(d, Mapping):
            raise ValueError(f"{cls.__name__}.from_dict expects a mapping, got {type(d).__name__}")
        params = dict(d)
        dist = params.pop("dist", None)
        if dist is not None and str(dist).lower() not in _names_for(cls):
            raise ValueError(f"{cls.__name__}.from_dict: 'dist' is {dist!r}, expected {cls.name!r}")
        field_names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
        required = [
            f.name
            for f in fields(cls)  # type: ignore[arg-type]
            if f.default is MISSING and f.default_factory is MISSING
        ]
        kwargs: dict[str, Any] = {}
        for key, value in params.items():
            target = cls._aliases.get(key, key)
            if target not in field_names:
                allowed = sorted(set(field_names) | set(cls._aliases))
                raise ValueError(
                    f"{cls.__name__}: unknown key {key!r} (value {value!r}); allowed keys: {allowed}"
                )
            if target in kwargs:
                raise ValueError(f"{cls.__name__}: key {key!r} given twice (also as an alias)")
            kwargs[target] = value
        missing = [k for k in required if k not in kwargs]
        if missing:
            raise ValueError(f"{cls.__name__}: missing required key(s) {missing} in {dict(d)!r}")
        return cls(**kwargs)


@dataclass(frozen=True)
class Uniform(Distribution):
    """Uniform on [low, high]:  ppf(u) = low + u (high - low);  mean = (low + high) / 2."""

    low: float
    high: float
    name: ClassVar[str] = "uniform"

    def __post_init__(self) -> None:
        n = type(self).__name__
        lo, hi = _as_float(n, "low", self.low), _as_float(n, "high", self.high)
        _finite(n, "low", lo)
        _finite(n, "high", hi)
        if not lo < hi:
            raise ValueError(f"{n}: need low < high, got low={lo!r}, high={hi!r}")
        object.__setattr__(self, "low", lo)
        object.__setattr__(self, "high", hi)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=np.float64)
        return self.low + u * (self.high - self.low)

    def mean(self) -> float:
        return 0.5 * (self.low + self.high)

    def support(self) -> tuple[float, float]:
        return self.low, self.high


def _check_low_mode_high(obj: Any) -> None:
    n = type(obj).__name__
    lo = _as_float(n, "low", obj.low)
    mo = _as_float(n, "mode", obj.mode)
    hi = _as_float(n, "high", obj.high)
    for k, v in (("low", lo), ("mode", mo), ("high", hi)):
        _finite(n, k, v)
    if not lo < hi:
        raise ValueError(f"{n}: need low < high, got low={lo!r}, high={hi!r}")
    if not lo <= mo <= hi:
        raise ValueError(f"{n}: need low <= mode <= high, got mode={mo!r} outside [{lo!r}, {hi!r}]")
    object.__setattr__(obj, "low", lo)
    object.__setattr__(obj, "mode", mo)
    object.__setattr__(obj, "high", hi)


@dataclass(frozen=True)
class Triangular(Distribution):
    """Triangular on [low, high] with peak at ``mode``.

    With c = (mode - low) / (high - low):
    ppf(u) = low + sqrt(u (high-low)(mode-low))          for u <= c,
             high - sqrt((1-u)(high-low)(high-mode))     for u >  c;
    mean = (low + mode + high) / 3.
    """

    low: float
    mode: float
    high: float
    name: ClassVar[str] = "triangular"

    def __post_init__(self) -> None:
        _check_low_mode_high(self)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=np.float64)
        lo, mo, hi = self.low, self.mode, self.high
        width = hi - lo
        c = (mo - lo) / width
        left = lo + np.sqrt(np.clip(u, 0.0, None) * width * (mo - lo))
        right = hi - np.sqrt(np.clip(1.0 - u, 0.0, None) * width * (hi - mo))
        return np.where(u <= c, left, right)

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3.0

    def support(self) -> tuple[float, float]:
        return self.low, self.high


@dataclass(frozen=True)
class NormalBounded(Distribution):
    """Normal(mu, sd) truncated to [low, high] (defaults: unbounded).

    a = (low - mu)/sd, b = (high - mu)/sd; ppf is the exact inverse CDF through the
    normal quantile (see :meth:`ppf`), ``mean`` from ``scipy.stats.truncnorm``.
    ``from_dict`` keys: ``mean`` (or ``mu``), ``sd``, optional ``low``, ``high``.
    """

    mu: float
    sd: float
    low: float = -math.inf
    high: float = math.inf
    name: ClassVar[str] = "normal"
    _aliases: ClassVar[dict[str, str]] = {"mean": "mu"}

    def __post_init__(self) -> None:
        n = type(self).__name__
        mu = _as_float(n, "mean", self.mu)
        sd = _as_float(n, "sd", self.sd)
        lo = _as_float(n, "low", self.low)
        hi = _as_float(n, "high", self.high)
        _finite(n, "mean", mu)
        _finite(n, "sd", sd)
        if not sd > 0:
            raise ValueError(f"{n}: 'sd' must be > 0, got {sd!r}")
        if not lo < hi:
            raise ValueError(f"{n}: need low < high, got low={lo!r}, high={hi!r}")
        a, b = (lo - mu) / sd, (hi - mu) / sd
        if special.ndtr(-a) - special.ndtr(-b) < 1e-12:  # = norm.sf(a) - norm.sf(b), as scipy.stats computes it
            raise ValueError(
                f"{n}: bounds [{lo!r}, {hi!r}] hold almost no probability of Normal({mu!r}, {sd!r})"
            )
        for k, v in (("mu", mu), ("sd", sd), ("low", lo), ("high", hi)):
            object.__setattr__(self, k, v)

    def _frozen(self):
        from scipy import stats

        return stats.truncnorm(
            (self.low - self.mu) / self.sd, (self.high - self.mu) / self.sd, loc=self.mu, scale=self.sd
        )

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """``mu + sd z`` with z the standard-normal quantile of the probability u spreads over [a, b].

        With a = (low - mu)/sd and b = (high - mu)/sd, z solves
        ``(Phi(z) - Phi(a)) / (Phi(b) - Phi(a)) = u``, i.e. ``z = Phi^-1((1-u) Phi(a) + u Phi(b))``.
        When a > 0 both Phi(a) and Phi(b) are close to 1 and that form loses digits, so the
        upper-tail form is used: ``z = -Phi^-1((1-u) Phi(-a) + u Phi(-b))`` (the same
        equation written with survival probabilities, which are small and precise there).
        The blend of two probabilities never cancels; z is clipped to [a, b] against the
        last rounding.  Agrees with ``scipy.stats.truncnorm.ppf`` (tests/sweep).
        """
        u = np.asarray(u, dtype=np.float64)
        a, b = (self.low - self.mu) / self.sd, (self.high - self.mu) / self.sd
        if a > 0.0:
            z = -special.ndtri((1.0 - u) * special.ndtr(-a) + u * special.ndtr(-b))
        else:
            z = special.ndtri((1.0 - u) * special.ndtr(a) + u * special.ndtr(b))
        return self.mu + self.sd * np.clip(z, a, b)

    def mean(self) -> float:
        return float(self._frozen().mean())

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def to_dict(self) -> dict[str, Any]:
        out = {"dist": self.name, "mean": self.mu, "sd": self.sd}
        if math.isfinite(self.low):
            out["low"] = self.low
        if math.isfinite(self.high):
            out["high"] = self.high
        return out


# ----------------------------------------------------------------- Beta inverse CDF

_BETA_TABLE_TOL = 2.0**-45  # |table - exact| allowed, as a fraction of (high - low): 2.8e-14
_BETA_GRID_BITS = (13, 15)  # knots u_k = k / 2**bits; the finer grid is tried if the coarser misses
_BETA_MAX_TAIL = 1.0 / 16  # the exact inverse covers u < tail and u > 1 - tail, at most this wide


class _BetaQuantileTable:
    """Inverse CDF of Beta(a, b) on [0, 1]: a quintic Hermite table in u, exact in the tails.

    Knots sit on the dyadic grid ``u_k = k h``, h = 2**-bits, so ``s = u / h`` is exact and
    ``k = floor(s)``, ``t = s - k`` carry no rounding.  Each knot holds the exact quantile
    x_k (``special.betaincinv``, mirrored above u = 1/2, see :meth:`exact`), its slope
    ``x' = 1 / f(x)`` and curvature ``x'' = -(f'/f)(x) x'^2`` with
    ``f'/f = (a - 1)/x - (b - 1)/(1 - x)`` (f the Beta density).  On [u_k, u_k+1], with
    D = x_k+1 - x_k, d = h x', s = h^2 x'' at either end (0, 1), the quintic is
    ``x = c0 + c1 t + ... + c5 t^5`` with c0 = x_k, c1 = d0, c2 = s0/2,
    c3 = 10 D - 6 d0 - 4 d1 - (3 s0 - s1)/2, c4 = -15 D + 8 d0 + 7 d1 + (3 s0 - 2 s1)/2,
    c5 = 6 D - 3 d0 - 3 d1 - (s0 - s1)/2  (value, slope and curvature match at both ends).

    Near u = 0 and 1 the quantile bends too fast for any table (x ~ u**(1/a)), so every
    interval is checked against the exact quantile at t = 1/4 and 1/2 (a Hermite error is
    a smooth bump, largest mid-interval) and the exact inverse takes over from the
    outermost interval that misses ``_BETA_TABLE_TOL``: ``tail`` is that cut, chosen per
    shape.  If a miss lies deeper than ``_BETA_MAX_TAIL`` even on the finer grid (very
    peaked shapes), every u is evaluated exactly (``knots is None``).
    tests/sweep/test_distributions.py holds the result to the bound against
    ``scipy.stats.beta.ppf`` over random shapes, including u next to 0 and 1.
    """

    def __init__(self, a: float, b: float):
        self.a, self.b = a, b
        self.coef = None  # (K, 6) polynomial coefficients of interval k, or None: all exact
        self.tail = 0.5
        for bits in _BETA_GRID_BITS:
            if self._build(bits):
                break

    def exact(self, u: np.ndarray) -> np.ndarray:
        """The quantile from ``special.betaincinv``; above u = 1/2 through the mirror image.

        ``x(u; a, b) = 1 - x(1 - u; b, a)``: 1 - u is exact for u >= 1/2 and the small
        mirrored quantile keeps its digits, so x near 1 is right to about 1e-16.
        """
        return self._exact_pair(u)[0]

    def _exact_pair(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(x, 1 - x)``, each to its own precision (1 - x from the mirror when u > 1/2)."""
        u = np.asarray(u, dtype=np.float64)
        upper = u > 0.5
        x = special.betaincinv(self.a, self.b, np.where(upper, 0.5, u))
        lost = np.isnan(x) & (u > 0.0) & (u < 1e-100)  # betaincinv gives NaN for some u ~ 1e-300
        if lost.any():
            # I_x(a, b) = x^a / (a B(a, b)) (1 + O(x)) as x -> 0, so x = (u a B(a, b))^(1/a); here x < 1e-11
            x[lost] = np.exp((np.log(u[lost]) + math.log(self.a) + special.betaln(self.a, self.b)) / self.a)
        y = 1.0 - x
        if upper.any():
            y[upper] = special.betaincinv(self.b, self.a, 1.0 - u[upper])
            x[upper] = 1.0 - y[upper]
        return x, y

    def _build(self, bits: int) -> bool:
        a, b = self.a, self.b
        n = 2**bits
        h = 1.0 / n
        k = np.arange(1, n)  # u = 0 and 1 are left out: the slope is infinite there when a, b > 1
        u = k * h
        x, one_minus_x = self._exact_pair(u)
        log_pdf = (a - 1.0) * np.log(x) + (b - 1.0) * np.log(one_minus_x) - special.betaln(a, b)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            slope = np.exp(-log_pdf)
            curve = -((a - 1.0) / x - (b - 1.0) / one_minus_x) * slope * slope
            d0, d1 = h * slope[:-1], h * slope[1:]
            s0, s1 = h * h * curve[:-1], h * h * curve[1:]
            dx = np.diff(x)
            coef = np.stack([
                x[:-1], d0, 0.5 * s0,
                10.0 * dx - 6.0 * d0 - 4.0 * d1 - 0.5 * (3.0 * s0 - s1),
                -15.0 * dx + 8.0 * d0 + 7.0 * d1 + 0.5 * (3.0 * s0 - 2.0 * s1),
                6.0 * dx - 3.0 * d0 - 3.0 * d1 - 0.5 * (s0 - s1),
            ], axis=1)  # row i: interval [u_(i+1), u_(i+2)] = [(i+1) h, (i+2) h]
            err = np.zeros(n - 2)
            for t in (0.25, 0.5):
                approx = _horner(coef, np.full(n - 2, t))
                err = np.maximum(err, np.abs(approx - self.exact(u[:-1] + t * h)))
        bad = ~(err <= _BETA_TABLE_TOL)  # NaN (overflowed slope) counts as a miss
        lower, upper = bad[: (n - 2) // 2], bad[(n - 2) // 2:]
        lo = int(np.flatnonzero(lower).max()) + 1 if lower.any() else 0  # first good row
        hi = (n - 2) // 2 + (int(np.flatnonzero(upper).min()) if upper.any() else n - 2 - (n - 2) // 2)
        tail = max((lo + 1) * h, 1.0 - (hi + 1) * h)
        if tail > _BETA_MAX_TAIL:
            return False
        self.tail = tail
        self.scale = float(n)
        full = np.full((6, n), np.nan)  # column k: interval [k h, (k+1) h]; outside the cut unused
        full[:, 1:-1] = coef.T
        self.coef = full  # one contiguous row per power of t, for fast gathers
        return True

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """x in [0, 1] with I_x(a, b) = u, for an array u of probabilities."""
        u = np.asarray(u, dtype=np.float64)
        if u.ndim == 0:
            return self.ppf(u.reshape(1)).reshape(())
        if self.coef is None:
            return self.exact(u)
        s = u * self.scale  # exact: the scale is a power of 2
        k = np.floor(s)
        t = s - k
        np.clip(k, 0, self.scale - 1, out=k)
        ki = k.astype(np.intp)
        x = np.take(self.coef[5], ki)
        for i in range(4, -1, -1):  # Horner's rule, one gathered coefficient at a time
            x *= t
            x += np.take(self.coef[i], ki)
        tail = ~((u >= self.tail) & (u <= 1.0 - self.tail))  # also NaN
        if tail.any():
            x[tail] = self.exact(u[tail])
        return np.clip(x, 0.0, 1.0)


def _horner(coef: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``sum_i coef[:, i] t**i`` (rows of coefficients, one t per row), by Horner's rule."""
    x = coef[:, -1] * t
    for i in range(coef.shape[1] - 2, 0, -1):
        x += coef[:, i]
        x *= t
    return x + coef[:, 0]


@functools.lru_cache(maxsize=64)
def _beta_quantile_table(a: float, b: float) -> _BetaQuantileTable:
    return _BetaQuantileTable(a, b)


@dataclass(frozen=True)
class Pert(Distribution):
    """Beta-PERT on [low, high] with most likely value ``mode`` and shape ``lamb``.

    alpha = 1 + lamb (mode-low)/(high-low),  beta = 1 + lamb (high-mode)/(high-low);
    ppf(u) = low + (high-low) * BetaInv(u; alpha, beta), BetaInv from a table
    (:class:`_BetaQuantileTable`: error below 2.8e-14 of (high - low), exact in the tails);
    mean = (low + lamb*mode + high) / (lamb + 2)   (= (low + 4 mode + high)/6 for lamb = 4).
    """

    low: float
    mode: float
    high: float
    lamb: float = 4.0
    name: ClassVar[str] = "pert"

    def __post_init__(self) -> None:
        _check_low_mode_high(self)
        n = type(self).__name__
        lamb = _as_float(n, "lamb", self.lamb)
        if not (math.isfinite(lamb) and lamb > 0):
            raise ValueError(f"{n}: 'lamb' must be a finite number > 0, got {self.lamb!r}")
        object.__setattr__(self, "lamb", lamb)

    def _ab(self) -> tuple[float, float]:
        w = self.high - self.low
        return 1.0 + self.lamb * (self.mode - self.low) / w, 1.0 + self.lamb * (self.high - self.mode) / w

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=np.float64)
        a, b = self._ab()
        return self.low + (self.high - self.low) * _beta_quantile_table(a, b).ppf(u)

    def mean(self) -> float:
        return (self.low + self.lamb * self.mode + self.high) / (self.lamb + 2.0)

    def support(self) -> tuple[float, float]:
        return self.low, self.high


@dataclass(frozen=True)
class Discrete(Distribution):
    """Finite distribution: ``values[i]`` with probability ``probs[i]``.

    Values are stored sorted ascending (ties keep their given order) with their
    probabilities.  ppf(u) = smallest value v with P(X <= v) >= u.
    ``probs`` must be non-negative and sum to 1 (tolerance 1e-9).
    """

    values: tuple[float, ...]
    probs: tuple[float, ...]
    name: ClassVar[str] = "discrete"

    def __post_init__(self) -> None:
        n = type(self).__name__
        for key in ("values", "probs"):
            v = getattr(self, key)
            if isinstance(v, (str, bytes)) or not hasattr(v, "__len__"):
                raise ValueError(f"{n}: {key!r} must be a sequence of numbers, got {v!r}")
        vals = [_as_float(n, f"values[{i}]", x) for i, x in enumerate(self.values)]
        probs = [_as_float(n, f"probs[{i}]", x) for i, x in enumerate(self.probs)]
        if not vals:
            raise ValueError(f"{n}: 'values' must not be empty")
        if len(vals) != len(probs):
            raise ValueError(f"{n}: 'values' has {len(vals)} entries but 'probs' has {len(probs)}")
        for i, v in enumerate(vals):
            _finite(n, f"values[{i}]", v)
        for i, p in enumerate(probs):
            if not (0.0 <= p <= 1.0):
                raise ValueError(f"{n}: 'probs[{i}]' must be in [0, 1], got {p!r}")
        total = math.fsum(probs)
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"{n}: 'probs' must sum to 1, got {total!r}")
        order = sorted(range(len(vals)), key=lambda i: vals[i])
        object.__setattr__(self, "values", tuple(vals[i] for i in order))
        object.__setattr__(self, "probs", tuple(probs[i] for i in order))

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=np.float64)
        cum = np.cumsum(np.asarray(self.probs))
        cum[-1] = 1.0
        idx = np.searchsorted(cum, u, side="left")
        idx = np.clip(idx, 0, len(self.values) - 1)
        return np.asarray(self.values)[idx]

    def mean(self) -> float:
        return math.fsum(v * p for v, p in zip(self.values, self.probs))

    def support(self) -> tuple[float, float]:
        live = [v for v, p in zip(self.values, self.probs) if p > 0]
        return live[0], live[-1]


DISTRIBUTIONS: dict[str, type[Distribution]] = {
    "uniform": Uniform,
    "triangular": Triangular,
    "normal": NormalBounded,
    "normal_bounded": NormalBounded,
    "truncnorm": NormalBounded,
    "pert": Pert,
    "discrete": Discrete,
}


def _names_for(cls: type) -> set[str]:
    return {k for k, v in DISTRIBUTIONS.items() if v is cls}


def distribution_from_dict(d: Mapping[str, Any]) -> Distribution:
    """Build a distribution from ``{"dist": name, **params}``.

    Names: uniform, triangular, normal (aliases normal_bounded, truncnorm),
    pert, discrete (case-insensitive).
    """
    if not isinstance(d, Mapping):
        raise ValueError(f"distribution spec must be a mapping, got {type(d).__name__}: {d!r}")
    if "dist" not in d:
        raise ValueError(f"distribution spec is missing the 'dist' key: {dict(d)!r}")
    name = d["dist"]
    cls = DISTRIBUTIONS.get(str(name).lower()) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"unknown 'dist' value {name!r}; expected one of {sorted(DISTRIBUTIONS)}")
    return cls.from_dict(d)
