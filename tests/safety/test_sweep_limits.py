"""Sweep limits: n and chunk size bounded, long runs announced, NaN never written,
an unreachable Dask scheduler reported at once in one line."""

from __future__ import annotations

import dataclasses
import socket
import time

import numpy as np
import pytest

from finmodel.errors import EnvironmentFailure, InputError, NumericFault
from finmodel.sweep import backends, driver
from finmodel.sweep.driver import run_sweep
from finmodel.sweep.limits import DASK_CONNECT_TIMEOUT_S, LONG_RUN_SECONDS, MAX_CHUNK_SIZE, MAX_N, estimate_seconds

SCEN = "luton-sensitivity"


def _no_sweep(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("the sweep started")
    monkeypatch.setattr(driver, "_load", boom)


# ------------------------------------------------------------------ n


@pytest.mark.parametrize("n", [MAX_N + 1, 10**9, 10**20])
def test_n_above_the_limit_is_refused_at_once(n, monkeypatch):
    _no_sweep(monkeypatch)
    t0 = time.perf_counter()
    with pytest.raises(InputError) as exc:
        run_sweep(None, SCEN, "lhs", n)
    assert time.perf_counter() - t0 < 1.0
    msg = str(exc.value)
    assert f"{n:,}" in msg and f"{MAX_N:,}" in msg and "max_n" in msg and "\n" not in msg


@pytest.mark.parametrize("n", [0, -1, 2.5, True, "1000"])
def test_n_below_one_or_not_a_whole_number_is_refused(n, monkeypatch):
    _no_sweep(monkeypatch)
    with pytest.raises(InputError, match="n must"):
        run_sweep(None, SCEN, "mc", n)


def test_max_n_lifts_or_lowers_the_limit():
    with pytest.raises(InputError, match="above the limit of 2,000"):
        run_sweep(None, SCEN, "mc", 3000, max_n=2000)
    assert run_sweep(None, SCEN, "mc", 3000, max_n=3000).n == 3000
    with pytest.raises(InputError, match="max_n"):
        run_sweep(None, SCEN, "mc", 10, max_n=0)


def test_grid_limit_counts_the_real_evaluations():
    # luton-sensitivity has two discrete inputs (4 and 3 values) and six continuous ones at
    # >= 2 levels each, so a grid "of about 500" has 4 x 3 x 2**6 = 768 rows
    with pytest.raises(InputError, match="768 model evaluations"):
        run_sweep(None, SCEN, "grid", 500, max_n=600)
    assert run_sweep(None, SCEN, "grid", 500, max_n=768).n == 768


@pytest.mark.parametrize("chunk", [0, -5, MAX_CHUNK_SIZE + 1, 10**12])
def test_chunk_size_is_bounded(chunk, monkeypatch):
    _no_sweep(monkeypatch)
    with pytest.raises(InputError, match="chunk_size"):
        run_sweep(None, SCEN, "mc", 1000, chunk_size=chunk)


# ------------------------------------------------------------------ the time a long run takes


def test_a_long_run_is_announced_before_it_starts(monkeypatch):
    told = []

    class Stop(Exception):
        pass

    def notify(message):
        told.append(message)
        raise Stop  # the announcement is all this test needs: do not run 10**8 scenarios

    monkeypatch.setattr(driver, "run_local", lambda *a, **k: pytest.fail("the run started before the announcement"))
    with pytest.raises(Stop):
        run_sweep(None, SCEN, "lhs", MAX_N, notify=notify)
    assert len(told) == 1 and f"{MAX_N:,} scenarios" in told[0] and "expect about" in told[0]
    assert "\n" not in told[0]


def test_a_short_run_is_not_announced():
    told = []
    run_sweep(None, SCEN, "lhs", 2000, notify=told.append)
    assert told == []


def test_estimate_is_linear_and_the_threshold_documented():
    assert estimate_seconds(10**6, 5e-6) == pytest.approx(5.0)
    assert LONG_RUN_SECONDS == 30.0


# ------------------------------------------------------------------ NaN / inf


def _poison_kernel(monkeypatch, rows_over=5000):
    """The model returns NaN for one scenario of every evaluation bigger than the pilot."""
    real = backends.evaluate_headline

    def poisoned(inputs, n_years, **kw):
        h = real(inputs, n_years, **kw)
        if h.shortfall_total_gbp.size > rows_over:
            bad = h.shortfall_total_gbp.copy()
            bad[17] = np.nan
            h = dataclasses.replace(h, shortfall_total_gbp=bad)
        return h

    monkeypatch.setattr(backends, "evaluate_headline", poisoned)


def test_nan_from_the_model_is_a_numeric_fault_and_nothing_is_written(tmp_path, monkeypatch):
    _poison_kernel(monkeypatch)
    with pytest.raises(NumericFault, match="shortfall_total_gbp is nan") as exc:
        run_sweep(None, SCEN, "mc", 20_000, chunk_size=8192, save_samples=tmp_path / "s.csv")
    assert "scenario 17" in str(exc.value)
    assert list(tmp_path.iterdir()) == []


def test_nan_in_the_pilot_is_a_numeric_fault(monkeypatch):
    _poison_kernel(monkeypatch, rows_over=100)
    with pytest.raises(NumericFault):
        run_sweep(None, SCEN, "mc", 1000)


def test_a_non_finite_summary_figure_is_never_written(tmp_path):
    res = run_sweep(None, SCEN, "mc", 500)
    res.summary["shortfall_total_gbp"]["p95"] = float("inf")
    with pytest.raises(NumericFault, match=r"summary\['shortfall_total_gbp'\]\['p95'\]"):
        res.write(tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ an unreachable scheduler


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


def test_unreachable_scheduler_is_one_line_within_the_connect_timeout(monkeypatch):
    pytest.importorskip("distributed", reason="the dask backend is an optional extra: pip install -e '.[dask]'")
    monkeypatch.setattr(driver, "_progress_bar", lambda *a, **k: pytest.fail("a progress bar started"))
    monkeypatch.setattr(driver, "_pilot_bounds", lambda *a, **k: pytest.fail("the pilot ran before connecting"))
    address = f"tcp://127.0.0.1:{_closed_port()}"
    t0 = time.perf_counter()
    with pytest.raises(EnvironmentFailure) as exc:
        run_sweep(None, SCEN, "lhs", 1000, backend="dask", scheduler=address, progress=True)
    took = time.perf_counter() - t0
    msg = str(exc.value)
    assert address in msg and "\n" not in msg
    assert took < DASK_CONNECT_TIMEOUT_S + 10
    assert DASK_CONNECT_TIMEOUT_S <= 10


def test_scheduler_address_dask_cannot_read_is_an_input_error():
    pytest.importorskip("distributed", reason="the dask backend is an optional extra: pip install -e '.[dask]'")
    with pytest.raises(InputError, match="not understood"):
        run_sweep(None, SCEN, "lhs", 1000, backend="dask", scheduler="nonsense::x")


def test_a_one_off_cost_in_the_pilot_does_not_inflate_the_estimate(monkeypatch):
    """The pilot's first pass pays one-off costs (loading the compiled loops, building the PERT table).
    Here the first mapping of samples sleeps 2 s: over ~4,100 pilot rows that alone extrapolates to
    2 / 4,100 x 200,000 = ~98 s for n = 200,000 (a "expect about 2 minutes" line); the warm
    re-measure gives the real cost, so the estimate handed to the message is far below that."""
    import time as _time

    from finmodel.sweep import driver as D

    real_map = D.map_unit_samples
    calls = {"n": 0}

    def slow_first(dists, u):
        calls["n"] += 1
        if calls["n"] == 1:
            _time.sleep(2.0)
        return real_map(dists, u)

    seen = []
    real_estimate = D.estimate_seconds
    monkeypatch.setattr(D, "map_unit_samples", slow_first)
    monkeypatch.setattr(D, "estimate_seconds", lambda n, per_row: seen.append(real_estimate(n, per_row)) or seen[-1])
    D.run_sweep(None, "luton-sensitivity", "lhs", 200_000, seed=1)
    assert calls["n"] >= 2  # the pilot was timed again, warm
    assert seen and seen[0] < 40.0, seen  # the sleep alone would have made it ~98 s
