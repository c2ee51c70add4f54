"""Build the board paper's figures: the plan's run, each named scenario, the sweep and its sensitivity.

:func:`build` does every computation; :mod:`finmodel.board_paper.html` only lays the
result out, and :mod:`finmodel.board_paper.pdf` prints that page.  The figures come
from the existing engine and sweep APIs (:func:`finmodel.engine.run`,
:func:`finmodel.sweep.driver.run_sweep`, :func:`finmodel.kernel.evaluate_headline`),
never from a second implementation of a formula.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from finmodel import __version__
from finmodel.board_paper.headline import Headline, headline
from finmodel.board_paper.risk import RiskPicture, risk_picture
from finmodel.board_paper.sensitivity import BreakEven, SobolIndices, SweepModel, break_even, sobol_for_sweep
from finmodel.engine import RunResult, applicable_runs, load_plan_with_scenario, run, run_plan
from finmodel.plan import file_sha256
from finmodel.scenario import list_scenarios

from finmodel.board_paper.cli import DEFAULT_N, DEFAULT_SWEEP  # noqa: E402  (the CLI's defaults, one place)

DEFAULT_METHOD = "lhs"


@dataclass(frozen=True)
class SweepPart:
    """The sweep's figures: its base run, the risk picture, the variance ranking and break-even values."""

    base: RunResult                     # the plan with the sweep scenario's [set] applied
    risk: RiskPicture
    sobol: SobolIndices
    break_even: list[BreakEven]         # total shortfall = 0, one per input
    break_even_contingency: list[BreakEven]  # shortfall = contingency (only when a contingency is held)
    spec: object                        # finmodel.sweep.spec.SweepSpec
    sensitivity_s: float


@dataclass(frozen=True)
class BoardPaper:
    plan_result: RunResult
    scenario_results: list[RunResult]
    headline: Headline
    sweep: SweepPart | None
    created_utc: str
    version: str = __version__
    timings_s: dict[str, float] = field(default_factory=dict)


def default_scenarios() -> list[str]:
    """Every shipped scenario that is not only a sweep (as `finmodel compare`)."""
    return [n for n in list_scenarios(include_sweeps=False) if n != "base"]


def sweep_part(plan_path: str, sweep_name: str, n: int, seed: int, method: str = DEFAULT_METHOD,
               notify=None) -> SweepPart:
    """Run the sweep (summaries, tornado) and its sensitivity analysis on the same plan and scenario.

    ``notify(message)``: told of a long run or of numba compiling (see ``run_sweep``)."""
    from finmodel.sweep.driver import run_sweep

    plan, path, scen = load_plan_with_scenario(plan_path, sweep_name)
    base = run_plan(plan, path, scen, file_sha256(path))
    sweep = run_sweep(plan_path, scen, method=method, n=n, seed=seed, notify=notify)
    sweep.check_finite()
    t0 = time.perf_counter()
    model = SweepModel.load(plan, path, scen)
    sobol = sobol_for_sweep(model, method, sweep.n, seed)
    be = [break_even(model, name) for name in model.names]
    held = float(base.outputs.contingency_gbp[0].sum())
    be_c = [break_even(model, name, "excess_over_contingency_gbp") for name in model.names] if held > 0 else []
    return SweepPart(base, risk_picture(sweep, base), sobol, be, be_c, model.spec, time.perf_counter() - t0)


def build(plan_path: str, scenarios: list[str] | None = None, sweep: str | None = DEFAULT_SWEEP,
          n: int = DEFAULT_N, seed: int = 0, notify=None) -> BoardPaper:
    """Every figure of the board paper.  ``sweep=None`` leaves the risk picture out (said so on the page);
    ``notify`` as :func:`sweep_part`."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    plan_result = run(plan_path, "base")
    results, left_out = applicable_runs(plan_path, default_scenarios() if scenarios is None else list(scenarios))
    timings["plan and scenarios"] = time.perf_counter() - t0
    part = None
    if sweep is not None:
        t1 = time.perf_counter()
        part = sweep_part(plan_path, sweep, n, seed, notify=notify)
        timings["sweep and sensitivity"] = time.perf_counter() - t1
    return BoardPaper(
        plan_result=plan_result, scenario_results=results, headline=headline(plan_result, results, left_out),
        sweep=part, created_utc=datetime.now(timezone.utc).isoformat(timespec="seconds"), timings_s=timings,
    )
