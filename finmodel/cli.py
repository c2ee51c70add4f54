"""finmodel's command line: thin, parses arguments, calls the library, writes.

Exit status (see :mod:`finmodel.errors`): 0 success; 1 the run worked but a check is
Red (``check --strict`` only); 2 bad input or a refusal (an invalid plan, scenario or
workbook, a limit, an output that would replace what finmodel did not write); 3 an
internal numeric fault (a NaN or infinite figure; nothing written); 4 the environment
(an unwritable folder, an unreachable scheduler).  Every error is one paragraph on
stderr, without a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from typing import TYPE_CHECKING

from rich.console import Console

# Only light modules here: `finmodel --help` must not pay for pydantic, numpy or pandas
# (tests/test_imports.py).  The model, the tables and the sweep are imported by the
# commands that use them.
from finmodel import __version__
from finmodel.atomic import check_file_replaceable, write_file_atomically
from finmodel.shipped import default_plan
from finmodel.errors import EXIT_BAD_INPUT, EXIT_ENVIRONMENT, FinmodelError, InputError
from finmodel.output_paths import check_out_target, output_dir, slug
from finmodel.report.terminal import CONTROL_CHARS, esc

from finmodel.shipped import OUTPUTS_DIR  # ./outputs of the working folder  # noqa: E402

if TYPE_CHECKING:
    from finmodel.engine import RunResult

WORKBOOK_NAME = "template2.xlsx"


def run(plan_path, scenario="base") -> RunResult:
    """:func:`finmodel.engine.run`, imported when a command first runs a plan."""
    from finmodel.engine import run as run_plan_file

    return run_plan_file(plan_path, scenario)


def applicable_runs(plan_path, names, current=None):
    """:func:`finmodel.engine.applicable_runs`, imported when a command first runs a plan."""
    from finmodel.engine import applicable_runs as runs

    return runs(plan_path, names, current)

DESCRIPTION = """\
finmodel: a financial model of the English Better Care Fund (BCF) pooled budget.

A plan is a TOML file (one per Health and Wellbeing Board) under inputs/. finmodel
validates it, builds the pooled budget for each year, models QIPP savings month by
month, payment for performance, the shortfall if savings fail and who pays for it
under the risk share, and runs the financial assurance checks.  Named scenarios in
scenarios/ override a few inputs of the plan ("admissions-grow", "qipp-slip", ...).

Money: plan files state money_unit = "gbp" or "gbp_thousands"; every output is in
pounds (£), rounded to the penny in files; the terminal shows £000.
"""

EPILOG = """\
examples:
  finmodel run                                   the default plan (Luton), base case
  finmodel run inputs/central_bedfordshire.toml --json
  finmodel run inputs/luton.toml --scenario admissions-grow
  finmodel check inputs/luton.toml               validate and print the assurance checks
  finmodel compare inputs/luton.toml             every shipped scenario side by side
  finmodel template2 inputs/luton.toml --out luton.xlsx
  finmodel import-template2 luton.xlsx --out inputs/edited.toml
  finmodel sweep inputs/luton.toml --scenario luton-sensitivity --method lhs -n 1000000 --seed 1
  finmodel scenarios                             list the named scenarios

exit status: 0 ok; 1 (check --strict) a Red assurance check; 2 bad input or a refusal
(invalid plan, scenario or workbook; a limit; an output that finmodel did not write);
3 an internal numeric fault (nothing written); 4 the environment (unwritable folder,
unreachable scheduler).

finmodel replaces only what it wrote itself: a results folder holding its manifest and
nothing else, a workbook it wrote that nobody has saved since.  Anything else at an
--out path is refused unless --force.
"""

def _scenario_results(plan_path: str, current: RunResult) -> list[RunResult]:
    """Every shipped scenario that applies to the plan, for the workbook's Scenarios sheet (the current one reused)."""
    from finmodel.scenario import list_scenarios

    return applicable_runs(plan_path, list_scenarios(include_sweeps=False), current)[0]


def sweep_summary_for_workbook(doc: dict) -> dict:
    """A sweep's summary.json (as `finmodel sweep` writes it) -> the Sensitivity sheet's layout."""
    return {
        "method": doc.get("method"), "n": doc.get("n"), "seed": doc.get("seed"), "output": "shortfall_total_gbp",
        "percentiles": doc.get("outputs", {}),
        "tornado": [{"input": t["input"], "low": t["low_value"], "high": t["high_value"],
                     "output_low": t["shortfall_at_low_gbp"], "output_high": t["shortfall_at_high_gbp"],
                     "output_base": t["shortfall_at_base_gbp"]}  # the tornado is centred on the base
                    for t in doc.get("tornado", [])],
    }


def _read_sweep_summary(path: str | None) -> dict | None:
    from finmodel.scenario import ScenarioError

    if not path:
        return None
    try:
        return sweep_summary_for_workbook(json.loads(Path(path).read_text("utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ScenarioError(f"--sweep-summary {path}: not a summary.json written by `finmodel sweep` ({exc})") from None


def _write_workbook(result: RunResult, plan_path: str, path: Path, sweep_summary: dict | None = None) -> Path:
    from finmodel.report.template2 import write_template2

    return write_template2(result, path, scenario_results=_scenario_results(plan_path, result), sweep_summary=sweep_summary)


def _out_dir(args: argparse.Namespace) -> Path | None:
    """The --out folder, refused at once if it is the working folder or one of its parents."""
    if not args.out:
        return None
    out = Path(args.out)
    check_out_target(out)
    return out


def cmd_run(args: argparse.Namespace, console: Console) -> int:
    from finmodel.report.output import write_run
    from finmodel.report.terminal import print_headline, print_summary
    from finmodel.report.tidy import require_parquet

    out_arg = _out_dir(args)
    if args.parquet:
        require_parquet()  # asked for and not installed: exit 4 before any work
    result = run(args.plan, args.scenario)
    extra = None if args.no_workbook else (lambda tmp: _write_workbook(result, args.plan, tmp / WORKBOOK_NAME))
    out = write_run(result, out_arg, extra=extra, force=args.force, parquet=args.parquet)
    if args.json:
        print((out / "summary.json").read_text("utf-8"))  # the document just written, not built twice
    else:
        print_headline(result, console)
        if args.detail:
            print_summary(result, console)
        else:
            console.print("  Every table and check: --detail, or the CSVs and summary.json below "
                          "(tidy.csv: every figure in one long table).")
        console.print(f"Results written to {esc(out)}")
    return 0


def cmd_template2(args: argparse.Namespace, console: Console) -> int:
    from finmodel.atomic import make_parent
    from finmodel.report.output import default_run_dir
    from finmodel.report.workbook_owner import written_by_finmodel_unsaved

    result = run(args.plan, args.scenario)
    path = Path(args.out) if args.out else default_run_dir(result) / WORKBOOK_NAME
    if path.suffix.lower() != ".xlsx" and not path.is_dir():
        raise InputError(f"--out {path}: a Template 2 workbook is an .xlsx file; give a name ending in .xlsx")
    check_file_replaceable(path, args.force, written_by_finmodel_unsaved, what="workbook")
    make_parent(path.parent)
    _write_workbook(result, args.plan, path, _read_sweep_summary(args.sweep_summary))
    console.print(f"Template 2 workbook for {esc(result.plan.hwb.name)} ({esc(result.scenario.name)}) written to {esc(path)}")
    return 0


def cmd_import_template2(args: argparse.Namespace, console: Console) -> int:
    from finmodel.report.import_template2 import import_template2, plan_to_toml

    try:
        data = import_template2(args.workbook)
    except (ValueError, OSError) as exc:
        return _fail(f"cannot import: {exc}", EXIT_BAD_INPUT)  # the message names the file
    text = plan_to_toml(data)
    if args.against:
        # with the TOML on stdout, the changes go to stderr so stdout stays a valid plan
        _print_changes(args.against, data, args.workbook, console if args.out else Console(stderr=True, emoji=False))
    if args.out:
        out = Path(args.out)
        if out.exists() and not out.is_dir() and not out.is_symlink() and out.resolve() == Path(args.workbook).resolve():
            raise InputError(f"--out {out} is the workbook being read; give a new .toml name")
        # plan files are never replaced silently: only with --force
        write_file_atomically(out, text.encode("utf-8"), force=args.force)
        console.print(f"Plan written to {esc(out)} (money in £, money_unit = \"gbp\")")
    else:
        sys.stdout.write(text)
    return 0


def _print_changes(against: str, data: dict, workbook: str, out: Console) -> None:
    """What the workbook changed against the plan it came from, in that plan's units."""
    from rich.table import Table

    from finmodel.plan import load_plan, plan_from_dict
    from finmodel.report.plan_diff import in_plan_units, plan_changes

    old = load_plan(against)
    new = plan_from_dict(data, workbook)
    changes = plan_changes(old, new)
    if not changes:
        out.print(f"No change against {esc(against)}.")
        return
    table = Table(title=f"Changes against {esc(against)} ({len(changes)}; money in the plan's unit)", title_justify="left")
    for col in ("input", "was", "now", "unit"):
        table.add_column(col, justify="left" if col == "input" else "right")
    for c in changes:
        old_v, new_v, unit = in_plan_units(c, old)
        table.add_row(esc(c.path), "(added)" if c.old is None else esc(f"{old_v:,.10g}" if isinstance(old_v, float) else old_v),
                      "(removed)" if c.new is None else esc(f"{new_v:,.10g}" if isinstance(new_v, float) else new_v), unit)
    out.print(table)


def cmd_sweep(args: argparse.Namespace, console: Console) -> int:
    from finmodel.sweep.chart_painter import ChartPainter

    # first: the charts' process loads matplotlib while this one loads its libraries and sweeps
    painter = None if args.no_charts else ChartPainter.start()
    try:
        return _sweep(args, console, painter)
    finally:
        if painter is not None:
            painter.close()


def _sweep(args: argparse.Namespace, console: Console, painter) -> int:
    from finmodel.sweep.chart_painter import tornado_job
    from finmodel.sweep.driver import SweepSpecError, run_sweep
    from finmodel.sweep.inputs_map import SweepInputError

    from finmodel.atomic import check_replaceable
    from finmodel.report.terminal import print_sweep
    from finmodel.sweep.limits import MAX_N

    progress = (not args.json) and (args.progress or (args.progress is None and args.n >= 100_000))
    plan_name = Path(args.plan).stem
    scen_name = Path(args.scenario).stem
    # n and seed in the folder name: a 10^7 run never replaces a 10^4 one
    out = _out_dir(args) or output_dir(OUTPUTS_DIR, plan_name, f"sweep-{scen_name}-{args.method}-n{args.n}-seed{args.seed}")
    check_replaceable(out, args.force)  # refuse before minutes of work, not after
    try:
        result = run_sweep(args.plan, args.scenario, method=args.method, n=args.n, seed=args.seed,
                           chunk_size=args.chunk_size, backend=args.backend, scheduler=args.scheduler,
                           save_samples=args.save_samples, progress=progress, overwrite=args.force,
                           max_n=args.max_n if args.max_n is not None else MAX_N, notify=lambda m: _fail(m, 0),
                           on_tornado=None if painter is None else lambda rows, name: painter.send([tornado_job(rows, name)]))
    except (SweepSpecError, SweepInputError) as exc:
        return _fail(exc, EXIT_BAD_INPUT)
    except ValueError as exc:
        return _fail(f"sweep not run: {exc}", EXIT_BAD_INPUT)
    written = result.write(out, force=args.force, charts=not args.no_charts, painter=painter)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, allow_nan=False))
        return 0
    print_sweep(result.to_dict(), console)
    console.print(f"Sweep results written to {esc(written)}")
    return 0


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    from finmodel.report.terminal import print_checks

    result = run(args.plan, args.scenario)
    console.print(f"{esc(args.plan)}: valid plan for {esc(result.plan.hwb.name)}.")
    print_checks(result, console)
    return 1 if args.strict and any(c.rag == "Red" for c in result.checks) else 0


def cmd_compare(args: argparse.Namespace, console: Console) -> int:
    from finmodel.report import tables
    from finmodel.report.terminal import frame_table
    from finmodel.scenario import ScenarioNotApplicable, list_scenarios

    plan, names = args.plan, list(args.scenarios)
    if not Path(plan).exists() and plan in list_scenarios():
        plan, names = str(default_plan()), [plan, *names]  # `compare admissions-grow qipp-slip`: names only
    names = names or list_scenarios(include_sweeps=False)
    results, left_out = applicable_runs(plan, names)
    if not results:
        raise ScenarioNotApplicable("none of the scenarios applies to this plan: " + "; ".join(left_out))
    df = tables.compare(results)
    if args.json:
        print(json.dumps({"plan": str(plan), "figures_gbp": {c: {k: round(v, 2) for k, v in df[c].items()} for c in df.columns},
                          "left_out": left_out}, indent=2))
        return 0
    console.print(f"[bold]{esc(results[0].plan.hwb.name)}[/bold]: scenarios side by side, totals over {results[0].plan.years[0]}-{results[0].plan.years[-1]} (£000)")
    console.print(frame_table(df, "Scenario comparison (£000)"))
    for r in results:
        console.print(f"  [bold]{esc(r.scenario.name)}[/bold]: {esc(r.scenario.description)}")
    for why in left_out:
        console.print(f"  [yellow]left out[/yellow] {esc(why)}")
    return 0


def cmd_new(args: argparse.Namespace, console: Console) -> int:
    import tomllib

    from finmodel.new_plan import skeleton
    from finmodel.plan import plan_from_dict
    from finmodel.plan_text import name_chars

    try:
        name_chars(args.name)
    except ValueError as exc:
        raise InputError(f"HWB name {args.name!r}: {exc}") from None
    text = skeleton(args.name, args.ons_code)
    plan_from_dict(tomllib.loads(text), "(new plan)")  # the skeleton must be a valid plan (the ONS code is checked here)
    out = Path(args.out) if args.out else Path("inputs") / f"{slug(args.name.lower().replace(' ', '_'))}.toml"
    write_file_atomically(out, text.encode("utf-8"), force=args.force)
    console.print(f"New plan for {esc(args.name)} written to {esc(out)}: replace every FILL IN, then "
                  f"`finmodel check {esc(out)}`.")
    return 0


def cmd_scenarios(args: argparse.Namespace, console: Console) -> int:
    from finmodel.scenario import list_scenarios, load_scenario

    for name in list_scenarios():
        s = load_scenario(name)
        console.print(f"[bold]{esc(name)}[/bold]: {esc(s.description)}" + (f"  (sweep over {len(s.sweep.get('inputs', {}))} inputs)" if s.sweep else ""))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from finmodel.board_paper.cli import add_parser as add_report_parser
    from finmodel.region.cli import add_parser as add_region_parser
    parser = argparse.ArgumentParser(prog="finmodel", description=DESCRIPTION, epilog=EPILOG,
              )  # descriptions wrapped to the terminal
    parser.add_argument("--version", action="version", version=f"finmodel {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("run", help="run a plan under a scenario; print the summary and write the results",
                       description="Run a plan under one named scenario.  Prints the pooled budget, savings, "
                       "P4P, shortfall and risk share and the assurance checks, and writes every table as CSV, every "
                       "figure in one long table (tidy.csv with la_code, plan, scenario, table, item, year, value, unit; "
                       "also tidy.parquet when pyarrow is installed), and "
                       f"summary.json (with the finmodel version, the plan file's sha256 and the time) under "
                       f"{OUTPUTS_DIR}/<plan>/<scenario>/.  Outputs are written whole or not at all.",
)  # descriptions wrapped to the terminal
    p.add_argument("plan", nargs="?", default=str(default_plan()),
                   help="plan file (TOML); default: ./inputs/luton.toml, or the shipped Luton plan")
    p.add_argument("--scenario", default="base", help="scenario name (scenarios/NAME.toml) or path; default: base")
    p.add_argument("--out", help="directory to write the results to (default outputs/<plan>/<scenario>/)")
    p.add_argument("--json", action="store_true", help="print one JSON document with every figure instead of tables")
    p.add_argument("--no-workbook", action="store_true", help=f"do not write the Template 2 workbook ({WORKBOOK_NAME})")
    p.add_argument("--force", action="store_true", help="replace the --out folder even if finmodel did not write it")
    p.add_argument("--detail", action="store_true", help="print every table and check after the headline")
    p.add_argument("--parquet", action=argparse.BooleanOptionalAction, default=None,
                   help="also write the long table as tidy.parquet (default: when pyarrow is installed; "
                   "--parquet without pyarrow is an error, exit 4); tidy.csv is always written")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("template2", help="write the Template 2 workbook (BCF finance and metrics return, Excel)",
                       description="Write the Template 2 workbook for a plan and scenario: Cover, Funding sources, "
                       "Expenditure plan, Benefits plan, P4P and metrics, Contingency and risk share, and the model "
                       "sheets (QIPP, Five-year profile, Scenarios, Sensitivity, Assumptions, About).  Totals, the P4P "
                       "sum and the risk-share split are live formulas over yellow input cells, each with the engine's "
                       "value cached.  The file is written to a temporary name and moved into place when complete.")
    p.add_argument("plan", nargs="?", default=str(default_plan()), help="plan file (TOML); default: as for run")
    p.add_argument("--scenario", default="base", help="scenario name or path; default: base")
    p.add_argument("--out", help=f"workbook path; default outputs/<plan>/<scenario>/{WORKBOOK_NAME}")
    p.add_argument("--sweep-summary", metavar="JSON", help="summary.json of a `finmodel sweep` run, for the Sensitivity sheet")
    p.add_argument("--force", action="store_true", help="replace --out even if it is not a workbook finmodel wrote, unsaved since")
    p.set_defaults(func=cmd_template2)

    p = sub.add_parser("import-template2", help="turn a Template 2 workbook back into a plan TOML",
                       description="Read a Template 2 workbook written by finmodel (possibly edited in Excel: a scheme "
                       "added, an amount changed) and print the plan as TOML, or write it with --out.  Money comes out "
                       "in pounds (money_unit = \"gbp\").  Exit status 2 if the workbook cannot be read; the message "
                       "names the sheet, the cell and the value.  Amounts on Funding sources, Expenditure plan and Benefits "
                       "plan are read in £000 (7800 = £7,800,000); a workbook written by finmodel 0.1.0 (no 'Money units' "
                       "row on its About sheet) is refused.")
    p.add_argument("workbook", help="the .xlsx file")
    p.add_argument("--out", help="write the plan to this file instead of printing it")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.add_argument("--against", metavar="PLAN", help="list every input the workbook changes against this plan "
                   "(old and new value, money in the plan's unit)")
    p.set_defaults(func=cmd_import_template2)

    p = sub.add_parser("check", help="validate a plan and print the assurance checks",
                       description="Validate a plan file and print the financial assurance checks with their "
                       "Red/Amber/Green rating.  Exit status 2 if the file is invalid; with --strict, 1 if any check is Red.")
    p.add_argument("plan", help="plan file (TOML)")
    p.add_argument("--scenario", default="base", help="scenario to apply before checking; default: base")
    p.add_argument("--strict", action="store_true", help="exit 1 when any check is Red")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("compare", help="run several scenarios and print them side by side",
                       description="Run a plan under several named scenarios (default: every scenario in scenarios/) "
                       "and print pool, savings, P4P released, shortfall, contingency used, each partner's share and "
                       "the unfunded gap side by side (totals over the modelled years).")
    p.add_argument("plan", nargs="?", default=str(default_plan()), help="plan file (TOML); default: as for run")
    p.add_argument("scenarios", nargs="*", help="scenario names; default: all shipped scenarios")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("sweep", help="sensitivity sweep: thousands to millions of scenarios through the vectorised model",
                       description="Sample the inputs named in a scenario's [sweep] table (distributions and rank "
                       "correlations), run every sample through the vectorised model in chunks, and summarise as it "
                       "goes (memory stays bounded whatever N): percentiles, mean, probability that the shortfall "
                       "exceeds the contingency, expected shortfall of the worst 5%, each partner's expected and P95 "
                       "payment, the unfunded gap; a tornado table and a break-even value.  Writes summary.json, CSV "
                       "tables and PNG charts under outputs/<plan>/sweep-<scenario>-<method>-n<N>-seed<S>/.  The same seed gives the "
                       "same numbers whatever the chunk size or backend.",
)  # descriptions wrapped to the terminal
    p.add_argument("plan", nargs="?", default=str(default_plan()), help="plan file (TOML); default: as for run")
    p.add_argument("--scenario", default="luton-sensitivity", help="scenario with a [sweep] table; default: luton-sensitivity")
    p.add_argument("--method", default="lhs", choices=["lhs", "sobol", "mc", "grid", "tornado"],
                   help="sampler: Latin hypercube (default), scrambled Sobol, Monte Carlo, full grid, or one-at-a-time tornado")
    p.add_argument("-n", type=int, default=10_000, help="number of scenarios (default 10,000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0): the same seed gives the same result")
    p.add_argument("--chunk-size", type=int, default=65_536,
                   help="scenarios evaluated at once (memory bound; at most 1,048,576); results do not depend on it")
    p.add_argument("--max-n", type=int, default=None,
                   help="allow -n above the limit of 100,000,000 scenarios (about 10 minutes here), up to this")
    p.add_argument("--out", help="directory for the results")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--save-samples", metavar="FILE", help="also write every scenario's inputs and outputs (CSV, or .parquet with pyarrow)")
    p.add_argument("--backend", default="local", choices=["local", "dask"], help="run chunks in-process (default) or on a Dask cluster")
    p.add_argument("--scheduler", help="Dask scheduler address; default: a local cluster")
    p.add_argument("--force", action="store_true", help="replace the --out folder even if finmodel did not write it")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None, help="progress bar (default: on for n >= 100,000)")
    p.add_argument("--no-charts", action="store_true",
                   help="do not draw tornado.png and shortfall_histogram.png (saves about a second: matplotlib is not loaded)")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("new", help="write a skeleton plan to start from",
                       description="Write a commented plan with every required section, the stream names and two "
                       "years, each figure a FILL IN placeholder that `finmodel check` reports until it is filled in.")
    p.add_argument("name", help='the Health and Wellbeing Board, e.g. "Luton"')
    p.add_argument("--ons-code", required=True, help="the HWB's ONS code, e.g. E06000032")
    p.add_argument("--out", help="plan file to write; default inputs/<name>.toml (never replaced without --force)")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.set_defaults(func=cmd_new)

    add_region_parser(sub)
    add_report_parser(sub)
    p = sub.add_parser("scenarios", help="list the named scenarios", description="List the scenarios shipped in scenarios/.")
    p.set_defaults(func=cmd_scenarios)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # the terminal's own width (tables fit an 80-column window); 120 when writing to a file or pipe
    console = Console(stderr=False, width=None if sys.stdout.isatty() else 120, emoji=False)  # ":smile:" stays text

    def _pipe_closed() -> None:  # rich would exit 1; a reader that stopped (`| head`) is not an error
        raise BrokenPipeError

    console.on_broken_pipe = _pipe_closed  # type: ignore[method-assign]
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    from finmodel.plan import PlanError  # after parsing: --help never loads the plan schema
    from finmodel.scenario import ScenarioError

    try:
        return args.func(args, console)
    except (PlanError, ScenarioError) as exc:
        return _fail(exc, EXIT_BAD_INPUT)
    except FinmodelError as exc:
        return _fail(exc, exc.exit_code)
    except BrokenPipeError:
        # the reader (e.g. `| head`) has gone: stop quietly, and keep Python from complaining at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except MemoryError:
        return _fail("ran out of memory; try a smaller -n or --chunk-size", EXIT_ENVIRONMENT)
    except RecursionError:
        return _fail("input nested too deeply to be read", EXIT_BAD_INPUT)


def entry() -> None:
    """The ``finmodel`` command: :func:`main`, then leave without tearing the interpreter down.

    Python's own shutdown frees every module and array one by one: after a sweep that is
    0.5-0.9 s of a 4 s run on the 2-core test machine (numba, matplotlib and the sweep's
    arrays; tests/test_cli_exit.py).  Everything finmodel writes is closed by then, so the
    command flushes its streams, runs the ``atexit`` handlers (libraries' clean-ups, under
    1 ms) and ends the process.  If any other non-daemon thread is still running, the
    normal shutdown (which waits for it) is used instead.
    """
    code = main()
    _leave(code if isinstance(code, int) else 0)


def _leave(code: int) -> None:
    import atexit
    import threading

    _flush_streams()
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if others:
        sys.exit(code)
    atexit._run_exitfuncs()
    _flush_streams()
    os._exit(code)


def _flush_streams() -> None:
    """Flush stdout and stderr; a stream whose reader has gone (`| head`) is pointed at the null device."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:  # nothing more to say to that reader
            os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
        except (OSError, ValueError):  # closed or detached: nothing left to flush
            pass


def _fail(message: object, code: int) -> int:
    print(f"finmodel: {str(message).translate(CONTROL_CHARS)}", file=sys.stderr)
    return code


if __name__ == "__main__":  # pragma: no cover
    entry()
