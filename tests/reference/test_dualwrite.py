"""Dual write: the SDK's dualWrite, the CLI wrapper, and both stacked."""

from __future__ import annotations

from pathlib import Path

import pytest

from reference_impl import CacheKeys, FileTokenCache, MirroringCache, Token, dual_store

TOKEN = Token(access_token="a")


class Recorder:
    """A TokenStore that records store calls and can fail on one key."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[str] = []
        self.fail_on = fail_on

    def store(self, *, key: str, token: Token | None) -> None:
        """Record, or fail for the configured key."""
        if key == self.fail_on:
            raise OSError(f"fail {key}")
        self.calls.append(key)

    def lookup(self, *, key: str) -> Token | None:
        """Unused by dual writes."""
        raise LookupError(key)


@pytest.mark.parametrize(
    ("via", "key", "calls"),
    [
        ("sdk", None, ["p", "h"]),
        ("wrapper", None, ["p", "h"]),
        ("wrapper", "other", ["other"]),
        ("wrapper", "h", ["h"]),
        ("sdk+wrapper", None, ["p", "h", "h"]),
    ],
)
def test_call_sequence(via: str, key: str | None, calls: list[str]) -> None:
    """Which keys each route writes, in order."""
    rec = Recorder()
    dual_store(cache=rec, keys=CacheKeys("p", "h"), token=TOKEN, via=via, key=key)  # type: ignore[arg-type]
    assert rec.calls == calls


@pytest.mark.parametrize("host_key", ["", "p"])
def test_no_mirror_without_distinct_host_key(host_key: str) -> None:
    """No second write when the host key is empty or equals the primary key."""
    rec = Recorder()
    dual_store(cache=rec, keys=CacheKeys("p", host_key), token=TOKEN, via="sdk")
    MirroringCache(inner=rec, keys=CacheKeys("p", host_key)).store(key="p", token=TOKEN)
    assert rec.calls == ["p", "p"]


def test_first_error_stops() -> None:
    """A failing primary store is returned and the host key is not written."""
    rec = Recorder(fail_on="p")
    with pytest.raises(OSError, match="fail p"):
        dual_store(cache=rec, keys=CacheKeys("p", "h"), token=TOKEN, via="sdk")
    assert rec.calls == []


def test_stacked_gives_same_bytes_as_single(tmp_path: Path) -> None:
    """SDK dual write through the wrapper leaves the same bytes as one dual write."""
    results = []
    for via in ("sdk", "wrapper", "sdk+wrapper"):
        path = tmp_path / via / "c.json"
        cache = FileTokenCache.open(path=str(path), env={})
        dual_store(cache=cache, keys=CacheKeys("p", "h"), token=TOKEN, via=via)  # type: ignore[arg-type]
        results.append(path.read_bytes())
    assert results[0] == results[1] == results[2]
    assert b'"h": {' in results[0] and b'"p": {' in results[0]
