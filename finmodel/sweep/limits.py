"""How big a sweep may be, how long it will take, and the finite-figures rule.

A sweep's cost is linear in the number of model evaluations: about 4-7 µs per
scenario on the project's 2-vCPU machine (``luton-sensitivity``, eight inputs, two
correlations; README "Performance").  Left unchecked, ``n = 10**9`` runs for well over
an hour without a word and ``n = 10**20`` exhausts memory, so:

* :data:`MAX_N` caps the evaluations of one run unless the caller raises the cap
  (``max_n``, the CLI's ``--max-n``);
* :data:`MAX_CHUNK_SIZE` caps the rows evaluated at once (memory is about 1 KB per row
  in flight, about four chunks in flight);
* :func:`estimate_seconds` extrapolates a rate measured on the run's own pilot, and
  :func:`long_run_message` words it for runs over :data:`LONG_RUN_SECONDS`;
* :func:`compile_notice` says why the first sweep after an install is slow (numba compiling);
* :func:`require_finite` / :func:`require_finite_outputs` turn a NaN or infinite figure
  into :class:`~finmodel.errors.NumericFault` before anything is written.
"""

from __future__ import annotations

import math
import threading
from contextlib import contextmanager
from typing import Any, Mapping

import numpy as np

from finmodel.errors import InputError, NumericFault

__all__ = [
    "MAX_N",
    "MAX_CHUNK_SIZE",
    "LONG_RUN_SECONDS",
    "COMPILE_NOTICE_S",
    "COMPILE_MESSAGE",
    "compile_notice",
    "DASK_CONNECT_TIMEOUT_S",
    "check_count",
    "check_evaluations",
    "estimate_seconds",
    "long_run_message",
    "require_finite",
    "require_finite_outputs",
]

#: Most model evaluations one sweep runs unless ``max_n`` says otherwise: 10**8, about
#: 7-12 minutes on the project's 2-vCPU machine, with summaries whose percentiles are
#: already limited by the histogram resolution rather than by sampling error.  Larger runs
#: are allowed, but only when asked for (``max_n``), so a typo in ``-n`` cannot tie up a
#: machine for hours.
MAX_N = 10**8

#: Most rows evaluated at once: 2**20 (1,048,576).  Peak memory is about 1 GiB at this
#: size (measured: chunk 2**16 -> 0.22 GiB, 2**20 -> 0.97 GiB, 2**22 -> 3.4 GiB peak RSS);
#: larger chunks are no faster and do not change the result (the summary is the same
#: whatever the chunk size).
MAX_CHUNK_SIZE = 2**20

#: A run expected to take longer than this many seconds is announced before it starts.
LONG_RUN_SECONDS = 30.0

#: Seconds to wait for a Dask scheduler to answer before giving up.  Dask's own default
#: is 30 s; a scheduler on the local network answers in milliseconds, and one that has
#: not answered in 10 s is not there.
DASK_CONNECT_TIMEOUT_S = 10.0


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def check_count(name: str, value: Any, low: int, high: int, *, raise_with: str = "") -> int:
    """``value`` as an int in ``[low, high]``, or :class:`InputError` naming ``name``.

    ``raise_with`` is appended to the message when ``value`` is above ``high`` (how to
    lift the limit).
    """
    if not _is_int(value):
        raise InputError(f"{name} must be a whole number, got {value!r}")
    if value < low:
        raise InputError(f"{name} must be at least {low:,}, got {int(value):,}")
    if value > high:
        raise InputError(f"{name} = {int(value):,} is above the limit of {high:,}{raise_with}")
    return int(value)


def check_evaluations(n_run: int, max_n: int, what: str) -> int:
    """Refuse a run of ``n_run`` model evaluations above ``max_n``; ``what`` says where n_run came from."""
    if n_run > max_n:
        raise InputError(
            f"{what} means {n_run:,} model evaluations, above the limit of {max_n:,} "
            f"(finmodel.sweep.limits.MAX_N = {MAX_N:,} unless max_n / --max-n is raised)"
        )
    return n_run


def estimate_seconds(n_evaluations: int, seconds_per_scenario: float) -> float:
    """Expected wall time of ``n_evaluations`` at a measured per-scenario cost [s].

    The driver measures ``seconds_per_scenario`` on the run's own pilot (sampling the
    first block, then the distributions' inverse CDFs and the model on up to 4,096 rows,
    in one thread).  The real run overlaps chunks in two threads and reuses the model's
    tables, so it is usually faster: the estimate is meant as "at most about".
    """
    return float(n_evaluations) * float(seconds_per_scenario)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 86400:.1f} days"


def long_run_message(n_evaluations: int, seconds: float, backend: str) -> str | None:
    """One line announcing a run expected to take over :data:`LONG_RUN_SECONDS`, else None."""
    if not seconds > LONG_RUN_SECONDS:
        return None
    where = "in this process" if backend == "local" else "of one worker's time, shared among the Dask workers"
    return (f"sweep of {n_evaluations:,} scenarios: expect about {_duration(seconds)} {where} "
            f"(measured on the pilot; Ctrl-C stops it and writes nothing)")


#: Seconds a sweep's set-up (tornado, break-even, pilot: under 1 s once compiled) may take before
#: :data:`COMPILE_MESSAGE` is shown: longer means numba is compiling the fast route.
COMPILE_NOTICE_S = 4.0
COMPILE_MESSAGE = ("compiling the fast route for this machine: once after installing or upgrading finmodel, "
                   "about half a minute (later sweeps load it in under a second)")


@contextmanager
def compile_notice(notify):
    """Tell the user (``notify(COMPILE_MESSAGE)``, from a timer thread) when the block takes over
    :data:`COMPILE_NOTICE_S`: numba is then compiling, which it does once."""
    if notify is None:
        yield
        return
    timer = threading.Timer(COMPILE_NOTICE_S, notify, args=(COMPILE_MESSAGE,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def require_finite(obj: Any, where: str) -> None:
    """Raise :class:`NumericFault` if any float in ``obj`` (nested dicts, lists, tuples) is NaN or infinite.

    Names the figure by its path, e.g. ``summary["shortfall_total_gbp"]["mean"]``.
    """
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            require_finite(v, f"{where}[{k!r}]")
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            require_finite(v, f"{where}[{i}]")
    elif isinstance(obj, (float, np.floating)) and not math.isfinite(obj):
        raise NumericFault(f"sweep figure {where} is {float(obj)!r}, not a finite number (a fault in the model; nothing written)")


def require_finite_outputs(outputs: Mapping[str, np.ndarray], first_row: int) -> None:
    """Raise :class:`NumericFault` naming the output and scenario of the first NaN or infinite value."""
    for name, v in outputs.items():
        bad = ~np.isfinite(v)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise NumericFault(
                f"scenario {first_row + i:,}: {name} is {float(v[i])!r}, not a finite number "
                "(a fault in the model; nothing written)"
            )
