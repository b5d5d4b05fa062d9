"""The toolchain axis: which Go toolchain built an implementation, and what applies to it.

An implementation may announce ``"toolchain": "go1.27.3"`` in its hello. A step's
``expect_by_toolchain`` entry and a golden file ``golden/files/<id>@<toolchain>.json``
apply to that toolchain and every later one, until a later entry takes over; the
plain ``expect`` and ``<id>.json`` describe go1.26.8 (and any implementation that
announces no toolchain, or one older than every entry).
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from harness.protocol import Hello
from harness.spec import Case
from harness.testee import InProcessTestee

REFERENCE: Final = "reference"
GOLDEN_VARIANT_SEPARATOR: Final = "@"
_NAME = re.compile(r"go([0-9]+)\.([0-9]+)(?:\.([0-9]+))?")
_listing_memo: dict[str, tuple[int, tuple[str, ...]]] = {}


def toolchain_version(*, name: str) -> tuple[int, int, int] | None:
    """``go1.27.3`` -> (1, 27, 3); ``go1.27`` -> (1, 27, 0); None for anything else."""
    m = _NAME.fullmatch(name)
    if m is None:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def release_of(*, announced: str | None) -> str | None:
    """The Go release a hello's ``toolchain`` names (``go1.27.3``), or None.

    Go's ``runtime.Version()`` may carry experiments after the release
    (``go1.26.8-X:jsonv2``); only the release name counts.
    """
    if announced is None:
        return None
    m = _NAME.match(announced)
    return m.group(0) if m is not None else None


def implementation_toolchain(*, hello: Hello) -> str | None:
    """The toolchain an implementation's hello announces, or None."""
    return release_of(announced=hello.toolchain)


def pick_variant(*, variants: Iterable[str], toolchain: str | None) -> str | None:
    """The variant that applies to `toolchain`: the newest one that is not newer."""
    own = None if toolchain is None else toolchain_version(name=toolchain)
    if own is None:
        return None
    best: tuple[tuple[int, int, int], str] | None = None
    for name in variants:
        version = toolchain_version(name=name)
        if version is not None and version <= own and (best is None or version > best[0]):
            best = (version, name)
    return None if best is None else best[1]


def resolve_case(*, case: Case, toolchain: str | None) -> Case:
    """`case` with each step's expectation for `toolchain` in place of the default one."""
    steps = []
    changed = False
    for step in case.steps:
        chosen = pick_variant(variants=step.expect_by_toolchain, toolchain=toolchain)
        if chosen is None:
            steps.append(step)
        else:
            steps.append(replace(step, expect=step.expect_by_toolchain[chosen]))
            changed = True
    return replace(case, steps=tuple(steps)) if changed else case


def _listing(directory: Path) -> tuple[str, ...]:
    """The names in a directory, re-read only when its mtime changes."""
    try:
        mtime = os.stat(directory).st_mtime_ns
    except OSError:
        return ()
    key = str(directory)
    memo = _listing_memo.get(key)
    if memo is None or memo[0] != mtime:
        try:
            names = tuple(sorted(os.listdir(directory)))
        except OSError:
            names = ()
        memo = (mtime, names)
        _listing_memo[key] = memo
    return memo[1]


def golden_variant_path(*, golden_dir: Path, case_id: str, toolchain: str) -> Path:
    """Where a case's golden bytes for one toolchain live: ``<id>@<toolchain>.json``."""
    return golden_dir / f"{case_id}{GOLDEN_VARIANT_SEPARATOR}{toolchain}.json"


def golden_variants(*, golden_dir: Path, case_id: str) -> dict[str, Path]:
    """Every toolchain variant of a case's golden file: toolchain -> path."""
    prefix = case_id + GOLDEN_VARIANT_SEPARATOR
    out: dict[str, Path] = {}
    for name in _listing(golden_dir):
        if name.startswith(prefix) and name.endswith(".json"):
            toolchain = name[len(prefix) : -len(".json")]
            if toolchain_version(name=toolchain) is not None:
                out[toolchain] = golden_dir / name
    return out


def split_golden_name(*, name: str) -> tuple[str, str | None]:
    """``<id>.json`` -> (id, None); ``<id>@go1.27.3.json`` -> (id, "go1.27.3")."""
    stem = name.removesuffix(".json")
    case_id, sep, toolchain = stem.partition(GOLDEN_VARIANT_SEPARATOR)
    return (case_id, toolchain) if sep else (stem, None)


def golden_for(*, golden_dir: Path, case_id: str, toolchain: str | None) -> Path | None:
    """The variant golden file that applies to `toolchain`, or None (use ``<id>.json``)."""
    variants = golden_variants(golden_dir=golden_dir, case_id=case_id)
    chosen = pick_variant(variants=variants, toolchain=toolchain)
    return None if chosen is None else variants[chosen]


@dataclass(frozen=True)
class ReferenceSession:
    """Builds a reference session modelling one toolchain (picklable for worker processes)."""

    toolchain: str

    def __call__(self) -> Any:
        """A fresh ``reference_impl.Session(toolchain=...)``."""
        module = importlib.import_module("reference_impl.protocol")
        return module.Session(toolchain=self.toolchain)


def reference_toolchains() -> tuple[str, ...]:
    """The toolchains the reference models besides its default one (none if not importable)."""
    try:
        module = importlib.import_module("reference_impl.toolchain")
    except ImportError:
        return ()
    return tuple(t for t in module.TOOLCHAINS if t != module.DEFAULT_TOOLCHAIN)


def reference_name(*, toolchain: str) -> str:
    """The harness name of the reference modelling `toolchain`: ``reference+go1.27.3``."""
    return f"{REFERENCE}+{toolchain}"


def reference_names() -> list[str]:
    """``reference`` and one ``reference+<toolchain>`` per other modelled toolchain."""
    return [REFERENCE, *(reference_name(toolchain=t) for t in reference_toolchains())]


def reference_testee(*, name: str) -> InProcessTestee | None:
    """The in-process reference called `name`, or None if no such model exists."""
    if name == REFERENCE:
        return InProcessTestee(name=REFERENCE)
    for _, testee in reference_variants():
        if name == testee.name:
            return testee
    return None


def reference_variants() -> list[tuple[str, InProcessTestee]]:
    """(toolchain, in-process reference) for every modelled toolchain but the default."""
    return [
        (toolchain, InProcessTestee(
            name=reference_name(toolchain=toolchain), session_factory=ReferenceSession(toolchain)
        ))
        for toolchain in reference_toolchains()
    ]
