"""`tokencache-compat compare`: what changed between two reports, or two implementations.

    compare OLD.json NEW.json                           the pull-request gate
    compare --from-impl A --to-impl B RUN.json          what changed between releases

Exit 1 on any regression (or a harness problem the old side did not have), else 0.
`run --baseline OLD.json` (and `report`) use `add_baseline_option`, `read_baseline` and
`baseline_comparison` here to gate a fresh run the same way.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from harness.compare.model import DEFAULT_TOPIC_DEPTH

if TYPE_CHECKING:
    from harness.compare.model import Comparison, StoredReport
    from harness.data import RunResult

HELP = "what changed: two JSON reports (exit 1 on a regression), or two impls of one run"


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of `compare`."""
    parser.add_argument("reports", nargs="+", type=Path, metavar="REPORT.json",
                        help="OLD.json NEW.json; or one RUN.json with --from-impl/--to-impl")
    parser.add_argument("--from-impl", metavar="NAME",
                        help="compare two implementations of one run: the older one")
    parser.add_argument("--to-impl", metavar="NAME", help="... and the newer one")
    parser.add_argument("--topic-depth", type=int, default=DEFAULT_TOPIC_DEPTH, metavar="N",
                        help="group cases by the first N segments of their id "
                        f"(default {DEFAULT_TOPIC_DEPTH})")
    parser.add_argument("--messages", action=argparse.BooleanOptionalAction, default=None,
                        help="count a changed message as a change (default: on for two "
                        "reports, off for two implementations, whose messages name them)")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    g = parser.add_argument_group("reports")
    g.add_argument("--markdown", type=Path, metavar="FILE", help="write the comparison as Markdown")
    g.add_argument("--json", type=Path, metavar="FILE", help="write the comparison as JSON")


def build_comparison(*, args: argparse.Namespace) -> Comparison:
    """The comparison the arguments ask for; UsageError or ReportFormatError if none can be."""
    from harness.compare.engine import compare_columns, compare_reports
    from harness.compare.load import load_report
    from harness.exceptions import UsageError

    columns = args.from_impl is not None or args.to_impl is not None
    if args.topic_depth < 1:
        raise UsageError(f"--topic-depth must be 1 or more, got {args.topic_depth}")
    if columns:
        if args.from_impl is None or args.to_impl is None:
            raise UsageError("--from-impl and --to-impl go together")
        if len(args.reports) != 1:
            raise UsageError("--from-impl/--to-impl compare two implementations of ONE report; "
                             f"got {len(args.reports)}")
        return compare_columns(
            report=load_report(path=args.reports[0]), from_impl=args.from_impl,
            to_impl=args.to_impl, topic_depth=args.topic_depth,
            compare_messages=bool(args.messages),
        )
    if len(args.reports) != 2:
        raise UsageError(f"compare takes OLD.json NEW.json, got {len(args.reports)} report(s)")
    old, new = (load_report(path=p) for p in args.reports)
    return compare_reports(old=old, new=new, topic_depth=args.topic_depth,
                           compare_messages=args.messages is not False)


def run(args: argparse.Namespace) -> int:
    """Compare, print, write the files asked for; 1 on a regression."""
    from harness.commands.common import write_report
    from harness.report.comparison import (
        render_comparison_json,
        render_comparison_markdown,
        render_comparison_terminal,
    )

    comparison = build_comparison(args=args)
    out = sys.stdout
    color = args.color == "always" or (args.color == "auto" and out.isatty())
    out.write(render_comparison_terminal(comparison=comparison, color=color))
    if args.markdown is not None:
        write_report(path=args.markdown, text=render_comparison_markdown(comparison=comparison))
    if args.json is not None:
        write_report(path=args.json, text=render_comparison_json(comparison=comparison))
    return comparison.exit_code


# -- run --baseline ----------------------------------------------------------------------------


def add_baseline_option(*, parser: argparse.ArgumentParser) -> None:
    """`--baseline OLD.json` for the commands that run cases (`run`, `report`)."""
    parser.add_argument("--baseline", type=Path, metavar="OLD.json",
                        help="gate only on regressions against this stored JSON report "
                        "(see `compare`)")


def read_baseline(*, args: argparse.Namespace) -> StoredReport | None:
    """The baseline asked for, read before anything runs; ReportFormatError names the file."""
    from harness.compare.load import load_report
    from harness.exceptions import ReportFormatError

    if args.baseline is None:
        return None
    try:
        return load_report(path=args.baseline)
    except ReportFormatError as exc:
        raise ReportFormatError(f"--baseline: {exc}") from exc


def baseline_comparison(*, run: RunResult, baseline: StoredReport) -> Comparison:
    """The fresh run against its baseline, cell by cell."""
    from harness.compare.engine import compare_reports
    from harness.compare.load import report_of_run

    return compare_reports(old=baseline, new=report_of_run(run=run))
