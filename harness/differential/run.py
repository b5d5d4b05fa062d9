"""Differential property testing: one operation sequence, two implementations, lockstep.

A hypothesis RuleBasedStateMachine drives both sides with the same steps; each
side has its own sandbox (own temp dir, own HOME) that is reset, not recreated,
between examples, and its testee stays alive across examples. After every step
the normalised responses, the cache file's bytes and mode, and the cache
directory's mode and listing must be equal. The first difference fails the
example; hypothesis shrinks it and the minimal sequence is written as a
ready-to-add spec case (see docs/differential.md).

This module is the public entry (`run_diff`, `DiffResult`); the pieces live in
observe (what a step observes and how two sides compare), side (one
implementation and its sandbox), counterexample (the spec case written on
a divergence), options (options, allowed classes) and engine
(the lockstep engine and its state machine).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import seed, settings
from hypothesis.configuration import set_hypothesis_home_dir, storage_directory
from hypothesis.stateful import get_state_machine_test
from hypothesis.statistics import collector as _collector

from harness.differential.counterexample import (
    Counterexample,
    WrittenCounterexample,
    write_counterexample,
)
from harness.differential.engine import Engine, build_machine
from harness.differential.options import DiffOptions
from harness.exceptions import Divergence, ProjectNotFound
from harness.paths import find_repo_root
from harness.profiles import profile_settings
from harness.testee import Testee

# hypothesis types its statistics hook as always None; it takes a callback at run time.
_STATISTICS: Any = _collector



@dataclass(frozen=True)
class ExampleCounts:
    """How many test cases hypothesis ran, and how many of them were valid examples."""

    examples: int  # valid examples generated (or reused), the first failing one included
    test_cases: int  # every call of the test: examples, rejected or overrun ones, shrinking
    rejected: int  # generated but invalid: assume(False), a filter or the size limit
    shrinking: int  # runs while shrinking a divergence


def example_counts(*, stats: Mapping[str, Any] | None, fallback: int) -> ExampleCounts:
    """Counts from hypothesis's run statistics; every test case counts when there are none."""
    if not stats:
        return ExampleCounts(examples=fallback, test_cases=fallback, rejected=0, shrinking=0)
    examples = rejected = shrinking = total = 0
    for key, phase in stats.items():
        if not key.endswith("-phase") or not isinstance(phase, Mapping):
            continue
        statuses = [str(t.get("status", "")) for t in phase.get("test-cases", ())]
        total += len(statuses)
        if key in ("reuse-phase", "generate-phase"):
            examples += sum(s in ("valid", "interesting") for s in statuses)
            rejected += sum(s in ("invalid", "overrun") for s in statuses)
        else:
            shrinking += len(statuses)
    return ExampleCounts(
        examples=examples, test_cases=total, rejected=rejected, shrinking=shrinking
    )


@dataclass(frozen=True)
class DiffResult:
    """What a run found."""

    names: tuple[str, str]
    examples: int  # valid examples (see ExampleCounts)
    steps: int  # steps run in every test case, rejected and shrinking ones included
    seconds: float
    allowed: frozenset[str]
    counterexample: Counterexample | None = None
    written: WrittenCounterexample | None = None
    hypothesis_error: str = ""
    counts: ExampleCounts | None = field(default=None)

    @property
    def ok(self) -> bool:
        """True when no divergence was found."""
        return self.counterexample is None and not self.hypothesis_error

    @property
    def test_cases(self) -> int:
        """Every test case hypothesis ran (the valid examples when unknown)."""
        return self.counts.test_cases if self.counts is not None else self.examples

    @property
    def examples_per_second(self) -> float:
        """Valid examples per second of the run, for the report."""
        return self.examples / self.seconds if self.seconds > 0 else 0.0

    def render(self) -> str:
        """Summary text for the terminal."""
        a, b = self.names
        lines = [
            f"diff {a} vs {b}: {self.examples} examples, {self.steps} steps in "
            f"{self.seconds:.1f}s ({self.examples_per_second:.0f} examples/s)",
        ]
        if self.counts is not None:
            c = self.counts
            lines.append(
                f"hypothesis ran {c.test_cases} test cases: {c.examples} valid examples, "
                f"{c.rejected} rejected, {c.shrinking} shrinking (steps count all of them)"
            )
        lines.append(f"allowed divergence classes: {', '.join(sorted(self.allowed)) or 'none'}")
        if self.counterexample is not None:
            lines.append(self.counterexample.render())
        if self.written is not None:
            lines.append(f"spec case written: {self.written.case_file}")
            if self.written.golden_file is not None:
                lines.append(f"golden bytes:      {self.written.golden_file}")
            lines.append(f"observed outputs:  {self.written.observed_file}")
        if self.hypothesis_error:
            lines.append(f"hypothesis error: {self.hypothesis_error}")
        lines.append("DIVERGED" if not self.ok else "NO DIVERGENCE")
        return "\n".join(lines) + "\n"


def run_settings(*, options: DiffOptions) -> settings:
    """The profile's settings with --examples / --seed / step count applied."""
    base = profile_settings(name=options.profile)
    changes: dict[str, Any] = {"report_multiple_bugs": False}
    if options.examples is not None:
        changes["max_examples"] = options.examples
    if options.steps is not None:
        changes["stateful_step_count"] = options.steps
    if options.seed is not None:
        changes["derandomize"] = False
    return settings(base, **changes)


def hypothesis_home() -> Path | None:
    """Where hypothesis keeps its caches for `diff`: the project's .cache, not the cwd.

    Hypothesis scans the source of every local module for constants before the
    first example and caches the result in its home; in a fresh `.hypothesis`
    under whatever directory `diff` runs from, that scan costs about a second
    per run. None (hypothesis's own default) outside a project checkout.
    """
    try:
        return find_repo_root() / ".cache" / "hypothesis"
    except ProjectNotFound:
        return None


@contextlib.contextmanager
def _hypothesis_home(directory: Path | None) -> Iterator[None]:
    if directory is None:
        yield
        return
    previous = storage_directory(intent_to_write=False).home_directory
    set_hypothesis_home_dir(directory)
    try:
        yield
    finally:
        set_hypothesis_home_dir(previous)


def run_diff(
    *, a: Testee, b: Testee, options: DiffOptions,
    on_test_case: Callable[[int, bool], None] | None = None,
) -> DiffResult:
    """Run the differential test; writes the shrunk counterexample when one is found.

    `on_test_case(count, diverged)` is called as each test case begins (progress).
    """
    engine = Engine(a=a, b=b, options=options, on_test_case=on_test_case)
    home = options.hypothesis_dir or hypothesis_home()
    stats: list[Mapping[str, Any]] = []
    started = time.monotonic()
    error = ""
    try:
        machine = build_machine(engine=engine)
        test = get_state_machine_test(machine, settings=run_settings(options=options))
        if options.seed is not None:
            test = seed(options.seed)(test)
        try:
            with _hypothesis_home(home), _STATISTICS.with_value(stats.append):
                test()
        except Divergence:
            pass
        except Exception as exc:  # flaky replays, health checks: reported, not raised
            error = f"{type(exc).__name__}: {exc}"
    finally:
        seconds = time.monotonic() - started
        engine.close()
    written = None
    if engine.failure is not None:
        written = write_counterexample(cx=engine.failure, out_dir=options.out_dir)
    counts = example_counts(stats=stats[-1] if stats else None, fallback=engine.test_cases)
    return DiffResult(
        names=engine.names,
        examples=counts.examples,
        steps=engine.steps,
        seconds=seconds,
        allowed=engine.allowed,
        counterexample=engine.failure,
        written=written,
        hypothesis_error=error,
        counts=counts,
    )
