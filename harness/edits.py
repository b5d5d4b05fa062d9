"""Harness-side `edit` steps: change a sandbox path between two operations of one cache.

The testee keeps its cache open and is not told; the next operation meets the
changed file, so load errors at lookup and at store are reachable without a
reopen. Used by the runner (one case) and the differential (both sides alike).

Every edit stays inside the sandbox root: the path is resolved through whatever
links exist *now* (a testee may have made some) before anything is touched, a
new symlink is checked after it is made, and files are created with O_NOFOLLOW.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from harness.exceptions import EditFailed, SandboxEscape
from harness.sandbox import remove_tree, umask_set
from harness.stepspec import Edit

__all__ = ["apply_edit", "describe_edit"]

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def describe_edit(*, edit: Edit) -> str:
    """A short human description, for messages."""
    if edit.action == "write":
        size = len(edit.content or b"")
        return f"write {size} bytes to {edit.path} (mode {edit.mode or 0:04o})"
    if edit.action == "chmod":
        return f"chmod {edit.mode or 0:04o} {edit.path}"
    if edit.action == "symlink":
        return f"symlink {edit.path} -> {edit.target}"
    if edit.action == "directory":
        return f"make {edit.path} a directory (mode {edit.mode or 0:04o})"
    return f"remove {edit.path}"


def _inside(root: Path, path: Path, *, what: str) -> None:
    # Non-strict realpath: follows every existing link, keeps the rest as text.
    real = os.path.realpath(path)
    top = str(root)
    if real != top and not real.startswith(top + os.sep):
        raise SandboxEscape(f"{what} resolves to {real}, outside the sandbox {top}")


def _clear(path: Path) -> None:
    """Remove whatever is at path (file, link or directory tree); nothing there is fine."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        remove_tree(root=path)
        if path.exists():
            raise EditFailed(f"could not remove the directory {path}")
    else:
        os.unlink(path)


def apply_edit(*, edit: Edit, root: Path) -> None:
    """Perform one edit under `root`; EditFailed (an OSError) or SandboxEscape on failure."""
    path = root / edit.path
    # The parent chain is judged as it is now; the final component too, unless the
    # edit replaces it (a link there is removed, not followed).
    _inside(root, path.parent, what=f"parent of edit path {edit.path}")
    if edit.action == "chmod":
        _inside(root, path, what=f"edit path {edit.path}")
    try:
        if edit.action == "chmod":
            os.chmod(path, edit.mode or 0)
        elif edit.action == "remove":
            _clear(path)
        elif edit.action == "write":
            _clear(path)
            with umask_set(mask=0o022):
                path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC,
                         0o600)
            try:
                view = memoryview(edit.content or b"")
                while view:
                    view = view[os.write(fd, view):]
                os.fchmod(fd, edit.mode if edit.mode is not None else 0o600)
            finally:
                os.close(fd)
        elif edit.action == "directory":
            _clear(path)
            with umask_set(mask=0o022):
                path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
                path.mkdir(mode=0o700)
            os.chmod(path, edit.mode if edit.mode is not None else 0o700)
        else:
            _clear(path)
            with umask_set(mask=0o022):
                path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            os.symlink(edit.target or "", path)
            try:
                _inside(root, path, what=f"symlink {edit.path} -> {edit.target}")
            except SandboxEscape:
                with contextlib.suppress(OSError):
                    os.unlink(path)
                raise
    except (EditFailed, SandboxEscape):  # both are OSErrors, already saying what failed
        raise
    except OSError as exc:
        raise EditFailed(f"edit ({describe_edit(edit=edit)}) failed: {exc}") from exc
