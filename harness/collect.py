"""Confined access to a sandbox a testee has had its hands on: read back, rewrite, remove.

The testee may have replaced any file or directory of its sandbox with a
symlink (to /etc/passwd, to a FIFO, to a device), a FIFO or a socket, and may
still be running. So nothing here follows a link out of the sandbox, opens
anything but a regular file (and that without blocking, with a size bound), or
trusts a name between looking at it and using it: every path is resolved
inside the root by hand, then opened one component at a time relative to its
parent with O_NOFOLLOW. What cannot be read safely becomes a `problem`, a
sentence naming the sandbox-relative path, which the checks report as a
difference; no byte from outside the sandbox is ever read.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Far above any cache file a case or benchmark writes (10,000 tokens are ~3 MB).
MAX_BYTES = 32 * 1024 * 1024
MAX_LINKS = 40  # as the kernel's own limit for one path
_SHOWN_TARGET = 120

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_FILE_FLAGS = (
    os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_PATH_FLAG = getattr(os, "O_PATH", 0)


@dataclass(frozen=True)
class FileState:
    """What a path is after the case, read without following a final symlink."""

    file_type: str  # regular, symlink, directory, other, absent, refused
    mode: int | None = None
    content: bytes | None = None  # bytes of the file (through a symlink when it resolves)
    link_target: str | None = None
    problem: str | None = None  # why it was not (fully) read: a failing difference


@dataclass(frozen=True)
class DirState:
    """A directory's permission bits and sorted listing (None when it does not exist)."""

    mode: int | None
    listing: tuple[str, ...] | None
    problem: str | None = None


class _Refused(Exception):
    """A path cannot be followed inside the sandbox; the message says why."""


class _Loop(Exception):
    """A path runs into a symlink loop inside the sandbox: it resolves to nothing."""


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISLNK(mode):
        return "a symlink"
    return "not a regular file"


def _show(target: str) -> str:
    text = repr(target[:_SHOWN_TARGET])
    return text + ("..." if len(target) > _SHOWN_TARGET else "")


def _named(rel: str, exc: _Refused) -> str:
    """The problem for `rel`: the refusal, prefixed with the path unless it names it."""
    text = str(exc)
    return text if text.startswith(f"{rel} ") else f"{rel}: {text}"


def _parts(rel: str) -> list[str]:
    return [p for p in rel.split("/") if p not in ("", ".")]


def _resolve(*, root: Path, rel: str, follow_last: bool) -> tuple[list[str], bool]:
    """`rel` as link-free components inside `root`, and whether every one exists.

    Links are followed only while they stay inside the root (relative targets,
    or absolute ones under the root); a link or `..` leading out raises _Refused
    naming the link. Components after a missing one are kept as text.
    """
    base = str(root)
    pending = _parts(rel)
    done: list[str] = []
    links = 0
    while pending:
        name = pending.pop(0)
        if name == "..":
            if not done:
                raise _Refused("leads outside the sandbox: not followed")
            done.pop()
            continue
        here = "/".join([*done, name])
        try:
            st = os.lstat(os.path.join(base, here))
        except (FileNotFoundError, NotADirectoryError):
            return [*done, name, *(p for p in pending if p != "..")], False
        if stat.S_ISLNK(st.st_mode) and (pending or follow_last):
            links += 1
            if links > MAX_LINKS:
                raise _Loop(here)
            target = os.readlink(os.path.join(base, here))
            outside = _Refused(
                f"{here} is a symlink to {_show(target)}, outside the sandbox: not followed"
            )
            inner = target
            if target.startswith("/"):
                if target != base and not target.startswith(base + "/"):
                    raise outside
                done = []
                inner = target[len(base) :]
            depth = len(done)
            for part in _parts(inner):
                depth += -1 if part == ".." else 1
                if depth < 0:
                    raise outside
            pending = _parts(inner) + pending
            continue
        done.append(name)
    return done, True


@contextlib.contextmanager
def _dir_fd(*, root: Path, parts: list[str]) -> Iterator[int]:
    """An fd of root/parts, opened one component at a time without following links."""
    fd = os.open(root, _DIR_FLAGS)
    try:
        for name in parts:
            nxt = os.open(name, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = nxt
        yield fd
    finally:
        os.close(fd)


def _changed(rel: str, exc: OSError) -> str:
    return f"{rel}: changed while the harness read it ({os.strerror(exc.errno or 0)}): not read"


def _not_regular(rel: str, mode: int) -> str:
    return f"{rel}: {_kind(mode)}, not a regular file: not read"


def _read_regular(
    *, dir_fd: int, name: str, rel: str, max_bytes: int
) -> tuple[int | None, bytes | None, str | None]:
    """(mode, content, problem) of a regular file `name` in `dir_fd`, opened without blocking."""
    st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    if not stat.S_ISREG(st.st_mode):
        return stat.S_IMODE(st.st_mode), None, _not_regular(rel, st.st_mode)
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
    except PermissionError:
        return stat.S_IMODE(st.st_mode), None, None  # unreadable by design (a mode case)
    try:
        fst = os.fstat(fd)
        if not stat.S_ISREG(fst.st_mode):
            return stat.S_IMODE(fst.st_mode), None, _not_regular(rel, fst.st_mode)
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                return stat.S_IMODE(fst.st_mode), None, (
                    f"{rel}: larger than {max_bytes} bytes: not read"
                )
        return stat.S_IMODE(fst.st_mode), b"".join(chunks), None
    finally:
        os.close(fd)


def read_file(
    *, root: Path, rel: str, follow_links: bool = True, max_bytes: int = MAX_BYTES
) -> FileState:
    """The final state of one sandbox path, confined to the sandbox.

    The type is that of the path itself (a final symlink is a `symlink`); with
    `follow_links` the mode and bytes are those of the file it leads to, as
    long as that is a regular file inside the sandbox.
    """
    *parents, last = _parts(rel) or ["."]
    try:
        parent_parts, parents_exist = _resolve(root=root, rel="/".join(parents),
                                               follow_last=True)
    except _Refused as exc:
        return FileState(file_type="refused", problem=_named(rel, exc))
    except _Loop:
        return FileState(file_type="absent")
    if not parents_exist:
        return FileState(file_type="absent")
    try:
        with _dir_fd(root=root, parts=parent_parts) as dfd:
            try:
                st = os.stat(last, dir_fd=dfd, follow_symlinks=False)
            except (FileNotFoundError, NotADirectoryError):
                return FileState(file_type="absent")
            mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISLNK(st.st_mode):
                return _read_link(root=root, rel=rel, dir_fd=dfd, name=last,
                                  parent_parts=parent_parts, follow=follow_links,
                                  max_bytes=max_bytes, link_mode=mode)
            if stat.S_ISDIR(st.st_mode):
                return FileState(file_type="directory", mode=mode)
            if not stat.S_ISREG(st.st_mode):
                return FileState(file_type="other", mode=mode,
                                 problem=_not_regular(rel, st.st_mode))
            fmode, content, problem = _read_regular(dir_fd=dfd, name=last, rel=rel,
                                                    max_bytes=max_bytes)
            return FileState(file_type="regular", mode=fmode, content=content, problem=problem)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.ENOENT):
            return FileState(file_type="refused", problem=_changed(rel, exc))
        raise


def _read_link(
    *, root: Path, rel: str, dir_fd: int, name: str, parent_parts: list[str], follow: bool,
    max_bytes: int, link_mode: int,
) -> FileState:
    target = os.readlink(name, dir_fd=dir_fd)
    if not follow:
        return FileState(file_type="symlink", mode=link_mode, link_target=target)
    try:
        parts, exists = _resolve(root=root, rel="/".join([*parent_parts, name]),
                                 follow_last=True)
    except _Refused as exc:
        return FileState(file_type="symlink", link_target=target, problem=_named(rel, exc))
    except _Loop:
        return FileState(file_type="symlink", link_target=target)  # a loop, as a dangling link
    if not exists:
        return FileState(file_type="symlink", link_target=target)  # dangling, inside
    *tparents, tlast = parts
    with _dir_fd(root=root, parts=tparents) as tfd:
        st = os.stat(tlast, dir_fd=tfd, follow_symlinks=False)
        if stat.S_ISDIR(st.st_mode):
            return FileState(file_type="symlink", mode=stat.S_IMODE(st.st_mode),
                             link_target=target)
        mode, content, problem = _read_regular(dir_fd=tfd, name=tlast, rel=rel,
                                               max_bytes=max_bytes)
    if problem is not None:
        problem = f"{problem} (the symlink leads to {'/'.join(parts)})"
    return FileState(file_type="symlink", mode=mode, content=content, link_target=target,
                     problem=problem)


def read_dir(*, root: Path, rel: str) -> DirState:
    """Mode and sorted listing of a sandbox directory, following links only inside it."""
    try:
        parts, exists = _resolve(root=root, rel=rel, follow_last=True)
    except _Refused as exc:
        return DirState(mode=None, listing=None, problem=_named(rel or ".", exc))
    except _Loop:
        return DirState(mode=None, listing=None)
    if not exists:
        return DirState(mode=None, listing=None)
    try:
        if parts:
            with _dir_fd(root=root, parts=parts[:-1]) as pfd:
                st = os.stat(parts[-1], dir_fd=pfd, follow_symlinks=False)
                if not stat.S_ISDIR(st.st_mode):
                    return DirState(mode=stat.S_IMODE(st.st_mode), listing=None)
        with _dir_fd(root=root, parts=parts) as dfd:
            mode = stat.S_IMODE(os.fstat(dfd).st_mode)
            try:
                listing: tuple[str, ...] | None = tuple(sorted(os.listdir(dfd)))
            except OSError:
                listing = None
            return DirState(mode=mode, listing=listing)
    except PermissionError:
        return DirState(mode=None, listing=None)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.ENOENT):
            return DirState(mode=None, listing=None, problem=_changed(rel or ".", exc))
        raise


def read_regular_files(
    *, root: Path, rel: str, max_bytes: int = MAX_BYTES
) -> dict[str, bytes] | None:
    """Bytes of every regular file directly in a real (not linked) sandbox directory.

    None when the directory is missing or is not a real directory inside the
    sandbox; links, FIFOs and the like in it are left out.
    """
    try:
        with _dir_fd(root=root, parts=_parts(rel)) as dfd:
            out: dict[str, bytes] = {}
            for name in sorted(os.listdir(dfd)):
                with contextlib.suppress(OSError):
                    _, content, problem = _read_regular(dir_fd=dfd, name=name, rel=name,
                                                        max_bytes=max_bytes)
                    if content is not None and problem is None:
                        out[name] = content
            return out
    except OSError:
        return None


def ensure_dir(*, root: Path, rel: str, mode: int) -> None:
    """Make root/rel a real directory with `mode`; whatever else is there is removed first."""
    parts = _parts(rel)
    with _dir_fd(root=root, parts=parts[:-1]) as pfd:
        name = parts[-1]
        try:
            st = os.stat(name, dir_fd=pfd, follow_symlinks=False)
        except FileNotFoundError:
            st = None
        if st is not None and not stat.S_ISDIR(st.st_mode):
            os.unlink(name, dir_fd=pfd)
            st = None
        if st is None:
            os.mkdir(name, mode, dir_fd=pfd)
        fd = os.open(name, _DIR_FLAGS, dir_fd=pfd)
        try:
            os.fchmod(fd, mode)
        finally:
            os.close(fd)


def write_file(*, root: Path, rel: str, data: bytes, mode: int) -> None:
    """Create root/rel afresh with `data` and `mode`, never writing through a link.

    Every parent must be a real directory; whatever the name held before (a
    link, a FIFO, a file) is removed first.
    """
    *parents, name = _parts(rel)
    with _dir_fd(root=root, parts=parents) as pfd:
        _remove_entry(dir_fd=pfd, name=name)
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                     | getattr(os, "O_CLOEXEC", 0), mode, dir_fd=pfd)
        try:
            os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)


def remove_entry(*, root: Path, rel: str) -> None:
    """Remove whatever root/rel is (a file, a link, a whole tree), following no link."""
    *parents, name = _parts(rel)
    try:
        with _dir_fd(root=root, parts=parents) as pfd:
            _remove_entry(dir_fd=pfd, name=name)
    except FileNotFoundError:
        return


def _remove_entry(*, dir_fd: int, name: str) -> None:
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        _open_up(dir_fd=dir_fd, name=name)
        shutil.rmtree(name, dir_fd=dir_fd, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            os.rmdir(name, dir_fd=dir_fd)
    else:
        os.unlink(name, dir_fd=dir_fd)


def _chmod_dir(*, dir_fd: int | None, name: str, mode: int) -> None:
    """chmod a directory entry that is a real directory, never whatever a link points at."""
    if _PATH_FLAG and os.path.isdir("/proc/self/fd"):
        try:
            fd = os.open(name, _PATH_FLAG | os.O_NOFOLLOW | os.O_DIRECTORY, dir_fd=dir_fd)
        except OSError:
            return
        try:
            # The fd names this very inode; chmod through /proc cannot be redirected.
            os.chmod(f"/proc/self/fd/{fd}", mode)
        except OSError:
            pass
        finally:
            os.close(fd)
        return
    with contextlib.suppress(OSError):
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        if stat.S_ISDIR(st.st_mode):
            os.chmod(name, mode, dir_fd=dir_fd)


def _open_up(*, dir_fd: int | None, name: str) -> None:
    """Make a tree's directories 0700 so it can be removed (a case may take rights away)."""
    _chmod_dir(dir_fd=dir_fd, name=name, mode=0o700)
    try:
        fd = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except OSError:
        return
    try:
        try:
            subdirs = [e.name for e in os.scandir(fd) if e.is_dir(follow_symlinks=False)]
        except OSError:
            subdirs = []
        for sub in subdirs:
            _open_up(dir_fd=fd, name=sub)
    finally:
        os.close(fd)


def remove_tree(*, root: Path) -> None:
    """Remove a directory tree the harness made, even if its contents were tampered with.

    A root that was replaced by a symlink loses the link only; nothing is
    followed, so no mode or file outside the tree changes.
    """
    try:
        st = os.lstat(root)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(st.st_mode):
        os.unlink(root)
        return
    parent, name = os.path.split(os.path.abspath(root))
    pfd = os.open(parent, _DIR_FLAGS)
    try:
        for _ in range(2):  # a second pass for what a still-running testee added meanwhile
            _open_up(dir_fd=pfd, name=name)
            shutil.rmtree(name, dir_fd=pfd, ignore_errors=True)
            try:
                os.stat(name, dir_fd=pfd, follow_symlinks=False)
            except FileNotFoundError:
                return
    finally:
        os.close(pfd)
