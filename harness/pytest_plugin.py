"""pytest plugin: spec cases as parametrized case x implementation items.

Only options, a fixture and hooks live here; the work is done by harness.session.CasePlan.
Turn collection on with `--tokencache-cases` or the ini option `tokencache_cases = true`;
a test requests the `tokencache_case` fixture (see tests/core/test_harness_spec_cases.py).
An unavailable implementation is one skipped item, `unavailable[NAME]` (a failing one
when TOKENCACHE_COMPAT_REQUIRE_GO is set); a run that cannot begin is one failing item.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from harness.data import CaseResult, Outcome
from harness.exceptions import ProjectNotFound
from harness.impls import require_go_default
from harness.paths import ProjectPaths, find_repo_root
from harness.session import CasePlan, PlanItem, RunConfig

_PLAN = pytest.StashKey[CasePlan]()


class SpecCaseWarning(UserWarning):
    """A recommended spec case failed (only enforced with --tokencache-enforce-recommended)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tokencache", "tokencache-compat spec cases")
    group.addoption("--tokencache-cases", action="store_true", default=None,
                    help="collect spec cases as case x implementation items")
    group.addoption("--tokencache-root", default=None, help="repository root (default: detect)")
    group.addoption("--tokencache-impl", action="append", default=[], metavar="NAME=CMD",
                    help="extra testee command; repeatable")
    group.addoption("--tokencache-skip-impl", action="append", default=[], metavar="NAME",
                    help="leave out an implementation; repeatable")
    group.addoption("--tokencache-no-go", action="store_true", default=False,
                    help="do not build or run the Go testees")
    group.addoption("--tokencache-k", default=None, metavar="SUBSTRING",
                    help="only cases whose id contains SUBSTRING")
    group.addoption("--tokencache-no-strict-messages", action="store_true", default=False)
    group.addoption("--tokencache-enforce-recommended", action="store_true", default=False)
    parser.addini("tokencache_cases", "collect spec cases (true/false)", type="bool",
                  default=False)


def _enabled(config: pytest.Config) -> bool:
    flag = config.getoption("--tokencache-cases")
    return bool(flag) if flag is not None else bool(config.getini("tokencache_cases"))


def _plan(config: pytest.Config) -> CasePlan:
    plan = config.stash.get(_PLAN, None)
    if plan is None:
        root_opt = config.getoption("--tokencache-root")
        try:
            root = Path(root_opt) if root_opt else find_repo_root(start=config.rootpath)
        except ProjectNotFound as exc:
            plan = CasePlan(config=None, problem=str(exc))
        else:
            plan = CasePlan(
                config=RunConfig(
                    paths=ProjectPaths.at(root=root),
                    substring=config.getoption("--tokencache-k"),
                    extra_impls=tuple(config.getoption("--tokencache-impl")),
                    use_go=not config.getoption("--tokencache-no-go"),
                    skip_impls=tuple(config.getoption("--tokencache-skip-impl")),
                    strict_messages=not config.getoption("--tokencache-no-strict-messages"),
                    enforce_recommended=config.getoption("--tokencache-enforce-recommended"),
                    require_go=require_go_default(),
                )
            )
        config.stash[_PLAN] = plan
    return plan


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "tokencache_case" not in metafunc.fixturenames:
        return
    if not _enabled(metafunc.config):
        reason = "spec case collection is off (use --tokencache-cases or ini tokencache_cases)"
        metafunc.parametrize(
            "tokencache_case",
            [pytest.param(None, id="disabled", marks=pytest.mark.skip(reason=reason))],
            indirect=True,
        )
        return
    items = _plan(metafunc.config).items()
    metafunc.parametrize(
        "tokencache_case", [pytest.param(i, id=i.label) for i in items], indirect=True
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    plan = session.config.stash.get(_PLAN, None)
    if plan is not None:
        plan.close()


@pytest.fixture
def tokencache_case(request: pytest.FixtureRequest) -> CaseResult:
    """The judged result of one case on one implementation; skips and xfails map to pytest's."""
    item: PlanItem = request.param
    result = _plan(request.config).run(item=item)
    if result.outcome is Outcome.SKIPPED:
        pytest.skip(result.message)
    if result.outcome is Outcome.XFAIL:
        pytest.xfail(result.message)
    if result.outcome is Outcome.WARN:
        warnings.warn(SpecCaseWarning(f"{item.label}: {result.message}"), stacklevel=1)
    return result
