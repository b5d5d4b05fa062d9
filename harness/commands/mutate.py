"""`tokencache-compat mutate`: how strong is the gate? Mutate a Go module, judge each mutant.

    tokencache-compat mutate --module DIR --testee DIR --target PATH[:FUNC,...] ...

See docs/strength.md for the operators, the method and the SDK's score.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.commands.common import positive_int
from harness.exceptions import MutationSetupError
from harness.mutate.mutants import OPERATORS, Target
from harness.paths import find_repo_root

HELP = "mutation testing: how many small changes to a Go module the suite notices"


def _target(text: str) -> Target:
    from harness.exceptions import UsageError

    try:
        return Target.parse(text=text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _resolved(path: Path | None) -> Path | None:
    # The checks run in the project root; paths given here are relative to the caller.
    return path.resolve() if path is not None else None


def configure(parser: argparse.ArgumentParser) -> None:
    """The options of `mutate`."""
    parser.add_argument("--module", type=Path, required=True, metavar="DIR",
                        help="root of the Go module to mutate (read only; copied to a temp dir)")
    parser.add_argument("--testee", type=Path, required=True, metavar="DIR",
                        help="your testee main package (its go.mod requires the module); "
                        "each mutant is built from it with a go.mod replace")
    parser.add_argument("--target", type=_target, action="append", default=[], required=True,
                        metavar="PATH[:FUNC,...]",
                        help="file or directory of the module to mutate, optionally only the "
                        "named functions (Type.Method or Method); repeatable")
    parser.add_argument("--name", default="mutant", help="column name of the mutant builds")
    parser.add_argument("--jobs", type=positive_int, default=2, metavar="N",
                        help="mutants built and judged side by side (default 2)")
    parser.add_argument("--list", action="store_true",
                        help="only list the mutants with their patches; build nothing")
    parser.add_argument("--only", action="append", default=[], metavar="ID",
                        help="only this mutant (m001, ...); repeatable")
    parser.add_argument("--operator", action="append", default=[], choices=OPERATORS,
                        help="only mutants of this operator; repeatable")
    suite = parser.add_argument_group("the checks")
    suite.add_argument("-k", dest="substring", metavar="SUBSTRING",
                       help="run only cases whose id contains SUBSTRING")
    suite.add_argument("--tag", action="append", default=[],
                       help="run only cases carrying this tag; repeatable")
    suite.add_argument("--enforce-recommended", action="store_true",
                       help="a recommended case that newly fails kills the mutant too")
    suite.add_argument("--diff-examples", type=int, default=0, metavar="N",
                       help="also run `diff reference MUTANT --examples N` on suite survivors "
                       "(default 0: no diff)")
    suite.add_argument("--out", type=Path, metavar="DIR",
                       help="keep the spec cases the diff writes for killed survivors here")
    limits = parser.add_argument_group("time bounds (seconds)")
    limits.add_argument("--timeout", type=float, default=5.0, metavar="S",
                        help="per-request timeout of the mutant testee (default 5)")
    limits.add_argument("--build-timeout", type=float, default=300.0, metavar="S",
                        help="per mutant build (default 300)")
    limits.add_argument("--suite-timeout", type=float, default=900.0, metavar="S",
                        help="per suite run; hitting it counts as detected (default 900)")
    limits.add_argument("--diff-timeout", type=float, default=900.0, metavar="S",
                        help="per diff run (default 900)")
    reports = parser.add_argument_group("reports")
    reports.add_argument("--json", type=Path, metavar="FILE", help="write every result as JSON")
    reports.add_argument("--fail-under", type=float, default=0.0, metavar="PERCENT",
                         help="exit 1 when the score is below PERCENT (default 0: never)")


def run(args: argparse.Namespace) -> int:
    """List or run the mutants; exit 1 on setup errors, error verdicts or a low score."""
    from harness.mutate.engine import MutateOptions, Status, enumerate_mutants, run_mutation
    from harness.mutate.judge import SuiteSelection
    from harness.mutate.report import (
        render_json,
        render_mutant_list,
        render_progress,
        render_text,
    )

    root = (args.root or find_repo_root()).resolve()
    options = MutateOptions(
        root=root,
        module=args.module.resolve(),
        testee=args.testee.resolve(),
        targets=tuple(args.target),
        name=args.name,
        jobs=args.jobs,
        selection=SuiteSelection(substring=args.substring, tags=tuple(args.tag),
                                 request_timeout=args.timeout,
                                 enforce_recommended=args.enforce_recommended,
                                 cases_dir=_resolved(args.cases),
                                 golden_dir=_resolved(args.golden_dir)),
        build_timeout=args.build_timeout,
        suite_timeout=args.suite_timeout,
        diff_examples=args.diff_examples,
        diff_timeout=args.diff_timeout,
        only=tuple(args.only),
        operators=tuple(args.operator),
        out_dir=_resolved(args.out),
    )
    try:
        if args.list:
            mutants = enumerate_mutants(options=options)
            patches = {m.id: m.patch(source=(options.module / m.file).read_bytes())
                       for m in mutants}
            sys.stdout.write(render_mutant_list(mutants=mutants, patches=patches))
            return 0
        result = run_mutation(
            options=options,
            progress=lambda r, done, total: print(
                render_progress(result=r, done=done, total=total), file=sys.stderr, flush=True),
        )
    except MutationSetupError as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(render_text(run=result))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(render_json(run=result, root=root), encoding="utf-8")
    errors = result.count(status=Status.ERROR)
    low = result.score is not None and result.score * 100 < args.fail_under
    return 1 if errors or low else 0
