"""The reference's lock protocol (`--lock`): token-cache.lock beside the cache, flock around it."""

from __future__ import annotations

import fcntl
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from reference_impl import (
    LOCK_FILE_NAME,
    CacheIOError,
    LockedFileTokenCache,
    NotFoundError,
    Session,
    Token,
)

WAIT_S = 0.3  # how long a blocked call is given to (wrongly) finish; never a speed limit


@contextmanager
def held(path: Path, how: int = fcntl.LOCK_EX) -> Iterator[None]:
    """Hold a flock on `path` through a descriptor of our own, as another process would."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, how)
        yield
    finally:
        os.close(fd)


def test_open_creates_the_lock_file_0600_beside_the_cache(tmp_path: Path) -> None:
    """Opening makes the directory 0700 and token-cache.lock 0600 in it, next to the cache."""
    cache = LockedFileTokenCache.open(path=None, env={"HOME": str(tmp_path)})
    lock = tmp_path / ".databricks" / LOCK_FILE_NAME
    assert cache.lock_file == str(lock)
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600
    assert stat.S_IMODE(lock.parent.stat().st_mode) == 0o700
    assert (lock.parent / "token-cache.json").is_file()


def test_store_and_lookup_behave_like_the_unlocked_cache(tmp_path: Path) -> None:
    """Errors and values pass through the lock unchanged (not found stays not found)."""
    cache = LockedFileTokenCache.open(path=str(tmp_path / "c.json"), env={})
    cache.store(key="k", token=Token(access_token="a"))
    assert cache.lookup(key="k") == Token(access_token="a")
    with pytest.raises(NotFoundError):
        cache.lookup(key="missing")


def test_a_store_waits_while_another_holder_has_the_lock(tmp_path: Path) -> None:
    """A store blocks on the exclusive lock and completes once the holder lets go."""
    cache = LockedFileTokenCache.open(path=str(tmp_path / "c.json"), env={})
    done = threading.Event()

    def store() -> None:
        cache.store(key="k", token=Token(access_token="a"))
        done.set()

    with held(tmp_path / LOCK_FILE_NAME):
        worker = threading.Thread(target=store)
        worker.start()
        assert not done.wait(WAIT_S), "the store went ahead while the lock was held"
    assert done.wait(10.0)
    worker.join()
    assert cache.lookup(key="k") == Token(access_token="a")


def test_lookups_share_the_lock_and_wait_for_a_writer(tmp_path: Path) -> None:
    """A lookup runs beside another reader's shared lock but waits for a writer's exclusive one."""
    cache = LockedFileTokenCache.open(path=str(tmp_path / "c.json"), env={})
    cache.store(key="k", token=Token(access_token="a"))
    shared = threading.Event()
    with held(tmp_path / LOCK_FILE_NAME, fcntl.LOCK_SH):
        reader = threading.Thread(target=lambda: (cache.lookup(key="k"), shared.set()),
                                  daemon=True)
        reader.start()
        assert shared.wait(10.0), "a lookup waited for another reader's shared lock"
    done = threading.Event()
    with held(tmp_path / LOCK_FILE_NAME, fcntl.LOCK_EX):
        worker = threading.Thread(target=lambda: (cache.lookup(key="k"), done.set()))
        worker.start()
        assert not done.wait(WAIT_S), "the lookup went ahead under a writer's lock"
    assert done.wait(10.0)
    worker.join()


def test_a_lock_held_by_a_killed_process_is_released(tmp_path: Path) -> None:
    """A holder that dies (SIGKILL) frees the lock; the leftover lock file wedges nobody."""
    lock = tmp_path / LOCK_FILE_NAME
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, os, sys, time\n"
         f"fd = os.open({str(lock)!r}, os.O_RDWR | os.O_CREAT, 0o600)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX)\n"
         "print('held', flush=True)\n"
         "time.sleep(60)\n"],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        cache = LockedFileTokenCache.open
        done = threading.Event()
        worker = threading.Thread(target=lambda: (
            cache(path=str(tmp_path / "c.json"), env={}), done.set()))
        worker.start()
        assert not done.wait(WAIT_S), "open went ahead while another process held the lock"
        holder.kill()
        assert done.wait(10.0), "the lock stayed taken after its holder was killed"
        worker.join()
    finally:
        holder.kill()
        holder.wait()
    assert lock.is_file()


def test_a_symlinked_lock_file_is_refused(tmp_path: Path) -> None:
    """The lock file is opened with O_NOFOLLOW: a symlink is an error, nothing is created."""
    (tmp_path / LOCK_FILE_NAME).symlink_to(tmp_path / "elsewhere")
    with pytest.raises(CacheIOError, match=r"^lock: open .*token-cache\.lock: "):
        LockedFileTokenCache.open(path=str(tmp_path / "c.json"), env={})
    assert not (tmp_path / "elsewhere").exists()


def test_hello_announces_the_lock_only_in_the_lock_variant(tmp_path: Path) -> None:
    """Session(lock=True) announces "lock": "flock" and makes a lock file; the default does not."""
    locked = Session(lock=True).handle({"id": 1, "op": "hello"})["result"]
    plain = Session().handle({"id": 1, "op": "hello"})["result"]
    assert locked["lock"] == "flock"
    assert "lock" not in plain
    s = Session(lock=True)
    assert s.handle({"id": 2, "op": "open", "path": str(tmp_path / "c.json")})["ok"]
    assert (tmp_path / LOCK_FILE_NAME).is_file()


def test_python_m_reference_impl_takes_lock(tmp_path: Path) -> None:
    """`python -m reference_impl --lock` serves the locking variant."""
    requests = (
        '{"id": 1, "op": "hello"}\n'
        f'{{"id": 2, "op": "open", "path": "{tmp_path}/c.json"}}\n'
    )
    done = subprocess.run([sys.executable, "-m", "reference_impl", "--lock"], input=requests,
                          capture_output=True, text=True, timeout=60, check=True)
    assert '"lock": "flock"' in done.stdout.splitlines()[0]
    assert (tmp_path / LOCK_FILE_NAME).is_file()
