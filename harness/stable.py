"""Run-specific values taken out of report text, so two runs of one report are byte-identical.

Crash messages carry a testee's stderr, and a Go panic prints heap addresses,
goroutine ids and code offsets that change from run to run; messages and hello
details can carry the temp paths this run happened to get. Reports show
`0x?`, `goroutine N` and `{tmp}` instead. Only report text is touched: what a
case compares (error messages, file bytes) is normalised by the checks alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# A path through (or to) a directory harness.scratch made: tempfile's 8-character names
# after a `tokencache-...-` prefix.
_TEMP_PATH = re.compile(
    r"(?:/[\w.@+-]+)*?/tokencache-[a-z]+(?:-[a-z]+)*-[a-z0-9_]{8}"
    r"(?:/tokencache-[a-z]+(?:-[a-z]+)*-[a-z0-9_]{8})*"
)
_HEX = re.compile(r"\b0x[0-9a-fA-F]+")
_GOROUTINE = re.compile(r"\bgoroutine \d+")


def stable_paths(*, text: str) -> str:
    """Temp paths of this run replaced by `{tmp}`."""
    return _TEMP_PATH.sub("{tmp}", text)


def stable_text(*, text: str) -> str:
    """Temp paths, hex addresses and offsets, and goroutine ids made run-independent."""
    text = stable_paths(text=text)
    text = _HEX.sub("0x?", text)
    return _GOROUTINE.sub("goroutine N", text)


def stable_value(*, value: Any) -> Any:
    """A JSON-like value (a hello) with temp paths replaced in every string."""
    if isinstance(value, str):
        return stable_paths(text=value)
    if isinstance(value, Mapping):
        return {k: stable_value(value=v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [stable_value(value=v) for v in value]
    return value
