"""Shared test set-up: tests/strategies.py importable as ``strategies``; the hypothesis profile."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import settings

from harness.profiles import register as register_profiles

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    # Appended, not prepended: tests/ must never shadow the harness package.
    sys.path.append(_TESTS)

register_profiles()
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
