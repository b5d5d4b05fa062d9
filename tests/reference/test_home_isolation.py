"""The reference never reads HOME from os.environ."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reference_impl import FileTokenCache, HomeNotSetError, Session


def snapshot(root: Path) -> list[str]:
    """Every path under root."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_explicit_env_home_used_and_os_home_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With os.environ HOME pointing at a canary, nothing appears there."""
    canary = tmp_path / "canary"
    canary.mkdir()
    monkeypatch.setenv("HOME", str(canary))
    home = tmp_path / "home"
    cache = FileTokenCache.open(path=None, env={"HOME": str(home)})
    cache.store(key="k", token=None)
    assert snapshot(canary) == []
    assert (home / ".databricks" / "token-cache.json").is_file()


def test_missing_env_home_is_error_even_if_os_home_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An env mapping without HOME fails instead of falling back to os.environ."""
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(HomeNotSetError):
        FileTokenCache.open(path=None, env={})
    assert snapshot(tmp_path) == []


def test_session_open_does_not_touch_os_environ(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Session.open applies env to its own mapping only."""
    monkeypatch.setenv("HOME", str(tmp_path / "canary"))
    before = dict(os.environ)
    s = Session()
    res = s.handle(
        {"id": 1, "op": "open", "path": None, "env": {"HOME": str(tmp_path / "h"), "X": "1"}}
    )
    assert res["ok"]
    assert dict(os.environ) == before
    assert s.env["X"] == "1"
    assert not (tmp_path / "canary").exists()
