"""A mutation run: list, baseline, then build and judge every mutant, at most `jobs` at a time.

The baseline is the unmutated module built the same way; its failing cases become
the mutants' expected failures, so a mutant is *killed* exactly when the gate sees a
change from the unmutated build: a case that passed now fails, crashes or times out,
or one that failed now passes. Statuses:

- killed: the suite (or, for suite survivors, the diff) noticed the mutant;
- timeout: the suite or diff hit its wall-time bound (counted as detected: the gate
  would have hung or failed, not passed);
- survived: every check passed, so no case looks at what the mutant changed;
- unviable: the mutant does not build (not scored);
- error: a check could not give a verdict (not scored; named in the report).

Score = (killed + timeout) / (killed + timeout + survived).
"""

from __future__ import annotations

import queue
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from harness.exceptions import MutationSetupError
from harness.mutate.gotool import GoTool, build_operator_tool, list_mutants
from harness.mutate.judge import (
    BASELINE_FAILURES,
    DiffVerdict,
    SuiteSelection,
    SuiteVerdict,
    run_diff,
    run_suite,
)
from harness.mutate.mutants import Mutant, Target
from harness.mutate.workspace import Workspace, module_path


class Status(StrEnum):
    """What became of one mutant."""

    KILLED = "killed"
    TIMEOUT = "timeout"
    SURVIVED = "survived"
    UNVIABLE = "unviable"
    ERROR = "error"


@dataclass(frozen=True)
class MutateOptions:
    """Everything a mutation run needs."""

    root: Path  # project root (cases, goldens, .cache)
    module: Path  # root of the Go module to mutate (read only)
    testee: Path  # the user's testee main package (read only)
    targets: tuple[Target, ...]
    name: str = "mutant"
    jobs: int = 2
    selection: SuiteSelection = field(default_factory=SuiteSelection)
    build_timeout: float = 300.0
    suite_timeout: float = 900.0
    diff_examples: int = 0  # 0: no diff stage
    diff_timeout: float = 900.0
    only: tuple[str, ...] = ()  # mutant ids; empty = all
    operators: tuple[str, ...] = ()  # operator names; empty = all
    out_dir: Path | None = None  # where diff counterexamples of survivors are kept


@dataclass(frozen=True)
class MutantResult:
    """One mutant's verdict."""

    mutant: Mutant
    status: Status
    stage: str = ""  # build, suite, diff, or "" for survivors
    killed_by: tuple[str, ...] = ()  # case ids (suite) or the counterexample (diff)
    warned_by: tuple[str, ...] = ()  # recommended cases that newly failed
    detail: str = ""
    patch: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class Baseline:
    """The unmutated build's verdict."""

    build_seconds: float
    suite: SuiteVerdict
    expected_failures: tuple[str, ...]
    diff: DiffVerdict | None = None


@dataclass(frozen=True)
class MutationRun:
    """A whole run: what was mutated, the baseline and every mutant's result."""

    module: Path
    module_path: str
    testee: Path
    targets: tuple[Target, ...]
    baseline: Baseline
    results: tuple[MutantResult, ...]
    seconds: float
    jobs: int
    diff_examples: int

    def count(self, *, status: Status) -> int:
        """How many mutants ended with `status`."""
        return sum(r.status is status for r in self.results)

    @property
    def scored(self) -> int:
        """Mutants that count towards the score (killed, timeout, survived)."""
        return sum(r.status in (Status.KILLED, Status.TIMEOUT, Status.SURVIVED)
                   for r in self.results)

    @property
    def score(self) -> float | None:
        """Detected / scored, None when nothing was scored."""
        if not self.scored:
            return None
        detected = self.count(status=Status.KILLED) + self.count(status=Status.TIMEOUT)
        return detected / self.scored

    @property
    def survivors(self) -> tuple[MutantResult, ...]:
        """The surviving mutants, in mutant order."""
        return tuple(r for r in self.results if r.status is Status.SURVIVED)


def select_mutants(*, mutants: Sequence[Mutant], only: Sequence[str],
                   operators: Sequence[str]) -> tuple[Mutant, ...]:
    """The mutants `--only` and `--operator` keep; an unknown id is an error."""
    known = {m.id for m in mutants}
    unknown = sorted(set(only) - known)
    if unknown:
        raise MutationSetupError(f"no mutant {', '.join(unknown)} (there are {len(mutants)})")
    return tuple(m for m in mutants
                 if (not only or m.id in only) and (not operators or m.operator in operators))


def enumerate_mutants(*, options: MutateOptions, tool: GoTool | None = None) -> tuple[Mutant, ...]:
    """Every mutant of the targets, after `--only`/`--operator` (no build, no run)."""
    tool = tool or GoTool.find(root=options.root)
    program = build_operator_tool(tool=tool)
    found = list_mutants(tool=tool, program=program, module=options.module,
                         targets=options.targets)
    return select_mutants(mutants=found, only=options.only, operators=options.operators)


class _Runner:
    """The shared state of one run: workspaces, the baseline's expected failures."""

    def __init__(self, *, options: MutateOptions, tool: GoTool, work: Path,
                 module_path: str) -> None:
        self.options = options
        self.work = work
        self.workspaces: queue.Queue[Workspace] = queue.Queue()
        for index in range(max(1, options.jobs)):
            self.workspaces.put(Workspace(
                tool=tool, base=work / f"w{index}", module=options.module,
                module_path=module_path, testee=options.testee))
        self.xfail: Path | None = None
        self.baseline_warned: frozenset[str] = frozenset()

    def build(self, *, mutant: Mutant | None, out: Path) -> tuple[bool, float, str, bool]:
        space = self.workspaces.get()
        try:
            built = space.build(mutant=mutant, out=out, timeout=self.options.build_timeout)
        finally:
            self.workspaces.put(space)
        return built.ok, built.seconds, built.output, built.timed_out

    def suite(self, *, binary: Path, label: str) -> SuiteVerdict:
        return run_suite(
            root=self.options.root, name=self.options.name, binary=binary,
            report=binary.parent / f"{label}.json", selection=self.options.selection,
            xfail=self.xfail, wall_timeout=self.options.suite_timeout,
        )

    def diff(self, *, binary: Path) -> DiffVerdict:
        return run_diff(
            root=self.options.root, name=self.options.name, binary=binary,
            examples=self.options.diff_examples, out_dir=binary.parent / "counterexamples",
            request_timeout=self.options.selection.request_timeout,
            wall_timeout=self.options.diff_timeout,
        )

    def baseline(self) -> Baseline:
        folder = self.work / "baseline"
        binary = folder / "testee"
        ok, seconds, output, _ = self.build(mutant=None, out=binary)
        if not ok:
            raise MutationSetupError(
                f"the unmutated module does not build through {self.options.testee}:\n{output}")
        verdict = self.suite(binary=binary, label="suite")
        if verdict.error or verdict.start_error:
            raise MutationSetupError(
                f"the suite cannot judge the unmutated build: "
                f"{verdict.error or verdict.start_error}")
        errors = sorted(c for c, o in verdict.outcomes.items() if o == "error")
        if errors:
            raise MutationSetupError(f"cases in error on the unmutated build: {', '.join(errors)}")
        failing = tuple(sorted(c for c, o in verdict.outcomes.items() if o in BASELINE_FAILURES))
        self.xfail = self.work / "baseline-xfail.txt"
        self.xfail.write_text("".join(f"{c} # fails on the unmutated build\n" for c in failing),
                              encoding="utf-8")
        self.baseline_warned = frozenset(verdict.warned)
        diff = None
        if self.options.diff_examples > 0:
            diff = self.diff(binary=binary)
            if diff.diverged or diff.error or diff.timed_out:
                raise MutationSetupError(
                    "the unmutated build already fails `diff reference`, so the diff cannot "
                    f"judge mutants (use --diff-examples 0):\n"
                    f"{diff.summary or diff.error}")
        return Baseline(build_seconds=seconds, suite=verdict, expected_failures=failing, diff=diff)

    def judge(self, *, mutant: Mutant) -> MutantResult:
        started = time.monotonic()
        folder = self.work / "mutants" / mutant.id
        try:
            result = self._judge(mutant=mutant, folder=folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return MutantResult(
            mutant=mutant, status=result.status, stage=result.stage, killed_by=result.killed_by,
            warned_by=result.warned_by, detail=result.detail,
            patch=self._patch(mutant=mutant), seconds=time.monotonic() - started,
        )

    def _patch(self, *, mutant: Mutant) -> str:
        source = (self.options.module / mutant.file).read_bytes()
        return mutant.patch(source=source)

    def _judge(self, *, mutant: Mutant, folder: Path) -> MutantResult:
        binary = folder / "testee"
        ok, _, output, timed_out = self.build(mutant=mutant, out=binary)
        if not ok:
            status = Status.ERROR if timed_out else Status.UNVIABLE
            return MutantResult(mutant=mutant, status=status, stage="build", detail=output)
        suite = self.suite(binary=binary, label="suite")
        warned = tuple(c for c in suite.warned if c not in self.baseline_warned)
        if suite.timed_out:
            return MutantResult(mutant=mutant, status=Status.TIMEOUT, stage="suite",
                                detail=suite.error)
        if suite.start_error:
            return MutantResult(mutant=mutant, status=Status.KILLED, stage="suite",
                                killed_by=("(testee did not start)",), detail=suite.start_error)
        if suite.error:
            return MutantResult(mutant=mutant, status=Status.ERROR, stage="suite",
                                detail=suite.error)
        if suite.unexpected:
            return MutantResult(mutant=mutant, status=Status.KILLED, stage="suite",
                                killed_by=suite.unexpected, warned_by=warned)
        if self.options.diff_examples <= 0:
            return MutantResult(mutant=mutant, status=Status.SURVIVED, warned_by=warned)
        diff = self.diff(binary=binary)
        if diff.timed_out:
            return MutantResult(mutant=mutant, status=Status.TIMEOUT, stage="diff",
                                detail=diff.error, warned_by=warned)
        if diff.error:
            return MutantResult(mutant=mutant, status=Status.ERROR, stage="diff",
                                detail=diff.error, warned_by=warned)
        if diff.diverged:
            kept = self._keep_counterexample(mutant=mutant, case_file=diff.case_file)
            return MutantResult(mutant=mutant, status=Status.KILLED, stage="diff",
                                killed_by=(kept or diff.case_file,), detail=diff.summary,
                                warned_by=warned)
        return MutantResult(mutant=mutant, status=Status.SURVIVED, warned_by=warned)

    def _keep_counterexample(self, *, mutant: Mutant, case_file: str) -> str:
        """Copy the diff's spec case out of the mutant's folder before it is removed."""
        if self.options.out_dir is None or not case_file:
            return ""
        source = Path(case_file)
        if not source.is_absolute():
            source = self.options.root / source
        if not source.is_file():
            return ""
        dest = self.options.out_dir / f"{mutant.id}-{source.name}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
        return str(dest)


def run_mutation(*, options: MutateOptions,
                 progress: Callable[[MutantResult, int, int], None] | None = None,
                 tool: GoTool | None = None) -> MutationRun:
    """List the mutants, judge the baseline, then judge every mutant (`jobs` at a time)."""
    if options.jobs < 1:
        raise MutationSetupError(f"--jobs must be at least 1, got {options.jobs}")
    started = time.monotonic()
    tool = tool or GoTool.find(root=options.root)
    path = module_path(tool=tool, module=options.module)
    mutants = enumerate_mutants(options=options, tool=tool)
    if not mutants:
        raise MutationSetupError("the targets have no mutants (after --only/--operator)")
    work = Path(tempfile.mkdtemp(prefix="tokencache-mutate-"))
    try:
        runner = _Runner(options=options, tool=tool, work=work, module_path=path)
        baseline = runner.baseline()
        results: list[MutantResult] = []
        pool = ThreadPoolExecutor(max_workers=options.jobs)
        try:
            futures = [pool.submit(runner.judge, mutant=m) for m in mutants]
            # Progress in the order mutants finish: one slow mutant (a deadlock that runs
            # into every request timeout) must not hide the others.
            for done, future in enumerate(as_completed(futures), start=1):
                result = future.result()
                results.append(result)
                if progress is not None:
                    progress(result, done, len(mutants))
            order = {m.id: i for i, m in enumerate(mutants)}
            results.sort(key=lambda r: order[r.mutant.id])
        finally:
            # On Ctrl-C or an error, mutants not yet started are dropped, not waited for.
            pool.shutdown(wait=True, cancel_futures=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return MutationRun(
        module=options.module, module_path=path, testee=options.testee,
        targets=options.targets, baseline=baseline, results=tuple(results),
        seconds=time.monotonic() - started, jobs=options.jobs,
        diff_examples=options.diff_examples,
    )
