"""Store/lookup semantics, atomic replacement, symlinks and OS error texts on a real tmp dir."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from reference_impl import (
    CacheIOError,
    DecodeError,
    FileTokenCache,
    GoTime,
    MarshalError,
    NotFoundError,
    NullFileError,
    Token,
    VersionError,
    goos,
)

EMPTY_V1 = b'{\n  "version": 1,\n  "tokens": {}\n}'


def open_at(path: Path) -> FileTokenCache:
    """Open a cache at an explicit path."""
    return FileTokenCache.open(path=str(path), env={})


def test_store_lookup_delete(tmp_path: Path) -> None:
    """A stored token is found; storing None deletes it and rewrites the file."""
    cache = open_at(tmp_path / "c.json")
    tok = Token(access_token="a", expiry=GoTime(2030, 1, 1, offset=3600), expires_in=5)
    cache.store(key="k", token=tok)
    assert cache.lookup(key="k") == tok
    cache.store(key="k", token=None)
    with pytest.raises(NotFoundError) as info:
        cache.lookup(key="k")
    assert str(info.value) == "token not found"
    assert (tmp_path / "c.json").read_bytes() == EMPTY_V1


def test_null_entry_lookup_returns_none(tmp_path: Path) -> None:
    """A key whose value is null is found and yields no token, as Go's Lookup does."""
    (tmp_path / "c.json").write_bytes(b'{"version":1,"tokens":{"k":null}}')
    assert open_at(tmp_path / "c.json").lookup(key="k") is None


def test_tokens_null_then_store(tmp_path: Path) -> None:
    """ "tokens": null reads as no keys, and a store writes a fresh map."""
    (tmp_path / "c.json").write_bytes(b'{"version":1,"tokens":null}')
    cache = open_at(tmp_path / "c.json")
    with pytest.raises(NotFoundError):
        cache.lookup(key="k")
    cache.store(key="gone", token=None)
    assert (tmp_path / "c.json").read_bytes() == EMPTY_V1


def test_unknown_fields_dropped_on_next_write(tmp_path: Path) -> None:
    """Unknown members survive reading but not the next write."""
    (tmp_path / "c.json").write_bytes(b'{"version":1,"extra":true,"tokens":{"k":{"scope":"x"}}}')
    cache = open_at(tmp_path / "c.json")
    cache.store(key="z", token=None)
    assert (tmp_path / "c.json").read_bytes() == (
        b'{\n  "version": 1,\n  "tokens": {\n    "k": {\n      "access_token": "",\n'
        b'      "expiry": "0001-01-01T00:00:00Z"\n    }\n  }\n}'
    )


@pytest.mark.parametrize(
    ("raw", "cls", "message"),
    [
        (b'{"version":2,"tokens":{}}', VersionError, "load: needs version 1, got version 2"),
        (b"", DecodeError, "load: parse: unexpected end of JSON input"),
        (b"null", NullFileError, None),
    ],
)
def test_open_fails_fast(
    tmp_path: Path, raw: bytes, cls: type[Exception], message: str | None
) -> None:
    """NewFileTokenCache loads once and reports a bad file with Go's wrapping."""
    (tmp_path / "c.json").write_bytes(raw)
    with pytest.raises(cls) as info:
        open_at(tmp_path / "c.json")
    if message is not None:
        assert str(info.value) == message
    else:
        assert str(info.value).startswith("load: ") and "panic" in str(info.value)


def test_store_errors_wrapped_with_load(tmp_path: Path) -> None:
    """A file broken after open makes Store fail with "load: parse: ..."."""
    cache = open_at(tmp_path / "c.json")
    (tmp_path / "c.json").write_bytes(b"{")
    with pytest.raises(DecodeError) as info:
        cache.store(key="k", token=None)
    assert str(info.value) == "load: parse: unexpected end of JSON input"


def test_marshal_error_leaves_file_unchanged(tmp_path: Path) -> None:
    """A token Go cannot marshal fails with "marshal: ..." and nothing is written."""
    cache = open_at(tmp_path / "c.json")
    with pytest.raises(MarshalError) as info:
        cache.store(key="k", token=Token(expiry=GoTime(10000, 1, 1)))
    assert str(info.value).startswith("marshal: json: error calling MarshalJSON for type time.Time")
    assert (tmp_path / "c.json").read_bytes() == EMPTY_V1
    assert sorted(os.listdir(tmp_path)) == ["c.json"]


def test_read_of_directory(tmp_path: Path) -> None:
    """A directory at the file path fails at read, not open, as os.ReadFile does."""
    (tmp_path / "d").mkdir()
    with pytest.raises(CacheIOError) as info:
        open_at(tmp_path / "d")
    assert str(info.value) == f"load: read: read {tmp_path}/d: is a directory"


def test_store_replaces_symlink_with_regular_file(tmp_path: Path) -> None:
    """Rename replaces a symlinked cache file; the link target keeps its old bytes."""
    target = tmp_path / "target.json"
    target.write_bytes(EMPTY_V1)
    (tmp_path / "c.json").symlink_to(target)
    cache = open_at(tmp_path / "c.json")
    cache.store(key="k", token=Token(access_token="a"))
    assert not (tmp_path / "c.json").is_symlink()
    assert stat.S_IMODE((tmp_path / "c.json").stat().st_mode) == 0o600
    assert target.read_bytes() == EMPTY_V1


def test_dangling_symlink_replaced_on_open(tmp_path: Path) -> None:
    """os.Stat follows a dangling link to ENOENT, so open writes a new file over the link."""
    (tmp_path / "c.json").symlink_to(tmp_path / "missing.json")
    open_at(tmp_path / "c.json")
    assert not (tmp_path / "c.json").is_symlink()
    assert not (tmp_path / "missing.json").exists()
    assert (tmp_path / "c.json").read_bytes() == EMPTY_V1


def test_dangling_symlink_parent_is_mkdir_error(tmp_path: Path) -> None:
    """A dangling symlink where the directory should be fails MkdirAll with EEXIST."""
    (tmp_path / "d").symlink_to(tmp_path / "nowhere")
    with pytest.raises(CacheIOError) as info:
        open_at(tmp_path / "d" / "c.json")
    assert str(info.value) == f"mkdir: mkdir {tmp_path}/d: file exists"


def test_no_temp_files_left(tmp_path: Path) -> None:
    """Successful writes leave only the cache file in its directory."""
    cache = open_at(tmp_path / "c.json")
    for i in range(5):
        cache.store(key=str(i), token=Token(access_token=str(i)))
    assert sorted(os.listdir(tmp_path)) == ["c.json"]


def test_rename_failure_removes_temp(tmp_path: Path) -> None:
    """When the rename fails (target is a directory) the temp file is removed."""
    cache = FileTokenCache(location=str(tmp_path / "d"))
    (tmp_path / "d").mkdir()
    with pytest.raises(CacheIOError) as info:
        cache._atomic_write(b"x")
    assert str(info.value).startswith(f"rename {tmp_path}/.token-cache-")
    assert str(info.value).endswith(f".tmp {tmp_path}/d: file exists")
    assert sorted(os.listdir(tmp_path)) == ["d"]


def test_create_temp_name_shape_and_error(tmp_path: Path) -> None:
    """Temp names are .token-cache-<uint32>.tmp; a missing dir gives an open PathError."""
    fd, name = goos.create_temp(directory=str(tmp_path), prefix=".token-cache-", suffix=".tmp")
    os.close(fd)
    base = os.path.basename(name)
    digits = base[len(".token-cache-") : -len(".tmp")]
    assert base.startswith(".token-cache-") and base.endswith(".tmp") and digits.isdigit()
    assert int(digits) < 2**32
    assert stat.S_IMODE(os.stat(name).st_mode) & 0o077 == 0
    with pytest.raises(
        CacheIOError, match=r"^open .*/nope/\.token-cache-\d+\.tmp: no such file or directory$"
    ):
        goos.create_temp(
            directory=str(tmp_path / "nope"), prefix=".token-cache-", suffix=".tmp"
        )


def test_new_file_mode_is_0600_whatever_the_umask(tmp_path: Path) -> None:
    """The created file ends 0600 even under umask 0 (CreateTemp 0600, then Chmod 0600)."""
    old = os.umask(0)
    try:
        open_at(tmp_path / "c.json")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "c.json").stat().st_mode) == 0o600


def test_existing_file_untouched_by_open_and_tightened_by_store(tmp_path: Path) -> None:
    """Open only reads an existing 0644 file; the first store replaces it with a 0600 one."""
    path = tmp_path / "c.json"
    path.write_bytes(EMPTY_V1)
    path.chmod(0o644)
    cache = open_at(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    cache.store(key="k", token=Token(access_token="a"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == ["c.json"]
