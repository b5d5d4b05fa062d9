"""`tokencache-compat run`: every case on every implementation, judged and reported."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.commands.common import run_config, write_report
from harness.options import RUN_OPTIONS, add_to_argparse
from harness.report import FILE_REPORTS

HELP = "run every case on every implementation"


def configure(parser: argparse.ArgumentParser) -> None:
    """Case selection, judging, implementations, colour and one option per file report."""
    add_to_argparse(parser=parser, options=RUN_OPTIONS)
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    reports = parser.add_argument_group("reports")
    for report in FILE_REPORTS:
        reports.add_argument(f"--{report.name}", type=Path, metavar="FILE", help=report.help)


def run(args: argparse.Namespace) -> int:
    """Run, print the grid, write the asked-for reports; exit 0 only when clean."""
    from harness.report.terminal import render_terminal
    from harness.session import execute_run

    result = execute_run(config=run_config(args=args))
    out = sys.stdout
    color = args.color == "always" or (args.color == "auto" and out.isatty())
    out.write(render_terminal(run=result, color=color))
    for report in FILE_REPORTS:
        path = getattr(args, report.name.replace("-", "_"), None)
        if path is not None:
            write_report(path=path, text=report.render(result))
    return result.exit_code
