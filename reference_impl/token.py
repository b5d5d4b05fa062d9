"""``oauth2.Token`` (golang.org/x/oauth2 v0.34.0) as the cache file stores it."""

from __future__ import annotations

from dataclasses import dataclass, field

from .gotime import ZERO_TIME, GoTime

__all__ = ["INT64_MAX", "INT64_MIN", "Token"]

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1


@dataclass(frozen=True, slots=True)
class Token:
    """The five JSON-visible fields of ``oauth2.Token``; defaults are Go's zero values.

    Strings are Python ``str``; a lone surrogate stands for a byte of invalid
    UTF-8 in the Go string (the ``surrogateescape`` convention), which Go's
    encoder writes as ``\\ufffd``.
    """

    access_token: str = ""
    token_type: str = ""
    refresh_token: str = ""
    expiry: GoTime = field(default=ZERO_TIME)
    expires_in: int = 0

    def __post_init__(self) -> None:
        if not INT64_MIN <= self.expires_in <= INT64_MAX:
            raise ValueError(f"expires_in {self.expires_in} does not fit Go's int64")
