"""What the writers did, as timed records, collected from every writer thread.

Times are seconds on one monotonic clock from the start of the mix, taken by the
harness: `sent` just before a request is written, `ended` when its answer (or the
writer's death) was seen. The store itself happened somewhere between the two.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

StoreOutcome = Literal["acked", "error", "killed", "crashed", "timeout"]
LookupOutcome = Literal["found", "wrong", "missing", "error", "crashed", "timeout"]

SHARED_KEY = "stress/shared"


@dataclass(frozen=True)
class StoreRecord:
    """One store request: whose, which key and value, when, and how it ended."""

    writer: str
    impl: str
    key: str
    value: str
    shared: bool
    sent: float
    ended: float
    outcome: StoreOutcome
    message: str = ""

    @property
    def acked(self) -> bool:
        """The writer answered ok: the store must be in the file from then on."""
        return self.outcome == "acked"


@dataclass(frozen=True)
class LookupRecord:
    """One lookup: of another writer's acknowledged key (`expected` is its value), or of
    the shared key (`shared`; `got` is what it held, None when absent)."""

    writer: str
    impl: str
    key: str
    expected: str | None
    shared: bool
    sent: float
    ended: float
    outcome: LookupOutcome
    got: str | None = None
    message: str = ""


@dataclass(frozen=True)
class KillRecord:
    """One SIGKILL of a writer, and whether the file parsed once the writer was dead.

    `held_lock`: the writer held token-cache.lock just before the signal (None when it
    does not lock or /proc/locks cannot tell).
    """

    writer: str
    impl: str
    at: float
    file_parsed: bool
    held_lock: bool | None = None
    detail: str = ""


@dataclass(frozen=True)
class WriterSummary:
    """How one writer's run went."""

    writer: str
    impl: str
    steps_done: int
    starts: int
    kills: int
    timeouts: int
    crashes: int
    open_errors: int
    open_parse_errors: int
    problem: str | None = None


class Clock:
    """Seconds since the mix started, and its deadline."""

    def __init__(self, *, limit: float) -> None:
        self._t0 = time.monotonic()
        self.limit = limit

    def now(self) -> float:
        """Seconds since the start."""
        return time.monotonic() - self._t0

    def expired(self) -> bool:
        """True once the time limit has passed."""
        return self.now() >= self.limit


class History:
    """Thread-safe collector of every record, plus the acknowledged keys for lookups."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stores: list[StoreRecord] = []
        self._lookups: list[LookupRecord] = []
        self._kills: list[KillRecord] = []
        self._acked: dict[str, list[tuple[str, str]]] = {}

    def add_store(self, *, record: StoreRecord) -> None:
        """Record a store; an acknowledged own-key store becomes a lookup target."""
        with self._lock:
            self._stores.append(record)
            if record.acked and not record.shared:
                self._acked.setdefault(record.writer, []).append((record.key, record.value))

    def add_lookup(self, *, record: LookupRecord) -> None:
        """Record a lookup."""
        with self._lock:
            self._lookups.append(record)

    def add_kill(self, *, record: KillRecord) -> None:
        """Record a kill."""
        with self._lock:
            self._kills.append(record)

    def acked_key_of_another(self, *, writer: str, rng: random.Random) -> tuple[str, str] | None:
        """A random (key, value) another writer has had acknowledged, or None yet."""
        with self._lock:
            others = [w for w in self._acked if w != writer]
            if not others:
                return None
            return rng.choice(self._acked[rng.choice(sorted(others))])

    @property
    def stores(self) -> Sequence[StoreRecord]:
        """Every store so far (a copy)."""
        with self._lock:
            return tuple(self._stores)

    @property
    def lookups(self) -> Sequence[LookupRecord]:
        """Every lookup so far (a copy)."""
        with self._lock:
            return tuple(self._lookups)

    @property
    def kills(self) -> Sequence[KillRecord]:
        """Every kill so far (a copy)."""
        with self._lock:
            return tuple(self._kills)
