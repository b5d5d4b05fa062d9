"""`tokencache-compat report`: an alias of `run --html FILE`, plus both Markdown reports."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.commands.compare import add_baseline_option
from harness.options import RUN_OPTIONS, add_to_argparse

HELP = "alias of `run --html FILE` (cases, then interop; one page)"


def configure(parser: argparse.ArgumentParser) -> None:
    """`--html`, `--markdown` and the same selection and judging options as `run`."""
    parser.add_argument("--html", type=Path, required=True, metavar="FILE",
                        help="write the same page as `run --html FILE`")
    parser.add_argument("--markdown", type=Path, metavar="FILE",
                        help="also write the case and interop Markdown reports, concatenated")
    # The same option table as `run`, so the alias cannot drift.
    add_to_argparse(parser=parser, options=RUN_OPTIONS)
    add_baseline_option(parser=parser)


def run(args: argparse.Namespace) -> int:
    """Run the cases, then the interop grid of the same implementations; write the page."""
    from harness import interrupt
    from harness.commands.common import run_config, write_report
    from harness.commands.compare import baseline_comparison, read_baseline
    from harness.interop import interop_for_run
    from harness.progress import Progress
    from harness.report.html import render_run_html
    from harness.report.interop import render_interop_markdown
    from harness.report.markdown import render_markdown
    from harness.session import execute_run

    baseline = read_baseline(args=args)
    result = execute_run(config=run_config(args=args))
    comparison = (None if baseline is None
                  else baseline_comparison(run=result, baseline=baseline))
    interop = (
        interop_for_run(run=result, timeout=args.timeout, max_timeouts=args.max_timeouts,
                        progress=Progress(label="interop", unit="pairs"))
        if result.incomplete is None else None  # interrupted: what finished, nothing more
    )
    write_report(path=args.html, text=render_run_html(run=result, interop=interop,
                                                      comparison=comparison, target=args.html))
    if args.markdown is not None:
        grid = "" if interop is None else "\n" + render_interop_markdown(result=interop)
        write_report(path=args.markdown, text=render_markdown(run=result) + grid)
    if result.incomplete is not None or (interop is not None and interop.incomplete):
        interrupt.set_summary(text="reports written for what finished, marked incomplete")
    print(f"wrote {args.html}")
    return result.exit_code if comparison is None else comparison.exit_code
