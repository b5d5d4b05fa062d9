"""Injecting a step's fault for real, as root too (docs/spec-format.md, "Faults").

Root ignores permission bits, so every fault uses a mechanism that binds root:

- `file_size_limit`: the testee lowers its own soft RLIMIT_FSIZE for the one
  request (protocol field `limits.file_size`, announced in hello `limits`);
  with SIGXFSZ ignored, a write past the limit fails with EFBIG.
- `disk_full`: the case's sandbox lives on a small tmpfs that the harness
  mounts for the case and fills to the last page while the step runs (ENOSPC).
  Needs mount privileges (CAP_SYS_ADMIN).
- `immutable`: the path carries the immutable attribute while the step runs,
  so it can be read but not replaced, renamed over or removed (EPERM).
  Needs CAP_LINUX_IMMUTABLE and a file system with the attribute (ext4, tmpfs).

A fault this machine cannot inject raises FaultUnavailable; the runner makes the
case *skipped* with that reason, never passed.
"""

from __future__ import annotations

import array
import contextlib
import ctypes
import ctypes.util
import errno
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import TracebackType

from harness.confine import CONFINED_NOTE
from harness.exceptions import FaultUnavailable
from harness.protocol import Hello, Limitable, Request
from harness.sandbox import CaseSandbox
from harness.spec import Case, Step
from harness.stepspec import Fault
from harness.testee import SubprocessTestee, Testee

__all__ = [
    "FILE_SIZE_LIMIT",
    "TMPFS_BYTES",
    "CaseFaults",
    "fill_filesystem",
    "set_immutable",
    "testee_limits",
    "unsupported_fault_reason",
]

FILE_SIZE_LIMIT = "file_size"  # the hello `limits` entry and the request field
TMPFS_BYTES = 1 << 20  # room for any case's layout; the filler takes the rest
FILL_NAME = ".tokencache-compat-fill"

_FS_IOC_GETFLAGS = 0x80086601
_FS_IOC_SETFLAGS = 0x40086602
_FS_IMMUTABLE_FL = 0x00000010
_MS_NOSUID = 2
_MS_NODEV = 4
_MNT_DETACH = 2


def testee_limits(*, hello: Hello) -> frozenset[str]:
    """The per-request limits a testee's hello says it applies to itself (`limits`)."""
    value = hello.raw.get("limits", [])
    if not isinstance(value, list):
        return frozenset()
    return frozenset(v for v in value if isinstance(v, str))


def unsupported_fault_reason(*, case: Case, hello: Hello) -> str | None:
    """Why the testee cannot take part in this case's faults, or None."""
    wants = any(s.fault is not None and s.fault.kind == "file_size_limit" for s in case.steps)
    if wants and FILE_SIZE_LIMIT not in testee_limits(hello=hello):
        return (
            f"unsupported: fault file_size_limit needs a testee that applies limits "
            f"(hello limits lacks {FILE_SIZE_LIMIT!r})"
        )
    return None


# -- tmpfs -----------------------------------------------------------------------------------


def _libc() -> ctypes.CDLL:
    if not sys.platform.startswith("linux"):
        raise FaultUnavailable(f"needs Linux mount(2); this is {sys.platform}")
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def mount_tmpfs(*, target: Path, size: int) -> None:
    """Mount a tmpfs of `size` bytes on `target`; FaultUnavailable without the privilege."""
    libc = _libc()
    options = f"size={size},mode=0755".encode()
    rc = libc.mount(b"tokencache-compat", os.fsencode(target), b"tmpfs",
                    _MS_NOSUID | _MS_NODEV, options)
    if rc != 0:
        err = ctypes.get_errno()
        raise FaultUnavailable(
            f"disk_full needs a small tmpfs: mounting one on {target} failed: "
            f"{os.strerror(err)} (needs mount privileges, CAP_SYS_ADMIN)"
        )


def unmount(*, target: Path) -> None:
    """Detach a mount made by mount_tmpfs (lazily, so an open file cannot keep it)."""
    libc = _libc()
    if libc.umount2(os.fsencode(target), _MNT_DETACH) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"umount {target}: {os.strerror(err)}")


def fill_filesystem(*, directory: Path) -> Path:
    """Fill the file system holding `directory` to the last block; returns the filler."""
    filler = directory / FILL_NAME
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        for size in (1 << 16, 1):  # large chunks, then whatever a partial block still takes
            chunk = b"\0" * size
            while True:
                try:
                    if os.write(fd, chunk) == 0:
                        break
                except OSError as exc:
                    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                        break
                    raise
    finally:
        os.close(fd)
    if os.statvfs(directory).f_bavail != 0:
        filler.unlink()
        raise FaultUnavailable(f"could not fill the file system holding {directory}")
    return filler


# -- immutable attribute ---------------------------------------------------------------------


def set_immutable(*, path: Path, on: bool) -> None:
    """Set or clear the immutable attribute (chattr +i / -i) on path, following links."""
    try:
        import fcntl
    except ImportError as exc:  # pragma: no cover - not on POSIX
        raise FaultUnavailable(f"immutable needs fcntl: {exc}") from exc
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if on:
            raise FaultUnavailable(f"immutable: cannot open {path}: {exc}") from exc
        raise
    try:
        buf = array.array("i", [0])
        try:
            fcntl.ioctl(fd, _FS_IOC_GETFLAGS, buf, True)
            flags = buf[0] | _FS_IMMUTABLE_FL if on else buf[0] & ~_FS_IMMUTABLE_FL
            buf[0] = flags
            fcntl.ioctl(fd, _FS_IOC_SETFLAGS, buf, False)
        except OSError as exc:
            if not on:
                raise
            need = {
                errno.EPERM: " (needs CAP_LINUX_IMMUTABLE, e.g. root)",
                errno.ENOTTY: " (the file system has no such attribute)",
                errno.EOPNOTSUPP: " (the file system has no such attribute)",
            }.get(exc.errno or 0, "")
            raise FaultUnavailable(f"immutable: chattr +i {path} failed: {exc}{need}") from exc
    finally:
        os.close(fd)


# -- one case --------------------------------------------------------------------------------


class CaseFaults:
    """The faults of one case: a tmpfs for its sandbox if needed, and per-step injection.

    Use as a context manager around the case's sandbox; `sandbox_parent` is where
    that sandbox must be created.
    """

    def __init__(
        self, *, case: Case, parent: Path | None = None, testee: Testee | None = None
    ) -> None:
        self._faults = [s.fault for s in case.steps if s.fault is not None]
        self._parent = parent
        self._testee = testee
        self._starts_at_mount = 0
        self._mount: Path | None = None
        self._immutable: list[Path] = []
        self.sandbox_parent = parent

    @property
    def needs_tmpfs(self) -> bool:
        """True when a step of the case wants a full file system."""
        return any(f.kind == "disk_full" for f in self._faults)

    def __enter__(self) -> CaseFaults:
        if self.needs_tmpfs:
            mount = Path(tempfile.mkdtemp(prefix="tokencache-compat-fs-", dir=self._parent))
            try:
                mount_tmpfs(target=mount, size=TMPFS_BYTES)
            except BaseException:
                with contextlib.suppress(OSError):
                    mount.rmdir()
                raise
            self._mount = mount
            self.sandbox_parent = mount
            if isinstance(self._testee, SubprocessTestee):
                self._starts_at_mount = self._testee.starts
        return self

    def prepare(self, *, testee: Testee) -> None:
        """Restart a confined testee whose process predates the case's tmpfs.

        bwrap gives a testee a private copy of the mounts that existed when it
        started; one mounted later (this case's tmpfs) stays invisible to it. A
        fresh process sees it. Call after begin_case, before the first step.
        """
        if (
            self._mount is not None
            and isinstance(testee, SubprocessTestee)
            and testee.confinement == CONFINED_NOTE
            and testee.alive()
            and testee.starts == self._starts_at_mount
            and self._starts_at_mount > 0
        ):
            testee.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        errors: list[str] = []
        for path in reversed(self._immutable):  # a crash mid-step must not leave one behind
            try:
                set_immutable(path=path, on=False)
            except OSError as e:
                errors.append(f"chattr -i {path}: {e}")
        self._immutable.clear()
        if self._mount is not None:
            try:
                unmount(target=self._mount)
                self._mount.rmdir()
            except OSError as e:
                errors.append(str(e))
            self._mount = None
        if errors and exc_type is None:
            raise OSError(errno.EIO, "fault clean-up failed: " + "; ".join(errors))

    def request(self, *, step: Step, request: Request) -> Request:
        """The protocol request with the step's limits added (file_size_limit)."""
        fault = step.fault
        if fault is None or fault.kind != "file_size_limit" or fault.limit is None:
            return request
        if not isinstance(request, Limitable):  # hello/shutdown: no step sends them
            raise FaultUnavailable(f"a {request.op} request cannot carry limits")
        return replace(request, limits={FILE_SIZE_LIMIT: fault.limit})

    @contextlib.contextmanager
    def during(self, *, step: Step, sandbox: CaseSandbox) -> Iterator[None]:
        """Hold the step's harness-side fault (full disk, immutable path) around the request."""
        fault: Fault | None = step.fault
        if fault is None or fault.kind == "file_size_limit":
            yield
            return
        if fault.kind == "disk_full":
            if self._mount is None:
                raise FaultUnavailable("disk_full: the case's sandbox is not on its own tmpfs")
            filler = fill_filesystem(directory=self._mount)
            try:
                yield
            finally:
                filler.unlink()
            return
        rel = fault.path or ""
        sandbox.confine(paths=[rel])  # as the links are now, not as they were at layout
        path = sandbox.root / rel
        set_immutable(path=path, on=True)
        self._immutable.append(path)
        try:
            yield
        finally:
            set_immutable(path=path, on=False)
            self._immutable.remove(path)
