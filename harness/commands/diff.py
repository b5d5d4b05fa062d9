"""`tokencache-compat diff A B`: differential property test of two implementations."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.commands.common import positive_int
from harness.differential.options import ALLOW_CLASSES, DEFAULT_MAX_DIVERGENCES, DEFAULT_OUT
from harness.options import IMPL_OPTIONS, TESTEE_OPTIONS, add_to_argparse
from harness.profiles import CI_PROFILE, PROFILES

HELP = "differential property test of two implementations"


def configure(parser: argparse.ArgumentParser) -> None:
    """The two implementations, the search's size and seed, and what to tolerate."""
    parser.add_argument("a", help="first implementation (e.g. reference)")
    parser.add_argument("b", help="second implementation (e.g. go-sdk@v0.129.0)")
    parser.add_argument("--examples", type=int, metavar="N",
                        help="number of examples (default: the profile's)")
    parser.add_argument("--seed", type=int, metavar="S",
                        help="random seed (turns derandomization off)")
    parser.add_argument("--profile", choices=PROFILES, default=CI_PROFILE,
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
    parser.add_argument("--max-divergences", type=positive_int, default=DEFAULT_MAX_DIVERGENCES,
                        metavar="N", help="stop after N distinct divergences "
                        f"(default {DEFAULT_MAX_DIVERGENCES}); each found one is set aside "
                        "and the search goes on until then or until --examples are spent")
    parser.add_argument("--known", type=Path, metavar="FILE",
                        help="known divergences to set aside: one signature (sig-xxxxxxxx or "
                        "its text) or case id a line, each with ' # reason'")
    parser.add_argument("--json", type=Path, metavar="FILE",
                        help="also write the result as JSON (unrounded times)")
    add_to_argparse(parser=parser, options=(*IMPL_OPTIONS, *TESTEE_OPTIONS))


def _job_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 (one per CPU) or more, got {text!r}")
    return value


def run(args: argparse.Namespace) -> int:
    """Run the search; print every divergence found, exit 1 on any."""
    from harness.commands.common import project_paths
    from harness.differential.known import KnownDivergences, load_known_file
    from harness.differential.options import DiffOptions
    from harness.differential.parallel import ParallelDiffResult, run_diff_parallel
    from harness.differential.run import DiffResult, run_diff, run_settings
    from harness.exceptions import DiffSetupError, KnownListError, UsageError
    from harness.impls import select_impls
    from harness.progress import Progress

    if args.a == args.b:
        raise UsageError("diff needs two different implementations")
    selection = select_impls(
        repo_root=project_paths(args=args).root,
        extra=tuple(args.impl),
        use_go=not args.no_go,
        only=(args.a, args.b),
        timeout=args.timeout,
        require_go=args.require_go,
        confine_mode=args.confine,
    )
    by_name = {t.name: t for t in selection.testees}
    missing = [n for n in (args.a, args.b) if n not in by_name]
    if missing:
        reasons = {u.name: u.unavailable for u in selection.unavailable}
        for n in missing:
            print(f"ERROR {n}: {reasons.get(n) or 'no such implementation'}", file=sys.stderr)
        return 1
    known: KnownDivergences | None = None
    if args.known is not None:
        try:
            known = load_known_file(path=args.known)
        except KnownListError as exc:
            print(f"ERROR {exc}", file=sys.stderr)
            return 1
    paths = project_paths(args=args)
    options = DiffOptions(
        examples=args.examples,
        seed=args.seed,
        profile=args.profile,
        out_dir=args.out,
        allow=frozenset(args.allow),
        auto_allow=not args.no_auto_allow,
        steps=args.steps,
        max_timeouts=args.max_timeouts,
        max_divergences=args.max_divergences,
        known=known,
        case_dirs=() if args.known is None else (
            args.known.parent, args.known.parent / "cases", paths.cases_dir),
    )
    a, b = by_name[args.a], by_name[args.b]
    target = run_settings(options=options).max_examples
    bar = Progress(label=f"diff {a.name} vs {b.name}", total=target, unit="examples")

    def on_test_case(count: int, diverged: bool) -> None:
        # Rejected and shrinking test cases count too: never show more than the target.
        bar.update(done=min(count, target), detail="shrinking a divergence" if diverged else "")

    try:
        with bar:
            result: DiffResult | ParallelDiffResult = (
                run_diff(a=a, b=b, options=options, on_test_case=on_test_case)
                if args.jobs == 1
                else run_diff_parallel(a=a, b=b, options=options, jobs=args.jobs,
                                       on_test_case=on_test_case)
            )
    except DiffSetupError as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(result.render())
    if args.json is not None:
        merged = result.merged if isinstance(result, ParallelDiffResult) else result
        doc = merged.to_json()
        if isinstance(result, ParallelDiffResult):
            doc["workers"] = [w.render() for w in result.workers]
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    return 0 if result.ok else 1
