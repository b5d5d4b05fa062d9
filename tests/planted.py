"""Planted-bug copies of the reference, shared by the differential and snapshot tests."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from harness.testee import InProcessTestee
from reference_impl.decoder import DecodedFile
from reference_impl.filecache import FileTokenCache
from reference_impl.protocol import Session
from reference_impl.token import Token


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


class LoadOnceCache(FileTokenCache):
    """A planted bug: the file is read once and again only after this cache's own writes,
    so a change made by someone else behind an open cache goes unseen."""

    _once: DecodedFile | None = None

    def _load(self) -> DecodedFile:
        if self._once is None:
            self._once = super()._load()
        return self._once

    def _store(self, key: str, token: Token | None) -> None:
        super()._store(key, token)
        self._once = None


class StaleReadSession(Session):
    """The reference with LoadOnceCache: only mid-case edits can tell it apart."""

    def _open(self, req: Mapping[str, Any]) -> dict[str, Any]:
        result = super()._open(req)
        if self._cache is not None:
            self._cache.__class__ = LoadOnceCache  # same state, the planted behaviour
        return result


class UserProfileSession(Session):
    """A planted bug: the default location honours USERPROFILE when it is set."""

    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        env = request.get("env") or {}
        profile = env.get("USERPROFILE") if isinstance(env, Mapping) else None
        if request.get("op") == "open" and request.get("path") is None and profile:
            request = {**request, "path": f"{profile}/.databricks/token-cache.json"}
        return super().handle(request)


class TightDirSession(Session):
    """A planted bug: after opening the default location, .databricks is chmodded to 0700
    whatever the umask (Go leaves MkdirAll's 0700 minus the umask)."""

    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        response = super().handle(request)
        if request.get("op") == "open" and response.get("ok") and self._cache is not None:
            os.chmod(os.path.dirname(self._cache.location), 0o700)
        return response


class CliHomeSession(Session):
    """The reference with the CLI's wording of a missing HOME (differs only without HOME)."""

    def __init__(self) -> None:
        super().__init__(variant="cli")


def planted_testee(*, name: str, factory: Any) -> InProcessTestee:
    """The reference with one of the planted bugs above."""
    return InProcessTestee(name=name, session_factory=factory)
