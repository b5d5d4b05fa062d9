"""Conformance protocol v1 (docs/protocol.md) served by the reference.

:class:`Session` is called in-process by the harness and by ``python -m
reference_impl``.  Its environment is its own mapping, never ``os.environ``.
In-process it starts empty, so a case that does not set HOME cannot reach the
real home directory; ``python -m reference_impl`` starts it from its own
process environment, as a Go testee reads its own ``HOME``.  Request strings
go through :func:`go_string` because a Go testee's JSON decoder turns lone
surrogates into U+FFFD.
"""

from __future__ import annotations

import os
import platform
import re
from collections.abc import Mapping
from typing import Any, Final, cast

from . import __version__
from .decoder import go_string
from .dualwrite import DualStoreVia, dual_store
from .errors import NotFoundError, TokenCacheError
from .filecache import FileTokenCache, Variant
from .gotime import ZERO_TIME, GoTime
from .keys import ArgKind, CacheKeys, OAuthArg, cache_keys
from .lockfile import LockedFileTokenCache
from .rlimits import LimitError, available_limits, limits_applied, parse_limits
from .token import Token
from .toolchain import DEFAULT_TOOLCHAIN, Toolchain, check_toolchain, json_v2

__all__ = [
    "PROTOCOL_VERSION",
    "RequestError",
    "Session",
    "arg_from_json",
    "expiry_from_json",
    "token_from_json",
    "token_to_json",
]

PROTOCOL_VERSION: Final = 1
OPS: Final = ["open", "store", "lookup", "cache_key", "dual_store"]
VIAS: Final = ["wrapper", "sdk", "sdk+wrapper"]

_EXPIRY = re.compile(
    r"(-?[0-9]+)-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"(?:(Z)|([+-])([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)\Z"
)


class RequestError(ValueError):
    """A malformed request (a harness bug, not a cache behaviour)."""


def expiry_from_json(*, text: str) -> GoTime:
    """A protocol expiry string as the civil time it names (``""`` = zero time)."""
    if text == "":
        return ZERO_TIME
    m = _EXPIRY.match(text)
    if m is None:
        raise RequestError(f"bad expiry: {text!r}")
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    frac = (m.group(7) or "")[:9].ljust(9, "0")
    offset = None
    if m.group(8) is None:
        offset = (int(m.group(10)) * 60 + int(m.group(11))) * 60 + int(m.group(12) or 0)
        if m.group(9) == "-":
            offset = -offset
    return GoTime.date(
        year=year,
        month=month,
        day=day,
        hour=hour,
        minute=minute,
        second=second,
        nanosecond=int(frac),
        offset=offset,
    )


def token_from_json(*, obj: Any) -> Token | None:
    """A protocol Token (or null) as a :class:`Token`; absent fields are Go's zero values."""
    if obj is None:
        return None
    if not isinstance(obj, dict):
        raise RequestError("token must be an object or null")

    def text(name: str) -> str:
        v = obj.get(name, "")
        if not isinstance(v, str):
            raise RequestError(f"{name} must be a string")
        return go_string(text=v)

    expires_in = obj.get("expires_in", 0)
    if not isinstance(expires_in, int) or isinstance(expires_in, bool):
        raise RequestError("expires_in must be an integer")
    return Token(
        access_token=text("access_token"),
        token_type=text("token_type"),
        refresh_token=text("refresh_token"),
        expiry=expiry_from_json(text=text("expiry")),
        expires_in=expires_in,
    )


def token_to_json(*, token: Token | None) -> dict[str, Any] | None:
    """A :class:`Token` as a protocol Token, all five fields, expiry via ``Format``."""
    if token is None:
        return None
    return {
        "access_token": token.access_token,
        "token_type": token.token_type,
        "refresh_token": token.refresh_token,
        "expiry": token.expiry.format(),
        "expires_in": token.expires_in,
    }


def arg_from_json(*, obj: Any) -> OAuthArg:
    """A protocol OAuthArg as an :class:`OAuthArg`; absent fields are empty strings."""
    if not isinstance(obj, dict) or obj.get("kind") not in (
        "workspace",
        "account",
        "unified",
        "discovery",
    ):
        raise RequestError("arg must be an object with a known kind")

    def text(name: str) -> str:
        v = obj.get(name, "")
        if not isinstance(v, str):
            raise RequestError(f"arg.{name} must be a string")
        return go_string(text=v)

    return OAuthArg(
        kind=cast(ArgKind, obj["kind"]),
        host=text("host"),
        account_id=text("account_id"),
        profile=text("profile"),
        discovered_host=text("discovered_host"),
    )


def _key(req: Mapping[str, Any]) -> str:
    key = req.get("key")
    if not isinstance(key, str):
        raise RequestError("key must be a string")
    return go_string(text=key)


class Session:
    """One testee session: at most one open cache, its own environment.

    ``lock=True`` is the ``--lock`` variant: the cache holds ``token-cache.lock``
    (reference_impl/lockfile.py) and ``hello`` announces ``"lock": "flock"``.
    ``toolchain`` is the Go release whose observable behaviour is modelled
    (``reference_impl.toolchain.TOOLCHAINS``); hello announces it.
    """

    def __init__(
        self,
        *,
        variant: Variant = "sdk",
        env: Mapping[str, str] | None = None,
        lock: bool = False,
        toolchain: str = DEFAULT_TOOLCHAIN,
    ) -> None:
        self.variant: Variant = variant
        self.toolchain: Toolchain = check_toolchain(name=toolchain)
        self.env: dict[str, str] = dict(env or {})
        self.lock = lock
        self._cache: FileTokenCache | LockedFileTokenCache | None = None

    def hello(self) -> dict[str, Any]:
        """The ``hello`` result."""
        v2 = json_v2(toolchain=self.toolchain)
        engine = "encoding/json v1 on v2" if v2 else "encoding/json v1"
        hello: dict[str, Any] = {
            "protocol": PROTOCOL_VERSION,
            "name": "reference",
            "version": __version__,
            "ops": list(OPS),
            "dual_store_via": list(VIAS),
            "limits": available_limits(),
            "runtime": f"python {platform.python_version()}",
            "toolchain": self.toolchain,
            "details": {
                "models": f"databricks-sdk-go v0.129.0 file cache; {self.toolchain} {engine}; "
                "golang.org/x/oauth2 v0.34.0",
                "variant": self.variant,
            },
        }
        if self.lock:
            hello["lock"] = "flock"
        return hello

    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Answer one request; never raises for cache errors (they become error responses).

        Positional on purpose: harnesses call ``session.handle(request)`` (keyword works too).
        """
        rid = request.get("id")
        try:
            # A request's limits hold for its own work only, never for the answer.
            with limits_applied(file_size=parse_limits(value=request.get("limits"))):
                result = self._dispatch(request)
        except NotFoundError as e:
            return {"id": rid, "ok": False, "error": {"kind": "not_found", "message": str(e)}}
        except TokenCacheError as e:
            return {"id": rid, "ok": False, "error": {"kind": "error", "message": str(e)}}
        except _Unsupported as e:
            return {"id": rid, "ok": False, "error": {"kind": "unsupported", "message": str(e)}}
        except (RequestError, LimitError) as e:
            return {
                "id": rid,
                "ok": False,
                "error": {"kind": "error", "message": f"bad request: {e}"},
            }
        return {"id": rid, "ok": True, "result": result}

    def _opened(self) -> FileTokenCache | LockedFileTokenCache:
        if self._cache is None:
            raise RequestError("no cache is open")
        return self._cache

    def _dispatch(self, req: Mapping[str, Any]) -> dict[str, Any]:
        op = req.get("op")
        if op == "hello":
            return self.hello()
        if op == "shutdown":
            return {}
        if op == "open":
            return self._open(req)
        if op == "store":
            self._opened().store(key=_key(req), token=token_from_json(obj=req.get("token")))
            return {}
        if op == "lookup":
            return {"token": token_to_json(token=self._opened().lookup(key=_key(req)))}
        if op == "cache_key":
            keys = cache_keys(arg=arg_from_json(obj=req.get("arg")))
            return {"key": keys.key, "host_key": keys.host_key}
        if op == "dual_store":
            return self._dual_store(req)
        raise _Unsupported(f"unknown op: {op!r}")

    def _open(self, req: Mapping[str, Any]) -> dict[str, Any]:
        env = req.get("env") or {}
        if not isinstance(env, dict):
            raise RequestError("env must be an object")
        for name, value in env.items():
            if value is None:
                self.env.pop(name, None)
            else:
                self.env[name] = str(value)
        umask = req.get("umask")
        if umask is not None:
            os.umask(int(umask))
        path = req.get("path")
        if path is not None and not isinstance(path, str):
            raise RequestError("path must be a string or null")
        # A failed open leaves no cache, as NewFileTokenCache returns nil.
        self._cache = None
        opener = LockedFileTokenCache if self.lock else FileTokenCache
        self._cache = opener.open(
            path=path, env=self.env, variant=self.variant, toolchain=self.toolchain
        )
        return {}

    def _dual_store(self, req: Mapping[str, Any]) -> dict[str, Any]:
        via = req.get("via")
        if via not in VIAS:
            raise _Unsupported(f"unknown dual_store via: {via!r}")
        keys: CacheKeys = cache_keys(arg=arg_from_json(obj=req.get("arg")))
        key = req.get("key")
        dual_store(
            cache=self._opened(),
            keys=keys,
            token=token_from_json(obj=req.get("token")),
            via=cast(DualStoreVia, via),
            key=None if key is None else _key(req),
        )
        return {}


class _Unsupported(Exception):
    """A request this testee cannot perform."""
