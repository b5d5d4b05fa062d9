"""Deferred token building in reference_impl.decoder gives what eager decoding gives."""

from __future__ import annotations

import copy
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.differential.strategies import cache_file_bytes, tokens
from reference_impl import decoder
from reference_impl.decoder import DecodedFile, decode_file
from reference_impl.encoder import encode_file
from reference_impl.errors import DecodeError, NullFileError
from reference_impl.protocol import token_from_json
from reference_impl.token import Token

# Thousands of generated examples: the fast lane (pytest -m "not slow") leaves these out.
pytestmark = pytest.mark.slow


def _outcome(raw: bytes, *, defer: bool) -> DecodedFile | str:
    """decode_file's result or error text, with deferral on or off."""
    saved = decoder._can_defer
    if not defer:
        decoder._can_defer = lambda members: False
    try:
        return decode_file(raw=raw)
    except (DecodeError, NullFileError) as e:
        return f"{type(e).__name__}: {e}"
    finally:
        decoder._can_defer = saved


def _plain(result: DecodedFile | str) -> object:
    """The result with its token map as a plain dict of built values."""
    if isinstance(result, str) or result.tokens is None:
        return result
    built = dict(result.tokens)
    assert all(v is None or type(v) is Token for v in built.values()), built
    return (result.version, built)


_GO_WRITTEN = st.dictionaries(
    st.text(max_size=8), st.one_of(st.none(), tokens(extended_years=False)), max_size=6
).map(
    lambda m: encode_file(
        version=1, tokens={k: None if v is None else token_from_json(obj=v) for k, v in m.items()}
    )
)


_VALUES = {
    "access_token": ['"a"', '"\\u003c"', '"\u00e9"', "1", "null", "[]", '"\\ud800"'],
    "token_type": ['"Bearer"', "true", "null", "{}"],
    "refresh_token": ['"r"', '""', "-0", "null"],
    "expiry": [
        '"2024-02-29T00:00:00Z"', '"2023-02-29T00:00:00Z"', '"2023-04-31T00:00:00Z"',
        '"2024-01-01T00:00:00.123456789+05:30"', '"2024-01-01t00:00:00Z"',
        '"2024-01-01T00:00:60Z"', '"2024-01-01T00:00:00+24:00"', '""', "null", "0",
    ],
    "expires_in": [
        "3600", "-1", "999999999999999999", "9223372036854775807", "9223372036854775808",
        "1.0", "1e2", '"3600"', "null",
    ],
}  # fmt: skip
_NAMES = st.sampled_from([*_VALUES, "Access_Token", "EXPIRY", "x"])


@st.composite
def _token_files(draw: st.DrawFn) -> bytes:
    """Files of token objects whose members are near or past what Go accepts quietly."""
    entries = []
    for n in range(draw(st.integers(1, 3))):
        members = []
        for name in draw(st.lists(_NAMES, min_size=1, max_size=6)):
            value = draw(st.sampled_from(_VALUES.get(name.lower(), ['"v"'])))
            members.append(f'"{name}":{value}')
        entries.append(f'"k{n}":{{{",".join(members)}}}')
    return f'{{"version":1,"tokens":{{{",".join(entries)}}}}}'.encode()


@settings(max_examples=600, deadline=None)
@given(raw=st.one_of(cache_file_bytes(), _GO_WRITTEN, _token_files()))
def test_deferred_decode_equals_eager_decode(raw: bytes) -> None:
    """Same tokens or the same error, whether tokens are built at once or when read."""
    assert _plain(_outcome(raw, defer=True)) == _plain(_outcome(raw, defer=False))


def test_go_written_tokens_are_deferred_and_built_on_read() -> None:
    """A file as Go writes it keeps entries pending until one is read, then builds only that."""
    token = {
        "access_token": "a",
        "token_type": "Bearer",
        "expiry": "2024-02-29T01:02:03.5+05:30",
        "expires_in": 3600,
    }
    raw = encode_file(
        version=1, tokens={"k1": token_from_json(obj=token), "k2": token_from_json(obj=token)}
    )
    tokens_map = decode_file(raw=raw).tokens
    assert tokens_map is not None
    pending = [v for v in dict.values(tokens_map) if type(v) is not Token]
    assert len(pending) == 2
    assert tokens_map["k1"] == token_from_json(obj=token)
    assert [type(v) is Token for v in dict.values(tokens_map)] == [True, False]


@pytest.mark.parametrize(
    "view",
    [
        dict,
        lambda m: {**m},
        lambda m: m.copy(),
        lambda m: dict(m.items()),
        lambda m: dict(zip(m.keys(), m.values(), strict=True)),
        copy.copy,
        copy.deepcopy,
        lambda m: pickle.loads(pickle.dumps(m)),
        lambda m: {k: m.get(k) for k in m},
    ],
)
def test_no_view_of_the_map_shows_a_pending_entry(view: object) -> None:
    """Copies, views and pickles of a decoded map hold built Tokens only."""
    token = token_from_json(obj={"access_token": "a", "expiry": "2030-01-01T00:00:00Z"})
    raw = encode_file(version=1, tokens={"k": token, "n": None})
    tokens_map = decode_file(raw=raw).tokens
    assert tokens_map is not None and callable(view)
    assert dict(view(tokens_map)) == {"k": token, "n": None}


def test_decoded_map_compares_equal_to_a_dict() -> None:
    """== against a plain dict sees the built tokens, from either side."""
    token = token_from_json(obj={"refresh_token": "r", "expires_in": -5})
    raw = encode_file(version=1, tokens={"k": token})
    assert decode_file(raw=raw).tokens == {"k": token}
    assert {"k": token} == decode_file(raw=raw).tokens
    assert decode_file(raw=raw).tokens != {"k": Token()}
