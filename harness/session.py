"""One execution core: a run assembled from options, then run cell by cell and judged.

`Execution` is what every case run goes through: the `run` and `report`
commands (`run_all`) and the pytest plugin (`items`, `run_item`). It starts
testees through one TesteePool, runs cases with runner.run_case and judges with
one Judge, so start failures, unavailable Go, require-go, expected failures,
stale entries and unexpected passes are handled once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import Any

from harness.breaker import DEFAULT_MAX_TIMEOUTS, CircuitBreaker
from harness.confine import default_mode
from harness.data import CaseResult, ImplInfo, LoadError, Outcome, RunResult
from harness.exceptions import NothingToRun, XfailListError
from harness.impls import parse_impl_arg, parse_named_path, select_impls, unavailable_error
from harness.interrupt import Interrupted
from harness.judge import Expectations, Judge
from harness.messages import STRICT, message_mode
from harness.options import DEFAULT_TIMEOUT
from harness.paths import ProjectPaths
from harness.pool import TesteePool
from harness.provenance import run_source
from harness.runner import RunOptions, run_case
from harness.sandbox import fast_sandbox_parent
from harness.spec import Case, load_cases, require_selection, select_cases
from harness.testee import Testee
from harness.xfail import default_xfail_path, load_xfail_file


@dataclass(frozen=True)
class RunConfig:
    """Everything `tokencache-compat run` (or the pytest plugin) needs to know."""

    paths: ProjectPaths
    substring: str | None = None
    tags: tuple[str, ...] = ()
    extra_impls: tuple[str, ...] = ()
    xfail_files: tuple[str, ...] = ()
    strict_messages: bool = True  # False is messages="off" (--no-strict-messages)
    messages: str = STRICT  # the message class (harness/messages.py)
    enforce_recommended: bool = False
    use_go: bool = True
    only_impls: tuple[str, ...] = ()
    skip_impls: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    require_go: bool = False
    extra_testees: tuple[Testee, ...] = field(default=())
    confine: str = field(default_factory=default_mode)
    max_timeouts: int = DEFAULT_MAX_TIMEOUTS


def run_config(*, values: Mapping[str, Any], paths: ProjectPaths) -> RunConfig:
    """The run configuration that the values of options.RUN_OPTIONS describe."""
    return RunConfig(
        paths=paths,
        substring=values.get("substring"),
        tags=tuple(values.get("tag") or ()),
        extra_impls=tuple(values.get("impl") or ()),
        xfail_files=tuple(values.get("xfail") or ()),
        strict_messages=not values.get("no_strict_messages"),
        messages=str(values.get("messages") or STRICT),
        enforce_recommended=bool(values.get("enforce_recommended")),
        use_go=not values.get("no_go"),
        only_impls=tuple(values.get("only_impl") or ()),
        skip_impls=tuple(values.get("skip_impl") or ()),
        timeout=float(DEFAULT_TIMEOUT if values.get("timeout") is None else values["timeout"]),
        require_go=bool(values.get("require_go")),
        confine=str(values.get("confine") or default_mode()),
        max_timeouts=int(
            DEFAULT_MAX_TIMEOUTS if values.get("max_timeouts") is None
            else values["max_timeouts"]
        ),
    )


def load_expectations(
    *, config: RunConfig, impls: Sequence[str]
) -> tuple[Expectations, list[str]]:
    """Default lists for every impl, then `--xfail NAME=FILE` (merged, later wins)."""
    lists: dict[str, dict[str, str]] = {}
    errors: list[str] = []
    for impl in impls:
        path = default_xfail_path(xfail_dir=config.paths.xfail_dir, impl=impl)
        if path.is_file():
            try:
                lists[impl] = load_xfail_file(path=path)
            except XfailListError as exc:
                errors.append(str(exc))
    for text in config.xfail_files:
        name, path = parse_named_path(text=text, option="--xfail")
        try:
            lists.setdefault(name, {}).update(load_xfail_file(path=path))
        except XfailListError as exc:
            errors.append(str(exc))
    return Expectations(xfail=lists), errors


@dataclass(frozen=True)
class PlanItem:
    """One cell to run (case on impl), or a problem/skip that must show up as such."""

    label: str
    case_id: str
    impl: str
    problem: str | None = None
    skip: str | None = None


class Execution:
    """A prepared run: cases x implementations, run one cell at a time, then closed.

    Testees start on first use and live until `close`, so a process serves
    every case. Nothing is built or started before the first cell runs.
    """

    def __init__(
        self,
        *,
        cases: Sequence[Case],
        testees: Sequence[Testee],
        options: RunOptions,
        expectations: Expectations | None = None,
        known_ids: AbstractSet[str] | None = None,
        unavailable: Sequence[ImplInfo] = (),
        load_errors: Sequence[LoadError] = (),
        harness_errors: Sequence[str] = (),
        require_go: bool = False,
    ) -> None:
        self.cases: dict[str, Case] = {c.id: c for c in cases}
        self.known_ids = frozenset(known_ids if known_ids is not None else self.cases)
        self.load_errors = tuple(load_errors)
        self.require_go = require_go
        self.pool = TesteePool(testees=testees, unavailable=unavailable, require_go=require_go)
        self.judge = Judge(
            expectations=expectations or Expectations(),
            enforce_recommended=options.enforce_recommended,
        )
        self.options = options
        self.harness_errors = tuple(harness_errors)
        self.breaker = CircuitBreaker(limit=options.max_timeouts)

    @classmethod
    def from_config(cls, *, config: RunConfig) -> Execution:
        """Load and select cases and implementations, read expected-failure lists.

        Raises NothingToRun (no cases folder, an empty selection) and UsageError.
        """
        for text in config.extra_impls:
            parse_impl_arg(text=text)  # a malformed --impl is a usage error before all else
        loaded = load_cases(cases_dir=config.paths.cases_dir)
        cases = select_cases(cases=loaded.cases, substring=config.substring, tags=config.tags)
        require_selection(
            loaded=loaded, selected=cases, substring=config.substring, tags=config.tags
        )
        selection = select_impls(
            repo_root=config.paths.root,
            extra=config.extra_impls,
            use_go=config.use_go,
            only=config.only_impls,
            skip=config.skip_impls,
            timeout=config.timeout,
            require_go=config.require_go,
            confine_mode=config.confine,
        )
        testees = (*selection.testees, *config.extra_testees)
        expectations, xfail_errors = load_expectations(
            config=config, impls=[t.name for t in testees]
        )
        return cls(
            cases=cases,
            testees=testees,
            options=RunOptions(
                golden_dir=config.paths.golden_dir,
                strict_messages=config.strict_messages,
                messages=message_mode(strict_messages=config.strict_messages,
                                      messages=config.messages),
                enforce_recommended=config.enforce_recommended,
                sandbox_parent=fast_sandbox_parent(),
                max_timeouts=config.max_timeouts,
            ),
            expectations=expectations,
            known_ids={c.id for c in loaded.cases},
            unavailable=selection.unavailable,
            load_errors=loaded.errors,
            harness_errors=(*selection.errors, *xfail_errors),
            require_go=config.require_go and config.use_go,
        )

    @property
    def impl_names(self) -> list[str]:
        """The implementations that may run, in column order."""
        return list(self.pool.testees)

    @property
    def unavailable(self) -> tuple[ImplInfo, ...]:
        """Implementations known before any start to be missing (no Go on PATH)."""
        return self.pool.unavailable

    def run_cell(self, *, case_id: str, impl: str) -> CaseResult:
        """Run one case on one implementation (starting it on first use) and judge it."""
        got = self.pool.start(name=impl)
        if not isinstance(got, Testee):
            if got.error is None:  # an unbuildable column that is not required
                return CaseResult(case_id=case_id, impl=impl, outcome=Outcome.SKIPPED,
                                  message=f"{impl}: {got.info.unavailable}")
            return CaseResult(case_id=case_id, impl=impl, outcome=Outcome.ERROR,
                              message=got.error)
        broken = self.breaker.reason(impl=impl)
        if broken is not None:  # timed out too often in a row: not asked again
            return self.breaker.broken_result(case_id=case_id, impl=impl)
        case = self.cases[case_id]
        raw = run_case(case=case, testee=got, options=self.options)
        self.breaker.record_result(result=raw)
        return self.judge.judge(raw=raw, case=case)

    def stale(self) -> list[CaseResult]:
        """Errors for expected-failure entries naming no case."""
        return self.judge.stale(known_ids=self.known_ids, impls=self.impl_names)

    def run_all(self, *, on_result: Callable[[CaseResult], None] | None = None) -> RunResult:
        """Every case on every implementation (one implementation at a time), judged."""
        cells: dict[tuple[str, str], CaseResult] = {}
        ran: list[str] = []
        incomplete: str | None = None
        try:
            for impl in self.impl_names:
                if not isinstance(self.pool.start(name=impl), Testee):
                    continue  # the column shows as unavailable, not as cells
                ran.append(impl)
                for case_id in self.cases:
                    judged = self.run_cell(case_id=case_id, impl=impl)
                    cells[(case_id, impl)] = judged
                    if on_result is not None:
                        on_result(judged)
        except Interrupted as exc:  # keep what finished; the reports say the rest did not run
            incomplete = (
                f"interrupted by {exc.signame} after {len(cells)} of "
                f"{len(self.cases) * len(self.impl_names)} results"
            )
        finally:
            infos = self.pool.infos()
            self.close()
        ordered = [cells[(c, n)] for c in self.cases for n in ran if (c, n) in cells]
        ordered += self.judge.stale(known_ids=self.known_ids, impls=ran)
        return RunResult(
            impls=infos,
            results=tuple(ordered),
            load_errors=self.load_errors,
            harness_errors=(*self.harness_errors, *self.pool.errors()),
            case_ids=tuple(self.cases),
            incomplete=incomplete,
            data_loss={cid: c.data_loss for cid, c in self.cases.items()
                       if c.data_loss is not None},
        )

    def items(self) -> list[PlanItem]:
        """Every cell, every unavailable implementation, every problem, stably ordered."""
        out = [
            PlanItem(label=f"{cid}[{impl}]", case_id=cid, impl=impl)
            for cid in self.cases
            for impl in self.impl_names
        ]
        for u in self.unavailable:
            why = u.unavailable or "unavailable"
            out.append(
                PlanItem(label=f"unavailable[{u.name}]", case_id="", impl=u.name,
                         problem=unavailable_error(info=u) if self.require_go else None,
                         skip=None if self.require_go else f"{u.name}: {why}")
            )
        shown = {unavailable_error(info=u) for u in self.unavailable} if self.require_go else set()
        problems = [
            *(f"case file error: {e}" for e in self.load_errors),
            *(e for e in self.harness_errors if e not in shown),
        ]
        for n, text in enumerate(problems, start=1):
            out.append(PlanItem(label=f"harness-problem-{n}", case_id="", impl="", problem=text))
        for r in self.stale():
            out.append(
                PlanItem(
                    label=f"stale-xfail:{r.case_id}[{r.impl}]", case_id=r.case_id, impl=r.impl,
                    problem=r.message,
                )
            )
        return out

    def run_item(self, *, item: PlanItem) -> CaseResult:
        """The judged result of one item."""
        if item.problem is not None:
            return CaseResult(
                case_id=item.case_id, impl=item.impl, outcome=Outcome.ERROR, message=item.problem
            )
        if item.skip is not None:
            return CaseResult(
                case_id=item.case_id, impl=item.impl, outcome=Outcome.SKIPPED, message=item.skip
            )
        return self.run_cell(case_id=item.case_id, impl=item.impl)

    def close(self) -> None:
        """Stop every testee that was started."""
        self.pool.close()


class ProblemPlan:
    """Stands in for an Execution when a run cannot begin: one failing item saying why."""

    def __init__(self, *, problem: str) -> None:
        self.problem = problem

    def items(self) -> list[PlanItem]:
        """The one problem item."""
        return [PlanItem(label="harness-problem-1", case_id="", impl="", problem=self.problem)]

    def run_item(self, *, item: PlanItem) -> CaseResult:
        """The problem, as an error."""
        return CaseResult(case_id="", impl="", outcome=Outcome.ERROR, message=item.problem or "")

    def close(self) -> None:
        """Nothing to stop."""


def plan_for(*, config: RunConfig | None, problem: str | None = None) -> Execution | ProblemPlan:
    """An Execution, or a ProblemPlan when there is nothing to run (the plugin's entry)."""
    if config is None:
        return ProblemPlan(problem=problem or "no configuration")
    try:
        return Execution.from_config(config=config)
    except NothingToRun as exc:
        return ProblemPlan(problem=str(exc))


def execute_run(
    *, config: RunConfig, on_result: Callable[[CaseResult], None] | None = None
) -> RunResult:
    """Load, select, run and judge: the whole `run` command minus rendering."""
    execution = Execution.from_config(config=config)
    result = execution.run_all(on_result=on_result)
    # Where the cases came from, so a stored report can be compared with another.
    source = run_source(cases_dir=config.paths.cases_dir, golden_dir=config.paths.golden_dir,
                        cases=execution.cases.values())
    return replace(result, source=source)
