"""Planted-bug copies of the reference, shared by the differential and snapshot tests."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.differential.strategies import ACCOUNT_IDS, HOSTS, PROFILES
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


# Go type names as a copy of the SDK's file cache in another package spells them
# (harness/messages.py, class go-types): a storage package whose file struct is
# tokenStoreFile and whose entries embed oauth2.Token in a fileEntry.
_TYPE_RENAMES = (
    ("cache.tokenCacheFile", "storage.tokenStoreFile"),
    ("Go struct field tokenCacheFile.", "Go struct field tokenStoreFile."),
    ("Go struct field Token.tokens.", "Go struct field fileEntry.tokens.Token."),
    ("map[string]*oauth2.Token", "map[string]*storage.fileEntry"),
    ("of type oauth2.Token", "of type storage.fileEntry"),
)


class TypeRenamingSession(Session):
    """The reference, except that its error messages name Go types as a renamed copy would."""

    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        response = super().handle(request)
        error = response.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            message = error["message"]
            for old, new in _TYPE_RENAMES:
                message = message.replace(old, new)
            response = {**response, "error": {**error, "message": message}}
        return response


class RewordedSession(TypeRenamingSession):
    """Renamed types, and a missing key reported in other words (a real message change)."""

    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        response = super().handle(request)
        error = response.get("error")
        if isinstance(error, dict) and error.get("message") == "token not found":
            response = {**response, "error": {**error, "message": "no such token"}}
        return response


def _cache_path(session: Session) -> Path | None:
    cache = getattr(session, "_cache", None)
    location = getattr(cache, "location", None)
    return Path(location) if isinstance(location, str) else None


def _is_delete(request: Mapping[str, Any]) -> bool:
    return request.get("op") == "store" and request.get("token") is None


class DeleteRewriteSession(Session):
    """Base for planted bugs that rewrite the cache file's bytes after a successful delete."""

    def rewrite(self, data: bytes) -> bytes:
        """The bytes the planted bug leaves instead of `data`."""
        return data

    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        response = super().handle(request)
        path = _cache_path(self)
        if _is_delete(request) and response.get("ok") and path is not None:
            data = path.read_bytes()
            changed = self.rewrite(data)
            if changed != data:
                path.write_bytes(changed)  # in place: the mode and listing stay as they were
        return response


class NullTokensSession(DeleteRewriteSession):
    """A delete that leaves no token writes `"tokens": null` instead of `{}` (bytes only)."""

    def rewrite(self, data: bytes) -> bytes:
        return data.replace(b'"tokens": {}', b'"tokens": null')


class WideIndentSession(DeleteRewriteSession):
    """A delete writes the file indented by four spaces instead of two (formatting only)."""

    def rewrite(self, data: bytes) -> bytes:
        # Go escapes newlines in strings, so every raw newline is layout.
        return data.replace(b"\n  ", b"\n    ")


class ThreeBugsSession(NullTokensSession, WideIndentSession):
    """Three independent planted bugs: a store (not a dual store) forgets the refresh token;
    a delete that empties the cache writes `"tokens": null`; every delete indents by four
    spaces. The last two show only in the file's bytes."""

    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        token = request.get("token")
        if request.get("op") == "store" and isinstance(token, dict):
            request = {**request, "token": {k: v for k, v in token.items() if k != "refresh_token"}}
        return super().handle(request)

    def rewrite(self, data: bytes) -> bytes:
        return WideIndentSession.rewrite(self, NullTokensSession.rewrite(self, data))


# Keys the generators draw from short fixed lists: any two draws may coincide.
_COMMON_KEYS = frozenset({
    "", *PROFILES, *HOSTS,
    *(f"{h.rstrip('/')}/oidc/accounts/{a}" for h in HOSTS[:4] for a in ACCOUNT_IDS),
})


class StaleIndexSession(Session):
    """Keeps an index of the keys it stored; a delete of a key outside that index (one only a
    hand-edited file holds) rewrites the file but keeps the key. Keys from the generators'
    short fixed lists are spared, so a sequence meets the bug only by deleting a key it
    read from a hand-edited file, not by drawing the same common key twice."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.index: set[str] = set()

    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        key = request.get("key")
        if request.get("op") == "store" and isinstance(key, str):
            if request.get("token") is not None:
                self.index.add(key)
            elif key not in self.index and key not in _COMMON_KEYS:
                found = super().handle({**request, "op": "lookup"})
                token = (found.get("result") or {}).get("token") if found.get("ok") else None
                if token is not None:  # store it back: the file is rewritten, the key stays
                    return super().handle({**request, "token": token})
        return super().handle(request)


class StaleLookupIndexSession(StaleIndexSession):
    """StaleIndexSession whose lookups trust the index too: a key the file holds outside it
    (one only a hand-edited file holds, common keys spared) is answered not found. The file
    is still read, so a load error shows as it would (an edit behind the open cache)."""

    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        key = request.get("key")
        if (request.get("op") == "lookup" and isinstance(key, str)
                and key not in self.index and key not in _COMMON_KEYS):
            found = super().handle(request)
            if not found.get("ok"):
                return found
            return {"id": request.get("id"), "ok": False,
                    "error": {"kind": "not_found", "message": "token not found"}}
        return super().handle(request)


def three_bugs_testee(*, name: str = "three-bugs") -> InProcessTestee:
    """The reference with three independent planted bugs (ThreeBugsSession)."""
    return InProcessTestee(name=name, session_factory=ThreeBugsSession)
