"""Reference vs real Go (go-sdk@v0.129.0): 1,000 derandomized differential examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.differential.options import DiffOptions
from harness.differential.run import run_diff
from harness.testee import InProcessTestee, SubprocessTestee

# Seconds each: the fast lane (pytest -m "not slow") leaves these out.
pytestmark = pytest.mark.slow

EXAMPLES = 1000


@pytest.mark.go
def test_reference_matches_go_sdk_v0_129_0(go_yardstick: SubprocessTestee, tmp_path: Path) -> None:
    """1,000 operation sequences leave the same answers, bytes, modes and listings on both sides."""
    result = run_diff(
        a=InProcessTestee(name="reference"),
        b=go_yardstick,
        options=DiffOptions(examples=EXAMPLES, profile="ci", out_dir=tmp_path / "counterexamples"),
    )
    assert result.examples >= EXAMPLES
    assert result.allowed == {"null-top-level"}
    assert result.ok, result.render()
