"""What ``json.Unmarshal(raw, &f)`` (f a ``*tokenCacheFile``) does, in Go 1.26 and 1.27.

Order of events, as in Go 1.26:

1. The whole input is syntax-checked; the first syntax error is the result.
2. Values are decoded in document order into the existing value: a type
   error is remembered (the first one wins) and decoding goes on; an error
   from ``time.Time.UnmarshalJSON`` aborts at once and beats a remembered one.
3. Top-level ``null`` sets ``f`` to nil, which ``file.go`` then dereferences.

Go 1.27 (the v1 API on the v2 engine) differs in what it reports, not in the
values it builds, except for ``expiry``:

- syntax errors are worded as ``jsonscan_v2.py`` describes;
- a type error names the path as written in the file, map keys included,
  from an unnamed root (``.tokens.<key>.access_token``; ``~`` and ``/`` in a
  name become ``~0`` and ``~1``); when the last segment is all digits, the
  words "Go struct field" are left out;
- ``expiry`` is decoded by v2's own time.Time handling: the string is
  unescaped before it is parsed (so ``\u005a`` is a ``Z``), a non-string is a
  type error of type time.Time, and a parse error no longer aborts: every
  error is remembered and the first one in document order wins.

Parsing: when the input has no backslash, Python's C parser builds the tree
(Python accepts a strict subset of what Go accepts once NaN/Infinity are
refused, so its success means Go's syntax check passes and strings need no
unescaping).  Otherwise a regex tokenizer keeps each string's raw bytes,
because ``Time.UnmarshalJSON`` parses the *escaped* text.
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NoReturn, cast

from .errors import DecodeError, NullFileError
from .gotime import (
    ZERO_TIME,
    GoTime,
    TimeParseError,
    days_in,
    parse_rfc3339,
    unmarshal_json_time,
)
from .jsonscan import go_check_valid
from .jsonscan_v2 import go_check_valid_v2
from .token import INT64_MAX, INT64_MIN, Token
from .toolchain import DEFAULT_TOOLCHAIN, Toolchain, json_v2

__all__ = ["DecodedFile", "decode_file", "go_string"]

_SURROGATE = re.compile("[\ud800-\udfff]")
_INT_RE = re.compile(r"-?[0-9]+\Z")
# At most 18 digits: always within int64, so no range check is needed.
_SMALL_INT = re.compile(r"-?[0-9]{1,18}\Z")


class _Obj(list[tuple[str, object]]):
    """A JSON object as its member list, duplicates and order kept."""


class _Num(str):
    """A JSON number, kept as its literal text."""


class _Str(str):
    """A decoded JSON string that remembers its raw (still escaped) bytes."""

    raw: bytes


_new = object.__new__
_SET_TOKEN_FIELDS = tuple(
    getattr(Token, name).__set__
    for name in ("access_token", "token_type", "refresh_token", "expiry", "expires_in")
)


def _token(
    access_token: str, token_type: str, refresh_token: str, expiry: GoTime, expires_in: int
) -> Token:
    """A Token built field by field (its frozen __init__ costs twice as much).

    Only for a decoded expires_in, which is always within int64.
    """
    t = _new(Token)
    s_access, s_type, s_refresh, s_expiry, s_expires_in = _SET_TOKEN_FIELDS
    s_access(t, access_token)
    s_type(t, token_type)
    s_refresh(t, refresh_token)
    s_expiry(t, expiry)
    s_expires_in(t, expires_in)
    return t


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(name)


def go_string(*, text: str) -> str:
    """Go's string after decoding: invalid UTF-8 and lone surrogates become U+FFFD."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub("\ufffd", text)


def _raw_bytes(s: str) -> bytes:
    if isinstance(s, _Str):
        return s.raw
    # Fast path trees hold unescaped text equal to the raw text.
    return s.encode("utf-8", "surrogateescape")


_TOKEN = re.compile(
    r'[ \t\r\n]*(?:("(?:[^"\\]|\\.)*")|([-0-9][-+.eE0-9]*)|(true|false|null)|([{}\[\],:]))'
)


def _tree_from_tokens(text: str) -> object:
    """Build the value tree of an input Go has already validated."""
    stack: list[tuple[_Obj | list[object], list[str | None]]] = []
    root: list[object] = []

    def add(v: object) -> None:
        if not stack:
            root.append(v)
            return
        container, pending = stack[-1]
        if isinstance(container, _Obj):
            if pending[0] is None:
                assert isinstance(v, str)
                pending[0] = v
            else:
                container.append((pending[0], v))
                pending[0] = None
        else:
            container.append(v)

    for m in _TOKEN.finditer(text):
        s, num, lit, punct = m.groups()
        if s is not None:
            body = s[1:-1]
            v = _Str(json.loads(s) if "\\" in body else body)
            v.raw = body.encode("utf-8", "surrogateescape")
            add(v)
        elif num is not None:
            add(_Num(num))
        elif lit is not None:
            add({"true": True, "false": False, "null": None}[lit])
        elif punct in "{[":
            stack.append((_Obj() if punct == "{" else [], [None]))
        elif punct in "}]":
            add(stack.pop()[0])
    return root[0]


def _parse(raw: bytes, *, v2: bool) -> object:
    text = raw.decode("utf-8", "surrogateescape")
    python_ok = True
    tree: object = None
    try:
        tree = json.loads(
            text,
            object_pairs_hook=_Obj,
            parse_int=_Num,
            parse_float=_Num,
            parse_constant=_reject_constant,
        )
    except (ValueError, RecursionError):
        python_ok = False
    if not python_ok:
        err = go_check_valid_v2(data=raw) if v2 else go_check_valid(data=raw)
        if err is not None:
            raise DecodeError(err)
    if python_ok and b"\\" not in raw:
        return tree
    return _tree_from_tokens(text)


@dataclass(frozen=True, slots=True)
class DecodedFile:
    """``*tokenCacheFile`` after a successful ``json.Unmarshal``."""

    version: int
    tokens: dict[str, Token | None] | None


def _kind(v: object) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, _Num):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, _Obj):
        return "object"
    return "array"


def _fold(key: str) -> str | None:
    # Go's foldName on a field name: ASCII upper-cased, other runes to the
    # smallest of their fold set.  Only the long s (U+017F -> S) and the Kelvin
    # sign (U+212A -> K) fold into ASCII, and all field names are ASCII.
    k = key.replace("\u017f", "s").replace("\u212a", "k")
    return k.lower() if k.isascii() else None


_FILE_FIELDS = {"version": "version", "tokens": "tokens"}
_TOKEN_FIELDS = {
    n: n for n in ("access_token", "token_type", "refresh_token", "expiry", "expires_in")
}


def _field(key: str, fields: dict[str, str]) -> str | None:
    if key in fields:
        return fields[key]
    folded = _fold(go_string(text=key))
    return None if folded is None else fields.get(folded)


_EXPIRY_TEXT = re.compile(
    # gotime's canonical shape, as text: such an expiry cannot fail to parse, except
    # on days 29-31, which _can_defer checks against the calendar.
    r"([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(?:[.,][0-9]+)?(?:Z|[-+](?:[01][0-9]|2[0-3]):[0-5][0-9])\Z"
)


def _can_defer(members: _Obj) -> bool:
    """True when decoding this token object cannot record or raise any error.

    Such a token may be built later, when read: every member is an exact field
    name with a value Go takes without complaint (plain ASCII strings, an
    in-range expiry, an int64 that fits, or null).
    """
    for key, v in members:
        if key not in _TOKEN_FIELDS or v is None:
            if v is None and key in _TOKEN_FIELDS:
                continue
            return False
        if key == "expires_in":
            if type(v) is not _Num or _SMALL_INT.match(v) is None:
                return False
        elif type(v) is not str or not v.isascii():
            return False
        elif key == "expiry":
            m = _EXPIRY_TEXT.match(v)
            if m is None:
                return False
            day = m.group(3)
            if day > "28" and int(day) > days_in(month=int(m.group(2)), year=int(m.group(1))):
                return False
    return True


def _build(members: _Obj) -> Token:
    """The Token of a member list `_can_defer` accepted (what _Decoder.token gives it)."""
    strings = {"access_token": "", "token_type": "", "refresh_token": ""}
    expiry = ZERO_TIME
    expires_in = 0
    for key, v in members:
        if v is None:  # null leaves a field as it is
            continue
        if key == "expiry":
            try:
                expiry = parse_rfc3339(value=str(v).encode())
            except TimeParseError as e:  # cannot happen for an accepted list; never hide it
                raise DecodeError(str(e)) from None
        elif key == "expires_in":
            expires_in = int(str(v))
        else:
            strings[key] = str(v)
    return _token(
        strings["access_token"], strings["token_type"], strings["refresh_token"], expiry,
        expires_in,
    )


class _LazyTokens(dict[str, Token | None]):
    """The decoded token map; a deferrable entry becomes a Token when first read.

    A lookup in a large cache reads one entry, and building the others was most
    of its time. Whatever exposes the values builds them all first, so no
    caller, not even dict(), copy or ==, ever sees a pending member list.
    """

    __slots__ = ()

    def __getitem__(self, key: str) -> Token | None:
        value: object = dict.__getitem__(self, key)
        if isinstance(value, _Obj):
            built = _build(value)
            dict.__setitem__(self, key, built)
            return built
        return cast("Token | None", value)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def _build_all(self) -> None:
        for key, value in dict.items(self):
            if isinstance(value, _Obj):
                dict.__setitem__(self, key, _build(value))

    # A Python-level __iter__ makes dict(), {**m} and update() go through
    # keys() and __getitem__ instead of copying the raw values.
    def __iter__(self) -> Iterator[str]:
        return dict.__iter__(self)

    def values(self) -> Any:
        self._build_all()
        return dict.values(self)

    def items(self) -> Any:
        self._build_all()
        return dict.items(self)

    def pop(self, key: str, *default: Any) -> Any:
        self._build_all()
        return dict.pop(self, key, *default)

    def popitem(self) -> tuple[str, Token | None]:
        self._build_all()
        return dict.popitem(self)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self._build_all()
        return dict.setdefault(self, key, default)

    def copy(self) -> dict[str, Token | None]:
        self._build_all()
        return dict(dict.items(self))

    def __eq__(self, other: object) -> bool:
        self._build_all()
        if isinstance(other, _LazyTokens):
            other._build_all()
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __repr__(self) -> str:
        self._build_all()
        return dict.__repr__(self)

    def __reduce__(self) -> Any:
        self._build_all()
        return (dict, (dict(dict.items(self)),))


def _pointer_name(name: str) -> str:
    # RFC 6901 escaping, as v2's JSON pointer writes each name.
    return name.replace("~", "~0").replace("/", "~1")


class _Decoder:
    def __init__(self, *, v2: bool = False) -> None:
        self.saved: str | None = None
        self.v2 = v2

    def save(self, message: str) -> None:
        if self.saved is None:
            self.saved = message

    def type_error(
        self, value: str, go_type: str, struct: str, field: str, path: tuple[str, ...]
    ) -> None:
        """Remember an ``UnmarshalTypeError``; `path` is the names as written in the file."""
        if not self.v2:
            self.save(
                f"json: cannot unmarshal {value} into Go struct field "
                f"{struct}.{field} of type {go_type}"
            )
            return
        # Go 1.27: Struct is the root type's name (the root is a pointer, so
        # empty) and Field the JSON pointer with "/" turned into ".".
        dotted = ".".join(_pointer_name(name) for name in path)
        last = dotted.rpartition(".")[2]
        into = "" if last and last.isascii() and last.isdigit() else "Go struct field "
        self.save(f"json: cannot unmarshal {value} into {into}.{dotted} of type {go_type}")

    def int_field(
        self, v: object, current: int, go_type: str, struct: str, field: str,
        path: tuple[str, ...],
    ) -> int:
        kind = _kind(v)
        if kind == "null":
            return current
        if kind == "number":
            lit = str(v)
            if _INT_RE.match(lit) and INT64_MIN <= int(lit) <= INT64_MAX:
                return int(lit)
            self.type_error(f"number {lit}", go_type, struct, field, path)
            return current
        self.type_error(kind, go_type, struct, field, path)
        return current

    def file(self, top: object) -> DecodedFile:
        if top is None:
            raise NullFileError(
                "cache file is JSON null: Go's load() dereferences "
                "the nil *tokenCacheFile and panics"
            )
        if not isinstance(top, _Obj):
            self.save(
                f"json: cannot unmarshal {_kind(top)} into Go value of type cache.tokenCacheFile"
            )
            return DecodedFile(version=0, tokens=None)
        version = 0
        tokens: dict[str, Token | None] | None = None
        for key, v in top:
            name = _field(key, _FILE_FIELDS)
            if name == "version":
                version = self.int_field(
                    v, version, "int", "tokenCacheFile", "version", (go_string(text=key),)
                )
            elif name == "tokens":
                tokens = self.tokens(v, tokens, go_string(text=key))
        return DecodedFile(version=version, tokens=tokens)

    def tokens(
        self, v: object, current: dict[str, Token | None] | None, written: str
    ) -> dict[str, Token | None] | None:
        if v is None:
            return None
        if not isinstance(v, _Obj):
            self.type_error(
                _kind(v), "map[string]*oauth2.Token", "tokenCacheFile", "tokens", (written,)
            )
            return current
        # A repeated "tokens" object merges into the existing map.
        m = _LazyTokens() if current is None else current
        pending = cast("dict[str, object]", m)  # a deferred entry goes in as is
        for key, tv in v:
            k = str(go_string(text=key))
            if tv is None:
                m[k] = None
            elif isinstance(tv, _Obj):
                if _can_defer(tv):
                    pending[k] = tv
                else:
                    m[k] = self.token(tv, (written, k))
            else:
                self.type_error(_kind(tv), "oauth2.Token", "tokenCacheFile", "tokens", (written, k))
                m[k] = Token()
        return m

    def token(self, members: _Obj, at: tuple[str, str]) -> Token:
        # Plain locals instead of a field dict: this runs once per cached token.
        strings = {"access_token": "", "token_type": "", "refresh_token": ""}
        expiry: object = ZERO_TIME
        expires_in = 0
        for key, v in members:
            name = _TOKEN_FIELDS.get(key)
            if name is None:
                name = _field(key, _TOKEN_FIELDS)
                if name is None:
                    continue
            if isinstance(v, str):
                if type(v) is str and v.isascii():
                    # Plain ASCII text, as Go writes: no surrogate to fix, raw bytes = text.
                    if name == "expiry":
                        expiry = self.expiry_text(v.encode(), expiry)
                    elif name == "expires_in":
                        self.type_error(
                            "string", "int64", "Token", "tokens.expires_in",
                            (*at, go_string(text=key)),
                        )
                    else:
                        strings[name] = v
                    continue
                if name == "expires_in" and type(v) is _Num and _SMALL_INT.match(v):
                    expires_in = int(v)
                    continue
            if name == "expiry":
                expiry = self.expiry(v, expiry, (*at, go_string(text=key)))
            elif name == "expires_in":
                expires_in = self.int_field(
                    v, expires_in, "int64", "Token", "tokens.expires_in",
                    (*at, go_string(text=key)),
                )
            elif isinstance(v, str) and not isinstance(v, _Num):
                strings[name] = str(go_string(text=v))
            elif v is not None:
                self.type_error(
                    _kind(v), "string", "Token", f"tokens.{name}", (*at, go_string(text=key))
                )
        return _token(
            strings["access_token"],
            strings["token_type"],
            strings["refresh_token"],
            expiry if isinstance(expiry, GoTime) else ZERO_TIME,
            expires_in,
        )

    def expiry_text(self, text: bytes, current: object) -> object:
        """Parse an expiry string's text: Go 1.26 aborts on an error, Go 1.27 remembers it."""
        try:
            return parse_rfc3339(value=text)
        except TimeParseError as e:
            if not self.v2:
                raise DecodeError(str(e)) from None
            self.save(str(e))
            return current

    def expiry(self, v: object, current: object, path: tuple[str, ...]) -> object:
        if v is None:
            return current
        if self.v2:
            # v2 decodes time.Time itself: the unescaped string, or a type error.
            if isinstance(v, str) and not isinstance(v, _Num):
                return self.expiry_text(go_string(text=v).encode("utf-8"), current)
            self.type_error(_kind(v), "time.Time", "Token", "tokens.expiry", path)
            return current
        # UnmarshalJSON sees the raw JSON text; only its first and last byte
        # matter for non-strings, so a stand-in is enough for them.
        if isinstance(v, str) and not isinstance(v, _Num):
            return self.expiry_text(_raw_bytes(v), current)
        try:
            t = unmarshal_json_time(raw=b"0")
        except TimeParseError as e:
            raise DecodeError(str(e)) from None
        return current if t is None else t


def decode_file(*, raw: bytes, toolchain: Toolchain = DEFAULT_TOOLCHAIN) -> DecodedFile:
    """Decode cache file bytes as Go does; raises :class:`DecodeError` with Go's text.

    Raises :class:`NullFileError` for a top-level ``null``, where Go panics.
    ``toolchain`` picks the Go release whose ``encoding/json`` is modelled.
    """
    v2 = json_v2(toolchain=toolchain)
    # A large file allocates one tree node per value and none of them forms a
    # cycle, so the collector's passes during decoding only cost time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        tree = _parse(raw, v2=v2)
        d = _Decoder(v2=v2)
        result = d.file(tree)
    finally:
        if collecting:
            gc.enable()
    if d.saved is not None:
        raise DecodeError(d.saved)
    return result
