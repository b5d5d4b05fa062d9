"""Go's ``time.Time`` as far as the token cache can observe it.

A :class:`GoTime` holds civil fields in its own zone plus the zone's UTC
offset, which is all ``time.Time.Format(time.RFC3339Nano)`` and
``time.Time.MarshalJSON`` look at.  Years outside ``datetime``'s range (0,
negative, five digits) are representable because Go's are.

Parsing ports Go 1.26's ``time.Parse`` restricted to the layout
``time.RFC3339``: ``Time.UnmarshalJSON`` tries a strict fast path first and
falls back to that lenient parser, and the fast path accepts a subset of what
the fallback accepts with identical results, so only the fallback is needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "ZERO_TIME",
    "GoTime",
    "TimeMarshalError",
    "TimeParseError",
    "days_in",
    "go_quote",
    "parse_rfc3339",
    "unmarshal_json_time",
]

_LAYOUT = b"2006-01-02T15:04:05Z07:00"
_DAYS_BEFORE = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365)


class TimeParseError(ValueError):
    """Go's ``*time.ParseError`` or ``Time.UnmarshalJSON`` input error; str is Go's text."""


class TimeMarshalError(ValueError):
    """The error ``Time.MarshalJSON`` returns; str is Go's text."""


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in(*, month: int, year: int) -> int:
    """Days in ``month`` of ``year`` as Go's ``daysIn`` computes them."""
    if month == 2 and _is_leap(year):
        return 29
    return _DAYS_BEFORE[month] - _DAYS_BEFORE[month - 1]


def _days_from_civil(y: int, m: int, d: int) -> int:
    # Proleptic Gregorian day number, valid for every integer year.
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _civil_from_days(z: int) -> tuple[int, int, int]:
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return y + (m <= 2), m, d


def _append_int(x: int, width: int) -> str:
    # Go's appendInt: sign, then zero padding to width, never truncating.
    if x < 0:
        return "-" + str(-x).rjust(width, "0")
    return str(x).rjust(width, "0")


def _go_div(a: int, b: int) -> int:
    # Go integer division truncates toward zero.
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


@dataclass(frozen=True, slots=True)
class GoTime:
    """A Go time: civil fields in its zone and that zone's offset (None = UTC)."""

    year: int = 1
    month: int = 1
    day: int = 1
    hour: int = 0
    minute: int = 0
    second: int = 0
    nanosecond: int = 0
    offset: int | None = None

    @classmethod
    def date(
        cls,
        *,
        year: int,
        month: int,
        day: int,
        hour: int = 0,
        minute: int = 0,
        second: int = 0,
        nanosecond: int = 0,
        offset: int | None = None,
    ) -> GoTime:
        """``time.Date``: out-of-range fields carry over as Go normalises them."""
        second += nanosecond // 1_000_000_000
        nanosecond %= 1_000_000_000
        minute += second // 60
        second %= 60
        hour += minute // 60
        minute %= 60
        day += hour // 24
        hour %= 24
        year += (month - 1) // 12
        month = (month - 1) % 12 + 1
        days = _days_from_civil(year, month, 1) + day - 1
        year, month, day = _civil_from_days(days)
        return cls(year, month, day, hour, minute, second, nanosecond, offset or None)

    @property
    def utc_offset(self) -> int:
        """Offset from UTC in seconds (0 for UTC)."""
        return self.offset or 0

    def is_zero(self) -> bool:
        """True for Go's zero time, 0001-01-01T00:00:00Z."""
        return self == ZERO_TIME

    def format(self) -> str:
        """``t.Format(time.RFC3339Nano)``: never fails, even for odd years or offsets."""
        year = f"{self.year:04d}" if self.year >= 0 else _append_int(self.year, 4)
        s = (
            f"{year}-{self.month:02d}-{self.day:02d}"
            f"T{self.hour:02d}:{self.minute:02d}:{self.second:02d}"
        )
        if self.nanosecond:
            s += ("." + str(self.nanosecond).rjust(9, "0")).rstrip("0")
        off = self.utc_offset
        if off == 0:
            return s + "Z"
        zone = _go_div(off, 60)
        sign = "-" if zone < 0 else "+"
        zone = abs(zone)
        return f"{s}{sign}{_append_int(zone // 60, 2)}:{_append_int(zone % 60, 2)}"

    def marshal_json(self) -> str:
        """``t.MarshalJSON()`` without the quotes; raises Go's range errors."""
        s = self.format()
        if len(s) <= 4 or s[4] != "-":
            raise TimeMarshalError("Time.MarshalJSON: year outside of range [0,9999]")
        if s[-1] != "Z":
            c = s[-6]
            if c.isdigit() or int(s[-5:-3]) >= 24:
                raise TimeMarshalError("Time.MarshalJSON: timezone hour outside of range [0,23]")
        return s


ZERO_TIME = GoTime()


def go_quote(*, value: bytes) -> str:
    """Go's ``time.quote``: every non-ASCII or control byte becomes ``\\xHH``."""
    out = ['"']
    for b in value:
        if b >= 0x80 or b < 0x20:
            out.append(f"\\x{b:02x}")
        else:
            if b in (0x22, 0x5C):
                out.append("\\")
            out.append(chr(b))
    out.append('"')
    return "".join(out)


class _Bad(Exception):
    """Go's errBad / errAtoi, never shown as such."""


def _is_digit(s: bytes, i: int) -> bool:
    return i < len(s) and 0x30 <= s[i] <= 0x39


def _getnum(s: bytes, fixed: bool) -> tuple[int, bytes]:
    if not _is_digit(s, 0):
        raise _Bad
    if not _is_digit(s, 1):
        if fixed:
            raise _Bad
        return s[0] - 0x30, s[1:]
    return (s[0] - 0x30) * 10 + (s[1] - 0x30), s[2:]


def _atoi(s: bytes) -> int:
    neg = False
    if s[:1] in (b"-", b"+"):
        neg = s[:1] == b"-"
        s = s[1:]
    i = 0
    while i < len(s) and 0x30 <= s[i] <= 0x39:
        i += 1
    if i < len(s):
        raise _Bad
    x = int(s) if s else 0
    if x > 1 << 63:
        raise _Bad
    return -x if neg else x


def _parse_error(
    value: bytes, layout_elem: bytes, value_elem: bytes, message: str = ""
) -> TimeParseError:
    if message:
        return TimeParseError(f"parsing time {go_quote(value=value)}{message}")
    return TimeParseError(
        f"parsing time {go_quote(value=value)} as {go_quote(value=_LAYOUT)}: cannot parse "
        f"{go_quote(value=value_elem)} as {go_quote(value=layout_elem)}"
    )


def _skip(value: bytes, prefix: bytes) -> bytes:
    # The RFC 3339 layout's literal prefixes hold no spaces.
    if not value.startswith(prefix):
        raise _Bad
    return value[len(prefix) :]


# The shape every file Go writes has, with each field's range in the pattern
# itself: a match parses exactly as the full port below would (only days 29-31
# need a calendar check), so decoding a large cache mostly skips that port.
# Everything else, errors included, goes through the port.
_CANONICAL = re.compile(
    rb"([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    rb"T([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])"
    rb"(?:[.,]([0-9]+))?(?:Z|([-+])([01][0-9]|2[0-3]):([0-5][0-9]))\Z"
)
_NSEC_SCALE = tuple(10 ** (9 - n) for n in range(10))
_new = object.__new__
# A GoTime built field by field: the dataclass's frozen __init__ costs twice as much,
# and a large cache builds one per token.
_SET_FIELDS = tuple(
    getattr(GoTime, name).__set__
    for name in ("year", "month", "day", "hour", "minute", "second", "nanosecond", "offset")
)


def _gotime(
    year: int, month: int, day: int, hour: int, minute: int, second: int, nsec: int,
    offset: int | None,
) -> GoTime:
    t = _new(GoTime)
    s_year, s_month, s_day, s_hour, s_minute, s_second, s_nsec, s_offset = _SET_FIELDS
    s_year(t, year)
    s_month(t, month)
    s_day(t, day)
    s_hour(t, hour)
    s_minute(t, minute)
    s_second(t, second)
    s_nsec(t, nsec)
    s_offset(t, offset)
    return t


def parse_rfc3339(*, value: bytes) -> GoTime:
    """``time.Parse(time.RFC3339, value)`` with Go's exact error texts."""
    m = _CANONICAL.match(value)
    if m is not None:
        y, mo, d, h, mi, sec, frac, sign, zh, zm = m.groups()
        year, month, day = int(y), int(mo), int(d)
        if day <= 28 or day <= days_in(month=month, year=year):
            offset = None
            if sign is not None:
                offset = (int(zh) * 60 + int(zm)) * 60
                if sign == b"-":
                    offset = -offset
                offset = offset or None
            nsec = 0
            if frac is not None:
                frac = frac[:9]
                nsec = int(frac) * _NSEC_SCALE[len(frac)]
            return _gotime(year, month, day, int(h), int(mi), int(sec), nsec, offset)
    return _parse_rfc3339_slow(value)


def _parse_rfc3339_slow(value: bytes) -> GoTime:
    orig = value
    nsec = 0
    offset: int | None = None
    # (literal prefix, layout element) in layout order.
    chunks: tuple[tuple[bytes, bytes], ...] = (
        (b"", b"2006"),
        (b"-", b"01"),
        (b"-", b"02"),
        (b"T", b"15"),
        (b":", b"04"),
        (b":", b"05"),
        (b"", b"Z07:00"),
    )
    fields: dict[bytes, int] = {}
    for prefix, std in chunks:
        try:
            value = _skip(value, prefix)
        except _Bad:
            raise _parse_error(orig, prefix, value) from None
        hold = value
        range_err = ""
        try:
            if std == b"2006":
                if len(value) < 4 or not _is_digit(value, 0):
                    raise _Bad
                fields[std] = _atoi(value[:4])
                value = value[4:]
            elif std == b"01":
                month, value = _getnum(value, True)
                fields[std] = month
                if month <= 0 or month > 12:
                    range_err = "month"
            elif std == b"02":
                fields[std], value = _getnum(value, True)
            elif std == b"15":
                try:
                    fields[std], value = _getnum(value, False)
                finally:
                    if fields.get(std, 0) >= 24:
                        range_err = "hour"
            elif std == b"04":
                try:
                    fields[std], value = _getnum(value, True)
                finally:
                    if fields.get(std, 0) >= 60:
                        range_err = "minute"
            elif std == b"05":
                sec, value = _getnum(value, True)
                fields[std] = sec
                if sec >= 60:
                    range_err = "second"
                elif len(value) >= 2 and value[0] in b".," and _is_digit(value, 1):
                    n = 2
                    while n < len(value) and _is_digit(value, n):
                        n += 1
                    digits = value[1 : min(n, 10)]
                    nsec = int(digits) * 10 ** (9 - len(digits))
                    value = value[n:]
            else:
                if value[:1] == b"Z":
                    value = value[1:]
                    offset = None
                else:
                    value, offset, range_err = _parse_zone(value)
        except _Bad:
            if range_err:
                raise _parse_error(orig, std, value, f": {range_err} out of range") from None
            raise _parse_error(orig, std, hold) from None
        if range_err:
            raise _parse_error(orig, std, value, f": {range_err} out of range")
    if value:
        raise _parse_error(orig, b"", value, f": extra text: {go_quote(value=value)}")
    year, month, day = fields[b"2006"], fields[b"01"], fields[b"02"]
    if day < 1 or day > days_in(month=month, year=year):
        raise _parse_error(orig, b"", value, ": day out of range")
    return GoTime(
        year=year,
        month=month,
        day=day,
        hour=fields[b"15"],
        minute=fields[b"04"],
        second=fields[b"05"],
        nanosecond=nsec,
        offset=offset or None,
    )


def _parse_zone(value: bytes) -> tuple[bytes, int, str]:
    """The numeric ``Z07:00`` branch of Go's parser: (rest, offset, range error)."""
    if len(value) < 6 or value[3:4] != b":":
        raise _Bad
    sign, hour, minute, rest = value[0:1], value[1:3], value[4:6], value[6:]
    bad = False
    hr = mm = 0
    try:
        hr, _ = _getnum(hour, True)
        mm, _ = _getnum(minute, True)
    except _Bad:
        bad = True
    range_err = ""
    if hr > 24:
        range_err = "time zone offset hour"
    if mm > 60:
        range_err = "time zone offset minute"
    zone = (hr * 60 + mm) * 60
    if sign == b"-":
        zone = -zone
    elif sign != b"+":
        bad = True
    if range_err:
        return rest, zone, range_err
    if bad:
        raise _Bad
    return rest, zone, ""


def unmarshal_json_time(*, raw: bytes) -> GoTime | None:
    """``(*time.Time).UnmarshalJSON(raw)``: None means "leave the field unchanged" (null)."""
    if raw == b"null":
        return None
    if len(raw) < 2 or raw[0] != 0x22 or raw[-1] != 0x22:
        raise TimeParseError("Time.UnmarshalJSON: input is not a JSON string")
    return parse_rfc3339(value=raw[1:-1])
