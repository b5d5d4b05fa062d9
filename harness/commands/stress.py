"""`tokencache-compat stress`: many writer processes, one cache file (docs/concurrency.md).

Exit status: 0 when the required verdict holds (the file always parsed and every
writer finished), 1 when it does not or a writer cannot start, 2 on a usage
error. Lost updates and leftover temporary files are recommended checks; they
fail the command only under --enforce-recommended.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.options import IMPL_OPTIONS, add_to_argparse
from harness.stress.limits import DEFAULT_STORES, DEFAULT_TIME_LIMIT

HELP = "many writer processes on one cache file: lost updates, torn reads, kills"


def configure(parser: argparse.ArgumentParser) -> None:
    """The writer groups, what each writer does, the bounds, reports, implementations."""
    parser.add_argument("--writers", action="append", default=[], metavar="IMPL=N",
                        help="N writer processes of IMPL (reference, reference+lock, "
                        "go-sdk@v0.129.0, any NAME+lock, an --impl NAME); repeatable")
    parser.add_argument("--stores", type=int, default=DEFAULT_STORES, metavar="K",
                        help=f"stores per writer, each under a key of its own "
                        f"(default {DEFAULT_STORES})")
    parser.add_argument("--shared-key", action="store_true",
                        help="every step also overwrites one shared key (a refresh)")
    parser.add_argument("--kill-rate", type=float, default=0.0, metavar="R",
                        help="probability that a store is followed by a SIGKILL of its "
                        "writer at a random moment, often inside the store (default 0)")
    parser.add_argument("--seed", type=int, default=0, metavar="S",
                        help="seed of the kill moments and lookup choices (default 0)")
    parser.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT,
                        metavar="SECONDS",
                        help=f"the mix stops by itself after this (default {DEFAULT_TIME_LIMIT:g})")
    parser.add_argument("--enforce-recommended", action="store_true",
                        help="lost updates or leftover temporary files fail the command too")
    reports = parser.add_argument_group("reports")
    reports.add_argument("--json", type=Path, metavar="FILE", help="write the JSON report")
    reports.add_argument("--markdown", type=Path, metavar="FILE",
                         help="write the Markdown report")
    add_to_argparse(parser=parser, options=IMPL_OPTIONS)


def run(args: argparse.Namespace) -> int:
    """Run the mix the options describe and report it."""
    from harness.commands.common import project_paths, write_report
    from harness.exceptions import StressSetupError
    from harness.stress.engine import run_mix
    from harness.stress.plan import (
        StressOptions,
        merge_groups,
        parse_writers_arg,
        resolve_impls,
    )
    from harness.stress.render import (
        render_stress_json,
        render_stress_markdown,
        render_stress_terminal,
    )

    groups = merge_groups(groups=[parse_writers_arg(text=t) for t in args.writers])
    options = StressOptions(
        stores=args.stores,
        shared_key=args.shared_key,
        kill_rate=args.kill_rate,
        seed=args.seed,
        time_limit=args.time_limit,
        timeout=args.timeout,
    )
    resolution = resolve_impls(
        names=[g.impl for g in groups],
        repo_root=project_paths(args=args).root,
        extra=tuple(args.impl),
        use_go=not args.no_go,
        timeout=args.timeout,
        require_go=args.require_go,
    )
    if resolution.errors:
        for e in resolution.errors:
            print(f"ERROR {e}", file=sys.stderr)
        return 1
    try:
        mix = run_mix(impls=resolution.impls, groups=groups, options=options)
    except StressSetupError as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(render_stress_terminal(mixes=[mix]))
    write_report(path=args.json, text=render_stress_json(mixes=[mix]))
    write_report(path=args.markdown, text=render_stress_markdown(mixes=[mix]))
    if not mix.required_ok:
        return 1
    return 1 if args.enforce_recommended and not mix.recommended_ok else 0
