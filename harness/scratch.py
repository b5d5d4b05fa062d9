"""Temporary directories the harness makes, registered so an interrupted run removes them all.

Sandboxes, testee homes and the folders that hold them are made here; each is
removed by its owner as soon as it is done with, and `sweep` removes whatever
an interrupted run left. Removal never follows a link (harness.collect).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from harness import collect, interrupt

_LIVE: dict[str, None] = {}  # an ordered set of paths not yet removed


def fast_parent() -> Path | None:
    """Where sandboxes go by default: a RAM-backed /dev/shm when usable, else the temp dir.

    Every step creates, renames and removes files; on a disk-backed /tmp each such
    call can cost about a millisecond, on tmpfs a few µs. Modes, renames and
    listings behave the same. An explicit TMPDIR wins: whoever set it chose where
    temporary files go. None means the platform's temp dir.
    """
    if os.environ.get("TMPDIR"):
        return None
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return None


def make_dir(*, prefix: str, parent: Path | None = None) -> Path:
    """A new private directory (its real path), registered until `remove_dir`."""
    with interrupt.deferred():
        path = Path(os.path.realpath(tempfile.mkdtemp(prefix=prefix, dir=parent)))
        _LIVE[str(path)] = None
    return path


def remove_dir(*, path: Path) -> None:
    """Remove a directory made by `make_dir` (or any tree) and forget it."""
    with interrupt.deferred():
        collect.remove_tree(root=path)
        _LIVE.pop(str(path), None)


def forget(*, path: Path) -> None:
    """Stop tracking a directory someone else removes."""
    _LIVE.pop(str(path), None)


def sweep() -> int:
    """Remove every registered directory still there (deepest first); how many there were."""
    paths = sorted(_LIVE, key=len, reverse=True)
    for p in paths:
        collect.remove_tree(root=Path(p))
        _LIVE.pop(p, None)
    return len(paths)


def live_dirs() -> tuple[Path, ...]:
    """Every registered directory not yet removed."""
    return tuple(Path(p) for p in _LIVE)
