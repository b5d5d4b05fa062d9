"""A port of Go 1.26 ``encoding/json``'s syntax checker (``checkValid``).

Go validates the whole input before decoding anything, so a syntax error
always wins over a type error.  This byte-at-a-time port only runs after
Python's C parser has rejected the input, to produce Go's exact message; it is
never on the hot path.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["go_check_valid", "go_quote_char"]

_MAX_DEPTH = 10000
_SPACE = frozenset(b" \t\r\n")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_DIGITS = frozenset(b"0123456789")
_SHORT = {7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v", 92: "\\\\"}

_OBJ_KEY, _OBJ_VALUE, _ARR_VALUE = 0, 1, 2


def go_quote_char(*, c: int) -> str:
    """Go's ``quoteChar``: the byte ``c`` read as a rune, quoted like ``strconv.Quote``."""
    if c == 0x27:
        return "'\\''"
    if c == 0x22:
        return "'\"'"
    if c in _SHORT:
        return f"'{_SHORT[c]}'"
    if c < 0x20 or c == 0x7F:
        return f"'\\x{c:02x}'"
    ch = chr(c)
    if c < 0x80 or ch.isprintable():
        return f"'{ch}'"
    return f"'\\u{c:04x}'"


class _SyntaxError(Exception):
    pass


class _Scanner:
    """Go's ``scanner`` state machine; ``step`` raises on the first error."""

    def __init__(self) -> None:
        self.step: Callable[[int], None] = self.begin_value
        self.stack: list[int] = []
        self.end_top = False

    def error(self, c: int, context: str) -> None:
        raise _SyntaxError(f"invalid character {go_quote_char(c=c)} {context}")

    def push(self, c: int, state: int) -> None:
        self.stack.append(state)
        if len(self.stack) > _MAX_DEPTH:
            self.error(c, "exceeded max depth")

    def pop(self) -> None:
        self.stack.pop()
        if not self.stack:
            self.step = self.end_top_state
            self.end_top = True
        else:
            self.step = self.end_value

    def begin_value_or_empty(self, c: int) -> None:
        if c in _SPACE:
            return
        if c == 0x5D:  # ]
            self.end_value(c)
            return
        self.begin_value(c)

    def begin_value(self, c: int) -> None:
        if c in _SPACE:
            return
        if c == 0x7B:  # {
            self.step = self.begin_string_or_empty
            self.push(c, _OBJ_KEY)
        elif c == 0x5B:  # [
            self.step = self.begin_value_or_empty
            self.push(c, _ARR_VALUE)
        elif c == 0x22:
            self.step = self.in_string
        elif c == 0x2D:  # -
            self.step = self.neg
        elif c == 0x30:
            self.step = self.zero
        elif c == 0x74:
            self.step = self._literal(b"rue", "true")
        elif c == 0x66:
            self.step = self._literal(b"alse", "false")
        elif c == 0x6E:
            self.step = self._literal(b"ull", "null")
        elif 0x31 <= c <= 0x39:
            self.step = self.one
        else:
            self.error(c, "looking for beginning of value")

    def begin_string_or_empty(self, c: int) -> None:
        if c in _SPACE:
            return
        if c == 0x7D:  # }
            self.stack[-1] = _OBJ_VALUE
            self.end_value(c)
            return
        self.begin_string(c)

    def begin_string(self, c: int) -> None:
        if c in _SPACE:
            return
        if c == 0x22:
            self.step = self.in_string
            return
        self.error(c, "looking for beginning of object key string")

    def end_value(self, c: int) -> None:
        if not self.stack:
            self.step = self.end_top_state
            self.end_top = True
            self.end_top_state(c)
            return
        if c in _SPACE:
            self.step = self.end_value
            return
        ps = self.stack[-1]
        if ps == _OBJ_KEY:
            if c == 0x3A:
                self.stack[-1] = _OBJ_VALUE
                self.step = self.begin_value
                return
            self.error(c, "after object key")
        elif ps == _OBJ_VALUE:
            if c == 0x2C:
                self.stack[-1] = _OBJ_KEY
                self.step = self.begin_string
                return
            if c == 0x7D:
                self.pop()
                return
            self.error(c, "after object key:value pair")
        else:
            if c == 0x2C:
                self.step = self.begin_value
                return
            if c == 0x5D:
                self.pop()
                return
            self.error(c, "after array element")

    def end_top_state(self, c: int) -> None:
        if c not in _SPACE:
            self.error(c, "after top-level value")

    def in_string(self, c: int) -> None:
        if c == 0x22:
            self.step = self.end_value
        elif c == 0x5C:
            self.step = self.in_string_esc
        elif c < 0x20:
            self.error(c, "in string literal")

    def in_string_esc(self, c: int) -> None:
        if c in b'bfnrt\\/"':
            self.step = self.in_string
        elif c == 0x75:
            self.step = self._hex(4)
        else:
            self.error(c, "in string escape code")

    def _hex(self, left: int) -> Callable[[int], None]:
        def state(c: int) -> None:
            if c not in _HEX:
                self.error(c, "in \\u hexadecimal character escape")
            self.step = self.in_string if left == 1 else self._hex(left - 1)

        return state

    def neg(self, c: int) -> None:
        if c == 0x30:
            self.step = self.zero
        elif 0x31 <= c <= 0x39:
            self.step = self.one
        else:
            self.error(c, "in numeric literal")

    def one(self, c: int) -> None:
        if c in _DIGITS:
            return
        self.zero(c)

    def zero(self, c: int) -> None:
        if c == 0x2E:
            self.step = self.dot
        elif c in (0x65, 0x45):
            self.step = self.exp
        else:
            self.end_value(c)

    def dot(self, c: int) -> None:
        if c in _DIGITS:
            self.step = self.dot0
        else:
            self.error(c, "after decimal point in numeric literal")

    def dot0(self, c: int) -> None:
        if c in _DIGITS:
            return
        if c in (0x65, 0x45):
            self.step = self.exp
        else:
            self.end_value(c)

    def exp(self, c: int) -> None:
        if c in (0x2B, 0x2D):
            self.step = self.exp_sign
            return
        self.exp_sign(c)

    def exp_sign(self, c: int) -> None:
        if c in _DIGITS:
            self.step = self.exp0
        else:
            self.error(c, "in exponent of numeric literal")

    def exp0(self, c: int) -> None:
        if c in _DIGITS:
            return
        self.end_value(c)

    def _literal(self, rest: bytes, word: str) -> Callable[[int], None]:
        def state(c: int) -> None:
            want = rest[0]
            if c != want:
                self.error(c, f"in literal {word} (expecting {go_quote_char(c=want)})")
            self.step = self.end_value if len(rest) == 1 else self._literal(rest[1:], word)

        return state


def go_check_valid(*, data: bytes) -> str | None:
    """Go's syntax verdict for ``data``: None if valid, else ``SyntaxError.Error()``."""
    s = _Scanner()
    try:
        for c in data:
            s.step(c)
        if not s.end_top:
            s.step(0x20)
            if not s.end_top:
                return "unexpected end of JSON input"
    except _SyntaxError as e:
        return str(e)
    return None
