"""What a stress run starts: writer groups (`IMPL=N`), resolved commands, options.

`reference` is `python -m reference_impl` started with ``sys.executable`` (the
in-process reference cannot be N processes), `reference+go1.27.3` the same with
``--toolchain go1.27.3``; a `+lock` suffix on any name
appends ``--lock`` to that implementation's command, and the started process
must then announce ``"lock": "flock"`` in its hello (docs/concurrency.md).
Every other name is resolved through :func:`harness.impls.select_impls`
(the Go testees, `--impl NAME=CMD`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.exceptions import TesteeFailure, UsageError
from harness.impls import REFERENCE, select_impls
from harness.options import DEFAULT_TIMEOUT
from harness.stress.limits import DEFAULT_STORES, DEFAULT_TIME_LIMIT, MAX_STORES, MAX_WRITERS
from harness.testee import InProcessTestee, SubprocessTestee
from harness.toolchains import ReferenceSession

LOCK_SUFFIX = "+lock"
LOCK_ARGUMENT = "--lock"
REFERENCE_COMMAND = (sys.executable, "-m", "reference_impl")


@dataclass(frozen=True)
class WriterGroup:
    """N writer processes of one implementation (`--writers IMPL=N`)."""

    impl: str
    count: int


@dataclass(frozen=True)
class ResolvedImpl:
    """An implementation as stress starts it: the command and whether it must lock."""

    name: str
    command: tuple[str, ...]
    locking: bool
    source: str = ""


@dataclass(frozen=True)
class StressOptions:
    """How each writer behaves and the bounds of the run.

    `kill_rate` is the probability that a store is followed by a SIGKILL of its
    writer at a random moment within about twice the implementation's median
    store time (so often inside the store); `time_limit` bounds the whole mix.
    """

    stores: int = DEFAULT_STORES
    shared_key: bool = False
    kill_rate: float = 0.0
    seed: int = 0
    time_limit: float = DEFAULT_TIME_LIMIT
    timeout: float = DEFAULT_TIMEOUT
    sample_interval: float = 0.002

    def __post_init__(self) -> None:
        if not 1 <= self.stores <= MAX_STORES:
            raise UsageError(f"--stores must be between 1 and {MAX_STORES}, got {self.stores}")
        if not 0.0 <= self.kill_rate <= 1.0:
            raise UsageError(f"--kill-rate must be between 0 and 1, got {self.kill_rate:g}")
        if not self.time_limit > 0 or not self.timeout > 0:
            raise UsageError("--time-limit and --timeout must be positive")


def parse_writers_arg(*, text: str) -> WriterGroup:
    """`IMPL=N` → a group; N is a positive integer."""
    impl, sep, count = text.rpartition("=")
    impl = impl.strip()
    try:
        n = int(count)
    except ValueError:
        n = 0
    if not sep or not impl or n < 1:
        raise UsageError(f"--writers expects IMPL=N with N >= 1, got {text!r}")
    return WriterGroup(impl=impl, count=n)


def merge_groups(*, groups: Sequence[WriterGroup]) -> tuple[WriterGroup, ...]:
    """Groups naming the same implementation add up; order of first mention is kept."""
    counts: dict[str, int] = {}
    for g in groups:
        counts[g.impl] = counts.get(g.impl, 0) + g.count
    total = sum(counts.values())
    if not counts:
        raise UsageError("stress needs at least one --writers IMPL=N")
    if total > MAX_WRITERS:
        raise UsageError(f"at most {MAX_WRITERS} writers in one mix, got {total}")
    return tuple(WriterGroup(impl=name, count=n) for name, n in counts.items())


@dataclass(frozen=True)
class Resolution:
    """The implementations stress can start, and why the others cannot be."""

    impls: dict[str, ResolvedImpl]
    errors: tuple[str, ...]


def resolve_impls(
    *,
    names: Sequence[str],
    repo_root: Path,
    extra: Sequence[str] = (),
    use_go: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    require_go: bool = False,
    cache_dir: Path | None = None,
) -> Resolution:
    """Commands for the named implementations.

    Each subprocess implementation is started once to learn its command (a Go
    testee is built then; only the Go testees named are).
    """
    bases = list(dict.fromkeys(n.removesuffix(LOCK_SUFFIX) for n in names))
    selection = select_impls(
        repo_root=repo_root,
        extra=extra,
        use_go=use_go,
        only=bases,
        timeout=timeout,
        require_go=require_go,
        cache_dir=cache_dir,
    )
    commands: dict[str, tuple[tuple[str, ...], str]] = {}
    reasons = {u.name: u.unavailable or "unavailable" for u in selection.unavailable}
    for testee in selection.testees:
        if isinstance(testee, InProcessTestee) and testee.name == REFERENCE:
            commands[testee.name] = (REFERENCE_COMMAND, "python -m reference_impl")
        elif isinstance(testee, InProcessTestee) and isinstance(
            testee.session_factory, ReferenceSession
        ):
            option = ("--toolchain", testee.session_factory.toolchain)
            commands[testee.name] = ((*REFERENCE_COMMAND, *option), " ".join(
                ("python -m reference_impl", *option)
            ))
        elif isinstance(testee, SubprocessTestee):
            try:
                testee.start()
            except TesteeFailure as exc:
                reasons[testee.name] = str(exc)
            else:
                commands[testee.name] = (testee.command, testee.source)
        testee.close()
    errors = list(selection.errors)
    impls: dict[str, ResolvedImpl] = {}
    for name in dict.fromkeys(names):
        base = name.removesuffix(LOCK_SUFFIX)
        if base not in commands:
            errors.append(f"{name}: {reasons.get(base, 'no such implementation')}")
            continue
        command, source = commands[base]
        locking = name.endswith(LOCK_SUFFIX)
        impls[name] = ResolvedImpl(
            name=name,
            command=(*command, LOCK_ARGUMENT) if locking else command,
            locking=locking,
            source=source,
        )
    return Resolution(impls=impls, errors=tuple(dict.fromkeys(errors)))
