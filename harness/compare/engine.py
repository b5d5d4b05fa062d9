"""Transitions between two sides: two stored reports, or two columns of one report.

Each (case, implementation) present on either side is classified once
(model.Change); cells whose outcome, bytes and message all agree are not
transitions. Messages are compared after removing what varies from run to run
by itself (heap addresses in Go panic traces), so only real changes show.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from harness.compare.model import (
    BAD,
    DEFAULT_TOPIC_DEPTH,
    PASSING,
    Change,
    Comparison,
    StoredCell,
    StoredImpl,
    StoredReport,
    Transition,
    topic_of,
)
from harness.data import Outcome
from harness.exceptions import UsageError

# Outcomes of a case that did not reach its end: no byte hash, and no file to compare.
STOPPED = frozenset({Outcome.SKIPPED, Outcome.CRASH, Outcome.TIMEOUT, Outcome.ERROR})
_HEAP_ADDRESS = re.compile(r"0x[0-9a-f]{8,}\??")
_GOROUTINE = re.compile(r"goroutine \d+ \[")


def comparable_message(*, cell: StoredCell) -> str:
    """Message and differences of a cell, without what changes on every run anyway."""
    text = "\n".join([cell.message, *cell.diffs])
    text = _HEAP_ADDRESS.sub("0x…", text)
    return _GOROUTINE.sub("goroutine N [", text)


def classify(
    *, old: StoredCell | None, new: StoredCell | None, compare_bytes: bool,
    compare_messages: bool,
) -> tuple[Change, bool, bool] | None:
    """The kind of change between two cells and whether bytes and message differ; None: same."""
    if old is None and new is None:
        return None
    if old is None:
        return Change.NEW, False, False
    if new is None:
        return Change.REMOVED, False, False
    bytes_changed = compare_bytes and old.output_sha256 != new.output_sha256 and (
        # No hash is "no file" only for a case that ran to its end.
        (old.output_sha256 is not None and new.output_sha256 is not None)
        or (old.outcome not in STOPPED and new.outcome not in STOPPED)
    )
    message_changed = compare_messages and (
        comparable_message(cell=old) != comparable_message(cell=new)
    )
    o, n = old.outcome, new.outcome
    if o is n:
        if bytes_changed or message_changed:
            return Change.OUTPUT, bytes_changed, message_changed
        return None
    if n in BAD and o not in BAD:
        kind = Change.REGRESSED
    elif n in PASSING and o not in PASSING and o is not Outcome.SKIPPED:
        kind = Change.FIXED
    else:
        kind = Change.CHANGED
    return kind, bytes_changed, message_changed


def _ordered(first: Sequence[str], second: Iterable[str]) -> list[str]:
    seen = dict.fromkeys(first)
    seen.update(dict.fromkeys(second))
    return list(seen)


def _short(digest: str | None) -> str:
    return (digest or "none")[:12]


def _hello_text(impl: StoredImpl) -> str:
    h = impl.hello or {}
    return f"{h.get('name', '?')} {h.get('version', '?')} ({h.get('runtime', '?')})"


def _report_notes(*, old: StoredReport, new: StoredReport) -> list[str]:
    notes: list[str] = []
    for side in (old, new):
        if side.schema_version < 1:
            notes.append(
                f"{side.label} is a schema {side.schema_version} report (no byte hashes): "
                "bytes are not compared; store reports written by this harness"
            )
    if old.harness_version != new.harness_version:
        notes.append(f"harness version {old.harness_version} -> {new.harness_version}")
    for what, a, b in (("case files", old.cases_sha256, new.cases_sha256),
                       ("golden files", old.golden_sha256, new.golden_sha256)):
        if a and b and a != b:
            notes.append(
                f"the {what} differ (sha256 {_short(a)}… -> {_short(b)}…): a transition may "
                "come from a changed case rather than a changed implementation"
            )
    new_names = {i.name for i in new.impls}
    old_names = {i.name for i in old.impls}
    for impl in old.impls:
        if impl.name not in new_names:
            notes.append(f"{impl.name} is only in {old.label}: its cells count as removed")
    for impl in new.impls:
        if impl.name not in old_names:
            notes.append(f"{impl.name} is only in {new.label}: its cells count as new")
        before = old.impl(name=impl.name)
        if before is None:
            continue
        if impl.unavailable is not None and before.unavailable is None:
            notes.append(f"{impl.name} was unavailable in {new.label}: {impl.unavailable}")
        if before.hello and impl.hello and _hello_text(before) != _hello_text(impl):
            notes.append(f"{impl.name}: {_hello_text(before)} -> {_hello_text(impl)}")
    return notes


def compare_reports(
    *, old: StoredReport, new: StoredReport, topic_depth: int = DEFAULT_TOPIC_DEPTH,
    compare_messages: bool = True,
) -> Comparison:
    """Every transition from the old report to the new one, per case and implementation."""
    compare_bytes = old.schema_version >= 1 and new.schema_version >= 1
    case_order = _ordered(new.case_ids, [*old.case_ids, *(c for c, _ in new.cells),
                                         *(c for c, _ in old.cells)])
    impl_order = _ordered([i.name for i in new.impls],
                          [*(i.name for i in old.impls), *(n for _, n in new.cells),
                           *(n for _, n in old.cells)])
    case_rank = {c: n for n, c in enumerate(case_order)}
    impl_rank = {i: n for n, i in enumerate(impl_order)}
    keys = sorted(set(old.cells) | set(new.cells),
                  key=lambda k: (topic_of(case_id=k[0], depth=topic_depth),
                                 case_rank[k[0]], impl_rank[k[1]]))
    transitions = []
    for key in keys:
        before, after = old.cells.get(key), new.cells.get(key)
        found = classify(old=before, new=after, compare_bytes=compare_bytes,
                         compare_messages=compare_messages)
        if found is None:
            continue
        kind, bytes_changed, message_changed = found
        transitions.append(Transition(
            kind=kind, case_id=key[0], impl=key[1],
            topic=topic_of(case_id=key[0], depth=topic_depth),
            old=before, new=after, bytes_changed=bytes_changed,
            message_changed=message_changed,
        ))
    return Comparison(
        mode="reports",
        old_label=old.label,
        new_label=new.label,
        transitions=tuple(transitions),
        notes=tuple(_report_notes(old=old, new=new)),
        new_problems=tuple(p for p in new.problems if p not in old.problems),
        compared_cells=len(set(old.cells) & set(new.cells)),
    )


def _column(report: StoredReport, name: str, option: str) -> Mapping[str, StoredCell]:
    impl = report.impl(name=name)
    if impl is None:
        known = ", ".join(i.name for i in report.impls) or "none"
        raise UsageError(f"{option} {name}: {report.label} has no such implementation "
                         f"(it has: {known})")
    if impl.unavailable is not None:
        raise UsageError(f"{option} {name}: unavailable in {report.label}: {impl.unavailable}")
    return report.column(impl=name)


def compare_columns(
    *, report: StoredReport, from_impl: str, to_impl: str,
    topic_depth: int = DEFAULT_TOPIC_DEPTH, compare_messages: bool = False,
) -> Comparison:
    """Cases whose outcome or bytes differ between two implementations of one run.

    Messages are left out by default: expected-failure reasons and Go panic traces
    name the release, so they differ between any two columns.
    """
    if from_impl == to_impl:
        raise UsageError("--from-impl and --to-impl name the same implementation")
    old = _column(report, from_impl, "--from-impl")
    new = _column(report, to_impl, "--to-impl")
    order = _ordered(report.case_ids, [*old, *new])
    order.sort(key=lambda c: topic_of(case_id=c, depth=topic_depth))  # stable: keeps run order
    transitions = []
    for cid in order:
        found = classify(old=old.get(cid), new=new.get(cid),
                         compare_bytes=report.schema_version >= 1,
                         compare_messages=compare_messages)
        if found is None:
            continue
        kind, bytes_changed, message_changed = found
        transitions.append(Transition(
            kind=kind, case_id=cid, impl=to_impl, topic=topic_of(case_id=cid, depth=topic_depth),
            old=old.get(cid), new=new.get(cid), bytes_changed=bytes_changed,
            message_changed=message_changed,
        ))
    notes = []
    if report.schema_version < 1:
        notes.append(f"{report.label} is a schema {report.schema_version} report (no byte "
                     "hashes): only outcomes are compared")
    a, b = report.impl(name=from_impl), report.impl(name=to_impl)
    if a is not None and b is not None and a.hello and b.hello:
        notes.append(f"{from_impl}: {_hello_text(a)}; {to_impl}: {_hello_text(b)}")
    return Comparison(
        mode="columns",
        old_label=from_impl,
        new_label=to_impl,
        transitions=tuple(transitions),
        notes=tuple(notes),
        compared_cells=len(set(old) & set(new)),
    )
