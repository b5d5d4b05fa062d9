"""Reading the shared cache file back: what parses, torn files, leftovers, flock holders."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

import pytest

from harness.stress.locks import flock_holders
from harness.stress.sandbox import StressSandbox, mode_text, parse_cache, read_cache

GOOD = json.dumps({"version": 1, "tokens": {"a": {"access_token": "x"}, "b": None}},
                  indent=2).encode()


def test_a_v1_file_parses_to_access_tokens() -> None:
    """Keys map to their access tokens; a null entry maps to None; null tokens is empty."""
    assert parse_cache(raw=GOOD) == {"a": "x", "b": None}
    assert parse_cache(raw=b'{"version": 1, "tokens": null}') == {}


@pytest.mark.parametrize("raw", [
    b"", GOOD[: len(GOOD) // 2], GOOD[:-1], b"null", b'{"version": 2, "tokens": {}}',
    b'{"version": 1, "tokens": []}', b'{"version": 1, "tokens": {"a": 3}}', b"\xff",
])
def test_torn_or_foreign_files_do_not_parse(raw: bytes) -> None:
    """Every cut of a file, and anything that is not a v1 cache, is unparseable."""
    assert parse_cache(raw=raw) is None


def test_read_cache_reports_missing_unparseable_and_never_follows_a_symlink(
    tmp_path: Path,
) -> None:
    """A missing file, a torn one and a symlinked one are told apart from a good read."""
    path = tmp_path / "token-cache.json"
    assert read_cache(path=path, root=tmp_path).status == "missing"
    path.write_bytes(GOOD[:10])
    torn = read_cache(path=path, root=tmp_path)
    assert torn.status == "unparseable" and torn.size == 10
    path.unlink()
    (tmp_path / "elsewhere").write_bytes(GOOD)
    path.symlink_to(tmp_path / "elsewhere")
    assert read_cache(path=path, root=tmp_path).status == "error"


def test_nothing_outside_the_sandbox_is_read_back(tmp_path: Path) -> None:
    """A cache directory swapped for a symlink out of the sandbox is neither read nor listed."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "token-cache.json").write_bytes(GOOD)
    (outside / ".token-cache-1.tmp").write_text("secret")
    with StressSandbox(parent=tmp_path) as box:
        box.cache_path.parent.symlink_to(outside)
        read = read_cache(path=box.cache_path, root=box.root)
        assert read.status == "error" and "outside the sandbox" in read.detail
        assert read.tokens is None
        assert box.leftover_temp_files() == ()
        assert mode_text(path=box.cache_path, root=box.root) is None


def test_sandbox_lists_only_temporary_files_and_is_removed(tmp_path: Path) -> None:
    """Leftovers are the `.token-cache-*.tmp` names beside the cache; the tree goes at exit."""
    with StressSandbox(parent=tmp_path) as box:
        box.cache_path.parent.mkdir()
        for name in (".token-cache-1.tmp", ".token-cache-22.tmp", "token-cache.lock",
                     "token-cache.json", "x.tmp"):
            (box.cache_path.parent / name).write_text("")
        assert box.leftover_temp_files() == (".token-cache-1.tmp", ".token-cache-22.tmp")
        root = box.root
    assert not root.exists()


@pytest.mark.skipif(not Path("/proc/locks").is_file(), reason="needs Linux /proc/locks")
def test_flock_holders_names_the_holding_process(tmp_path: Path) -> None:
    """While this process holds a flock on the file, /proc/locks names our pid; then nobody."""
    lock = tmp_path / "token-cache.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        assert flock_holders(path=lock) == set()
        fcntl.flock(fd, fcntl.LOCK_EX)
        assert flock_holders(path=lock) == {os.getpid()}
    finally:
        os.close(fd)
    assert flock_holders(path=lock) == set()
    assert flock_holders(path=tmp_path / "absent") is None
