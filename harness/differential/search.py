"""Finding every distinct divergence: rounds of search, each found one set aside.

Each round is one hypothesis run over the examples left. Its first divergence
whose signature is new (harness/diff_signatures.py) is shrunk and written as
its own spec case; then the signature is set aside and the next round searches
on, until the examples are spent or `max_divergences` distinct ones are found.
Divergences listed in a known-divergences file (harness/diff_known.py) are set
aside from the start; a case id there is replayed first for its signature.

With `diff --jobs N` each worker runs these rounds on its share; through a
shared directory the workers also set aside what the others found, and stop
together once `max_divergences` are found between them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import seed, settings
from hypothesis.stateful import RuleBasedStateMachine, get_state_machine_test
from hypothesis.statistics import collector as _collector

from harness.differential.counterexample import (
    Counterexample,
    WrittenCounterexample,
    write_counterexample,
)
from harness.differential.engine import Engine
from harness.differential.known import CASE, KnownDivergences, with_case_signatures
from harness.differential.observe import CACHE_DIR, CACHE_FILE
from harness.differential.options import DiffOptions
from harness.differential.signatures import Signature, parse_signature
from harness.exceptions import Divergence
from harness.spec import DEFAULT_ENV, Case, load_case_file

# hypothesis types its statistics hook as always None; it takes a callback at run time.
_STATISTICS: Any = _collector
_SIG_SUFFIX = ".sig"
STOP_FILE = "stop"


@dataclass(frozen=True)
class Finding:
    """One distinct divergence: its signature, shrunk example and where it was written."""

    signature: Signature
    counterexample: Counterexample
    written: WrittenCounterexample | None
    found_after: float  # seconds from the start of the run to its first failing example
    shrunk_after: float  # seconds from the start of the run until it was shrunk and written
    round: int


@dataclass(frozen=True)
class SearchOutcome:
    """What the rounds produced."""

    findings: tuple[Finding, ...]
    stats: tuple[Mapping[str, Any], ...]  # hypothesis's statistics, one per round
    rounds: int
    error: str = ""


def round_seed(*, base: int | None, round_no: int) -> int:
    """The seed of round `round_no` > 0 (a hash of the run's seed and the round)."""
    text = f"tokencache-compat diff round {round_no} of {base}"
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _settings_for(*, base: settings, examples: int, round_no: int,
                  seed_value: int | None) -> settings:
    changes: dict[str, Any] = {"max_examples": max(1, examples)}
    if round_no > 0 or seed_value is not None:
        changes["derandomize"] = False
    return settings(base, **changes)


def _valid_examples(stats: Mapping[str, Any] | None, fallback: int) -> int:
    if not stats:
        return fallback
    n = 0
    for key in ("reuse-phase", "generate-phase"):
        phase = stats.get(key)
        if isinstance(phase, Mapping):
            n += sum(str(t.get("status", "")) in ("valid", "interesting")
                     for t in phase.get("test-cases", ()))
    return n


class SharedFindings:
    """A directory where the workers of one `diff --jobs` run publish their signatures."""

    def __init__(self, *, directory: Path, worker: str) -> None:
        self.directory = directory
        self.worker = worker
        self._count = 0

    def publish(self, *, signature: Signature) -> None:
        """Tell the other workers (write-then-rename, so a reader never sees half a line)."""
        self._count += 1
        target = self.directory / f"{self.worker}-{self._count}{_SIG_SUFFIX}"
        tmp = target.with_suffix(".tmp")
        tmp.write_text(signature.text + "\n", encoding="utf-8")
        os.replace(tmp, target)

    def signatures(self) -> list[Signature]:
        """Every signature any worker published."""
        out = []
        with contextlib.suppress(OSError):
            for path in sorted(self.directory.glob(f"*{_SIG_SUFFIX}")):
                with contextlib.suppress(OSError, ValueError):
                    out.append(parse_signature(text=path.read_text(encoding="utf-8")))
        return out

    def request_stop(self) -> None:
        """Ask every worker to stop searching."""
        with contextlib.suppress(OSError):
            (self.directory / STOP_FILE).touch()

    def stop_requested(self) -> bool:
        """True once some worker asked for the stop."""
        return (self.directory / STOP_FILE).exists()


# -- known cases -------------------------------------------------------------------------------


def _replayable(case: Case) -> str | None:
    """Why diff cannot replay a case (it replays the cases diff writes), or None."""
    sb = case.sandbox
    if sb.symlinks or any(f.path != CACHE_FILE for f in sb.files):
        return "its sandbox holds more than the default cache file"
    if any(d.path not in (CACHE_DIR, "home") for d in sb.dirs) or len(sb.files) > 1:
        return "its sandbox holds more than the default cache file"
    if dict(case.env) != dict(DEFAULT_ENV) or sb.umask != 0o022 or not sb.home:
        return "it changes the environment, umask or home"
    for step in case.steps:
        if step.op == "open" and step.fields.get("path") is not None:
            return "it opens a path other than the default location"
        if step.op not in ("open", "store", "delete", "lookup", "dual_store"):
            return f"diff does not run {step.op!r} steps"
    return None


def _find_cases(*, ids: Sequence[str], dirs: Sequence[Path]) -> dict[str, Case]:
    found: dict[str, Case] = {}
    for d in dirs:
        if not d.is_dir():
            continue
        for path in sorted(d.glob("*.json")):
            cases, _ = load_case_file(path=path)
            for c in cases:
                if c.id in ids:
                    found.setdefault(c.id, c)
    return found


def _step_dict(case: Case, index: int) -> dict[str, Any]:
    step = case.steps[index]
    if step.op == "open":
        return {"op": "open", "path": None}
    return {"op": step.op, **step.fields}


def resolve_known_cases(*, engine: Engine, known: KnownDivergences,
                        dirs: Sequence[Path]) -> KnownDivergences:
    """Replay every case id the known file names; fill in the signature it shows."""
    ids = known.case_ids()
    if not ids:
        return known
    cases = _find_cases(ids=ids, dirs=dirs)
    signatures: dict[str, Signature | None] = {}
    problems: dict[str, str] = {}
    where = {e.value: e.where for e in known.entries if e.kind == CASE}
    for cid in ids:
        case = cases.get(cid)
        if case is None:
            problems[cid] = (f"{where[cid]}: case {cid} is in none of "
                             f"{', '.join(str(d) for d in dirs) or 'no folder'}")
            signatures[cid] = None
            continue
        why = _replayable(case)
        if why is not None:
            problems[cid] = f"{where[cid]}: case {cid} cannot be replayed by diff: {why}"
            signatures[cid] = None
            continue
        file = case.sandbox.files[0].content if case.sandbox.files else None
        steps = [_step_dict(case, i) for i in range(len(case.steps))]
        signatures[cid] = engine.replay(file=file, steps=steps)
    resolved = with_case_signatures(known=known, signatures=signatures, problems=problems)
    engine.known = resolved
    for entry in resolved.entries:
        engine.set_aside |= entry.components
    return resolved


# -- the rounds ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _collecting(stats: list[Mapping[str, Any]]) -> Iterator[None]:
    with _STATISTICS.with_value(stats.append):
        yield


def search(
    *,
    engine: Engine,
    machine: type[RuleBasedStateMachine],
    options: DiffOptions,
    base: settings,
    budget: int,
    started: float,
    shared: SharedFindings | None = None,
    home: Callable[[], contextlib.AbstractContextManager[None]] = contextlib.nullcontext,
) -> SearchOutcome:
    """Search round after round until the examples are spent or enough divergences are found."""
    findings: list[Finding] = []
    all_stats: list[Mapping[str, Any]] = []
    used = 0
    round_no = 0
    error = ""
    if shared is not None:
        engine.stop_requested = shared.stop_requested
    while used < budget and len(findings) < options.max_divergences:
        if shared is not None:
            if shared.stop_requested():
                break
            for sig in shared.signatures():
                engine.set_aside_signature(signature=sig)
        seed_value = options.seed if round_no == 0 else round_seed(base=options.seed,
                                                                    round_no=round_no)
        run_settings = _settings_for(base=base, examples=budget - used, round_no=round_no,
                                     seed_value=seed_value)
        test = get_state_machine_test(machine, settings=run_settings)
        if seed_value is not None:
            test = seed(seed_value)(test)
        stats: list[Mapping[str, Any]] = []
        engine.failure = None
        engine.first_failure_at = None
        cases_before = engine.test_cases
        try:
            with home(), _collecting(stats):
                test()
        except Divergence:
            pass
        except Exception as exc:  # flaky replays, health checks: reported, not raised
            error = f"{type(exc).__name__}: {exc}"
        round_stats = stats[-1] if stats else None
        if round_stats is not None:
            all_stats.append(round_stats)
        used += max(1, _valid_examples(round_stats, engine.test_cases - cases_before))
        round_no += 1
        cx = engine.failure
        if error or cx is None or cx.signature is None:
            break
        engine.set_aside_signature(signature=cx.signature)
        found_at = engine.first_failure_at or time.monotonic()
        written = write_counterexample(cx=cx, out_dir=options.out_dir)
        findings.append(Finding(
            signature=cx.signature, counterexample=cx, written=written,
            found_after=found_at - started, shrunk_after=time.monotonic() - started,
            round=round_no - 1,
        ))
        if shared is not None:
            shared.publish(signature=cx.signature)
            distinct = {s.id for s in shared.signatures()}
            if len(distinct) >= options.max_divergences:
                shared.request_stop()
    engine.failure = None
    return SearchOutcome(findings=tuple(findings), stats=tuple(all_stats), rounds=round_no,
                         error=error)
