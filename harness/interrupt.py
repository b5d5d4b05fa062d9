"""SIGINT and SIGTERM: stop at once, clean up, keep what finished.

While a command runs (`handling()`), the first SIGINT or SIGTERM raises
`Interrupted` (a KeyboardInterrupt, so `finally` blocks and hypothesis treat it
as a user interrupt) wherever the program is, unless it is inside a `deferred()`
block, which delays it to the block's end so that no process or temp dir is
half registered. Later signals change nothing: the program is already
stopping, and its cleanup must not be cut short. Testees see `requested()` and
skip their polite shutdown; the run loops catch `Interrupted`, keep the results
that finished and mark their reports incomplete; the command line ends every
testee process group, removes every temp dir, prints one line and exits 130.

Python swallows an exception raised where it cannot propagate (a gc callback,
`__del__`, a weakref callback) and reports it to `sys.unraisablehook`; there
the interrupt is caught and the signal sent again to the main thread, so that
it lands in ordinary code instead of being lost and leaving the run going.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FrameType


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived during a command; `signame` says which.

    A signal, not an error, so it lives here and not under HarnessError: a
    KeyboardInterrupt, so no `except Exception` swallows it and hypothesis stops
    at once instead of shrinking.
    """

    def __init__(self, *, signame: str) -> None:
        super().__init__(signame)
        self.signame = signame

__all__ = ["EXIT_CODE", "SIGNALS", "Interrupted", "deferred", "handling", "notice",
           "requested", "set_summary", "worker_setup"]

EXIT_CODE = 130
SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass
class _State:
    signame: str | None = None
    pending: bool = False
    redeliver: bool = False
    depth: int = 0
    summary: str = ""
    # In a worker: the cleanup SIGTERM runs, and whether it waits for a deferred block.
    worker_cleanup: Callable[[], object] | None = None
    exit_pending: bool = False


_STATE = _State()


def requested() -> str | None:
    """The name of the signal that interrupted this run, or None."""
    return _STATE.signame


def _handler(signum: int, frame: FrameType | None) -> None:
    if _STATE.redeliver:
        _STATE.redeliver = False
        raise Interrupted(signame=_STATE.signame or signal.Signals(signum).name)
    if _STATE.signame is not None:
        return  # already stopping
    _STATE.signame = signal.Signals(signum).name
    if _STATE.depth > 0:
        _STATE.pending = True
        return
    raise Interrupted(signame=_STATE.signame)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """A block an interrupt does not cut in two: it is raised at the block's end instead.

    Only the main thread is ever interrupted (signal handlers run there), so only it
    counts; other threads (stress writers) pass straight through.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _STATE.depth += 1
    try:
        yield
    finally:
        _STATE.depth -= 1
        if _STATE.depth == 0 and _STATE.exit_pending:
            _worker_exit()  # SIGTERM arrived inside the block: what it started is registered
    if _STATE.depth == 0 and _STATE.pending:
        _STATE.pending = False
        raise Interrupted(signame=_STATE.signame or "SIGINT")


class _Redelivery:
    """A thread that sends a swallowed interrupt's signal to the main thread again.

    The unraisable hook runs inside the callback that swallowed the exception,
    so it only flags and wakes this thread; the signal follows a moment later,
    when the main thread is back in ordinary code. If it is swallowed again,
    the hook runs again.
    """

    DELAY = 0.01

    def __init__(self, *, previous: Callable[[sys.UnraisableHookArgs], object]) -> None:
        self.previous = previous
        self.wake = threading.Event()
        self.stopped = False
        self.thread = threading.Thread(target=self._loop, name="interrupt-redelivery",
                                       daemon=True)

    def hook(self, unraisable: sys.UnraisableHookArgs) -> None:
        if not isinstance(unraisable.exc_value, Interrupted):
            self.previous(unraisable)
            return
        try:
            _STATE.redeliver = True
            self.wake.set()
        except Interrupted:  # the second delivery landed here: ask again
            _STATE.redeliver = True
            self.wake.set()

    def _loop(self) -> None:
        while True:
            self.wake.wait()
            self.wake.clear()
            if self.stopped:
                return
            time.sleep(self.DELAY)
            if _STATE.redeliver and not self.stopped:
                signame = _STATE.signame or "SIGINT"
                signal.pthread_kill(threading.main_thread().ident or 0,
                                    signal.Signals[signame])

    def stop(self) -> None:
        self.stopped = True
        self.wake.set()


@contextlib.contextmanager
def handling() -> Iterator[None]:
    """Install the handlers for the block (main thread only) and forget the state after it."""
    installed: dict[signal.Signals, Callable[[int, FrameType | None], object] | int | None] = {}
    redelivery: _Redelivery | None = None
    if threading.current_thread() is threading.main_thread():
        for sig in SIGNALS:
            installed[sig] = signal.signal(sig, _handler)
        redelivery = _Redelivery(previous=sys.unraisablehook)
        sys.unraisablehook = redelivery.hook
        redelivery.thread.start()
    try:
        yield
    finally:
        if redelivery is not None:
            redelivery.stop()
            sys.unraisablehook = redelivery.previous
        for sig, old in installed.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)
        _STATE.signame = None
        _STATE.pending = False
        _STATE.redeliver = False
        _STATE.summary = ""


def set_summary(*, text: str) -> None:
    """What the one stderr line says was kept (e.g. `120 of 756 results`)."""
    _STATE.summary = text


def notice(*, prog: str) -> str:
    """The one line printed on stderr after an interrupted run."""
    kept = f"; {_STATE.summary}" if _STATE.summary else ""
    return (
        f"{prog}: interrupted by {_STATE.signame or 'a signal'}: testees stopped, "
        f"temporary files removed{kept}"
    )


def worker_setup(*, cleanup: Callable[[], object]) -> None:
    """In a worker process: SIGINT is the parent's to handle; SIGTERM cleans up and exits 130.

    The parent stops its workers with SIGTERM; doing the cleanup in the handler
    and leaving with os._exit means no `finally` can keep the worker waiting.
    Inside a `deferred()` block (a testee being spawned and registered) the
    exit waits for the block's end, so the cleanup sees every process started.
    """

    def on_term(signum: int, frame: FrameType | None) -> None:
        if _STATE.depth > 0:
            _STATE.exit_pending = True
            return
        _worker_exit()

    _STATE.worker_cleanup = cleanup
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, on_term)


def _worker_exit() -> None:
    try:
        if _STATE.worker_cleanup is not None:
            _STATE.worker_cleanup()
    finally:
        os._exit(EXIT_CODE)
