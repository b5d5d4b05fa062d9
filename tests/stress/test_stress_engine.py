"""The stress engine end to end on writers with planted bugs: each must be caught and counted."""

from __future__ import annotations

import pytest
from stress_helpers import Resolve, fake_impl

from harness.exceptions import StressSetupError
from harness.stress.engine import MixResult, run_mix
from harness.stress.plan import ResolvedImpl, StressOptions, WriterGroup


def mix(impl: ResolvedImpl, count: int = 1, **options: object) -> MixResult:
    """Run `count` writers of `impl` with the given options."""
    return run_mix(impls={impl.name: impl}, groups=[WriterGroup(impl=impl.name, count=count)],
                   options=StressOptions(**options))  # type: ignore[arg-type]


def test_a_writer_that_drops_other_keys_loses_every_earlier_store() -> None:
    """One forgetful writer, 10 stores: the final file keeps only the last, 9 are lost."""
    result = mix(fake_impl(mode="forgetful"), stores=10)
    assert (result.stores_acked, result.lost_updates) == (10, 9)
    assert result.required_ok and not result.recommended_ok
    assert result.final_keys == 1


def test_a_torn_write_fails_the_required_verdict() -> None:
    """A writer that leaves half a file: unparseable, later stores fail, everything acked lost."""
    result = mix(fake_impl(mode="torn"), stores=3)
    assert not result.final_file_parses and not result.never_unparseable
    assert not result.required_ok
    assert result.store_errors == 2 and result.writer_parse_errors >= 2
    assert result.lost_updates == result.stores_acked == 1


def test_leftover_temporary_files_are_counted() -> None:
    """A writer leaving one `.token-cache-*.tmp` per store: 5 stores, 5 leftovers, a warning."""
    result = mix(fake_impl(mode="leaver"), stores=5)
    assert result.leftover_temp_files == 5 and len(result.leftover_names) == 5
    assert result.required_ok and not result.recommended_ok and result.lost_updates == 0


def test_a_writer_that_ignores_lock_cannot_pass_for_a_locking_one() -> None:
    """`+lock` on a writer whose hello does not announce the lock is refused before any store."""
    with pytest.raises(StressSetupError, match='does not announce "lock": "flock"'):
        mix(fake_impl(mode="good", locking=True), stores=1)


@pytest.mark.slow
def test_every_store_killed_is_restarted_and_the_file_parses_after_each(
    resolve: Resolve,
) -> None:
    """Kill rate 1: each of 4 stores is followed by a SIGKILL and a restart; the mix finishes."""
    impls = resolve("reference")
    result = run_mix(impls=impls, groups=[WriterGroup(impl="reference", count=1)],
                     options=StressOptions(stores=4, kill_rate=1.0))
    assert result.kills == 4 and result.restarts == 4 and result.stores_attempted == 4
    assert result.unparseable_after_kill == 0 and result.problems == ()
    assert result.required_ok
    # A single writer cannot lose an acknowledged store of its own to anyone.
    assert result.lost_updates == 0


def test_the_time_limit_stops_a_mix_by_itself(resolve: Resolve) -> None:
    """A mix far too long for its time limit stops at the limit and says so."""
    impls = resolve("reference")
    result = run_mix(impls=impls, groups=[WriterGroup(impl="reference", count=1)],
                     options=StressOptions(stores=100_000, time_limit=1.0))
    assert result.stores_attempted < 100_000
    assert any("time limit reached" in p for p in result.problems)
    assert not result.required_ok
