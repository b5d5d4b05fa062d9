"""`tokencache-compat interop`: every implementation writes a cache every other one reads."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.options import CHOOSE_OPTIONS, IMPL_OPTIONS, TESTEE_OPTIONS, add_to_argparse

HELP = "writer x reader matrix over every pair of implementations"


def configure(parser: argparse.ArgumentParser) -> None:
    """`--allow-altered`, the grid's report files and the implementation options."""
    parser.add_argument("--allow-altered", action="store_true",
                        help="exit 0 although tokens were altered or lost between "
                        "implementations (an unreadable file or an error still fails)")
    parser.add_argument("--strict", action="store_true",
                        help="the default since --allow-altered exists; kept for old scripts")
    g = parser.add_argument_group("reports")
    g.add_argument("--json", type=Path, metavar="FILE", help="write the grid as JSON")
    g.add_argument("--markdown", type=Path, metavar="FILE", help="write the grid as Markdown")
    g.add_argument("--html", type=Path, metavar="FILE", help="write the grid as HTML")
    add_to_argparse(parser=parser, options=(*IMPL_OPTIONS, *TESTEE_OPTIONS, *CHOOSE_OPTIONS))


def run(args: argparse.Namespace) -> int:
    """Run every pair, print the grid, write the asked-for files."""
    from harness import interrupt
    from harness.commands.common import project_paths, write_report
    from harness.impls import select_impls
    from harness.interop import ALTERED, OK, run_interop
    from harness.progress import Progress
    from harness.report.html import render_html
    from harness.report.interop import (
        render_interop_json,
        render_interop_markdown,
        render_interop_terminal,
    )

    selection = select_impls(
        repo_root=project_paths(args=args).root,
        extra=tuple(args.impl),
        use_go=not args.no_go,
        only=tuple(args.only_impl),
        skip=tuple(args.skip_impl),
        timeout=args.timeout,
        require_go=args.require_go,
        confine_mode=args.confine,
    )
    result = run_interop(
        testees=selection.testees,
        unavailable={u.name: u.unavailable or "" for u in selection.unavailable},
        progress=Progress(label="interop", unit="pairs"),
        max_timeouts=args.max_timeouts,
    )
    sys.stdout.write(render_interop_terminal(result=result))
    write_report(path=args.json, text=render_interop_json(result=result))
    write_report(path=args.markdown, text=render_interop_markdown(result=result))
    page = render_html(interop=result, title="tokencache-compat interop")
    write_report(path=args.html, text=page)
    if result.incomplete is not None:
        interrupt.set_summary(text=f"{len(result.cells)} pair(s) kept, reports marked incomplete")
    for e in selection.errors:
        print(f"ERROR {e}", file=sys.stderr)
    # Any difference fails, as in every other command, unless altered tokens are allowed.
    tolerated = {OK, ALTERED} if args.allow_altered else {OK}
    bad = any(c.status not in tolerated for c in result.cells)
    return 1 if bad or selection.errors or result.incomplete else 0
