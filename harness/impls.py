"""Which implementations a run uses: the reference, Go testees, and `--impl` commands."""

from __future__ import annotations

import importlib
import os
import shlex
from collections.abc import Callable, Sequence
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


def parse_impl_arg(*, text: str) -> tuple[str, tuple[str, ...]]:
    """`NAME=COMMAND` → (name, argv); the command is shlex-split."""
    name, sep, command = text.partition("=")
    name = name.strip()
    if not sep or not name or not command.strip():
        raise UsageError(f"--impl expects NAME=COMMAND, got {text!r}")
    return name, tuple(shlex.split(command))


def parse_named_path(*, text: str, option: str) -> tuple[str, Path]:
    """`NAME=FILE` → (name, path)."""
    name, sep, path = text.partition("=")
    if not sep or not name.strip() or not path.strip():
        raise UsageError(f"{option} expects NAME=FILE, got {text!r}")
    return name.strip(), Path(path)


def require_go_default() -> bool:
    """CI sets TOKENCACHE_COMPAT_REQUIRE_GO=1: a missing Go column is then an error."""
    return os.environ.get(REQUIRE_GO_ENV, "") not in ("", "0", "false")


def unavailable_error(*, info: ImplInfo) -> str:
    """The run error for an unavailable implementation when Go is required."""
    return f"{info.name}: unavailable ({info.unavailable}) but Go is required"


def _gobuild() -> Any:
    return importlib.import_module("harness.gobuild")


def _go_names(*, repo_root: Path) -> list[str]:
    """The names of every Go testee in the checkout, found without building anything."""
    try:
        gobuild = _gobuild()
    except ImportError:
        return []
    dirs = gobuild.find_testee_dirs(repo_root=repo_root)
    return [str(gobuild.go_testee_name(source=d)) for d in dirs]


def _build_go(
    *, repo_root: Path, cache_dir: Path | None, wanted: Callable[[str], bool]
) -> list[Any]:
    """The wanted Go testees built (or why they cannot be)."""
    try:
        gobuild = _gobuild()
    except ImportError as exc:
        return [_Missing(name="go", reason=f"harness.gobuild is not importable: {exc}")]
    found: list[Any] = gobuild.discover_go_testees(
        repo_root=repo_root, cache_dir=cache_dir, include=wanted
    )
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
    """The testees for a run (not started yet) plus unavailable ones.

    `only`/`skip` are applied to names first, so a Go testee that will not run is
    never built.
    """
    extras = [parse_impl_arg(text=text) for text in extra]

    def wanted(name: str) -> bool:
        return (not only or name in only) and name not in skip

    go_names = _go_names(repo_root=repo_root) if use_go else []
    known = [REFERENCE, *go_names]
    for name, _ in extras:
        if name in known:
            raise UsageError(f"--impl {name}: an implementation with that name already exists")
        known.append(name)
    unknown = set(only) - set(known)
    if unknown:
        raise UsageError(f"unknown implementation(s) {sorted(unknown)}; known: {known}")
    found_go: list[Any] = []
    if use_go and (any(wanted(n) for n in go_names) or not go_names):
        # With no testee folder found, discovery still reports why (e.g. gobuild missing).
        found_go = _build_go(repo_root=repo_root, cache_dir=cache_dir, wanted=wanted)
    testees: list[Testee] = []
    unavailable: list[ImplInfo] = []
    if wanted(REFERENCE):
        testees.append(InProcessTestee(name=REFERENCE))
    for found in found_go:
        if not wanted(found.name):
            continue
        command = getattr(found, "command", None)
        if command is None:
            reason = str(getattr(found, "reason", "unavailable"))
            unavailable.append(ImplInfo(name=found.name, kind="subprocess", unavailable=reason))
            continue
        testees.append(
            SubprocessTestee(
                name=found.name,
                command=tuple(command),
                timeout=timeout,
                source=str(getattr(found, "source", "")),
            )
        )
    for name, command in extras:
        if wanted(name):
            testees.append(
                SubprocessTestee(name=name, command=command, timeout=timeout, source="--impl")
            )
    errors: list[str] = []
    if require_go and use_go:
        errors.extend(unavailable_error(info=u) for u in unavailable)
        if not go_names:
            errors.append("no Go testee was found but Go is required")
    return ImplSelection(
        testees=tuple(testees), unavailable=tuple(unavailable), errors=tuple(errors)
    )
