"""Harness-side `edit` steps: change a sandbox path between two operations of one cache.

The testee keeps its cache open and is not told; the next operation meets the
changed file, so load errors at lookup and at store are reachable without a
reopen. Used by the runner (one case) and the differential (both sides alike).

Every edit stays inside the sandbox root: the path is resolved through whatever
links exist *now* (a testee may have made some) before anything is touched, a
new symlink is checked after it is made, and files and directories are made,
replaced and removed through harness/collect.py (one component at a time,
O_NOFOLLOW, never writing through a link).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from harness import collect
from harness.exceptions import EditFailed, SandboxEscape
from harness.stepspec import Edit

__all__ = ["apply_edit", "describe_edit"]

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


def _parents(root: Path, rel: str) -> None:
    """Missing parent directories of rel (no links on the way), made 0755."""
    parts = rel.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        sub = "/".join(parts[:i])
        if not os.path.lexists(root / sub):
            collect.ensure_dir(root=root, rel=sub, mode=0o755)


def apply_edit(*, edit: Edit, root: Path) -> None:
    """Perform one edit under `root`; EditFailed (an OSError) or SandboxEscape on failure."""
    path = root / edit.path
    # The parent chain is judged as it is now; the final component too, unless the
    # edit replaces it (a link there is removed, not followed).
    _inside(root, path.parent, what=f"parent of edit path {edit.path}")
    if edit.action == "chmod":
        _inside(root, path, what=f"edit path {edit.path}")
    # Parents as they resolve now (inside the root, checked above), so that collect
    # meets real directories only.
    rel = (Path(os.path.realpath(path.parent)) / path.name).relative_to(root).as_posix()
    try:
        if edit.action == "chmod":
            os.chmod(path, edit.mode or 0)
        elif edit.action == "remove":
            collect.remove_entry(root=root, rel=rel)
        elif edit.action == "write":
            _parents(root, rel)
            collect.write_file(root=root, rel=rel, data=edit.content or b"",
                               mode=0o600 if edit.mode is None else edit.mode)
        elif edit.action == "directory":
            _parents(root, rel)
            collect.remove_entry(root=root, rel=rel)
            collect.ensure_dir(root=root, rel=rel,
                               mode=0o700 if edit.mode is None else edit.mode)
        else:
            _parents(root, rel)
            collect.remove_entry(root=root, rel=rel)
            os.symlink(edit.target or "", root / rel)
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
