"""Fixtures for the differential and interop tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from diff_helpers import GO_TOOLCHAIN_YARDSTICK, GO_YARDSTICK, go_testees

from harness.testee import SubprocessTestee


@pytest.fixture
def go_yardstick() -> Iterator[SubprocessTestee]:
    """A fresh (not yet started) go-sdk@v0.129.0 testee, closed afterwards."""
    t = go_testees()[GO_YARDSTICK]
    testee = SubprocessTestee(name=t.name, command=t.command, source=str(t.source))
    yield testee
    testee.close()


@pytest.fixture
def go_toolchain_yardstick() -> Iterator[SubprocessTestee]:
    """A fresh go-sdk@v0.129.0+go1.27.3 testee (the release built with go1.27.3)."""
    t = go_testees(needed=GO_TOOLCHAIN_YARDSTICK)[GO_TOOLCHAIN_YARDSTICK]
    testee = SubprocessTestee(name=t.name, command=t.command, source=str(t.source))
    yield testee
    testee.close()
