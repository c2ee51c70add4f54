"""``finmodel report``: the board paper, one HTML file and the same as PDF.

Registered by :func:`finmodel.cli.build_parser` through :func:`add_parser`.  Imports
stay light here (argparse only); the model, the sweep, matplotlib and Chromium are
loaded inside :func:`cmd_report`.
"""

from __future__ import annotations

import argparse

HTML_NAME = "board_paper.html"
PDF_NAME = "board_paper.pdf"
#: The sweep a report runs unless told otherwise (as `finmodel sweep`), and its size.
DEFAULT_SWEEP = "luton-sensitivity"
DEFAULT_N = 100_000


def add_parser(sub) -> None:
    """Add the ``report`` subcommand to the CLI's subparsers."""
    from finmodel.shipped import default_plan  # light: the model is imported only when the command runs

    p = sub.add_parser(
        "report", help="write the board paper: one self-contained HTML page and the same as PDF",
        description="Write a paper for the Health and Wellbeing Board: the headline first (the pool against the minimum, "
        "the assurance checks, the P4P sum, and the shortfall and who pays under the plan and each named scenario), the "
        "risk picture from a sweep (the shortfall's distribution against the contingency, each partner's P50 and P95 "
        "payment, a variance-based ranking of the inputs beside the tornado, break-even values), the money over time, "
        "and the provenance with every assumption behind a headline figure.  Writes board_paper.html (styles and charts "
        "inline, nothing fetched when it is opened) and board_paper.pdf (A4, printed from the same page by headless "
        "Chromium) under outputs/<plan>/report-<sweep>-n<N>-seed<S>/, whole or not at all.")
    p.add_argument("plan", nargs="?", default=str(default_plan()), help="plan file (TOML); default: as for run")
    p.add_argument("--scenarios", nargs="*", metavar="NAME", default=None,
                   help="named scenarios to set beside the plan (default: every shipped scenario that applies)")
    p.add_argument("--sweep", default=DEFAULT_SWEEP, metavar="SCENARIO",
                   help=f"scenario with a [sweep] table for the risk picture (default {DEFAULT_SWEEP})")
    p.add_argument("--no-sweep", action="store_true", help="leave the risk picture out (no sweep is run)")
    p.add_argument("-n", type=int, default=DEFAULT_N, help=f"outturns drawn by the sweep (default {DEFAULT_N:,})")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0): the same seed gives the same paper")
    p.add_argument("--out", help="folder to write the paper to (default outputs/<plan>/report-<sweep>-n<N>-seed<S>/)")
    p.add_argument("--no-pdf", action="store_true", help="write the HTML only (no Chromium needed)")
    p.add_argument("--force", action="store_true", help="replace the --out folder even if finmodel did not write it")
    p.set_defaults(func=cmd_report)


def _target(args: argparse.Namespace):
    from pathlib import Path

    from finmodel.output_paths import check_out_target, output_dir
    from finmodel.report import output  # read at call time: tests move the output root

    if args.out:
        out = Path(args.out)
        check_out_target(out)
        return out
    sweep = "no-sweep" if args.no_sweep else f"{Path(args.sweep).stem}-n{args.n}-seed{args.seed}"
    return output_dir(output.OUTPUTS_DIR, Path(args.plan).stem, f"report-{sweep}")


def cmd_report(args: argparse.Namespace, console) -> int:
    """Build the paper, write the HTML and print it to PDF in a temporary folder, then rename it into place."""
    from pathlib import Path

    from finmodel.atomic import check_replaceable, write_dir_atomically
    from finmodel.board_paper.html import render
    from finmodel.board_paper.paper import build
    from finmodel.board_paper.pdf import print_pdf, require_chromium
    from finmodel.cli import _fail
    from finmodel.errors import InputError
    from finmodel.report.terminal import esc
    from finmodel.sweep.inputs_map import SweepInputError
    from finmodel.sweep.limits import MAX_N
    from finmodel.sweep.spec import SweepSpecError

    if not args.no_sweep and not 1 <= args.n <= MAX_N:
        raise InputError(f"-n {args.n}: the sweep draws between 1 and {MAX_N:,} outturns")
    if args.seed < 0:
        raise InputError(f"--seed {args.seed}: the seed is a whole number, 0 or more")
    out = _target(args)
    check_replaceable(out, args.force)  # refuse before the work, not after
    chromium = None if args.no_pdf else require_chromium()
    try:
        paper = build(args.plan, args.scenarios, None if args.no_sweep else args.sweep, args.n, args.seed,
                      notify=lambda m: _fail(m, 0))  # a line on stderr, as `finmodel sweep` says it
    except (SweepSpecError, SweepInputError) as exc:
        raise InputError(f"--sweep {args.sweep}: {exc}") from None
    page = render(paper).encode("utf-8")

    def fill(tmp: Path) -> None:
        (tmp / HTML_NAME).write_bytes(page)
        if chromium is not None:
            print_pdf(tmp / HTML_NAME, tmp / PDF_NAME, chromium)

    written = write_dir_atomically(out, fill, force=args.force)
    h = paper.headline
    counts = h.rag_counts
    console.print(f"Board paper for {esc(h.hwb)}: {counts['Red']} Red, {counts['Amber']} Amber, {counts['Green']} Green checks"
                  + (f"; P(shortfall > contingency) {100 * paper.sweep.risk.prob_exceeds_contingency:.2f}% over "
                     f"{paper.sweep.risk.n:,} outturns" if paper.sweep is not None else ""))
    console.print(f"Written to {esc(written / HTML_NAME)}" + ("" if chromium is None else f" and {esc(written / PDF_NAME)}"))
    return 0
