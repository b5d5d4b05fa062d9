"""Helpers for the hostile-testee tests: commands, cases, and checks for leftovers."""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
import time
from pathlib import Path
from typing import Any

HOSTILE = Path(__file__).with_name("hostile_testee.py")
TOKEN: dict[str, Any] = {"access_token": "a"}
OPEN: dict[str, Any] = {"op": "open"}
LOOKUP: dict[str, Any] = {"op": "lookup", "key": "k", "expect": {"ok": {"token": TOKEN}}}
# What the hostile testee writes for one store of TOKEN under "k" (its own format).
STORED_BYTES = (
    b'{\n  "tokens": {\n    "k": {\n      "access_token": "a"\n    }\n  },\n  "version": 1\n}'
)


def hostile_argv(modes: str, *, state: Path | None = None, target: Path | str | None = None,
                 delay: float | None = None, port: int | None = None) -> list[str]:
    """argv of the hostile testee, started with this interpreter."""
    argv = [sys.executable, str(HOSTILE), modes]
    if state is not None:
        argv += ["--state", str(state)]
    if target is not None:
        argv += ["--target", str(target)]
    if delay is not None:
        argv += ["--delay", str(delay)]
    if port is not None:
        argv += ["--port", str(port)]
    return argv


def hostile_impl(name: str, modes: str, **options: Any) -> str:
    """An `--impl NAME=COMMAND` value for the hostile testee."""
    return f"{name}={shlex.join(hostile_argv(modes, **options))}"


def case(cid: str, *steps: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A minimal valid case."""
    return {"id": cid, "description": f"case {cid}", "steps": list(steps), **extra}


def store(key: str = "k", **extra: Any) -> dict[str, Any]:
    """A store step of TOKEN."""
    return {"op": "store", "key": key, "token": TOKEN, **extra}


def pids(state: Path) -> dict[str, list[int]]:
    """Pids the hostile testees recorded, by role (testee, grandchild, daemon)."""
    out: dict[str, list[int]] = {}
    for f in sorted(state.glob("*.pid")) if state.is_dir() else []:
        role = f.name.split("-", 1)[0]
        if not role.startswith("answer"):
            out.setdefault(role, []).append(int(f.read_text()))
    return out


def answers(state: Path) -> int:
    """How many answers the hostile testees of this test have given so far."""
    return len(list(state.glob("answer*.pid"))) if state.is_dir() else 0


def running(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def tagged(state: Path) -> list[int]:
    """Running processes whose argv holds this test's state path (its testees and their
    children, and a bwrap around them), found from outside any pid namespace."""
    tag = str(state).encode()
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if tag in argv and running(int(entry.name)):
            out.append(int(entry.name))
    return out


def survivors(state: Path, *, grace: float = 5.0) -> list[int]:
    """Testee processes of this test still running after a short grace (SIGKILL is
    asynchronous): recorded pids and processes carrying the state path."""
    every = {p for group in pids(state).values() for p in group}
    deadline = time.monotonic() + grace
    while True:
        alive = sorted({p for p in every if running(p)} | set(tagged(state)))
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.05)


def kill_leftovers(state: Path) -> None:
    """Kill what a failing test left running (by pid: recorded or carrying the state path)."""
    every = {p for group in pids(state).values() for p in group} | set(tagged(state))
    for pid in every:
        if running(pid):
            with contextlib.suppress(OSError):
                os.kill(pid, 9)


def leftovers(scratch: Path) -> list[str]:
    """Every entry in the private temp dir (the harness must leave none)."""
    return sorted(p.name for p in scratch.iterdir())
