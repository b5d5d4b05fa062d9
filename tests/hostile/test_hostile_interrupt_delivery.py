"""An interrupt that Python swallows (raised in `__del__` or a gc callback) still stops the run."""

from __future__ import annotations

import gc
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness import interrupt

REPO = Path(__file__).resolve().parents[2]


class _SignalsOnCollection:
    """Sends SIGINT to this process while collected, so the handler raises inside `__del__`."""

    def __del__(self) -> None:
        signal.raise_signal(signal.SIGINT)
        for _ in range(1000):  # bytecode, so the handler runs here and not after
            pass


def test_interrupt_raised_inside_del_is_delivered_again() -> None:
    """The Interrupted swallowed by `__del__` is raised again in ordinary code."""
    seen: list[str] = []
    with pytest.raises(interrupt.Interrupted) as caught, interrupt.handling():
        victim = _SignalsOnCollection()
        del victim
        gc.collect()
        seen.append("survived __del__")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            time.sleep(0.01)
        seen.append("ran to the end")
    assert caught.value.signame == "SIGINT"
    assert "ran to the end" not in seen


def test_other_unraisable_exceptions_reach_the_previous_hook(monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    """The hook passes every exception that is not an interrupt to the hook it replaced."""
    passed: list[type[BaseException] | None] = []
    monkeypatch.setattr("sys.unraisablehook", lambda u: passed.append(u.exc_type))

    class _Fails:
        def __del__(self) -> None:
            raise ValueError("from __del__")

    with interrupt.handling():
        victim = _Fails()
        del victim
        gc.collect()
    assert passed == [ValueError]


_WORKER = """
import os, signal, sys
from harness import interrupt
log = open(sys.argv[1], "a", buffering=1)
interrupt.worker_setup(cleanup=lambda: log.write("cleanup\\n"))
with interrupt.deferred():
    os.kill(os.getpid(), signal.SIGTERM)
    log.write("registered\\n")  # what the block started is registered before the cleanup
log.write("after the block\\n")
"""


def test_a_worker_terminated_inside_a_deferred_block_cleans_up_after_it(tmp_path: Path) -> None:
    """SIGTERM during a testee's spawn and registration ends the worker once it is registered."""
    log = tmp_path / "log"
    done = subprocess.run([sys.executable, "-c", _WORKER, str(log)], timeout=30,
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == interrupt.EXIT_CODE, done.stderr
    assert log.read_text().splitlines() == ["registered", "cleanup"]
