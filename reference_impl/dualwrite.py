"""Writing one token under both of an argument's keys.

Two independent implementations of the same idea exist: the SDK's
``PersistentAuth.dualWrite`` (primary key, then host key when non-empty and
different; the first error is returned) and the CLI's cache wrapper (a
``Store`` under the primary key is mirrored under the host key).  They can be
stacked ("sdk+wrapper"); the host key is then written twice with the same
token, which yields the same bytes as a single dual write.
"""

from __future__ import annotations

from typing import Literal, Protocol

from .keys import CacheKeys
from .token import Token

__all__ = ["DualStoreVia", "MirroringCache", "TokenStore", "dual_store", "sdk_dual_write"]

DualStoreVia = Literal["wrapper", "sdk", "sdk+wrapper"]


class TokenStore(Protocol):
    """Anything with the TokenCache interface (``Store``/``Lookup``)."""

    def store(self, *, key: str, token: Token | None) -> None:
        """Store or (None) delete ``key``."""

    def lookup(self, *, key: str) -> Token | None:
        """Return the token under ``key``."""


class MirroringCache:
    """The CLI's wrapper built for one argument: primary-key stores also go to the host key."""

    def __init__(self, *, inner: TokenStore, keys: CacheKeys) -> None:
        self._inner = inner
        self._keys = keys

    def store(self, *, key: str, token: Token | None) -> None:
        """Store through; mirror under the host key when ``key`` is the primary key."""
        self._inner.store(key=key, token=token)
        host_key = self._keys.host_key
        if key == self._keys.key and host_key and host_key != key:
            self._inner.store(key=host_key, token=token)

    def lookup(self, *, key: str) -> Token | None:
        """Delegate unchanged."""
        return self._inner.lookup(key=key)


def sdk_dual_write(*, cache: TokenStore, keys: CacheKeys, token: Token | None) -> None:
    """``PersistentAuth.dualWrite``: primary key, then the host key if set and different."""
    cache.store(key=keys.key, token=token)
    if keys.host_key and keys.host_key != keys.key:
        cache.store(key=keys.host_key, token=token)


def dual_store(
    *,
    cache: TokenStore,
    keys: CacheKeys,
    token: Token | None,
    via: DualStoreVia,
    key: str | None = None,
) -> None:
    """Protocol ``dual_store``: ``key`` (default: the primary key) is used by "wrapper" only."""
    if via == "sdk":
        sdk_dual_write(cache=cache, keys=keys, token=token)
    elif via == "wrapper":
        MirroringCache(inner=cache, keys=keys).store(
            key=keys.key if key is None else key, token=token
        )
    elif via == "sdk+wrapper":
        sdk_dual_write(cache=MirroringCache(inner=cache, keys=keys), keys=keys, token=token)
    else:
        raise ValueError(f"unknown dual_store via: {via}")
