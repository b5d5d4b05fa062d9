"""`tokencache-compat list`: case ids, levels, tags and descriptions."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from harness.commands.common import project_paths
from harness.options import SELECT_OPTIONS, add_to_argparse

HELP = "list the spec cases"


def configure(parser: argparse.ArgumentParser) -> None:
    """`--json` and the case selection options."""
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    add_to_argparse(parser=parser, options=SELECT_OPTIONS)


def run(args: argparse.Namespace) -> int:
    """Print the selected cases; a selection matching nothing is an error, as for `run`."""
    from harness.spec import load_cases, require_selection, select_cases

    loaded = load_cases(cases_dir=project_paths(args=args).cases_dir)
    tags = tuple(args.tag)
    cases = select_cases(cases=loaded.cases, substring=args.substring, tags=tags)
    require_selection(loaded=loaded, selected=cases, substring=args.substring, tags=tags)
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
            print(f"{c.id.ljust(width)}  {c.level:11}  [{','.join(c.tags)}]  {c.description}")
        print(f"{len(cases)} case(s)")
    for e in loaded.errors:
        print(f"ERROR {e}", file=sys.stderr)
    return 1 if loaded.errors else 0
