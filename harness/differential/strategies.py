"""Hypothesis strategies for protocol v1 values, shared by `diff`, `interop` and the tests.

Everything here is a plain protocol value (dicts and strings as they go on the
wire, see docs/protocol.md), so any implementation can be fed with it. Strings
sent over the wire never hold lone surrogates: Go's JSON decoder turns an
escaped lone surrogate into U+FFFD, so the two sides would not even receive the
same request. Lone surrogates live in hand-edited cache file bytes instead
(`cache_file_bytes`), where they are the implementation's business.

The hypothesis profiles live in harness.profiles (light, for the command line).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from hypothesis import strategies as st

from harness.checks import TOKEN_DEFAULTS
from reference_impl.gotime import days_in
from reference_impl.token import INT64_MAX, INT64_MIN

T = TypeVar("T")

__all__ = [
    "GO_SPECIAL_CHARS",
    "TOKEN_FIELDS",
    "account_keys",
    "cache_file_bytes",
    "edit_steps",
    "expires_in_values",
    "expiry_strings",
    "field_name_variants",
    "format_expiry",
    "hosts",
    "keys",
    "nasty_text",
    "oauth_args",
    "open_envs",
    "operations",
    "tokens",
    "umasks",
]

# Characters whose encoding differs between Go and naive JSON encoders: HTML
# escapes, the JavaScript line separators, control characters, characters Go's
# case folding treats specially (U+212A KELVIN SIGN folds to k, U+017F to s).
GO_SPECIAL_CHARS = (
    "<>&\u2028\u2029\"\\/\n\r\t\b\f\x00\x01\x1f\x7f\u0080\u00e9\u00a0\ufeff\ufffd"
    "\u212a\u017f\U0001f600'"
)
TOKEN_FIELDS = tuple(TOKEN_DEFAULTS)

# -- text --------------------------------------------------------------------------------


# nasty_text draws two strings, not one choice per character: a string of "slots" from a
# private 256-code-point alphabet (drawn uniformly, so every slot is equally likely), and
# a string of arbitrary UTF-8 characters. Each slot stands for a printable ASCII
# character, one of GO_SPECIAL_CHARS (four slots each, so they are frequent), or "the next
# arbitrary character". Any string over those characters is reachable, as before; the
# cost is two choices instead of about three per character. ASCII letters come first, so
# shrinking leads to "a".
_SLOT_BASE = 0xE000  # Private Use Area: the slot string never reaches an implementation
_WIDE = None
_PRINTABLE = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    + "".join(chr(c) for c in range(0x20, 0x7F) if not chr(c).isalnum())
)
_SLOTS: tuple[str | None, ...] = (
    *_PRINTABLE, *(ch for ch in GO_SPECIAL_CHARS for _ in range(4)),
)
_SLOTS += (_WIDE,) * (256 - len(_SLOTS))
_SLOT_CHARS = st.characters(min_codepoint=_SLOT_BASE, max_codepoint=_SLOT_BASE + len(_SLOTS) - 1)


def _fill_slots(parts: tuple[str, str]) -> str:
    slots, wide = parts
    out: list[str] = []
    spare = iter(wide)
    for ch in slots:
        value = _SLOTS[ord(ch) - _SLOT_BASE]
        if value is _WIDE:
            value = next(spare, "")
        out.append(value)
    return "".join(out)


@cache
def nasty_text(*, max_size: int = 12) -> st.SearchStrategy[str]:
    """Strings rich in characters Go escapes or folds specially; never a lone surrogate."""
    return st.tuples(
        st.text(_SLOT_CHARS, max_size=max_size),
        st.text(st.characters(codec="utf-8"), max_size=max_size),  # excludes surrogates
    ).map(_fill_slots)


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
# Date and time of day each come from one integer (a day of the year, a second of the
# day): every valid date and time as before, with two choices instead of five.
_DAY_OF_YEAR = st.integers(0, 365)
_SECOND_OF_DAY = st.integers(0, 24 * 3600 - 1)
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


def _month_day(year: int, day_of_year: int) -> tuple[int, int]:
    day = day_of_year % (366 if days_in(month=2, year=year) == 29 else 365)
    month = 1
    while day >= days_in(month=month, year=year):
        day -= days_in(month=month, year=year)
        month += 1
    return month, day + 1


def _expiry_text(
    year: int, day_of_year: int, second_of_day: int, fraction: str, offset: int | None
) -> str:
    month, day = _month_day(year, day_of_year)
    minutes, second = divmod(second_of_day, 60)
    hour, minute = divmod(minutes, 60)
    return format_expiry(
        year=year, month=month, day=day, hour=hour, minute=minute, second=second,
        fraction=fraction, offset_minutes=offset,
    )


@cache
def _expiry(*, extended: bool) -> st.SearchStrategy[str]:
    return st.builds(
        _expiry_text,
        _YEARS_EXTENDED if extended else _YEARS,
        _DAY_OF_YEAR,
        _SECOND_OF_DAY,
        _FRACTIONS,
        _OFFSETS,
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
def _nonempty_expiry() -> st.SearchStrategy[str]:
    """expiry_strings(extended=False) without the empty string, in the same proportions."""
    return st.one_of(st.just("0001-01-01T00:00:00Z"), _expiry(extended=False))


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

    # All spellings in one integer: digit i (base 3) is the flag of character i.
    def spell_number(number: int) -> str:
        flags = []
        for _ in name:
            number, flag = divmod(number, 3)
            flags.append(flag)
        return spell(flags)

    exact = st.just(name)
    return st.one_of(exact, exact, st.integers(0, 3 ** len(name) - 1).map(spell_number))


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
        # Non-empty expiries, drawn directly: a filter would give up (an invalid test case)
        # whenever the empty branch is chosen.
        "expiry": _nonempty_expiry().map(_json_str),
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


# Hand-edited files are the largest values generated, so they are built from as few
# draws as possible, all strategies made once: every optional part is a one_of with
# None branches (drawn only when used, with the old odds), a permutation is one integer,
# and the document's small coins share one integer (read digit by digit).
_PERMUTE = st.one_of(st.none(), st.integers(0, 5039))  # 5040 = 7!: any order of <= 7 members


def _permuted(members: list[str], key: int | None) -> list[str]:
    """The key-th permutation of members (Lehmer code); None keeps the order."""
    if key is None or len(members) < 2:
        return members
    pool, out = list(members), []
    for size in range(len(pool), 0, -1):
        key, index = divmod(key, size)
        out.append(pool.pop(index))
    return out


def _maybe(strategy: st.SearchStrategy[T], *, one_in: int) -> st.SearchStrategy[T | None]:
    """`strategy` once in `one_in` draws, None otherwise."""
    # Distinct None strategies: one_of drops a branch that is the same object as another.
    return st.one_of(*[st.none() for _ in range(one_in - 1)], strategy)


@cache
def _unknown_member(*, known: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.builds(lambda name, value: _json_str(name) + ":" + value,
                     _unknown_name(known=known), _raw_scalar())


def _join_token(members: list[str], unknown: str | None, order: int | None) -> str:
    if unknown is not None:
        members = [*members, unknown]
    return "{" + ",".join(_permuted(members, order)) + "}"


@cache
def _token_object(*, expires_in: bool, well_typed: bool) -> st.SearchStrategy[str]:
    names = TOKEN_FIELDS if expires_in else TOKEN_FIELDS[:4]
    values = _token_values(well_typed=well_typed)
    member = st.one_of(*[
        st.builds(lambda spelled, value: _json_str(spelled) + ":" + value,
                  field_name_variants(name), values[name])
        for name in names
    ])
    return st.builds(
        _join_token,
        st.lists(member, max_size=6),
        # unknown fields a newer or foreign writer adds
        _maybe(_unknown_member(known=_UNKNOWN_TOKEN_FIELDS), one_in=5),
        _PERMUTE,
    )


@cache
def _token_value(*, expires_in: bool, well_typed: bool) -> st.SearchStrategy[str]:
    obj = _token_object(expires_in=expires_in, well_typed=well_typed)
    if well_typed:
        return st.one_of(obj, obj, obj, st.just("null"))
    return st.one_of(obj, obj, st.just("null"), _raw_scalar())


_SEPARATORS = (",", ",\n  ", " , ")
# The document's coins: version member kept (10), tokens member kept (10), tokens value
# (10), top-level member duplicated (6), separator (3).
_DOC_COINS = st.integers(0, 10 * 10 * 10 * 6 * 3 - 1)


def _document(
    well_typed: bool,
    entries: list[tuple[str, str]],
    duplicate: str | None,
    version_spelled: str,
    tokens_spelled: str,
    odd_version: str | None,
    odd_tokens: str | None,
    unknown: str | None,
    order: int | None,
    coins: int,
    scalar: str | None,
    null_top_level: bool,
) -> str:
    coins, keep_version = divmod(coins, 10)
    coins, keep_tokens = divmod(coins, 10)
    coins, tokens_choice = divmod(coins, 10)
    coins, duplicate_top = divmod(coins, 6)
    sep = _SEPARATORS[coins % 3]
    if entries and duplicate is not None:  # a duplicated key: Go keeps the last one
        entries = [*entries, (entries[0][0], duplicate)]
    tokens_text = "{" + ",".join(_json_str(k) + ":" + v for k, v in entries) + "}"
    if well_typed:
        version = "1"
        tokens_value = ([tokens_text] * 8 + ["null", "{}"])[tokens_choice]
    else:
        version = "1" if odd_version is None else odd_version
        tokens_value = tokens_text if odd_tokens is None else odd_tokens
    members: list[str] = []
    if well_typed or keep_version > 0:
        members.append(_json_str(version_spelled) + ":" + version)
    if keep_tokens > 0:
        members.append(_json_str(tokens_spelled) + ":" + tokens_value)
    if unknown is not None:
        members.append(unknown)
    if duplicate_top == 0 and members:  # duplicate top-level member
        members.append(members[0])
    text = "{" + sep.join(_permuted(members, order)) + "}"
    if not well_typed and scalar is not None:
        text = scalar
    if not null_top_level and text.strip() == "null":
        text = "{}"
    return text


@cache
def _cache_document(*, expires_in: bool, null_top_level: bool) -> st.SearchStrategy[str]:
    def shape(*, well_typed: bool) -> st.SearchStrategy[str]:
        token_value = _token_value(expires_in=expires_in, well_typed=well_typed)
        odd = st.one_of(st.none(), _raw_scalar())  # None: "1" or the tokens object
        return st.builds(
            _document,
            st.just(well_typed),
            st.lists(st.tuples(keys(), token_value), max_size=4),
            _maybe(token_value, one_in=4),
            field_name_variants("version"),
            field_name_variants("tokens"),
            odd if not well_typed else st.none(),
            odd if not well_typed else st.none(),
            _maybe(_unknown_member(known=_UNKNOWN_TOP_FIELDS), one_in=5),
            _PERMUTE,
            _DOC_COINS,
            _maybe(_raw_scalar(), one_in=10) if not well_typed else st.none(),
            st.just(null_top_level),
        )

    # Most files are well typed (they load, so later steps have tokens to work on);
    # the rest carry type errors, bad versions and odd top-level values.
    good = shape(well_typed=True)
    return st.one_of(shape(well_typed=False), good, good, good, good)


def _spoil(text: str, damage: tuple[str, bytes, int] | None) -> bytes:
    data = text.encode("utf-8")
    if damage is None:
        return data
    where, junk, cut = damage
    if where == "front":
        return junk + data
    if where == "back":
        return data + junk
    return data[:cut]


@cache
def cache_file_bytes(
    *, expires_in: bool = True, null_top_level: bool = True
) -> st.SearchStrategy[bytes]:
    """Hand-edited or foreign cache files: odd casing, unknown fields, nulls, duplicates,
    lone surrogate escapes, and now and then damaged bytes.

    `expires_in=False` never writes an expires_in member; `null_top_level=False` never
    writes a file whose JSON value is `null` (real Go panics on it).
    """
    return _cache_file(expires_in=expires_in, null_top_level=null_top_level)


@cache
def _cache_file_parts(*, expires_in: bool, null_top_level: bool) -> st.SearchStrategy[bytes]:
    doc = _cache_document(expires_in=expires_in, null_top_level=null_top_level)
    junk = st.sampled_from([b" ", b"\n", b"x", b",", b"}", b"\xff", b"\xef\xbb\xbf", b"\x00"])
    damage = st.tuples(st.sampled_from(["front", "back", "cut"]), junk, st.integers(0, 200))
    return st.builds(_spoil, doc, _maybe(damage, one_in=10))


@st.composite
def _cache_file(draw: st.DrawFn, *, expires_in: bool, null_top_level: bool) -> bytes:
    # One composite around the whole file only for its short repr: hypothesis writes the
    # repr of the state machine's rules (file strategy included) into an event label on
    # every retried rule draw, and the expanded strategy's repr is hundreds of kB.
    return draw(_cache_file_parts(expires_in=expires_in, null_top_level=null_top_level))


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


# -- the environment an example opens under, and edits between operations -----------------

# The usual three first (shrinking leads to 022), then ones that narrow or open up.
UMASKS = (0o022, 0o077, 0o027, 0o000, 0o002, 0o007, 0o277, 0o077)


@cache
def umasks(*, owner_rights_kept: bool = False) -> st.SearchStrategy[int]:
    """Umasks an example's opens run under; mostly 022. `owner_rights_kept` leaves out
    the ones that take the owner's own bits away (0277)."""
    chosen = [u for u in UMASKS if not (owner_rights_kept and u & 0o700)]
    return st.one_of(st.just(0o022), st.sampled_from(chosen))


def open_envs(
    *, home: str, variables: Sequence[str], values: Sequence[str]
) -> st.SearchStrategy[dict[str, str | None]]:
    """Spec-style `env` for an example's opens (sandbox-relative values): HOME is `home`,
    and every one of `variables` is unset (None, first: shrinking leads there), empty, or
    one of `values`. Every variable is always present, so nothing leaks in from the
    process that runs the testee. (Opens without HOME are steps of their own.)"""
    choice = st.sampled_from([None, *values, ""])
    names = tuple(variables)
    return st.tuples(*[choice] * len(names)).map(
        lambda vals: {"HOME": home, **dict(zip(names, vals, strict=True))}
    )


EDIT_MODES = ("0644", "0400", "0640", "0600", "0000")


@cache
def edit_steps(
    *,
    path: str,
    link_targets: tuple[str, ...],
    expires_in: bool = True,
    null_top_level: bool = True,
    owner_rights_kept: bool = False,
) -> st.SearchStrategy[dict[str, Any]]:
    """`edit` steps (docs/spec-format.md) on `path`: new bytes, a mode, a symlink, removal,
    or a directory in its place. `owner_rights_kept` leaves out modes without the owner's
    read and write bits (0000)."""
    files = cache_file_bytes(expires_in=expires_in, null_top_level=null_top_level)
    modes = [m for m in EDIT_MODES if not (owner_rights_kept and int(m, 8) & 0o400 == 0)]
    return st.one_of(
        files.map(lambda b: {"op": "edit", "path": path,
                             "base64": base64.b64encode(b).decode("ascii")}),
        st.sampled_from(modes).map(lambda m: {"op": "edit", "path": path, "mode": m}),
        st.sampled_from(link_targets).map(lambda t: {"op": "edit", "path": path, "symlink": t}),
        st.just({"op": "edit", "path": path, "remove": True}),
        st.just({"op": "edit", "path": path, "directory": True}),
    )
