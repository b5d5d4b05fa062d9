"""Hypothesis strategies for the token cache, shared by the reference tests and
differential tests against other implementations.

Values are reference_impl types (Token, GoTime, OAuthArg); ``*_json`` helpers
turn them into protocol v1 request values.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from reference_impl import GoTime, OAuthArg, Token

__all__ = [
    "GO_SPECIAL_CHARS",
    "cache_file_bytes",
    "expiries",
    "field_name_variants",
    "hosts",
    "keys",
    "nasty_text",
    "oauth_args",
    "token_json",
    "token_maps",
    "tokens",
    "wild_expiries",
]

# Characters whose encoding differs between Go and naive JSON encoders.
GO_SPECIAL_CHARS = (
    "<>&\u2028\u2029\"\\/\n\r\t\b\f\x00\x01\x1f\x7f\u00e9\u00a0\ufffd\u212a\u017f\U0001f600'"
)


def nasty_text(*, surrogates: bool = False, max_size: int = 12) -> st.SearchStrategy[str]:
    """Strings rich in characters Go escapes or folds specially.

    ``surrogates=True`` adds lone surrogates, which stand for invalid UTF-8
    (Go writes them as ``\\ufffd``; a protocol testee receives U+FFFD).
    """
    alphabet = st.one_of(
        st.sampled_from(GO_SPECIAL_CHARS),
        st.characters(codec="utf-8"),
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        *([st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)] if surrogates else []),
    )
    return st.text(alphabet=alphabet, max_size=max_size)


def keys(*, surrogates: bool = False) -> st.SearchStrategy[str]:
    """Cache keys: profile names, hosts and nasty text (the empty key included)."""
    return st.one_of(
        st.sampled_from(["", "DEFAULT", "prod", "https://x.cloud.databricks.com"]),
        hosts(),
        nasty_text(surrogates=surrogates),
    )


def expiries() -> st.SearchStrategy[GoTime]:
    """Times Go can both marshal and parse: years 0..9999, offsets within ±23:59."""
    return st.builds(
        lambda y, mo, d, h, mi, s, ns, off: GoTime.date(
            year=y, month=mo, day=d, hour=h, minute=mi, second=s, nanosecond=ns, offset=off
        ),
        st.integers(0, 9999),
        st.integers(1, 12),
        st.integers(1, 28),
        st.integers(0, 23),
        st.integers(0, 59),
        st.integers(0, 59),
        st.one_of(st.just(0), st.integers(0, 999_999_999), st.sampled_from([500_000_000, 1000])),
        st.one_of(st.none(), st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(lambda m: m * 60)),
    ) | st.just(GoTime())


def wild_expiries() -> st.SearchStrategy[GoTime]:
    """Also times Go cannot marshal: years outside 0..9999, offsets of 24h to 99:59."""
    return expiries() | st.builds(
        lambda y, off: GoTime.date(year=y, month=6, day=1, offset=off),
        st.sampled_from([-1, -10000, 10000, 123456, 9999, 0]),
        st.sampled_from([None, 24 * 3600, -24 * 3600, 99 * 3600 + 59 * 60]),
    )


def tokens(
    *, surrogates: bool = False, expiry: st.SearchStrategy[GoTime] | None = None
) -> st.SearchStrategy[Token]:
    """Tokens with nasty strings, empty (omitempty) fields and int64 extremes."""
    text = nasty_text(surrogates=surrogates, max_size=20)
    return st.builds(
        Token,
        access_token=text,
        token_type=st.one_of(st.just(""), st.just("Bearer"), text),
        refresh_token=st.one_of(st.just(""), text),
        expiry=expiry if expiry is not None else expiries(),
        expires_in=st.one_of(st.just(0), st.integers(-(1 << 63), (1 << 63) - 1), st.just(3600)),
    )


def token_maps(*, max_size: int = 6) -> st.SearchStrategy[dict[str, Token | None]]:
    """Token maps as a cache file holds them (null entries included)."""
    return st.dictionaries(keys(), st.one_of(st.none(), tokens()), max_size=max_size)


def hosts() -> st.SearchStrategy[str]:
    """Hosts valid and invalid for the SDK's validateHost."""
    return st.one_of(
        st.sampled_from(
            [
                "https://adb-1.azuredatabricks.net",
                "https://x.cloud.databricks.com/",
                "http://127.0.0.1:8080",
                "http://127.0.0.1/",
                "http://example.com",
                "example.com",
                "https://accounts.cloud.databricks.com",
                "",
                "https://",
            ]
        ),
        st.builds(lambda s: "https://" + s, nasty_text(max_size=8)),
    )


def oauth_args() -> st.SearchStrategy[OAuthArg]:
    """OAuth arguments of every kind, with and without profiles."""
    profile = st.one_of(st.just(""), st.sampled_from(["DEFAULT", "prod"]), nasty_text(max_size=6))
    account = st.one_of(st.just(""), st.uuids().map(str), nasty_text(max_size=6))
    return st.one_of(
        st.builds(OAuthArg, kind=st.just("workspace"), host=hosts(), profile=profile),
        st.builds(
            OAuthArg,
            kind=st.sampled_from(["account", "unified"]),
            host=hosts(),
            account_id=account,
            profile=profile,
        ),
        st.builds(
            OAuthArg,
            kind=st.just("discovery"),
            profile=profile,
            discovered_host=st.one_of(st.just(""), hosts()),
        ),
    )


def token_json(token: Token | None) -> dict[str, Any] | None:
    """A Token as a protocol v1 request value."""
    if token is None:
        return None
    return {
        "access_token": token.access_token,
        "token_type": token.token_type,
        "refresh_token": token.refresh_token,
        "expiry": token.expiry.format(),
        "expires_in": token.expires_in,
    }


_FIELD_NAMES = (
    "version",
    "tokens",
    "access_token",
    "token_type",
    "refresh_token",
    "expiry",
    "expires_in",
)


def field_name_variants(name: str) -> st.SearchStrategy[str]:
    """Spellings Go's case-insensitive field match accepts (incl. U+017F for s, U+212A for k)."""

    def spell(flags: list[int]) -> str:
        out = []
        for ch, f in zip(name, flags, strict=False):
            if f == 1:
                ch = ch.upper()
            elif f == 2 and ch == "s":
                ch = "\u017f"
            elif f == 2 and ch == "k":
                ch = "\u212a"
            out.append(ch)
        return "".join(out)

    return st.lists(st.integers(0, 2), min_size=len(name), max_size=len(name)).map(spell)


def _json_scalar() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(
            [
                "null",
                "true",
                "false",
                "1",
                "-0",
                "1.5",
                "1e3",
                "9223372036854775808",
                '""',
                "[]",
                "{}",
            ]
        ),
        st.integers(-(1 << 64), 1 << 64).map(str),
        nasty_text().map(lambda s: json.dumps(s, ensure_ascii=False)),
        st.sampled_from(
            [
                '"2024-01-02T03:04:05Z"',
                '"2024-01-02T03:04:05.123456789+05:30"',
                '"2024-01-01T1:00:00,5+24:00"',
                '"2024-02-30T00:00:00Z"',
                '"2024-01-01T00:00:00\\u005a"',
                '"0000-01-01T00:00:00Z"',
                '"x"',
            ]
        ),
    )


def _member(name_choices: tuple[str, ...], value: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    name = st.one_of(
        st.sampled_from(name_choices).flatmap(field_name_variants),
        nasty_text(max_size=6),
    )
    return st.tuples(name, value).map(
        lambda kv: json.dumps(kv[0], ensure_ascii=False) + ":" + kv[1]
    )


def _obj(members: st.SearchStrategy[str], max_size: int = 5) -> st.SearchStrategy[str]:
    return st.lists(members, max_size=max_size).map(lambda ms: "{" + ",".join(ms) + "}")


def cache_file_bytes() -> st.SearchStrategy[bytes]:
    """JSON-ish cache files: mostly well-formed, with odd names, types, duplicates and damage."""
    token_obj = _obj(_member(_FIELD_NAMES[2:], _json_scalar()))
    tokens_obj = _obj(
        st.tuples(keys(), st.one_of(token_obj, _json_scalar())).map(
            lambda kv: json.dumps(kv[0], ensure_ascii=False) + ":" + kv[1]
        )
    )
    top = _obj(
        st.one_of(
            _member(("version",), st.one_of(st.just("1"), _json_scalar())),
            _member(("tokens",), st.one_of(tokens_obj, _json_scalar())),
        ),
        max_size=4,
    )
    text = st.one_of(top, _json_scalar())
    damage = st.sampled_from(
        [b"", b" ", b"\n", b"x", b",", b"}", b"\xff", b"\xef\xbb\xbf", b"\x00"]
    )
    return st.builds(
        lambda t, where, d, cut: (
            t.encode()[:cut]
            if where == "cut"
            else (d + t.encode() if where == "front" else t.encode() + d)
            if where != "none"
            else t.encode()
        ),
        text,
        st.sampled_from(["none", "none", "none", "front", "back", "cut"]),
        damage,
        st.integers(0, 200),
    )
