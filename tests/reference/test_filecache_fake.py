"""Path resolution, directory creation and directory modes, on pyfakefs.

File modes are checked on a real tmp dir (test_filecache_real.py): pyfakefs's
``os.open`` chmods an existing file to the open mode even without O_CREAT,
so a read would corrupt the mode under test.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator

import pytest
from pyfakefs.fake_filesystem import FakeFilesystem

from reference_impl import FileTokenCache, HomeNotSetError

EMPTY_V1 = b'{\n  "version": 1,\n  "tokens": {}\n}'


@pytest.fixture
def umask022(fs: FakeFilesystem) -> Iterator[FakeFilesystem]:
    """A fake file system with umask 022 in force."""
    old = os.umask(0o022)
    yield fs
    os.umask(old)


def mode(path: str) -> int:
    """Permission bits of path."""
    return stat.S_IMODE(os.stat(path).st_mode)


def test_default_path_under_env_home(umask022: FakeFilesystem) -> None:
    """The default file is $HOME/.databricks/token-cache.json, created as an empty v1 file."""
    umask022.create_dir("/home/u")
    cache = FileTokenCache.open(path=None, env={"HOME": "/home/u"})
    assert cache.location == "/home/u/.databricks/token-cache.json"
    with open(cache.location, "rb") as f:
        assert f.read() == EMPTY_V1
    assert mode("/home/u/.databricks") == 0o700


def test_home_path_is_cleaned_like_filepath_join(umask022: FakeFilesystem) -> None:
    """A trailing slash or dot segments in HOME are cleaned as filepath.Join does."""
    umask022.create_dir("/h")
    assert FileTokenCache.open(path=None, env={"HOME": "/h/./"}).location == (
        "/h/.databricks/token-cache.json"
    )


def test_empty_path_means_default(umask022: FakeFilesystem) -> None:
    """WithFileLocation("") falls back to the default location."""
    umask022.create_dir("/h")
    assert FileTokenCache.open(path="", env={"HOME": "/h"}).location.startswith("/h/.databricks")


@pytest.mark.parametrize("home", [None, ""])
def test_home_unset_or_empty(fs: FakeFilesystem, home: str | None) -> None:
    """Without HOME the SDK reports os.UserHomeDir's error, wrapped."""
    with pytest.raises(HomeNotSetError) as info:
        FileTokenCache.open(path=None, env={"HOME": home})
    assert str(info.value) == "failed loading home directory: $HOME is not defined"


def test_home_unset_cli_variant(fs: FakeFilesystem) -> None:
    """The CLI variant words the missing HOME differently."""
    with pytest.raises(HomeNotSetError) as info:
        FileTokenCache.open(path=None, env={}, variant="cli")
    assert str(info.value) == "$HOME is not set"


def test_missing_parents_created_with_umask(fs: FakeFilesystem) -> None:
    """Every missing directory gets 0700 minus the umask; the file ends 0600 regardless."""
    old = os.umask(0o027)
    try:
        cache = FileTokenCache.open(path="/a/b/c/cache.json", env={})
    finally:
        os.umask(old)
    assert [mode(p) for p in ("/a", "/a/b", "/a/b/c")] == [0o700, 0o700, 0o700]
    assert os.path.basename(cache.location) == "cache.json"


def test_umask_can_narrow_new_dirs(fs: FakeFilesystem) -> None:
    """MkdirAll's 0700 is subject to the umask (077 leaves 0700, 0277 gives 0500)."""
    old = os.umask(0o277)
    try:
        os.makedirs("/x")
        FileTokenCache.open(path="/x/d/c.json", env={})
    finally:
        os.umask(old)
    assert mode("/x/d") == 0o500


def test_existing_dir_mode_kept(umask022: FakeFilesystem) -> None:
    """An existing directory is not chmodded."""
    umask022.create_dir("/h/.databricks", perm_bits=0o755)
    FileTokenCache.open(path=None, env={"HOME": "/h"})
    assert mode("/h/.databricks") == 0o755


def test_stat_error_other_than_not_exist(umask022: FakeFilesystem) -> None:
    """A path through a regular file fails at stat with ENOTDIR, before any mkdir."""
    umask022.create_file("/f", contents=b"")
    with pytest.raises(OSError) as info:
        FileTokenCache.open(path="/f/c.json", env={})
    assert str(info.value) == "stat file: stat /f/c.json: not a directory"
