"""The comparison engine: one test per transition kind, the gate, notes, topics and columns."""

from __future__ import annotations

from dataclasses import replace

import pytest

from harness.compare.engine import comparable_message, compare_columns, compare_reports
from harness.compare.model import Change, StoredCell, StoredImpl, StoredReport, topic_of
from harness.data import Outcome
from harness.exceptions import UsageError

HASH_A, HASH_B = "a" * 64, "b" * 64


def cell(case_id: str, outcome: Outcome, *, impl: str = "mine", message: str = "",
         digest: str | None = HASH_A, diffs: tuple[str, ...] = ()) -> StoredCell:
    """A stored cell with defaults."""
    return StoredCell(case_id=case_id, impl=impl, outcome=outcome, message=message,
                      diffs=diffs, output_sha256=digest)


def report(*cells: StoredCell, label: str = "r.json", schema: int = 1,
           impls: tuple[StoredImpl, ...] | None = None, cases_sha: str = "c" * 64,
           problems: tuple[str, ...] = ()) -> StoredReport:
    """A stored report holding the given cells."""
    names = dict.fromkeys(c.impl for c in cells)
    return StoredReport(
        label=label, schema_version=schema, harness_version="0.1.0", cases_sha256=cases_sha,
        golden_sha256="g" * 64,
        impls=impls if impls is not None else tuple(StoredImpl(name=n) for n in names),
        cells={(c.case_id, c.impl): c for c in cells},
        case_ids=tuple(dict.fromkeys(c.case_id for c in cells)), problems=problems,
    )


def only(old: StoredReport, new: StoredReport) -> tuple[Change, bool, bool]:
    """The kind (and bytes/message flags) of the single transition between two reports."""
    c = compare_reports(old=old, new=new)
    assert len(c.transitions) == 1, c.transitions
    t = c.transitions[0]
    return t.kind, t.bytes_changed, t.message_changed


@pytest.mark.parametrize("bad", [Outcome.FAIL, Outcome.CRASH, Outcome.TIMEOUT, Outcome.ERROR])
def test_pass_to_any_failure_is_a_regression_that_gates(bad: Outcome) -> None:
    """pass -> fail, crash, timeout or error is `regressed`, fails the gate and exits 1."""
    c = compare_reports(old=report(cell("a.x", Outcome.PASS)),
                        new=report(cell("a.x", bad, message="boom")))
    assert [t.kind for t in c.transitions] == [Change.REGRESSED]
    assert c.transitions[0].gates and not c.ok and c.exit_code == 1
    assert c.verdict() == "REGRESSED (1 regression)"


@pytest.mark.parametrize("before", [Outcome.XFAIL, Outcome.WARN, Outcome.SKIPPED, Outcome.XPASS])
def test_tolerated_outcomes_turning_bad_are_regressions(before: Outcome) -> None:
    """Anything that did not fail the old run and fails the new one is a regression."""
    kind, _, _ = only(report(cell("a.x", before)), report(cell("a.x", Outcome.FAIL)))
    assert kind is Change.REGRESSED


@pytest.mark.parametrize("before", [Outcome.FAIL, Outcome.CRASH, Outcome.XFAIL, Outcome.WARN])
def test_failure_to_pass_is_fixed_and_does_not_gate(before: Outcome) -> None:
    """Any failure turning into a pass (or an unexpected pass) is `fixed`; the gate passes."""
    c = compare_reports(old=report(cell("a.x", before)), new=report(cell("a.x", Outcome.PASS)))
    assert [t.kind for t in c.transitions] == [Change.FIXED]
    assert c.ok and c.exit_code == 0
    kind, _, _ = only(report(cell("a.x", Outcome.XFAIL)), report(cell("a.x", Outcome.XPASS)))
    assert kind is Change.FIXED


@pytest.mark.parametrize(("before", "after"), [
    (Outcome.PASS, Outcome.XFAIL), (Outcome.FAIL, Outcome.CRASH), (Outcome.SKIPPED, Outcome.PASS),
    (Outcome.PASS, Outcome.SKIPPED), (Outcome.PASS, Outcome.WARN),
])
def test_other_outcome_changes_are_reported_but_do_not_gate(before: Outcome,
                                                            after: Outcome) -> None:
    """pass -> xfail, fail -> crash, skipped -> pass ...: `changed`, visible, not gating."""
    c = compare_reports(old=report(cell("a.x", before)), new=report(cell("a.x", after)))
    assert [t.kind for t in c.transitions] == [Change.CHANGED]
    assert c.ok and c.transitions[0].outcomes() == f"{before.value} -> {after.value}"


def test_same_outcome_other_bytes_is_an_output_change() -> None:
    """Outcome unchanged, produced bytes changed: `output` with bytes flagged."""
    assert only(report(cell("a.x", Outcome.XFAIL, digest=HASH_A)),
                report(cell("a.x", Outcome.XFAIL, digest=HASH_B))) == (Change.OUTPUT, True, False)
    # A file that is now absent (None) differs from one that was there.
    assert only(report(cell("a.x", Outcome.FAIL, digest=HASH_A)),
                report(cell("a.x", Outcome.FAIL, digest=None))) == (Change.OUTPUT, True, False)


@pytest.mark.parametrize("stopped", [Outcome.SKIPPED, Outcome.CRASH, Outcome.TIMEOUT,
                                     Outcome.ERROR])
def test_a_case_that_did_not_finish_has_no_bytes_to_differ(stopped: Outcome) -> None:
    """skipped -> pass is an outcome change, not a byte change: the skipped case wrote nothing."""
    kind, bytes_changed, _ = only(report(cell("a.x", stopped, digest=None)),
                                  report(cell("a.x", Outcome.PASS, digest=HASH_A)))
    assert kind is not Change.OUTPUT and not bytes_changed


def test_same_outcome_other_message_is_an_output_change() -> None:
    """Outcome and bytes unchanged, another message or difference: `output`, message flagged."""
    assert only(report(cell("a.x", Outcome.FAIL, message="1 difference(s)", diffs=("x",))),
                report(cell("a.x", Outcome.FAIL, message="1 difference(s)", diffs=("y",)))
                ) == (Change.OUTPUT, False, True)
    c = compare_reports(old=report(cell("a.x", Outcome.FAIL, message="m1")),
                        new=report(cell("a.x", Outcome.FAIL, message="m2")),
                        compare_messages=False)
    assert c.transitions == ()


def test_identical_cells_are_not_transitions() -> None:
    """Nothing changed, nothing listed; every cell counted as compared."""
    r = report(cell("a.x", Outcome.PASS), cell("b.y", Outcome.XFAIL, message="known"))
    c = compare_reports(old=r, new=replace(r, label="new.json"))
    assert c.transitions == () and c.ok and c.compared_cells == 2


def test_heap_addresses_in_go_panics_are_not_message_changes() -> None:
    """Two runs of the same Go panic differ only in heap addresses: no transition."""
    trace = "panic\ngoroutine {g} [running]:\ncache.(*fileTokenCache).load(0x{a}?)\n +0x1a3"
    a = trace.format(g=1, a="16407720648")
    b = trace.format(g=7, a="c58e1d9a7e0")
    assert comparable_message(cell=cell("a.x", Outcome.CRASH, message=a)) == \
        comparable_message(cell=cell("a.x", Outcome.CRASH, message=b))
    assert compare_reports(old=report(cell("a.x", Outcome.XFAIL, message=a)),
                           new=report(cell("a.x", Outcome.XFAIL, message=b))).transitions == ()
    # Small numbers (offsets, sizes) still count.
    assert only(report(cell("a.x", Outcome.CRASH, message="+0x1a3")),
                report(cell("a.x", Outcome.CRASH, message="+0x1a4")))[0] is Change.OUTPUT


def test_new_case_is_listed_and_gates_only_when_it_fails() -> None:
    """A case only the new report has is `new`; a new failing cell fails the gate."""
    old = report(cell("a.x", Outcome.PASS))
    passing = compare_reports(old=old, new=report(cell("a.x", Outcome.PASS),
                                                  cell("a.y", Outcome.PASS)))
    assert [(t.kind, t.case_id) for t in passing.transitions] == [(Change.NEW, "a.y")]
    assert passing.ok
    failing = compare_reports(old=old, new=report(cell("a.x", Outcome.PASS),
                                                  cell("a.y", Outcome.FAIL)))
    assert failing.transitions[0].gates and not failing.ok


def test_removed_case_is_listed_and_does_not_gate() -> None:
    """A case only the old report has is `removed`; it does not fail the gate."""
    c = compare_reports(old=report(cell("a.x", Outcome.PASS), cell("a.y", Outcome.FAIL)),
                        new=report(cell("a.x", Outcome.PASS)))
    assert [(t.kind, t.case_id, t.outcomes()) for t in c.transitions] == [
        (Change.REMOVED, "a.y", "fail -> (none)")]
    assert c.ok


def test_an_implementation_missing_from_the_new_run_is_noted() -> None:
    """Its cells are removed, and a note names it (with the reason when unavailable)."""
    old = report(cell("a.x", Outcome.PASS), cell("a.x", Outcome.PASS, impl="go"))
    new = report(cell("a.x", Outcome.PASS), impls=(StoredImpl(name="mine"),
                                                   StoredImpl(name="go", unavailable="no Go")))
    c = compare_reports(old=old, new=new)
    assert [(t.kind, t.impl) for t in c.transitions] == [(Change.REMOVED, "go")]
    assert "go was unavailable in r.json: no Go" in c.notes


def test_new_harness_problems_gate_and_known_ones_do_not() -> None:
    """An error the old report did not have fails the gate; one it had does not."""
    old = report(cell("a.x", Outcome.PASS), problems=("bad.json: file: at <root>: boom",))
    same = compare_reports(old=old, new=old)
    assert same.ok
    worse = compare_reports(old=old, new=replace(old, problems=(*old.problems, "go missing")))
    assert worse.new_problems == ("go missing",) and not worse.ok
    assert worse.verdict() == "REGRESSED (1 new harness problem)"


def test_notes_say_when_cases_changed_or_bytes_are_unknown() -> None:
    """Changed case files and schema-0 reports are called out; schema 0 skips byte checks."""
    old = report(cell("a.x", Outcome.FAIL, digest=None), schema=0, label="old.json")
    new = report(cell("a.x", Outcome.FAIL, digest=HASH_B), cases_sha="d" * 64, label="new.json")
    c = compare_reports(old=old, new=new)
    assert c.transitions == ()  # bytes not compared against a report without hashes
    assert any(n.startswith("old.json is a schema 0 report") for n in c.notes)
    assert any(n.startswith("the case files differ") for n in c.notes)


def test_transitions_are_grouped_by_topic() -> None:
    """Topics are the first id segment(s); groups are sorted, members keep run order."""
    old = report(*(cell(c, Outcome.PASS) for c in ("b.one", "a.two.x", "a.one.y")))
    new = report(*(cell(c, Outcome.FAIL) for c in ("b.one", "a.two.x", "a.one.y")))
    c = compare_reports(old=old, new=new)
    assert {t: [x.case_id for x in ts] for t, ts in c.topics().items()} == {
        "a": ["a.two.x", "a.one.y"], "b": ["b.one"]}
    deep = compare_reports(old=old, new=new, topic_depth=2)
    assert list(deep.topics()) == ["a.one", "a.two", "b.one"]
    assert topic_of(case_id="x", depth=3) == "x"


def test_columns_of_one_run_compare_two_releases() -> None:
    """--from-impl/--to-impl: outcome and bytes per case between two columns, messages ignored."""
    run = report(
        cell("a.same", Outcome.PASS, impl="v1"), cell("a.same", Outcome.PASS, impl="v2"),
        cell("a.fixed", Outcome.XFAIL, impl="v1", message="reason v1"),
        cell("a.fixed", Outcome.PASS, impl="v2", digest=HASH_B),
        cell("b.bytes", Outcome.XFAIL, impl="v1", message="m1"),
        cell("b.bytes", Outcome.XFAIL, impl="v2", message="m2", digest=HASH_B),
        cell("b.msg", Outcome.XFAIL, impl="v1", message="m1"),
        cell("b.msg", Outcome.XFAIL, impl="v2", message="m2"),
        cell("c.worse", Outcome.PASS, impl="v1"), cell("c.worse", Outcome.CRASH, impl="v2"),
    )
    c = compare_columns(report=run, from_impl="v1", to_impl="v2")
    assert [(t.kind, t.case_id, t.bytes_changed) for t in c.transitions] == [
        (Change.FIXED, "a.fixed", True), (Change.OUTPUT, "b.bytes", True),
        (Change.REGRESSED, "c.worse", False)]
    assert c.mode == "columns" and c.old_label == "v1" and not c.ok
    with_messages = compare_columns(report=run, from_impl="v1", to_impl="v2",
                                    compare_messages=True)
    assert "b.msg" in [t.case_id for t in with_messages.transitions]


def test_columns_must_name_two_available_implementations() -> None:
    """Unknown, unavailable or identical names are usage errors naming what is there."""
    run = report(cell("a.x", Outcome.PASS, impl="v1"),
                 impls=(StoredImpl(name="v1"), StoredImpl(name="v0", unavailable="no Go")))
    with pytest.raises(UsageError, match=r"--to-impl v9: r.json has no such .*it has: v1, v0"):
        compare_columns(report=run, from_impl="v1", to_impl="v9")
    with pytest.raises(UsageError, match=r"unavailable in r\.json: no Go"):
        compare_columns(report=run, from_impl="v0", to_impl="v1")
    with pytest.raises(UsageError, match="same implementation"):
        compare_columns(report=run, from_impl="v1", to_impl="v1")
