"""Hypothesis profile names, and their settings registered on first use.

Light on purpose: the CLI needs the names for `diff --profile` choices without
paying for importing hypothesis; only `profile_settings` (or `register`) does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hypothesis import settings

CI_PROFILE = "ci"
LONG_PROFILE = "long"
PROFILES = (CI_PROFILE, LONG_PROFILE)

_registered = False


def register() -> None:
    """Register the `ci` (derandomized, no example database) and `long` profiles."""
    global _registered
    if _registered:
        return
    from hypothesis import HealthCheck, settings

    quiet = [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ]
    settings.register_profile(
        CI_PROFILE,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=True,
        max_examples=200,
        stateful_step_count=8,
        suppress_health_check=quiet,
    )
    settings.register_profile(
        LONG_PROFILE,
        # Explicit: unset settings fall back to whichever profile is loaded (tox loads ci).
        derandomize=False,
        deadline=None,
        print_blob=True,
        max_examples=20_000,
        stateful_step_count=20,
        suppress_health_check=quiet,
    )
    _registered = True


def profile_settings(*, name: str) -> settings:
    """The registered settings of a profile (`ci`, `long`, or any hypothesis profile)."""
    from hypothesis import settings

    register()
    return settings.get_profile(name)
