"""Helpers for the differential and interop tests: the Go testees and broken references."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from harness.gobuild import GoTestee, discover_go_testees
from harness.impls import require_go_default
from harness.testee import InProcessTestee
from reference_impl.protocol import Session

REPO = Path(__file__).resolve().parents[2]
GO_YARDSTICK = "go-sdk@v0.129.0"


class DropRefreshSession(Session):
    """A planted bug: the reference, except that stores forget the refresh token."""

    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        token = request.get("token")
        if request.get("op") in ("store", "dual_store") and isinstance(token, dict):
            request = {**request, "token": {k: v for k, v in token.items() if k != "refresh_token"}}
        return super().handle(request)


class NoLookupSession(Session):
    """The reference, except that it answers every lookup with `unsupported`."""

    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        if request.get("op") == "lookup":
            return {"id": request.get("id"), "ok": False,
                    "error": {"kind": "unsupported", "message": "no lookups here"}}
        return super().handle(request)


def broken_testee() -> InProcessTestee:
    """The reference with the planted refresh-token bug."""
    return InProcessTestee(name="broken", session_factory=DropRefreshSession)


def no_lookup_testee() -> InProcessTestee:
    """The reference that cannot look tokens up."""
    return InProcessTestee(name="nolookup", session_factory=NoLookupSession)


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
