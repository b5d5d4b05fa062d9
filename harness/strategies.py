"""Hypothesis strategies for protocol v1 values, shared by `diff`, `interop` and the tests.

Everything here is a plain protocol value (dicts and strings as they go on the
wire, see docs/protocol.md), so any implementation can be fed with it. Strings
sent over the wire never hold lone surrogates: Go's JSON decoder turns an
escaped lone surrogate into U+FFFD, so the two sides would not even receive the
same request. Lone surrogates live in hand-edited cache file bytes instead
(`cache_file_bytes`), where they are the implementation's business.

Profiles `ci` (derandomized, no example database) and `long` are registered on
import; `load_profile(name=...)` returns their settings.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

__all__ = [
    "CI_PROFILE",
    "GO_SPECIAL_CHARS",
    "LONG_PROFILE",
    "TOKEN_FIELDS",
    "account_keys",
    "cache_file_bytes",
    "expires_in_values",
    "expiry_strings",
    "field_name_variants",
    "format_expiry",
    "hosts",
    "keys",
    "nasty_text",
    "oauth_args",
    "operations",
    "profile_settings",
    "tokens",
]

# Characters whose encoding differs between Go and naive JSON encoders: HTML
# escapes, the JavaScript line separators, control characters, characters Go's
# case folding treats specially (U+212A KELVIN SIGN folds to k, U+017F to s).
GO_SPECIAL_CHARS = (
    "<>&\u2028\u2029\"\\/\n\r\t\b\f\x00\x01\x1f\x7f\u0080\u00e9\u00a0\ufeff\ufffd"
    "\u212a\u017f\U0001f600'"
)
TOKEN_FIELDS = ("access_token", "token_type", "refresh_token", "expiry", "expires_in")
INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1

CI_PROFILE = "ci"
LONG_PROFILE = "long"
_QUIET_CHECKS = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
    HealthCheck.large_base_example,
]
settings.register_profile(
    CI_PROFILE,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    max_examples=200,
    stateful_step_count=8,
    suppress_health_check=_QUIET_CHECKS,
)
settings.register_profile(
    LONG_PROFILE,
    deadline=None,
    print_blob=True,
    max_examples=20_000,
    stateful_step_count=20,
    suppress_health_check=_QUIET_CHECKS,
)


def profile_settings(*, name: str) -> settings:
    """The registered settings of a profile (`ci`, `long`, or any hypothesis profile)."""
    return settings.get_profile(name)


# -- text --------------------------------------------------------------------------------


@cache
def nasty_text(*, max_size: int = 12) -> st.SearchStrategy[str]:
    """Strings rich in characters Go escapes or folds specially; never a lone surrogate."""
    char = st.one_of(
        st.sampled_from(GO_SPECIAL_CHARS),
        st.characters(codec="utf-8"),  # excludes surrogates
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    )
    # A list of single draws, not st.text(alphabet=char): text() merges the alphabet into
    # one character set and then almost never picks U+2028, U+212A or the emoji.
    return st.lists(char, max_size=max_size).map("".join)


@cache
def _long_text() -> st.SearchStrategy[str]:
    return st.builds(
        lambda unit, n: unit * n,
        st.sampled_from(["a", "<", "\u2028", "\U0001f600", "é", "\\"]),
        # The short branch first, so a shrunk counterexample holds "a", not 256 of them.
        st.one_of(st.integers(1, 4), st.sampled_from([256, 1024, 4097])),
    )


@cache
def wire_text(*, max_size: int = 20) -> st.SearchStrategy[str]:
    """Token field values: mostly short and nasty, sometimes very long."""
    return st.one_of(nasty_text(max_size=max_size), nasty_text(max_size=max_size), _long_text())


# -- keys and OAuth arguments -------------------------------------------------------------

HOSTS = (
    "https://adb-1234567890123456.7.azuredatabricks.net",
    "https://x.cloud.databricks.com",
    "https://x.cloud.databricks.com/",
    "https://accounts.cloud.databricks.com",
    "http://127.0.0.1:8080",
    "example.com",
    "https://",
    "",
    "https://adb-1.azuredatabricks.net",
    "http://127.0.0.1/",
    "http://example.com",
)
PROFILES = ("DEFAULT", "prod", "dev-eu", "Prod", "my profile")
ACCOUNT_IDS = ("00000000-0000-0000-0000-000000000000", "1f2e3d4c-aaaa-bbbb-cccc-0123456789ab")


@cache
def hosts() -> st.SearchStrategy[str]:
    """Host URLs, valid and invalid for the SDK's host validation."""
    return st.one_of(
        st.sampled_from(HOSTS),
        st.builds(lambda s: "https://" + s, nasty_text(max_size=8)),
    )


@cache
def account_keys() -> st.SearchStrategy[str]:
    """Cache keys of the shape the SDK uses for account-level logins."""
    return st.builds(
        lambda host, acct: f"{host.rstrip('/')}/oidc/accounts/{acct}",
        st.sampled_from(HOSTS[:4]),
        st.one_of(st.sampled_from(ACCOUNT_IDS), st.uuids().map(str)),
    )


@cache
def keys() -> st.SearchStrategy[str]:
    """Cache keys: profile names, host URLs, account keys, Unicode and the empty key."""
    return st.one_of(
        st.sampled_from(("", *PROFILES[:3])),
        st.sampled_from(PROFILES),
        hosts(),
        account_keys(),
        nasty_text(max_size=10),
        wire_text(),
    )


@cache
def oauth_args() -> st.SearchStrategy[dict[str, Any]]:
    """Protocol Args of every kind, with and without profiles (absent fields mean "")."""
    profile = st.one_of(st.just(""), st.sampled_from(PROFILES), nasty_text(max_size=6))
    account = st.one_of(
        st.just(""), st.sampled_from(ACCOUNT_IDS), st.uuids().map(str), nasty_text(max_size=6)
    )

    def arg(kind: str, **fields: str) -> dict[str, Any]:
        return {"kind": kind, **{k: v for k, v in fields.items() if v != ""}}

    return st.one_of(
        st.builds(lambda h, p: arg("workspace", host=h, profile=p), hosts(), profile),
        st.builds(
            lambda k, h, a, p: arg(k, host=h, account_id=a, profile=p),
            st.sampled_from(["account", "unified"]),
            hosts(),
            account,
            profile,
        ),
        st.builds(
            lambda p, d: arg("discovery", profile=p, discovered_host=d),
            profile,
            st.one_of(st.just(""), hosts()),
        ),
    )


# -- expiry times and tokens --------------------------------------------------------------


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def format_expiry(
    *,
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    fraction: str = "",
    offset_minutes: int | None = None,
) -> str:
    """A protocol expiry string; years outside 0..9999 use the extended form."""
    y = f"-{-year:04d}" if year < 0 else f"{year:04d}"
    frac = f".{fraction}" if fraction else ""
    if offset_minutes is None:
        zone = "Z"
    else:
        sign = "-" if offset_minutes < 0 else "+"
        hh, mm = divmod(abs(offset_minutes), 60)
        zone = f"{sign}{hh:02d}:{mm:02d}"
    return f"{y}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{frac}{zone}"


# The parts of an expiry, built once: a composite that builds its strategies on
# every draw pays hypothesis's validation and labelling each time (half its cost).
_YEARS = st.one_of(
    st.integers(1970, 2100),
    st.sampled_from([0, 1, 1969, 2038, 9999]),
    st.integers(0, 9999),
)
_YEARS_EXTENDED = st.one_of(_YEARS, st.sampled_from([-1, -10000, 10000, 123456]))
_DAYS = {n: st.integers(1, n) for n in (28, 29, 30, 31)}
_FRACTIONS = st.one_of(
    st.just(""),
    st.sampled_from(["5", "000", "123456789", "100", "000000001"]),
    st.text(alphabet="0123456789", min_size=1, max_size=9),
)
_OFFSETS = st.one_of(
    st.none(),
    st.sampled_from([0, 60, -300, 330, 345, -720, 840, 23 * 60 + 59, -(23 * 60 + 59)]),
    st.integers(-(23 * 60 + 59), 23 * 60 + 59),
)


@st.composite
def _expiry(draw: st.DrawFn, *, extended: bool) -> str:
    year = draw(_YEARS_EXTENDED if extended else _YEARS)
    month = draw(st.integers(1, 12))
    day = draw(_DAYS[_days_in_month(year, month)])
    fraction = draw(_FRACTIONS)
    offset = draw(_OFFSETS)
    return format_expiry(
        year=year,
        month=month,
        day=day,
        hour=draw(st.integers(0, 23)),
        minute=draw(st.integers(0, 59)),
        second=draw(st.integers(0, 59)),
        fraction=fraction,
        offset_minutes=offset,
    )


@cache
def expiry_strings(*, extended: bool = True) -> st.SearchStrategy[str]:
    """Expiry times across offsets, fractions and year bounds; `""` is the zero time.

    `extended=True` adds years Go's parser cannot read (protocol extended form),
    which Go cannot marshal either: a store of such a token must fail.
    """
    return st.one_of(
        st.just(""),
        st.just("0001-01-01T00:00:00Z"),
        _expiry(extended=extended),
    )


@cache
def expires_in_values() -> st.SearchStrategy[int]:
    """expires_in: zero (omitted by Go), typical lifetimes, and int64 extremes."""
    return st.one_of(
        st.just(0),
        st.sampled_from([3600, -1, 1, INT64_MIN, INT64_MAX, 1 << 31, -(1 << 31)]),
        st.integers(INT64_MIN, INT64_MAX),
    )


@cache
def tokens(
    *, extended_years: bool = True, expires_in: bool = True
) -> st.SearchStrategy[dict[str, Any]]:
    """Protocol Tokens; each field may be absent (Go's zero value).

    `expires_in=False` never sets expires_in (for implementations that drop it).
    """
    fields: dict[str, st.SearchStrategy[Any]] = {
        "access_token": wire_text(),
        "token_type": st.one_of(
            st.just("Bearer"), st.just(""), nasty_text(max_size=8), wire_text()
        ),
        "refresh_token": wire_text(),
        "expiry": expiry_strings(extended=extended_years),
    }
    if expires_in:
        fields["expires_in"] = expires_in_values()
    return st.fixed_dictionaries({}, optional=fields)


# -- hand-edited and foreign cache files ---------------------------------------------------


@cache
def field_name_variants(name: str) -> st.SearchStrategy[str]:
    """Spellings Go's case-insensitive field match accepts (incl. U+017F for s, U+212A for k)."""

    def spell(flags: Sequence[int]) -> str:
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

    exact = st.just(name)
    return st.one_of(
        exact, exact, st.lists(st.integers(0, 2), min_size=len(name), max_size=len(name)).map(spell)
    )


def _json_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


@cache
def _raw_string() -> st.SearchStrategy[str]:
    """JSON string literals as a hand editor writes them, lone surrogate escapes included."""
    return st.one_of(
        nasty_text(max_size=10).map(_json_str),
        nasty_text(max_size=10).map(lambda s: json.dumps(s, ensure_ascii=True)),
        st.sampled_from(
            [
                '"\\ud800"',
                '"a\\udc00b"',
                '"\\ud83d\\ude00"',
                '"\\u003c\\u0026\\u003e"',
                '"\\/"',
                '"\u2028"',
            ]
        ),
    )


@cache
def _raw_expiry() -> st.SearchStrategy[str]:
    return st.one_of(
        expiry_strings(extended=False).map(_json_str),
        st.sampled_from(
            [
                '"2024-01-02T03:04:05Z"',
                '"2024-01-02T03:04:05.123456789+05:30"',
                '"2024-01-02T03:04:05.1234567891Z"',
                '"2024-01-02t03:04:05z"',
                '"2024-02-30T00:00:00Z"',
                '"2024-01-01T00:00:00+24:00"',
                '"0000-01-01T00:00:00Z"',
                '"2024-01-02 03:04:05Z"',
                '""',
                "null",
                "0",
                '"2024-01-01T1:00:00,5+24:00"',
                '"2024-01-01T00:00:00\\u005a"',
                '"x"',
            ]
        ),
    )


@cache
def _raw_scalar() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["null", "true", "false", "0", "1", "-0", "1.5", "1e3", "[]", "{}"]),
        st.sampled_from(["9223372036854775807", "9223372036854775808", "-9223372036854775808"]),
        st.integers(INT64_MIN, INT64_MAX).map(str),
        st.integers(-(1 << 64), 1 << 64).map(str),
        _raw_string(),
    )


@cache
def _token_values(*, well_typed: bool) -> dict[str, st.SearchStrategy[str]]:
    values = {
        "access_token": _raw_string(),
        "token_type": st.one_of(st.just('"Bearer"'), _raw_string()),
        "refresh_token": _raw_string(),
        "expiry": expiry_strings(extended=False).filter(bool).map(_json_str),
        "expires_in": expires_in_values().map(str),
    }
    if not well_typed:
        values["expiry"] = _raw_expiry()
        values["expires_in"] = st.one_of(
            st.sampled_from(["3600", "0", "-1", "9223372036854775808", "1.0", '"3600"', "1e2"]),
            _raw_scalar(),
        )
        values = {k: st.one_of(v, v, _raw_scalar()) for k, v in values.items()}
    return {k: st.one_of(v, v, v, st.just("null")) for k, v in values.items()}


_UNKNOWN_TOKEN_FIELDS = ("id_token", "scope", "Expires_At", "x")
_UNKNOWN_TOP_FIELDS = ("written_by", "x", "meta")


@cache
def _unknown_name(*, known: tuple[str, ...]) -> st.SearchStrategy[str]:
    # At most six characters, so never "expires_in" (the expires_in=False promise); one
    # that folds to "expiry" or "tokens" is just one more duplicate member.
    return st.one_of(st.sampled_from(known), nasty_text(max_size=6))


@st.composite
def _token_object(draw: st.DrawFn, *, expires_in: bool, well_typed: bool) -> str:
    names = TOKEN_FIELDS if expires_in else TOKEN_FIELDS[:4]
    values = _token_values(well_typed=well_typed)
    members = []
    for name in draw(st.lists(st.sampled_from(names), max_size=6)):
        spelled = draw(field_name_variants(name))
        members.append(_json_str(spelled) + ":" + draw(values[name]))
    if draw(st.integers(0, 4)) == 0:  # unknown fields a newer or foreign writer adds
        members.append(
            _json_str(draw(_unknown_name(known=_UNKNOWN_TOKEN_FIELDS))) + ":" + draw(_raw_scalar())
        )
    if draw(st.booleans()):
        members = draw(st.permutations(members))
    return "{" + ",".join(members) + "}"


@cache
def _token_value(*, expires_in: bool, well_typed: bool) -> st.SearchStrategy[str]:
    obj = _token_object(expires_in=expires_in, well_typed=well_typed)
    if well_typed:
        return st.one_of(obj, obj, obj, st.just("null"))
    return st.one_of(obj, obj, st.just("null"), _raw_scalar())


@st.composite
def _cache_document(draw: st.DrawFn, *, expires_in: bool, null_top_level: bool) -> str:
    # Most files are well typed (they load, so later steps have tokens to work on);
    # the rest carry type errors, bad versions and odd top-level values.
    well_typed = draw(st.integers(0, 4)) > 0
    token_value = _token_value(expires_in=expires_in, well_typed=well_typed)
    entries = draw(st.lists(st.tuples(keys(), token_value), max_size=4))
    if entries and draw(st.integers(0, 3)) == 0:  # a duplicated key: Go keeps the last one
        entries.append((entries[0][0], draw(token_value)))
    tokens_text = "{" + ",".join(_json_str(k) + ":" + v for k, v in entries) + "}"
    if well_typed:
        version = "1"
        tokens_value = draw(st.sampled_from([tokens_text] * 8 + ["null", "{}"]))
    else:
        version = draw(st.one_of(st.just("1"), _raw_scalar()))
        tokens_value = draw(st.one_of(st.just(tokens_text), _raw_scalar()))
    members: list[str] = []
    if well_typed or draw(st.integers(0, 9)) > 0:
        members.append(_json_str(draw(field_name_variants("version"))) + ":" + version)
    if draw(st.integers(0, 9)) > 0:
        members.append(_json_str(draw(field_name_variants("tokens"))) + ":" + tokens_value)
    if draw(st.integers(0, 4)) == 0:
        members.append(
            _json_str(draw(_unknown_name(known=_UNKNOWN_TOP_FIELDS))) + ":" + draw(_raw_scalar())
        )
    if draw(st.integers(0, 5)) == 0 and members:  # duplicate top-level member
        members.append(members[0])
    if draw(st.booleans()):
        members = draw(st.permutations(members))
    sep = draw(st.sampled_from([",", ",\n  ", " , "]))
    text = "{" + sep.join(members) + "}"
    if not well_typed and draw(st.integers(0, 9)) == 0:
        text = draw(_raw_scalar())
    if not null_top_level and text.strip() == "null":
        text = "{}"
    return text


@cache
def cache_file_bytes(
    *, expires_in: bool = True, null_top_level: bool = True
) -> st.SearchStrategy[bytes]:
    """Hand-edited or foreign cache files: odd casing, unknown fields, nulls, duplicates,
    lone surrogate escapes, and now and then damaged bytes.

    `expires_in=False` never writes an expires_in member; `null_top_level=False` never
    writes a file whose JSON value is `null` (real Go panics on it).
    """
    doc = _cache_document(expires_in=expires_in, null_top_level=null_top_level)
    damage = st.sampled_from([b" ", b"\n", b"x", b",", b"}", b"\xff", b"\xef\xbb\xbf", b"\x00"])

    def spoil(text: str, where: str, junk: bytes, cut: int) -> bytes:
        data = text.encode("utf-8")
        if where == "front":
            return junk + data
        if where == "back":
            return data + junk
        if where == "cut":
            return data[:cut]
        return data

    return st.builds(
        spoil,
        doc,
        st.sampled_from(["none"] * 27 + ["front", "back", "cut"]),
        damage,
        st.integers(0, 200),
    )


# -- whole operations ----------------------------------------------------------------------


def operations(
    *,
    ops: Sequence[str] = ("store", "delete", "lookup", "dual_store", "reopen", "write_file"),
    vias: Sequence[str] = ("sdk",),
    expires_in: bool = True,
    null_top_level: bool = True,
) -> st.SearchStrategy[dict[str, Any]]:
    """One step as a spec-format step dict (plus the harness-only `reopen`/`write_file`)."""
    choices: list[st.SearchStrategy[dict[str, Any]]] = []
    token = tokens(expires_in=expires_in)
    if "store" in ops:
        choices.append(st.builds(lambda k, t: {"op": "store", "key": k, "token": t}, keys(), token))
    if "delete" in ops:
        choices.append(st.builds(lambda k: {"op": "delete", "key": k}, keys()))
    if "lookup" in ops:
        choices.append(st.builds(lambda k: {"op": "lookup", "key": k}, keys()))
    if "dual_store" in ops and vias:
        choices.append(
            st.builds(
                lambda a, k, t, v: {"op": "dual_store", "arg": a, "key": k, "token": t, "via": v},
                oauth_args(),
                st.one_of(st.none(), keys()),
                token,
                st.sampled_from(list(vias)),
            )
        )
    if "reopen" in ops:
        choices.append(st.just({"op": "open", "path": None}))
    if "write_file" in ops:
        choices.append(
            cache_file_bytes(expires_in=expires_in, null_top_level=null_top_level).map(
                lambda b: {"op": "write_file", "bytes": b}
            )
        )
    return st.one_of(*choices)
