"""The few ``os`` calls file.go makes, with Go's error shapes.

Each function performs the same system calls as Go's ``os`` package on Linux
and raises :class:`CacheIOError` whose text is Go's ``*PathError`` (``op path:
errno text``) or ``*LinkError`` (``rename old new: errno text``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import stat as statmod

from .errors import CacheIOError
from .goerrno import go_errno_text

__all__ = [
    "close",
    "close_quietly",
    "create_temp",
    "fchmod",
    "mkdir_all",
    "path_error",
    "read_file",
    "remove",
    "rename",
    "stat",
    "write_all",
]

_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_rand = random.SystemRandom()


def path_error(*, op: str, path: str, err: int) -> CacheIOError:
    """Go's ``&PathError{Op: op, Path: path, Err: errno}``."""
    return CacheIOError(f"{op} {path}: {go_errno_text(errno_value=err)}", errno_value=err)


def _errno(e: OSError) -> int:
    return e.errno if e.errno is not None else errno.EIO


def stat(*, path: str) -> os.stat_result:
    """``os.Stat`` (follows symlinks)."""
    try:
        return os.stat(path)
    except OSError as e:
        raise path_error(op="stat", path=path, err=_errno(e)) from None


def mkdir_all(*, path: str, perm: int) -> None:
    """``os.MkdirAll``: stat fast path, parents first, then ``Mkdir``."""
    try:
        st = os.stat(path)
    except OSError:
        pass
    else:
        if statmod.S_ISDIR(st.st_mode):
            return
        raise path_error(op="mkdir", path=path, err=errno.ENOTDIR)
    i = len(path) - 1
    while i >= 0 and path[i] == "/":
        i -= 1
    while i >= 0 and path[i] != "/":
        i -= 1
    i = max(i, 0)
    parent = path[:i]
    if parent:
        mkdir_all(path=parent, perm=perm)
    try:
        os.mkdir(path, perm)
    except OSError as e:
        try:
            if statmod.S_ISDIR(os.lstat(path).st_mode):
                return
        except OSError:
            pass
        raise path_error(op="mkdir", path=path, err=_errno(e)) from None


def read_file(*, path: str) -> bytes:
    """``os.ReadFile``: open (errors as ``open``) then read (errors as ``read``)."""
    try:
        fd = os.open(path, os.O_RDONLY | _O_CLOEXEC)
    except OSError as e:
        raise path_error(op="open", path=path, err=_errno(e)) from None
    try:
        chunks: list[bytes] = []
        while True:
            try:
                chunk = os.read(fd, 1 << 20)
            except OSError as e:
                raise path_error(op="read", path=path, err=_errno(e)) from None
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


def create_temp(*, directory: str, prefix: str, suffix: str) -> tuple[int, str]:
    """``os.CreateTemp(dir, prefix+"*"+suffix)``: O_EXCL create, mode 0600, 10000 tries."""
    base = directory if directory.endswith("/") else directory + "/"
    for _ in range(10000):
        name = f"{base}{prefix}{_rand.getrandbits(32)}{suffix}"
        try:
            fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_EXCL | _O_CLOEXEC, 0o600)
        except FileExistsError:
            continue
        except OSError as e:
            raise path_error(op="open", path=name, err=_errno(e)) from None
        return fd, name
    raise path_error(op="createtemp", path=f"{base}{prefix}*{suffix}", err=errno.EEXIST)


def write_all(*, fd: int, name: str, data: bytes) -> None:
    """``(*File).Write`` of the whole buffer."""
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except OSError as e:
            raise path_error(op="write", path=name, err=_errno(e)) from None
        view = view[n:]


def fchmod(*, fd: int, name: str, mode: int) -> None:
    """``(*File).Chmod``."""
    try:
        os.fchmod(fd, mode)
    except OSError as e:
        raise path_error(op="chmod", path=name, err=_errno(e)) from None


def close(*, fd: int, name: str) -> None:
    """``(*File).Close``."""
    try:
        os.close(fd)
    except OSError as e:
        raise path_error(op="close", path=name, err=_errno(e)) from None


def close_quietly(*, fd: int) -> None:
    """A deferred ``Close`` whose error nobody looks at."""
    with contextlib.suppress(OSError):
        os.close(fd)


def _link_error(old: str, new: str, err: int) -> CacheIOError:
    return CacheIOError(f"rename {old} {new}: {go_errno_text(errno_value=err)}", errno_value=err)


def rename(*, old: str, new: str) -> None:
    """``os.Rename`` on Unix, including its refusal to replace a directory."""
    try:
        fi = os.lstat(new)
    except OSError:
        fi = None
    if fi is not None and statmod.S_ISDIR(fi.st_mode):
        try:
            ofi = os.lstat(old)
        except OSError as e:
            raise _link_error(old, new, _errno(e)) from None
        if new == old or (fi.st_dev, fi.st_ino) != (ofi.st_dev, ofi.st_ino):
            raise _link_error(old, new, errno.EEXIST)
    try:
        os.rename(old, new)
    except OSError as e:
        raise _link_error(old, new, _errno(e)) from None


def remove(*, path: str) -> None:
    """``os.Remove`` with the error ignored, as file.go's deferred call does."""
    try:
        os.unlink(path)
    except OSError:
        with contextlib.suppress(OSError):
            os.rmdir(path)
