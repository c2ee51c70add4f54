"""The compiled streaming summaries give the same bits as the numpy passes they replaced.

``tests/sweep/reference_summaries.py`` is a frozen copy of finmodel/sweep/summaries.py from
before the numba rewrite (issue 16).  On random data (ties, exact zeros of both signs, point
masses, values outside the bounds, subnormals, values too large or too small for Dekker's
product), random chunkings and random merge orders, every ``result()`` dict and every piece of
merged state (counts, exact scaled sums, min/max, exceedances, cell count/sum/min/max, bounds)
must be identical bit for bit, ``-0.0`` told apart from ``0.0``.
"""

import pickle
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.sweep import summaries as new
from tests.sweep import reference_summaries as ref

PCTS = (0, 1, 5, 25, 50, 75, 95, 99, 100)
_ARRAYS = ("_exceed", "_cnt", "_csum", "_cmin", "_cmax")
_SCALARS = ("_n", "_sum", "_sumsq", "_min", "_max", "_lo", "_hi", "n_bins", "thresholds", "tail_frac")


def _bits(a):
    a = np.asarray(a)
    return (a.dtype.str, a.shape, a.tobytes())


def assert_same_state(a, b):
    for name in _ARRAYS:
        assert _bits(getattr(a, name)) == _bits(getattr(b, name)), name
    for name in _SCALARS:
        assert repr(getattr(a, name)) == repr(getattr(b, name)), name  # repr tells -0.0 from 0.0


def assert_same_result(a, b):
    ra, rb = a.result(PCTS), b.result(PCTS)
    assert repr(ra) == repr(rb)  # nan == nan and -0.0 != 0.0 under repr
    fracs = (1e-6, 0.01, 0.05, 0.37, 1 / 3, 0.999, 1.0)  # the tail mean's boundary cell, whole cells, all values
    assert repr([a.expected_shortfall(f) for f in fracs]) == repr([b.expected_shortfall(f) for f in fracs])


def _data(rng, n, kind):
    """Values shaped like sweep outputs, with the awkward cases mixed in."""
    if kind == "shortfall":  # mostly exact zeros, some of them -0.0, then a heavy tail
        x = np.where(rng.random(n) < 0.7, 0.0, rng.lognormal(12, 1.5, n))
        x[rng.random(n) < 0.1] = -0.0
    elif kind == "ties":
        x = np.round(rng.standard_t(3, n) * 100, int(rng.integers(0, 3)))
    elif kind == "extreme":  # Dekker's fallback, subnormals, huge magnitudes (std overflows a float past ~1e154)
        choices = np.array([2.0**510, -2.0**505, 2.0**-460, -5e-324, 2.0**-1074, 1e-310, 0.0, -0.0, 1.5, 2.0**500])
        x = np.where(rng.random(n) < 0.2, rng.choice(choices, n), rng.normal(0, 1e6, n))
    elif kind == "constant":
        x = np.full(n, float(rng.choice([0.0, -0.0, 0.1, 7.0])))
    else:
        x = rng.normal(1e6, 3e5, n)
    return x


def _split(rng, x):
    cuts = np.sort(rng.integers(0, x.size + 1, int(rng.integers(0, 6))))
    return np.split(x, cuts)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 4000),
    kind=st.sampled_from(["shortfall", "ties", "extreme", "constant", "normal"]),
    n_bins=st.sampled_from([1, 3, 64, 2**12]),
    bounded=st.sampled_from([None, "tight", "wide"]),
    thresholds=st.sampled_from([(), (0.0,), (0.0, -0.0, 1e6, 5e5)]),
)
def test_same_bits_as_frozen_reference(seed, n, kind, n_bins, bounded, thresholds):
    rng = np.random.default_rng(seed)
    x = _data(rng, n, kind)
    bounds = {None: None, "tight": (-50.0, 80.0), "wide": (-2e6, 5e6)}[bounded]
    kw = dict(bounds=bounds, n_bins=n_bins, thresholds=thresholds, tail_frac=0.05)
    chunks = _split(rng, x)
    # one summary fed chunk by chunk
    a, b = new.StreamingSummary(**kw), ref.StreamingSummary(**kw)
    for c in chunks:
        a.update(c)
        b.update(c)
    assert_same_state(a, b)
    assert_same_result(a, b)
    # one summary per chunk, merged in a random order (merging needs shared bounds,
    # unless every part so far is one repeated value)
    if bounds is None and n and x.min() < x.max():
        kw["bounds"] = (float(x.min()) - 1.0, float(x.max()) + 1.0)
    order = rng.permutation(len(chunks))
    pa = [new.StreamingSummary(**kw).update(c) for c in chunks]
    pb = [ref.StreamingSummary(**kw).update(c) for c in chunks]
    ma, mb = pa[order[0]].copy(), pb[order[0]].copy()
    for i in order[1:]:
        ma.merge(pa[i])
        mb.merge(pb[i])
    assert_same_state(ma, mb)
    assert_same_result(ma, mb)


def test_multi_summary_sweep_shape_same_bits():
    """13 outputs in blocks of 2**12 rows, merged as the sweep's fold groups do."""
    rng = np.random.default_rng(16)
    names = [f"out{i}" for i in range(13)]
    kinds = ["shortfall", "ties", "normal", "extreme", "constant"]
    n = 5 * 2**12 + 123
    data = {k: _data(rng, n, kinds[i % len(kinds)]) for i, k in enumerate(names)}
    bounds = {k: (float(v.min()) - 1.0, float(v.max()) + 1.0) for k, v in data.items() if v.min() < v.max()}
    kw = dict(bounds=bounds, thresholds={names[0]: (0.0,), names[1]: (0.0, 10.0)}, n_bins=2**10)
    totals = []
    for mod in (new, ref):
        total = mod.MultiSummary.from_names(names, **kw)
        for s in range(0, n, 2**12):
            total.merge(mod.MultiSummary.from_names(names, **kw).update({k: v[s:s + 2**12] for k, v in data.items()}))
        totals.append(total)
    for k in names:
        assert_same_state(totals[0][k], totals[1][k])
    assert repr(totals[0].result(PCTS)) == repr(totals[1].result(PCTS))


def test_strided_and_integer_input_same_bits():
    x = np.arange(-300, 900, dtype=np.int64)
    a = new.StreamingSummary(n_bins=50).update(x[::3]).update(x[1::7].astype(np.float32))
    b = ref.StreamingSummary(n_bins=50).update(x[::3]).update(x[1::7].astype(np.float32))
    assert_same_state(a, b)
    assert_same_result(a, b)


def test_pickles_with_its_state():
    """Dask ships summaries between processes: the compiled pass keeps no hidden state."""
    s = new.StreamingSummary(thresholds=(1.0,)).update(np.arange(10.0))
    t = pickle.loads(pickle.dumps(s)).update(np.arange(5.0))
    s.update(np.arange(5.0))
    assert_same_state(s, t)


def test_exact_sum_of_hand_worked_values():
    # 0.1 + 0.2 + 0.3 exactly: the floats are 3602879701896397 * 2**-55, 3602879701896397 * 2**-54,
    # 5404319552844595 * 2**-54, so the sum is (3602879701896397 + 2*3602879701896397
    # + 2*5404319552844595) * 2**-55 = 21617278211378381 * 2**-55 and its square sum likewise exact.
    s = new.StreamingSummary().update([0.1, 0.2, 0.3])
    assert s._sum == 21617278211378381 << (1127 - 55)
    m = [3602879701896397, 3602879701896397 * 2, 5404319552844595 * 2]
    assert s._sumsq == sum(v * v for v in m) << (2 * 1127 - 110)
    assert s.result()["mean"] == float(Fraction(21617278211378381, 3 * 2**55))


@pytest.mark.parametrize("v", [1e300, 2.0**-460, 5e-324])
def test_square_fallback_values(v):
    # squares Dekker cannot form exactly go through Python ints: (m * 2**e)**2 exactly
    s = new.StreamingSummary().update([v, -v, 1.0])
    f = Fraction(v)
    assert s._sumsq == int((2 * f * f + 1) * (1 << (2 * 1127)))


def test_tail_mean_same_bits_on_random_cells():
    """The compiled tail mean against the frozen Python loop, on random cell states (boundary cells of
    every size, point-mass cells, empty cells) and many tail fractions."""
    rng = np.random.default_rng(5)
    for _ in range(300):
        nc = int(rng.integers(3, 40))
        cnt = np.where(rng.random(nc) < 0.4, 0, rng.integers(1, 10**6, nc)).astype(np.int64)
        cnt[int(rng.integers(nc))] += 1
        a = np.sort(rng.normal(0, 1e6, nc))
        b = a + np.where((rng.random(nc) < 0.3) | (cnt < 2), 0.0, rng.random(nc) * 1e3)  # one value: min = max
        csum = cnt * (a + (b - a) * rng.random(nc))
        pair = []
        for mod in (new, ref):
            s = mod.StreamingSummary(bounds=(-1.0, 1.0), n_bins=nc - 2)
            s._cnt, s._csum = cnt.copy(), csum.copy()
            s._cmin, s._cmax = np.where(cnt > 0, a, np.inf), np.where(cnt > 0, b, -np.inf)
            s._n, s._min, s._max = int(cnt.sum()), float(a[cnt > 0].min()), float(b[cnt > 0].max())
            pair.append(s)
        for f in np.concatenate([rng.random(20), [1e-9, 0.5, 1.0]]):
            f = float(f) or 1.0
            assert repr(pair[0].expected_shortfall(f)) == repr(pair[1].expected_shortfall(f)), f


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(["shortfall", "ties", "extreme", "normal"]))
def test_update_equals_merge_of_fresh_block_summary(seed, kind):
    """With fixed bounds, ``s.update(block)`` is the same bits as ``s.merge(fresh().update(block))``:
    a chunk's cell sums start from 0.0 and are added once, as a merge adds them (so a sweep could feed
    a group summary directly instead of building and merging one summary per block)."""
    rng = np.random.default_rng(seed)
    kw = dict(bounds=(-2e6, 5e6), n_bins=256, thresholds=(0.0,))
    direct, merged = new.StreamingSummary(**kw), new.StreamingSummary(**kw)
    for c in _split(rng, _data(rng, 3000, kind)):
        direct.update(c)
        merged.merge(new.StreamingSummary(**kw).update(c))
    assert_same_state(direct, merged)
    assert_same_result(direct, merged)


def test_zeros_skip_the_cell_loop_same_bits():
    """Exact zeros (both signs) skip the compiled pass's per-value cell loop and are added once at the end
    (summary_loops._add_zeros): the same bits as the reference's row-order passes, with zeros sharing their
    cell with negative and positive values, zero at a bin edge (lo = 0.0 or -0.0, hi = 0.0), and runs of
    zeros across the pass's 512-value tiles."""
    rng = np.random.default_rng(7)
    cases = [((-1.0, 1.0), 1), ((-1.0, 1.0), 3), ((-1.0, 1.0), 4), ((0.0, 4.0), 8), ((-0.0, 4.0), 8), ((-4.0, 0.0), 8),
             ((-3.0, 5.0), 2**12), (None, 64)]
    for bounds, n_bins in cases:
        for p_zero in (0.0, 0.3, 0.97, 1.0):
            n = int(rng.integers(1, 5000))
            x = np.round(rng.uniform(-2.0, 6.0, n), int(rng.integers(0, 3))) * rng.choice([1.0, 1e-3])
            x[rng.random(n) < p_zero] = 0.0
            x[(x == 0.0) & (rng.random(n) < 0.5)] = -0.0
            if rng.random() < 0.5:
                x[:700] = rng.choice([0.0, -0.0], 700) if n > 700 else x[:700]  # a long run of zeros
            kw = dict(bounds=bounds, n_bins=n_bins, thresholds=(0.0, -0.0))
            a, b = new.StreamingSummary(**kw), ref.StreamingSummary(**kw)
            for c in _split(rng, x):
                a.update(c)
                b.update(c)
            assert_same_state(a, b)
            assert_same_result(a, b)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 3000), spread=st.sampled_from([0, 10, 22, 23, 60, 2100]))
def test_exact_sums_on_both_paths(seed, n, spread):
    """The exact sum and sum of squares: values in the chunk's top 23 binades go through the vectorised
    tiles, the others (and subnormals) one by one; both against Fraction arithmetic and the reference."""
    rng = np.random.default_rng(seed)
    top = int(rng.integers(-1074 + spread, 1024)) if spread < 2100 else 1023
    e = np.clip(rng.integers(top - spread, top + 1, n), -1074, 1023)
    x = np.ldexp(1.0 + rng.integers(0, 2**52, n) / 2.0**52, e) * rng.choice([-1.0, 1.0], n)
    x[rng.random(n) < 0.1] = rng.choice([0.0, -0.0, 5e-324, -2.0**-1022, 2.0**-1050])
    a, b = new.StreamingSummary(bounds=(-1.0, 1.0)), ref.StreamingSummary(bounds=(-1.0, 1.0))
    with np.errstate(over="ignore"):  # the reference's cell index of values near 2**1024
        for c in _split(rng, x):
            a.update(c)
            b.update(c)
    assert_same_state(a, b)
    f = [Fraction(v) for v in x.tolist()]
    assert a._sum == int(sum(f) * 2**1127) and a._sumsq == int(sum(v * v for v in f) * 2**2254)
    assert (a._sum, a._sumsq) == (b._sum, b._sumsq)


def test_fast_path_binades_do_not_change_the_sums():
    """``chunk_pass``'s ``amax`` only picks which binades take the vectorised path: any value, even a wrong
    one, gives the same exact sums (the rest go one by one)."""
    from finmodel.sweep.summary_loops import chunk_pass

    rng = np.random.default_rng(3)
    x = rng.normal(0, 1e6, 3000) * 2.0 ** rng.integers(-40, 5, 3000)
    x[::7] = 0.0
    cells = np.zeros((3, 4), np.int64)
    none, exceed = np.zeros(0), np.zeros(0, np.int64)
    sums = [chunk_pass(x, none, exceed, False, 0.0, 1.0, 1.0, cells, amax).tobytes()
            for amax in (0.0, 5e-324, 1e-300, 1.0, float(np.abs(x).max()), 1e300, 1.7e308)]
    assert len(set(sums)) == 1


def test_merge_of_signed_zero_extremes_same_bits():
    """A merge whose two cells have mins (or maxes) 0.0 and -0.0: the compiled merge
    (summary_loops.merge_cells) leaves those to numpy's minimum/maximum, on contiguous arrays as
    the reference does; with the other summary fresh, copied or unpickled (its cells rebuilt)."""
    kw = dict(bounds=(-1.0, 1.0), n_bins=4, thresholds=(0.0,))
    pairs = [([0.0, 0.5], [-0.0, 0.5]), ([-0.0, -0.5], [0.0, -0.5]), ([0.0], [-0.0]), ([-0.0, 0.0], [0.0, -0.0]),
             ([0.25, -0.0], [0.0, 0.3]), ([0.1, 0.2], [0.3, 0.15])]
    for xa, xb in pairs:
        for ship in (lambda s: s, lambda s: s.copy(), lambda s: pickle.loads(pickle.dumps(s))):
            a, b = new.StreamingSummary(**kw).update(xa), ship(new.StreamingSummary(**kw).update(xb))
            ra, rb = ref.StreamingSummary(**kw).update(xa), ref.StreamingSummary(**kw).update(xb)
            assert_same_state(a.merge(b), ra.merge(rb))
            assert_same_state(b.merge(a), rb.merge(ra))
            assert_same_result(a, ra)
