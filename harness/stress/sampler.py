"""A reader that samples the cache file throughout a mix and counts torn (unparseable) reads."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from harness.stress.history import Clock
from harness.stress.sandbox import read_cache

MAX_SAMPLES = 1_000_000
MAX_EXAMPLES = 3


@dataclass(frozen=True)
class SamplerResult:
    """What the reader saw: reads, torn reads (with a few examples), absent file, errors."""

    reads: int
    unparseable: int
    missing: int
    errors: int
    examples: tuple[str, ...]


class ReaderSampler:
    """Reads the file every `interval` seconds in a thread until stopped (bounded in count
    and by the clock's limit)."""

    def __init__(self, *, path: Path, root: Path, clock: Clock, interval: float) -> None:
        self._path = path
        self._root = root
        self._clock = clock
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="stress-reader", daemon=True)
        self._reads = self._unparseable = self._missing = self._errors = 0
        self._examples: list[str] = []

    def start(self) -> None:
        """Start sampling."""
        self._thread.start()

    def stop(self) -> SamplerResult:
        """Stop, wait for the thread and return the counts."""
        self._stop.set()
        self._thread.join(timeout=10.0)
        return SamplerResult(
            reads=self._reads,
            unparseable=self._unparseable,
            missing=self._missing,
            errors=self._errors,
            examples=tuple(self._examples),
        )

    def _loop(self) -> None:
        while (
            not self._stop.is_set() and self._reads < MAX_SAMPLES and not self._clock.expired()
        ):
            read = read_cache(path=self._path, root=self._root)
            self._reads += 1
            if read.status == "unparseable":
                self._unparseable += 1
                if len(self._examples) < MAX_EXAMPLES:
                    self._examples.append(f"at {self._clock.now():.3f}s: {read.detail}")
            elif read.status == "missing":
                self._missing += 1
            elif read.status == "error":
                self._errors += 1
            self._stop.wait(self._interval)
