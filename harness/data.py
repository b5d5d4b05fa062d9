"""The shared result model: what a run produced, independent of how it is rendered."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """What happened to one case on one implementation."""

    PASS = "pass"
    FAIL = "fail"
    CRASH = "crash"
    TIMEOUT = "timeout"
    SKIPPED = "skipped"
    XFAIL = "xfail"
    XPASS = "xpass"
    WARN = "warn"
    ERROR = "error"
    BROKEN = "broken"  # not run: the implementation was marked broken (harness.breaker)

    @property
    def symbol(self) -> str:
        """One character for the terminal/markdown matrix."""
        return _SYMBOLS[self]

    @property
    def unexpected(self) -> bool:
        """True when this outcome makes the run fail."""
        return self in UNEXPECTED


_SYMBOLS = {
    Outcome.PASS: ".",
    Outcome.FAIL: "F",
    Outcome.CRASH: "C",
    Outcome.TIMEOUT: "T",
    Outcome.SKIPPED: "s",
    Outcome.XFAIL: "x",
    Outcome.XPASS: "X",
    Outcome.WARN: "w",
    Outcome.ERROR: "E",
    Outcome.BROKEN: "B",
}

UNEXPECTED = frozenset(
    {Outcome.FAIL, Outcome.CRASH, Outcome.TIMEOUT, Outcome.XPASS, Outcome.ERROR, Outcome.BROKEN}
)


@dataclass(frozen=True)
class ImplInfo:
    """One implementation a run uses (or would have used, when unavailable)."""

    name: str
    kind: str  # "in-process" or "subprocess"
    command: tuple[str, ...] = ()
    hello: Mapping[str, Any] | None = None
    unavailable: str | None = None
    source: str = ""
    confinement: str = ""  # how a subprocess testee ran (harness.confine); "" in process


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case on one implementation, with every difference found."""

    case_id: str
    impl: str
    outcome: Outcome
    message: str = ""
    diffs: tuple[str, ...] = ()
    # sha256 of the case's final cache file after the last step (None: absent, unread,
    # or the case did not get that far); `compare` tells byte changes apart with it.
    output_sha256: str | None = None
    # What each difference is about (harness/messages.py: behaviour, message,
    # go-type-names); empty means every difference is about behaviour.
    kinds: tuple[str, ...] = ()
    reason: str = ""  # the expected-failure reason of an xfail or xpass

    @property
    def message_only(self) -> bool:
        """True when there are differences and every one is only about error messages."""
        return bool(self.diffs) and len(self.kinds) == len(self.diffs) and all(
            k in ("message", "go-type-names") for k in self.kinds
        )

    @property
    def type_names_only(self) -> bool:
        """True when every difference is only about Go type names in messages."""
        return self.message_only and all(k == "go-type-names" for k in self.kinds)

    def text(self) -> str:
        """Message and differences as one text block."""
        return "\n".join([*([self.message] if self.message else []),
                          *(f"- {d}" for d in self.diffs)])


DATA_LOSS_TAG = "data-loss"


@dataclass(frozen=True)
class DataLoss:
    """A case that pins (or guards against) behaviour losing data, and what is lost.

    shown_by "pass": the spec pins a lossy behaviour (unknown fields dropped at the
    next write), so an implementation that passes shows the loss. "fail": the case
    checks that data survives (expires_in written back), so one that fails shows it.
    """

    what: str
    shown_by: str = "pass"

    def shown(self, *, outcome: Outcome) -> bool:
        """Whether a result with this outcome shows the loss."""
        if self.shown_by == "pass":
            return outcome in (Outcome.PASS, Outcome.XPASS)
        return outcome in (Outcome.FAIL, Outcome.XFAIL, Outcome.WARN)


@dataclass(frozen=True)
class RunSource:
    """Where a run's cases came from, so a stored report can be compared with another."""

    cases_dir: str
    cases_sha256: str  # every case file in the folder, names and bytes
    golden_sha256: str  # every golden file, names and bytes
    case_files: Mapping[str, str] = field(default_factory=dict)  # case id -> file name


@dataclass(frozen=True)
class LoadError:
    """A case file (or one case in it) that could not be loaded."""

    file: str
    case: str | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"case {self.case}" if self.case is not None else "file"
        return f"{self.file}: {where}: at {self.field or '<root>'}: {self.message}"


@dataclass(frozen=True)
class RunResult:
    """Everything a run produced; the input of every report renderer."""

    impls: tuple[ImplInfo, ...]
    results: tuple[CaseResult, ...]
    load_errors: tuple[LoadError, ...] = ()
    harness_errors: tuple[str, ...] = ()
    case_ids: tuple[str, ...] = field(default=())
    source: RunSource | None = None
    incomplete: str | None = None  # why not every cell ran (an interrupt), None when all did
    data_loss: Mapping[str, DataLoss] = field(default_factory=dict)  # case id → what is lost

    @property
    def ok(self) -> bool:
        """True when nothing unexpected happened."""
        return (
            self.incomplete is None
            and not self.load_errors
            and not self.harness_errors
            and not any(r.outcome.unexpected for r in self.results)
        )

    @property
    def exit_code(self) -> int:
        """0 when the run is clean, 1 otherwise."""
        return 0 if self.ok else 1

    def available_impls(self) -> tuple[ImplInfo, ...]:
        """The implementations that actually ran."""
        return tuple(i for i in self.impls if i.unavailable is None)

    def totals(self, *, impl: str) -> dict[Outcome, int]:
        """Count of each outcome for one implementation, in enum order, zeros omitted."""
        counts = {o: 0 for o in Outcome}
        for r in self.results:
            if r.impl == impl:
                counts[r.outcome] += 1
        return {o: n for o, n in counts.items() if n}
