"""The reference-typed strategies in tests/strategies.py reach the inputs the properties need."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import Phase, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample
from strategies import keys, oauth_args, token_maps, tokens

from reference_impl import ZERO_TIME, Token

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
SEARCH = settings(max_examples=5_000, database=None, derandomize=True, phases=[Phase.generate])


def _texts(t: Token) -> str:
    return t.access_token + t.token_type + t.refresh_token


def _lone(text: str) -> bool:
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)


REACHES: list[tuple[str, st.SearchStrategy[Any], Callable[[Any], bool]]] = [
    *(
        (f"token-text-{ch!r}", tokens(), lambda t, ch=ch: ch in _texts(t))
        for ch in "<>&\u2028\u2029\x00\x1f\x7f\u212a\u017f\U0001f600"
    ),
    ("token-long-value", tokens(), lambda t: len(t.access_token) >= 1024),
    ("token-long-type", tokens(), lambda t: len(t.token_type) > 20),
    ("token-zero-expiry", tokens(), lambda t: t.expiry == ZERO_TIME),
    ("token-year-0", tokens(), lambda t: t.expiry.year == 0),
    ("token-year-9999", tokens(), lambda t: t.expiry.year == 9999),
    ("token-offset-fraction", tokens(), lambda t: t.expiry.offset and t.expiry.nanosecond % 1000),
    ("token-offset-negative", tokens(), lambda t: (t.expiry.offset or 0) < 0),
    ("token-expires-in-min", tokens(), lambda t: t.expires_in == INT64_MIN),
    ("token-expires-in-max", tokens(), lambda t: t.expires_in == INT64_MAX),
    ("wild-year-high", tokens(wild_expiry=True), lambda t: t.expiry.year > 9999),
    ("wild-year-negative", tokens(wild_expiry=True), lambda t: t.expiry.year < 0),
    ("wild-offset-24h", tokens(wild_expiry=True), lambda t: abs(t.expiry.offset or 0) >= 86400),
    ("token-lone-surrogate", tokens(surrogates=True), lambda t: _lone(_texts(t))),
    ("key-empty", keys(), lambda k: k == ""),
    ("key-unicode", keys(), lambda k: any(ord(ch) > 0xFFFF for ch in k)),
    ("key-long", keys(), lambda k: len(k) >= 1024),
    ("key-lone-surrogate", keys(surrogates=True), _lone),
    ("map-null-entry", token_maps(), lambda m: len(m) >= 2 and None in m.values()),
    *(
        (f"arg-{kind}", oauth_args(), lambda a, kind=kind: a.kind == kind)
        for kind in ("workspace", "account", "unified", "discovery")
    ),
    ("arg-loopback-slash", oauth_args(), lambda a: a.host == "http://127.0.0.1/"),
]


@pytest.mark.parametrize(
    ("strategy", "reached"), [r[1:] for r in REACHES], ids=[r[0] for r in REACHES]
)
def test_strategy_reaches(strategy: st.SearchStrategy[Any], reached: Callable[[Any], bool]) -> None:
    """Each input class the properties rely on is generated within a bounded search."""
    assert reached(find(strategy, reached, settings=SEARCH))


def test_default_tokens_are_marshalable_and_wire_clean() -> None:
    """Without the switches, no token holds a lone surrogate or an expiry Go cannot marshal."""

    def bad(t: Token) -> bool:
        e = t.expiry
        return _lone(_texts(t)) or not 0 <= e.year <= 9999 or abs(e.offset or 0) >= 86400

    with pytest.raises(NoSuchExample):
        find(tokens(), bad, settings=settings(SEARCH, max_examples=500))
