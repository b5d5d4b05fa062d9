"""Implementations under test: the in-process reference and long-lived subprocesses."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import selectors
import subprocess
import time
import traceback
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

from harness import confine, interrupt, procs, scratch
from harness.data import ImplInfo
from harness.exceptions import (
    ProtocolViolation,
    TesteeCrashed,
    TesteeFailure,
    TesteeTimeout,
    TesteeUnavailable,
)
from harness.options import DEFAULT_TIMEOUT
from harness.protocol import (
    Hello,
    HelloRequest,
    OpenRequest,
    Request,
    Response,
    ShutdownRequest,
    parse_hello,
    parse_response,
    show,
    wire,
)
from harness.stable import stable_value

__all__ = ["DEFAULT_TIMEOUT", "HOME_PREFIX", "InProcessTestee", "SubprocessTestee", "Testee"]

STDERR_TAIL_BYTES = 4096
HOME_PREFIX = "tokencache-compat-home-"
SANDBOXES_PREFIX = "tokencache-compat-sandboxes-"
# A testee gets this long to answer `shutdown`, and as long again to exit, before its
# process group is killed.
SHUTDOWN_GRACE = 1.0


def _environ_snapshot() -> dict[Any, Any]:
    """A copy of the process environment, cheap enough to take around every call.

    os.environ's raw mapping copies at C speed; iterating os.environ itself decodes
    every variable, which made env handling most of an in-process suite run.
    """
    raw = getattr(os.environ, "_data", None)
    return dict(raw) if isinstance(raw, dict) else dict(os.environ)


def _apply_env(env: Mapping[str, str | None]) -> None:
    for k, v in env.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def _restore_environ(saved: Mapping[Any, Any]) -> None:
    """Make the environment equal `saved` again (a snapshot) if anything changed it."""
    if _environ_snapshot() == saved:
        return
    decoded = {
        (os.fsdecode(k) if isinstance(k, bytes) else k): (
            os.fsdecode(v) if isinstance(v, bytes) else v
        )
        for k, v in saved.items()
    }
    os.environ.clear()
    os.environ.update(decoded)


class Testee(ABC):
    """One implementation: answers protocol requests for a sequence of cases."""

    def __init__(self, *, name: str) -> None:
        self.name = name
        self._hello: Hello | None = None
        self.last_hello: Hello | None = None  # survives a crash, for reports

    @property
    def hello(self) -> Hello:
        """The hello of the current process (starting it if needed)."""
        if self._hello is None:
            self.start()
        assert self._hello is not None
        return self._hello

    @abstractmethod
    def start(self) -> None:
        """Start (or restart) and ask hello; raises a TesteeFailure."""

    @abstractmethod
    def info(self) -> ImplInfo:
        """Description for reports."""

    def begin_case(self, *, env: Mapping[str, str | None], umask: int) -> None:
        """Prepare for a case; env values are absolute paths or None (unset)."""
        if self._hello is None:
            self.start()

    @abstractmethod
    def request(self, *, req: Request) -> Response:
        """Send one request (an id is added) and return its response."""

    def submit(self, *, req: Request) -> Callable[[], Response]:
        """Send one request; the returned call waits for its response.

        Lets a caller overlap a subprocess's work with its own. This default
        answers at once; errors are raised by the submit or by the wait.
        """
        response = self.request(req=req)
        return lambda: response

    def alive(self) -> bool:
        """True while the implementation can answer without a restart."""
        return True

    def end_case(self) -> None:  # noqa: B027 - optional hook
        """Forget per-case state."""

    def sandbox_dir(self) -> Path | None:
        """Where this testee's case sandboxes must be made (None: anywhere).

        A confined testee can write only there; the folder lives until `close`.
        """
        return None

    def share_sandbox_dir(self, *, path: Path) -> None:  # noqa: B027 - optional hook
        """Use `path` (owned by the caller) as the sandbox folder; call before `start`.

        Interop has two testees write one sandbox, so both must be able to.
        """

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release every resource (processes, temp dirs)."""


class InProcessTestee(Testee):
    """The reference implementation, called directly; umask and env applied per call."""

    def __init__(
        self,
        *,
        name: str = "reference",
        session_factory: Callable[[], Any] | None = None,
    ) -> None:
        super().__init__(name=name)
        self._factory = session_factory
        self._session: Any = None
        self._env: Mapping[str, str | None] = {}
        self._umask = 0o022
        self._next_id = 0

    @property
    def session_factory(self) -> Callable[[], Any] | None:
        """What builds this testee's sessions; None until first use means the reference."""
        return self._factory

    def _make_session(self) -> Any:
        if self._factory is None:
            try:
                module = importlib.import_module("reference_impl.protocol")
                self._factory = module.Session
            except (ImportError, AttributeError) as exc:
                raise TesteeUnavailable(f"reference_impl.protocol.Session: {exc}") from exc
        assert self._factory is not None
        try:
            return self._factory()
        except Exception as exc:  # a broken reference cannot serve any case
            raise TesteeUnavailable(f"cannot create a reference session: {exc!r}") from exc

    def start(self) -> None:
        self._session = self._make_session()
        self._next_id += 1
        self._hello = parse_hello(response=self._call(HelloRequest(), self._next_id))
        self.last_hello = self._hello

    def info(self) -> ImplInfo:
        return ImplInfo(
            name=self.name,
            kind="in-process",
            command=("python", "-m", "reference_impl"),
            hello=None if self.last_hello is None else self.last_hello.raw,
            source="reference_impl (in-process)",
        )

    def begin_case(self, *, env: Mapping[str, str | None], umask: int) -> None:
        super().begin_case(env=env, umask=umask)
        self._session = self._make_session()
        self._env = dict(env)
        self._umask = umask

    def end_case(self) -> None:
        self._session = None
        self._env = {}

    def request(self, *, req: Request) -> Response:
        self._next_id += 1
        return self._call(req, self._next_id)

    def _call(self, req: Request, rid: int) -> Response:
        # The session may read HOME at any call, so the case env (never the harness's
        # own HOME) is in force around every call, and restored afterwards.
        saved = _environ_snapshot()
        before = {k: os.environ.get(k) for k in self._env}
        old_mask = os.umask(self._umask)
        try:
            _apply_env(self._env)
            doc = self._session.handle(wire(request=req, request_id=rid))
        except Exception as exc:  # a bug in the reference is its crash
            raise TesteeCrashed(
                reason=f"reference raised {type(exc).__name__}: {exc}\n"
                + traceback.format_exc(limit=8)
            ) from exc
        finally:
            os.umask(old_mask)
            _apply_env(before)
            _restore_environ(saved)
        try:
            return parse_response(doc=doc, expected_id=rid)
        except ProtocolViolation as exc:
            raise TesteeCrashed(reason=f"reference returned a bad response: {exc}") from exc


class SubprocessTestee(Testee):
    """One long-lived process speaking JSON lines; restarted after a crash or timeout."""

    def __init__(
        self,
        *,
        name: str,
        command: tuple[str, ...],
        timeout: float = DEFAULT_TIMEOUT,
        source: str = "",
        home_parent: Path | None = None,
        # Unconfined unless asked: the command line and the plugin ask (--confine, auto).
        confine_mode: str = "off",
    ) -> None:
        super().__init__(name=name)
        self.command = command
        self.timeout = timeout
        self.source = source
        self.home_parent = home_parent  # where the process's private HOME is made
        self.confine_mode = confine_mode
        self.confinement = ""  # how the last start ran it (for reports)
        self._proc: subprocess.Popen[bytes] | None = None
        self._home: str | None = None
        self._sandboxes: Path | None = None  # own folder for case sandboxes
        self._shared: Path | None = None  # or the caller's
        self._sel: selectors.BaseSelector | None = None
        self._reader = _LineReader()
        self._stderr = b""
        self._next_id = 0
        self._env_names: set[str] = set()
        self.starts = 0

    # -- lifecycle -------------------------------------------------------------
    def sandbox_dir(self) -> Path | None:
        if self._shared is not None:
            return self._shared
        if self._sandboxes is None:
            self._sandboxes = scratch.make_dir(prefix=SANDBOXES_PREFIX,
                                               parent=scratch.fast_parent())
        return self._sandboxes

    def share_sandbox_dir(self, *, path: Path) -> None:
        self._shared = Path(os.path.realpath(path))

    def start(self) -> None:
        self._kill()
        decision = confine.decide(mode=self.confine_mode)
        self.confinement = decision.note
        if decision.error is not None:
            raise TesteeUnavailable(decision.error)
        home = scratch.make_dir(prefix=HOME_PREFIX, parent=self.home_parent)
        self._home = str(home)
        env = dict(os.environ)
        env["HOME"] = self._home  # never the real home
        env["TMPDIR"] = self._home  # its temp files go away with it (and stay writable)
        env.pop("USERPROFILE", None)
        argv: list[str] = list(self.command)
        if decision.bwrap is not None:
            sandboxes = self.sandbox_dir()
            assert sandboxes is not None
            argv = confine.wrap(bwrap=decision.bwrap, argv=argv, writable=[home, sandboxes],
                                cwd=home)
        try:
            self._proc = procs.spawn(argv=argv, env=env, cwd=self._home)
        except OSError as exc:
            self._kill()
            raise TesteeUnavailable(f"cannot start {' '.join(self.command)}: {exc}") from exc
        assert self._proc.stdout is not None and self._proc.stderr is not None
        os.set_blocking(self._proc.stdout.fileno(), False)
        os.set_blocking(self._proc.stderr.fileno(), False)
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._proc.stdout, selectors.EVENT_READ, "out")
        self._sel.register(self._proc.stderr, selectors.EVENT_READ, "err")
        self._reader = _LineReader()
        self._stderr = b""
        self._env_names = set()
        self.starts += 1
        self._hello = None
        response = self._exchange(HelloRequest(), timeout=max(self.timeout, 10))
        self._hello = parse_hello(response=response)
        self.last_hello = self._hello

    def info(self) -> ImplInfo:
        return ImplInfo(
            name=self.name,
            kind="subprocess",
            command=self.command,
            hello=None if self.last_hello is None else stable_value(value=self.last_hello.raw),
            source=self.source,
            confinement=self.confinement,
        )

    @property
    def pid(self) -> int | None:
        """The current process's id (None when none was started), e.g. to kill it mid-request."""
        return self._proc.pid if self._proc is not None else None

    def built_command(self) -> tuple[str, ...]:
        """The command that starts this testee (a lazily built one is built first)."""
        return self.command

    def alive(self) -> bool:
        """True while the process runs."""
        return self._proc is not None and procs.exit_status(proc=self._proc) is None

    def begin_case(self, *, env: Mapping[str, str | None], umask: int) -> None:
        if not self.alive():
            self._hello = None
        super().begin_case(env=env, umask=umask)

    def close(self) -> None:
        """Ask the testee to shut down, give it a short grace, then end its process group.

        Whatever the testee does with `shutdown` (no answer, exiting without one,
        answering and staying), close returns within about 2 x SHUTDOWN_GRACE and
        leaves no process of it; an interrupted run skips the asking.
        """
        if self.alive() and not interrupt.requested():
            with contextlib.suppress(TesteeFailure):
                self._exchange(ShutdownRequest(), timeout=min(self.timeout, SHUTDOWN_GRACE))
            if self._proc is not None:  # answered (or not yet failed): let it exit
                procs.wait_exit(proc=self._proc, timeout=SHUTDOWN_GRACE)
        self._kill()
        if self._sandboxes is not None:
            scratch.remove_dir(path=self._sandboxes)
            self._sandboxes = None

    def _kill(self) -> None:
        if self._proc is not None:
            procs.end_group(proc=self._proc)  # the whole group: wrappers' children too
            self._drain_stderr()
            for stream in (self._proc.stdin, self._proc.stdout, self._proc.stderr):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
            self._proc = None
        if self._sel is not None:
            self._sel.close()
            self._sel = None
        if self._home is not None:
            scratch.remove_dir(path=Path(self._home))
            self._home = None
        self._hello = None

    # -- requests --------------------------------------------------------------
    def request(self, *, req: Request) -> Response:
        return self.submit(req=req)()

    def submit(self, *, req: Request) -> Callable[[], Response]:
        if isinstance(req, OpenRequest):
            # Unset whatever an earlier case set, so cases never see each other's env.
            env = dict(req.env)
            for name in self._env_names - env.keys():
                env[name] = None
            self._env_names |= env.keys()
            req = replace(req, env=env)
        if not self.alive():
            raise TesteeCrashed(reason="testee is not running", stderr_tail=self.stderr_tail())
        rid = self._send(req)
        return lambda: self._receive(rid=rid, op=req.op, timeout=self.timeout)

    def stderr_tail(self) -> str:
        """The last few KiB of stderr, decoded leniently."""
        return self._stderr[-STDERR_TAIL_BYTES:].decode("utf-8", "replace")

    def _exchange(self, req: Request, *, timeout: float) -> Response:
        rid = self._send(req)
        return self._receive(rid=rid, op=req.op, timeout=timeout)

    def _send(self, req: Request) -> int:
        if self._proc is None or self._proc.stdin is None:
            raise TesteeCrashed(reason="testee is not running", stderr_tail=self.stderr_tail())
        self._next_id += 1
        rid = self._next_id
        line = json.dumps(wire(request=req, request_id=rid), separators=(",", ":")) + "\n"
        try:
            self._proc.stdin.write(line.encode("utf-8"))
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            self._crash(f"could not write {req.op!r} request: stdin closed")
        return rid

    def _receive(self, *, rid: int, op: str, timeout: float) -> Response:
        if self._proc is None:
            raise TesteeCrashed(reason="testee is not running", stderr_tail=self.stderr_tail())
        raw = self._read_line(op=op, timeout=timeout)
        try:
            doc = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            doc = None
        try:
            return parse_response(doc=doc, expected_id=rid, raw=raw)
        except ProtocolViolation as exc:
            self._crash(str(exc))

    def _read_line(self, *, op: str, timeout: float) -> bytes:
        if self._proc is None or self._sel is None:
            raise TesteeCrashed(reason="testee is not running", stderr_tail=self.stderr_tail())
        deadline = time.monotonic() + timeout
        while (line := self._reader.next_line()) is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._drain_stderr()
                tail = self.stderr_tail()
                received = self._reader.partial()
                partial = show(raw=received) if received else ""
                self._kill()
                raise TesteeTimeout(op=op, seconds=timeout, stderr_tail=tail, partial=partial)
            for key, _ in self._sel.select(remaining):
                chunk = _read_available(key.fileobj)
                if key.data == "err":
                    if chunk == b"":
                        self._sel.unregister(key.fileobj)
                    elif chunk:
                        self._stderr = (self._stderr + chunk)[-STDERR_TAIL_BYTES * 4 :]
                    continue
                if chunk is None:
                    continue
                if not chunk:
                    status = self._exit_status()
                    unterminated = self._reader.partial()
                    detail = (
                        f"; unterminated output: {show(raw=unterminated)}" if unterminated else ""
                    )
                    self._crash(f"testee closed stdout during {op!r} ({status}){detail}")
                self._reader.feed(chunk)
        return line

    def _exit_status(self) -> str:
        if self._proc is None:
            return "not running"
        code = procs.wait_exit(proc=self._proc, timeout=2.0)
        if code is None:
            return "still running"
        return f"exit status {code}" if code >= 0 else f"killed by signal {-code}"

    def _drain_stderr(self) -> None:
        if self._proc is None or self._proc.stderr is None:
            return
        with contextlib.suppress(OSError, ValueError):
            while True:
                chunk = _read_available(self._proc.stderr)
                if not chunk:
                    break
                self._stderr = (self._stderr + chunk)[-STDERR_TAIL_BYTES * 4 :]

    def _crash(self, reason: str) -> NoReturn:
        self._drain_stderr()
        tail = self.stderr_tail()
        self._kill()
        raise TesteeCrashed(reason=reason, stderr_tail=tail)


class _LineReader:
    """Splits a byte stream into lines in time linear in its size.

    Each chunk is split once; complete lines queue up (a pipelined testee may
    answer several requests in one chunk) and only the unterminated rest is kept.
    """

    def __init__(self) -> None:
        self._lines: deque[bytes] = deque()
        self._partial: list[bytes] = []

    def feed(self, chunk: bytes) -> None:
        """Take in bytes read from the stream."""
        *complete, rest = chunk.split(b"\n")
        if complete:
            first = b"".join([*self._partial, complete[0]])
            self._lines.append(first)
            self._lines.extend(complete[1:])
            self._partial = []
        if rest:
            self._partial.append(rest)

    def next_line(self) -> bytes | None:
        """The next complete line (without its newline), or None."""
        return self._lines.popleft() if self._lines else None

    def partial(self) -> bytes:
        """The bytes of the line received so far but not yet terminated."""
        return b"".join(self._partial)


def _read_available(fileobj: Any) -> bytes | None:
    """Non-blocking read: b"" at EOF, None when nothing is available yet."""
    try:
        return os.read(fileobj.fileno(), 65536)
    except BlockingIOError:
        return None
