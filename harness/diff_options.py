"""How a differential run is configured: options, allowed divergence classes, its failures."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.strategies import CI_PROFILE

DEFAULT_OUT = Path("reports/counterexamples")
_OAUTH2_VERSION = re.compile(r"v0\.(\d+)\.")

# Known, documented divergence classes `--allow` accepts (docs/differential.md).
ALLOW_CLASSES: Mapping[str, str] = {
    "null-top-level": "real Go panics on a cache file whose JSON value is null "
    "(nil *tokenCacheFile dereference); generation avoids such files",
    "expires-in": "Go built with golang.org/x/oauth2 < v0.23.0 has no expires_in field "
    "and drops it; generation never sets it and it is ignored when comparing",
    "messages": "error messages are not compared, only error kinds",
}


class DiffSetupError(RuntimeError):
    """A side cannot take part in a differential run (did not start, bad hello)."""


class Divergence(AssertionError):
    """The two sides answered a step differently (hypothesis shrinks on this)."""


@dataclass(frozen=True)
class DiffOptions:
    """How a differential run is generated and judged."""

    examples: int | None = None  # None: the profile's max_examples
    seed: int | None = None
    profile: str = CI_PROFILE
    out_dir: Path = DEFAULT_OUT
    allow: frozenset[str] = frozenset()
    auto_allow: bool = True
    steps: int | None = None  # None: the profile's stateful_step_count
    sandbox_parent: Path | None = None  # None: fast_sandbox_parent()
    hypothesis_dir: Path | None = None  # None: hypothesis_home()


def _oauth2_minor(hello: Mapping[str, Any]) -> int | None:
    details = hello.get("details") or {}
    version = str(details.get("golang.org/x/oauth2", "")) if isinstance(details, Mapping) else ""
    m = _OAUTH2_VERSION.search(version)
    return int(m.group(1)) if m else None


def auto_allowed(*, hellos: Sequence[Mapping[str, Any]]) -> frozenset[str]:
    """Divergence classes documented for this pair, read from the hellos."""
    out = set()
    for h in hellos:
        if str(h.get("runtime", "")).startswith("go"):
            out.add("null-top-level")
        minor = _oauth2_minor(h)
        if minor is not None and minor < 23:
            out.add("expires-in")
    return frozenset(out)
