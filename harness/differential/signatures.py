"""What a divergence is: its signature, so that distinct divergences are told apart.

A signature names the operation that exposed the divergence and every aspect
that differed after it (docs/differential.md):

    delete: file bytes at tokens (structure)
    store: file bytes at tokens.*.refresh_token (structure); response kind ok/error
    lookup: response message (go-type-names)

Aspects: the response's kind (`ok/error`), the first differing field of two
results and whether its value or its structure differs, the message class of
two error messages (harness/messages.py: only Go type names, or the text), the
cache file's type and mode, its bytes (the JSON path of the first difference,
with token keys as `*` and unknown members as `<unknown>`, and whether a value,
the structure or only the formatting differs), the directory's mode and its
listing. Each (operation, aspect) pair is a *component*; a divergence whose
every component is set aside (found earlier in the run, or known) is not a
finding.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.checks import TOKEN_DEFAULTS, format_mode
from harness.differential.observe import EXPIRES_IN_LINE, Answer, DiskState
from harness.messages import GO_TYPE_NAMES, classify

VALUE = "value"
STRUCTURE = "structure"
FORMATTING = "formatting"
ROOT = "$"
ANY_KEY = "*"
UNKNOWN_MEMBER = "<unknown>"
MESSAGE_ASPECT = "response message"
_TOP_FIELDS = ("version", "tokens")
_DIGITS = re.compile(r"\d+")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_SIGNATURE_ID = re.compile(r"sig-[0-9a-f]{8}\Z")


@dataclass(frozen=True)
class Signature:
    """The operation that exposed a divergence and the sorted aspects that differed."""

    op: str
    aspects: tuple[str, ...]

    @property
    def text(self) -> str:
        """`op: aspect; aspect` (the form a known-divergences file accepts)."""
        return f"{self.op}: {'; '.join(self.aspects)}"

    @property
    def id(self) -> str:
        """A short stable id, `sig-` and eight hex digits of the text's hash."""
        return "sig-" + hashlib.sha256(self.text.encode()).hexdigest()[:8]

    @property
    def components(self) -> frozenset[str]:
        """Each aspect with the operation: what is set aside once found."""
        return frozenset(f"{self.op}: {a}" for a in self.aspects)

    @property
    def message_only(self) -> bool:
        """True when only error messages differ."""
        return bool(self.aspects) and all(a.startswith(MESSAGE_ASPECT) for a in self.aspects)

    @property
    def type_names_only(self) -> bool:
        """True when only Go type names in error messages differ."""
        return self.message_only and all(GO_TYPE_NAMES in a for a in self.aspects)


def is_signature_id(*, text: str) -> bool:
    """True for `sig-` followed by eight lower-case hex digits."""
    return bool(_SIGNATURE_ID.match(text))


def parse_signature(*, text: str) -> Signature:
    """The Signature a `Signature.text` line describes (ValueError when it has no op)."""
    op, sep, rest = text.strip().partition(": ")
    aspects = tuple(sorted({a.strip() for a in rest.split("; ") if a.strip()}))
    if not sep or not op or not aspects:
        raise ValueError(f"not a signature (expected 'op: aspect; aspect'): {text!r}")
    return Signature(op=op, aspects=aspects)


def step_label(*, step: Mapping[str, Any]) -> str:
    """The operation of a step as a signature names it (`dual_store sdk` names its via)."""
    op = str(step.get("op", "?"))
    if op == "dual_store":
        return f"dual_store {step.get('via', '?')}"
    return op


# -- JSON values -----------------------------------------------------------------------------


class _Number(str):
    """A JSON number kept as written, so `1.0` and `1`, `-0` and `0` differ."""


_NOT_JSON = object()


def _parse(data: bytes) -> Any:
    try:
        return json.loads(
            data.decode("utf-8", "replace"),
            parse_int=_Number, parse_float=_Number, parse_constant=_Number,
        )
    except ValueError:
        return _NOT_JSON


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, _Number):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    return "null" if value is None else type(value).__name__


def _fold(name: str) -> str:
    # Go's field match folds case, and U+017F (long s) to s, U+212A (Kelvin) to k.
    return name.replace("\u017f", "s").lower()


def _segment(parents: tuple[str, ...], key: str) -> str:
    """A file member's name as a path segment: token keys are `*`, unknown names one mark."""
    if not parents:
        folded = _fold(key)
        return folded if folded in _TOP_FIELDS else UNKNOWN_MEMBER
    if parents == ("tokens",):
        return ANY_KEY
    if parents[:2] == ("tokens", ANY_KEY) and len(parents) == 2:
        folded = _fold(key)
        return folded if folded in TOKEN_DEFAULTS else UNKNOWN_MEMBER
    return UNKNOWN_MEMBER


def _path(parts: Iterable[str]) -> str:
    out: list[str] = []
    for p in parts:
        out.append(p)
        if p == UNKNOWN_MEMBER:
            break  # everything below an unknown member is one place
    return ".".join(out) or ROOT


def _first_difference(
    a: Any, b: Any, parents: tuple[str, ...], *, file: bool
) -> tuple[str, str] | None:
    """(path, VALUE or STRUCTURE) of the first difference, walking a's members in order."""
    if _kind(a) != _kind(b):
        return _path(parents), STRUCTURE
    if isinstance(a, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            seg = _segment(parents, key) if file else key
            if (key in a) != (key in b):
                return _path((*parents, seg)), STRUCTURE
            found = _first_difference(a[key], b[key], (*parents, seg), file=file)
            if found is not None:
                return found
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return _path(parents), STRUCTURE
        for x, y in zip(a, b, strict=True):
            found = _first_difference(x, y, (*parents, "[]"), file=file)
            if found is not None:
                return found
        return None
    return None if a == b else (_path(parents), VALUE)


def _path_at(data: bytes, offset: int) -> str:
    """The JSON path (file segments) of the value holding byte `offset` of `data`."""
    text = data[:offset].decode("utf-8", "replace")
    frames: list[list[Any]] = []  # [is_object, key or None, expecting_key]
    i = 0
    while i < len(text):
        c = text[i]
        if c == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            if frames and frames[-1][0] and frames[-1][2] and j < len(text):
                try:
                    frames[-1][1] = json.loads(text[i : j + 1])
                except ValueError:
                    frames[-1][1] = text[i + 1 : j]
                frames[-1][2] = False
            i = j + 1
            continue
        if c == "{":
            frames.append([True, None, True])
        elif c == "[":
            frames.append([False, None, False])
        elif c in "}]" and frames:
            frames.pop()
        elif c == "," and frames and frames[-1][0]:
            frames[-1][1], frames[-1][2] = None, True
        i += 1
    parents: tuple[str, ...] = ()
    for is_object, key, _ in frames:
        if not is_object:
            parents = (*parents, "[]")
        elif key is not None:
            parents = (*parents, _segment(parents, str(key)))
        else:
            break
    return _path(parents)


def file_difference(*, a: bytes, b: bytes) -> tuple[str, str]:
    """(JSON path, class) of the first difference between two cache files' bytes.

    STRUCTURE when a member, an entry or a type differs (or one side is not JSON),
    VALUE when a scalar differs, FORMATTING when both hold the same JSON value.
    """
    pa, pb = _parse(a), _parse(b)
    if pa is _NOT_JSON or pb is _NOT_JSON:
        return ROOT, STRUCTURE
    found = _first_difference(pa, pb, (), file=True)
    if found is not None:
        return found
    offset = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                  min(len(a), len(b)))
    return _path_at(a, offset), FORMATTING


# -- a divergence ----------------------------------------------------------------------------


def _answer_kind(compared: Mapping[str, Any]) -> str:
    if "ok" in compared:
        return "ok"
    if "crash" in compared:
        return str(compared["crash"])  # crash or timeout
    return str(compared.get("error", "?"))


def _message_family(message: str) -> str:
    """The first two colon-separated parts, digits and quotes masked: `load: parse`."""
    parts = [p.strip() for p in message.split(":")[:2]]
    text = _QUOTED.sub("'_'", _DIGITS.sub("#", ": ".join(parts)))
    return text[:48]


def response_aspects(*, a: Answer, b: Answer) -> list[str]:
    """What differs between two normalised responses."""
    ca, cb = a.compared, b.compared
    if ca == cb:
        return []
    ka, kb = _answer_kind(ca), _answer_kind(cb)
    if ka != kb:
        return [f"response kind {ka}/{kb}"]
    if ka == "ok":
        found = _first_difference(ca.get("ok"), cb.get("ok"), (), file=False)
        path, cls = found if found is not None else (ROOT, VALUE)
        return [f"response result at {path} ({cls})"]
    ma, mb = str(ca.get("message", "")), str(cb.get("message", ""))
    if ma != mb:
        why = classify(expected=ma, obtained=mb)
        family = "" if why == GO_TYPE_NAMES else f" at {json.dumps(_message_family(ma))}"
        return [f"{MESSAGE_ASPECT} ({why}){family}"]
    return [f"response {ka} differs"]


def disk_aspects(*, a: DiskState, b: DiskState, ignore_expires_in: bool = False) -> list[str]:
    """What differs between two sandboxes' cache files and directories."""
    out: list[str] = []
    if a.problem != b.problem:  # collection refused a link out of the sandbox or a FIFO
        out.append(f"collection {'refused' if a.problem else 'read'}/"
                   f"{'refused' if b.problem else 'read'}")
    if a.file_type != b.file_type:
        out.append(f"file type {a.file_type}/{b.file_type}")
    if a.file_mode != b.file_mode:
        out.append(f"file mode {format_mode(mode=a.file_mode)}/{format_mode(mode=b.file_mode)}")
    ca, cb = a.content, b.content
    if ignore_expires_in and ca is not None and cb is not None:
        ca, cb = EXPIRES_IN_LINE.sub(b"", ca), EXPIRES_IN_LINE.sub(b"", cb)
    if ca is not None and cb is not None and ca != cb:
        path, cls = file_difference(a=ca, b=cb)
        out.append(f"file bytes at {path} ({cls})")
    elif (ca is None) != (cb is None) and a.file_type == b.file_type:
        out.append("file bytes readable on one side")
    if a.dir_mode != b.dir_mode:
        out.append(f"dir mode {format_mode(mode=a.dir_mode)}/{format_mode(mode=b.dir_mode)}")
    if a.listing != b.listing:
        la, lb = set(a.listing or ()), set(b.listing or ())
        parts = []
        if la - lb:
            parts.append(f"only in a: {', '.join(sorted(la - lb))}")
        if lb - la:
            parts.append(f"only in b: {', '.join(sorted(lb - la))}")
        out.append(f"listing {' / '.join(parts) or 'differs'}")
    if a.decoys != b.decoys:
        out.append("decoys changed")
    return out


def signature_of(
    *, step: Mapping[str, Any], answers: tuple[Answer, Answer],
    disks: tuple[DiskState, DiskState], ignore_expires_in: bool = False,
) -> Signature:
    """The signature of a divergence seen after `step`."""
    aspects = response_aspects(a=answers[0], b=answers[1])
    aspects += disk_aspects(a=disks[0], b=disks[1], ignore_expires_in=ignore_expires_in)
    cleaned = {a.replace("; ", ", ").replace(" # ", " #") for a in aspects}
    return Signature(op=step_label(step=step), aspects=tuple(sorted(cleaned)))
