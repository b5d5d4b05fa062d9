"""Assembling a run from options: cases, implementations, expected failures."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.data import CaseResult, ImplInfo, LoadError, Outcome, RunResult
from harness.exceptions import NOTHING_TO_RUN, XfailListError
from harness.impls import parse_impl_arg, parse_named_path, select_impls, unavailable_error
from harness.paths import ProjectPaths
from harness.runner import (
    Expectations,
    RunOptions,
    judge,
    run_case,
    run_matrix,
    stale_xfail_results,
    start_testees,
)
from harness.spec import Case, load_cases, require_selection, select_cases
from harness.testee import DEFAULT_TIMEOUT, Testee
from harness.xfail import default_xfail_path, load_xfail_file


@dataclass(frozen=True)
class RunConfig:
    """Everything `tokencache-compat run` (or the pytest plugin) needs to know."""

    paths: ProjectPaths
    substring: str | None = None
    tags: tuple[str, ...] = ()
    extra_impls: tuple[str, ...] = ()
    xfail_files: tuple[str, ...] = ()
    strict_messages: bool = True
    enforce_recommended: bool = False
    use_go: bool = True
    only_impls: tuple[str, ...] = ()
    skip_impls: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    require_go: bool = False
    extra_testees: tuple[Testee, ...] = field(default=())


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
class PreparedRun:
    """A run ready to go: the selected cases, testees (not started) and what is wrong."""

    cases: tuple[Case, ...]
    known_ids: frozenset[str]
    testees: tuple[Testee, ...]
    unavailable: tuple[ImplInfo, ...]
    expectations: Expectations
    options: RunOptions
    load_errors: tuple[LoadError, ...] = ()
    harness_errors: tuple[str, ...] = ()
    require_go: bool = False


def prepare_run(*, config: RunConfig) -> PreparedRun:
    """Load, select cases and implementations, read expected-failure lists.

    Raises CasesNotFound or EmptySelection when there is nothing to run.
    """
    for text in config.extra_impls:
        parse_impl_arg(text=text)  # a malformed --impl is a usage error before all else
    loaded = load_cases(cases_dir=config.paths.cases_dir)
    cases = select_cases(cases=loaded.cases, substring=config.substring, tags=config.tags)
    require_selection(loaded=loaded, selected=cases, substring=config.substring, tags=config.tags)
    selection = select_impls(
        repo_root=config.paths.root,
        extra=config.extra_impls,
        use_go=config.use_go,
        only=config.only_impls,
        skip=config.skip_impls,
        timeout=config.timeout,
        require_go=config.require_go,
    )
    testees = (*selection.testees, *config.extra_testees)
    expectations, xfail_errors = load_expectations(
        config=config, impls=[t.name for t in testees]
    )
    return PreparedRun(
        cases=tuple(cases),
        known_ids=frozenset(c.id for c in loaded.cases),
        testees=testees,
        unavailable=selection.unavailable,
        expectations=expectations,
        options=RunOptions(
            golden_dir=config.paths.golden_dir,
            strict_messages=config.strict_messages,
            enforce_recommended=config.enforce_recommended,
        ),
        load_errors=loaded.errors,
        harness_errors=(*selection.errors, *xfail_errors),
        require_go=config.require_go and config.use_go,
    )


def execute_run(
    *, config: RunConfig, on_result: Callable[[CaseResult], None] | None = None
) -> RunResult:
    """Load, select, run and judge: the whole `run` command minus rendering."""
    prepared = prepare_run(config=config)
    return run_matrix(
        cases=prepared.cases,
        testees=prepared.testees,
        options=prepared.options,
        expectations=prepared.expectations,
        known_ids=set(prepared.known_ids),
        unavailable=prepared.unavailable,
        load_errors=prepared.load_errors,
        harness_errors=prepared.harness_errors,
        on_result=on_result,
    )


@dataclass(frozen=True)
class PlanItem:
    """One cell to run (case on impl), or a problem/skip that must show up as such."""

    label: str
    case_id: str
    impl: str
    problem: str | None = None
    skip: str | None = None


class CasePlan:
    """Cases x implementations run one cell at a time (the pytest plugin's core).

    Testees start lazily and live until `close`, so a process serves every case.
    A run that cannot begin (no project, no cases, empty selection) is one problem item.
    """

    def __init__(self, *, config: RunConfig | None, problem: str | None = None) -> None:
        self._problems: list[str] = [] if problem is None else [problem]
        prepared: PreparedRun | None = None
        if config is not None:
            try:
                prepared = prepare_run(config=config)
            except NOTHING_TO_RUN as exc:
                self._problems.append(str(exc))
        self.cases = {c.id: c for c in prepared.cases} if prepared else {}
        self.known_ids = set(prepared.known_ids) if prepared else set()
        self.testees = {t.name: t for t in prepared.testees} if prepared else {}
        self.unavailable = prepared.unavailable if prepared else ()
        self.expectations = prepared.expectations if prepared else Expectations()
        self.options = prepared.options if prepared else RunOptions(golden_dir=Path())
        self._require_go = prepared.require_go if prepared else False
        # With Go required, each unavailable Go column is its own failing item.
        shown = (
            {unavailable_error(info=u) for u in self.unavailable} if self._require_go else set()
        )
        if prepared:
            self._problems += [
                *(f"case file error: {e}" for e in prepared.load_errors),
                *(e for e in prepared.harness_errors if e not in shown),
            ]
        self._started: dict[str, str | None] = {}  # impl → None when started, else why not

    def items(self) -> list[PlanItem]:
        """Every cell, every unavailable implementation, then every problem, stably ordered."""
        out = [
            PlanItem(label=f"{cid}[{impl}]", case_id=cid, impl=impl)
            for cid in self.cases
            for impl in self.testees
        ]
        for u in self.unavailable:
            why = u.unavailable or "unavailable"
            out.append(
                PlanItem(label=f"unavailable[{u.name}]", case_id="", impl=u.name,
                         problem=unavailable_error(info=u) if self._require_go else None,
                         skip=None if self._require_go else f"{u.name}: {why}")
            )
        for n, text in enumerate(self._problems, start=1):
            out.append(PlanItem(label=f"harness-problem-{n}", case_id="", impl="", problem=text))
        stale = stale_xfail_results(
            expectations=self.expectations, known_ids=self.known_ids, impls=list(self.testees)
        )
        for r in stale:
            out.append(
                PlanItem(
                    label=f"stale-xfail:{r.case_id}[{r.impl}]", case_id=r.case_id, impl=r.impl,
                    problem=r.message,
                )
            )
        return out

    def run(self, *, item: PlanItem) -> CaseResult:
        """Run one cell (starting its testee on first use) and judge it."""
        if item.problem is not None:
            return CaseResult(
                case_id=item.case_id, impl=item.impl, outcome=Outcome.ERROR, message=item.problem
            )
        if item.skip is not None:
            return CaseResult(
                case_id=item.case_id, impl=item.impl, outcome=Outcome.SKIPPED, message=item.skip
            )
        testee = self.testees[item.impl]
        if item.impl not in self._started:
            started, _, errors = start_testees(testees=[testee])
            self._started[item.impl] = None if started else "; ".join(errors)
        why = self._started[item.impl]
        if why is not None:
            return CaseResult(
                case_id=item.case_id, impl=item.impl, outcome=Outcome.ERROR, message=why
            )
        case = self.cases[item.case_id]
        raw = run_case(case=case, testee=testee, options=self.options)
        return judge(
            raw=raw, case=case, expectations=self.expectations,
            enforce_recommended=self.options.enforce_recommended,
        )

    def close(self) -> None:
        """Stop every testee that was started."""
        for name, why in self._started.items():
            if why is None:
                self.testees[name].close()
        self._started.clear()
