"""Decoys for the differential: environment variables a cache must ignore, and their targets.

Every side's root holds, next to `home/`, a decoy tree the example's variables
may point at: `decoy/` (a directory with its own `.databricks/token-cache.json`),
`decoy-file` (a regular file, for TMPDIR) and `nowhere` (never created). An
implementation that reads USERPROFILE, TMPDIR or an XDG directory, or writes
there, changes what `decoy_changes` reports, which the sides compare after
every step. The same layout goes into a counterexample case that uses it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from harness.sandbox import remove_tree

__all__ = [
    "DECOY_CACHE",
    "DECOY_CONTENT",
    "DECOY_DIR",
    "DECOY_VARS",
    "MISSING",
    "NOT_A_DIR",
    "Fingerprints",
    "decoy_changes",
    "decoy_fingerprints",
    "decoy_sandbox",
    "lay_out_decoys",
    "uses_decoys",
]

DECOY_DIR = "decoy"
DECOY_CACHE = f"{DECOY_DIR}/.databricks/token-cache.json"
NOT_A_DIR = "decoy-file"
MISSING = "nowhere"
DECOY_VARS = (
    "USERPROFILE",
    "TMPDIR",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "XDG_DATA_HOME",
    "XDG_STATE_HOME",
    "XDG_RUNTIME_DIR",
)
DECOY_CONTENT = (
    b'{\n  "version": 1,\n  "tokens": {\n    "decoy": {\n      "access_token": "decoy",\n'
    b'      "expiry": "0001-01-01T00:00:00Z"\n    }\n  }\n}'
)
NOT_A_DIR_CONTENT = b"not a directory\n"
_NAMES = (DECOY_DIR, NOT_A_DIR, MISSING)

# relative path -> (type, mode, size, mtime_ns); what a write or chmod would change
Fingerprints = dict[str, tuple[int, int, int, int]]


def lay_out_decoys(*, root: Path) -> None:
    """(Re)create the decoy tree under root, removing whatever an implementation left."""
    for name in _NAMES:
        path = root / name
        if path.is_dir() and not path.is_symlink():
            remove_tree(root=path)
        elif os.path.lexists(path):
            path.unlink()
    cache_dir = root / DECOY_CACHE
    cache_dir.parent.mkdir(mode=0o700, parents=True)
    os.chmod(root / DECOY_DIR, 0o755)
    os.chmod(cache_dir.parent, 0o700)
    cache_dir.write_bytes(DECOY_CONTENT)
    os.chmod(cache_dir, 0o600)
    (root / NOT_A_DIR).write_bytes(NOT_A_DIR_CONTENT)
    os.chmod(root / NOT_A_DIR, 0o644)


_WATCHED = (DECOY_DIR, f"{DECOY_DIR}/.databricks", DECOY_CACHE, NOT_A_DIR, MISSING)


def decoy_fingerprints(*, root: Path) -> Fingerprints:
    """Type, mode, size and mtime of every decoy path (and of `nowhere`, if it appeared).

    A file made or removed inside a decoy directory changes that directory's
    mtime (and, on tmpfs, its size), so the few fixed paths cover the whole tree;
    lstat only, as this runs after every step on both sides. (A same-length
    rewrite within one file-time tick would go unseen; nothing here is that fast.)
    """
    out: Fingerprints = {}
    base = str(root)
    for rel in _WATCHED:
        try:
            st = os.lstat(f"{base}/{rel}")
        except OSError:
            continue
        out[rel] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_size, st.st_mtime_ns)
    return out


def decoy_changes(*, before: Fingerprints, after: Fingerprints) -> tuple[str, ...]:
    """The decoy paths that appeared, vanished or changed, sorted."""
    return tuple(sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p)))


def uses_decoys(
    *, env: Mapping[str, str | None] | None, steps: Iterable[Mapping[str, Any]]
) -> bool:
    """True when an example's env or one of its steps names a decoy path."""
    texts = [v for v in (env or {}).values() if v]
    texts += [str(s.get("symlink", "")) for s in steps if s.get("op") == "edit"]
    return any(name in t for t in texts for name in _NAMES)


def decoy_sandbox() -> dict[str, Any]:
    """The decoy tree as spec sandbox entries (dirs, files) and the final checks it needs."""
    return {
        "dirs": [{"path": DECOY_DIR, "mode": "0755"},
                 {"path": f"{DECOY_DIR}/.databricks", "mode": "0700"}],
        "files": [{"path": DECOY_CACHE, "mode": "0600", "text": DECOY_CONTENT.decode()},
                  {"path": NOT_A_DIR, "mode": "0644", "text": NOT_A_DIR_CONTENT.decode()}],
        "other_files": {DECOY_CACHE: {"text": DECOY_CONTENT.decode()},
                        NOT_A_DIR: {"text": NOT_A_DIR_CONTENT.decode()},
                        MISSING: {"absent": True}},
    }
