"""pytest plugin: spec cases as parametrized case x implementation items.

Only options, a fixture and hooks live here; the work is done by
harness.session.Execution, configured from the same option table as the command
line (harness.options, each flag prefixed `--tokencache-`). Turn collection on
with `--tokencache-cases` or the ini option `tokencache_cases = true`; a test
requests the `tokencache_case` fixture (tests/core/test_harness_spec_cases.py).
Collecting builds and starts nothing (`pytest --co` compiles no Go); the first
item of a Go column builds it. The fixture fails the test itself on a failing,
crashing or erroring case, so a test body cannot pass one by ignoring it.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from harness.data import CaseResult, Outcome
from harness.exceptions import ProjectNotFound
from harness.options import PATH_OPTIONS, RUN_OPTIONS, add_to_pytest, plugin_values
from harness.paths import project_paths
from harness.session import Execution, PlanItem, ProblemPlan, plan_for, run_config

_PLAN = pytest.StashKey[Execution | ProblemPlan]()
_RESULT = pytest.StashKey[tuple[str, CaseResult]]()


class SpecCaseWarning(UserWarning):
    """A recommended spec case failed (only enforced with --tokencache-enforce-recommended)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tokencache", "tokencache-compat spec cases")
    group.addoption("--tokencache-cases", action="store_true", default=None,
                    help="collect spec cases as case x implementation items")
    add_to_pytest(group=group, options=(*PATH_OPTIONS, *RUN_OPTIONS))
    parser.addini("tokencache_cases", "collect spec cases (true/false)", type="bool",
                  default=False)


def _enabled(config: pytest.Config) -> bool:
    flag = config.getoption("--tokencache-cases")
    return bool(flag) if flag is not None else bool(config.getini("tokencache_cases"))


def _plan(config: pytest.Config) -> Execution | ProblemPlan:
    plan = config.stash.get(_PLAN, None)
    if plan is None:
        values = plugin_values(get=config.getoption, options=(*PATH_OPTIONS, *RUN_OPTIONS))
        try:
            paths = project_paths(values=values, start=Path(config.rootpath))
        except ProjectNotFound as exc:
            plan = plan_for(config=None, problem=str(exc))
        else:
            plan = plan_for(config=run_config(values=values, paths=paths))
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
    """The judged result of one case on one implementation.

    Skips and expected failures map to pytest's; a failing, crashing, timed-out
    or erroring case (or an unexpected pass) fails the test after its body.
    """
    item: PlanItem = request.param
    result = _plan(request.config).run_item(item=item)
    if result.outcome is Outcome.SKIPPED:
        pytest.skip(result.message)
    if result.outcome is Outcome.XFAIL:
        pytest.xfail(result.message)
    if result.outcome is Outcome.WARN:
        warnings.warn(SpecCaseWarning(f"{item.label}: {result.message}"), stacklevel=1)
    request.node.stash[_RESULT] = (item.label, result)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> object:
    # After the test body: an unexpected outcome fails the test as a failure (not a
    # setup error), whatever the body did with the result.
    returned = yield
    got = item.stash.get(_RESULT, None)
    if got is not None and got[1].outcome.unexpected:
        label, result = got
        pytest.fail(f"{label}: {result.outcome.value}\n{result.text()}", pytrace=False)
    return returned
