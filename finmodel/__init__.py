"""finmodel: a financial model of the English Better Care Fund pooled budget.

Python API (the command line is a thin layer over it)::

    import finmodel
    plan = finmodel.load_plan("inputs/luton.toml")      # validated Plan, money in £
    result = finmodel.run("inputs/luton.toml", "admissions-grow")
    result.pool.pool_gbp, result.outputs.shortfall_gbp, result.checks
"""

__version__ = "0.2.0"

from finmodel.engine import run  # noqa: E402
from finmodel.plan import PlanError, load_plan  # noqa: E402
from finmodel.scenario import ScenarioError  # noqa: E402

__all__ = ["__version__", "load_plan", "run", "PlanError", "ScenarioError"]
