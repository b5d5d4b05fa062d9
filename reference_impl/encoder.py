"""``json.MarshalIndent(f, "", "  ")`` of the v1 cache file, byte for byte.

The document is assembled from fixed templates at Go's indentation, with
strings escaped by Python's C ``encode_basestring``; the only differences
from Go's escaping are then fixed on the whole output:
Go also escapes ``< > &`` and U+2028/U+2029, and writes invalid UTF-8 (a lone
surrogate here) as ``\\ufffd`` (Go 1.27: as a raw U+FFFD).  Those characters
can only occur inside strings, so a whole-text translation is safe.

Go 1.27 marshals ``time.Time`` with v2's own code, so a bad expiry is
``json: error calling MarshalJSON for type *time.Time: year outside of range
[0,9999]`` (a pointer type, and no ``Time.MarshalJSON:`` prefix).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from json.encoder import py_encode_basestring
from typing import Protocol

from .errors import MarshalError
from .gotime import TimeMarshalError
from .token import Token
from .toolchain import DEFAULT_TOOLCHAIN, Toolchain, json_v2

__all__ = [
    "EntryText",
    "encode_file",
    "entry_text",
    "go_key_order",
    "go_string_literal",
    "marshal_error",
]

try:  # the C accelerator when present; same output as the Python version
    from _json import encode_basestring as _encode_basestring
except ImportError:  # pragma: no cover
    _encode_basestring = py_encode_basestring

_GO_EXTRA_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_NEEDS_FIXUP = re.compile("[<>&\u2028\u2029\ud800-\udfff]")


def _go_escape_fixup(text: str, *, v2: bool = False) -> str:
    if _NEEDS_FIXUP.search(text) is None:
        return text
    # v1 escapes invalid UTF-8 as \ufffd; v2 writes the replacement character itself.
    replacement = "\ufffd" if v2 else "\\\\ufffd"
    return _SURROGATE.sub(replacement, text.translate(_GO_EXTRA_ESCAPES))


def go_string_literal(*, text: str, toolchain: Toolchain = DEFAULT_TOOLCHAIN) -> str:
    """The JSON literal Go's encoder (escapeHTML on) writes for ``text``."""
    return _go_escape_fixup(json.dumps(text, ensure_ascii=False), v2=json_v2(toolchain=toolchain))


def go_key_order(*, keys: list[str]) -> list[str]:
    """Keys in Go's map-encoding order: bytewise order of the Go strings."""
    if any(_SURROGATE.search(k) for k in keys):
        return sorted(keys, key=_sort_key)
    # For valid UTF-8, code point order equals byte order.
    return sorted(keys)


def _sort_key(s: str) -> bytes:
    # A lone surrogate stands for one raw byte (surrogateescape) where it can.
    try:
        return s.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return s.encode("utf-8", "surrogatepass")


class EntryText(Protocol):
    """The shape of :func:`entry_text`, which ``encode_file`` lets callers memoise."""

    def __call__(self, *, key: str, token: Token | None) -> str:
        """One member of the tokens map, as :func:`entry_text` writes it."""
        ...


def _lit(s: str) -> str:
    # Python's escaping; Go's extra escapes are fixed on the whole text later.
    return _encode_basestring(s)


def marshal_error(*, error: TimeMarshalError, toolchain: Toolchain) -> MarshalError:
    """The ``*json.MarshalerError`` a rejected expiry gives under ``toolchain``."""
    if json_v2(toolchain=toolchain):
        detail = str(error).removeprefix("Time.MarshalJSON: ")
        return MarshalError(f"json: error calling MarshalJSON for type *time.Time: {detail}")
    return MarshalError(f"json: error calling MarshalJSON for type time.Time: {error}")


def entry_text(
    *, key: str, token: Token | None, toolchain: Toolchain = DEFAULT_TOOLCHAIN
) -> str:
    """One ``"key": value`` member of the tokens map at Go's indentation (pre-fixup).

    Raises :class:`MarshalError` when the expiry cannot be marshalled.
    """
    if token is None:
        return f"    {_lit(key)}: null"
    # Field order and omitempty exactly as oauth2.Token's struct tags; Expiry
    # is a struct, which omitempty never omits.
    try:
        expiry = token.expiry.marshal_json()
    except TimeMarshalError as e:
        raise marshal_error(error=e, toolchain=toolchain) from None
    lines = [f'      "access_token": {_lit(token.access_token)}']
    if token.token_type:
        lines.append(f'      "token_type": {_lit(token.token_type)}')
    if token.refresh_token:
        lines.append(f'      "refresh_token": {_lit(token.refresh_token)}')
    lines.append(f'      "expiry": "{expiry}"')
    if token.expires_in:
        lines.append(f'      "expires_in": {token.expires_in}')
    return f"    {_lit(key)}: {{\n" + ",\n".join(lines) + "\n    }"


def encode_file(
    *,
    version: int,
    tokens: Mapping[str, Token | None] | None,
    entry: EntryText | None = None,
    toolchain: Toolchain = DEFAULT_TOOLCHAIN,
) -> bytes:
    """The bytes ``json.MarshalIndent(f, "", "  ")`` writes for ``tokenCacheFile``.

    Raises :class:`MarshalError` (Go's ``*json.MarshalerError`` text) for the
    first token, in key order, whose expiry ``Time.MarshalJSON`` rejects.
    ``entry`` may be a memoised :func:`entry_text` for the same ``toolchain``.
    """

    def plain(*, key: str, token: Token | None) -> str:
        return entry_text(key=key, token=token, toolchain=toolchain)

    member = plain if entry is None else entry
    if tokens is None:
        body = "null"
    elif not tokens:
        body = "{}"
    else:
        members = (member(key=k, token=tokens[k]) for k in go_key_order(keys=list(tokens)))
        body = "{\n" + ",\n".join(members) + "\n  }"
    text = f'{{\n  "version": {version},\n  "tokens": {body}\n}}'
    return _go_escape_fixup(text, v2=json_v2(toolchain=toolchain)).encode("utf-8")
