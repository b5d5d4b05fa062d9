"""The two step extensions of the spec format: faults on a step, and harness-side edits.

A *fault* is injected for real while one step runs (docs/spec-format.md, "Faults"):
a file-size limit the testee applies to itself (EFBIG), a full file system under
the sandbox (ENOSPC), or the immutable attribute on a path (EPERM on replace).
An *edit* is an `edit` step: the harness changes a path in the sandbox between
two operations of one open cache; the testee is not asked anything.

Only parsing lives here (spec.py builds these from validated JSON); injection is
in harness/faults.py, edits are applied by harness/edits.py. Path checks are
passed in by the caller so this module stays a leaf.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from harness.exceptions import SpecError

FaultKind = Literal["file_size_limit", "disk_full", "immutable"]
EditAction = Literal["write", "chmod", "symlink", "remove", "directory"]

# check_relpath(value=..., case_id=..., fld=...) -> normalised relative path
RelPath = Callable[..., str]
# check_link_target(link=..., target=..., case_id=..., fld=...) -> None
LinkCheck = Callable[..., None]

DEFAULT_EDIT_FILE_MODE = 0o600
DEFAULT_EDIT_DIR_MODE = 0o700


@dataclass(frozen=True)
class Fault:
    """A fault in force while one step runs."""

    kind: FaultKind
    limit: int | None = None  # file_size_limit: bytes a file may grow to
    path: str | None = None  # immutable: the sandbox-relative path made immutable


@dataclass(frozen=True)
class Edit:
    """What an `edit` step does to one sandbox path."""

    path: str
    action: EditAction
    content: bytes | None = None  # write
    target: str | None = None  # symlink (written as given)
    mode: int | None = None  # write/directory: the new entry's mode; chmod: the mode


def _fail(case_id: str, fld: str, message: str) -> SpecError:
    return SpecError(file="", case=case_id, field=fld, message=message)


def build_fault(
    *, raw: Mapping[str, Any] | None, case_id: str, fld: str, relpath: RelPath
) -> Fault | None:
    """A step's `fault` (already schema-valid) as a Fault; None when there is none."""
    if raw is None:
        return None
    kind = raw["kind"]
    if kind == "file_size_limit":
        return Fault(kind="file_size_limit", limit=int(raw["bytes"]))
    if kind == "disk_full":
        return Fault(kind="disk_full")
    if kind == "immutable":
        path = relpath(value=raw["path"], case_id=case_id, fld=f"{fld}.path")
        return Fault(kind="immutable", path=path)
    raise _fail(case_id, f"{fld}.kind", f"unknown fault kind {kind!r}")


_CONTENT_FIELDS = ("text", "base64", "symlink", "remove", "directory")


def build_edit(
    *,
    raw: Mapping[str, Any],
    case_id: str,
    fld: str,
    relpath: RelPath,
    link_check: LinkCheck,
) -> Edit:
    """An `edit` step (already schema-valid) as an Edit."""
    path = relpath(value=raw["path"], case_id=case_id, fld=f"{fld}.path")
    given = [f for f in _CONTENT_FIELDS if f in raw]
    mode = None if raw.get("mode") is None else int(str(raw["mode"]), 8)
    if len(given) > 1:
        raise _fail(case_id, fld, f"an edit does one thing; got {', '.join(given)}")
    if not given:
        if mode is None:
            raise _fail(case_id, fld, "an edit needs text, base64, symlink, remove, "
                        "directory or mode")
        return Edit(path=path, action="chmod", mode=mode)
    action = given[0]
    if action in ("symlink", "remove") and mode is not None:
        raise _fail(case_id, f"{fld}.mode", f"mode cannot be combined with {action}")
    if action == "text":
        return Edit(path=path, action="write", content=str(raw["text"]).encode("utf-8"),
                    mode=DEFAULT_EDIT_FILE_MODE if mode is None else mode)
    if action == "base64":
        try:
            content = base64.b64decode(str(raw["base64"]), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _fail(case_id, f"{fld}.base64", f"invalid base64: {exc}") from exc
        return Edit(path=path, action="write", content=content,
                    mode=DEFAULT_EDIT_FILE_MODE if mode is None else mode)
    if action == "symlink":
        target = str(raw["symlink"])
        link_check(link=path, target=target, case_id=case_id, fld=f"{fld}.symlink")
        return Edit(path=path, action="symlink", target=target)
    if action == "remove":
        return Edit(path=path, action="remove")
    return Edit(path=path, action="directory",
                mode=DEFAULT_EDIT_DIR_MODE if mode is None else mode)
