"""Which implementations a run uses: the reference, Go testees, and `--impl` commands."""

from __future__ import annotations

import os
import shlex
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness import gobuild
from harness.confine import DEFAULT_MODE
from harness.data import ImplInfo
from harness.exceptions import NotBuildable, UsageError
from harness.options import DEFAULT_TIMEOUT
from harness.testee import SubprocessTestee, Testee
from harness.toolchains import REFERENCE as REFERENCE
from harness.toolchains import reference_names, reference_testee


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


def resolve_command(*, argv: Sequence[str], start: Path) -> tuple[str, ...]:
    """A testee command with its relative paths made absolute against `start`.

    A testee runs in its own temp directory, so `python3 my_testee.py` or
    `./bin/testee` given on the command line would name nothing there. The
    program is resolved when it holds a slash (a bare name is looked up on
    PATH as usual); a later argument when it names an existing file relative
    to `start` (directories are left alone: `-m package` stays a module name).
    """
    if not argv:
        return ()
    program, *rest = argv
    if "/" in program and not os.path.isabs(program):
        program = str(start / program)
    out = [program]
    for arg in rest:
        if not arg.startswith("-") and not os.path.isabs(arg) and (start / arg).is_file():
            arg = str(start / arg)
        out.append(arg)
    return tuple(out)


def parse_named_path(*, text: str, option: str) -> tuple[str, Path]:
    """`NAME=FILE` → (name, path)."""
    name, sep, path = text.partition("=")
    if not sep or not name.strip() or not path.strip():
        raise UsageError(f"{option} expects NAME=FILE, got {text!r}")
    return name.strip(), Path(path)


def unavailable_error(*, info: ImplInfo) -> str:
    """The run error for an unavailable implementation when Go is required."""
    return f"{info.name}: unavailable ({info.unavailable}) but Go is required"


class GoBuilds:
    """The wanted Go testees, built together (in parallel) the first time one is needed.

    Selecting implementations and collecting tests never build anything; the
    first Go testee to start builds them all, so one cold build serves a run.
    """

    def __init__(self, *, repo_root: Path, cache_dir: Path | None, names: Sequence[str]) -> None:
        self._repo_root = repo_root
        self._cache_dir = cache_dir
        self._names = frozenset(names)
        self._lock = threading.Lock()
        self._built: dict[str, gobuild.GoTestee | gobuild.GoUnavailable] | None = None

    def get(self, *, name: str) -> gobuild.GoTestee | gobuild.GoUnavailable:
        """The build of one testee (building every wanted one on first call)."""
        with self._lock:
            if self._built is None:
                found = gobuild.discover_go_testees(
                    repo_root=self._repo_root, cache_dir=self._cache_dir,
                    include=lambda n: n in self._names,
                )
                self._built = {f.name: f for f in found}
        return self._built.get(name) or gobuild.GoUnavailable(
            name=name, reason="no such Go testee folder"
        )


class GoTestee(SubprocessTestee):
    """A Go testee whose binary is built on first start (see GoBuilds)."""

    def __init__(
        self, *, name: str, builds: GoBuilds, timeout: float, confine_mode: str = DEFAULT_MODE
    ) -> None:
        super().__init__(name=name, command=(), timeout=timeout, source="",
                         confine_mode=confine_mode)
        self._builds = builds

    def start(self) -> None:
        self.built_command()
        super().start()

    def built_command(self) -> tuple[str, ...]:
        """Build (or reuse) the binary; its command (NotBuildable when it cannot be had)."""
        built = self._builds.get(name=self.name)
        if isinstance(built, gobuild.GoUnavailable):
            raise NotBuildable(built.reason)
        self.command, self.source = built.command, str(built.source)
        return self.command


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
    confine_mode: str = DEFAULT_MODE,
) -> ImplSelection:
    """The testees for a run (not started yet) plus unavailable ones.

    `only`/`skip` are applied to names first, so a Go testee that will not run is
    never built.
    """
    start = Path.cwd()  # where the harness was started: relative testee paths mean here
    extras = [
        (name, resolve_command(argv=argv, start=start))
        for name, argv in (parse_impl_arg(text=text) for text in extra)
    ]

    go_dirs = gobuild.find_testee_dirs(repo_root=repo_root) if use_go else []
    # Newest release first, each with the machine's Go and then each extra toolchain.
    go_names = gobuild.column_names(repo_root=repo_root) if use_go else []
    opt_in = {n for n in go_names if gobuild.opt_in(name=n)}

    def wanted(name: str) -> bool:
        if name in opt_in:  # a worked example, not a column: only when named
            return name in only and name not in skip
        return (not only or name in only) and name not in skip

    references = reference_names()
    known = [*references, *go_names]
    for name, _ in extras:
        if name in known:
            raise UsageError(f"--impl {name}: an implementation with that name already exists")
        known.append(name)
    unknown = set(only) - set(known)
    # Found without building anything, to tell a disabled Go testee from an unknown name.
    every_go = {gobuild.go_testee_name(source=d)
                for d in gobuild.find_testee_dirs(repo_root=repo_root)}
    disabled = sorted(unknown & every_go) if not use_go else []
    if disabled:
        raise UsageError(
            f"--only-impl {', '.join(disabled)}: a Go implementation, but --no-go disables "
            "the Go testees (drop --no-go to run it)"
        )
    if unknown:
        raise UsageError(f"unknown implementation(s) {sorted(unknown)}; known: {known}")
    testees: list[Testee] = []
    unavailable: list[ImplInfo] = []
    for name in references:
        testee = reference_testee(name=name) if wanted(name) else None
        if testee is not None:
            testees.append(testee)
    wanted_go = [n for n in go_names if wanted(n)]
    no_go = gobuild.toolchain_missing(repo_root=repo_root, sources=go_dirs)
    builds = GoBuilds(repo_root=repo_root, cache_dir=cache_dir, names=wanted_go)
    for name in wanted_go:
        if no_go is not None:
            unavailable.append(ImplInfo(name=name, kind="subprocess", unavailable=no_go[name]))
        else:
            testees.append(GoTestee(name=name, builds=builds, timeout=timeout,
                                    confine_mode=confine_mode))
    for name, command in extras:
        if wanted(name):
            testees.append(
                SubprocessTestee(name=name, command=command, timeout=timeout, source="--impl",
                                 confine_mode=confine_mode)
            )
    errors: list[str] = []
    if require_go and use_go:
        errors.extend(unavailable_error(info=u) for u in unavailable)
        if not go_names:
            errors.append("no Go testee was found but Go is required")
    return ImplSelection(
        testees=tuple(testees), unavailable=tuple(unavailable), errors=tuple(errors)
    )
