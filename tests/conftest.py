"""Shared test set-up: tests/ importable (``strategies``, helpers), the hypothesis profile,
and an empty project layout with a writer of case files (used by the core and hostile tests)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from harness.profiles import register as register_profiles

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    # Appended, not prepended: tests/ must never shadow the harness package.
    sys.path.append(_TESTS)

register_profiles()
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


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
