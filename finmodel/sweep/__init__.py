"""Sensitivity sweeps: input distributions, samplers, rank correlation and
streaming summaries over chunks of scenarios.

Modules
-------
``distributions``
    Frozen input distributions (Uniform, Triangular, NormalBounded, Pert,
    Discrete) with ``ppf``, ``mean``, ``median``, ``low_high`` and
    ``from_dict``; ``distribution_from_dict`` dispatches on ``"dist"``.
``samplers``
    Unit-hypercube designs (mc, lhs, sobol, grid) in fixed blocks so that
    streamed chunks are identical whatever the chunk size, any block can be
    computed from its index, plus one-at-a-time tornado designs;
    ``sample_inputs`` maps the designs through the ``ppf`` of each input.
``correlation``
    Iman-Conover reordering to impose a Spearman rank correlation matrix.
``summaries``
    ``StreamingSummary`` / ``MultiSummary``: bounded-memory, mergeable
    summaries (exact count/mean/std/min/max/exceedance; percentiles and tail
    mean from a fine histogram with a reported error bound).
``spec``
    ``SweepSpec``: a scenario's ``[sweep]`` table parsed and checked.
``inputs_map``
    Sweepable plan paths -> the model's input arrays.
``backends``
    Where chunks run: in process (``run_local``) or on Dask (``run_dask``).
``driver``
    ``run_sweep`` and ``SweepResult``: pilot, run, tornado, break-even, files.
``limits``
    ``MAX_N``, ``MAX_CHUNK_SIZE``, the time estimate and the finite-figures rule.
``samples_file``
    The ``--save-samples`` file, written whole or not at all.

Shapes follow :mod:`finmodel.core`: scenarios on axis 0; unit samples are
``(n, d)``; each sampled input and each summarised output is ``(n,)``.
"""

from __future__ import annotations

import sys
import types


class _CallableSweepPackage(types.ModuleType):
    """This subpackage, callable: ``finmodel.sweep(plan, scenario, n=..., seed=..., method=...)``.

    ``import finmodel.sweep.driver`` binds the name ``finmodel.sweep`` to this module, so a
    function of that name on :mod:`finmodel` would be replaced; the module forwards calls to
    :func:`finmodel.api.sweep` instead (imported on first call: this module stays light).
    """

    def __call__(self, *args, **kwargs):
        from finmodel.api import sweep

        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableSweepPackage
