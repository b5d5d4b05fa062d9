"""The CI mix: two implementations, two writers each, 50 stores, kills: the required verdicts.

Rates (how many updates an unlocked mix loses) are measured by benchmarks/stress.py,
never asserted here.
"""

from __future__ import annotations

import pytest
from stress_helpers import GO, Resolve

from harness.stress.engine import MixResult, run_mix
from harness.stress.plan import StressOptions, WriterGroup

pytestmark = [pytest.mark.go, pytest.mark.slow]

OPTIONS = StressOptions(stores=50, shared_key=True, kill_rate=0.05, seed=14, time_limit=240.0)


def run(resolve: Resolve, *names: str) -> MixResult:
    """Two writers of each named implementation with OPTIONS."""
    impls = resolve(*names)
    return run_mix(impls=impls, groups=[WriterGroup(impl=n, count=2) for n in names],
                   options=OPTIONS)


def test_all_locking_writers_lose_nothing_and_the_file_always_parses(resolve: Resolve) -> None:
    """reference+lock and go-sdk@v0.129.0+lock, killed now and then: zero lost updates."""
    result = run(resolve, "reference+lock", f"{GO}+lock")
    assert result.problems == ()
    assert result.never_unparseable and result.unparseable_after_kill == 0
    assert result.kills > 0 and result.stores_acked > 0
    assert result.lost_updates == 0, result.lost_examples
    assert result.lookups_missing == 0 and result.lookups_wrong == 0
    assert (result.final_mode, result.dir_mode, result.lock_file_mode) == ("0600", "0700", "0600")
    assert result.required_ok


def test_unlocked_atomic_writers_never_leave_an_unparseable_file(resolve: Resolve) -> None:
    """reference and go-sdk@v0.129.0 replace the file atomically: torn reads never happen,
    even with kills (lost updates may; they are only recommended)."""
    result = run(resolve, "reference", GO)
    assert result.problems == ()
    assert result.never_unparseable and result.unparseable_after_kill == 0
    assert result.kills > 0
    assert result.lock_file_mode is None
    assert result.required_ok
