"""What a comparison works on (stored reports, their cells) and what it finds (transitions)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from harness.data import Outcome

DEFAULT_TOPIC_DEPTH = 1  # topics are the first segment of a case id (`decode`, `fs`)
# Outcomes that fail a run: a cell that turns into one of these is a regression.
BAD = frozenset({Outcome.FAIL, Outcome.CRASH, Outcome.TIMEOUT, Outcome.ERROR})
# Outcomes where the implementation does what the spec says.
PASSING = frozenset({Outcome.PASS, Outcome.XPASS})


def topic_of(*, case_id: str, depth: int = DEFAULT_TOPIC_DEPTH) -> str:
    """The topic of a case: its id's first `depth` dot-separated segments."""
    return ".".join(case_id.split(".")[: max(1, depth)])


class Change(StrEnum):
    """The kind of a transition, in the order reports list them."""

    REGRESSED = "regressed"  # to fail, crash, timeout or error from anything else
    FIXED = "fixed"  # to pass (or an unexpected pass) from any failure
    CHANGED = "changed"  # any other change of outcome (e.g. pass -> xfail, fail -> crash)
    OUTPUT = "output"  # same outcome, other bytes on disk or another message
    NEW = "new"  # a case (or implementation) only the new side has
    REMOVED = "removed"  # a case (or implementation) only the old side has

    @property
    def label(self) -> str:
        """A heading for reports."""
        return _TITLES[self]


_TITLES = {
    Change.REGRESSED: "regressed",
    Change.FIXED: "fixed",
    Change.CHANGED: "outcome changed",
    Change.OUTPUT: "bytes or message changed",
    Change.NEW: "new",
    Change.REMOVED: "removed",
}


@dataclass(frozen=True)
class StoredCell:
    """One case on one implementation, as a report recorded it."""

    case_id: str
    impl: str
    outcome: Outcome
    message: str = ""
    diffs: tuple[str, ...] = ()
    output_sha256: str | None = None


@dataclass(frozen=True)
class StoredImpl:
    """One implementation of a stored report."""

    name: str
    kind: str = ""
    command: tuple[str, ...] = ()
    hello: Mapping[str, Any] | None = None
    unavailable: str | None = None


@dataclass(frozen=True)
class StoredReport:
    """A run read back from its JSON report (or taken from a run in memory)."""

    label: str  # the file it came from, or "this run"
    schema_version: int
    harness_version: str | None
    cases_sha256: str | None
    golden_sha256: str | None
    impls: tuple[StoredImpl, ...]
    cells: Mapping[tuple[str, str], StoredCell]  # (case id, impl) -> cell
    case_ids: tuple[str, ...] = ()
    case_files: Mapping[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()  # case file errors and harness errors, as text

    def impl(self, *, name: str) -> StoredImpl | None:
        """The implementation of that name, if the report has it."""
        return next((i for i in self.impls if i.name == name), None)

    def column(self, *, impl: str) -> dict[str, StoredCell]:
        """Every cell of one implementation, by case id."""
        return {cid: c for (cid, name), c in self.cells.items() if name == impl}


@dataclass(frozen=True)
class Transition:
    """What happened to one case on one implementation between the old and the new side."""

    kind: Change
    case_id: str
    impl: str
    topic: str
    old: StoredCell | None
    new: StoredCell | None
    bytes_changed: bool = False
    message_changed: bool = False

    @property
    def gates(self) -> bool:
        """True when this transition fails the gate: a regression, or a new failing cell."""
        if self.kind is Change.REGRESSED:
            return True
        return self.kind is Change.NEW and self.new is not None and self.new.outcome in BAD

    def outcomes(self) -> str:
        """`pass -> fail`, `(none) -> pass`, ..."""
        old = self.old.outcome.value if self.old else "(none)"
        new = self.new.outcome.value if self.new else "(none)"
        return f"{old} -> {new}"

    def what_changed(self) -> str:
        """What differs besides the outcome: `bytes`, `message`, both or ""."""
        parts = [p for p, on in (("bytes", self.bytes_changed),
                                 ("message", self.message_changed)) if on]
        return " and ".join(parts)


@dataclass(frozen=True)
class Comparison:
    """Every transition between two sides, plus what the reader should know about them."""

    mode: str  # "reports" (OLD.json vs NEW.json) or "columns" (two impls of one run)
    old_label: str
    new_label: str
    transitions: tuple[Transition, ...]
    notes: tuple[str, ...] = ()  # e.g. the case files differ; no byte hashes in a report
    new_problems: tuple[str, ...] = ()  # harness or case-file errors the old side did not have
    compared_cells: int = 0

    def of_kind(self, *, kind: Change) -> tuple[Transition, ...]:
        """The transitions of one kind, in report order."""
        return tuple(t for t in self.transitions if t.kind is kind)

    @property
    def gating(self) -> tuple[Transition, ...]:
        """The transitions that fail the gate."""
        return tuple(t for t in self.transitions if t.gates)

    @property
    def ok(self) -> bool:
        """True when nothing regressed and no new harness or case-file problem appeared."""
        return not self.gating and not self.new_problems

    @property
    def exit_code(self) -> int:
        """0 when ok, 1 otherwise."""
        return 0 if self.ok else 1

    def counts(self) -> dict[Change, int]:
        """Number of transitions of each kind (every kind present, zeros included)."""
        out = {k: 0 for k in Change}
        for t in self.transitions:
            out[t.kind] += 1
        return out

    def topics(self) -> dict[str, list[Transition]]:
        """Transitions grouped by topic, topics sorted, each group in report order."""
        groups: dict[str, list[Transition]] = {}
        for t in self.transitions:
            groups.setdefault(t.topic, []).append(t)
        return dict(sorted(groups.items()))

    def verdict(self) -> str:
        """One line: the gate's answer."""
        regressions = len(self.gating)
        if self.ok:
            return "NO REGRESSIONS"
        parts = []
        if regressions:
            parts.append(f"{regressions} regression{'s' if regressions != 1 else ''}")
        if self.new_problems:
            n = len(self.new_problems)
            parts.append(f"{n} new harness problem{'s' if n != 1 else ''}")
        return "REGRESSED (" + ", ".join(parts) + ")"
