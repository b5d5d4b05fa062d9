"""Run the benchmarks: `python benchmarks/run.py [overhead|suite|scaling|diff ...] [--quick]`.

Every figure is measured side by side in one run, inside a private temp tree with
its own HOME; results go to benchmarks/results/results.json (sections merged into
the existing file) and the scaling plot to benchmarks/results/scaling.png.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import diffspeed, findspeed, overhead, scaling, suite
from benchmarks.common import (
    BenchEnv,
    BenchmarkUnavailable,
    bench_sandbox,
    machine_info,
)

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SECTIONS = ("overhead", "suite", "scaling", "diff", "find")


def _sections(args: argparse.Namespace) -> dict[str, Callable[[BenchEnv], dict[str, Any]]]:
    quick = args.quick
    return {
        "overhead": lambda env: overhead.run(
            env=env, requests=400 if quick else args.requests, repeats=3 if quick else 7
        ),
        "suite": lambda env: suite.run(
            env=env, per_case_process=not quick, repeats=1 if quick else 3
        ),
        "scaling": lambda env: scaling.run(
            env=env,
            sizes=scaling.SIZES[:3] if quick else scaling.SIZES,
            budget_s=0.2 if quick else 1.0,
        ),
        "diff": lambda env: diffspeed.run(env=env, examples=20 if quick else args.examples,
                                          compare_root=args.compare_root),
        "find": lambda env: findspeed.run(
            env=env, seeds=findspeed.SEEDS[:1] if quick else findspeed.SEEDS[: args.seeds],
            examples=60 if quick else args.find_examples, compare_root=args.compare_root,
        ),
    }


_DESCRIBE: dict[str, Callable[[dict[str, Any]], str]] = {
    "overhead": overhead.describe,
    "suite": suite.describe,
    "scaling": scaling.describe,
    "diff": diffspeed.describe,
    "find": findspeed.describe,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen sections (all by default) and write the results."""
    parser = argparse.ArgumentParser(prog="python benchmarks/run.py", description=__doc__)
    parser.add_argument("sections", nargs="*", metavar="SECTION",
                        help=f"which benchmarks (default: all of {', '.join(SECTIONS)})")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes, for checking the script works (figures not quotable)")
    parser.add_argument("--requests", type=int, default=2000,
                        help="requests in the overhead benchmark (default 2000)")
    parser.add_argument("--examples", type=int, default=200,
                        help="examples for the differential benchmark (default 200)")
    parser.add_argument("--seeds", type=int, default=len(findspeed.SEEDS),
                        help=f"seeds per planted bug in the find benchmark (default "
                        f"{len(findspeed.SEEDS)})")
    parser.add_argument("--find-examples", type=int, default=600,
                        help="example budget of each find run (default 600)")
    parser.add_argument("--compare-root", type=Path, default=None, metavar="DIR",
                        help="diff, find: also time another checkout's harness, alternated "
                        "with this one (before/after figures)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR,
                        help="results directory (default benchmarks/results)")
    args = parser.parse_args(argv)
    chosen = list(dict.fromkeys(args.sections or SECTIONS))
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {unknown}; choose from {', '.join(SECTIONS)}")
    out: Path = args.out
    results_file = out / "results.json"
    doc: dict[str, Any] = {}
    if results_file.is_file():
        doc = json.loads(results_file.read_text())
    doc["machine"] = machine_info()
    doc.setdefault("sections", {})
    runners = _sections(args)
    failed = False
    with bench_sandbox() as env:
        for name in chosen:
            print(f"== {name}", flush=True)
            try:
                result = runners[name](env)
            except BenchmarkUnavailable as exc:
                result = {"available": False, "reason": str(exc)}
                failed = True
            result = {
                "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "quick": args.quick,
                **result,
            }
            doc["sections"][name] = result
            print(_DESCRIBE[name](result) if result.get("available", True) else
                  f"{name}: unavailable: {result['reason']}", flush=True)
            if name == "scaling" and result.get("available", True):
                scaling.plot(result=result, path=out / "scaling.png")
                print(f"plot: {out / 'scaling.png'}")
    given = sys.argv[1:] if argv is None else list(argv)
    doc["command"] = " ".join(["python benchmarks/run.py", *given])
    out.mkdir(parents=True, exist_ok=True)
    results_file.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    print(f"results: {results_file}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
