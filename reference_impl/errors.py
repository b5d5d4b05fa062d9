"""One exception class per failure mode; ``str(exc)`` is Go's ``err.Error()`` text.

Errors raised by :class:`~reference_impl.filecache.FileTokenCache` carry the
complete message Go's API call returns, wrapping included (``load: parse:
...``).  ``detail`` holds the innermost Go error text without the wrapping.
"""

from __future__ import annotations

import copy
from typing import Self

__all__ = [
    "ArgumentError",
    "CacheIOError",
    "DecodeError",
    "HomeNotSetError",
    "MarshalError",
    "NotFoundError",
    "NullFileError",
    "TokenCacheError",
    "VersionError",
]


class TokenCacheError(Exception):
    """Base of every error the reference raises; ``str`` is Go's message."""

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = message if detail is None else detail

    def __str__(self) -> str:
        return self.message

    def wrapped(self, *, prefix: str) -> Self:
        """The same failure with a ``fmt.Errorf("<prefix>: %w")`` layer added."""
        clone = copy.copy(self)
        clone.message = f"{prefix}: {self.message}"
        clone.args = (clone.message,)
        return clone


class NotFoundError(TokenCacheError, LookupError):
    """``cache.ErrNotFound``: the key is absent from the file (message ``token not found``)."""

    def __init__(self, message: str = "token not found", *, detail: str | None = None) -> None:
        super().__init__(message, detail=detail)


class DecodeError(TokenCacheError, ValueError):
    """``json.Unmarshal`` rejected the file (syntax, type or time parse error)."""


class NullFileError(TokenCacheError, ValueError):
    """The file is JSON ``null``: real Go dereferences a nil pointer and panics.

    The reference reports it as an error instead; see docs/reference.md.
    """


class VersionError(TokenCacheError, ValueError):
    """The file decoded but its ``version`` is not 1."""


class MarshalError(TokenCacheError, ValueError):
    """``json.MarshalIndent`` failed (an expiry ``Time.MarshalJSON`` rejects)."""


class HomeNotSetError(TokenCacheError, RuntimeError):
    """No path was given and ``HOME`` is unset or empty in the given environment."""


class ArgumentError(TokenCacheError, ValueError):
    """An OAuth argument failed the SDK's validation."""


class CacheIOError(TokenCacheError, OSError):
    """A file-system call failed; the message has Go's PathError/LinkError shape."""

    def __init__(
        self, message: str, *, errno_value: int | None = None, detail: str | None = None
    ) -> None:
        TokenCacheError.__init__(self, message, detail=detail)
        self.errno = errno_value

    def __str__(self) -> str:
        return self.message

    def wrapped(self, *, prefix: str) -> Self:
        """As :meth:`TokenCacheError.wrapped`, keeping ``errno``."""
        clone = super().wrapped(prefix=prefix)
        clone.errno = self.errno
        return clone
