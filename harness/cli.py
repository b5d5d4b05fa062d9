"""`tokencache-compat` command line: a registry of subcommands over the core objects."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from harness.exceptions import NOTHING_TO_RUN, UsageError
from harness.golden import sync_golden
from harness.impls import require_go_default, select_impls
from harness.paths import ProjectPaths, find_repo_root
from harness.report import FILE_REPORTS
from harness.report.terminal import render_terminal
from harness.runner import RunOptions, start_testees
from harness.session import RunConfig, execute_run
from harness.spec import load_cases, require_selection, select_cases
from harness.testee import DEFAULT_TIMEOUT, InProcessTestee


@dataclass(frozen=True)
class Command:
    """A subcommand: how to declare its options and how to run it."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


COMMANDS: dict[str, Command] = {}
# Modules that add subcommands when imported (`diff`, `interop`, `report`, `run --html`),
# or by exposing COMMAND.
OPTIONAL_COMMAND_MODULES = ("harness.cli_extra",)


def register_command(*, command: Command) -> None:
    """Add (or replace) a subcommand."""
    COMMANDS[command.name] = command


def _load_optional_commands() -> None:
    for module_name in OPTIONAL_COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        command = getattr(module, "COMMAND", None)
        if isinstance(command, Command):
            register_command(command=command)


def project_paths(*, args: argparse.Namespace) -> ProjectPaths:
    """Paths from the shared options (`--root` first, then autodetection)."""
    root = args.root or find_repo_root()
    return ProjectPaths.at(
        root=root, cases_dir=args.cases, golden_dir=args.golden_dir, xfail_dir=args.xfail_dir
    )


def _common(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("project paths")
    g.add_argument("--root", type=Path, help="repository root (default: autodetect)")
    g.add_argument("--cases", type=Path, help="case directory (default: ROOT/golden/cases)")
    g.add_argument("--golden-dir", type=Path, help="golden bytes (default: ROOT/golden/files)")
    g.add_argument("--xfail-dir", type=Path, help="xfail lists (default: ROOT/adapters/xfail)")


def add_impl_options(*, parser: argparse.ArgumentParser, choose: bool = True) -> None:
    """The implementation options every command shares; `choose` adds --only-impl and
    --skip-impl (commands that name their implementations otherwise leave them out)."""
    g = parser.add_argument_group("implementations")
    g.add_argument("--impl", action="append", default=[], metavar="NAME=CMD",
                   help="add a testee command (shlex-split); repeatable")
    g.add_argument("--no-go", "--skip-go", dest="no_go", action="store_true",
                   help="do not build or run the Go testees")
    if choose:
        g.add_argument("--only-impl", action="append", default=[], metavar="NAME",
                       help="run only these implementations; repeatable")
        g.add_argument("--skip-impl", action="append", default=[], metavar="NAME",
                       help="leave out these implementations; repeatable")
    g.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"per-request timeout for subprocess testees (default {DEFAULT_TIMEOUT:g})")
    g.add_argument("--require-go", action=argparse.BooleanOptionalAction,
                   default=require_go_default(),
                   help="an unavailable Go testee fails the run (default from "
                   "TOKENCACHE_COMPAT_REQUIRE_GO)")


def add_run_options(*, parser: argparse.ArgumentParser) -> None:
    """Case selection, judging and implementation options of a case run (`run`, `report`)."""
    parser.add_argument("-k", dest="substring", metavar="SUBSTRING",
                        help="only cases whose id contains SUBSTRING")
    parser.add_argument("--tag", action="append", default=[],
                        help="only cases carrying this tag; repeatable (all must match)")
    parser.add_argument("--xfail", action="append", default=[], metavar="NAME=FILE",
                        help="extra expected-failure list for an implementation; repeatable")
    parser.add_argument("--no-strict-messages", action="store_true",
                        help="do not compare error messages")
    parser.add_argument("--enforce-recommended", action="store_true",
                        help="a failing recommended case fails the run")
    add_impl_options(parser=parser)


def run_config(*, args: argparse.Namespace) -> RunConfig:
    """The run configuration the options of `add_run_options` describe."""
    return RunConfig(
        paths=project_paths(args=args),
        substring=args.substring,
        tags=tuple(args.tag),
        extra_impls=tuple(args.impl),
        xfail_files=tuple(args.xfail),
        strict_messages=not args.no_strict_messages,
        enforce_recommended=args.enforce_recommended,
        use_go=not args.no_go,
        only_impls=tuple(args.only_impl),
        skip_impls=tuple(args.skip_impl),
        timeout=args.timeout,
        require_go=args.require_go,
    )


def _configure_run(parser: argparse.ArgumentParser) -> None:
    add_run_options(parser=parser)
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    reports = parser.add_argument_group("reports")
    for report in FILE_REPORTS.values():
        reports.add_argument(f"--{report.name}", type=Path, metavar="FILE", help=report.help)


def _run(args: argparse.Namespace) -> int:
    run = execute_run(config=run_config(args=args))
    out: TextIO = sys.stdout
    color = args.color == "always" or (args.color == "auto" and out.isatty())
    out.write(render_terminal(run=run, color=color))
    for report in FILE_REPORTS.values():
        target = getattr(args, report.name.replace("-", "_"), None)
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(report.render(run), encoding="utf-8")
    return run.exit_code


def _configure_list(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("-k", dest="substring", metavar="SUBSTRING")
    parser.add_argument("--tag", action="append", default=[])


def _list(args: argparse.Namespace) -> int:
    loaded = load_cases(cases_dir=project_paths(args=args).cases_dir)
    cases = select_cases(cases=loaded.cases, substring=args.substring, tags=tuple(args.tag))
    # Like `run`: a selection matching nothing is an error (exit 1), not an empty list.
    require_selection(loaded=loaded, selected=cases, substring=args.substring,
                      tags=tuple(args.tag))
    if args.json:
        doc: Any = [
            {"id": c.id, "level": c.level, "tags": list(c.tags), "description": c.description,
             "file": c.file}
            for c in cases
        ]
        print(json.dumps({"cases": doc, "errors": [str(e) for e in loaded.errors]}, indent=2))
    else:
        width = max((len(c.id) for c in cases), default=0)
        for c in cases:
            tags = ",".join(c.tags)
            print(f"{c.id.ljust(width)}  {c.level:11}  [{tags}]  {c.description}")
        print(f"{len(cases)} case(s)")
    for e in loaded.errors:
        print(f"ERROR {e}", file=sys.stderr)
    return 1 if loaded.errors else 0


def _configure_golden(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--update", action="store_true",
                      help="rewrite golden files from the reference implementation")
    mode.add_argument("--check", action="store_true",
                      help="report mismatches, writing <file>.obtained sidecars")


def _golden(args: argparse.Namespace) -> int:
    paths = project_paths(args=args)
    loaded = load_cases(cases_dir=paths.cases_dir)
    report = sync_golden(
        cases=loaded.cases,
        testee=InProcessTestee(),
        options=RunOptions(golden_dir=paths.golden_dir),
        update=args.update,
        load_errors=loaded.errors,
    )
    print(report.render())
    return 0 if report.ok else 1


def _configure_impls(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    add_impl_options(parser=parser)


def _impls(args: argparse.Namespace) -> int:
    selection = select_impls(
        repo_root=project_paths(args=args).root,
        extra=tuple(args.impl),
        use_go=not args.no_go,
        only=tuple(args.only_impl),
        skip=tuple(args.skip_impl),
        timeout=args.timeout,
        require_go=args.require_go,
    )
    started, failed, errors = start_testees(testees=selection.testees)
    infos = [t.info() for t in started]
    for t in started:
        t.close()
    every = [*infos, *failed, *selection.unavailable]
    if args.json:
        doc = [
            {"name": i.name, "kind": i.kind, "command": list(i.command), "hello": i.hello,
             "unavailable": i.unavailable, "source": i.source}
            for i in every
        ]
        print(json.dumps(doc, indent=2, sort_keys=True))
    else:
        for i in every:
            print(i.name)
            print(f"  kind:    {i.kind}")
            if i.command:
                print(f"  command: {' '.join(i.command)}")
            if i.source:
                print(f"  source:  {i.source}")
            if i.unavailable is not None:
                print(f"  unavailable: {i.unavailable}")
            elif i.hello is not None:
                h = i.hello
                print(f"  hello:   {h.get('name')} {h.get('version')} ({h.get('runtime')})")
                print(f"  ops:     {', '.join(h.get('ops', []))}")
                print(f"  via:     {', '.join(h.get('dual_store_via', []))}")
    for e in [*selection.errors, *errors]:
        print(f"ERROR {e}", file=sys.stderr)
    return 1 if selection.errors or errors else 0


for _cmd in (
    Command("run", "run every case on every implementation", _configure_run, _run),
    Command("list", "list the spec cases", _configure_list, _list),
    Command("golden", "regenerate or check golden bytes", _configure_golden, _golden),
    Command("impls", "show the implementations a run would use", _configure_impls, _impls),
):
    register_command(command=_cmd)


def build_parser() -> argparse.ArgumentParser:
    """The full parser, one subparser per registered command."""
    _load_optional_commands()
    parser = argparse.ArgumentParser(
        prog="tokencache-compat",
        description="Conformance harness for the Databricks OAuth token cache file.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS.values():
        p = sub.add_parser(command.name, help=command.help, description=command.help)
        _common(p)
        command.configure(p)
        p.set_defaults(handler=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (0 only when nothing unexpected happened)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except UsageError as exc:
        parser.error(str(exc))
    except NOTHING_TO_RUN as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 1
    return code
