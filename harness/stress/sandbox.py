"""The one sandbox of a stress mix: its HOME, the shared cache file, and reading it back.

Layout under a fresh temporary directory::

    home/                        the HOME every writer opens the cache under
    home/.databricks/token-cache.json, token-cache.lock, .token-cache-*.tmp
    procs/                       the private HOME each writer process starts with
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from harness.sandbox import remove_tree

STRESS_PREFIX = "tokencache-compat-stress-"
CACHE_REL = Path(".databricks") / "token-cache.json"
LOCK_NAME = "token-cache.lock"
TEMP_FILE = re.compile(r"\.token-cache-.*\.tmp")

ReadStatus = Literal["ok", "unparseable", "missing", "error"]


@dataclass(frozen=True)
class CacheRead:
    """One read of the cache file: did it parse, and the access token under each key."""

    status: ReadStatus
    tokens: dict[str, str | None] | None = None
    size: int = 0
    detail: str = ""


def parse_cache(*, raw: bytes) -> dict[str, str | None] | None:
    """The key → access token map of a v1 cache file, or None when it does not parse.

    A file parses when it is one JSON object with `"version": 1` and a `tokens`
    object (or null) of token objects (or nulls), which is what every reader
    in the field accepts. A torn write fails this (it is cut short).
    """
    try:
        doc: Any = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(doc, dict) or doc.get("version") != 1:
        return None
    tokens = doc.get("tokens")
    if tokens is None:
        return {}
    if not isinstance(tokens, dict):
        return None
    out: dict[str, str | None] = {}
    for key, entry in tokens.items():
        if entry is None:
            out[key] = None
        elif isinstance(entry, dict) and isinstance(entry.get("access_token", ""), str):
            out[key] = entry.get("access_token", "")
        else:
            return None
    return out


def contained(*, path: Path, root: Path) -> bool:
    """True when `path`'s directory really is inside `root` (a writer may have swapped a
    directory for a symlink; nothing outside the sandbox is read back)."""
    real = os.path.realpath(path.parent)
    base = os.path.realpath(root)
    return real == base or real.startswith(base + os.sep)


def read_cache(*, path: Path, root: Path) -> CacheRead:
    """Read and parse the cache file once, never following anything outside `root`."""
    if not contained(path=path, root=root):
        return CacheRead(status="error", detail="the cache directory resolves outside the sandbox")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return CacheRead(status="missing")
    except OSError as exc:
        return CacheRead(status="error", detail=f"open: {exc.strerror}")
    try:
        chunks: list[bytes] = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
    except OSError as exc:
        return CacheRead(status="error", detail=f"read: {exc.strerror}")
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    tokens = parse_cache(raw=raw)
    if tokens is None:
        return CacheRead(status="unparseable", size=len(raw), detail=_show(raw))
    return CacheRead(status="ok", tokens=tokens, size=len(raw))


def _show(raw: bytes, limit: int = 60) -> str:
    head = repr(raw[:limit])
    return f"{len(raw)} bytes: {head}" + (" ..." if len(raw) > limit else "")


def mode_text(*, path: Path, root: Path) -> str | None:
    """The permission bits as `0600`, or None when the path does not exist (or is not
    inside `root`)."""
    if not contained(path=path, root=root):
        return None
    try:
        return f"{stat.S_IMODE(os.lstat(path).st_mode):04o}"
    except OSError:
        return None


class StressSandbox:
    """A fresh temporary tree for one mix, removed on exit."""

    def __init__(self, *, parent: Path | None = None) -> None:
        self._parent = parent
        self.root = Path()

    def __enter__(self) -> StressSandbox:
        raw = tempfile.mkdtemp(prefix=STRESS_PREFIX, dir=self._parent)
        self.root = Path(os.path.realpath(raw))
        self.home.mkdir(mode=0o700)
        self.procs.mkdir(mode=0o700)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        remove_tree(root=self.root)

    @property
    def home(self) -> Path:
        """The HOME every writer opens its cache under."""
        return self.root / "home"

    @property
    def procs(self) -> Path:
        """Where each writer process gets its own starting HOME."""
        return self.root / "procs"

    @property
    def cache_path(self) -> Path:
        """`$HOME/.databricks/token-cache.json`."""
        return self.home / CACHE_REL

    @property
    def lock_path(self) -> Path:
        """`token-cache.lock` beside the cache file."""
        return self.cache_path.parent / LOCK_NAME

    def leftover_temp_files(self) -> tuple[str, ...]:
        """Names of `.token-cache-*.tmp` files in the cache's directory, sorted."""
        if not contained(path=self.cache_path, root=self.root):
            return ()
        try:
            names = os.listdir(self.cache_path.parent)
        except OSError:
            return ()
        return tuple(sorted(n for n in names if TEMP_FILE.fullmatch(n)))
