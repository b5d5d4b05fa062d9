"""Item 5: a timeout shows the bytes of the partial line received so far, capped."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_helpers import hostile_argv

from harness.protocol import OpenRequest, StoreRequest
from harness.testee import SubprocessTestee


def _timeout_text(mode: str, state: Path, scratch: Path) -> str:
    testee = SubprocessTestee(name="h", command=tuple(hostile_argv(mode, state=state)),
                              timeout=0.5, confine_mode="off")
    try:
        testee.start()
        testee.begin_case(env={"HOME": str(scratch)}, umask=0o022)
        testee.request(req=OpenRequest(path=None, env={}, umask=18))
        with pytest.raises(TimeoutError) as info:
            testee.request(req=StoreRequest(key="k", token={}))
    finally:
        testee.close()
    return str(info.value)


@pytest.mark.slow
def test_timeout_message_shows_the_partial_line(state: Path, scratch: Path) -> None:
    """The half-written response is quoted in the timeout message."""
    text = _timeout_text("partial", state, scratch)
    assert "no answer to 'store'" in text
    assert '{"id": 3, "ok": tr' in text


@pytest.mark.slow
def test_partial_line_in_the_message_is_capped(state: Path, scratch: Path) -> None:
    """100,000 bytes of a never-ending line show as a short excerpt and a byte count."""
    text = _timeout_text("partial-big", state, scratch)
    assert '{"id": 3, "ok": trxxx' in text
    assert "100018 bytes" in text
    assert len(text) < 2000
