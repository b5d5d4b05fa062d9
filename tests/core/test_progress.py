"""Progress lines: a live `\\r` line on a terminal, whole lines elsewhere, nothing when off."""

from __future__ import annotations

import io
import time

import pytest

from harness.progress import PROGRESS_ENV, Progress, progress_mode


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Tty(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_mode_follows_the_stream_unless_the_environment_says(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """Live on a terminal, plain elsewhere; TOKENCACHE_COMPAT_PROGRESS overrides; junk is auto."""
    monkeypatch.delenv(PROGRESS_ENV, raising=False)
    assert progress_mode(stream=Tty()) == "live"
    assert progress_mode(stream=io.StringIO()) == "plain"
    monkeypatch.setenv(PROGRESS_ENV, "off")
    assert progress_mode(stream=Tty()) == "off"
    monkeypatch.setenv(PROGRESS_ENV, "live")
    assert progress_mode(stream=io.StringIO()) == "live"
    monkeypatch.setenv(PROGRESS_ENV, "nonsense")
    assert progress_mode(stream=io.StringIO()) == "plain"
    assert progress_mode(stream=io.StringIO(), mode="off") == "off"


def test_plain_mode_prints_whole_lines_at_tenths_and_the_end() -> None:
    """100 steps: a line at each tenth (time permitting), none for the last step, then the end."""
    out, clock = io.StringIO(), Clock()
    bar = Progress(label="diff a vs b", total=100, unit="examples", stream=out, mode="plain",
                   clock=clock)
    for _ in range(100):
        clock.now += 0.5
        bar.advance()
    bar.finish()
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    counts = [ln.split(": ")[1].split(" ")[0] for ln in lines]
    assert counts == ["1/100", "10/100", "20/100", "30/100", "40/100", "50/100", "60/100",
                      "70/100", "80/100", "90/100", "100/100"]
    assert lines[-1] == "diff a vs b: 100/100 examples, 50s"


def test_plain_mode_is_time_throttled_and_prints_few_steps_each() -> None:
    """Fast work prints only the first step and the end; few slow steps print every one."""
    out, clock = io.StringIO(), Clock()
    with Progress(label="interop", total=25, unit="pairs", stream=out, mode="plain",
                  clock=clock) as bar:
        for _ in range(25):
            bar.advance(detail="x")
    assert out.getvalue().splitlines() == ["interop: 1/25 pairs, 0s, x", "interop: 25/25 pairs, 0s"]
    out = io.StringIO()
    with Progress(label="go build", total=4, stream=out, mode="plain", clock=clock) as bar:
        for name in "abcd":
            clock.now += 40
            bar.advance(detail=f"{name} built")
    assert [ln.split(", ")[-1] for ln in out.getvalue().splitlines()] == [
        "a built", "b built", "c built", "2m40s"]


def test_live_mode_redraws_one_line_in_place() -> None:
    """On a terminal each update rewrites the line (\\r, erase), throttled; finish ends it."""
    out, clock = Tty(), Clock()
    bar = Progress(label="interop", total=3, unit="pairs", stream=out, clock=clock)
    bar.update(done=1, detail="a")  # within the redraw interval of the first draw: skipped
    clock.now += 1
    bar.update(done=2, detail="b")
    bar.note(text="a line that stays")
    clock.now += 1
    bar.finish()
    text = out.getvalue()
    assert text.startswith("\rinterop: 0/3 pairs, 0s\x1b[K")
    assert "1/3" not in text and "\rinterop: 2/3 pairs, 1s, b\x1b[K" in text
    assert "\r\x1b[Ka line that stays\n\rinterop: 2/3 pairs, 1s, b\x1b[K" in text
    assert text.endswith("\r\x1b[Kinterop: 2/3 pairs, 2s\n")
    bar.update(done=3)  # after finish: ignored
    assert out.getvalue() == text


def test_ticking_bar_redraws_on_its_own() -> None:
    """A ticking bar (a long Go build) moves its clock without updates, and stops at finish."""
    out = Tty()
    bar = Progress(label="building", total=1, stream=out, ticking=True)
    time.sleep(1.4)
    bar.finish(text="built")
    draws = out.getvalue().count("\rbuilding: 0/1")
    assert draws >= 2  # the first draw and at least one tick
    assert out.getvalue().endswith("\r\x1b[Kbuilt\n")


def test_off_mode_writes_nothing() -> None:
    """Off is silent, whatever is called."""
    out = Tty()
    with Progress(label="x", total=2, stream=out, mode="off") as bar:
        bar.advance()
        bar.note(text="n")
    assert out.getvalue() == ""
