"""Fixtures for the hostile-testee tests: a private TMPDIR, a pid record folder (the project
and its case writer come from tests/conftest.py)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_helpers import kill_leftovers


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
