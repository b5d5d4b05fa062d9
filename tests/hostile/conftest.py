"""Fixtures for the hostile-testee tests: a project, a private TMPDIR, a pid record folder."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hostile_helpers import kill_leftovers


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project layout (cases, golden files, xfail lists) under tmp_path."""
    root = tmp_path / "proj"
    for sub in ("golden/cases", "golden/files", "adapters/xfail"):
        (root / sub).mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    return root


WriteCases = Callable[..., Path]


@pytest.fixture
def write_cases(project: Path) -> WriteCases:
    """Write a case file `<name>.json` holding the given cases."""

    def write(name: str, cases: list[dict[str, Any]]) -> Path:
        path = project / "golden" / "cases" / f"{name}.json"
        path.write_text(json.dumps({"cases": cases}, indent=2))
        return path

    return write


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private TMPDIR: everything the harness creates in temp space lands here."""
    path = tmp_path / "scratch"
    path.mkdir()
    monkeypatch.setenv("TMPDIR", str(path))
    monkeypatch.setattr(tempfile, "tempdir", str(path))
    return path


@pytest.fixture
def state(tmp_path: Path) -> Iterator[Path]:
    """Where hostile testees record their pids; whatever a failing test leaves is killed."""
    path = tmp_path / "state"
    yield path
    kill_leftovers(path)
