"""Helpers for the differential and interop tests: the built Go testees.

The planted-bug references live in tests/planted.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.gobuild import GoTestee, discover_go_testees
from harness.options import require_go_default

REPO = Path(__file__).resolve().parents[2]
GO_YARDSTICK = "go-sdk@v0.129.0"


def go_testees() -> dict[str, GoTestee]:
    """Built Go testees by name; skips (or fails when Go is required) when there are none."""
    found = discover_go_testees(repo_root=REPO)
    built = {t.name: t for t in found if isinstance(t, GoTestee)}
    missing = {t.name: t.reason for t in found if not isinstance(t, GoTestee)}
    if GO_YARDSTICK not in built:
        why = missing.get(GO_YARDSTICK, "no Go testee was found")
        if require_go_default():
            pytest.fail(f"{GO_YARDSTICK} unavailable but TOKENCACHE_COMPAT_REQUIRE_GO is set: "
                        f"{why}")
        pytest.skip(f"{GO_YARDSTICK} unavailable (Go toolchain or build missing): {why}")
    return built
