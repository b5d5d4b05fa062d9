"""The bounds and defaults of a stress mix (light: the command line imports this)."""

from __future__ import annotations

MAX_WRITERS = 64
MAX_STORES = 100_000
DEFAULT_STORES = 50
DEFAULT_TIME_LIMIT = 300.0
