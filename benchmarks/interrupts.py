"""How fast the harness stops: signal to exit, and a never-answering testee end to end.

    python benchmarks/interrupts.py [--repeats N]

On demand only (never in the test suite). Each interrupt scenario starts the
command with a slow hostile testee (tests/hostile/hostile_testee.py), waits
until it has answered a few requests, sends the signal and times the exit;
the breaker scenario runs every spec case against a testee that never answers.
Figures are medians with min-max over the repetitions; they go to
benchmarks/results/interrupts.json. Everything runs in a private temp tree with
its own HOME and TMPDIR.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import REPO_ROOT, BenchEnv, bench_sandbox, machine_info

HOSTILE = REPO_ROOT / "tests" / "hostile" / "hostile_testee.py"
RESULTS = Path(__file__).resolve().parent / "results" / "interrupts.json"
GUARD = 120.0


def _impl(name: str, modes: str, state: Path, delay: float) -> str:
    argv = [sys.executable, str(HOSTILE), modes, "--state", str(state), "--delay", str(delay)]
    return f"{name}={shlex.join(argv)}"


def _project(env: BenchEnv) -> Path:
    root = env.fresh_dir(prefix="proj-")
    cases = root / "golden" / "cases"
    cases.mkdir(parents=True)
    (root / "golden" / "files").mkdir()
    (root / "adapters" / "xfail").mkdir(parents=True)
    steps = [{"op": "open"}, {"op": "store", "key": "k", "token": {"access_token": "a"}}]
    doc = {"cases": [{"id": f"i.{n:02d}", "description": "slow", "steps": steps}
                     for n in range(200)]}
    (cases / "i.json").write_text(json.dumps(doc))
    return root


def _answers(state: Path) -> int:
    return len(list(state.glob("answer*.pid"))) if state.is_dir() else 0


def _stop_time(*, env: BenchEnv, args: list[str], state: Path, after: int, sig: int,
               group: bool) -> float:
    proc = subprocess.Popen([sys.executable, "-m", "harness", *args], env=env.child_env(),
                            cwd=env.root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + GUARD
    while _answers(state) < after:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{args[0]} ended before the signal: {proc.communicate()[1]!r}")
        time.sleep(0.02)
    sent = time.monotonic()
    (os.killpg if group else os.kill)(proc.pid, sig)
    proc.communicate(timeout=GUARD)
    took = time.monotonic() - sent
    if proc.returncode != 130:
        raise RuntimeError(f"{args[0]} exited {proc.returncode}, not 130")
    return took


def _summary(values: Sequence[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def interrupt_figures(*, env: BenchEnv, repeats: int) -> dict[str, Any]:
    """Seconds from the signal to the harness's exit, per command and signal."""
    project = _project(env)
    out: dict[str, Any] = {}
    scenarios: list[tuple[str, list[str], int, int, bool]] = [
        ("run, SIGINT to the group", ["run"], 6, signal.SIGINT, True),
        ("run, SIGTERM to the pid", ["run"], 6, signal.SIGTERM, False),
        ("interop, SIGTERM", ["interop"], 12, signal.SIGTERM, False),
        ("diff --jobs 1, SIGINT", ["diff", "h", "h2", "--jobs", "1"], 40, signal.SIGINT, True),
        ("diff --jobs 2, SIGINT", ["diff", "h", "h2", "--jobs", "2"], 40, signal.SIGINT, True),
        ("diff --jobs 2, SIGTERM", ["diff", "h", "h2", "--jobs", "2"], 40, signal.SIGTERM,
         False),
    ]
    for label, head, after, sig, group in scenarios:
        times = []
        for n in range(repeats):
            state = env.fresh_dir(prefix=f"state-{n}-")
            impls = ["--impl", _impl("h", "slow,grandchild", state, 0.05),
                     "--impl", _impl("h2", "slow,grandchild", state, 0.05)]
            args = [*head, "--root", str(project), "--no-go", "--confine", "off", *impls]
            if head[0] == "diff":
                args += ["--examples", "100000", "--out", str(env.fresh_dir(prefix="cx-"))]
            times.append(_stop_time(env=env, args=args, state=state, after=after, sig=sig,
                                    group=group))
        out[label] = _summary(times)
    return out


def breaker_figures(*, env: BenchEnv, timeouts: Sequence[float], repeats: int) -> dict[str, Any]:
    """Wall time of every spec case against a testee that answers hello and nothing else."""
    out: dict[str, Any] = {}
    for timeout in timeouts:
        times = []
        for n in range(repeats):
            state = env.fresh_dir(prefix=f"hang-{n}-")
            started = time.monotonic()
            done = subprocess.run(
                [sys.executable, "-m", "harness", "run", "--root", str(REPO_ROOT), "--no-go",
                 "--only-impl", "h", "--impl", _impl("h", "hang", state, 0.0),
                 "--timeout", str(timeout)],
                env=env.child_env(), cwd=env.root, capture_output=True, text=True, check=False,
            )
            times.append(time.monotonic() - started)
            if "marked broken after 3 consecutive timeouts" not in done.stdout:
                raise RuntimeError("the breaker did not trip")
        out[f"--timeout {timeout:g}"] = _summary(times)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and write benchmarks/results/interrupts.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    with bench_sandbox() as env:
        results = {
            "machine": machine_info(),
            "load_average_before": list(load_before),
            "signal_to_exit_seconds": interrupt_figures(env=env, repeats=args.repeats),
            "never_answering_full_suite_seconds": breaker_figures(
                env=env, timeouts=(0.5,), repeats=args.repeats
            ) | breaker_figures(env=env, timeouts=(10.0,), repeats=1),
        }
    results["load_average_after"] = list(os.getloadavg())
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(json.dumps(results, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
