"""Differential speed: examples per second of `tokencache-compat diff reference go-sdk@…`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import GO_YARDSTICK, REPO_ROOT, BenchEnv

# The summary lines harness/differential.py prints (DiffResult.render): valid examples,
# then every test case hypothesis ran (rejected and shrinking ones too; steps count all).
_SUMMARY = re.compile(
    r"(?P<examples>\d+) examples, (?P<steps>\d+) steps in (?P<seconds>[\d.]+)s "
    r"\((?P<rate>[\d.]+) examples/s\)"
)
_TEST_CASES = re.compile(r"hypothesis ran (?P<test_cases>\d+) test cases")


def _harness(args: list[str], *, env: BenchEnv, timeout: float,
             root: Path | None = None) -> subprocess.CompletedProcess[str]:
    child = env.child_env() | {"TOKENCACHE_COMPAT_ROOT": str(REPO_ROOT)}
    if root is not None:  # another checkout's harness, this checkout's cases and testees
        child["PYTHONPATH"] = str(root)
    # cwd in the sandbox: counterexamples, if any, land there and not in the repo.
    return subprocess.run(
        [sys.executable, "-m", "harness", *args], env=child, cwd=env.fresh_dir(prefix="diff-"),
        capture_output=True, text=True, timeout=timeout, check=False,
    )


def _once(args: list[str], *, env: BenchEnv, with_json: bool = False,
          root: Path | None = None) -> dict[str, Any]:
    """One `diff` run, parsed (from `--json` when the harness has it: unrounded times)."""
    report = env.fresh_dir(prefix="diffjson-") / "diff.json"
    if with_json:
        args = [*args, "--json", str(report)]
    start = time.perf_counter()
    done = _harness(args, env=env, timeout=1800, root=root)
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
    seconds, steps = float(m["seconds"]), int(m["steps"])  # rounded to 0.1 s in the summary
    rejected: dict[str, int] = {}
    if with_json and report.is_file():
        doc = json.loads(report.read_text())
        n, test_cases, steps = doc["examples"], doc["test_cases"], doc["steps"]
        seconds = float(doc["seconds"])
        rejected = {k: int(doc.get(k, 0)) for k in ("rejected", "invalid", "overrun")}
    result |= {
        "examples": n,  # valid examples only
        "test_cases": test_cases,
        "steps": steps,
        "in_run_seconds": seconds,
        "seconds_unrounded": with_json,
        "examples_per_second": n / seconds if seconds else 0.0,
        "examples_per_second_wall": n / wall,
        "steps_per_test_case": steps / test_cases if test_cases else 0.0,
        **rejected,
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
    repeats: int = 3, compare_root: Path | None = None,
) -> dict[str, Any]:
    """Run the diff `repeats` times per job count (and harness), alternating; the median run.

    The top-level figures are this checkout's first job count (one process, as before);
    `by_jobs` holds every job count's median run, `compared` the other checkout's.
    """
    roots: dict[str, Path | None] = {"this checkout": None}
    if compare_root is not None:
        roots["compared"] = compare_root
    runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
    flags: dict[str, tuple[list[str], bool, tuple[int, ...]]] = {}
    for label, root in roots.items():
        help_run = _harness(["diff", "--help"], env=env, timeout=60, root=root)
        if help_run.returncode != 0:
            return {
                "available": False,
                "reason": f"`tokencache-compat diff` is not available ({label}): "
                + (help_run.stderr.strip().splitlines() or ["no output"])[-1],
            }
        args = ["diff", "reference", GO_YARDSTICK]
        if "--examples" in help_run.stdout:
            args += ["--examples", str(examples)]
        if "--seed" in help_run.stdout:
            args += ["--seed", str(seed)]
        has_jobs = "--jobs" in help_run.stdout
        flags[label] = (args, "--json" in help_run.stdout, jobs if has_jobs else jobs[:1])
    # Alternated, so a change of load on the machine hits every variant alike.
    for _ in range(max(1, repeats)):
        for j in jobs:
            for label, root in roots.items():
                args, has_json, allowed = flags[label]
                if j not in allowed:
                    continue
                command = [*args, "--jobs", str(j)] if len(allowed) > 1 else args
                runs.setdefault((label, j), []).append(
                    _once(command, env=env, with_json=has_json, root=root))
    by_jobs = {str(j): _median_run(r) for (label, j), r in runs.items() if label == "this checkout"}
    out = by_jobs[str(jobs[0])] | {"by_jobs": by_jobs}
    if compare_root is not None:
        out["compared"] = {
            "harness_root": str(compare_root),
            "by_jobs": {str(j): _median_run(r) for (label, j), r in runs.items()
                        if label == "compared"},
        }
    return out


def _line(result: dict[str, Any]) -> str:
    if "examples" not in result:
        return f"not available ({result.get('reason', '')})"
    rejected = ""
    if "rejected" in result:
        rejected = (f", {result['rejected']} rejected: {result['invalid']} invalid, "
                    f"{result['overrun']} over size caps")
    return (
        f"{result['examples']} valid examples ({result['test_cases']} test cases, "
        f"{result['steps_per_test_case']:.1f} steps each{rejected}) in "
        f"{result['in_run_seconds']:.2f} s: {result['examples_per_second']:.1f} examples/s "
        f"({result['examples_per_second_wall']:.1f}/s wall incl. startup); {result['verdict']}"
    )


def describe(result: dict[str, Any]) -> str:
    """One line per job count for the terminal (the median of its runs)."""
    if not result["available"]:
        return f"diff: not available ({result.get('reason', '')})"
    by_jobs = result.get("by_jobs") or {"1": result}
    lines = [
        f"diff --jobs {j}: {_line(r)} [median of {r.get('runs', 1)}: {r.get('rates', [])}]"
        for j, r in by_jobs.items()
    ]
    compared = result.get("compared") or {}
    lines += [
        f"diff [compared] --jobs {j}: {_line(r)} [median of {r.get('runs', 1)}: "
        f"{r.get('rates', [])}]"
        for j, r in (compared.get("by_jobs") or {}).items()
    ]
    return "\n".join(lines)
