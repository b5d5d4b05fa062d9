"""The lock protocol between real processes: what a holder's death, a stale lock file and a
writer that does not lock do to the others (reference+lock and go-sdk@v0.129.0+lock)."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from stress_helpers import GO, Resolve

from harness.protocol import OpenRequest, Response, StoreRequest, Success
from harness.stress.locks import flock_holders
from harness.stress.plan import ResolvedImpl
from harness.stress.sandbox import parse_cache
from harness.stress.workers import token_for
from harness.testee import SubprocessTestee

pytestmark = [
    pytest.mark.go,
    pytest.mark.skipif(not Path("/proc/locks").is_file(), reason="needs Linux /proc/locks"),
]

WAIT_S = 0.3  # how long a blocked store is given to (wrongly) finish; never a speed limit
CATCH_ATTEMPTS = 40
BIG_CACHE_ENTRIES = 4000  # makes each store long enough to stop a writer inside it


@dataclass
class Pending:
    """A store answered in a thread: `done` is set once the answer (or failure) is in."""

    done: threading.Event = field(default_factory=threading.Event)
    response: Response | None = None
    error: BaseException | None = None


class Writer:
    """One real writer process with the cache open under `home`."""

    def __init__(self, *, impl: ResolvedImpl, home: Path, procs: Path) -> None:
        self.testee = SubprocessTestee(name=impl.name, command=impl.command, timeout=30.0,
                                       home_parent=procs)
        self.testee.start()
        assert self.testee.hello.lock == ("flock" if impl.locking else None)
        opened = self.testee.request(req=OpenRequest(path=None, env={"HOME": str(home)},
                                                     umask=None))
        assert isinstance(opened, Success), opened

    @property
    def pid(self) -> int:
        """The process id."""
        assert self.testee.pid is not None
        return self.testee.pid

    def store(self, *, key: str) -> Pending:
        """Send a store of `key` and collect its answer in a thread."""
        pending = Pending()
        wait = self.testee.submit(req=StoreRequest(key=key, token=token_for(value=key)))

        def collect() -> None:
            try:
                pending.response = wait()
            except Exception as exc:  # the holder's death ends its request
                pending.error = exc
            pending.done.set()

        threading.Thread(target=collect, daemon=True).start()
        return pending


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """A sandbox HOME whose cache directory exists (processes' own homes go beside it)."""
    (tmp_path / "home" / ".databricks").mkdir(parents=True, mode=0o700)
    (tmp_path / "procs").mkdir()
    yield tmp_path / "home"


def cache_file(home: Path) -> Path:
    """The shared cache file."""
    return home / ".databricks" / "token-cache.json"


def lock_file(home: Path) -> Path:
    """The lock file beside it."""
    return home / ".databricks" / "token-cache.lock"


def big_cache(home: Path) -> None:
    """A valid cache with many entries, so every store reads and writes for a while."""
    tokens = {f"filler/{i:05d}": token_for(value=f"filler-{i}") for i in range(BIG_CACHE_ENTRIES)}
    cache_file(home).write_text(json.dumps({"version": 1, "tokens": tokens}, indent=2))
    os.chmod(cache_file(home), 0o600)


def tokens_now(home: Path) -> dict[str, str | None]:
    """The file's key → access token map (it must parse)."""
    tokens = parse_cache(raw=cache_file(home).read_bytes())
    assert tokens is not None, "the cache file does not parse"
    return tokens


def stop_inside_its_store(writer: Writer, home: Path) -> Pending:
    """Send stores until the writer is stopped (SIGSTOP) while /proc/locks shows it holding
    token-cache.lock; returns that store, whose answer never comes."""
    for attempt in range(CATCH_ATTEMPTS):
        pending = writer.store(key=f"holder/{attempt}")
        deadline = time.monotonic() + 10.0
        while not pending.done.is_set() and time.monotonic() < deadline:
            if writer.pid in (flock_holders(path=lock_file(home)) or set()):
                os.kill(writer.pid, signal.SIGSTOP)
                if writer.pid in (flock_holders(path=lock_file(home)) or set()):
                    return pending
                os.kill(writer.pid, signal.SIGCONT)  # it let go just before the stop
        assert pending.done.wait(30.0)
    pytest.fail(f"could not stop the writer inside a store in {CATCH_ATTEMPTS} attempts")


PAIRS = [("reference+lock", f"{GO}+lock"), (f"{GO}+lock", "reference+lock")]


@pytest.mark.parametrize(("holder_name", "waiter_name"), PAIRS)
def test_a_holder_killed_mid_store_does_not_wedge_the_others(
    resolve: Resolve, home: Path, holder_name: str, waiter_name: str
) -> None:
    """A locking writer stopped inside its store blocks the next one; SIGKILL frees it."""
    impls = resolve(holder_name, waiter_name)
    big_cache(home)
    holder = Writer(impl=impls[holder_name], home=home, procs=home.parent / "procs")
    waiter = Writer(impl=impls[waiter_name], home=home, procs=home.parent / "procs")
    try:
        stop_inside_its_store(holder, home)
        blocked = waiter.store(key="waiter/after-kill")
        assert not blocked.done.wait(WAIT_S), "the waiter stored while the holder had the lock"
        os.kill(holder.pid, signal.SIGKILL)
        assert blocked.done.wait(30.0), "the lock stayed taken after its holder was killed"
        assert isinstance(blocked.response, Success), blocked.response
        tokens = tokens_now(home)
        assert tokens["waiter/after-kill"] == "waiter/after-kill"
        assert len([k for k in tokens if k.startswith("filler/")]) == BIG_CACHE_ENTRIES
    finally:
        holder.testee.close()
        waiter.testee.close()


@pytest.mark.parametrize("name", ["reference+lock", f"{GO}+lock"])
def test_a_lock_file_left_by_a_killed_holder_wedges_nobody(
    resolve: Resolve, home: Path, name: str
) -> None:
    """A process that died holding the lock leaves the file behind; the next writer goes on."""
    impls = resolve(name)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, os, time\n"
         f"fd = os.open({str(lock_file(home))!r}, os.O_RDWR | os.O_CREAT, 0o600)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX)\n"
         "print('held', flush=True)\n"
         "time.sleep(60)\n"],
        stdout=subprocess.PIPE,
    )
    assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
    holder.kill()
    holder.wait()
    assert lock_file(home).is_file()
    writer = Writer(impl=impls[name], home=home, procs=home.parent / "procs")
    try:
        pending = writer.store(key="after-stale-lock")
        assert pending.done.wait(30.0)
        assert isinstance(pending.response, Success), pending.response
        assert tokens_now(home)["after-stale-lock"] == "after-stale-lock"
    finally:
        writer.testee.close()


@pytest.mark.parametrize(("name", "waits"), [(GO, False), (f"{GO}+lock", True),
                                             ("reference", False), ("reference+lock", True)])
def test_only_locking_writers_wait_for_the_lock(
    resolve: Resolve, home: Path, name: str, waits: bool
) -> None:
    """While another process holds the lock, a locking writer waits and a released SDK writes
    anyway: one writer that does not lock is enough to keep losing updates."""
    impls = resolve(name)
    writer = Writer(impl=impls[name], home=home, procs=home.parent / "procs")
    fd = os.open(lock_file(home), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        pending = writer.store(key="k")
        assert pending.done.wait(WAIT_S if waits else 30.0) is not waits
        os.close(fd)
        fd = -1
        assert pending.done.wait(30.0)
        assert isinstance(pending.response, Success), pending.response
    finally:
        if fd >= 0:
            os.close(fd)
        writer.testee.close()
