"""The Go toolchains the reference models, and what sets them apart.

The bytes and messages of a Go build depend on the toolchain that compiled it,
not only on the SDK release. Go 1.27 builds ``encoding/json`` on top of
``encoding/json/v2`` by default (the ``jsonv2`` experiment became part of the
baseline), which rewords its errors and changes what ``json.Unmarshal``
accepts; see docs/reference.md, "Toolchains", for every difference.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

__all__ = [
    "DEFAULT_TOOLCHAIN",
    "TOOLCHAINS",
    "Toolchain",
    "check_toolchain",
    "json_v2",
]

Toolchain = Literal["go1.26.8", "go1.27.3"]
TOOLCHAINS: Final[tuple[Toolchain, ...]] = get_args(Toolchain)
DEFAULT_TOOLCHAIN: Final[Toolchain] = "go1.26.8"

# Toolchains whose encoding/json v1 API runs on the v2 implementation.
_JSON_V2: Final = frozenset({"go1.27.3"})


def check_toolchain(*, name: str) -> Toolchain:
    """``name`` as a modelled toolchain; ValueError naming the known ones otherwise."""
    if name not in TOOLCHAINS:
        raise ValueError(
            f"unknown toolchain {name!r}; the reference models {', '.join(TOOLCHAINS)}"
        )
    return name


def json_v2(*, toolchain: Toolchain) -> bool:
    """True when this toolchain's ``encoding/json`` is the v1 API over the v2 engine."""
    return toolchain in _JSON_V2
