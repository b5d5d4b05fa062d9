"""Cache keys of the four OAuth argument kinds (``credentials/u2m/*_oauth_argument.go``, v0.129.0).

The primary key is the profile when one is set, else the host key.  The host
key is the legacy key older Python/Java SDKs read; the SDK's dual write
mirrors tokens there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .errors import ArgumentError

__all__ = ["ArgKind", "CacheKeys", "OAuthArg", "cache_keys", "validate_host"]

ArgKind = Literal["workspace", "account", "unified", "discovery"]


@dataclass(frozen=True, slots=True)
class OAuthArg:
    """The inputs of one OAuth argument; fields a kind does not use are ignored."""

    kind: ArgKind
    host: str = ""
    account_id: str = ""
    profile: str = ""
    discovered_host: str = ""


@dataclass(frozen=True, slots=True)
class CacheKeys:
    """``GetCacheKey()`` and the host key (``""`` when there is none)."""

    key: str
    host_key: str


def validate_host(*, host: str) -> None:
    """The SDK's ``validateHost``: https only (plain http for 127.0.0.1), no trailing slash."""
    if host.startswith("http://127.0.0.1"):
        return
    if not host.startswith("https://"):
        raise ArgumentError(f"host must start with 'https://': {host}")
    if host.endswith("/"):
        raise ArgumentError(f"host must not have a trailing slash: {host}")


def _workspace_host_key(host: str) -> str:
    # GetHostCacheKey normalises even though the constructor already validated.
    host = host.removesuffix("/")
    if not host.startswith("http"):
        host = f"https://{host}"
    return host


def cache_keys(*, arg: OAuthArg) -> CacheKeys:
    """Build the argument as the SDK's constructor does and return its keys.

    Raises :class:`ArgumentError` with the constructor's message.
    """
    if arg.kind == "discovery":
        if arg.profile == "":
            raise ArgumentError("profile name must not be empty for discovery login")
        # The host key of a discovery login is the host learnt from the callback.
        return CacheKeys(key=arg.profile, host_key=arg.discovered_host)
    validate_host(host=arg.host)
    if arg.kind == "workspace":
        host_key = _workspace_host_key(arg.host)
    elif arg.kind in ("account", "unified"):
        host_key = f"{arg.host}/oidc/accounts/{arg.account_id}"
    else:
        raise ArgumentError(f"unknown OAuth argument kind: {arg.kind}")
    return CacheKeys(key=arg.profile or host_key, host_key=host_key)
