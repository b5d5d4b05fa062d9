"""What a differential step observes on each side, and how two observations compare.

An Answer is a normalised protocol response; a DiskState is the cache file and
its directory after the step. Temporary file names are normalised so that two
sides writing `.token-cache-<random>.tmp` at the same moment compare equal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import collect
from harness.checks import byte_diff, format_mode, normalise_tmp_names

CACHE_DIR = "home/.databricks"
CACHE_FILE = f"{CACHE_DIR}/token-cache.json"
CACHE_NAME = CACHE_FILE.rsplit("/", 1)[1]
# An expires_in member as MarshalIndent writes it (comparisons that ignore it drop it).
EXPIRES_IN_LINE = re.compile(rb',\n\s*"expires_in": -?\d+')


@dataclass(frozen=True)
class Answer:
    """A normalised response: what is compared, plus detail only shown to people."""

    compared: Mapping[str, Any]
    detail: str = ""

    @property
    def unsupported(self) -> bool:
        """True when the side cannot perform this request variant."""
        return self.compared.get("error") == "unsupported"

    @property
    def broken(self) -> bool:
        """True when the testee crashed or timed out."""
        return "crash" in self.compared


@dataclass(frozen=True)
class DiskState:
    """The cache file and its directory after a step."""

    file_type: str
    file_mode: int | None
    content: bytes | None
    dir_mode: int | None
    listing: tuple[str, ...] | None
    problem: str | None = None  # what collection refused to read (a link out, a FIFO)
    decoys: tuple[str, ...] = ()  # decoy paths changed since the side was laid out


def read_disk(*, root: Path) -> DiskState:
    """Read the cache file and directory of one sandbox (temp names normalised).

    Confined like every collection (harness.collect): a final symlink is not
    followed, nothing outside the sandbox is read or listed.
    """
    f = collect.read_file(root=root, rel=CACHE_FILE, follow_links=False)
    d = collect.read_dir(root=root, rel=CACHE_DIR)
    listing = None if d.listing is None else tuple(
        sorted(normalise_tmp_names(text=n) for n in d.listing)
    )
    problems = [p for p in (f.problem, d.problem) if p is not None]
    if len(problems) == 2 and problems[0].endswith(problems[1]):
        problems = problems[:1]
    return DiskState(
        file_type=f.file_type,
        file_mode=f.mode,
        content=f.content if f.file_type == "regular" else None,
        dir_mode=d.mode,
        listing=listing,
        problem="; ".join(problems) or None,
    )


def show(*, value: Any) -> str:
    """A value as one line of sorted, unescaped JSON (for people)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def compare_answers(*, a: Answer, b: Answer, names: tuple[str, str]) -> list[str]:
    """Differences between two normalised responses."""
    if a.compared == b.compared:
        return []
    out = [
        f"response: {names[0]}: {show(value=a.compared)}",
        f"response: {names[1]}: {show(value=b.compared)}",
    ]
    for name, ans in zip(names, (a, b), strict=True):
        if ans.detail:
            out.append(f"{name} detail: {ans.detail.strip()[:600]}")
    return out


def compare_disks(
    *, a: DiskState, b: DiskState, names: tuple[str, str], ignore_expires_in: bool = False
) -> list[str]:
    """Differences between two sandboxes' cache files and directories."""
    out: list[str] = []
    if a.problem != b.problem:
        out.append(
            f"collection: {names[0]}: {a.problem or 'nothing refused'}; "
            f"{names[1]}: {b.problem or 'nothing refused'}"
        )
    if a.file_type != b.file_type:
        out.append(f"{CACHE_FILE}: type {names[0]}={a.file_type} {names[1]}={b.file_type}")
    if a.file_mode != b.file_mode:
        out.append(
            f"{CACHE_FILE}: mode {names[0]}={format_mode(mode=a.file_mode)} "
            f"{names[1]}={format_mode(mode=b.file_mode)}"
        )
    ca, cb = a.content, b.content
    if ignore_expires_in and ca is not None and cb is not None:
        ca, cb = EXPIRES_IN_LINE.sub(b"", ca), EXPIRES_IN_LINE.sub(b"", cb)
    if ca is not None and cb is not None:
        d = byte_diff(expected=ca, obtained=cb)
        if d:
            d = d.replace("  expected:", f"  {names[0]}:").replace("  obtained:", f"  {names[1]}:")
            d = d.replace("(expected ", f"({names[0]} ").replace("obtained ", f"{names[1]} ")
            out.append(f"{CACHE_FILE}: {d}")
    elif (ca is None) != (cb is None):
        out.append(f"{CACHE_FILE}: bytes readable on only one side")
    if a.dir_mode != b.dir_mode:
        out.append(
            f"{CACHE_DIR}/: mode {names[0]}={format_mode(mode=a.dir_mode)} "
            f"{names[1]}={format_mode(mode=b.dir_mode)}"
        )
    if a.listing != b.listing:
        out.append(
            f"{CACHE_DIR}/: listing {names[0]}={list(a.listing or [])} "
            f"{names[1]}={list(b.listing or [])}"
        )
    if a.decoys != b.decoys:
        out.append(
            f"decoys (USERPROFILE/TMPDIR/XDG targets) changed: {names[0]}={list(a.decoys)} "
            f"{names[1]}={list(b.decoys)}"
        )
    return out
