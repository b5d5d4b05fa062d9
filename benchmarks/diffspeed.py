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


def run(*, env: BenchEnv, examples: int, seed: int = 1) -> dict[str, Any]:
    """Run the diff once; 'available': False when the subcommand does not exist yet."""
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


def describe(result: dict[str, Any]) -> str:
    """One line for the terminal."""
    if not result["available"] or "examples" not in result:
        return f"diff: not available ({result.get('reason', '')})"
    return (
        f"diff: {result['examples']} valid examples ({result['test_cases']} test cases, "
        f"{result['steps_per_test_case']:.1f} steps each) in "
        f"{result['in_run_seconds']:.1f} s: {result['examples_per_second']:.1f} examples/s "
        f"({result['examples_per_second_wall']:.1f}/s wall incl. startup); {result['verdict']}"
    )
