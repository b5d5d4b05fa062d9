"""Differential property testing: one operation sequence, two implementations, lockstep.

A hypothesis RuleBasedStateMachine drives both sides with the same steps; each
side has its own sandbox (own temp dir, own HOME) that is reset, not recreated,
between examples, and its testee stays alive across examples. After every step
the normalised responses, the cache file's bytes and mode, and the cache
directory's mode and listing must be equal. A difference gets a signature; the
search goes on in rounds, each found signature set aside, and each distinct
divergence is shrunk and written as a ready-to-add spec case (see
docs/differential.md).

This module is the public entry (`run_diff`, `DiffResult`); the pieces live in
observe (what a step observes and how two sides compare), side (one
implementation and its sandbox), signatures (what a divergence is), search (the
rounds), known (`--known FILE`), counterexample (the spec case written for a
divergence), options (options, allowed classes) and engine (the lockstep
engine and its state machine).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import Phase, Verbosity, settings
from hypothesis.configuration import set_hypothesis_home_dir, storage_directory

from harness.differential.counterexample import Counterexample, WrittenCounterexample
from harness.differential.engine import Engine, build_machine
from harness.differential.known import KnownUse, known_uses
from harness.differential.options import DiffOptions
from harness.differential.search import (
    Finding,
    SearchOutcome,
    SharedFindings,
    resolve_known_cases,
    search,
)
from harness.exceptions import ProjectNotFound
from harness.paths import find_repo_root
from harness.profiles import profile_settings
from harness.testee import Testee


@dataclass(frozen=True)
class ExampleCounts:
    """How many test cases hypothesis ran, and how many of them were valid examples."""

    examples: int  # valid examples generated (or reused), the first failing one included
    test_cases: int  # every call of the test: examples, rejected or overrun ones, shrinking
    rejected: int  # generated but invalid: assume(False), a filter or the size limit
    shrinking: int  # runs while shrinking a divergence
    invalid: int = 0  # of the rejected: a filter or assume(False) gave up
    overrun: int = 0  # of the rejected: over one of hypothesis's size caps

    @classmethod
    def plain(cls, *, examples: int) -> ExampleCounts:
        """Counts without hypothesis's statistics: every test case was a valid example."""
        return cls(examples=examples, test_cases=examples, rejected=0, shrinking=0)

    @classmethod
    def total(cls, *, counts: Sequence[ExampleCounts], fallback: int) -> ExampleCounts:
        """The sum of several runs' counts (`plain(fallback)` when there are none)."""
        if not counts:
            return cls.plain(examples=fallback)
        return cls(
            examples=sum(c.examples for c in counts),
            test_cases=sum(c.test_cases for c in counts),
            rejected=sum(c.rejected for c in counts),
            shrinking=sum(c.shrinking for c in counts),
            invalid=sum(c.invalid for c in counts),
            overrun=sum(c.overrun for c in counts),
        )


def example_counts(*, stats: Mapping[str, Any] | None, fallback: int) -> ExampleCounts:
    """Counts from hypothesis's run statistics; every test case counts when there are none."""
    if not stats:
        return ExampleCounts.plain(examples=fallback)
    examples = invalid = overrun = shrinking = total = 0
    for key, phase in stats.items():
        if not key.endswith("-phase") or not isinstance(phase, Mapping):
            continue
        statuses = [str(t.get("status", "")) for t in phase.get("test-cases", ())]
        total += len(statuses)
        if key in ("reuse-phase", "generate-phase"):
            examples += sum(s in ("valid", "interesting") for s in statuses)
            invalid += statuses.count("invalid")
            overrun += statuses.count("overrun")
        else:
            shrinking += len(statuses)
    return ExampleCounts(
        examples=examples, test_cases=total, rejected=invalid + overrun, shrinking=shrinking,
        invalid=invalid, overrun=overrun,
    )


@dataclass(frozen=True)
class DiffResult:
    """What a run found: every distinct divergence, and how the known ones were used."""

    names: tuple[str, str]
    examples: int  # valid examples (see ExampleCounts)
    steps: int  # steps run in every test case, rejected and shrinking ones included
    seconds: float
    allowed: frozenset[str]
    findings: tuple[Finding, ...] = ()
    hypothesis_error: str = ""
    counts: ExampleCounts | None = field(default=None)
    known: tuple[KnownUse, ...] = ()
    known_errors: tuple[str, ...] = ()
    rounds: int = 1
    started: float = 0.0  # time.monotonic() at the start (CLOCK_MONOTONIC: one clock per host)

    @property
    def counterexample(self) -> Counterexample | None:
        """The first divergence found (None when there is none)."""
        return self.findings[0].counterexample if self.findings else None

    @property
    def written(self) -> WrittenCounterexample | None:
        """Where the first divergence's spec case went."""
        return self.findings[0].written if self.findings else None

    @property
    def stale(self) -> tuple[KnownUse, ...]:
        """Known entries that are stale (a case that no longer diverges)."""
        return tuple(u for u in self.known if u.stale)

    @property
    def ok(self) -> bool:
        """True when nothing new diverged and the known-divergences file is clean."""
        return (not self.findings and not self.hypothesis_error and not self.known_errors
                and not self.stale)

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
            if c.rejected:
                lines.append(
                    f"rejected: {c.invalid} invalid draws, {c.overrun} over hypothesis's "
                    "size caps (its early small-example cap and mutations)"
                )
        lines.append(f"allowed divergence classes: {', '.join(sorted(self.allowed)) or 'none'}")
        lines += render_findings(findings=self.findings, rounds=self.rounds)
        if self.known:
            lines.append("known divergences (--known):")
            lines += [f"  {u.render()}" for u in self.known]
        lines += [f"known-divergences file: {e}" for e in self.known_errors]
        if self.hypothesis_error:
            lines.append(f"hypothesis error: {self.hypothesis_error}")
        lines.append("DIVERGED" if not self.ok else "NO DIVERGENCE")
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        """The result as plain JSON (`diff --json FILE`); times unrounded."""
        c = self.counts
        return {
            "names": list(self.names),
            "ok": self.ok,
            "examples": self.examples,
            "test_cases": self.test_cases,
            "rejected": c.rejected if c is not None else 0,
            "invalid": c.invalid if c is not None else 0,
            "overrun": c.overrun if c is not None else 0,
            "shrinking": c.shrinking if c is not None else 0,
            "steps": self.steps,
            "seconds": self.seconds,
            "examples_per_second": self.examples_per_second,
            "rounds": self.rounds,
            "allowed": sorted(self.allowed),
            "divergences": [finding_json(f=f) for f in self.findings],
            "known": [
                {"entry": u.entry.value, "reason": u.entry.reason, "set_aside": u.seen,
                 "stale": u.stale or None}
                for u in self.known
            ],
            "known_errors": list(self.known_errors),
            "hypothesis_error": self.hypothesis_error or None,
        }


def finding_json(*, f: Finding) -> dict[str, Any]:
    """One divergence as plain JSON."""
    return {
        "signature": f.signature.id,
        "text": f.signature.text,
        "message_only": f.signature.message_only,
        "type_names_only": f.signature.type_names_only,
        "found_after_seconds": f.found_after,
        "shrunk_after_seconds": f.shrunk_after,
        "steps": [dict(ts.step) for ts in f.counterexample.steps],
        "case_file": None if f.written is None else str(f.written.case_file),
    }


def render_findings(*, findings: Sequence[Finding], rounds: int) -> list[str]:
    """Every distinct divergence with its shrunk steps, behaviour first, then messages only."""
    if not findings:
        return []
    behaviour = [f for f in findings if not f.signature.message_only]
    messages = [f for f in findings if f.signature.message_only]
    lines = [f"{len(findings)} distinct divergence(s) in {rounds} round(s) "
             "(each set aside once found, the search went on):"]
    groups = [("differences in behaviour", behaviour)]
    typed = sum(f.signature.type_names_only for f in messages)
    note = f"; {typed} only in Go type names (--allow go-type-names)" if typed else ""
    groups.append((f"differences only in error messages{note}", messages))
    n = 0
    for title, group in groups:
        if not group:
            continue
        lines.append(f"{title}:")
        for f in group:
            n += 1
            lines.append(f"  {n}. {f.signature.id}  {f.signature.text}")
            lines.append(f"     found after {f.found_after:.1f}s, shrunk after "
                         f"{f.shrunk_after:.1f}s")
            lines += ["     " + ln for ln in f.counterexample.render().split("\n")]
            if f.written is not None:
                lines.append(f"     spec case written: {f.written.case_file}")
                if f.written.golden_file is not None:
                    lines.append(f"     golden bytes:      {f.written.golden_file}")
                lines.append(f"     observed outputs:  {f.written.observed_file}")
    return lines


def run_settings(*, options: DiffOptions) -> settings:
    """The profile's settings with --examples / --seed / step count applied."""
    base = profile_settings(name=options.profile)
    changes: dict[str, Any] = {"report_multiple_bugs": False}
    # Hypothesis's own "Falsifying example" print-out: the summary says it better.
    changes["verbosity"] = Verbosity.quiet
    # No explain phase: it replays each shrunk divergence hundreds of times to mark
    # the parts that matter in hypothesis's print-out, which is not shown (above).
    changes["phases"] = [p for p in base.phases if p is not Phase.explain]
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
    *, a: Testee, b: Testee, options: DiffOptions, shared: SharedFindings | None = None,
    on_test_case: Callable[[int, bool], None] | None = None,
) -> DiffResult:
    """Run the differential search; writes a shrunk spec case for each distinct divergence.

    `on_test_case(count, diverged)` is called as each test case begins (progress).
    """
    home = options.hypothesis_dir or hypothesis_home()
    started = time.monotonic()
    engine = Engine(a=a, b=b, options=options, on_test_case=on_test_case)
    known = options.known
    outcome = SearchOutcome(findings=(), stats=(), rounds=0)
    try:
        if known is not None:
            dirs = (*options.case_dirs, options.out_dir / "cases")
            known = resolve_known_cases(engine=engine, known=known, dirs=dirs)
        base = run_settings(options=options)
        outcome = search(
            engine=engine, machine=build_machine(engine=engine), options=options,
            base=base, budget=base.max_examples, started=started, shared=shared,
            home=lambda: _hypothesis_home(home),
        )
    finally:
        seconds = time.monotonic() - started
        engine.close()
    counts = ExampleCounts.total(
        counts=[example_counts(stats=s, fallback=0) for s in outcome.stats],
        fallback=engine.test_cases,
    )
    return DiffResult(
        names=engine.names,
        examples=counts.examples,
        steps=engine.steps,
        seconds=seconds,
        allowed=engine.allowed,
        findings=outcome.findings,
        hypothesis_error=outcome.error,
        counts=counts,
        known=() if known is None else known_uses(known=known, seen=engine.known_seen),
        known_errors=() if known is None else known.errors,
        rounds=outcome.rounds,
        started=started,
    )
