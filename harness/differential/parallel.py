"""`diff --jobs N`: the differential search split across N worker processes.

Hypothesis generation is CPU-bound and single-threaded, so one run uses one
core. Each worker here runs the ordinary `run_diff` on its share of the
examples, with its own seed, its own sandboxes and its own testee processes;
the parent merges the results. What is generated and compared is unchanged:
each worker is a plain differential run with a different seed. Through a
shared directory the workers set aside each other's divergences and stop
together at `--max-divergences`; each distinct divergence is written once,
straight into `--out`.

Seeds: with `--seed S` worker i gets a seed derived from (S, i); with the
derandomized `ci` profile and no seed, from a fixed base, so CI replays the
same examples every time; otherwise (a random profile without a seed) every
worker draws its own random seed, as a single run would.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from harness import interrupt, procs, scratch
from harness.confine import DEFAULT_MODE
from harness.differential.counterexample import WrittenCounterexample
from harness.differential.known import KnownUse, merge_seen
from harness.differential.options import DiffOptions
from harness.differential.run import DiffResult, ExampleCounts, run_diff, run_settings
from harness.differential.search import Finding, SharedFindings
from harness.exceptions import DiffSetupError, InvalidJobCount, TesteeFailure
from harness.interrupt import Interrupted
from harness.testee import DEFAULT_TIMEOUT, InProcessTestee, SubprocessTestee, Testee

# The base of the per-worker seeds when the ci profile runs without --seed.
CI_BASE_SEED = 0
# After SIGTERM, a worker ends its testees and exits at once; past this it is killed.
WORKER_GRACE = 1.5
# The folder (in the workers' temp dir) where workers note their testees' process groups.
GROUP_NOTES = "groups"


@dataclass(frozen=True)
class TesteeRecipe:
    """How a worker process builds its own copy of a testee (testees hold processes)."""

    name: str
    command: tuple[str, ...] = ()  # empty: the in-process reference
    timeout: float = DEFAULT_TIMEOUT
    source: str = ""
    confine_mode: str = DEFAULT_MODE
    session_factory: Callable[[], Any] | None = None  # in process; must pickle

    def build(self) -> Testee:
        """A fresh, not yet started testee."""
        if self.command:
            return SubprocessTestee(
                name=self.name, command=self.command, timeout=self.timeout, source=self.source,
                confine_mode=self.confine_mode,
            )
        return InProcessTestee(name=self.name, session_factory=self.session_factory)


def recipe_of(*, testee: Testee) -> TesteeRecipe:
    """The recipe that rebuilds `testee` in another process; DiffSetupError if none can."""
    if isinstance(testee, SubprocessTestee):
        # A Go testee is built on first start: the workers need its binary's command
        # (without it a recipe with no command would rebuild the in-process reference).
        try:
            command = testee.built_command()
        except TesteeFailure as exc:
            raise DiffSetupError(f"{testee.name} did not start: {exc}") from exc
        if not command:
            raise DiffSetupError(f"{testee.name}: no command to start it with in a worker")
        return TesteeRecipe(
            name=testee.name, command=command, timeout=testee.timeout, source=testee.source,
            confine_mode=testee.confine_mode,
        )
    if isinstance(testee, InProcessTestee):
        factory = testee.session_factory  # None means the reference
        try:
            pickle.dumps(factory)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise DiffSetupError(
                f"{testee.name}: its session factory cannot cross a process boundary "
                f"({exc}); use --jobs 1 or run it as a subprocess with --impl"
            ) from exc
        return TesteeRecipe(name=testee.name, session_factory=factory)
    raise DiffSetupError(f"{testee.name}: a {type(testee).__name__} cannot run in a worker")


def resolve_jobs(*, jobs: int) -> int:
    """0 means one job per usable CPU."""
    if jobs < 0:
        raise InvalidJobCount(f"--jobs must be 0 (one per CPU) or more, got {jobs}")
    if jobs > 0:
        return jobs
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not every platform has affinity
        return max(1, os.cpu_count() or 1)


def _derived_seed(*, base: int, index: int) -> int:
    digest = hashlib.sha256(f"tokencache-compat diff seed {base} worker {index}".encode())
    return int.from_bytes(digest.digest()[:8], "big")


def worker_seeds(*, options: DiffOptions, jobs: int) -> tuple[int | None, ...]:
    """Each worker's seed: derived from --seed, from a fixed base under ci, else random."""
    if options.seed is None and not run_settings(options=options).derandomize:
        return (None,) * jobs
    base = CI_BASE_SEED if options.seed is None else options.seed
    return tuple(_derived_seed(base=base, index=i) for i in range(jobs))


def split_examples(*, total: int, jobs: int) -> tuple[int, ...]:
    """`total` as `jobs` near-equal shares (the first ones one larger); no empty share."""
    jobs = max(1, min(jobs, total))
    share, extra = divmod(total, jobs)
    return tuple(share + (1 if i < extra else 0) for i in range(jobs))


@dataclass(frozen=True)
class WorkerTask:
    """Everything one worker needs; crosses the process boundary by pickling."""

    index: int
    a: TesteeRecipe
    b: TesteeRecipe
    options: DiffOptions
    shared_dir: Path | None = None


# Test cases begun in every worker, shared with the parent for its progress line;
# set in each worker by the pool's initializer (a shared value cannot be a task argument).
_TEST_CASES: Any = None
PROGRESS_POLL_SECONDS = 0.25


def worker_init(tmp: str, counter: Any) -> None:
    """In each worker: the shared test-case counter; temp dirs under `tmp`; SIGTERM ends
    its testees and exits 130 (SIGINT is the parent's to handle)."""
    global _TEST_CASES
    _TEST_CASES = counter
    os.environ["TMPDIR"] = tmp  # also keeps sandboxes off /dev/shm: under `tmp` they go
    tempfile.tempdir = tmp
    procs.record_groups(directory=os.path.join(tmp, GROUP_NOTES))
    interrupt.worker_setup(cleanup=lambda: (procs.end_all(), scratch.sweep()))


def _count_test_case(_count: int, _diverged: bool) -> None:
    with _TEST_CASES.get_lock():
        _TEST_CASES.value += 1


def stop_workers(*, grace: float = WORKER_GRACE) -> None:
    """SIGTERM every worker process of this process, SIGKILL what is left after `grace`."""
    workers = multiprocessing.active_children()
    for p in workers:
        with contextlib.suppress(OSError):
            p.terminate()
    deadline = time.monotonic() + grace
    for p in workers:
        p.join(max(0.0, deadline - time.monotonic()))
    for p in workers:
        if p.is_alive():
            with contextlib.suppress(OSError):
                p.kill()
            p.join(1.0)


def run_worker(task: WorkerTask) -> DiffResult:
    """One worker: a plain differential run with its own testees (runs in the child)."""
    a, b = task.a.build(), task.b.build()
    on_test_case = _count_test_case if _TEST_CASES is not None else None
    shared = None if task.shared_dir is None else SharedFindings(
        directory=task.shared_dir, worker=f"worker-{task.index}")
    try:
        return run_diff(a=a, b=b, options=task.options, shared=shared,
                        on_test_case=on_test_case)
    finally:
        for t in (a, b):
            with contextlib.suppress(Exception):
                t.close()


@dataclass(frozen=True)
class WorkerOutcome:
    """One worker's share, seed, and its result or why it has none."""

    index: int
    seed: int | None
    examples_requested: int
    result: DiffResult | None = None
    error: str = ""  # the worker crashed: no result

    def render(self) -> str:
        """One line for the terminal."""
        head = f"worker {self.index} (seed {self.seed}, {self.examples_requested} requested): "
        if self.result is None:
            return head + f"CRASHED: {self.error}"
        r = self.result
        verdict = f"{len(r.findings)} divergence(s)" if r.findings else "no divergence"
        if r.hypothesis_error:
            verdict = f"hypothesis error: {r.hypothesis_error}"
        return head + f"{r.examples} examples in {r.seconds:.1f}s, {verdict}"


@dataclass(frozen=True)
class ParallelDiffResult:
    """The merged run (wall time, summed counts, the first divergence) and each worker."""

    merged: DiffResult
    workers: tuple[WorkerOutcome, ...]

    @property
    def ok(self) -> bool:
        """True when no worker diverged, crashed or hit a hypothesis error."""
        return self.merged.ok

    @property
    def crashed(self) -> tuple[WorkerOutcome, ...]:
        """The workers that returned no result."""
        return tuple(w for w in self.workers if w.result is None)

    def render(self) -> str:
        """The merged summary with one line per worker before the verdict."""
        lines = self.merged.render().rstrip("\n").split("\n")
        extra = [f"{len(self.workers)} worker processes:"]
        extra += ["  " + w.render() for w in self.workers]
        return "\n".join([*lines[:-1], *extra, lines[-1]]) + "\n"


def _remove_written(written: WrittenCounterexample | None, keep: set[str]) -> None:
    """Remove a duplicate's files, unless another finding's case is the same file."""
    if written is None or written.case_id in keep:
        return
    for path in (written.case_file, written.golden_file, written.observed_file):
        if path is not None:
            with contextlib.suppress(OSError):
                path.unlink()


def merge_findings(*, outcomes: Sequence[WorkerOutcome], started: float) -> tuple[Finding, ...]:
    """One finding per signature (the first found, times from the parent's start); the
    duplicates' spec cases are removed from --out."""
    found: list[Finding] = []
    for w in outcomes:
        if w.result is None:
            continue
        offset = w.result.started - started
        found += [replace(f, found_after=f.found_after + offset,
                          shrunk_after=f.shrunk_after + offset) for f in w.result.findings]
    found.sort(key=lambda f: f.found_after)
    kept: dict[str, Finding] = {}
    for f in found:
        kept.setdefault(f.signature.id, f)
    keep = {f.written.case_id for f in kept.values() if f.written is not None}
    for f in found:
        if kept[f.signature.id] is not f:
            _remove_written(f.written, keep)
    return tuple(kept.values())


def _sum_counts(results: Sequence[DiffResult]) -> ExampleCounts:
    counts = [r.counts or ExampleCounts.plain(examples=r.examples) for r in results]
    return ExampleCounts.total(counts=counts, fallback=0)


def _merge_known(results: Sequence[DiffResult]) -> tuple[KnownUse, ...]:
    if not results or not results[0].known:
        return ()
    seen = merge_seen(counts=({u.entry.where: u.seen for u in r.known} for r in results))
    return tuple(replace(u, seen=seen.get(u.entry.where, 0)) for u in results[0].known)


def _merge(*, names: tuple[str, str], outcomes: Sequence[WorkerOutcome], seconds: float,
           started: float) -> DiffResult:
    results = [w.result for w in outcomes if w.result is not None]
    errors = [f"worker {w.index} crashed: {w.error}" for w in outcomes if w.result is None]
    errors += [
        f"worker {w.index}: {w.result.hypothesis_error}"
        for w in outcomes if w.result is not None and w.result.hypothesis_error
    ]
    allowed = frozenset().union(*(r.allowed for r in results))
    return DiffResult(
        names=names,
        examples=sum(r.examples for r in results),  # valid examples only, as in one run
        steps=sum(r.steps for r in results),
        seconds=seconds,
        allowed=allowed,
        findings=merge_findings(outcomes=outcomes, started=started),
        hypothesis_error="; ".join(errors),
        counts=_sum_counts(results),
        known=_merge_known(results),
        known_errors=results[0].known_errors if results else (),
        rounds=sum(r.rounds for r in results),
        started=started,
    )


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def run_diff_parallel(
    *, a: Testee, b: Testee, options: DiffOptions, jobs: int,
    on_test_case: Callable[[int, bool], None] | None = None,
) -> DiffResult | ParallelDiffResult:
    """Run the differential test in `jobs` worker processes (0: one per CPU).

    One job (or a single example) is exactly `run_diff` in this process. The
    testees given are only recipes here: every worker builds and closes its own.
    `on_test_case(count, diverged)` hears the test cases begun in all workers so far.
    """
    jobs = resolve_jobs(jobs=jobs)
    total = options.examples
    if total is None:
        total = run_settings(options=options).max_examples
    shares = split_examples(total=total, jobs=jobs)
    if len(shares) == 1:
        return run_diff(a=a, b=b, options=options, on_test_case=on_test_case)
    recipes = (recipe_of(testee=a), recipe_of(testee=b))
    for t in (a, b):  # never started here: the workers run their own copies
        t.close()
    seeds = worker_seeds(options=options, jobs=len(shares))
    # Where the workers publish the signatures they found (harness/differential/search.py).
    shared_dir = scratch.make_dir(prefix="tokencache-diff-shared-")
    tasks = [
        WorkerTask(
            index=i, a=recipes[0], b=recipes[1],
            options=replace(options, examples=n, seed=seeds[i]),
            shared_dir=shared_dir,
        )
        for i, n in enumerate(shares)
    ]
    started = time.monotonic()
    # spawn: a clean interpreter per worker (no inherited threads or hypothesis state);
    # importing the harness costs about 0.2 s, paid by the workers side by side.
    context = multiprocessing.get_context("spawn")
    outcomes: list[WorkerOutcome] = []
    counter = context.Value("q", 0)
    # Every temp dir of every worker (sandboxes, testee homes) lives in one folder of
    # ours, so nothing is left even if a worker has to be killed.
    worker_tmp = scratch.make_dir(prefix="tokencache-diff-workers-")
    pool = ProcessPoolExecutor(max_workers=len(tasks), mp_context=context,
                               initializer=worker_init, initargs=(str(worker_tmp), counter))
    interrupted = False
    try:
        futures: list[Future[DiffResult]] = [pool.submit(run_worker, t) for t in tasks]
        while on_test_case is not None:
            finished, running = wait(futures, timeout=PROGRESS_POLL_SECONDS,
                                     return_when=FIRST_EXCEPTION)
            on_test_case(int(counter.value), False)
            if not running or any(f.exception() is not None for f in finished):
                break
        for task, future in zip(tasks, futures, strict=True):
            base = WorkerOutcome(
                index=task.index, seed=task.options.seed,
                examples_requested=task.options.examples or 0,
            )
            try:
                outcomes.append(replace(base, result=future.result()))
            except Exception as exc:  # a crashed worker is reported, and fails the run
                outcomes.append(replace(base, error=_describe(exc)))
    except Interrupted:
        interrupted = True
        stop_workers()
        raise
    finally:
        pool.shutdown(wait=not interrupted, cancel_futures=True)
        # A worker killed before its cleanup (or between spawning and registering, as
        # SIGKILL after WORKER_GRACE can catch it) leaves its testees running: end them.
        procs.end_recorded(directory=str(worker_tmp / GROUP_NOTES))
        scratch.remove_dir(path=worker_tmp)
        shutil.rmtree(shared_dir, ignore_errors=True)
    seconds = time.monotonic() - started
    merged = _merge(names=(a.name, b.name), outcomes=outcomes, seconds=seconds, started=started)
    return ParallelDiffResult(merged=merged, workers=tuple(outcomes))
