"""Progress of long work on stderr: one live line on a terminal, plain lines elsewhere.

On a terminal the line is redrawn in place (`\\r`, then erase to the end of the
line), at most every `LIVE_INTERVAL` seconds; a `ticking` bar also redraws on
its own every second, so a step that takes a minute (a Go build) still shows
the clock moving. Elsewhere (CI logs, pipes, files) it prints whole lines: the
start, each step when there are few, else every tenth of the way, and the end.

`TOKENCACHE_COMPAT_PROGRESS` overrides the choice: `off`, `plain` or `live`
(default `auto`: live on a terminal).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

PROGRESS_ENV = "TOKENCACHE_COMPAT_PROGRESS"
MODES = ("auto", "off", "plain", "live")
LIVE_INTERVAL = 0.1  # seconds between two redraws of the live line
TICK_SECONDS = 1.0
PLAIN_EVERY_STEP_UP_TO = 20  # totals up to this print every step in plain mode
PLAIN_STEPS = 10  # otherwise a line every tenth of the way
PLAIN_MIN_SECONDS = 2.0  # and never two plain lines closer than this (the last one aside)
_ERASE = "\x1b[K"


def progress_mode(*, stream: TextIO, mode: str | None = None) -> str:
    """`off`, `plain` or `live`: the given mode, else the environment's, else by the stream."""
    chosen = (mode or os.environ.get(PROGRESS_ENV, "") or "auto").strip().lower()
    if chosen not in MODES:
        chosen = "auto"
    if chosen != "auto":
        return chosen
    try:
        return "live" if stream.isatty() else "plain"
    except (AttributeError, ValueError):  # a closed or odd stream
        return "plain"


def _elapsed(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f}s"
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


class Progress:
    """One task's progress; use as a context manager, or call `finish` at the end."""

    def __init__(
        self,
        *,
        label: str,
        total: int | None = None,
        unit: str = "",
        stream: TextIO | None = None,
        mode: str | None = None,
        ticking: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.stream: TextIO = stream if stream is not None else sys.stderr
        self.mode = progress_mode(stream=self.stream, mode=mode)
        self.done = 0
        self.detail = ""
        self._clock = clock
        self._started = clock()
        self._drawn = -1.0
        self._next_plain = 0
        self._plain_at: float | None = None
        self._width = 0
        self._lock = threading.Lock()
        self._finished = False
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()
        # Plain mode writes its first line at the first update: by then the total is known.
        if self.mode == "live":
            self._draw(force=True)
            if ticking:
                self._ticker = threading.Thread(target=self._tick, daemon=True,
                                                name=f"progress: {label}")
                self._ticker.start()

    # -- what the caller says ------------------------------------------------------------
    def update(self, *, done: int, detail: str = "") -> None:
        """Set how much is done (and what is happening now)."""
        with self._lock:
            if self._finished:
                return
            self.done = done
            self.detail = detail
            if self.mode == "live":
                self._draw(force=False)
            elif self.mode == "plain" and self._plain_due():
                self._write_line(self._text())
                self._advance_plain_mark()

    def advance(self, *, step: int = 1, detail: str = "") -> None:
        """Count `step` more done."""
        self.update(done=self.done + step, detail=detail)

    def note(self, *, text: str) -> None:
        """A line that stays (the live line is redrawn below it)."""
        with self._lock:
            if self.mode == "off":
                return
            if self.mode == "live":
                self._clear()
                self._write_line(text)
                if not self._finished:
                    self._draw(force=True)
            else:
                self._write_line(text)

    def finish(self, *, text: str = "") -> None:
        """The last line: `text`, or the label with the final count and the time taken."""
        with self._lock:
            if self._finished:
                return
            self._finished = True
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=2 * TICK_SECONDS)
        with self._lock:
            if self.mode == "off":
                return
            final = text or self._text(final=True)
            if self.mode == "live":
                self._clear()
            self._write_line(final)

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.finish()

    # -- drawing ------------------------------------------------------------------------------
    def _text(self, *, final: bool = False) -> str:
        count = f"{self.done}" if self.total is None else f"{self.done}/{self.total}"
        unit = f" {self.unit}" if self.unit else ""
        parts = [f"{self.label}: {count}{unit}"]
        if final or self.mode == "live" or self.done:
            parts.append(_elapsed(self._clock() - self._started))
        if self.detail and not final:
            parts.append(self.detail)
        return ", ".join(parts)

    def _plain_due(self) -> bool:
        if self.done < self._next_plain or self.done == self.total:
            return False  # the end is `finish`'s line
        return self._plain_at is None or self._clock() - self._plain_at >= PLAIN_MIN_SECONDS

    def _advance_plain_mark(self) -> None:
        self._plain_at = self._clock()
        total = self.total
        if total is None or total <= PLAIN_EVERY_STEP_UP_TO:
            self._next_plain = self.done + 1
            return
        step = max(1, total // PLAIN_STEPS)
        self._next_plain = (self.done // step + 1) * step

    def _draw(self, *, force: bool) -> None:
        now = self._clock()
        if not force and now - self._drawn < LIVE_INTERVAL:
            return
        self._drawn = now
        text = self._text()
        self.stream.write("\r" + text + _ERASE)
        self.stream.flush()
        self._width = len(text)

    def _clear(self) -> None:
        self.stream.write("\r" + _ERASE)
        self._width = 0

    def _write_line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def _tick(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            with self._lock:
                if self._finished:
                    return
                self._draw(force=True)
