"""Reference vs real Go: 1,000 derandomized differential examples per toolchain
(go-sdk@v0.129.0 against the default model, its go1.27.3 build against the go1.27.3 model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.differential.options import DiffOptions
from harness.differential.run import run_diff
from harness.testee import InProcessTestee, SubprocessTestee
from harness.toolchains import reference_testee

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


@pytest.mark.go
def test_go1_27_3_model_matches_go_sdk_v0_129_0_built_with_go1_27_3(
    go_toolchain_yardstick: SubprocessTestee, tmp_path: Path
) -> None:
    """The same 1,000 sequences agree between reference+go1.27.3 and the go1.27.3 build."""
    model = reference_testee(name="reference+go1.27.3")
    assert model is not None
    result = run_diff(
        a=model,
        b=go_toolchain_yardstick,
        options=DiffOptions(examples=EXAMPLES, profile="ci", out_dir=tmp_path / "counterexamples"),
    )
    assert result.examples >= EXAMPLES
    assert result.allowed == {"null-top-level"}
    assert result.ok, result.render()
