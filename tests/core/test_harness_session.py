"""Assembling runs: the CLI and the pytest plugin share one plan; missing columns show up."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from tcc_helpers import OPEN, REFERENCE_NAMES, case, fake_command, store

from harness.data import Outcome
from harness.exceptions import EmptySelection
from harness.paths import ProjectPaths
from harness.session import RunConfig, execute_run, plan_for


@pytest.fixture
def go_less(project: Path, write_cases, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with one case and one Go testee folder, and no go command on PATH."""
    write_cases("a", [case("a.one", OPEN, store("k"))])
    sdk = project / "adapters" / "go" / "sdk-v9.9.9"
    sdk.mkdir(parents=True)
    (sdk / "go.mod").write_text("module x/sdk-v9.9.9\n")
    monkeypatch.setenv("PATH", str(project / "no-bin"))
    # No bwrap on that PATH either: confinement's default (auto) runs the fake unconfined,
    # whatever CI's TOKENCACHE_COMPAT_CONFINE=on asks of the real testees.
    monkeypatch.delenv("TOKENCACHE_COMPAT_CONFINE", raising=False)
    return project


def _config(project: Path, **kw: object) -> RunConfig:
    return RunConfig(paths=ProjectPaths.at(root=project), skip_impls=REFERENCE_NAMES,
                     extra_impls=("fake=" + shlex.join(fake_command()),), **kw)  # type: ignore[arg-type]


def test_unavailable_go_testee_is_a_skipped_item_with_its_reason(go_less: Path) -> None:
    """Each unavailable implementation becomes one skipped item naming why."""
    plan = plan_for(config=_config(go_less))
    try:
        items = {i.label: i for i in plan.items()}
        assert set(items) == {
            "a.one[fake]", "unavailable[go-sdk@v9.9.9]", "unavailable[go-sdk@v9.9.9+go1.27.3]"
        }
        r = plan.run_item(item=items["unavailable[go-sdk@v9.9.9]"])
        assert r.outcome is Outcome.SKIPPED
        assert "go-sdk@v9.9.9" in r.message and "go toolchain not found on PATH" in r.message
        assert plan.run_item(item=items["a.one[fake]"]).outcome is Outcome.PASS
    finally:
        plan.close()


def test_unavailable_go_testee_fails_when_go_is_required(go_less: Path) -> None:
    """With Go required the unavailable item is an error, reported once, not twice."""
    plan = plan_for(config=_config(go_less, require_go=True))
    items = plan.items()
    failing = [i for i in items if i.problem is not None]
    assert [i.label for i in failing] == [
        "unavailable[go-sdk@v9.9.9]", "unavailable[go-sdk@v9.9.9+go1.27.3]"
    ]
    r = plan.run_item(item=failing[0])
    assert r.outcome is Outcome.ERROR
    assert "go toolchain not found on PATH" in r.message and "Go is required" in r.message


def test_plan_and_run_agree_on_an_empty_selection(project: Path, write_cases) -> None:
    """Both entry points refuse a selection that matches nothing, with the same message."""
    write_cases("a", [case("a.one", OPEN)])
    config = _config(project, substring="typo", use_go=False)
    with pytest.raises(EmptySelection) as err:
        execute_run(config=config)
    (item,) = plan_for(config=config).items()
    assert item.problem == str(err.value) and "-k 'typo'" in item.problem
