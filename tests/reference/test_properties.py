"""Hypothesis properties of the encoder, decoder and file cache."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import cache_file_bytes, keys, token_maps, tokens

from reference_impl import (
    DecodeError,
    FileTokenCache,
    NotFoundError,
    NullFileError,
    Token,
    VersionError,
    decode_file,
    encode_file,
)
from reference_impl.decoder import _tree_from_tokens
from reference_impl.jsonscan import go_check_valid

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextmanager
def fresh_cache() -> Iterator[tuple[FileTokenCache, Path]]:
    """A cache in a new temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="tcc-ref-") as d:
        path = Path(d) / "c.json"
        yield FileTokenCache.open(path=str(path), env={}), path


@SETTINGS
@given(token_maps())
def test_encode_decode_round_trip(tokens_map: dict[str, Token | None]) -> None:
    """Decoding the encoder's bytes gives back the same map, and re-encoding the same bytes."""
    raw = encode_file(version=1, tokens=tokens_map)
    decoded = decode_file(raw)
    assert decoded.version == 1 and decoded.tokens == tokens_map
    assert encode_file(version=1, tokens=decoded.tokens) == raw


@SETTINGS
@given(keys(), tokens())
def test_double_store_is_idempotent(key: str, token: Token) -> None:
    """Storing the same token twice leaves identical bytes."""
    with fresh_cache() as (cache, path):
        cache.store(key=key, token=token)
        first = path.read_bytes()
        cache.store(key=key, token=token)
        assert path.read_bytes() == first
        assert cache.lookup(key=key) == token


@SETTINGS
@given(st.dictionaries(keys(), tokens(), min_size=2, max_size=5), st.randoms(use_true_random=False))
def test_store_order_does_not_matter(entries: dict[str, Token], rnd: object) -> None:
    """Stores to distinct keys in any order give the same bytes."""
    items = list(entries.items())
    shuffled = items[:]
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    with fresh_cache() as (cache_a, path_a), fresh_cache() as (cache_b, path_b):
        for k, t in items:
            cache_a.store(key=k, token=t)
        for k, t in shuffled:
            cache_b.store(key=k, token=t)
        assert path_a.read_bytes() == path_b.read_bytes()


@SETTINGS
@given(token_maps(), keys())
def test_deleting_absent_key_rewrites_same_content(
    tokens_map: dict[str, Token | None], key: str
) -> None:
    """Deleting a key that is not there still rewrites the file, with unchanged content."""
    tokens_map.pop(key, None)
    raw = encode_file(version=1, tokens=tokens_map)
    with fresh_cache() as (cache, path):
        path.write_bytes(raw)
        inode = os.stat(path).st_ino
        cache.store(key=key, token=None)
        assert path.read_bytes() == raw
        assert os.stat(path).st_ino != inode
        with pytest.raises(NotFoundError):
            cache.lookup(key=key)


@settings(max_examples=400, deadline=None)
@given(cache_file_bytes())
def test_python_acceptance_implies_go_acceptance(raw: bytes) -> None:
    """Whenever Python's parser accepts an input, so does the Go scanner port (fast path safe)."""
    try:
        json.loads(raw.decode("utf-8", "surrogateescape"), parse_constant=_reject)
    except ValueError:
        return
    assert go_check_valid(raw) is None


def _reject(name: str) -> object:
    raise ValueError(name)


@settings(max_examples=400, deadline=None)
@given(cache_file_bytes())
def test_fast_and_token_paths_agree(raw: bytes) -> None:
    """The backslash-free fast path and the raw-keeping tokenizer give the same decode."""
    if b"\\" in raw or go_check_valid(raw) is not None:
        return
    from reference_impl import decoder

    try:
        fast = decode_file(raw)
    except (DecodeError, NullFileError, VersionError) as e:
        fast = type(e).__name__ + str(e)  # type: ignore[assignment]
    tree = _tree_from_tokens(raw.decode("utf-8", "surrogateescape"))
    try:
        d = decoder._Decoder()
        slow: object = d.file(tree)
        if d.saved is not None:
            slow = "DecodeError" + d.saved
    except (DecodeError, NullFileError) as e:
        slow = type(e).__name__ + str(e)
    assert fast == slow
