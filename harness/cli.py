"""`tokencache-compat` command line: one literal table of subcommands.

Each subcommand is a module in harness.commands with `configure(parser)` and
`run(args) -> int`; nothing registers itself by being imported.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from harness.commands import (
    compare,
    diff,
    golden,
    impls,
    interop,
    list_cases,
    mutate,
    report,
    run,
    stress,
)
from harness.exceptions import NothingToRun, ReportFormatError, UsageError
from harness.lifecycle import guarded
from harness.options import PATH_OPTIONS, add_to_argparse


@dataclass(frozen=True)
class Command:
    """A subcommand: its name, its help line, how to declare its options, how to run it."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _command(name: str, module: ModuleType) -> Command:
    return Command(name=name, help=module.HELP, configure=module.configure, run=module.run)


COMMANDS: tuple[Command, ...] = (
    _command("run", run),
    _command("list", list_cases),
    _command("golden", golden),
    _command("impls", impls),
    _command("diff", diff),
    _command("interop", interop),
    _command("report", report),
    _command("stress", stress),
    _command("compare", compare),
    _command("mutate", mutate),
)


def build_parser() -> argparse.ArgumentParser:
    """The full parser, one subparser per command in the table."""
    parser = argparse.ArgumentParser(
        prog="tokencache-compat",
        description="Conformance harness for the Databricks OAuth token cache file.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        p = sub.add_parser(command.name, help=command.help, description=command.help)
        add_to_argparse(parser=p, options=PATH_OPTIONS)
        command.configure(p)
        p.set_defaults(handler=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (0 only when nothing unexpected happened)."""
    parser = build_parser()
    args = parser.parse_args(argv)

    def call() -> int:
        try:
            code: int = args.handler(args)
        except UsageError as exc:
            parser.error(str(exc))
        except (NothingToRun, ReportFormatError) as exc:  # nothing to run, or to compare with
            print(f"{parser.prog}: error: {exc}", file=sys.stderr)
            return 1
        return code

    # Signals, a closed stdout and the cleanup after them: harness.lifecycle.
    return guarded(prog=parser.prog, call=call)
