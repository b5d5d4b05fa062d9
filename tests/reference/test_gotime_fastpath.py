"""The RFC 3339 fast path of reference_impl.gotime agrees with the full port of Go's parser."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reference_impl.gotime import (
    _CANONICAL,
    GoTime,
    TimeParseError,
    _parse_rfc3339_slow,
    parse_rfc3339,
)


def _outcome(parse: object, value: bytes) -> GoTime | str:
    """What a parser gives: the time, or its error text."""
    assert callable(parse)
    try:
        result = parse(value)
    except TimeParseError as e:
        return f"error: {e}"
    assert isinstance(result, GoTime)
    return result


def _valid(lo: int, hi: int) -> st.SearchStrategy[str]:
    """Two-digit values inside a field's range, its edges drawn often."""
    return st.one_of(st.sampled_from([lo, hi]), st.integers(lo, hi)).map(lambda n: f"{n:02d}")


def _odd(lo: int, hi: int) -> st.SearchStrategy[str]:
    """Values just outside a field's range, and one- or three-digit spellings."""
    return st.one_of(
        st.sampled_from([lo - 1, hi + 1, 99]).map(lambda n: f"{n:02d}" if n >= 0 else "-1"),
        st.integers(0, 9).map(str),
        st.integers(0, 999).map(lambda n: f"{n:03d}"),
        st.sampled_from(["", "1a", " 1"]),
    )


_YEAR = st.one_of(
    st.sampled_from(["0000", "0001", "1600", "1900", "2000", "2023", "2024", "2100", "9999"]),
    st.integers(0, 9999).map(lambda n: f"{n:04d}"),
)
_DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=12)
# Each field: (what Go writes, what sits at or beyond the fast path's edge).
_FIELDS: dict[str, tuple[st.SearchStrategy[str], st.SearchStrategy[str]]] = {
    "year": (_YEAR, st.sampled_from(["999", "12345", "-001", "+2024", "20a4", ""])),
    "month": (_valid(1, 12), _odd(1, 12)),
    "day": (_valid(1, 31), _odd(1, 31)),
    "T": (st.just("T"), st.sampled_from(["t", " ", "_", ""])),
    "hour": (_valid(0, 23), _odd(0, 23)),
    "minute": (_valid(0, 59), _odd(0, 59)),
    "second": (_valid(0, 59), _odd(0, 59)),
    "fraction": (
        st.one_of(st.just(""), _DIGITS.map(lambda d: "." + d)),
        st.one_of(_DIGITS.map(lambda d: "," + d), st.sampled_from([".", ",", ":5", "..5"])),
    ),
    "zone": (
        st.one_of(
            st.just("Z"),
            st.builds(
                lambda sign, hh, mm: f"{sign}{hh}:{mm}",
                st.sampled_from(["+", "-"]),
                _valid(0, 23),
                _valid(0, 59),
            ),
        ),
        st.one_of(
            st.builds(
                lambda sign, hh, mm: f"{sign}{hh}:{mm}",
                st.sampled_from(["+", "-", " ", "\u2212"]),
                st.one_of(_valid(0, 23), _odd(0, 23)),
                st.one_of(_valid(0, 59), _odd(0, 59)),
            ),
            st.sampled_from(["z", "", "+", "-", "UTC", "+0530", "+05:3", "Z0"]),
        ),
    ),
    "trailer": (st.just(""), st.sampled_from([" ", "\n", "Z", "0", "\x00", "\u00e9"])),
}
_LAYOUT = (
    "year", "-", "month", "-", "day", "T", "hour", ":", "minute", ":", "second",
    "fraction", "zone", "trailer",
)  # fmt: skip


@st.composite
def near_canonical(draw: st.DrawFn) -> bytes:
    """Times shaped like what Go writes, with none, one or two fields pushed past their limits."""
    odd = set(draw(st.lists(st.sampled_from(sorted(_FIELDS)), max_size=2)))
    parts = []
    for part in _LAYOUT:
        if part in _FIELDS:
            usual, unusual = _FIELDS[part]
            parts.append(draw(unusual if part in odd else usual))
        else:
            parts.append(part)
    return "".join(parts).encode("utf-8")


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """A near-canonical time with one byte replaced, inserted or removed."""
    value = draw(near_canonical())
    i = draw(st.integers(0, len(value)))
    byte = bytes([draw(st.sampled_from(b"0123456789-:.,+TZ \xff"))])
    how = draw(st.sampled_from(["replace", "insert", "remove"]))
    if how == "insert":
        return value[:i] + byte + value[i:]
    if how == "replace":
        return value[:i] + byte + value[i + 1 :]
    return value[:i] + value[i + 1 :]


@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(value=st.one_of(near_canonical(), damaged()))
@example(value=b"2024-02-29T00:00:00Z")  # leap day: the one calendar check the fast path makes
@example(value=b"2023-02-29T00:00:00Z")
@example(value=b"2100-02-29T00:00:00Z")
@example(value=b"2024-04-31T23:59:59.999999999+23:59")
@example(value=b"2024-01-01T00:00:00.1234567891-00:00")
@example(value=b"2024-01-01T00:00:00,5+24:00")
@example(value=b"2024-01-01T24:00:00Z")
def test_fast_path_matches_full_parser(value: bytes) -> None:
    """parse_rfc3339 gives exactly the full port's time or error text for any input."""
    assert _outcome(lambda v: parse_rfc3339(value=v), value) == _outcome(_parse_rfc3339_slow, value)


@pytest.mark.slow
def test_generated_inputs_reach_both_paths() -> None:
    """The generator feeds the fast path as well as the fallback, so the property tests both."""
    seen = {"fast": 0, "slow": 0}

    @settings(max_examples=300, deadline=None, database=None)
    @given(value=near_canonical())
    def count(value: bytes) -> None:
        seen["fast" if _CANONICAL.match(value) else "slow"] += 1

    count()
    assert seen["fast"] >= 10 and seen["slow"] >= 10, seen
