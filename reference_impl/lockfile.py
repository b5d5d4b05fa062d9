"""The advisory lock protocol of docs/concurrency.md, as the reference's ``--lock`` variant.

``token-cache.lock`` sits in the cache file's directory.  It is opened with
``O_RDWR|O_CREAT|O_NOFOLLOW|O_CLOEXEC`` and mode 0600 (so a symlinked lock file
is an error, never a file created elsewhere), and never removed.  A writer
holds an exclusive ``flock`` on it around load, change and replace (``open``
too, which may create the cache file); a reader holds a shared one around its
load.  The lock is released by closing the descriptor, and by the kernel when
the holder dies, so a lock file left by a killed process wedges nobody.

No released SDK does this; the Go kit's ``--lock`` option is the same protocol
(adapters/go/conformance/lock.go).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator, Mapping
from typing import Final

from . import goos
from .errors import CacheIOError
from .filecache import DIR_MODE, FileTokenCache, Variant, default_path
from .gopath import dir_of, join
from .token import Token
from .toolchain import DEFAULT_TOOLCHAIN, Toolchain

__all__ = ["LOCK_FILE_NAME", "LockedFileTokenCache", "holding_lock", "lock_path"]

LOCK_FILE_NAME: Final = "token-cache.lock"
LOCK_FILE_MODE: Final = 0o600
_FLAGS: Final = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def lock_path(*, location: str) -> str:
    """The lock file beside the cache file at ``location``."""
    return join(elems=(dir_of(path=location), LOCK_FILE_NAME))


@contextlib.contextmanager
def holding_lock(*, path: str, exclusive: bool) -> Iterator[None]:
    """Hold the lock file at ``path`` (exclusive for writers, shared for readers)."""
    try:
        fd = os.open(path, _FLAGS, LOCK_FILE_MODE)
    except OSError as e:
        raise goos.path_error(op="lock: open", path=path, err=e.errno or errno.EIO) from None
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
                break
            except InterruptedError:
                continue
            except OSError as e:
                raise goos.path_error(
                    op="lock: flock", path=path, err=e.errno or errno.EIO
                ) from None
        yield
    finally:
        # Closing the only descriptor releases the flock.
        goos.close_quietly(fd=fd)


class LockedFileTokenCache:
    """A :class:`FileTokenCache` whose open, store and lookup hold ``token-cache.lock``."""

    def __init__(self, *, inner: FileTokenCache, lock: str) -> None:
        self._inner = inner
        self._lock = lock

    @property
    def location(self) -> str:
        """The cache file path (as :attr:`FileTokenCache.location`)."""
        return self._inner.location

    @property
    def lock_file(self) -> str:
        """The lock file path."""
        return self._lock

    @classmethod
    def open(
        cls,
        *,
        path: str | None,
        env: Mapping[str, str | None],
        variant: Variant = "sdk",
        toolchain: Toolchain = DEFAULT_TOOLCHAIN,
    ) -> LockedFileTokenCache:
        """``FileTokenCache.open`` under the exclusive lock (it may create the file)."""
        location = path or default_path(env=env, variant=variant)
        lock = lock_path(location=location)
        try:
            # The lock file needs its directory before the cache would create it.
            goos.mkdir_all(path=dir_of(path=location), perm=DIR_MODE)
        except CacheIOError as e:
            raise e.wrapped(prefix="lock: mkdir") from None
        with holding_lock(path=lock, exclusive=True):
            inner = FileTokenCache.open(
                path=location, env=env, variant=variant, toolchain=toolchain
            )
        return cls(inner=inner, lock=lock)

    def store(self, *, key: str, token: Token | None) -> None:
        """``Store`` holding the exclusive lock around load, change and replace."""
        with holding_lock(path=self._lock, exclusive=True):
            self._inner.store(key=key, token=token)

    def lookup(self, *, key: str) -> Token | None:
        """``Lookup`` holding the shared lock around the load."""
        with holding_lock(path=self._lock, exclusive=False):
            return self._inner.lookup(key=key)
