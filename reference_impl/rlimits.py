"""Per-request resource limits (protocol ``limits``): the testee limits itself, for real.

``limits.file_size`` lowers the process's soft ``RLIMIT_FSIZE`` for one request
and restores it before the response is written. With ``SIGXFSZ`` ignored (Python
ignores it from start-up; the Go runtime turns it into nothing unless someone
asked for it), a write past the limit fails with ``EFBIG``, which the ``goos``
layer reports as Go's ``write <tmp>: file too large``. Nothing is simulated:
the kernel refuses the write, as it does for the Go testees.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["FILE_SIZE", "LimitError", "available_limits", "limits_applied", "parse_limits"]

FILE_SIZE = "file_size"

try:
    import resource
except ImportError:  # pragma: no cover - not on POSIX
    resource = None  # type: ignore[assignment]


class LimitError(ValueError):
    """A malformed ``limits`` request field, or a limit this process cannot apply."""


def available_limits() -> list[str]:
    """What ``hello`` announces under ``limits``."""
    if resource is None or not hasattr(signal, "SIGXFSZ"):
        return []
    return [FILE_SIZE]


def parse_limits(*, value: Any) -> int | None:
    """The ``limits`` field of a request: the file-size limit in bytes, or None."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise LimitError("limits must be an object")
    unknown = sorted(set(value) - {FILE_SIZE})
    if unknown:
        raise LimitError(f"unknown limits: {unknown}")
    size = value.get(FILE_SIZE)
    if size is None:
        return None
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise LimitError("limits.file_size must be a non-negative integer")
    if FILE_SIZE not in available_limits():
        raise LimitError("file-size limits are not available on this platform")
    return size


def _ignore_sigxfsz() -> None:
    if signal.getsignal(signal.SIGXFSZ) == signal.SIG_IGN:
        return
    if threading.current_thread() is not threading.main_thread():
        raise LimitError("SIGXFSZ is not ignored and only the main thread can ignore it")
    # Without this the kernel would kill the process instead of failing the write.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


@contextlib.contextmanager
def limits_applied(*, file_size: int | None) -> Iterator[None]:
    """Hold the soft file-size limit at ``file_size`` bytes for the block (None: no change)."""
    if file_size is None or resource is None:
        yield
        return
    _ignore_sigxfsz()
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    lowered = file_size if hard == resource.RLIM_INFINITY else min(file_size, hard)
    resource.setrlimit(resource.RLIMIT_FSIZE, (lowered, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
