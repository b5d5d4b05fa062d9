"""Shared benchmark plumbing: the sandboxed HOME, the machine, testees, timing."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from harness.gobuild import GoTestee, discover_go_testees

REPO_ROOT = Path(__file__).resolve().parents[1]


def quiet_matplotlib() -> Any:
    """matplotlib with the Agg backend and its config and font cache under .cache/, not HOME."""
    os.environ.setdefault("MPLCONFIGDIR", str(REPO_ROOT / ".cache" / "matplotlib"))
    import matplotlib

    matplotlib.use("Agg")
    return matplotlib
GO_YARDSTICK = "go-sdk@v0.129.0"
REFERENCE_COMMAND = (sys.executable, "-m", "reference_impl")


class BenchmarkUnavailable(RuntimeError):
    """Something a benchmark needs (a Go testee, a subcommand) is not there."""


class ProtocolFailure(RuntimeError):
    """A testee answered a benchmark request with an unexpected failure."""


@dataclass(frozen=True)
class BenchEnv:
    """The sandbox every benchmark works in: a temp root with its own HOME."""

    root: Path
    home: Path

    def fresh_dir(self, *, prefix: str) -> Path:
        """A new empty directory under the sandbox root."""
        return Path(tempfile.mkdtemp(prefix=prefix, dir=self.root))

    def child_env(self) -> dict[str, str]:
        """Environment for child processes: the sandbox HOME, never the real one."""
        env = dict(os.environ)
        env["HOME"] = str(self.home)
        env["XDG_CONFIG_HOME"] = str(self.home / ".config")
        env["XDG_CACHE_HOME"] = str(self.home / ".cache")
        env.pop("USERPROFILE", None)
        return env


@contextlib.contextmanager
def bench_sandbox() -> Iterator[BenchEnv]:
    """Point HOME and the temp dir at a private tree for the whole run, then remove it."""
    root = Path(os.path.realpath(tempfile.mkdtemp(prefix="tokencache-bench-")))
    home = root / "home"
    tmp = root / "tmp"
    home.mkdir()
    tmp.mkdir()
    saved_env = dict(os.environ)
    saved_tempdir = tempfile.tempdir
    env = BenchEnv(root=tmp, home=home)
    os.environ.update({k: v for k, v in env.child_env().items() if k.startswith(("HOME", "XDG"))})
    os.environ["TMPDIR"] = str(tmp)
    tempfile.tempdir = str(tmp)  # case sandboxes and testee homes land here
    try:
        yield env
    finally:
        tempfile.tempdir = saved_tempdir
        os.environ.clear()
        os.environ.update(saved_env)
        _remove_tree(root)


def _remove_tree(root: Path) -> None:
    # Cases leave read-only directories behind; make everything writable first.
    for dirpath, dirnames, _ in os.walk(root):
        for d in dirnames:
            with contextlib.suppress(OSError):
                os.chmod(os.path.join(dirpath, d), 0o700, follow_symlinks=False)
    shutil.rmtree(root, ignore_errors=True)


def go_testee(*, name: str = GO_YARDSTICK) -> GoTestee:
    """The built Go testee called `name`; raises BenchmarkUnavailable when it cannot build."""
    for found in discover_go_testees(repo_root=REPO_ROOT):
        if found.name == name:
            if isinstance(found, GoTestee):
                return found
            raise BenchmarkUnavailable(f"{name}: {found.reason}")
    raise BenchmarkUnavailable(f"{name}: no such Go testee under adapters/go")


def _first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"unavailable ({exc})"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else ""


def machine_info() -> dict[str, Any]:
    """The machine and toolchains the figures were measured on."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": cpu,
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "go": _first_line(["go", "version"]),
        "os": f"{platform.system()} {platform.release()}",
    }


class LineClient:
    """The least a client of protocol v1 can do: write a line, read a line, parse it."""

    def __init__(self, *, command: tuple[str, ...], env: Mapping[str, str], cwd: Path) -> None:
        self._proc = subprocess.Popen(
            list(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=dict(env),
            cwd=cwd,
        )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._in: IO[bytes] = self._proc.stdin
        self._out: IO[bytes] = self._proc.stdout
        self._id = 0

    def request(self, req: Mapping[str, Any]) -> dict[str, Any]:
        """Send one request and return the parsed response line."""
        self._id += 1
        self._in.write(json.dumps({**req, "id": self._id}).encode() + b"\n")
        self._in.flush()
        response: dict[str, Any] = json.loads(self._out.readline())
        return response

    def checked(self, req: Mapping[str, Any]) -> dict[str, Any]:
        """Like request, but a failure response raises ProtocolFailure."""
        response = self.request(req=req)
        if not response.get("ok"):
            raise ProtocolFailure(f"{req.get('op')}: {response.get('error')}")
        result: dict[str, Any] = response["result"]
        return result

    def close(self) -> None:
        """Ask the testee to shut down and wait for it."""
        with contextlib.suppress(OSError, ValueError, json.JSONDecodeError):
            self.request(req={"op": "shutdown"})
        with contextlib.suppress(OSError):
            self._in.close()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._out.close()


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of fn takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median(values: list[float]) -> float:
    """Median of the samples (robust against a stray slow repetition)."""
    return statistics.median(values)


def token_json(i: int) -> dict[str, Any]:
    """A realistic protocol token, distinct for every i."""
    return {
        "access_token": f"dapi{i:08x}" + "0123456789abcdef" * 4,
        "token_type": "Bearer",
        "refresh_token": f"doau{i:08x}" + "fedcba9876543210" * 2,
        "expiry": (
            f"20{30 + i % 9}-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:"
            f"{i // 60 % 60:02d}.{i % 999_999:06d}1+02:00"
        ),
        "expires_in": 3600,
    }
