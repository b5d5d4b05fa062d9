"""Testee processes as whole process groups: started in a session of their own, ended whole.

A testee is often a wrapper (`bash -c`, `go run`, `uv run`) whose real work
happens in a child; killing only the process the harness started would leave
that child running with parent 1. Each testee is therefore the leader of a new
session (and so of a new process group), and ending it means SIGKILL to the
whole group. The leader is never reaped before its group is killed (exit is
checked with WNOWAIT), so its pid, which is the group id, cannot be reused by
an unrelated process in between.

Every group not yet ended is registered here, so an interrupted run can end
them all (`end_all`). A diff worker also notes each group in a folder its
parent owns (`record_groups`), so that the parent can end what a worker killed
before its cleanup left behind (`end_recorded`). A process that starts a
session of its own escapes its group; only confinement (harness.confine, a
pid namespace) catches that.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence

from harness import interrupt

_LIVE: dict[int, subprocess.Popen[bytes]] = {}  # group id (= leader pid) → leader
_RECORD_DIR: list[str] = []  # in a worker: the parent's folder of group notes


def record_groups(*, directory: str) -> None:
    """Also note every group started from now on as a file in `directory` (pid, start time)."""
    os.makedirs(directory, exist_ok=True)
    _RECORD_DIR[:] = [directory]


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux /proc), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[19].decode() if len(fields) > 19 else None  # field 22 of stat(5)


def _note(pid: int) -> None:
    started = _start_time(pid)
    if _RECORD_DIR and started is not None:
        with contextlib.suppress(OSError), open(os.path.join(_RECORD_DIR[0], str(pid)), "w") as f:
            f.write(started)


def _unnote(pid: int) -> None:
    if _RECORD_DIR:
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(_RECORD_DIR[0], str(pid)))


def end_recorded(*, directory: str) -> int:
    """SIGKILL every noted group whose leader still runs (same pid, same start time, so
    never a reused pid); how many were ended. Only where /proc tells start times."""
    ended = 0
    try:
        names = os.listdir(directory)
    except OSError:
        return 0
    for name in names:
        path = os.path.join(directory, name)
        try:
            with open(path) as f:
                noted = f.read().strip()
            pid = int(name)
        except (OSError, ValueError):
            continue
        if noted and _start_time(pid) == noted:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
                ended += 1
        with contextlib.suppress(OSError):
            os.unlink(path)
    return ended


def spawn(
    *, argv: Sequence[str], env: Mapping[str, str], cwd: str
) -> subprocess.Popen[bytes]:
    """Start `argv` as the leader of a new session with piped stdin/stdout/stderr."""
    with interrupt.deferred():  # a registered group or none, never an unregistered one
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
        _LIVE[proc.pid] = proc
        _note(proc.pid)
    return proc


def exit_status(*, proc: subprocess.Popen[bytes]) -> int | None:
    """The leader's exit status (negative: killed by that signal), or None while it runs.

    The leader stays a zombie (not reaped) until `end_group`.
    """
    if proc.returncode is not None:
        return proc.returncode
    try:
        info = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return proc.poll()
    if info is None:
        return None
    if info.si_code == os.CLD_EXITED:
        return info.si_status
    return -info.si_status


def wait_exit(*, proc: subprocess.Popen[bytes], timeout: float) -> int | None:
    """Wait up to `timeout` seconds for the leader to exit (not reaping it)."""
    deadline = time.monotonic() + timeout
    delay = 0.002
    while True:
        status = exit_status(proc=proc)
        if status is not None or time.monotonic() >= deadline:
            return status
        time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
        delay = min(delay * 2, 0.05)


def end_group(*, proc: subprocess.Popen[bytes]) -> int | None:
    """SIGKILL the leader's whole process group, then reap the leader; its exit status."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    try:
        code: int | None = proc.wait(timeout=5.0)
    except subprocess.TimeoutExpired:  # unkillable (uninterruptible sleep); give up on it
        code = None
    _LIVE.pop(proc.pid, None)
    _unnote(proc.pid)
    return code


def end_all() -> int:
    """End every group still registered (an interrupted run); how many there were."""
    procs = list(_LIVE.values())
    for proc in procs:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    for proc in procs:
        end_group(proc=proc)
    return len(procs)


def live_groups() -> tuple[int, ...]:
    """Group ids of every testee process not yet ended."""
    return tuple(_LIVE)
