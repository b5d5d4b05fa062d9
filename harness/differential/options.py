"""How a differential run is configured: options, allowed divergence classes, its failures."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness.breaker import DEFAULT_MAX_TIMEOUTS
from harness.profiles import CI_PROFILE

if TYPE_CHECKING:  # light: `diff --help` imports this module
    from harness.differential.known import KnownDivergences
    from harness.protocol import Hello

DEFAULT_OUT = Path("reports/counterexamples")
_OAUTH2_VERSION = re.compile(r"v0\.(\d+)\.")

# Known, documented divergence classes `--allow` accepts (docs/differential.md).
ALLOW_CLASSES: Mapping[str, str] = {
    "null-top-level": "real Go panics on a cache file whose JSON value is null "
    "(nil *tokenCacheFile dereference); generation avoids such files",
    "expires-in": "Go built with golang.org/x/oauth2 < v0.23.0 has no expires_in field "
    "and drops it; generation never sets it and it is ignored when comparing",
    "messages": "error messages are not compared, only error kinds",
    "go-type-names": "error messages are compared modulo Go type and package names "
    "(harness/messages.py, the go-types class)",
}
DEFAULT_MAX_DIVERGENCES = 10


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
    max_timeouts: int = DEFAULT_MAX_TIMEOUTS  # a side timing out this often in a row is broken
    hypothesis_dir: Path | None = None  # None: hypothesis_home()
    max_divergences: int = DEFAULT_MAX_DIVERGENCES  # stop after this many distinct ones
    known: KnownDivergences | None = None  # diff --known FILE, parsed
    case_dirs: tuple[Path, ...] = ()  # where case ids of the known file are looked up
    overlap: bool = True  # compare a subprocess side's step while the next one is drawn


def _oauth2_minor(hello: Hello) -> int | None:
    version = hello.details.get("golang.org/x/oauth2", "")
    m = _OAUTH2_VERSION.search(version)
    return int(m.group(1)) if m else None


def auto_allowed(*, hellos: Sequence[Hello]) -> frozenset[str]:
    """Divergence classes documented for this pair, read from the hellos."""
    out = set()
    for h in hellos:
        if h.runtime.startswith("go"):
            out.add("null-top-level")
        minor = _oauth2_minor(h)
        if minor is not None and minor < 23:
            out.add("expires-in")
    return frozenset(out)
