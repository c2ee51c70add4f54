"""finmodel: a financial model of the English Better Care Fund pooled budget.

Python API (the command line is a thin layer over it)::

    import finmodel
    plan = finmodel.load_plan("inputs/luton.toml")      # validated Plan, money in £
    result = finmodel.run("inputs/luton.toml", "admissions-grow")
    result.pool.pool_gbp, result.outputs.shortfall_gbp, result.checks
    result.tables()                                     # dict of labelled DataFrames, £
    result.long()                                       # every figure in one long DataFrame
    sweep = finmodel.sweep("inputs/luton.toml", "luton-sensitivity", n=10_000, seed=1)
    sweep.percentiles, sweep.partners, sweep.tornado    # DataFrames with units

``import finmodel`` is light: the names above are loaded on first use (module
``__getattr__``), so the command line's ``--help`` does not pay for pydantic, numpy
or pandas.  ``finmodel.sweep`` is the :mod:`finmodel.sweep` subpackage, made callable
(see :func:`finmodel.api.sweep`).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.5.0"

#: Public name -> the module that defines it (imported on first use).
_LAZY = {
    "run": "finmodel.engine",
    "RunResult": "finmodel.engine",
    "load_plan": "finmodel.plan",
    "PlanError": "finmodel.plan",
    "ScenarioError": "finmodel.scenario",
    "SweepFrames": "finmodel.api",
}

__all__ = ["__version__", "load_plan", "run", "sweep", "RunResult", "SweepFrames", "PlanError", "ScenarioError"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later look-ups skip this hook
        return value
    if name == "sweep":
        # the subpackage itself is callable; importing it binds finmodel.sweep
        return importlib.import_module("finmodel.sweep")
    raise AttributeError(f"module 'finmodel' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
