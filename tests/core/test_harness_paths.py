"""Finding the project: --root, the env variable, the current directory, the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

import harness.paths as paths
from harness.exceptions import ProjectNotFound
from harness.paths import ROOT_ENV, find_repo_root


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The package looks imported from site-packages (no cases there); no root env set."""
    site = tmp_path / "site-packages" / "harness"
    site.mkdir(parents=True)
    monkeypatch.setattr(paths, "__file__", str(site / "paths.py"))
    monkeypatch.delenv(ROOT_ENV, raising=False)
    return site


def test_no_project_anywhere_is_said_plainly(installed: Path, tmp_path: Path) -> None:
    """Outside a checkout, with the package installed elsewhere, the lookup says how to fix it."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with pytest.raises(ProjectNotFound) as err:
        find_repo_root(start=elsewhere)
    text = str(err.value)
    assert str(elsewhere) in text and "golden/cases" in text and "--root" in text
    assert ROOT_ENV in text


def test_lookup_order_env_then_cwd_parents_then_checkout(
    project: Path, installed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The env variable beats the directory walk, which beats the imported checkout."""
    deep = project / "a" / "b"
    deep.mkdir(parents=True)
    assert find_repo_root(start=deep) == project.resolve()
    monkeypatch.setenv(ROOT_ENV, "/some/where")
    assert find_repo_root(start=deep) == Path("/some/where")
    monkeypatch.delenv(ROOT_ENV)
    monkeypatch.setattr(paths, "__file__", str(project / "harness" / "paths.py"))
    assert find_repo_root(start=project.parent) == project.resolve()
