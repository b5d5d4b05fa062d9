"""Message classes: how strictly two error messages are compared.

- `strict` (default): the messages must be equal, character for character
  (after the protocol's substitutions, see docs/protocol.md).
- `go-types`: equal modulo Go type and package names. A build that keeps the
  SDK's file cache in another package, or under other type names, says
  `Go value of type storage.tokenStoreFile` where the SDK says
  `Go value of type cache.tokenCacheFile`; under this class both read
  `Go value of type <type>`. Go struct field paths are reduced to their JSON
  keys, with hops through embedded structs dropped, so
  `Go struct field Token.tokens.access_token` and
  `Go struct field fileEntry.tokens.Token.access_token` both read
  `Go struct field tokens.access_token`. Built-in types (`string`, `int64`)
  are kept: a field of another kind is a difference in behaviour.
- `off`: messages are not compared, only error kinds.

`classify` says why two messages differ, so that reports can group
differences that are only in messages (and among them those that are only
in Go type names) apart from differences in behaviour.
"""

from __future__ import annotations

import re
from typing import Final, Literal

from harness.exceptions import UsageError
from harness.options import MESSAGE_MODES

STRICT, GO_TYPES, OFF = MESSAGE_MODES
MessageMode = Literal["strict", "go-types", "off"]

# What a difference is about (CaseResult.kinds, diff signatures).
BEHAVIOUR: Final = "behaviour"
MESSAGE: Final = "message"  # the messages differ beyond Go type names
GO_TYPE_NAMES: Final = "go-type-names"  # the messages differ only in Go type names
MESSAGE_KINDS: Final = frozenset({MESSAGE, GO_TYPE_NAMES})

TYPE_PLACEHOLDER: Final = "<type>"

# A package-qualified Go type name as reflect prints it: `oauth2.Token`,
# `cache.tokenCacheFile`, `example.com/x/storage.fileEntry` (a path before the
# package name appears for types of package main built with -trimpath off).
_QUALIFIED = re.compile(r"(?:[\w.~-]+/)*[A-Za-z_]\w*\.[A-Za-z_]\w*")
# A Go type expression after "of type" / "for type": names, maps, pointers, slices.
_TYPE_EXPR = r"(?:[\[\]*\w./~-]|\bmap\[|\bfunc\(|\bchan )+"
_OF_TYPE = re.compile(r"\b(of|for) type (" + _TYPE_EXPR + ")")
_STRUCT_FIELD = re.compile(r"\bGo struct field ([\w.]+?)(?= of type |$|[\s:,;)])")
_GO_IDENT_EXPORTED = re.compile(r"[A-Z]\w*\Z")


def _types(expr: str) -> str:
    return _QUALIFIED.sub(TYPE_PLACEHOLDER, expr)


def json_field_path(*, path: str) -> str:
    """`fileEntry.tokens.Token.access_token` → `tokens.access_token`.

    encoding/json names the struct type holding the field first, then the
    path of field names from the value decoded into; an embedded struct adds
    its type name as a hop. The first segment goes, and so does every segment
    but the last that is an exported Go identifier (JSON keys of the cache
    format are lower case; a field without a json tag keeps its Go name, and
    only as the last segment is that name kept).
    """
    parts = path.split(".")[1:]
    if not parts:
        return path
    kept = [p for p in parts[:-1] if not _GO_IDENT_EXPORTED.match(p)]
    return ".".join([*kept, parts[-1]])


def go_types_form(*, message: str) -> str:
    """The message with Go type and package names removed (the `go-types` class)."""
    message = _STRUCT_FIELD.sub(lambda m: f"Go struct field {json_field_path(path=m.group(1))}",
                                message)
    return _OF_TYPE.sub(lambda m: f"{m.group(1)} type {_types(m.group(2))}", message)


def messages_match(*, expected: str, obtained: str, mode: str) -> bool:
    """Whether two messages count as the same under a message class."""
    if mode == OFF or expected == obtained:
        return True
    if mode == GO_TYPES:
        return go_types_form(message=expected) == go_types_form(message=obtained)
    return False


def classify(*, expected: str, obtained: str) -> str:
    """Why two different messages differ: GO_TYPE_NAMES when only type names do, else MESSAGE."""
    if go_types_form(message=expected) == go_types_form(message=obtained):
        return GO_TYPE_NAMES
    return MESSAGE


def message_mode(*, strict_messages: bool, messages: str) -> str:
    """The effective class: `--no-strict-messages` (strict_messages=False) is `off`."""
    if messages not in MESSAGE_MODES:
        raise UsageError(f"unknown message class {messages!r}; known: {', '.join(MESSAGE_MODES)}")
    return OFF if not strict_messages else messages
