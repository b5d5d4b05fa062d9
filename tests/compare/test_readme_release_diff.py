"""The README's "what changed since the last release?" output is what the command prints today."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from harness.cli import main
from harness.options import require_go_default

# Runs the four Go releases: not in the fast lane.
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
RELEASES = ("go-sdk@v0.61.0", "go-sdk@v0.97.0", "go-sdk@v0.110.0", "go-sdk@v0.129.0")
COMMAND = re.compile(r"^\$ tokencache-compat compare --from-impl (\S+) --to-impl (\S+) \S+$")


def _readme_blocks() -> dict[tuple[str, str], list[str]]:
    """Each `compare --from-impl` command shown in the README with the lines shown below it."""
    text = (REPO / "README.md").read_text()
    section = text.split("## What changed since the last release?", 1)[1].split("\n## ", 1)[0]
    shown: dict[tuple[str, str], list[str]] = {}
    current: list[str] | None = None
    for line in section.split("\n"):
        m = COMMAND.match(line)
        if m:
            current = shown.setdefault((m.group(1), m.group(2)), [])
        elif line.startswith(("```", "$ ")):
            current = None
        elif current is not None:
            current.append(line)
    return shown


def test_release_diff_in_the_readme_is_current(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run the four releases, compare neighbours, and find the README's lines in the output."""
    shown = _readme_blocks()
    assert set(shown) == set(itertools.pairwise(RELEASES))
    report = tmp_path / "run.json"
    args = ["run", "--root", str(REPO), "--skip-impl", "reference", "--json", str(report)]
    code = main(args)
    out = capsys.readouterr().out
    if any(f"{r}: unavailable" in out for r in RELEASES):
        if require_go_default():
            pytest.fail(f"a Go release is unavailable but Go is required:\n{out[-2000:]}")
        pytest.skip("the Go releases are not available here (no Go toolchain or build)")
    assert code == 0, out[-2000:]
    for (old, new), lines in shown.items():
        assert main(["compare", "--from-impl", old, "--to-impl", new, str(report)]) == 0
        printed = capsys.readouterr().out.rstrip("\n").split("\n")
        if lines[0] == "...":  # only the tail is shown
            assert printed[-len(lines) + 1:] == lines[1:], (old, new)
        else:
            assert printed == lines, (old, new)
