"""Suite throughput: every spec case per implementation, persistent vs restarted testees."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import (
    GO_YARDSTICK,
    REFERENCE_COMMAND,
    REPO_ROOT,
    BenchEnv,
    go_testee,
    median,
)
from harness.data import CaseResult
from harness.runner import RunOptions, golden_path, run_case
from harness.sandbox import CaseSandbox
from harness.session import Execution
from harness.spec import Case, load_cases
from harness.testee import InProcessTestee, SubprocessTestee, Testee

REFERENCE_SUBPROCESS = "reference (python -m reference_impl)"


def golden_dir_for(*, env: BenchEnv, cases: Sequence[Case]) -> tuple[Path, str]:
    """The repository's golden bytes when complete; else bytes Go leaves, in a temp dir.

    Without golden bytes a case stops before its first step, which would time nothing.
    """
    repo = REPO_ROOT / "golden" / "files"
    wanted = [c for c in cases if c.final.golden]
    if all(golden_path(golden_dir=repo, case_id=c.id).is_file() for c in wanted):
        return repo, "golden/files"
    target = env.fresh_dir(prefix="golden-")
    options = RunOptions(golden_dir=target, sandbox_parent=env.root)
    # Go first (the yardstick); the reference fills in cases Go skips or crashes on.
    for testee in (
        SubprocessTestee(name=GO_YARDSTICK, command=go_testee().command),
        InProcessTestee(name="reference"),
    ):
        testee.start()
        try:
            for case in wanted:
                if golden_path(golden_dir=target, case_id=case.id).is_file():
                    continue

                def keep(sb: CaseSandbox, case: Case = case) -> None:
                    content = sb.read_file(rel=case.final_file()).content
                    if content is not None:
                        golden_path(golden_dir=target, case_id=case.id).write_bytes(content)

                run_case(
                    case=case, testee=testee, options=options, check_golden=False, observe=keep
                )
        finally:
            testee.close()
    return target, f"bytes {GO_YARDSTICK} (else the reference) wrote; golden/files incomplete"


def _run_all(
    *, cases: Sequence[Case], testee: Testee, options: RunOptions, restart: bool
) -> tuple[float, Counter[str]]:
    outcomes: Counter[str] = Counter()
    testee.start()
    try:
        start = time.perf_counter()
        for case in cases:
            if restart:
                testee.start()  # kills the previous process: one process per case
            raw = run_case(case=case, testee=testee, options=options)
            outcomes[raw.outcome.value] += 1  # raw: before expected-failure lists
        elapsed = time.perf_counter() - start
    finally:
        testee.close()
    return elapsed, outcomes


def _row(
    *, name: str, mode: str, elapsed: float, outcomes: Counter[str], cases: int
) -> dict[str, Any]:
    return {
        "impl": name,
        "mode": mode,
        "cases": cases,
        "seconds": elapsed,
        "cases_per_second": cases / elapsed,
        "outcomes": dict(sorted(outcomes.items())),
    }


def _cli_wall(*, env: BenchEnv, golden: Path, repeats: int) -> dict[str, Any]:
    """`tokencache-compat run` for reference + Go, end to end, as a user runs it."""
    command = [
        sys.executable, "-m", "harness", "run", "--only-impl", "reference",
        "--only-impl", GO_YARDSTICK, "--golden-dir", str(golden), "--color", "never",
    ]
    samples: list[float] = []
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(
            command, env=env.child_env(), cwd=REPO_ROOT, capture_output=True, text=True,
            timeout=600, check=False,
        )
        samples.append(time.perf_counter() - start)
    elapsed = median(samples)
    tail = done.stdout.strip().splitlines()[-1:] if done.stdout.strip() else []
    return {
        "command": "tokencache-compat run --only-impl reference --only-impl "
        f"{GO_YARDSTICK}" + ("" if golden == REPO_ROOT / "golden" / "files" else " --golden-dir …"),
        "seconds": elapsed,
        "samples_s": samples,
        "exit_code": done.returncode,
        "summary_line": tail[0] if tail else done.stderr.strip()[-300:],
        "goal_seconds_at_most": 10.0,
    }


def run(
    *, env: BenchEnv, per_case_process: bool = True, repeats: int = 3
) -> dict[str, Any]:
    """Throughput of every configuration over the whole suite, plus the end-to-end run."""
    loaded = load_cases(cases_dir=REPO_ROOT / "golden" / "cases")
    cases = list(loaded.cases)
    golden, golden_source = golden_dir_for(env=env, cases=cases)
    options = RunOptions(golden_dir=golden, sandbox_parent=env.root)
    go = go_testee()
    makers: list[tuple[str, Callable[[], Testee], bool]] = [
        ("reference", lambda: InProcessTestee(name="reference"), False),
        (REFERENCE_SUBPROCESS,
         lambda: SubprocessTestee(name="reference", command=REFERENCE_COMMAND), True),
        (GO_YARDSTICK, lambda: SubprocessTestee(name=GO_YARDSTICK, command=go.command), True),
    ]
    rows: list[dict[str, Any]] = []
    for name, make, restartable in makers:
        # The machine is shared: the median of a few passes steadies persistent figures.
        runs = [
            _run_all(cases=cases, testee=make(), options=options, restart=False)
            for _ in range(repeats)
        ]
        elapsed = median([r[0] for r in runs])
        rows.append(_row(name=name, mode="persistent", elapsed=elapsed, outcomes=runs[0][1],
                         cases=len(cases)))
        if restartable and per_case_process:
            elapsed, outcomes = _run_all(cases=cases, testee=make(), options=options, restart=True)
            rows.append(_row(name=name, mode="process per case", elapsed=elapsed,
                             outcomes=outcomes, cases=len(cases)))
    # The matrix a user runs: reference in-process and Go, one persistent process.
    results: list[CaseResult] = []
    matrix_runs: list[float] = []
    for _ in range(repeats):
        results.clear()
        start = time.perf_counter()
        Execution(
            cases=cases,
            testees=[InProcessTestee(name="reference"),
                     SubprocessTestee(name=GO_YARDSTICK, command=go.command)],
            options=options,
).run_all(on_result=results.append)
        matrix_runs.append(time.perf_counter() - start)
    matrix_s = median(matrix_runs)
    return {
        "cases": len(cases),
        "golden_source": golden_source,
        "rows": rows,
        "matrix_reference_plus_go_s": matrix_s,
        "matrix_cells": len(results),
        "repeats_persistent": repeats,
        "cli": _cli_wall(env=env, golden=golden, repeats=repeats),
    }


def describe(result: dict[str, Any]) -> str:
    """A few lines for the terminal."""
    lines = [f"suite: {result['cases']} cases (golden: {result['golden_source']})"]
    for row in result["rows"]:
        lines.append(
            f"  {row['impl']:40} {row['mode']:17} {row['seconds']:7.2f} s "
            f"{row['cases_per_second']:8.1f} cases/s  {row['outcomes']}"
        )
    cli = result["cli"]
    lines.append(
        f"  matrix reference+{GO_YARDSTICK}: {result['matrix_reference_plus_go_s']:.2f} s "
        f"in-run; CLI end to end {cli['seconds']:.2f} s (goal < 10 s): {cli['summary_line']}"
    )
    return "\n".join(lines)
