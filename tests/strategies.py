"""Reference-typed hypothesis strategies for the in-process tests.

A thin layer over ``harness/differential/strategies.py``, the one home of the test data: the
wire strategies are re-exported, and ``Token``/``OAuthArg`` values are those
wire values mapped through the reference's own protocol converters.  Only
states protocol v1 cannot carry to a testee are generated here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import strategies as st

from harness.differential.strategies import (
    GO_SPECIAL_CHARS,
    cache_file_bytes,
    expiry_strings,
    field_name_variants,
    hosts,
    nasty_text,
)
from harness.differential.strategies import keys as wire_keys
from harness.differential.strategies import oauth_args as wire_oauth_args
from harness.differential.strategies import tokens as wire_tokens
from reference_impl import GoTime, OAuthArg, Token
from reference_impl.protocol import arg_from_json, expiry_from_json, token_from_json

__all__ = [
    "GO_SPECIAL_CHARS",
    "cache_file_bytes",
    "field_name_variants",
    "hosts",
    "keys",
    "oauth_args",
    "token_maps",
    "tokens",
    "wire_keys",
    "wire_oauth_args",
    "wire_tokens",
]


def _token(obj: dict[str, Any]) -> Token:
    token = token_from_json(obj=obj)
    assert token is not None  # only JSON null converts to None
    return token


def tokens(*, surrogates: bool = False, wild_expiry: bool = False) -> st.SearchStrategy[Token]:
    """Wire tokens as ``Token`` values: nasty and long strings, every expiry Go can marshal,
    expires_in at the int64 extremes.

    ``wild_expiry=True`` adds expiries Go cannot marshal (years outside 0..9999, offsets of
    24h and more); ``surrogates=True`` splices lone surrogates into the strings.
    """
    made = wire_tokens(extended_years=wild_expiry).map(_token)
    if wild_expiry:
        made = st.one_of(
            made, st.builds(lambda t, e: replace(t, expiry=e), made, _offsets_out_of_range())
        )
    if surrogates:
        made = made.flatmap(
            lambda t: st.builds(
                replace,
                st.just(t),
                access_token=_maybe_spliced(t.access_token),
                token_type=_maybe_spliced(t.token_type),
                refresh_token=_maybe_spliced(t.refresh_token),
            )
        )
    return made


def keys(*, surrogates: bool = False) -> st.SearchStrategy[str]:
    """Wire cache keys (empty, profiles, hosts, Unicode, long); optionally with lone surrogates."""
    if not surrogates:
        return wire_keys()
    return wire_keys().flatmap(_maybe_spliced)


def token_maps(
    *, surrogates: bool = False, max_size: int = 6
) -> st.SearchStrategy[dict[str, Token | None]]:
    """Token maps as a cache file holds them, null entries included."""
    return st.dictionaries(
        keys(surrogates=surrogates),
        st.one_of(st.none(), tokens(surrogates=surrogates)),
        max_size=max_size,
    )


def oauth_args() -> st.SearchStrategy[OAuthArg]:
    """Wire Args of every kind as ``OAuthArg`` values."""
    # The converter Session itself uses for Args (private in reference_impl.protocol).
    return wire_oauth_args().map(lambda obj: arg_from_json(obj=obj))


# Test-specific: Go's time.Parse refuses offsets of 24h and more, so no wire expiry
# can carry them to a testee; in process they reach Time.MarshalJSON's range check.
def _offsets_out_of_range() -> st.SearchStrategy[GoTime]:
    largest = 99 * 60 + 59  # two hour digits, as RFC 3339 writes them
    minutes = st.one_of(st.sampled_from([24 * 60, largest]), st.integers(24 * 60, largest))
    return st.builds(
        lambda t, m, sign: replace(t, offset=sign * m * 60),
        expiry_strings(extended=False).map(lambda text: expiry_from_json(text=text)),
        minutes,
        st.sampled_from([1, -1]),
    )


# Test-specific: a lone surrogate stands for invalid UTF-8 in a Go string, which the
# wire never carries (Go's decoder turns it into U+FFFD before the cache sees it).
def _maybe_spliced(text: str) -> st.SearchStrategy[str]:
    lone = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
    spliced = st.builds(
        lambda at, s, rest: text[:at] + s + rest + text[at:],
        st.integers(0, len(text)),
        lone,
        nasty_text(max_size=3),
    )
    return st.one_of(st.just(text), spliced)
