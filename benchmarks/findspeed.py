"""Speed of finding: how long `diff` takes to find each planted bug, on one and two jobs.

Each planted bug of tests/planted.py is diffed against the reference in a fresh
interpreter (so one run's caches never help the next), with several seeds; a
run stops at its first divergence. Measured from the start of the run (testees
started, workers spawned) to the first example that diverged ("found") and to
the shrunk spec case ("reported"). Medians over the seeds; a run that spends its
examples without finding the bug counts as not found.

`--compare-root DIR` (benchmarks/run.py) runs the same against another checkout's harness (the
planted bugs stay this checkout's), for before/after figures: with a harness
that predates the per-signature search there is no "found" time on two jobs,
only the time the merged run reports.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # a worker imports nothing of benchmarks/: another checkout may own it
    from benchmarks.common import BenchEnv

REPO_ROOT = Path(__file__).resolve().parents[1]
TESTS = REPO_ROOT / "tests"
# bug name → (planted session class, what it takes to meet it)
PLANTED: dict[str, tuple[str, str]] = {
    "drop-refresh": ("DropRefreshSession", "a store with a refresh token"),
    "null-tokens": ("NullTokensSession", "a delete that empties the cache (bytes only)"),
    "wide-indent": ("WideIndentSession", "any delete (formatting of the bytes only)"),
    "stale-index": ("StaleIndexSession", "a delete of a key only a hand-edited file holds"),
}
SEEDS = (1, 2, 3, 4, 5)


def _worker(*, bug: str, seed: int, jobs: int, examples: int) -> dict[str, Any]:
    """One run (in this process): import the harness found on sys.path, diff, time it."""
    sys.path.remove(str(Path(__file__).resolve().parent))  # run as a script: not benchmarks/
    sys.path.append(str(TESTS))
    import atexit
    import importlib
    import shutil

    from harness.testee import InProcessTestee

    try:  # this tree: the harness/differential/ package (issue 9)
        diff_engine: Any = importlib.import_module("harness.differential.engine")
        run_module: Any = importlib.import_module("harness.differential.run")
        parallel: Any = importlib.import_module("harness.differential.parallel")
        DiffOptions: Any = importlib.import_module("harness.differential.options").DiffOptions
    except ImportError:  # an older checkout (--compare-root): flat modules
        diff_engine = importlib.import_module("harness.diff_engine")
        run_module = importlib.import_module("harness.differential")
        parallel = importlib.import_module("harness.diff_parallel")
        DiffOptions = run_module.DiffOptions
        # this checkout's tests/planted.py imports the strategies from their new place; a copy
        # that imports them from the old one goes first on sys.path (spawned --jobs workers
        # inherit sys.path, so they load the same copy)
        shim = Path(tempfile.mkdtemp(prefix="find-planted-"))
        text = (TESTS / "planted.py").read_text(encoding="utf-8")
        (shim / "planted.py").write_text(
            text.replace("harness.differential.strategies", "harness.strategies"),
            encoding="utf-8",
        )
        sys.path.insert(0, str(shim))
        atexit.register(shutil.rmtree, shim, True)
    run_diff = run_module.run_diff
    planted: Any = importlib.import_module("planted")  # this checkout's tests/planted.py

    session = getattr(planted, PLANTED[bug][0])
    options: dict[str, Any] = {"examples": examples, "seed": seed}
    names = {f.name for f in fields(DiffOptions)}
    if "max_divergences" in names:
        options["max_divergences"] = 1
    first: list[float] = []
    step = diff_engine.Engine.step

    def timed_step(self: Any, **kwargs: Any) -> Any:  # an older harness has no found time
        try:
            return step(self, **kwargs)
        except Exception:
            if not first:
                first.append(time.monotonic())
            raise

    if jobs == 1 and not hasattr(diff_engine.Engine, "settle"):
        diff_engine.Engine.step = timed_step
    with tempfile.TemporaryDirectory(prefix="find-") as out:
        opts = DiffOptions(out_dir=Path(out), **options)
        a = InProcessTestee(name="reference")
        b = InProcessTestee(name=bug, session_factory=session)
        started = time.monotonic()
        if jobs == 1:
            result: Any = run_diff(a=a, b=b, options=opts)
        else:
            result = parallel.run_diff_parallel(a=a, b=b, options=opts, jobs=jobs)
        wall = time.monotonic() - started
    merged = getattr(result, "merged", result)
    findings = getattr(merged, "findings", None)
    found = merged.counterexample is not None
    out_doc: dict[str, Any] = {
        "bug": bug, "seed": seed, "jobs": jobs, "found": found,
        "examples": merged.examples, "wall_seconds": wall,
        "reported_after": wall if found else None,
    }
    if findings:
        out_doc["found_after"] = findings[0].found_after
        out_doc["reported_after"] = findings[0].shrunk_after
        out_doc["signature"] = findings[0].signature.text
    elif found and first:
        out_doc["found_after"] = first[0] - started
    return out_doc


def _spread(values: Sequence[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def _summary(runs: Sequence[dict[str, Any]], *, bugs: Sequence[str],
             jobs: Sequence[int]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for bug in bugs:
        for j in jobs:
            mine = [r for r in runs if r["bug"] == bug and r["jobs"] == j and "error" not in r]
            hit = [r for r in mine if r["found"]]
            summary[f"{bug} jobs={j}"] = {
                "needs": PLANTED[bug][1],
                "found": f"{len(hit)}/{len(mine)}",
                "found_after": _spread([r["found_after"] for r in hit if "found_after" in r]),
                "reported_after": _spread([r["reported_after"] for r in hit]),
                "examples_to_report": _spread([float(r["examples"]) for r in hit]),
            }
    return summary


def run(
    *, env: BenchEnv, seeds: Sequence[int] = SEEDS, jobs: Sequence[int] = (1, 2),
    examples: int = 600, compare_root: Path | None = None,
    bugs: Sequence[str] = tuple(PLANTED),
) -> dict[str, Any]:
    """Every planted bug x seed x job count (x harness, with `compare_root`), alternated so
    a change of load hits every variant alike."""
    roots = {"this checkout": REPO_ROOT}
    if compare_root is not None:
        roots["compared"] = compare_root
    runs: dict[str, list[dict[str, Any]]] = {label: [] for label in roots}
    for seed in seeds:
        for bug in bugs:
            for j in jobs:
                for label, root in roots.items():
                    child = env.child_env()
                    child["PYTHONPATH"] = str(root)  # its harness and reference_impl
                    done = subprocess.run(
                        [sys.executable, str(Path(__file__).resolve()), "--worker", bug,
                         str(seed), str(j), str(examples)],
                        env=child, cwd=env.fresh_dir(prefix="find-"), capture_output=True,
                        text=True, timeout=3600, check=False,
                    )
                    try:
                        runs[label].append(json.loads(done.stdout.strip().splitlines()[-1]))
                    except (IndexError, json.JSONDecodeError):
                        runs[label].append({"bug": bug, "seed": seed, "jobs": j, "error":
                                            (done.stdout + done.stderr)[-600:]})
    by_root = {
        label: {"harness_root": str(root),
                "summary": _summary(runs[label], bugs=bugs, jobs=jobs), "runs": runs[label]}
        for label, root in roots.items()
    }
    return {"available": True, "examples_budget": examples, "seeds": list(seeds),
            "summary": by_root["this checkout"]["summary"], "by_harness": by_root}


def _fmt(spread: dict[str, float] | None) -> str:
    if spread is None:
        return "-"
    return f"{spread['median']:.1f} s ({spread['min']:.1f}-{spread['max']:.1f})"


def describe(result: dict[str, Any]) -> str:
    """One line per harness, bug and job count: found n/N, found after, reported after."""
    lines = []
    for label, part in result.get("by_harness", {}).items():
        for key, s in part["summary"].items():
            lines.append(f"find [{label}] {key}: found {s['found']}, found after "
                         f"{_fmt(s['found_after'])}, reported after {_fmt(s['reported_after'])}")
        lines += [f"find error [{label}] ({r['bug']} seed {r['seed']} jobs {r['jobs']}): "
                  f"{r['error']}" for r in part["runs"] if "error" in r]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """`--worker BUG SEED JOBS EXAMPLES`: one run, its result as one JSON line."""
    parser = argparse.ArgumentParser(prog="python benchmarks/findspeed.py")
    parser.add_argument("--worker", nargs=4, metavar=("BUG", "SEED", "JOBS", "EXAMPLES"),
                        required=True)
    args = parser.parse_args(argv)
    bug, seed, jobs, examples = args.worker
    with contextlib.redirect_stdout(sys.stderr):  # only the JSON line goes to stdout
        doc = _worker(bug=bug, seed=int(seed), jobs=int(jobs), examples=int(examples))
    print(json.dumps(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
