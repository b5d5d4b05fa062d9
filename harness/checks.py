"""The one check engine: each check returns a description of the difference or None."""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from harness.messages import (
    BEHAVIOUR,
    GO_TYPE_NAMES,
    STRICT,
    classify,
    message_mode,
    messages_match,
)
from harness.protocol import Response, Success
from harness.sandbox import CaseSandbox
from harness.spec import Case, Expect, Step

ZERO_EXPIRY = "0001-01-01T00:00:00Z"
# The five oauth2.Token members with their Go zero values, in the order Go writes them.
TOKEN_DEFAULTS: Mapping[str, Any] = {
    "access_token": "",
    "token_type": "",
    "refresh_token": "",
    "expiry": ZERO_EXPIRY,
    "expires_in": 0,
}
MAX_DIFF_CHARS = 2000
BYTE_CONTEXT = 32
_TMP_NAME = re.compile(r"\.token-cache-\d+\.tmp")
TMP_PLACEHOLDER = ".token-cache-*.tmp"


def cap(*, text: str, limit: int = MAX_DIFF_CHARS) -> str:
    """Shorten long text, saying how much was cut."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... ({len(text) - limit} more characters)"


def normalise_message(*, message: str, roots: Sequence[str]) -> str:
    """Apply the protocol's substitutions: sandbox root → {sandbox}, temp names → *."""
    for root in sorted(set(roots), key=len, reverse=True):
        if root:
            message = message.replace(root, "{sandbox}")
    return normalise_tmp_names(text=message)


def normalise_tmp_names(*, text: str) -> str:
    """Temporary file names (random per write) replaced by one placeholder."""
    return _TMP_NAME.sub(TMP_PLACEHOLDER, text)


def normalise_token(*, token: Any) -> Any:
    """A token with all five fields (absent → Go zero value; "" expiry → zero time)."""
    if not isinstance(token, Mapping):
        return token
    out = dict(TOKEN_DEFAULTS)
    out.update(token)
    if out.get("expiry") == "":
        out["expiry"] = ZERO_EXPIRY
    return out


def normalise_result(*, result: Any) -> Any:
    """A result with any `token` member normalised to all five fields."""
    if isinstance(result, Mapping) and "token" in result:
        return {**result, "token": normalise_token(token=result["token"])}
    return result


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _dict_diff(expected: Mapping[str, Any], obtained: Mapping[str, Any]) -> str:
    lines: list[str] = []
    for key in sorted(set(expected) | set(obtained)):
        e, o = expected.get(key, "<absent>"), obtained.get(key, "<absent>")
        if isinstance(e, Mapping) and isinstance(o, Mapping) and e != o:
            lines.extend(f"{key}.{line}" for line in _dict_diff(e, o).split("\n"))
        elif e != o:
            lines.append(f"{key}: expected {_json(e)}, obtained {_json(o)}")
    return "\n".join(lines)


def check_response(
    *, step: Step, response: Response, roots: Sequence[str], strict_messages: bool,
    messages: str = STRICT,
) -> str | None:
    """Compare one response with the step's expectation."""
    found = classify_response(step=step, response=response, roots=roots,
                              messages=message_mode(strict_messages=strict_messages,
                                                    messages=messages))
    return None if found is None else found[1]


def classify_response(
    *, step: Step, response: Response, roots: Sequence[str], messages: str
) -> tuple[str, str] | None:
    """Compare one response with the step's expectation under a message class
    (harness/messages.py); the difference is (kind, text), kind BEHAVIOUR, MESSAGE or
    GO_TYPE_NAMES."""
    expect: Expect = step.expect
    if isinstance(response, Success):
        if expect.kind != "ok":
            return BEHAVIOUR, (
                f"expected error {expect.kind!r}, got success {_json(response.result)}"
            )
        if expect.result is None:
            return None
        want = normalise_result(result=expect.result)
        got = normalise_result(result=response.result)
        if want == got:
            return None
        detail = _dict_diff(want, got) if isinstance(got, Mapping) else ""
        return BEHAVIOUR, cap(
            text=f"result differs\n  expected: {_json(want)}\n  obtained: {_json(got)}"
            + (f"\n{_indent(detail)}" if detail else "")
        )
    kind = response.kind
    message = normalise_message(message=response.message, roots=roots)
    if expect.kind == "ok":
        return BEHAVIOUR, f"expected success, got error {kind!r}: {message}"
    if expect.kind == "any":
        return None
    if kind != expect.kind:
        return BEHAVIOUR, f"expected error {expect.kind!r}, got error {kind!r}: {message}"
    if expect.message is None or messages_match(
        expected=expect.message, obtained=message, mode=messages
    ):
        return None
    why = classify(expected=expect.message, obtained=message)
    label = "only Go type names differ" if why == GO_TYPE_NAMES else f"{messages} messages"
    return why, cap(
        text=f"error message differs ({label})\n  expected: {expect.message!r}\n"
        f"  obtained: {message!r}"
    )


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.split("\n"))


def escape_bytes(*, data: bytes) -> str:
    """Bytes as printable text: printable ASCII kept, everything else escaped."""
    out = []
    for b in data:
        if b == 0x5C:
            out.append("\\\\")
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        elif b == 0x0A:
            out.append("\\n")
        elif b == 0x09:
            out.append("\\t")
        elif b == 0x0D:
            out.append("\\r")
        else:
            out.append(f"\\x{b:02x}")
    return "".join(out)


def byte_diff(
    *,
    expected: bytes,
    obtained: bytes,
    context: int = BYTE_CONTEXT,
    labels: tuple[str, str] = ("expected", "obtained"),
) -> str | None:
    """First differing offset and both sides escaped around it; None when equal.

    `labels` name the two sides (e.g. old golden / new bytes when regenerating).
    """
    if expected == obtained:
        return None
    offset = next(
        (i for i, (a, b) in enumerate(zip(expected, obtained, strict=False)) if a != b),
        min(len(expected), len(obtained)),
    )
    start = max(0, offset - context)

    def window(data: bytes) -> str:
        end = min(len(data), offset + 1 + context)
        text = escape_bytes(data=data[start:end])
        return ("..." if start else "") + text + ("..." if end < len(data) else "")

    first, second = labels
    width = max(len(first), len(second)) + 1
    return (
        f"bytes differ at offset {offset} ({first} {len(expected)} bytes, "
        f"{second} {len(obtained)} bytes)\n"
        f"  {(first + ':').ljust(width)} {window(expected)}\n"
        f"  {(second + ':').ljust(width)} {window(obtained)}"
    )


def check_final(
    *, case: Case, sandbox: CaseSandbox, golden: bytes | None
) -> list[str]:
    """Every difference between the sandbox after the case and `case.final`."""
    final = case.final
    diffs: list[str] = []
    if final.empty:
        return diffs
    rel = case.final_file()
    state = sandbox.read_file(rel=rel)
    if state.problem is not None:
        # A link out of the sandbox, a FIFO, a device: named, never read, always a failure.
        diffs.append(state.problem)
    elif final.file_type is not None and state.file_type != final.file_type:
        diffs.append(f"{rel}: expected file type {final.file_type}, found {state.file_type}")
    if (
        state.problem is None and final.file_mode is not None and state.mode != final.file_mode
    ):
        diffs.append(
            f"{rel}: expected mode {format_mode(mode=final.file_mode)}, "
            f"found {format_mode(mode=state.mode)}"
        )
    parent = posixpath.dirname(rel)
    if final.dir_mode is not None or final.listing is not None:
        dstate = sandbox.read_dir(rel=parent)
        if dstate.problem is not None:
            if not (state.problem or "").endswith(dstate.problem):  # said once is enough
                diffs.append(dstate.problem)
        elif final.dir_mode is not None and dstate.mode != final.dir_mode:
            diffs.append(
                f"{parent or '.'}/: expected mode {format_mode(mode=final.dir_mode)}, "
                f"found {format_mode(mode=dstate.mode)}"
            )
        # Temp names are random: a listing names them `.token-cache-*.tmp`, as messages do.
        listing = None if dstate.listing is None else tuple(
            sorted(normalise_tmp_names(text=n) for n in dstate.listing)
        )
        if (
            dstate.problem is None
            and final.listing is not None
            and listing != tuple(sorted(final.listing))
        ):
            diffs.append(_listing_diff(parent, tuple(sorted(final.listing)), listing))
    if final.golden and golden is not None and state.problem is None:
        if state.content is None:
            diffs.append(f"{rel}: golden expects {len(golden)} bytes, found {state.file_type}")
        else:
            d = byte_diff(expected=golden, obtained=state.content)
            if d:
                diffs.append(f"{rel}: golden {d}")
    for other, want in sorted(final.other_files.items()):
        got = sandbox.read_file(rel=other)
        if got.problem is not None:
            diffs.append(got.problem)
        elif want.content is None:
            if got.file_type != "absent":
                diffs.append(f"{other}: expected absent, found {got.file_type}")
        elif got.content is None:
            diffs.append(f"{other}: expected {len(want.content)} bytes, found {got.file_type}")
        else:
            d = byte_diff(expected=want.content, obtained=got.content)
            if d:
                diffs.append(f"{other}: {d}")
    return [cap(text=d) for d in diffs]


def format_mode(*, mode: int | None) -> str:
    """Permission bits as four octal digits, or `none`."""
    return "none" if mode is None else f"{mode:04o}"


def _listing_diff(
    parent: str, want: tuple[str, ...], got: tuple[str, ...] | None
) -> str:
    where = f"{parent or '.'}/"
    if got is None:
        return f"{where}: expected listing {list(want)}, directory missing or unreadable"
    missing = [n for n in want if n not in got]
    extra = [n for n in got if n not in want]
    parts = [f"{where}: listing differs: expected {list(want)}, found {list(got)}"]
    if missing:
        parts.append(f"missing {missing}")
    if extra:
        parts.append(f"unexpected {extra}")
    return "; ".join(parts)


def join_diffs(*, diffs: Iterable[str]) -> str:
    """All differences of a case as one text block."""
    return "\n".join(f"- {d}" for d in diffs)
