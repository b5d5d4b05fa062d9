"""Per-case sandboxes: the harness lays out the tree and reads the final state back."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType

from harness import collect, scratch
from harness.collect import DirState, FileState
from harness.exceptions import SandboxEscape
from harness.spec import SandboxSpec

SANDBOX_PREFIX = "tokencache-compat-"

__all__ = ["SANDBOX_PREFIX", "CaseSandbox", "DirState", "FileState", "fast_sandbox_parent",
           "remove_tree", "umask_set"]


def fast_sandbox_parent() -> Path | None:
    """Where sandboxes go by default: a RAM-backed /dev/shm when usable, unless TMPDIR
    names a place (harness.scratch.fast_parent has the reasons)."""
    return scratch.fast_parent()


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
        # The real path, so the root found in testee messages matches what we substitute.
        self.root = scratch.make_dir(prefix=SANDBOX_PREFIX, parent=self._parent)
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
        """The final state of one path (type via lstat; bytes through a symlink that stays
        inside the sandbox); see harness.collect."""
        return collect.read_file(root=self.root, rel=rel)

    def read_dir(self, *, rel: str) -> DirState:
        """Mode and sorted listing of a directory (absent → both None), confined."""
        return collect.read_dir(root=self.root, rel="" if rel in ("", ".") else rel)

    def cleanup(self) -> None:
        """Remove the sandbox, restoring permissions a case may have taken away."""
        if self.root == Path():
            return
        scratch.remove_dir(path=self.root)


def remove_tree(*, root: Path) -> None:
    """Remove a tree, restoring rights a case took away, following no link (harness.collect)."""
    collect.remove_tree(root=root)
