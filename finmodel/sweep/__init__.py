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

Shapes follow :mod:`finmodel.core`: scenarios on axis 0; unit samples are
``(n, d)``; each sampled input and each summarised output is ``(n,)``.
"""
