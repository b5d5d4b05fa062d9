"""`tokencache-compat golden`: regenerate (`--update`) or check (`--check`) golden bytes."""

from __future__ import annotations

import argparse

from harness.commands.common import project_paths

HELP = "regenerate or check golden bytes"


def configure(parser: argparse.ArgumentParser) -> None:
    """Exactly one of `--update` and `--check`."""
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--update", action="store_true",
                      help="rewrite golden files from the reference implementation")
    mode.add_argument("--check", action="store_true",
                      help="report mismatches, writing <file>.obtained sidecars")


def run(args: argparse.Namespace) -> int:
    """Compare every golden file with the reference's bytes (rewriting with --update);
    ``<id>@<toolchain>.json`` variants with each other modelled toolchain's bytes."""
    from harness.golden import sync_golden
    from harness.runner import RunOptions
    from harness.spec import load_cases
    from harness.testee import InProcessTestee
    from harness.toolchains import reference_variants

    paths = project_paths(args=args)
    loaded = load_cases(cases_dir=paths.cases_dir)
    report = sync_golden(
        cases=loaded.cases,
        testee=InProcessTestee(),
        options=RunOptions(golden_dir=paths.golden_dir),
        update=args.update,
        load_errors=loaded.errors,
        variants=reference_variants(),
    )
    print(report.render())
    return 0 if report.ok else 1
