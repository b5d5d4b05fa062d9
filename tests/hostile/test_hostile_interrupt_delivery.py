"""An interrupt that Python swallows (raised in `__del__` or a gc callback) still stops the run."""

from __future__ import annotations

import gc
import signal
import time

import pytest

from harness import interrupt


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
