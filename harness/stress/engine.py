"""Run one mix: N writer processes per implementation on one cache file, then judge it.

The writers are started and open the cache one after another (the first open
creates the file, so no two initial creations race), then all are released at
once; a reader samples the file until they are done. After every writer has
exited, the final file is read, lost updates are counted (harness/stress/
analysis.py), leftover temporary files are listed and the modes are read.

Required verdict: the file never failed to parse (reader samples, checks after
every kill, writers' own loads, the final file) and every writer finished.
Recommended: no lost updates and no leftover temporary files.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.stress.analysis import LostUpdateAnalysis, SharedRead, analyze_lost_updates
from harness.stress.history import Clock, History, StoreRecord, WriterSummary
from harness.stress.plan import ResolvedImpl, StressOptions, WriterGroup
from harness.stress.sampler import ReaderSampler, SamplerResult
from harness.stress.sandbox import StressSandbox, mode_text, read_cache
from harness.stress.workers import Writer, WriterPlan, is_parse_error

JOIN_GRACE_S = 5.0
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class ImplBreakdown:
    """One implementation's share of a mix."""

    impl: str
    writers: int
    stores_attempted: int
    stores_acked: int
    store_errors: int
    lost_updates: int
    kills: int
    restarts: int
    lookups: int
    lookups_missing: int
    lookup_errors: int


@dataclass(frozen=True)
class MixResult:
    """Everything measured about one mix."""

    writers: tuple[WriterGroup, ...]
    options: StressOptions
    stores_attempted: int
    stores_acked: int
    store_errors: int
    lost_updates: int
    lost_shared_key: int
    lost_update_rate: float
    lost_examples: tuple[str, ...]
    reads_sampled: int
    unparseable_reads: int
    torn_read_examples: tuple[str, ...]
    writer_parse_errors: int
    kills: int
    kills_mid_request: int
    kills_holding_lock: int
    unparseable_after_kill: int
    restarts: int
    timeouts: int
    crashes: int
    leftover_temp_files: int
    leftover_names: tuple[str, ...]
    final_file_parses: bool
    final_detail: str
    final_keys: int
    final_mode: str | None
    dir_mode: str | None
    lock_file_mode: str | None
    lookups: int
    lookups_missing: int
    lookups_wrong: int
    lookup_errors: int
    elapsed_s: float
    stores_per_s: float
    problems: tuple[str, ...]
    by_impl: tuple[ImplBreakdown, ...] = field(default=())

    @property
    def never_unparseable(self) -> bool:
        """Nobody ever saw the file fail to parse: the required verdict's core."""
        return (self.unparseable_reads == 0 and self.unparseable_after_kill == 0
                and self.writer_parse_errors == 0 and self.final_file_parses)

    @property
    def required_ok(self) -> bool:
        """Never unparseable, and every writer finished its stores."""
        return self.never_unparseable and not self.problems

    @property
    def recommended_ok(self) -> bool:
        """No lost updates and no leftover temporary files."""
        return self.lost_updates == 0 and self.leftover_temp_files == 0

    def writers_text(self) -> str:
        """`2x reference + 2x go-sdk@v0.129.0`."""
        return " + ".join(f"{g.count}x {g.impl}" for g in self.writers)


def run_mix(
    *,
    impls: Mapping[str, ResolvedImpl],
    groups: Sequence[WriterGroup],
    options: StressOptions,
    parent: Path | None = None,
) -> MixResult:
    """Run one mix to the end (bounded by `options.time_limit`); StressSetupError when a
    writer cannot start."""
    with StressSandbox(parent=parent) as box:
        clock = Clock(limit=options.time_limit)
        history = History()
        writers = [
            Writer(
                plan=WriterPlan(label=f"{g.impl}#{i + 1}", impl=impls[g.impl],
                                seed=f"{options.seed}:{g.impl}#{i + 1}"),
                options=options,
                sandbox=box,
                history=history,
                clock=clock,
            )
            for g in groups
            for i in range(g.count)
        ]
        launched: list[Writer] = []
        try:
            for w in writers:
                w.open()
            sampler = ReaderSampler(path=box.cache_path, root=box.root, clock=clock,
                                    interval=options.sample_interval)
            sampler.start()
            gate = threading.Event()
            for w in writers:
                w.launch(gate=gate)
                launched.append(w)
            started = clock.now()
            gate.set()
            overran = _join(writers=writers, clock=clock, options=options)
            elapsed = clock.now() - started
            sampled = sampler.stop()
        finally:
            for w in writers:
                if w not in launched:
                    w.testee.close()
        final = read_cache(path=box.cache_path, root=box.root)
        analysis = analyze_lost_updates(
            stores=history.stores, final=final.tokens,
            shared_reads=[
                SharedRead(sent=lk.sent, value=lk.got if lk.outcome == "found" else None,
                           source=f"a lookup by {lk.writer} at {lk.sent:.3f}s")
                for lk in history.lookups if lk.shared and lk.outcome in ("found", "missing")
            ],
        )
        return _result(
            groups=groups, options=options, history=history, analysis=analysis,
            sampled=sampled, summaries=[w.summary() for w in writers], overran=overran,
            box=box, final_ok=final.status == "ok", final_keys=len(final.tokens or {}),
            final_detail="" if final.status == "ok" else f"{final.status} {final.detail}".strip(),
            elapsed=elapsed,
        )


def _join(*, writers: Sequence[Writer], clock: Clock, options: StressOptions) -> list[str]:
    """Wait for every writer thread; kill the processes of any that overran the limit."""
    for w in writers:
        w.thread.join(timeout=max(0.0, clock.limit + options.timeout + JOIN_GRACE_S - clock.now()))
    overran = [w for w in writers if w.thread.is_alive()]
    for w in overran:
        w.force_kill()
    for w in overran:
        w.thread.join(timeout=JOIN_GRACE_S)
    return [f"{w.plan.label}: did not stop within the time limit; killed" for w in overran]


def _result(
    *,
    groups: Sequence[WriterGroup],
    options: StressOptions,
    history: History,
    analysis: LostUpdateAnalysis,
    sampled: SamplerResult,
    summaries: Sequence[WriterSummary],
    overran: Sequence[str],
    box: StressSandbox,
    final_ok: bool,
    final_detail: str,
    final_keys: int,
    elapsed: float,
) -> MixResult:
    stores = history.stores
    lookups = history.lookups
    kills = history.kills
    parse_errors = sum(1 for s in stores if s.outcome == "error" and is_parse_error(
        message=s.message))
    parse_errors += sum(1 for lk in lookups if lk.outcome == "error" and is_parse_error(
        message=lk.message))
    parse_errors += sum(s.open_parse_errors for s in summaries)
    problems = [f"{s.writer}: {s.problem}" for s in summaries if s.problem]
    problems.extend(overran)
    leftovers = box.leftover_temp_files()
    return MixResult(
        writers=tuple(groups),
        options=options,
        stores_attempted=len(stores),
        stores_acked=analysis.stores_acked,
        store_errors=sum(1 for s in stores if s.outcome == "error"),
        lost_updates=analysis.lost_updates,
        lost_shared_key=sum(1 for lost in analysis.lost if lost.store.shared),
        lost_update_rate=analysis.rate,
        lost_examples=tuple(
            f"{lost.store.writer} {lost.store.key}: {lost.reason}"
            for lost in analysis.lost[:MAX_EXAMPLES]
        ),
        reads_sampled=sampled.reads,
        unparseable_reads=sampled.unparseable,
        torn_read_examples=sampled.examples,
        writer_parse_errors=parse_errors,
        kills=len(kills),
        kills_mid_request=sum(1 for s in stores if s.outcome == "killed"),
        kills_holding_lock=sum(1 for k in kills if k.held_lock),
        unparseable_after_kill=sum(1 for k in kills if not k.file_parsed),
        restarts=sum(max(0, s.starts - 1) for s in summaries),
        timeouts=sum(s.timeouts for s in summaries),
        crashes=sum(s.crashes for s in summaries),
        leftover_temp_files=len(leftovers),
        leftover_names=leftovers,
        final_file_parses=final_ok,
        final_detail=final_detail,
        final_keys=final_keys,
        final_mode=mode_text(path=box.cache_path, root=box.root),
        dir_mode=mode_text(path=box.cache_path.parent, root=box.root),
        lock_file_mode=mode_text(path=box.lock_path, root=box.root),
        lookups=len(lookups),
        lookups_missing=sum(1 for lk in lookups if lk.outcome == "missing" and not lk.shared),
        lookups_wrong=sum(1 for lk in lookups if lk.outcome == "wrong" and not lk.shared),
        lookup_errors=sum(1 for lk in lookups if lk.outcome == "error"),
        elapsed_s=elapsed,
        stores_per_s=analysis.stores_acked / elapsed if elapsed > 0 else 0.0,
        problems=tuple(problems),
        by_impl=_breakdown(groups=groups, stores=stores, history=history, analysis=analysis,
                           summaries=summaries),
    )


def _breakdown(
    *,
    groups: Sequence[WriterGroup],
    stores: Sequence[StoreRecord],
    history: History,
    analysis: LostUpdateAnalysis,
    summaries: Sequence[WriterSummary],
) -> tuple[ImplBreakdown, ...]:
    lost = analysis.lost_by_impl()
    out = []
    for g in groups:
        mine = [s for s in stores if s.impl == g.impl]
        looks = [lk for lk in history.lookups if lk.impl == g.impl]
        sums = [s for s in summaries if s.impl == g.impl]
        out.append(ImplBreakdown(
            impl=g.impl,
            writers=g.count,
            stores_attempted=len(mine),
            stores_acked=sum(1 for s in mine if s.acked),
            store_errors=sum(1 for s in mine if s.outcome == "error"),
            lost_updates=lost.get(g.impl, 0),
            kills=sum(s.kills for s in sums),
            restarts=sum(max(0, s.starts - 1) for s in sums),
            lookups=len(looks),
            lookups_missing=sum(1 for lk in looks if lk.outcome == "missing" and not lk.shared),
            lookup_errors=sum(1 for lk in looks if lk.outcome == "error"),
        ))
    return tuple(out)
