"""Harness overhead: the same requests sent by a bare JSON-lines loop and by the runner."""

from __future__ import annotations

import json
import time
from typing import Any

from benchmarks.common import (
    GO_YARDSTICK,
    BenchEnv,
    LineClient,
    go_testee,
    median,
    timed,
    token_json,
)
from harness.data import Outcome
from harness.runner import RunOptions, run_case
from harness.spec import Case, load_case_file
from harness.testee import SubprocessTestee

CACHE_REL = "cache/token-cache.json"
KEYS = 20  # keys cycle, so the file stays small and both sides do identical work


def _ops(requests: int) -> list[tuple[str, int]]:
    """(op, token index) pairs: store i, then lookup i, ..."""
    out: list[tuple[str, int]] = []
    for i in range(requests // 2):
        out += [("store", i), ("lookup", i)]
    return out


def synthetic_case(*, env: BenchEnv, requests: int) -> Case:
    """A spec case of `requests` store/lookup steps, every one with an exact expectation."""
    steps: list[dict[str, Any]] = [{"op": "open", "path": CACHE_REL, "expect": {"ok": {}}}]
    for op, i in _ops(requests):
        key = f"profile-{i % KEYS}"
        if op == "store":
            steps.append({"op": "store", "key": key, "token": token_json(i), "expect": {"ok": {}}})
        else:
            steps.append({"op": "lookup", "key": key, "expect": {"ok": {"token": token_json(i)}}})
    doc = {
        "cases": [
            {
                "id": "bench.overhead",
                "description": "Many stores and lookups, each checked.",
                "steps": steps,
                "final": {"file_mode": "0600", "dir_mode": "0700", "listing": ["token-cache.json"]},
            }
        ]
    }
    path = env.fresh_dir(prefix="case-") / "bench.json"
    path.write_text(json.dumps(doc))
    cases, errors = load_case_file(path=path)
    if errors or len(cases) != 1:
        raise ValueError(f"synthetic case does not load: {errors}")
    return cases[0]


def _bare_loop(*, client: LineClient, env: BenchEnv, requests: int) -> None:
    directory = env.fresh_dir(prefix="bare-")
    client.checked({"op": "open", "path": str(directory / CACHE_REL), "env": {}, "umask": 18})
    for op, i in _ops(requests):
        key = f"profile-{i % KEYS}"
        if op == "store":
            client.checked({"op": "store", "key": key, "token": token_json(i)})
        else:
            client.checked({"op": "lookup", "key": key})


def run(*, env: BenchEnv, requests: int, repeats: int) -> dict[str, Any]:
    """Median seconds of (a) the bare loop and (b) run_case over the same requests; b/a."""
    go = go_testee()
    case = synthetic_case(env=env, requests=requests)
    options = RunOptions(golden_dir=env.fresh_dir(prefix="golden-"), sandbox_parent=env.root)
    client = LineClient(command=go.command, env=env.child_env(), cwd=env.root)
    testee = SubprocessTestee(name=GO_YARDSTICK, command=go.command)
    bare: list[float] = []
    harness: list[float] = []
    outcomes: list[str] = []
    try:
        client.checked({"op": "hello"})
        testee.start()
        # Warm both paths once, then alternate so drift hits both sides equally.
        _bare_loop(client=client, env=env, requests=min(requests, 200))
        run_case(case=case, testee=testee, options=options)
        for _ in range(repeats):
            bare.append(timed(lambda: _bare_loop(client=client, env=env, requests=requests)))
            start = time.perf_counter()
            outcome = run_case(case=case, testee=testee, options=options).outcome
            harness.append(time.perf_counter() - start)
            outcomes.append(outcome.value)
    finally:
        client.close()
        testee.close()
    if any(o != Outcome.PASS.value for o in outcomes):
        raise AssertionError(f"the synthetic case did not pass on {GO_YARDSTICK}: {outcomes}")
    a, b = median(bare), median(harness)
    return {
        "impl": GO_YARDSTICK,
        "requests": requests,
        "repeats": repeats,
        "bare_loop_s": a,
        "harness_s": b,
        "bare_loop_us_per_request": a / requests * 1e6,
        "harness_us_per_request": b / requests * 1e6,
        "ratio_harness_over_bare": b / a,
        "goal_ratio_at_most": 1.5,
        "harness_outcomes": outcomes,
        "samples_bare_s": bare,
        "samples_harness_s": harness,
    }


def describe(result: dict[str, Any]) -> str:
    """One line for the terminal."""
    return (
        f"overhead: {result['requests']} requests to {result['impl']}: bare "
        f"{result['bare_loop_s'] * 1e3:.1f} ms, harness {result['harness_s'] * 1e3:.1f} ms, "
        f"ratio {result['ratio_harness_over_bare']:.2f} (goal <= 1.5)"
    )

