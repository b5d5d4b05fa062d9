"""Write failures after the temp file exists: Go's texts and leftovers, faults injected for real."""

from __future__ import annotations

import os
import re
import resource
from pathlib import Path
from typing import Any

import pytest
from pyfakefs import helpers
from pyfakefs.fake_filesystem import FakeFilesystem

from reference_impl import CacheIOError, FileTokenCache, Token
from reference_impl.protocol import Session
from reference_impl.rlimits import FILE_SIZE, available_limits, parse_limits

EMPTY_V1 = b'{\n  "version": 1,\n  "tokens": {}\n}'
TMP = re.compile(r"\.token-cache-\d+\.tmp")


def _tmp_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if TMP.fullmatch(p.name))


def _session_at(path: Path) -> Session:
    session = Session()
    opened = session.handle({"id": 1, "op": "open", "path": str(path)})
    assert opened["ok"], opened
    return session


def _store(session: Session, *, limits: Any = None, key: str = "k") -> dict[str, Any]:
    req: dict[str, Any] = {"id": 2, "op": "store", "key": key,
                           "token": {"access_token": "a", "refresh_token": "r"}}
    if limits is not None:
        req["limits"] = limits
    return session.handle(req)


def test_file_size_limit_fails_the_write_with_gos_text_and_a_partial_temp(tmp_path: Path) -> None:
    """A 16-byte limit makes the temp write fail (EFBIG): Go's text, temp left with 16 bytes."""
    session = _session_at(tmp_path / "c.json")
    resp = _store(session, limits={FILE_SIZE: 16})
    assert not resp["ok"]
    (tmp,) = _tmp_files(tmp_path)
    assert resp["error"] == {
        "kind": "error",
        "message": f"error storing token in local cache: write {tmp}: file too large",
    }
    # Go's Write stops where the kernel did: the first 16 bytes of the new file.
    assert tmp.read_bytes() == b'{\n  "version": 1'
    assert (tmp_path / "c.json").read_bytes() == EMPTY_V1


def test_file_size_limit_holds_for_one_request_only(tmp_path: Path) -> None:
    """The soft limit is back to what it was after the request, failed or not."""
    before = resource.getrlimit(resource.RLIMIT_FSIZE)
    session = _session_at(tmp_path / "c.json")
    assert not _store(session, limits={FILE_SIZE: 0})["ok"]
    assert resource.getrlimit(resource.RLIMIT_FSIZE) == before
    assert _store(session)["ok"]
    assert _store(session, limits={FILE_SIZE: 1 << 20})["ok"]  # a limit that fits
    assert resource.getrlimit(resource.RLIMIT_FSIZE) == before


def test_file_size_limit_at_open_is_an_init_write_error(tmp_path: Path) -> None:
    """Creating the empty file under a 0-byte limit fails as Go's init does; no cache is open."""
    session = Session()
    resp = session.handle({"id": 1, "op": "open", "path": str(tmp_path / "c.json"),
                           "limits": {FILE_SIZE: 0}})
    (tmp,) = _tmp_files(tmp_path)
    assert resp["error"]["message"] == (
        f"error creating token cache file: write {tmp}: file too large"
    )
    assert not (tmp_path / "c.json").exists() and tmp.read_bytes() == b""
    assert session.handle({"id": 2, "op": "lookup", "key": "k"})["error"]["message"] == (
        "bad request: no cache is open"
    )


@pytest.mark.parametrize(
    ("limits", "why"),
    [
        ({FILE_SIZE: -1}, "non-negative"),
        ({FILE_SIZE: True}, "non-negative"),
        ({FILE_SIZE: "10"}, "non-negative"),
        ({"files": 3}, "unknown limits"),
        ([16], "must be an object"),
    ],
)
def test_malformed_limits_are_bad_requests(tmp_path: Path, limits: Any, why: str) -> None:
    """A limits field the reference cannot apply is a bad request, and nothing is written."""
    session = _session_at(tmp_path / "c.json")
    resp = _store(session, limits=limits)
    assert resp["error"]["kind"] == "error" and why in resp["error"]["message"]
    assert (tmp_path / "c.json").read_bytes() == EMPTY_V1 and not _tmp_files(tmp_path)


def test_hello_announces_the_file_size_limit() -> None:
    """hello lists `file_size` under limits on POSIX, so the harness runs those cases."""
    assert Session().hello()["limits"] == [FILE_SIZE] == available_limits()
    assert parse_limits(value=None) is None and parse_limits(value={FILE_SIZE: 5}) == 5


def test_disk_full_write_error_keeps_the_temp_on_pyfakefs(fs: FakeFilesystem) -> None:
    """ENOSPC on the temp write: Go's 'no space left on device' text, temp left, file intact."""
    fs.create_dir("/c")
    cache = FileTokenCache.open(path="/c/tc.json", env={})
    fs.set_disk_usage(len(EMPTY_V1) + 8, path="/")
    with pytest.raises(CacheIOError) as info:
        cache.store(key="k", token=Token(access_token="a" * 64))
    (tmp,) = [n for n in os.listdir("/c") if TMP.fullmatch(n)]
    assert str(info.value) == (
        f"error storing token in local cache: write /c/{tmp}: no space left on device"
    )
    with open("/c/tc.json", "rb") as f:
        assert f.read() == EMPTY_V1


def test_create_temp_failure_carries_gos_create_temp_file_layer(fs: FakeFilesystem) -> None:
    """os.CreateTemp's error is wrapped `create temp file: ` by writeTmpFile, then by Store."""
    # pyfakefs lets root write anywhere; act as an ordinary user to be refused.
    helpers.set_uid(1000)
    helpers.set_gid(1000)
    try:
        fs.create_dir("/c")
        cache = FileTokenCache.open(path="/c/tc.json", env={})
        os.chmod("/c", 0o500)
        with pytest.raises(CacheIOError) as info:
            cache.store(key="k", token=Token(access_token="a"))
    finally:
        helpers.reset_ids()
    message = str(info.value)
    assert re.fullmatch(
        r"error storing token in local cache: create temp file: open "
        r"/c/\.token-cache-\d+\.tmp: permission denied",
        message,
    ), message
    assert os.listdir("/c") == ["tc.json"]
