"""The worked example: the SDK's file cache copied into another package, behind a store API.

adapters/go/example-storecopy is a real Go testee (built like the SDK columns,
run only when named): it must pass the whole suite with `--messages go-types`
and fail it with strict messages, where every failure is a message that names
its own Go types.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.data import Outcome, RunResult
from harness.options import require_go_default
from harness.paths import ProjectPaths
from harness.report.terminal import render_terminal
from harness.session import RunConfig, execute_run

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = "example-storecopy"


def _run(*, messages: str) -> RunResult:
    run = execute_run(config=RunConfig(paths=ProjectPaths.at(root=REPO), only_impls=(EXAMPLE,),
                                       messages=messages, require_go=require_go_default()))
    if not [i for i in run.available_impls() if i.name == EXAMPLE]:
        why = next((i.unavailable for i in run.impls if i.name == EXAMPLE), "not found")
        if require_go_default():
            pytest.fail(f"{EXAMPLE} unavailable but TOKENCACHE_COMPAT_REQUIRE_GO is set: {why}")
        pytest.skip(f"{EXAMPLE} unavailable (Go toolchain or build missing): {why}")
    return run


@pytest.mark.go
def test_the_copy_passes_the_suite_modulo_go_type_names() -> None:
    """With --messages go-types every case passes (the null panic is its listed expected failure),
    the wrapper dual writes with and without a key included."""
    run = _run(messages="go-types")
    assert run.ok, render_terminal(run=run)
    outcomes = {r.case_id: r.outcome for r in run.results}
    wrapper = [cid for cid in outcomes if cid.startswith("dualwrite.wrapper.")]
    assert len(wrapper) >= 10 and all(outcomes[c] is Outcome.PASS for c in wrapper)
    assert outcomes["decode.null.top-level"] is Outcome.XFAIL
    skipped = {r.case_id: r.message for r in run.results if r.outcome is Outcome.SKIPPED}
    assert set(skipped) == {
        "dualwrite.sdk.discovery-undiscovered", "dualwrite.sdk-wrapper.discovery-undiscovered",
        "dualwrite.sdk.discovery-discovered", "dualwrite.sdk-wrapper.discovery-discovered",
    }
    assert all("only after a browser login" in m for m in skipped.values())


@pytest.mark.go
def test_the_copy_fails_strict_messages_only_in_type_names() -> None:
    """Strict messages fail it, and every failure differs only in Go type names."""
    run = _run(messages="strict")
    failed = [r for r in run.results if r.outcome is Outcome.FAIL]
    assert not run.ok and len(failed) >= 20
    assert all(r.type_names_only for r in failed), render_terminal(run=run)
    assert (f"{EXAMPLE}: {len(failed)} case(s) differ only in error messages, all only in Go "
            "type names (they pass with --messages go-types)") in render_terminal(run=run)
