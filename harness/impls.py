"""Which implementations a run uses: the reference, Go testees, and `--impl` commands."""

from __future__ import annotations

import importlib
import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.data import ImplInfo
from harness.exceptions import UsageError
from harness.testee import DEFAULT_TIMEOUT, InProcessTestee, SubprocessTestee, Testee

REFERENCE = "reference"
REQUIRE_GO_ENV = "TOKENCACHE_COMPAT_REQUIRE_GO"


@dataclass(frozen=True)
class ImplSelection:
    """Testees to run, implementations that cannot run (with why), and hard errors."""

    testees: tuple[Testee, ...]
    unavailable: tuple[ImplInfo, ...]
    errors: tuple[str, ...]


def parse_impl_arg(text: str) -> tuple[str, tuple[str, ...]]:
    """`NAME=COMMAND` → (name, argv); the command is shlex-split."""
    name, sep, command = text.partition("=")
    name = name.strip()
    if not sep or not name or not command.strip():
        raise UsageError(f"--impl expects NAME=COMMAND, got {text!r}")
    return name, tuple(shlex.split(command))


def parse_named_path(text: str, *, option: str) -> tuple[str, Path]:
    """`NAME=FILE` → (name, path)."""
    name, sep, path = text.partition("=")
    if not sep or not name.strip() or not path.strip():
        raise UsageError(f"{option} expects NAME=FILE, got {text!r}")
    return name.strip(), Path(path)


def require_go_default() -> bool:
    """CI sets TOKENCACHE_COMPAT_REQUIRE_GO=1: a missing Go column is then an error."""
    return os.environ.get(REQUIRE_GO_ENV, "") not in ("", "0", "false")


def _go_candidates(*, repo_root: Path, cache_dir: Path | None) -> list[Any]:
    try:
        gobuild = importlib.import_module("harness.gobuild")
    except ImportError as exc:
        return [_Missing(name="go", reason=f"harness.gobuild is not importable: {exc}")]
    found: list[Any] = gobuild.discover_go_testees(repo_root=repo_root, cache_dir=cache_dir)
    return found


@dataclass(frozen=True)
class _Missing:
    name: str
    reason: str


def select_impls(
    *,
    repo_root: Path,
    extra: Sequence[str] = (),
    use_go: bool = True,
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
    timeout: float = DEFAULT_TIMEOUT,
    require_go: bool = False,
    cache_dir: Path | None = None,
) -> ImplSelection:
    """Build the testees for a run (not started yet) plus unavailable ones."""
    testees: list[Testee] = [InProcessTestee(name=REFERENCE)]
    unavailable: list[ImplInfo] = []
    errors: list[str] = []
    go_names: set[str] = set()
    if use_go:
        for found in _go_candidates(repo_root=repo_root, cache_dir=cache_dir):
            command = getattr(found, "command", None)
            if command is None:
                reason = str(getattr(found, "reason", "unavailable"))
                unavailable.append(
                    ImplInfo(name=found.name, kind="subprocess", unavailable=reason)
                )
                continue
            go_names.add(found.name)
            testees.append(
                SubprocessTestee(
                    name=found.name,
                    command=tuple(command),
                    timeout=timeout,
                    source=str(getattr(found, "source", "")),
                )
            )
    for text in extra:
        name, command = parse_impl_arg(text)
        if any(t.name == name for t in testees):
            raise UsageError(f"--impl {name}: an implementation with that name already exists")
        testees.append(
            SubprocessTestee(name=name, command=command, timeout=timeout, source="--impl")
        )
    if only:
        unknown = set(only) - {t.name for t in testees} - {u.name for u in unavailable}
        if unknown:
            raise UsageError(f"--only-impl: unknown implementation(s) {sorted(unknown)}")
        testees = [t for t in testees if t.name in only]
        unavailable = [u for u in unavailable if u.name in only]
    if skip:
        testees = [t for t in testees if t.name not in skip]
        unavailable = [u for u in unavailable if u.name not in skip]
    if require_go and use_go:
        errors.extend(
            f"{u.name}: unavailable ({u.unavailable}) but Go is required" for u in unavailable
        )
        if not errors and not any(t.name in go_names for t in testees) and not only:
            errors.append("no Go testee was found but Go is required")
    return ImplSelection(
        testees=tuple(testees), unavailable=tuple(unavailable), errors=tuple(errors)
    )
