"""One writer: a real protocol-v1 process doing K steps of store, (shared store,) lookup.

Each step stores a key of its own (`stress/<writer>/<step>`), with `--shared-key`
also overwrites the shared key, then looks up a key another writer has had
acknowledged. With a kill rate, a store is followed by a SIGKILL at a random
moment within about twice this writer's median store time (often inside the
store); the writer is then reaped, the file is read once to check it parses,
and the process is restarted and reopens the cache. Every loop is bounded: K
steps, a few reopen attempts, the clock's limit, the per-request timeout.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import statistics
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.exceptions import StressSetupError, TesteeCrashed, TesteeFailure, TesteeTimeout
from harness.protocol import (
    Failure,
    LookupRequest,
    OpenRequest,
    Response,
    StoreRequest,
    Success,
)
from harness.stress.history import (
    SHARED_KEY,
    Clock,
    History,
    KillRecord,
    LookupOutcome,
    LookupRecord,
    StoreOutcome,
    StoreRecord,
    WriterSummary,
)
from harness.stress.locks import flock_holders
from harness.stress.plan import ResolvedImpl, StressOptions
from harness.stress.sandbox import StressSandbox, read_cache
from harness.testee import SubprocessTestee

OPEN_ATTEMPTS = 5
OPEN_BACKOFF_S = 0.02
DEFAULT_KILL_WINDOW_S = 0.005
LATENCY_WINDOW = 64
KILL_WINDOW_MEDIANS = 1.0
SPIN_LIMIT_S = 0.002
EXPIRY = "2030-01-02T03:04:05Z"


def own_key(*, writer: str, step: int) -> str:
    """The key a writer stores at a step."""
    return f"stress/{writer}/{step:05d}"


def token_for(*, value: str) -> dict[str, Any]:
    """The protocol token a store writes: `value` is unique per store."""
    return {
        "access_token": value,
        "token_type": "Bearer",
        "refresh_token": f"r-{value}",
        "expiry": EXPIRY,
    }


@dataclass(frozen=True)
class WriterPlan:
    """One writer process: its label (`IMPL#i`), implementation and random seed."""

    label: str
    impl: ResolvedImpl
    seed: str


class Writer:
    """Drives one SubprocessTestee through its steps from its own thread."""

    def __init__(
        self,
        *,
        plan: WriterPlan,
        options: StressOptions,
        sandbox: StressSandbox,
        history: History,
        clock: Clock,
    ) -> None:
        self.plan = plan
        self._options = options
        self._box = sandbox
        self._history = history
        self._clock = clock
        self._rng = random.Random(plan.seed)
        self.testee = SubprocessTestee(
            name=plan.label,
            command=plan.impl.command,
            timeout=options.timeout,
            source=plan.impl.source,
            home_parent=sandbox.procs,
        )
        self._latencies: list[float] = []
        self._needs_start = True
        self._steps = self._kills = self._timeouts = self._crashes = self._open_errors = 0
        self._open_parse_errors = 0
        self._problem: str | None = None
        self.thread = threading.Thread(target=self._run_guarded, name=plan.label, daemon=True)
        self._gate: threading.Event | None = None

    # -- set-up ------------------------------------------------------------------------
    def open(self) -> None:
        """Start the process and open the cache; StressSetupError says why it cannot."""
        problem = self._start_and_open()
        if problem is not None:
            self.testee.close()
            raise StressSetupError(f"{self.plan.label}: {problem}")

    def launch(self, *, gate: threading.Event) -> None:
        """Start the thread; it waits for `gate` before its first step."""
        self._gate = gate
        self.thread.start()

    def summary(self) -> WriterSummary:
        """How this writer's run went (call after the thread ended)."""
        return WriterSummary(
            writer=self.plan.label,
            impl=self.plan.impl.name,
            steps_done=self._steps,
            starts=self.testee.starts,
            kills=self._kills,
            timeouts=self._timeouts,
            crashes=self._crashes,
            open_errors=self._open_errors,
            open_parse_errors=self._open_parse_errors,
            problem=self._problem,
        )

    def force_kill(self) -> None:
        """Last resort from another thread when the writer overran the time limit."""
        pid = self.testee.pid
        if pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)

    # -- the loop ------------------------------------------------------------------------
    def _run_guarded(self) -> None:
        try:
            if self._gate is not None:
                self._gate.wait(timeout=self._clock.limit)
            self._run()
        except Exception as exc:  # a harness bug must end up in the report, not vanish
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            self._problem = (f"writer thread failed: {type(exc).__name__}: {exc} "
                             f"({Path(frame.filename).name}:{frame.lineno})")
        finally:
            self.testee.close()

    def _run(self) -> None:
        label = self.plan.label
        for step in range(self._options.stores):
            if self._clock.expired():
                self._problem = f"time limit reached after {step} of {self._options.stores} steps"
                return
            if not self._running():
                return
            self._store(key=own_key(writer=label, step=step), value=f"{label}/{step}",
                        shared=False)
            if not self._running():
                return
            self._lookup_other()
            if self._options.shared_key:
                if not self._running():
                    return
                self._store(key=SHARED_KEY, value=f"{label}/shared/{step}", shared=True)
                if not self._running():
                    return
                self._lookup(key=SHARED_KEY, expected=None)
            self._steps += 1

    def _running(self) -> bool:
        """Restart and reopen when needed; False (with a problem) when that keeps failing."""
        if not self._needs_start and self.testee.alive():
            return True
        problem = self._start_and_open()
        if problem is None:
            return True
        self._problem = problem
        return False

    def _start_and_open(self) -> str | None:
        last = ""
        for attempt in range(OPEN_ATTEMPTS):
            if self._clock.expired():
                return "time limit reached while restarting"
            try:
                self.testee.start()
                lock = self.testee.hello.lock
                if self.plan.impl.locking and lock != "flock":
                    return (f"started with --lock but its hello does not announce "
                            f'"lock": "flock" (got {lock!r}): it does not lock')
                resp = self.testee.request(req=OpenRequest(
                    path=None, env={"HOME": str(self._box.home)}, umask=None))
            except TesteeFailure as exc:
                last = f"start: {exc}"
            else:
                if isinstance(resp, Success):
                    self._needs_start = False
                    return None
                self._open_errors += 1
                last = f"open: {_message(resp)}"
                if is_parse_error(message=last):
                    self._open_parse_errors += 1
            time.sleep(OPEN_BACKOFF_S * (2**attempt))
        return f"could not start and open the cache in {OPEN_ATTEMPTS} attempts; last: {last}"

    # -- requests ------------------------------------------------------------------------
    def _kill_window(self) -> float:
        if not self._latencies:
            return DEFAULT_KILL_WINDOW_S
        return KILL_WINDOW_MEDIANS * statistics.median(self._latencies)

    def _store(self, *, key: str, value: str, shared: bool) -> None:
        kill = self._options.kill_rate > 0 and self._rng.random() < self._options.kill_rate
        delay = self._rng.uniform(0.0, self._kill_window()) if kill else 0.0
        held: bool | None = None
        outcome: StoreOutcome
        message = ""
        sent = self._clock.now()
        try:
            wait = self.testee.submit(req=StoreRequest(key=key, token=token_for(value=value)))
            if kill:
                _pause(seconds=delay)
                held = self._holds_lock()
                self.force_kill()
            resp = wait()
        except TesteeCrashed as exc:
            outcome, message = ("killed" if kill else "crashed"), exc.reason
        except TesteeTimeout as exc:
            outcome, message = "timeout", str(exc)
        else:
            outcome = "acked" if isinstance(resp, Success) else "error"
            message = _message(resp)
        ended = self._clock.now()
        if outcome == "acked":
            self._latencies = [*self._latencies[-(LATENCY_WINDOW - 1):], ended - sent]
        self._history.add_store(record=StoreRecord(
            writer=self.plan.label, impl=self.plan.impl.name, key=key, value=value,
            shared=shared, sent=sent, ended=ended, outcome=outcome, message=message,
        ))
        if kill:
            self._after_kill(at=sent + delay, held_lock=held)
        elif outcome in ("crashed", "timeout"):
            self._note_failure(outcome=outcome)

    def _holds_lock(self) -> bool | None:
        """Did this writer hold token-cache.lock just now? (None: not locking, or unknown.)"""
        pid = self.testee.pid
        if not self.plan.impl.locking or pid is None:
            return None
        holders = flock_holders(path=self._box.lock_path)
        return None if holders is None else pid in holders

    def _after_kill(self, *, at: float, held_lock: bool | None) -> None:
        self._kills += 1
        self.testee.close()  # reaps the killed process, so it can no longer write
        parsed, detail = check_file(path=self._box.cache_path, root=self._box.root)
        self._history.add_kill(record=KillRecord(
            writer=self.plan.label, impl=self.plan.impl.name, at=at, file_parsed=parsed,
            held_lock=held_lock, detail=detail,
        ))
        self._needs_start = True

    def _note_failure(self, *, outcome: str) -> None:
        if outcome == "timeout":
            self._timeouts += 1
        else:
            self._crashes += 1
        self._needs_start = True

    def _lookup_other(self) -> None:
        target = self._history.acked_key_of_another(writer=self.plan.label, rng=self._rng)
        if target is not None:
            self._lookup(key=target[0], expected=target[1])

    def _lookup(self, *, key: str, expected: str | None) -> None:
        """Look `key` up; `expected` None means the shared key (any value is recorded)."""
        outcome: LookupOutcome
        got: str | None = None
        message = ""
        sent = self._clock.now()
        try:
            resp = self.testee.request(req=LookupRequest(key=key))
        except TesteeCrashed as exc:
            outcome, message = "crashed", exc.reason
        except TesteeTimeout as exc:
            outcome, message = "timeout", str(exc)
        else:
            outcome, got, message = _lookup_outcome(resp=resp, expected=expected)
        self._history.add_lookup(record=LookupRecord(
            writer=self.plan.label, impl=self.plan.impl.name, key=key, expected=expected,
            shared=expected is None, sent=sent, ended=self._clock.now(), outcome=outcome,
            got=got, message=message,
        ))
        if outcome in ("crashed", "timeout"):
            self._note_failure(outcome=outcome)


def _pause(*, seconds: float) -> None:
    """Wait `seconds`; short waits spin, since sleep overshoots them by more than a store."""
    end = time.perf_counter() + seconds
    if seconds > SPIN_LIMIT_S:
        time.sleep(seconds - SPIN_LIMIT_S)
    while time.perf_counter() < end:
        pass


def _message(resp: Response) -> str:
    return f"{resp.kind}: {resp.message}" if isinstance(resp, Failure) else ""


def _lookup_outcome(
    *, resp: Response, expected: str | None
) -> tuple[LookupOutcome, str | None, str]:
    """(outcome, the access token found, message); `expected` None accepts any value."""
    if isinstance(resp, Success):
        token = resp.result.get("token")
        got = token.get("access_token") if isinstance(token, Mapping) else None
        if expected is None or got == expected:
            return "found", got, ""
        return "wrong", got, f"got {got!r}"
    if resp.kind == "not_found":
        return "missing", None, resp.message
    return "error", None, _message(resp)


def is_parse_error(*, message: str) -> bool:
    """An error a writer reports because the file did not parse when it read it.

    Go and the reference both wrap it as `load: parse: ...`.
    """
    return "parse:" in message


def check_file(*, path: Path, root: Path) -> tuple[bool, str]:
    """Does the cache file parse right now? (False with the reason when not.)"""
    read = read_cache(path=path, root=root)
    if read.status == "ok":
        return True, ""
    return False, f"{read.status} {read.detail}".strip()
