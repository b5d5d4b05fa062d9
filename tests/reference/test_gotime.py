"""GoTime formatting, marshalling and the time.Parse(RFC3339) port."""

from __future__ import annotations

import pytest

from reference_impl import GoTime, TimeParseError, parse_rfc3339, unmarshal_json_time

LAYOUT = '"2006-01-02T15:04:05Z07:00"'


def test_format_out_of_range_years_without_error() -> None:
    """Format (used for lookup results) prints any year; only MarshalJSON refuses."""
    assert GoTime(-1, 1, 1).format() == "-0001-01-01T00:00:00Z"
    assert GoTime(10000, 1, 1).format() == "10000-01-01T00:00:00Z"
    assert GoTime(2024, 1, 1, offset=86400).format() == "2024-01-01T00:00:00+24:00"


def test_offset_seconds_truncate_toward_zero() -> None:
    """RFC 3339 drops offset seconds; -30s becomes +00:00 as Go's integer division does."""
    assert GoTime(2024, 1, 1, offset=-30).format() == "2024-01-01T00:00:00+00:00"
    assert GoTime(2024, 1, 1, offset=-90).format() == "2024-01-01T00:00:00-00:01"


def test_date_normalises_like_time_date() -> None:
    """Out-of-range civil fields carry over into the next unit."""
    assert GoTime.date(year=2023, month=14, day=29, hour=24) == GoTime(2024, 3, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"2024-01-02T03:04:05Z", GoTime(2024, 1, 2, 3, 4, 5)),
        (b"2024-01-02T03:04:05.123456789123Z", GoTime(2024, 1, 2, 3, 4, 5, 123_456_789)),
        (b"2024-01-02T03:04:05+00:00", GoTime(2024, 1, 2, 3, 4, 5)),
        (b"2024-01-02T03:04:05-00:00", GoTime(2024, 1, 2, 3, 4, 5)),
        (b"2024-01-02T03:04:05+05:60", GoTime(2024, 1, 2, 3, 4, 5, 0, 6 * 3600)),
        (b"2024-01-02T3:04:05Z", GoTime(2024, 1, 2, 3, 4, 5)),
        (b"0000-02-29T00:00:00Z", GoTime(0, 2, 29)),
    ],
)
def test_parse_accepts(text: bytes, expected: GoTime) -> None:
    """The lenient fallback parser accepts these and yields these civil times."""
    assert parse_rfc3339(value=text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"x", f'parsing time "x" as {LAYOUT}: cannot parse "x" as "2006"'),
        (b"2024-02-30T00:00:00Z", 'parsing time "2024-02-30T00:00:00Z": day out of range'),
        (b"2024-00-01T00:00:00Z", 'parsing time "2024-00-01T00:00:00Z": month out of range'),
        (
            b"2024-01-01T00:00:00",
            f'parsing time "2024-01-01T00:00:00" as {LAYOUT}: cannot parse "" as "Z07:00"',
        ),
        (b"2024-01-01T00:00:00Zz", 'parsing time "2024-01-01T00:00:00Zz": extra text: "z"'),
        (
            b"2024-01-01T00:00:00+25:00",
            'parsing time "2024-01-01T00:00:00+25:00": time zone offset hour out of range',
        ),
        (
            b'\xe9"\\',
            f'parsing time "\\xe9\\"\\\\" as {LAYOUT}: cannot parse "\\xe9\\"\\\\" as "2006"',
        ),
    ],
)
def test_parse_errors(text: bytes, message: str) -> None:
    """Go's ParseError texts, with time's own byte-wise quoting."""
    with pytest.raises(TimeParseError) as info:
        parse_rfc3339(value=text)
    assert str(info.value) == message


def test_unmarshal_json_null_and_non_string() -> None:
    """null means "unchanged" (None); non-strings are rejected."""
    assert unmarshal_json_time(raw=b"null") is None
    with pytest.raises(TimeParseError, match="input is not a JSON string"):
        unmarshal_json_time(raw=b"12")
