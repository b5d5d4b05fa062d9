"""Confinement of subprocess testees with bubblewrap (`bwrap`, Debian package `bubblewrap`).

A confined testee sees the whole filesystem read-only except the directories
the harness hands it (its temp home and the folder holding its sandboxes), a
fresh minimal /dev and /proc, no network (a network namespace of its own, where
even 127.0.0.1 is unreachable), no capabilities, and a pid namespace of its
own, so that every process it starts dies with it, daemons included. Reading is
not confined: a testee can read what the user running the harness can.

`--confine auto` (the default) confines when bwrap is on PATH and works,
`on` makes a testee unavailable when it cannot be confined, `off` never
confines. TOKENCACHE_COMPAT_CONFINE sets the default (CI sets `on`);
TOKENCACHE_COMPAT_BWRAP names another bwrap executable (tests point it at a
missing file to see the fallback).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MODES = ("auto", "on", "off")
DEFAULT_MODE = "auto"
MODE_ENV = "TOKENCACHE_COMPAT_CONFINE"  # CI sets `on`: confinement that fails fails the run
BWRAP_ENV = "TOKENCACHE_COMPAT_BWRAP"
PROBE_TIMEOUT = 20.0
CONFINED_NOTE = "bwrap: filesystem read-only except its sandboxes and temp home; no network"


@dataclass(frozen=True)
class Decision:
    """How a testee will run: the bwrap to wrap it with (None: unconfined) and why."""

    bwrap: str | None
    note: str  # for `impls` and reports
    error: str | None = None  # set when `--confine on` cannot be honoured


def default_mode() -> str:
    """`--confine`'s default: TOKENCACHE_COMPAT_CONFINE when it names a mode, else auto."""
    value = os.environ.get(MODE_ENV, "").strip().lower()
    return value if value in MODES else DEFAULT_MODE


def bwrap_path() -> str | None:
    """The bwrap executable to use, if there is one."""
    chosen = os.environ.get(BWRAP_ENV)
    if chosen:
        return chosen if os.access(chosen, os.X_OK) else None
    return shutil.which("bwrap")


def wrap(*, bwrap: str, argv: Sequence[str], writable: Sequence[Path], cwd: Path) -> list[str]:
    """`argv` run under bwrap with only `writable` (and nothing else) writable."""
    out = [
        bwrap,
        "--ro-bind", "/", "/",
        "--dev", "/dev",
        "--proc", "/proc",
    ]
    for path in writable:
        out += ["--bind", str(path), str(path)]
    out += [
        "--unshare-net", "--unshare-pid", "--unshare-ipc",
        "--die-with-parent",
        "--cap-drop", "ALL",
        "--chdir", str(cwd),
        "--",
        *argv,
    ]
    return out


@cache
def probe(*, bwrap: str) -> str | None:
    """None when bwrap can confine a process here, else what failed (command and error)."""
    with tempfile.TemporaryDirectory(prefix="tokencache-compat-bwrap-probe-") as raw:
        probe_dir = Path(os.path.realpath(raw))
        # The cheapest program that can show a write to the one writable folder works.
        shell = shutil.which("sh") or "/bin/sh"
        argv = [shell, "-c", ': > "$1"', "sh", str(probe_dir / "ok")]
        command = wrap(bwrap=bwrap, argv=argv, writable=[probe_dir], cwd=probe_dir)
        try:
            done = subprocess.run(command, capture_output=True, text=True,
                                  timeout=PROBE_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"{' '.join(command[:1])} ... failed: {exc}"
        if done.returncode != 0 or not (probe_dir / "ok").exists():
            err = (done.stderr or done.stdout).strip().splitlines()
            detail = err[-1] if err else f"exit status {done.returncode}"
            return f"`{bwrap} --ro-bind / / --unshare-net ...` failed: {detail}"
    return None


def decide(*, mode: str) -> Decision:
    """Whether testees started now run confined under `mode` (auto, on, off)."""
    if mode == "off":
        return Decision(bwrap=None, note="none (--confine off)")
    bwrap = bwrap_path()
    if bwrap is None:
        where = os.environ.get(BWRAP_ENV) or "bwrap on PATH"
        why = f"{where} not found (install the bubblewrap package)"
    else:
        failed = probe(bwrap=bwrap)
        if failed is None:
            return Decision(bwrap=bwrap, note=CONFINED_NOTE)
        why = failed
    if mode == "on":
        return Decision(bwrap=None, note=f"none ({why})", error=f"--confine on: {why}")
    return Decision(bwrap=None, note=f"none (--confine auto: {why})")
