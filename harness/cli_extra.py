"""Subcommands `diff`, `interop` and `report`, and the `run --html FILE` report.

Importing this module registers them with harness.cli, which imports it while
building its parser.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.cli import (
    Command,
    add_impl_options,
    add_run_options,
    project_paths,
    register_command,
    run_config,
)
from harness.data import RunResult
from harness.exceptions import UsageError
from harness.impls import ImplSelection, select_impls
from harness.report import html as html_report
from harness.report import register_file_report
from harness.strategies import CI_PROFILE, LONG_PROFILE
from harness.testee import Testee


def _select(args: argparse.Namespace, *, only: tuple[str, ...] = (),
            skip: tuple[str, ...] = ()) -> ImplSelection:
    return select_impls(
        repo_root=project_paths(args=args).root,
        extra=tuple(args.impl),
        use_go=not args.no_go,
        only=only,
        skip=skip,
        timeout=args.timeout,
        require_go=args.require_go,
    )


def _close_all(testees: tuple[Testee, ...], keep: set[str]) -> None:
    for t in testees:
        if t.name not in keep:
            t.close()


# -- diff ------------------------------------------------------------------------------------


def _configure_diff(parser: argparse.ArgumentParser) -> None:
    from harness.differential import ALLOW_CLASSES, DEFAULT_OUT

    parser.add_argument("a", help="first implementation (e.g. reference)")
    parser.add_argument("b", help="second implementation (e.g. go-sdk@v0.129.0)")
    parser.add_argument("--examples", type=int, metavar="N",
                        help="number of examples (default: the profile's)")
    parser.add_argument("--seed", type=int, metavar="S",
                        help="random seed (turns derandomization off)")
    parser.add_argument("--profile", choices=(CI_PROFILE, LONG_PROFILE), default=CI_PROFILE,
                        help="hypothesis settings (default ci: derandomized)")
    parser.add_argument("--steps", type=int, metavar="N",
                        help="maximum steps per example (default: the profile's)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                        help=f"where counterexample spec cases go (default {DEFAULT_OUT})")
    parser.add_argument("--allow", action="append", default=[], choices=sorted(ALLOW_CLASSES),
                        help="a documented divergence class to tolerate; repeatable")
    parser.add_argument("--no-auto-allow", action="store_true",
                        help="do not derive allowed classes from the two hellos")
    parser.add_argument("--jobs", type=_job_count, default=1, metavar="N",
                        help="split the examples across N worker processes, each with its "
                        "own seed and testees (default 1: one process; 0: one per CPU)")
    add_impl_options(parser=parser, choose=False)


def _job_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 (one per CPU) or more, got {text!r}")
    return value


def _diff(args: argparse.Namespace) -> int:
    from harness.diff_parallel import ParallelDiffResult, run_diff_parallel
    from harness.differential import DiffOptions, DiffResult, DiffSetupError, run_diff

    if args.a == args.b:
        raise UsageError("diff needs two different implementations")
    selection = _select(args, only=(args.a, args.b))
    by_name = {t.name: t for t in selection.testees}
    missing = [n for n in (args.a, args.b) if n not in by_name]
    if missing:
        _close_all(selection.testees, set())
        reasons = {u.name: u.unavailable for u in selection.unavailable}
        for n in missing:
            print(f"ERROR {n}: {reasons.get(n) or 'no such implementation'}", file=sys.stderr)
        return 1
    _close_all(selection.testees, {args.a, args.b})
    options = DiffOptions(
        examples=args.examples,
        seed=args.seed,
        profile=args.profile,
        out_dir=args.out,
        allow=frozenset(args.allow),
        auto_allow=not args.no_auto_allow,
        steps=args.steps,
    )
    a, b = by_name[args.a], by_name[args.b]
    try:
        result: DiffResult | ParallelDiffResult = (
            run_diff(a=a, b=b, options=options) if args.jobs == 1
            else run_diff_parallel(a=a, b=b, options=options, jobs=args.jobs)
        )
    except DiffSetupError as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(result.render())
    return 0 if result.ok else 1


# -- interop -----------------------------------------------------------------------------


def _configure_interop(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--strict", action="store_true",
                        help="an altered or lost token fails the command too")
    g = parser.add_argument_group("reports")
    g.add_argument("--json", type=Path, metavar="FILE", help="write the grid as JSON")
    g.add_argument("--markdown", type=Path, metavar="FILE", help="write the grid as Markdown")
    g.add_argument("--html", type=Path, metavar="FILE", help="write the grid as HTML")
    add_impl_options(parser=parser)


def _write(path: Path | None, text: str) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _interop(args: argparse.Namespace) -> int:
    from harness.interop import (
        ALTERED,
        OK,
        render_interop_json,
        render_interop_markdown,
        render_interop_terminal,
        run_interop,
    )

    selection = _select(args, only=tuple(args.only_impl), skip=tuple(args.skip_impl))
    result = run_interop(
        testees=selection.testees,
        unavailable={u.name: u.unavailable or "" for u in selection.unavailable},
    )
    sys.stdout.write(render_interop_terminal(result))
    _write(args.json, render_interop_json(result))
    _write(args.markdown, render_interop_markdown(result))
    _write(args.html, html_report.render_html(interop=result, title="tokencache-compat interop"))
    for e in selection.errors:
        print(f"ERROR {e}", file=sys.stderr)
    tolerated = {OK} if args.strict else {OK, ALTERED}
    bad = any(c.status not in tolerated for c in result.cells)
    return 1 if bad or selection.errors else 0


# -- run --html: both grids in one page --------------------------------------------------------


def _run_html(run: RunResult) -> str:
    """After the cases: the interop matrix over the same implementations, then the page."""
    from harness.interop import interop_for_run

    return html_report.render_run_html(run=run, interop=interop_for_run(run=run))


# -- report: an alias of `run --html`, plus both Markdown reports in one file ----------------


def _configure_report(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--html", type=Path, required=True, metavar="FILE",
                        help="write the same page as `run --html FILE`")
    parser.add_argument("--markdown", type=Path, metavar="FILE",
                        help="also write the case and interop Markdown reports, concatenated")
    # The same selection and judging options as `run`, so the alias cannot drift.
    add_run_options(parser=parser)


def _report(args: argparse.Namespace) -> int:
    from harness.interop import interop_for_run, render_interop_markdown
    from harness.report.markdown import render_markdown
    from harness.session import execute_run

    run = execute_run(config=run_config(args=args))
    interop = interop_for_run(run=run, timeout=args.timeout)
    _write(args.html, html_report.render_run_html(run=run, interop=interop))
    if args.markdown is not None:
        _write(args.markdown, render_markdown(run=run) + "\n" + render_interop_markdown(interop))
    print(f"wrote {args.html}")
    return run.exit_code


DIFF_COMMAND = Command(
    "diff", "differential property test of two implementations", _configure_diff, _diff
)
INTEROP_COMMAND = Command(
    "interop", "writer x reader matrix over every pair of implementations",
    _configure_interop, _interop,
)
REPORT_COMMAND = Command(
    "report", "alias of `run --html FILE` (cases, then interop; one page)",
    _configure_report, _report,
)
COMMANDS = (DIFF_COMMAND, INTEROP_COMMAND, REPORT_COMMAND)


def register() -> None:
    """Register the subcommands and `run --html`."""
    for command in COMMANDS:
        register_command(command=command)
    register_file_report(
        name="html",
        help="write a self-contained HTML report: the case grid and the writer x reader "
        "grid of the same implementations (runs the interop matrix after the cases)",
        render=_run_html,
    )


register()
