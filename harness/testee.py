"""Implementations under test: the in-process reference and long-lived subprocesses."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import selectors
import subprocess
import tempfile
import time
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn

from harness.data import ImplInfo
from harness.exceptions import TesteeCrashed, TesteeTimeout, TesteeUnavailable
from harness.sandbox import remove_tree

DEFAULT_TIMEOUT = 10.0
STDERR_TAIL_BYTES = 4096
HOME_PREFIX = "tokencache-compat-home-"

Response = dict[str, Any]


def _check_hello(raw: Mapping[str, Any]) -> dict[str, Any]:
    if not raw.get("ok") or not isinstance(raw.get("result"), Mapping):
        raise TesteeUnavailable(f"hello failed: {json.dumps(raw, sort_keys=True)}")
    hello = dict(raw["result"])
    if hello.get("protocol") != 1:
        raise TesteeUnavailable(f"hello: unsupported protocol {hello.get('protocol')!r}")
    for key in ("ops", "dual_store_via"):
        value = hello.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise TesteeUnavailable(f"hello: {key} must be a list of strings")
        hello[key] = value
    return hello


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
        self._hello: dict[str, Any] | None = None
        self.last_hello: dict[str, Any] | None = None  # survives a crash, for reports

    @property
    def hello(self) -> dict[str, Any]:
        """The hello of the current process (starting it if needed)."""
        if self._hello is None:
            self.start()
        assert self._hello is not None
        return self._hello

    @abstractmethod
    def start(self) -> None:
        """Start (or restart) and ask hello; raises TesteeUnavailable/Crashed/Timeout."""

    @abstractmethod
    def info(self) -> ImplInfo:
        """Description for reports."""

    def begin_case(self, *, env: Mapping[str, str | None], umask: int) -> None:
        """Prepare for a case; env values are absolute paths or None (unset)."""
        if self._hello is None:
            self.start()

    @abstractmethod
    def request(self, req: Mapping[str, Any]) -> Response:
        """Send one request (an id is added) and return its response."""

    def submit(self, req: Mapping[str, Any]) -> Callable[[], Response]:
        """Send one request; the returned call waits for its response.

        Lets a caller overlap a subprocess's work with its own. This default
        answers at once; errors are raised by the submit or by the wait.
        """
        response = self.request(req)
        return lambda: response

    def end_case(self) -> None:  # noqa: B027 - optional hook
        """Forget per-case state."""

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
        self._hello = _check_hello(self._call({"id": 0, "op": "hello"}))
        self.last_hello = self._hello

    def info(self) -> ImplInfo:
        return ImplInfo(
            name=self.name,
            kind="in-process",
            command=("python", "-m", "reference_impl"),
            hello=self.last_hello,
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

    def request(self, req: Mapping[str, Any]) -> Response:
        self._next_id += 1
        return self._call({**req, "id": self._next_id})

    def _call(self, req: Mapping[str, Any]) -> Response:
        # The session may read HOME at any call, so the case env (never the harness's
        # own HOME) is in force around every call, and restored afterwards.
        saved = _environ_snapshot()
        before = {k: os.environ.get(k) for k in self._env}
        old_mask = os.umask(self._umask)
        try:
            _apply_env(self._env)
            response = self._session.handle(req)
        except Exception as exc:  # a bug in the reference is its crash
            raise TesteeCrashed(
                reason=f"reference raised {type(exc).__name__}: {exc}\n"
                + traceback.format_exc(limit=8)
            ) from exc
        finally:
            os.umask(old_mask)
            _apply_env(before)
            _restore_environ(saved)
        if not isinstance(response, dict) or response.get("id") != req["id"]:
            raise TesteeCrashed(reason=f"reference returned a bad response: {response!r}")
        return response


class SubprocessTestee(Testee):
    """One long-lived process speaking JSON lines; restarted after a crash or timeout."""

    def __init__(
        self,
        *,
        name: str,
        command: tuple[str, ...],
        timeout: float = DEFAULT_TIMEOUT,
        source: str = "",
    ) -> None:
        super().__init__(name=name)
        self.command = command
        self.timeout = timeout
        self.source = source
        self._proc: subprocess.Popen[bytes] | None = None
        self._home: str | None = None
        self._sel: selectors.BaseSelector | None = None
        self._buf = b""
        self._stderr = b""
        self._next_id = 0
        self._env_names: set[str] = set()
        self.starts = 0

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> None:
        self._kill()
        self._home = tempfile.mkdtemp(prefix=HOME_PREFIX)
        env = dict(os.environ)
        env["HOME"] = self._home  # never the real home
        env.pop("USERPROFILE", None)
        try:
            self._proc = subprocess.Popen(
                list(self.command),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                cwd=self._home,
            )
        except OSError as exc:
            self._kill()
            raise TesteeUnavailable(f"cannot start {' '.join(self.command)}: {exc}") from exc
        assert self._proc.stdout is not None and self._proc.stderr is not None
        os.set_blocking(self._proc.stdout.fileno(), False)
        os.set_blocking(self._proc.stderr.fileno(), False)
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._proc.stdout, selectors.EVENT_READ, "out")
        self._sel.register(self._proc.stderr, selectors.EVENT_READ, "err")
        self._buf = b""
        self._stderr = b""
        self._env_names = set()
        self.starts += 1
        self._hello = None
        self._hello = _check_hello(self._exchange({"op": "hello"}, timeout=max(self.timeout, 10)))
        self.last_hello = self._hello

    def info(self) -> ImplInfo:
        return ImplInfo(
            name=self.name,
            kind="subprocess",
            command=self.command,
            hello=self.last_hello,
            source=self.source,
        )

    def alive(self) -> bool:
        """True while the process runs."""
        return self._proc is not None and self._proc.poll() is None

    def begin_case(self, *, env: Mapping[str, str | None], umask: int) -> None:
        if not self.alive():
            self._hello = None
        super().begin_case(env=env, umask=umask)

    def close(self) -> None:
        if self.alive():
            with contextlib.suppress(TesteeCrashed, TesteeTimeout):
                self._exchange({"op": "shutdown"}, timeout=min(self.timeout, 2.0))
            assert self._proc is not None
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=2.0)
        self._kill()

    def _kill(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=5.0)
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
            remove_tree(root=Path(self._home))
            self._home = None
        self._hello = None

    # -- requests --------------------------------------------------------------
    def request(self, req: Mapping[str, Any]) -> Response:
        return self.submit(req)()

    def submit(self, req: Mapping[str, Any]) -> Callable[[], Response]:
        if req.get("op") == "open":
            # Unset whatever an earlier case set, so cases never see each other's env.
            env = dict(req.get("env") or {})
            for name in self._env_names - env.keys():
                env[name] = None
            self._env_names |= env.keys()
            req = {**req, "env": env}
        if not self.alive():
            raise TesteeCrashed(reason="testee is not running", stderr_tail=self.stderr_tail())
        rid = self._send(req)
        op = str(req.get("op"))
        return lambda: self._receive(rid=rid, op=op, timeout=self.timeout)

    def stderr_tail(self) -> str:
        """The last few KiB of stderr, decoded leniently."""
        return self._stderr[-STDERR_TAIL_BYTES:].decode("utf-8", "replace")

    def _exchange(self, req: Mapping[str, Any], *, timeout: float) -> Response:
        rid = self._send(req)
        return self._receive(rid=rid, op=str(req.get("op")), timeout=timeout)

    def _send(self, req: Mapping[str, Any]) -> int:
        assert self._proc is not None and self._proc.stdin is not None
        self._next_id += 1
        rid = self._next_id
        line = json.dumps({**req, "id": rid}, separators=(",", ":")) + "\n"
        try:
            self._proc.stdin.write(line.encode("utf-8"))
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            self._crash(f"could not write {req.get('op')!r} request: stdin closed")
        return rid

    def _receive(self, *, rid: int, op: str, timeout: float) -> Response:
        if self._proc is None:
            raise TesteeCrashed(reason="testee is not running", stderr_tail=self.stderr_tail())
        raw = self._read_line(op=op, timeout=timeout)
        try:
            doc = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            doc = None
        if not isinstance(doc, dict) or doc.get("id") != rid:
            self._crash(f"garbage on stdout (expected a response with id {rid}): {_show(raw)}")
        if not isinstance(doc.get("ok"), bool) or (
            doc["ok"] and not isinstance(doc.get("result"), dict)
        ) or (not doc["ok"] and not isinstance(doc.get("error"), dict)):
            self._crash(f"malformed response on stdout: {_show(raw)}")
        return doc

    def _read_line(self, *, op: str, timeout: float) -> bytes:
        assert self._proc is not None and self._sel is not None
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._drain_stderr()
                tail = self.stderr_tail()
                self._kill()
                raise TesteeTimeout(op=op, seconds=timeout, stderr_tail=tail)
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
                    detail = f"; unterminated output: {_show(self._buf)}" if self._buf else ""
                    self._crash(f"testee closed stdout during {op!r} ({status}){detail}")
                self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return line

    def _exit_status(self) -> str:
        assert self._proc is not None
        try:
            code = self._proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
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


def _read_available(fileobj: Any) -> bytes | None:
    """Non-blocking read: b"" at EOF, None when nothing is available yet."""
    try:
        return os.read(fileobj.fileno(), 65536)
    except BlockingIOError:
        return None


def _show(raw: bytes, limit: int = 300) -> str:
    text = repr(raw[:limit])
    return text + (f" ... ({len(raw)} bytes)" if len(raw) > limit else "")
