"""Differential speed: examples per second of `tokencache-compat diff reference go-sdk@…`."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from typing import Any

from benchmarks.common import GO_YARDSTICK, REPO_ROOT, BenchEnv

# The summary lines harness/differential.py prints (DiffResult.render): valid examples,
# then every test case hypothesis ran (rejected and shrinking ones too; steps count all).
_SUMMARY = re.compile(
    r"(?P<examples>\d+) examples, (?P<steps>\d+) steps in (?P<seconds>[\d.]+)s "
    r"\((?P<rate>[\d.]+) examples/s\)"
)
_TEST_CASES = re.compile(r"hypothesis ran (?P<test_cases>\d+) test cases")


def _harness(args: list[str], *, env: BenchEnv, timeout: float) -> subprocess.CompletedProcess[str]:
    child = env.child_env() | {"TOKENCACHE_COMPAT_ROOT": str(REPO_ROOT)}
    # cwd in the sandbox: counterexamples, if any, land there and not in the repo.
    return subprocess.run(
        [sys.executable, "-m", "harness", *args], env=child, cwd=env.fresh_dir(prefix="diff-"),
        capture_output=True, text=True, timeout=timeout, check=False,
    )


def _once(args: list[str], *, env: BenchEnv) -> dict[str, Any]:
    """One `diff` run, parsed."""
    start = time.perf_counter()
    done = _harness(args, env=env, timeout=1800)
    wall = time.perf_counter() - start
    m = _SUMMARY.search(done.stdout)
    result: dict[str, Any] = {
        "available": True,
        "command": "tokencache-compat " + " ".join(args),
        "exit_code": done.returncode,
        "wall_seconds": wall,
        "verdict": (done.stdout.strip().splitlines() or [""])[-1],
    }
    if m is None:
        result["reason"] = "no summary line in the output: " + (done.stdout + done.stderr)[-400:]
        return result
    n = int(m["examples"])
    cases = _TEST_CASES.search(done.stdout)
    test_cases = int(cases["test_cases"]) if cases else n
    result |= {
        "examples": n,  # valid examples only
        "test_cases": test_cases,
        "steps": int(m["steps"]),
        "in_run_seconds": float(m["seconds"]),
        "examples_per_second": n / float(m["seconds"]) if float(m["seconds"]) else 0.0,
        "examples_per_second_wall": n / wall,
        "steps_per_test_case": int(m["steps"]) / test_cases if test_cases else 0.0,
    }
    return result


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median rate, plus every run's rate."""
    rated = sorted(runs, key=lambda r: float(r.get("examples_per_second", 0.0)))
    return rated[(len(rated) - 1) // 2] | {
        "runs": len(runs),
        "rates": [round(float(r.get("examples_per_second", 0.0)), 1) for r in runs],
    }


def run(
    *, env: BenchEnv, examples: int, seed: int = 1, jobs: tuple[int, ...] = (1, 2),
    repeats: int = 3,
) -> dict[str, Any]:
    """Run the diff `repeats` times per job count, alternating; the median run of each.

    The top-level figures are the first job count's (one process, as before);
    `by_jobs` holds every job count's median run.
    """
    help_run = _harness(["diff", "--help"], env=env, timeout=60)
    if help_run.returncode != 0:
        return {
            "available": False,
            "reason": "`tokencache-compat diff` is not available: "
            + (help_run.stderr.strip().splitlines() or ["no output"])[-1],
        }
    args = ["diff", "reference", GO_YARDSTICK]
    if "--examples" in help_run.stdout:
        args += ["--examples", str(examples)]
    if "--seed" in help_run.stdout:
        args += ["--seed", str(seed)]
    has_jobs = "--jobs" in help_run.stdout
    if not has_jobs:
        jobs = jobs[:1]
    runs: dict[int, list[dict[str, Any]]] = {j: [] for j in jobs}
    # Alternated, so a change of load on the machine hits every job count alike.
    for _ in range(max(1, repeats)):
        for j in jobs:
            runs[j].append(_once([*args, "--jobs", str(j)] if has_jobs else args, env=env))
    by_jobs = {str(j): _median_run(r) for j, r in runs.items()}
    return by_jobs[str(jobs[0])] | {"by_jobs": by_jobs}


def _line(result: dict[str, Any]) -> str:
    if "examples" not in result:
        return f"not available ({result.get('reason', '')})"
    return (
        f"{result['examples']} valid examples ({result['test_cases']} test cases, "
        f"{result['steps_per_test_case']:.1f} steps each) in "
        f"{result['in_run_seconds']:.1f} s: {result['examples_per_second']:.1f} examples/s "
        f"({result['examples_per_second_wall']:.1f}/s wall incl. startup); {result['verdict']}"
    )


def describe(result: dict[str, Any]) -> str:
    """One line per job count for the terminal (the median of its runs)."""
    if not result["available"]:
        return f"diff: not available ({result.get('reason', '')})"
    by_jobs = result.get("by_jobs") or {"1": result}
    return "\n".join(
        f"diff --jobs {j}: {_line(r)} [median of {r.get('runs', 1)}: {r.get('rates', [])}]"
        for j, r in by_jobs.items()
    )
