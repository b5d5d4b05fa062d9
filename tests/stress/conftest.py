"""Fixtures for the stress tests (helpers live in stress_helpers.py)."""

from __future__ import annotations

import pytest
from stress_helpers import Resolve, resolve_or_skip


@pytest.fixture
def resolve() -> Resolve:
    """Resolve implementation names, skipping (or failing under require-go) when unbuilt."""
    return resolve_or_skip
