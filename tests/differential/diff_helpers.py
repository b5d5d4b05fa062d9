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
# The same release built with go1.27.3, against the reference's go1.27.3 model.
GO_TOOLCHAIN_YARDSTICK = "go-sdk@v0.129.0+go1.27.3"


def go_testees(*, needed: str = GO_YARDSTICK) -> dict[str, GoTestee]:
    """Built Go testees by name; skips (or fails when Go is required) when `needed` is
    not among them."""
    found = discover_go_testees(repo_root=REPO)
    built = {t.name: t for t in found if isinstance(t, GoTestee)}
    missing = {t.name: t.reason for t in found if not isinstance(t, GoTestee)}
    if needed not in built:
        why = missing.get(needed, "no Go testee was found")
        if require_go_default():
            pytest.fail(f"{needed} unavailable but TOKENCACHE_COMPAT_REQUIRE_GO is set: {why}")
        pytest.skip(f"{needed} unavailable (Go toolchain or build missing): {why}")
    return built
