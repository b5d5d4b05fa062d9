"""Protocol v1 as types: one class per request and per response, parsed in one place.

Everything a testee says is validated here (`parse_response`, `parse_hello`) and
nothing past this module sees a raw response mapping. A spec step (case file or
differential) becomes a request in one place too (`step_request`).
See docs/protocol.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from harness.exceptions import ProtocolViolation, TesteeUnavailable

PROTOCOL_VERSION = 1
ErrorKind = Literal["not_found", "error", "unsupported"]
ERROR_KINDS: frozenset[str] = frozenset({"not_found", "error", "unsupported"})


# -- requests --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Limitable:
    """Requests that may carry `limits`: the testee applies them to itself for that
    request only (docs/protocol.md, Limits; harness/faults.py sets them)."""

    limits: Mapping[str, int] | None = None


@dataclass(frozen=True)
class HelloRequest:
    """Ask the testee who it is and what it offers."""

    op: Literal["hello"] = "hello"

    def fields(self) -> dict[str, Any]:
        """The request's members other than `id` and `op`."""
        return {}


@dataclass(frozen=True)
class ShutdownRequest:
    """Ask the testee to answer and exit 0."""

    op: Literal["shutdown"] = "shutdown"

    def fields(self) -> dict[str, Any]:
        """The request's members other than `id` and `op`."""
        return {}


@dataclass(frozen=True)
class OpenRequest(Limitable):
    """Open a cache: `path` None means the default location under the env's HOME."""

    path: str | None
    env: Mapping[str, str | None]
    umask: int | None
    op: Literal["open"] = "open"

    def fields(self) -> dict[str, Any]:
        """The request's members other than `id` and `op`."""
        return {"path": self.path, "env": dict(self.env), "umask": self.umask}


@dataclass(frozen=True)
class StoreRequest(Limitable):
    """Store a token under a key; a None token deletes the key."""

    key: str
    token: Mapping[str, Any] | None
    op: Literal["store"] = "store"

    def fields(self) -> dict[str, Any]:
        """The request's members other than `id` and `op`."""
        return {"key": self.key, "token": None if self.token is None else dict(self.token)}


@dataclass(frozen=True)
class LookupRequest(Limitable):
    """Look a key up."""

    key: str
    op: Literal["lookup"] = "lookup"

    def fields(self) -> dict[str, Any]:
        """The request's members other than `id` and `op`."""
        return {"key": self.key}


@dataclass(frozen=True)
class CacheKeyRequest(Limitable):
    """Derive the cache keys of an OAuth argument."""

    arg: Mapping[str, Any]
    op: Literal["cache_key"] = "cache_key"

    def fields(self) -> dict[str, Any]:
        """The request's members other than `id` and `op`."""
        return {"arg": dict(self.arg)}


@dataclass(frozen=True)
class DualStoreRequest(Limitable):
    """Store through a dual-writing path; `key` None means the primary key."""

    arg: Mapping[str, Any]
    key: str | None
    token: Mapping[str, Any] | None
    via: str
    op: Literal["dual_store"] = "dual_store"

    def fields(self) -> dict[str, Any]:
        """The request's members other than `id` and `op`."""
        return {
            "arg": dict(self.arg),
            "key": self.key,
            "token": None if self.token is None else dict(self.token),
            "via": self.via,
        }


Request = (
    HelloRequest
    | ShutdownRequest
    | OpenRequest
    | StoreRequest
    | LookupRequest
    | CacheKeyRequest
    | DualStoreRequest
)


def wire(*, request: Request, request_id: int) -> dict[str, Any]:
    """The JSON object a request is sent as."""
    limits = getattr(request, "limits", None)
    extra = {"limits": dict(limits)} if limits else {}
    return {"id": request_id, "op": request.op, **request.fields(), **extra}


def protocol_op(*, op: str) -> str:
    """The protocol op a spec step is sent as (`delete` is a `store` of null)."""
    return "store" if op == "delete" else op


def step_request(
    *,
    op: str,
    fields: Mapping[str, Any],
    env: Mapping[str, str | None],
    umask: int | None,
    path: str | None = None,
) -> Request:
    """The request for one spec step (case file or differential).

    `path`, `env` and `umask` are the sandbox's, already absolute; the step's own
    `path` (sandbox-relative) was resolved by the caller.
    """
    if op == "open":
        return OpenRequest(path=path, env=dict(env), umask=umask)
    if op == "delete":
        return StoreRequest(key=str(fields["key"]), token=None)
    if op == "store":
        return StoreRequest(key=str(fields["key"]), token=fields.get("token"))
    if op == "lookup":
        return LookupRequest(key=str(fields["key"]))
    if op == "cache_key":
        return CacheKeyRequest(arg=fields["arg"])
    if op == "dual_store":
        return DualStoreRequest(
            arg=fields["arg"], key=fields.get("key"), token=fields.get("token"),
            via=str(fields["via"]),
        )
    raise ValueError(f"no protocol request for step op {op!r}")


# -- responses -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Success:
    """`{"ok": true, "result": {...}}`."""

    id: int
    result: Mapping[str, Any]
    ok: Literal[True] = True


@dataclass(frozen=True)
class Failure:
    """`{"ok": false, "error": {"kind": ..., "message": ...}}`."""

    id: int
    kind: str
    message: str
    ok: Literal[False] = False

    @property
    def unsupported(self) -> bool:
        """True when the testee cannot perform this request variant."""
        return self.kind == "unsupported"


Response = Success | Failure


@dataclass(frozen=True)
class Hello:
    """What a testee announces about itself."""

    name: str
    version: str
    runtime: str
    ops: tuple[str, ...]
    dual_store_via: tuple[str, ...]
    details: Mapping[str, str] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)  # every member, for reports
    lock: str | None = None  # "flock": holds token-cache.lock (docs/concurrency.md)
    toolchain: str | None = None  # the Go toolchain that built it (runtime.Version())

    def offers(self, *, op: str) -> bool:
        """True when the testee implements `op` (`hello` and `shutdown` are implied)."""
        return op in ("hello", "shutdown") or op in self.ops


def show(*, raw: bytes | str, limit: int = 300) -> str:
    """A capped, escaped rendering of bytes a testee sent."""
    text = repr(raw[:limit])
    return text + (f" ... ({len(raw)} bytes)" if len(raw) > limit else "")


def parse_response(*, doc: Any, expected_id: int, raw: bytes | str = b"") -> Response:
    """Validate one decoded response line; raises ProtocolViolation naming the fault."""
    shown = show(raw=raw) if raw else show(raw=json.dumps(doc, default=repr))
    if not isinstance(doc, Mapping) or doc.get("id") != expected_id:
        raise ProtocolViolation(
            f"garbage on stdout (expected a response with id {expected_id}): {shown}"
        )
    ok = doc.get("ok")
    if ok is True:
        result = doc.get("result")
        if not isinstance(result, Mapping):
            raise ProtocolViolation(f"malformed response on stdout: {shown}")
        return Success(id=expected_id, result=dict(result))
    if ok is False:
        error = doc.get("error")
        if (
            not isinstance(error, Mapping)
            or not isinstance(error.get("kind", ""), str)
            or not isinstance(error.get("message", ""), str)
        ):
            raise ProtocolViolation(f"malformed response on stdout: {shown}")
        return Failure(
            id=expected_id, kind=str(error.get("kind", "")), message=str(error.get("message", ""))
        )
    raise ProtocolViolation(f"malformed response on stdout: {shown}")


def parse_hello(*, response: Response) -> Hello:
    """The Hello in a response to `hello`; raises TesteeUnavailable when it is not one."""
    if not isinstance(response, Success):
        raise TesteeUnavailable(
            f"hello failed: {json.dumps({'kind': response.kind, 'message': response.message})}"
        )
    doc = response.result
    if doc.get("protocol") != PROTOCOL_VERSION:
        raise TesteeUnavailable(f"hello: unsupported protocol {doc.get('protocol')!r}")
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("ops", "dual_store_via"):
        value = doc.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise TesteeUnavailable(f"hello: {key} must be a list of strings")
        lists[key] = tuple(value)
    details = doc.get("details") or {}
    if not isinstance(details, Mapping):
        raise TesteeUnavailable("hello: details must be an object")
    lock = doc.get("lock")
    if lock is not None and not isinstance(lock, str):
        raise TesteeUnavailable("hello: lock must be a string")
    toolchain = doc.get("toolchain")
    if toolchain is not None and not isinstance(toolchain, str):
        raise TesteeUnavailable("hello: toolchain must be a string")
    return Hello(
        name=str(doc.get("name", "")),
        version=str(doc.get("version", "")),
        runtime=str(doc.get("runtime", "")),
        ops=lists["ops"],
        dual_store_via=lists["dual_store_via"],
        details={str(k): str(v) for k, v in details.items()},
        raw={**doc, "ops": list(lists["ops"]), "dual_store_via": list(lists["dual_store_via"])},
        lock=lock,
        toolchain=toolchain,
    )
