"""`tokencache-compat impls`: the implementations a run would use, with their hello."""

from __future__ import annotations

import argparse
import json
import sys

from harness.commands.common import project_paths
from harness.options import CHOOSE_OPTIONS, IMPL_OPTIONS, TESTEE_OPTIONS, add_to_argparse

HELP = "show the implementations a run would use"


def configure(parser: argparse.ArgumentParser) -> None:
    """`--json` and the implementation options."""
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    add_to_argparse(parser=parser, options=(*IMPL_OPTIONS, *TESTEE_OPTIONS, *CHOOSE_OPTIONS))


def run(args: argparse.Namespace) -> int:
    """Start each implementation once, print what it says about itself, stop it."""
    from harness.impls import select_impls
    from harness.pool import TesteePool

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
    pool = TesteePool(testees=selection.testees, unavailable=selection.unavailable,
                      require_go=args.require_go and not args.no_go)
    try:
        pool.start_all()
        every = pool.infos()
    finally:
        pool.close()
    if args.json:
        doc = [
            {"name": i.name, "kind": i.kind, "command": list(i.command), "hello": i.hello,
             "unavailable": i.unavailable, "source": i.source, "confinement": i.confinement}
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
            if i.confinement:
                print(f"  confined: {i.confinement}")
            if i.unavailable is not None:
                print(f"  unavailable: {i.unavailable}")
            elif i.hello is not None:
                h = i.hello
                built = f", toolchain {h['toolchain']}" if h.get("toolchain") else ""
                print(f"  hello:   {h.get('name')} {h.get('version')} ({h.get('runtime')}{built})")
                print(f"  ops:     {', '.join(h.get('ops', []))}")
                print(f"  via:     {', '.join(h.get('dual_store_via', []))}")
    errors = [*selection.errors, *pool.errors()]
    for e in errors:
        print(f"ERROR {e}", file=sys.stderr)
    return 1 if errors else 0
