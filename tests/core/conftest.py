"""Shared helpers for harness tests: case files on disk and the fake testee."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


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
    """Write a case file `<name>.json` holding the given cases (or a raw document)."""

    def write(name: str, cases: list[dict[str, Any]] | None = None, *, raw: Any = None) -> Path:
        path = project / "golden" / "cases" / f"{name}.json"
        doc = raw if raw is not None else {"cases": cases or []}
        path.write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=2))
        return path

    return write
