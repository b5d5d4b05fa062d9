"""`tokencache-compat run`: every case on every implementation, judged and reported."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.commands.common import run_config, write_report
from harness.commands.compare import add_baseline_option, baseline_comparison, read_baseline
from harness.options import RUN_OPTIONS, add_to_argparse
from harness.report import FILE_REPORTS, ReportContext

HELP = "run every case on every implementation"


def configure(parser: argparse.ArgumentParser) -> None:
    """Case selection, judging, implementations, colour and one option per file report."""
    add_to_argparse(parser=parser, options=RUN_OPTIONS)
    add_baseline_option(parser=parser)
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    reports = parser.add_argument_group("reports")
    for report in FILE_REPORTS:
        reports.add_argument(f"--{report.name}", type=Path, metavar="FILE", help=report.help)


def run(args: argparse.Namespace) -> int:
    """Run, print the grid, write the asked-for reports; exit 0 only when clean.

    With `--baseline` only regressions against it fail the run: the failures the
    baseline already had are the team's known ones.
    """
    from harness.report.terminal import render_terminal
    from harness.session import execute_run

    baseline = read_baseline(args=args)  # first: a broken baseline must not cost a whole run
    result = execute_run(config=run_config(args=args))
    out = sys.stdout
    color = args.color == "always" or (args.color == "auto" and out.isatty())
    out.write(render_terminal(run=result, color=color))
    comparison = None
    if baseline is not None:
        from harness.report.comparison import render_comparison_terminal

        comparison = baseline_comparison(run=result, baseline=baseline)
        out.write("\n" + render_comparison_terminal(comparison=comparison, color=color))
    for report in FILE_REPORTS:
        path = getattr(args, report.name.replace("-", "_"), None)
        if path is not None:
            context = ReportContext(target=path, comparison=comparison)
            write_report(path=path, text=report.render(result, context))
    if result.incomplete is not None:
        from harness import interrupt

        interrupt.set_summary(
            text=f"{len(result.results)} result(s) kept, reports marked incomplete"
        )
    return result.exit_code if comparison is None else comparison.exit_code
