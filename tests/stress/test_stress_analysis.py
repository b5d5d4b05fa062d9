"""Lost-update analysis on synthetic histories: what counts as lost and what does not."""

from __future__ import annotations

from harness.stress.analysis import SharedRead, analyze_lost_updates
from harness.stress.history import SHARED_KEY, StoreOutcome, StoreRecord


def store(writer: str, key: str, value: str, sent: float, ended: float,
          outcome: StoreOutcome = "acked", impl: str = "impl") -> StoreRecord:
    """A store record; the shared key marks a shared store."""
    return StoreRecord(writer=writer, impl=impl, key=key, value=value, shared=key == SHARED_KEY,
                       sent=sent, ended=ended, outcome=outcome)


def test_every_own_store_kept_means_no_loss() -> None:
    """All acknowledged own keys present with their values: nothing lost, rate 0."""
    stores = [store("a", "k1", "v1", 0, 1), store("b", "k2", "v2", 0, 1)]
    result = analyze_lost_updates(stores=stores, final={"k1": "v1", "k2": "v2"})
    assert result.stores_acked == 2 and result.lost_updates == 0 and result.rate == 0.0


def test_a_missing_own_key_is_lost_and_attributed() -> None:
    """An acknowledged key missing from the final file is one lost update of its implementation."""
    stores = [store("a", "k1", "v1", 0, 1, impl="x"), store("b", "k2", "v2", 0, 1, impl="y")]
    result = analyze_lost_updates(stores=stores, final={"k2": "v2"})
    assert [lost.store.key for lost in result.lost] == ["k1"]
    assert result.lost_by_impl() == {"x": 1}
    assert result.rate == 0.5
    assert "missing" in result.lost[0].reason


def test_an_own_key_with_another_value_is_lost() -> None:
    """A key that holds some other value than the acknowledged one is lost."""
    result = analyze_lost_updates(stores=[store("a", "k1", "v1", 0, 1)], final={"k1": "old"})
    assert result.lost_updates == 1


def test_unacknowledged_stores_never_count() -> None:
    """Killed, crashed, failed and timed-out stores are not acknowledged, whatever the file says."""
    outcomes: list[StoreOutcome] = ["killed", "crashed", "error", "timeout"]
    stores = [store("a", f"k{i}", "v", 0, 1, outcome=o) for i, o in enumerate(outcomes)]
    result = analyze_lost_updates(stores=stores, final={})
    assert result.stores_acked == 0 and result.lost_updates == 0 and result.rate == 0.0


def test_an_unparseable_final_file_loses_everything_acknowledged() -> None:
    """No final map (the file does not parse): every acknowledged store is lost."""
    stores = [store("a", "k1", "v1", 0, 1), store("a", SHARED_KEY, "s1", 1, 2),
              store("a", "k2", "v2", 2, 3, outcome="killed")]
    result = analyze_lost_updates(stores=stores, final=None)
    assert result.lost_updates == 2


def test_shared_key_replaced_by_an_older_value_loses_the_later_stores() -> None:
    """Final shared value from a store that ended before two others began: both are lost."""
    stores = [store("a", SHARED_KEY, "old", 0, 1), store("b", SHARED_KEY, "new1", 2, 3),
              store("c", SHARED_KEY, "new2", 4, 5)]
    result = analyze_lost_updates(stores=stores, final={SHARED_KEY: "old"})
    assert sorted(lost.store.value for lost in result.lost) == ["new1", "new2"]
    assert all("older 'old'" in lost.reason for lost in result.lost)


def test_shared_key_overlapping_stores_may_win_either_way() -> None:
    """Stores that overlap in time are concurrent: either may be the final value, no loss."""
    stores = [store("a", SHARED_KEY, "x", 0, 3), store("b", SHARED_KEY, "y", 1, 2)]
    assert analyze_lost_updates(stores=stores, final={SHARED_KEY: "x"}).lost_updates == 0
    assert analyze_lost_updates(stores=stores, final={SHARED_KEY: "y"}).lost_updates == 0


def test_shared_key_latest_value_is_no_loss() -> None:
    """The final file holding the last store's value loses nothing, earlier values included."""
    stores = [store("a", SHARED_KEY, "s1", 0, 1), store("b", SHARED_KEY, "s2", 2, 3)]
    assert analyze_lost_updates(stores=stores, final={SHARED_KEY: "s2"}).lost_updates == 0


def test_shared_key_value_from_an_unacknowledged_store_still_orders() -> None:
    """A killed store that landed is the origin of the final value; later acked stores are lost."""
    stores = [store("a", SHARED_KEY, "killed", 0, 1, outcome="killed"),
              store("b", SHARED_KEY, "later", 2, 3)]
    result = analyze_lost_updates(stores=stores, final={SHARED_KEY: "killed"})
    assert [lost.store.value for lost in result.lost] == ["later"]


def test_shared_key_missing_or_unknown_loses_every_acknowledged_store() -> None:
    """A missing shared key, or a value nobody wrote, loses every acknowledged shared store."""
    stores = [store("a", SHARED_KEY, "s1", 0, 1), store("b", SHARED_KEY, "s2", 0.5, 2)]
    assert analyze_lost_updates(stores=stores, final={}).lost_updates == 2
    assert analyze_lost_updates(stores=stores, final={SHARED_KEY: "???"}).lost_updates == 2


def test_a_stale_read_during_the_run_loses_the_store_even_if_the_end_is_fine() -> None:
    """A lookup that began after s2 ended and saw the older s1 loses s2, though the final is s3."""
    stores = [store("a", SHARED_KEY, "s1", 0, 1), store("b", SHARED_KEY, "s2", 2, 3),
              store("a", SHARED_KEY, "s3", 6, 7)]
    stale = SharedRead(sent=4, value="s1", source="a lookup")
    result = analyze_lost_updates(stores=stores, final={SHARED_KEY: "s3"}, shared_reads=[stale])
    assert [lost.store.value for lost in result.lost] == ["s2"]
    assert "a lookup holds the older 's1'" in result.lost[0].reason


def test_a_read_before_the_store_ended_does_not_count() -> None:
    """A read that began before s2 ended may see s1: no loss."""
    stores = [store("a", SHARED_KEY, "s1", 0, 1), store("b", SHARED_KEY, "s2", 2, 3)]
    early = SharedRead(sent=2.5, value="s1", source="a lookup")
    missing_early = SharedRead(sent=0.5, value=None, source="a lookup")
    result = analyze_lost_updates(stores=stores, final={SHARED_KEY: "s2"},
                                  shared_reads=[early, missing_early])
    assert result.lost_updates == 0


def test_a_store_is_counted_once_however_many_reads_show_it_lost() -> None:
    """Several stale reads of the same loss count it once."""
    stores = [store("a", SHARED_KEY, "s1", 0, 1), store("b", SHARED_KEY, "s2", 2, 3)]
    reads = [SharedRead(sent=t, value="s1", source="a lookup") for t in (4, 5, 6)]
    result = analyze_lost_updates(stores=stores, final={SHARED_KEY: "s1"}, shared_reads=reads)
    assert result.lost_updates == 1
