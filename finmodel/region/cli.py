"""`finmodel region REGION.toml`: the regional assurance summary and finance roll-up of many boards.

Exit status: 0 when the region was produced, **including an incomplete one** (a board whose
plan or record is invalid is reported by name with its error, and the output and
summary.json say ``INCOMPLETE``); 2 when the region file is invalid, when no board could be
read at all, or with ``--strict`` when any board is incomplete (nothing is written then);
4 the environment (an unwritable folder, an unreachable scheduler).  Exit 1 stays
reserved for ``check --strict``.

Module-level imports are light: the work is imported when the command runs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HELP = "assurance summary and finance roll-up of a region's boards (seed 004's tables)"
DESCRIPTION = """\
Read a region file (its boards, each with an assurance record and/or a plan), run each
board's plan under the named scenarios, and print and write: the overall risk table
(high risk Y/N with the reason, recommend sign-off Y/N), the national conditions table
and the overall assessment table (a RAG per question, one row per board, counts per
column, what they say in sentences); the finance roll-up per board and in total
(minimum and agreed pool, margin, Care Act against its share of £135m, P4P sum, and per
scenario the shortfall, contingency used, partners' payments and unfunded gap); with
--stress N a regional stress test over shared drivers.  Writes CSV (long format, the LA
code on every row), Parquet (with pyarrow), region.xlsx and summary.json under
outputs/regions/<region>/.  A board that cannot be read is reported by name and the
rest is produced, marked INCOMPLETE (exit 0; --strict makes it exit 2)."""

SHORT = {
    "jointly_agreed": "Jointly agreed", "social_care_protection": "Social care", "seven_day_working": "7-day",
    "data_sharing_nhs_number": "NHS number", "joint_assessment": "Joint assess.", "acute_sector_impact": "Providers",
    "deliverable": "Deliverable", "affordable": "Affordable", "mental_health": "Mental health",
    "risk_mitigation": "Risk plan", "public_engagement": "Public",
}
RAG_STYLE = {"R": "bold white on red", "A": "bold black on dark_orange", "G": "bold white on green4"}


def add_parser(sub) -> None:
    p = sub.add_parser("region", help=HELP, description=DESCRIPTION)
    p.add_argument("region", help="region file (TOML), e.g. inputs/regions/west-midlands.toml")
    p.add_argument("--out", help="folder for the results (default outputs/regions/<region>/)")
    p.add_argument("--force", action="store_true", help="replace the --out folder even if finmodel did not write it")
    p.add_argument("--json", action="store_true", help="print summary.json instead of the tables")
    p.add_argument("--strict", action="store_true", help="exit 2 (and write nothing) if any board cannot be read")
    p.add_argument("--stress", type=int, default=0, metavar="N",
                   help="also run the regional stress test with N scenarios per board (shared admissions driver)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the stress test (default 0)")
    p.add_argument("--backend", default="local", choices=["local", "dask"], help="stress test in-process (default) or on Dask")
    p.add_argument("--scheduler", help="Dask scheduler address for --backend dask; default: a local cluster")
    p.set_defaults(func=cmd_region)


def _rag_cell(value: str) -> str:
    from finmodel.report.terminal import esc

    style = RAG_STYLE.get(value)
    return f"[{style}] {value} [/]" if style else esc(value)


def _print(result, seed: dict, summary: dict, stress: dict | None, console) -> None:
    from rich.table import Table

    from finmodel.region import tables as T
    from finmodel.region.record import ASSESSMENT_QUESTIONS, CONDITION_QUESTIONS
    from finmodel.report.terminal import _k, esc

    reg = result.loaded.region
    flag = "[bold red]INCOMPLETE[/]" if result.incomplete else "complete"
    console.print(f"[bold]{esc(reg.name)}[/bold]: {len(result.boards)} boards ({flag})"
                  + ("  [bold yellow]SYNTHETIC boards[/]" if reg.synthetic else ""))
    risk = seed["overall_risk"]
    t = Table(title="Overall risk assessment", title_justify="left")
    for col in ("LA Code", "HWB name", "High risk", "Why (remedial actions)", "Sign-off"):
        t.add_column(col)
    for _, r in risk.iterrows():
        t.add_row(esc(r["LA Code"]), esc(r["HWB name"]), esc(r[T.OVERALL_COLUMNS[0]]),
                  esc(r[T.OVERALL_COLUMNS[1]]), esc(r[T.OVERALL_COLUMNS[2]]))
    console.print(t)
    for key, questions, title in (("national_conditions", CONDITION_QUESTIONS, T.TABLE_TITLES["national_conditions"]),
                                  ("overall_assessment", ASSESSMENT_QUESTIONS, T.TABLE_TITLES["overall_assessment"])):
        df = seed[key]
        t = Table(title=title, title_justify="left")
        lead = [c for c in ("LA Code", "HWB name") if c in df.columns]
        for c in lead:
            t.add_column(c)
        for k in questions:
            t.add_column(SHORT[k], justify="center")
        for _, r in df.iterrows():
            t.add_row(*[esc(r[c]) for c in lead], *[_rag_cell(r[q]) for q in questions.values()])
        for rag in ("R", "A", "G"):
            t.add_row(*([""] * (len(lead) - 1)), f"count {rag}", *[str(int((df[q] == rag).sum())) for q in questions.values()])
        console.print(t)
    for line in summary["findings"]:
        console.print(f"  {esc(line)}")
    wide = T.finance_wide(result)
    pool_cols = [c for c in wide.columns[2:8] if wide[c].notna().any()]
    if pool_cols:
        t = Table(title="Finance roll-up: the pool and the Care Act (£000; '-' = not given)", title_justify="left")
        t.add_column("HWB name")
        for c in pool_cols:
            t.add_column(esc(c), justify="right")
        for _, r in wide.iterrows():
            t.add_row(esc(r["HWB name"]), *[_k(r[c]) for c in pool_cols])
        console.print(t)
    _print_scenario_totals(result, console)
    for line in summary["missing_finance"]:
        console.print(f"  [yellow]{esc(line)}[/]")
    if stress:
        from finmodel.region.stress import print_stress

        print_stress(stress, console)
    for b in result.boards:
        for note in (b.record.notes if b.record else []):
            console.print(f"  note: {esc(b.name)}: {esc(note)}")
        for why in b.not_applicable:
            console.print(f"  {esc(b.name)}: scenario left out, {esc(why)}")
        for err in b.errors:
            console.print(f"  [bold red]INCOMPLETE[/] {esc(b.name)} ({esc(b.la_code)}): {esc(err)}")


def _print_scenario_totals(result, console) -> None:
    """Per scenario: the region's shortfall, contingency used, partners' payments and unfunded gap, and over how many boards."""
    from rich.table import Table

    from finmodel.region.rollup import FIGURE_LABELS, PLAN_FIGURES, totals
    from finmodel.report.terminal import _k, esc

    figures = [f for f, per_scenario in PLAN_FIGURES if per_scenario]
    by = {(t.scenario, t.figure): t for t in totals(result) if t.scenario}
    if not by:
        return
    t = Table(title="Finance roll-up per scenario: region totals over the modelled years (£000)", title_justify="left")
    t.add_column("scenario")
    for f in figures:
        t.add_column(FIGURE_LABELS[f], justify="right")
    t.add_column("boards", justify="right")
    for s in result.scenarios:
        cells = [by.get((s, f)) for f in figures]
        if not any(cells):
            continue
        t.add_row(esc(s), *[_k(c.value_gbp) if c else "-" for c in cells],
                  f"{max(c.boards_with for c in cells if c)} of {len(result.boards)}")
    console.print(t)


def cmd_region(args: argparse.Namespace, console) -> int:
    from finmodel.errors import InputError
    from finmodel.output_paths import check_out_target, output_dir
    from finmodel.region.files import write_region
    from finmodel.region.region_file import load_region
    from finmodel.region.rollup import run_region
    from finmodel.report import output as report_output
    from finmodel.report.terminal import esc

    loaded = load_region(args.region)
    if args.out:
        out = Path(args.out)
        check_out_target(out)
    else:  # read at call time: the tests move the output root
        out = output_dir(report_output.OUTPUTS_DIR, "regions", Path(args.region).stem)
    from finmodel.atomic import check_replaceable

    check_replaceable(out, args.force)  # refuse before the work, not after
    import sys

    many = len(loaded.region.boards) >= 20 and not args.json

    def progress(i: int, n: int, name: str) -> None:  # on stderr: stdout stays the tables (or the JSON)
        if many and (i % 10 == 0 or i == n):
            print(f"finmodel region: {i}/{n} boards run (last: {name})", file=sys.stderr, flush=True)

    result = run_region(loaded, progress=progress)
    if all(not b.ok and not b.answers and not b.finance for b in result.boards):
        raise InputError(f"{args.region}: no board could be read; nothing written. "
                         + " ".join(f"{b.name}: {' '.join(b.errors)}" for b in result.boards))
    if args.strict and result.incomplete:
        raise InputError(f"{args.region}: --strict and {sum(not b.ok for b in result.boards)} board(s) incomplete; nothing written. "
                         + " ".join(f"{b.name}: {' '.join(b.errors)}" for b in result.boards if not b.ok))
    stress, frame = None, None
    if args.stress:
        from finmodel.region.stress import run_stress

        def block_progress(b: int, nb: int) -> None:
            if not args.json:
                print(f"finmodel region: stress block {b}/{nb} done", file=sys.stderr, flush=True)

        stress, frame = run_stress(result, n=args.stress, seed=args.seed, backend=args.backend, scheduler=args.scheduler,
                                   progress=block_progress)
    written, summary = write_region(result, out, force=args.force, stress_frame=frame, stress=stress)
    if args.json:
        print(json.dumps(summary, indent=2, allow_nan=False))
        return 0
    from finmodel.region import tables as T

    _print(result, T.seed_tables(result), summary, stress, console)
    console.print(f"Region results written to {esc(written)}" + (" (INCOMPLETE)" if result.incomplete else ""))
    return 0
