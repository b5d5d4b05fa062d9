"""Hypothesis properties of the encoder, decoder and file cache."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import cache_file_bytes, keys, oauth_args, token_maps, tokens

from reference_impl import (
    ArgumentError,
    CacheKeys,
    DecodeError,
    FileTokenCache,
    MarshalError,
    NotFoundError,
    NullFileError,
    OAuthArg,
    Token,
    VersionError,
    cache_keys,
    decode_file,
    encode_file,
)
from reference_impl.decoder import _tree_from_tokens, go_string
from reference_impl.jsonscan import go_check_valid

# Thousands of generated examples: the fast lane (pytest -m "not slow") leaves these out.
pytestmark = pytest.mark.slow

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
    decoded = decode_file(raw=raw)
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
    assert go_check_valid(data=raw) is None


def _reject(name: str) -> object:
    raise ValueError(name)


@settings(max_examples=400, deadline=None)
@given(cache_file_bytes())
def test_fast_and_token_paths_agree(raw: bytes) -> None:
    """The backslash-free fast path and the raw-keeping tokenizer give the same decode."""
    if b"\\" in raw or go_check_valid(data=raw) is not None:
        return
    from reference_impl import decoder

    try:
        fast = decode_file(raw=raw)
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


def _as_go_sees(token: Token | None) -> Token | None:
    """The token after Go's encoder replaced invalid UTF-8 (lone surrogates) by U+FFFD."""
    if token is None:
        return None
    return replace(
        token,
        access_token=go_string(text=token.access_token),
        token_type=go_string(text=token.token_type),
        refresh_token=go_string(text=token.refresh_token),
    )


@SETTINGS
@given(token_maps(surrogates=True))
def test_lone_surrogates_decode_as_u_fffd(tokens_map: dict[str, Token | None]) -> None:
    """Invalid UTF-8 in keys and strings comes back from the file as U+FFFD, as Go writes it."""
    seen = {go_string(text=k): _as_go_sees(t) for k, t in tokens_map.items()}
    assume(len(seen) == len(tokens_map))  # two keys that fold together give a duplicate member
    assert decode_file(raw=encode_file(version=1, tokens=tokens_map)).tokens == seen


@SETTINGS
@given(token_maps(surrogates=True))
def test_encoded_bytes_escape_what_go_escapes(tokens_map: dict[str, Token | None]) -> None:
    """The file is valid UTF-8 with <, >, &, U+2028, U+2029 and control characters escaped."""
    raw = encode_file(version=1, tokens=tokens_map)
    text = raw.decode("utf-8")  # strict: Go never writes invalid UTF-8
    for ch in "<>&\u2028\u2029":
        assert ch not in text
    assert all(ch == "\n" or ch >= " " for ch in text)
    assert json.loads(text)["version"] == 1


@SETTINGS
@given(keys(surrogates=True), tokens(surrogates=True))
def test_store_with_lone_surrogates_is_seen_as_go_sees_it(key: str, token: Token) -> None:
    """After a store, lookups see the U+FFFD form; the raw key with invalid UTF-8 is not found."""
    with fresh_cache() as (cache, _):
        cache.store(key=key, token=token)
        assert cache.lookup(key=go_string(text=key)) == _as_go_sees(token)
        if go_string(text=key) != key:
            with pytest.raises(NotFoundError):
                cache.lookup(key=key)


@SETTINGS
@given(keys(), tokens(), tokens(wild_expiry=True))
def test_unmarshalable_expiry_fails_the_store_and_keeps_the_file(
    key: str, before: Token, token: Token
) -> None:
    """A store whose expiry Time.MarshalJSON refuses fails and leaves the file as it was."""
    t = token.expiry
    refused = not 0 <= t.year <= 9999 or abs(t.offset or 0) >= 24 * 3600
    with fresh_cache() as (cache, path):
        cache.store(key=key, token=before)
        raw = path.read_bytes()
        if refused:
            with pytest.raises(MarshalError):
                cache.store(key=key, token=token)
            assert path.read_bytes() == raw
            assert cache.lookup(key=key) == before
        else:
            cache.store(key=key, token=token)
            assert cache.lookup(key=key) == token


def _keys_or_none(arg: OAuthArg) -> CacheKeys | None:
    try:
        return cache_keys(arg=arg)
    except ArgumentError:
        return None


@SETTINGS
@given(oauth_args())
def test_a_set_profile_is_the_primary_key(arg: OAuthArg) -> None:
    """The profile, when set, is the primary key; validation and host key ignore it."""
    with_profile = _keys_or_none(arg)
    without = _keys_or_none(replace(arg, profile=""))
    if arg.kind == "discovery":
        assert without is None  # discovery needs a profile
    elif with_profile is None or without is None:
        assert with_profile is None and without is None
    else:
        assert with_profile.host_key == without.host_key
    if with_profile is not None:
        assert with_profile.key == (arg.profile or with_profile.host_key)
