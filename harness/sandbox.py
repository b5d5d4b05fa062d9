"""Per-case sandboxes: the harness lays out the tree and reads the final state back."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from harness.exceptions import SandboxEscape
from harness.spec import SandboxSpec

SANDBOX_PREFIX = "tokencache-compat-"


@dataclass(frozen=True)
class FileState:
    """What a path is after the case, read without following a final symlink."""

    file_type: str  # regular, symlink, directory, other, absent
    mode: int | None = None
    content: bytes | None = None  # bytes of the file (through a symlink when it resolves)
    link_target: str | None = None


@dataclass(frozen=True)
class DirState:
    """A directory's permission bits and sorted listing (None when it does not exist)."""

    mode: int | None
    listing: tuple[str, ...] | None


def fast_sandbox_parent() -> Path | None:
    """Where sandboxes go by default: a RAM-backed /dev/shm when usable.

    Every case creates, renames and removes files; on a disk-backed /tmp each
    such call can cost about a millisecond, on tmpfs a few µs. Modes, renames
    and listings behave the same. None: the platform's temp dir.
    """
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return None


@contextlib.contextmanager
def umask_set(*, mask: int) -> Iterator[None]:
    """Apply a process umask for the duration of the block, then restore the old one."""
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


class CaseSandbox:
    """A fresh temp dir for one case on one implementation, removed on exit."""

    def __init__(self, *, spec: SandboxSpec, parent: Path | None = None) -> None:
        self.spec = spec
        self._parent = parent
        self.root: Path = Path()

    def __enter__(self) -> CaseSandbox:
        raw = tempfile.mkdtemp(prefix=SANDBOX_PREFIX, dir=self._parent)
        # The real path, so the root found in testee messages matches what we substitute.
        self.root = Path(os.path.realpath(raw))
        try:
            self.layout()
        except BaseException:
            self.cleanup()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cleanup()

    def abspath(self, *, rel: str) -> str:
        """Absolute path of a sandbox-relative path."""
        return str(self.root / rel)

    def resolve_env(self, *, env: Mapping[str, str | None]) -> dict[str, str | None]:
        """Case env (sandbox-relative paths) as absolute paths for the testee."""
        return {k: (v if v is None or v == "" else self.abspath(rel=v)) for k, v in env.items()}

    def layout(self) -> None:
        """Create home, dirs, files and symlinks; apply modes last (deepest first)."""
        spec = self.spec
        modes: list[tuple[str, int]] = []
        with umask_set(mask=0o022):
            if spec.home:
                (self.root / "home").mkdir(mode=0o755, exist_ok=True)
                modes.append(("home", 0o755))
            for d in spec.dirs:
                (self.root / d.path).mkdir(mode=0o755, parents=True, exist_ok=True)
                if d.mode is not None:
                    modes.append((d.path, d.mode))
            for f in spec.files:
                target = self.root / f.path
                target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
                target.write_bytes(f.content)
                modes.append((f.path, f.mode))
            for s in spec.symlinks:
                link = self.root / s.path
                # An earlier link may make this one's parent lead out of the sandbox;
                # check before mkdir would create directories there.
                self._confined(link.parent, what=f"parent of symlink {s.path}")
                link.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
                os.symlink(s.target, link)
            # Links are only checked as text when the case loads; chains such as
            # b -> ., c -> b/.., d -> c/../x only show where they lead once they exist.
            for s in spec.symlinks:
                self._confined(self.root / s.path, what=f"symlink {s.path} -> {s.target}")
        for rel, mode in sorted(modes, key=lambda m: -m[0].count("/")):
            os.chmod(self.root / rel, mode)

    def confine(self, *, paths: Iterable[str]) -> None:
        """Raise SandboxEscape when any sandbox-relative path resolves outside the root."""
        for rel in paths:
            self._confined(self.root / rel, what=f"path {rel}")

    def _confined(self, path: Path, *, what: str) -> None:
        # realpath without strict follows every existing link and keeps the rest as
        # text, so a dangling link is judged by where its target would be.
        real = os.path.realpath(path)
        root = str(self.root)
        if real != root and not real.startswith(root + os.sep):
            raise SandboxEscape(f"{what} resolves to {real}, outside the sandbox {root}")

    def read_file(self, *, rel: str) -> FileState:
        """The final state of one path (type via lstat; bytes through a symlink)."""
        path = self.root / rel
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return FileState(file_type="absent")
        except NotADirectoryError:
            return FileState(file_type="absent")
        mode = stat.S_IMODE(st.st_mode)
        if stat.S_ISLNK(st.st_mode):
            # A link's own bits mean nothing on Linux; report its target's, if any.
            try:
                target_mode: int | None = stat.S_IMODE(os.stat(path).st_mode)
            except OSError:
                target_mode = None
            return FileState(
                file_type="symlink",
                mode=target_mode,
                content=_read_or_none(path),
                link_target=os.readlink(path),
            )
        if stat.S_ISREG(st.st_mode):
            return FileState(file_type="regular", mode=mode, content=_read_or_none(path))
        if stat.S_ISDIR(st.st_mode):
            return FileState(file_type="directory", mode=mode)
        return FileState(file_type="other", mode=mode)

    def read_dir(self, *, rel: str) -> DirState:
        """Mode and sorted listing of a directory (absent → both None)."""
        path = self.root / rel if rel not in ("", ".") else self.root
        try:
            st = os.stat(path)
        except OSError:
            return DirState(mode=None, listing=None)
        try:
            listing: tuple[str, ...] | None = tuple(sorted(os.listdir(path)))
        except OSError:
            listing = None
        return DirState(mode=stat.S_IMODE(st.st_mode), listing=listing)

    def cleanup(self) -> None:
        """Remove the sandbox, restoring permissions a case may have taken away."""
        if self.root == Path() or not self.root.exists():
            return
        remove_tree(root=self.root)


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def remove_tree(*, root: Path) -> None:
    """rmtree that makes unwritable/unreadable directories removable first."""
    with contextlib.suppress(OSError):
        os.chmod(root, 0o700)
    for dirpath, dirnames, _ in os.walk(root, onerror=lambda _: None):
        for name in dirnames:
            p = os.path.join(dirpath, name)
            if not os.path.islink(p):
                with contextlib.suppress(OSError):
                    os.chmod(p, 0o700)

    def retry(func: Callable[..., Any], path: str, _exc: Any) -> None:
        parent = os.path.dirname(path)
        with contextlib.suppress(OSError):
            os.chmod(parent, 0o700)
        with contextlib.suppress(OSError):
            os.chmod(path, 0o700)
        with contextlib.suppress(OSError):
            func(path)

    shutil.rmtree(root, onerror=retry)
