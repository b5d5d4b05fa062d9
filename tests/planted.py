"""Planted-bug copies of the reference, shared by the differential and snapshot tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.testee import InProcessTestee
from reference_impl.protocol import Session


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


def drop_refresh_testee(*, name: str = "broken") -> InProcessTestee:
    """The reference with the planted refresh-token bug."""
    return InProcessTestee(name=name, session_factory=DropRefreshSession)


def no_lookup_testee(*, name: str = "nolookup") -> InProcessTestee:
    """The reference that cannot look tokens up."""
    return InProcessTestee(name=name, session_factory=NoLookupSession)
