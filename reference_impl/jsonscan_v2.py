"""Go 1.27's syntax check for ``json.Unmarshal``, with the messages it returns.

Go 1.27 runs the v1 ``encoding/json`` API on the v2 engine. Under v1
semantics the whole value is still validated before anything is decoded, but
by ``jsontext``'s consumer, whose errors are then translated into v1-looking
``SyntaxError`` texts. The translation leaves these observable differences
from Go 1.26 (``jsonscan.py``):

- the offending character is the whole rune at that position, quoted with
  ``strconv.QuoteRune`` (``'é'``, ``'\\ufeff'``), an invalid byte as ``'\\xff'``;
  Go 1.26 quotes the first byte read as a Latin-1 rune (``'Ã'``);
- a bad escape is ``invalid escape sequence `\\x` in string`` (the whole
  escape), where Go 1.26 names one character ``in string escape code`` or
  ``in \\u hexadecimal character escape``;
- a raw control character is ``... in string`` (not ``in string literal``);
- every number error is ``in numeric literal`` (no ``after decimal point`` or
  ``in exponent`` variants);
- input that ends inside a number, literal, string or escape is ``unexpected
  end of JSON input`` (Go 1.26 feeds a space at the end and names it);
- too deep nesting is ``exceeded max depth`` with no character.

This module only runs after Python's parser has rejected the input.
"""

from __future__ import annotations

from typing import Final

__all__ = ["go_check_valid_v2", "go_quote_rune", "go_quote_string"]

_MAX_DEPTH: Final = 10000
_SPACE: Final = frozenset(b" \t\r\n")
_HEX: Final = frozenset(b"0123456789abcdefABCDEF")
_DIGITS: Final = frozenset(b"0123456789")
_SIMPLE_ESCAPES: Final = frozenset(b'/"\\bfnrt')
_EOF: Final = "unexpected end of JSON input"
_SHORT: Final = {7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v"}

# jsontext's "where" phrases as the v1 translation words them (the part from
# " (expecting" on is cut, except in literal errors).
_AT_START = "looking for beginning of value"
_NAME_START = "looking for beginning of object key string"
_AFTER_NAME = "after object key"
_AFTER_MEMBER = "after object key:value pair"
_AFTER_ELEMENT = "after array element"
_AFTER_TOP = "after top-level value"
_IN_STRING = "in string"
_IN_NUMBER = "in numeric literal"


class _SyntaxError(Exception):
    pass


def _decode_rune(data: bytes, i: int) -> tuple[int, int]:
    """Go's ``utf8.DecodeRune(data[i:])``: (rune, size); (-1, 1) for an invalid byte."""
    b0 = data[i]
    if b0 < 0x80:
        return b0, 1
    if 0xC2 <= b0 <= 0xDF:
        size, lo, hi = 2, 0x80, 0xBF
    elif 0xE0 <= b0 <= 0xEF:
        size = 3
        lo, hi = (0xA0, 0xBF) if b0 == 0xE0 else (0x80, 0x9F) if b0 == 0xED else (0x80, 0xBF)
    elif 0xF0 <= b0 <= 0xF4:
        size = 4
        lo, hi = (0x90, 0xBF) if b0 == 0xF0 else (0x80, 0x8F) if b0 == 0xF4 else (0x80, 0xBF)
    else:
        return -1, 1
    if i + size > len(data) or not lo <= data[i + 1] <= hi:
        return -1, 1
    if any(not 0x80 <= data[i + k] <= 0xBF for k in range(2, size)):
        return -1, 1
    return ord(data[i : i + size].decode("utf-8")), size


def _printable(r: int) -> bool:
    # Go's strconv.IsPrint (letters, marks, numbers, punctuation, symbols, and
    # ASCII space) is the same set as Python's isprintable.
    return chr(r).isprintable()


def _escape_rune(r: int, quote: int) -> str:
    if r == quote or r == 0x5C:
        return "\\" + chr(r)
    if _printable(r):
        return chr(r)
    if r in _SHORT:
        return _SHORT[r]
    if r < 0x20 or r == 0x7F:
        return f"\\x{r:02x}"
    if r < 0x10000:
        return f"\\u{r:04x}"
    return f"\\U{r:08x}"


def go_quote_rune(*, data: bytes, at: int = 0) -> str:
    """``jsonwire.QuoteRune(data[at:])``: the rune there, quoted as Go's QuoteRune does."""
    r, _ = _decode_rune(data, at)
    if r < 0:
        return f"'\\x{data[at]:x}'"
    return "'" + _escape_rune(r, 0x27) + "'"


def go_quote_string(*, data: bytes) -> str:
    """``strconv.Quote(string(data))``: invalid bytes as ``\\xHH``."""
    out = ['"']
    i = 0
    while i < len(data):
        r, size = _decode_rune(data, i)
        out.append(f"\\x{data[i]:02x}" if r < 0 else _escape_rune(r, 0x22))
        i += size
    out.append('"')
    return "".join(out)


def _runes(data: bytes) -> list[int]:
    out: list[int] = []
    i = 0
    while i < len(data):
        r, size = _decode_rune(data, i)
        out.append(r)
        i += size
    return out


def _escape_text(what: bytes) -> str:
    """``InvalidTextError`` for an escape sequence: backquoted unless it needs escaping."""
    runes = _runes(what)
    if any(r < 0 or r == 0x60 or chr(r).isspace() or not _printable(r) for r in runes):
        shown = go_quote_string(data=what)
    else:
        shown = "`" + what.decode("utf-8") + "`"
    return f"invalid escape sequence {shown} in string"


class _Checker:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.end = len(data)

    def char_error(self, pos: int, where: str) -> _SyntaxError:
        return _SyntaxError(f"invalid character {go_quote_rune(data=self.data, at=pos)} {where}")

    def ws(self, pos: int) -> int:
        data, end = self.data, self.end
        while pos < end and data[pos] in _SPACE:
            pos += 1
        return pos

    def need(self, pos: int) -> int:
        """Whitespace skipped; EOF if nothing follows."""
        pos = self.ws(pos)
        if pos >= self.end:
            raise _SyntaxError(_EOF)
        return pos

    def literal(self, pos: int, lit: bytes) -> int:
        for i, want in enumerate(lit):
            if pos + i >= self.end:
                raise _SyntaxError(_EOF)
            if self.data[pos + i] != want:
                expecting = go_quote_rune(data=lit, at=i)
                raise self.char_error(
                    pos + i, f"in literal {lit.decode()} (expecting {expecting})"
                )
        return pos + len(lit)

    def string(self, pos: int) -> int:
        data, end = self.data, self.end
        n = pos + 1
        while True:
            while n < end and 0x20 <= data[n] < 0x80 and data[n] not in (0x22, 0x5C):
                n += 1
            if n >= end:
                raise _SyntaxError(_EOF)
            c = data[n]
            if c == 0x22:
                return n + 1
            if c == 0x5C:
                n = self.escape(n)
                continue
            if c < 0x20:
                raise self.char_error(n, _IN_STRING)
            _, size = _decode_rune(data, n)
            n += size  # invalid UTF-8 is allowed (replaced when decoded)

    def escape(self, n: int) -> int:
        data, end = self.data, self.end
        if n + 2 > end:
            raise _SyntaxError(_EOF)
        c = data[n + 1]
        if c in _SIMPLE_ESCAPES:
            return n + 2
        if c != 0x75:  # not \u
            raise _SyntaxError(_escape_text(data[n : n + 2]))
        if n + 6 > end:
            rest = data[n:]
            if all(ch in _HEX for ch in rest[2:]):
                raise _SyntaxError(_EOF)  # a prefix of a \uXXXX cut off by the end
            raise _SyntaxError(_escape_text(rest))
        if not all(ch in _HEX for ch in data[n + 2 : n + 6]):
            raise _SyntaxError(_escape_text(data[n : n + 6]))
        return n + 6

    def number(self, pos: int) -> int:
        data, end = self.data, self.end
        n = pos
        if data[n] == 0x2D:
            n += 1
        if n >= end:
            raise _SyntaxError(_EOF)
        if data[n] == 0x30:
            n += 1
        elif 0x31 <= data[n] <= 0x39:
            n += 1
            while n < end and data[n] in _DIGITS:
                n += 1
        else:
            raise self.char_error(n, _IN_NUMBER)
        if n < end and data[n] == 0x2E:
            n = self.digits(n + 1)
        if n < end and data[n] in (0x65, 0x45):
            n += 1
            if n < end and data[n] in (0x2B, 0x2D):
                n += 1
            n = self.digits(n)
        return n

    def digits(self, n: int) -> int:
        """At least one digit at n, then as many as follow."""
        data, end = self.data, self.end
        if n >= end:
            raise _SyntaxError(_EOF)
        if data[n] not in _DIGITS:
            raise self.char_error(n, _IN_NUMBER)
        n += 1
        while n < end and data[n] in _DIGITS:
            n += 1
        return n

    def scalar(self, pos: int) -> int:
        c = self.data[pos]
        if c == 0x22:
            return self.string(pos)
        if c == 0x2D or 0x30 <= c <= 0x39:
            return self.number(pos)
        if c == 0x6E:
            return self.literal(pos, b"null")
        if c == 0x74:
            return self.literal(pos, b"true")
        if c == 0x66:
            return self.literal(pos, b"false")
        raise self.char_error(pos, _AT_START)

    def value(self, pos: int) -> int:
        """One complete value at pos (after whitespace); iterative, so depth costs no stack."""
        data = self.data
        # Each open container: True for an object, False for an array.
        stack: list[bool] = []
        while True:
            c = data[pos]
            if c in (0x7B, 0x5B):
                if len(stack) + 1 == _MAX_DEPTH + 1:
                    raise _SyntaxError("exceeded max depth")
                is_object = c == 0x7B
                stack.append(is_object)
                pos = self.need(pos + 1)
                if data[pos] == (0x7D if is_object else 0x5D):
                    stack.pop()
                    pos += 1
                else:
                    if is_object:
                        pos = self.member_name(pos)
                    continue
            else:
                pos = self.scalar(pos)
            # After a complete value: close containers or move to the next element.
            while stack:
                pos = self.need(pos)
                c = data[pos]
                if c == 0x2C:
                    pos = self.need(pos + 1)
                    if stack[-1]:
                        pos = self.member_name(pos)
                    break
                if c == (0x7D if stack[-1] else 0x5D):
                    stack.pop()
                    pos += 1
                    continue
                raise self.char_error(pos, _AFTER_MEMBER if stack[-1] else _AFTER_ELEMENT)
            else:
                return pos

    def member_name(self, pos: int) -> int:
        """A name, its colon and the whitespace before the value; returns the value's start."""
        if self.data[pos] != 0x22:
            raise self.char_error(pos, _NAME_START)
        pos = self.need(self.string(pos))
        if self.data[pos] != 0x3A:
            raise self.char_error(pos, _AFTER_NAME)
        return self.need(pos + 1)

    def check(self) -> None:
        pos = self.need(0)
        if self.data[pos] in (0x2C, 0x3A):
            # A leading delimiter is refused before the value is looked at.
            raise self.char_error(pos, _AT_START)
        pos = self.ws(self.value(pos))
        if pos < self.end:
            raise self.char_error(pos, _AFTER_TOP)


def go_check_valid_v2(*, data: bytes) -> str | None:
    """Go 1.27's syntax verdict for ``data``: None if valid, else the ``SyntaxError`` text."""
    try:
        _Checker(data).check()
    except _SyntaxError as e:
        return str(e)
    return None
