"""Cache keys of the four OAuth argument kinds (SDK v0.129.0)."""

from __future__ import annotations

import pytest

from reference_impl import ArgumentError, CacheKeys, OAuthArg, cache_keys


@pytest.mark.parametrize(
    ("arg", "keys"),
    [
        (OAuthArg("workspace", host="https://h.com"), CacheKeys("https://h.com", "https://h.com")),
        (OAuthArg("workspace", host="https://h.com", profile="p"), CacheKeys("p", "https://h.com")),
        (
            OAuthArg("workspace", host="http://127.0.0.1/"),
            CacheKeys("http://127.0.0.1", "http://127.0.0.1"),
        ),
        (
            OAuthArg("account", host="https://a.com", account_id="1"),
            CacheKeys("https://a.com/oidc/accounts/1", "https://a.com/oidc/accounts/1"),
        ),
        (
            OAuthArg("unified", host="https://u.com", account_id="", profile="p"),
            CacheKeys("p", "https://u.com/oidc/accounts/"),
        ),
        (OAuthArg("discovery", profile="p"), CacheKeys("p", "")),
        (
            OAuthArg("discovery", profile="p", discovered_host="https://d"),
            CacheKeys("p", "https://d"),
        ),
    ],
)
def test_keys(arg: OAuthArg, keys: CacheKeys) -> None:
    """Primary key is the profile when set, else the host key; the host key is kind-specific."""
    assert cache_keys(arg=arg) == keys


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        (OAuthArg("workspace", host="h.com"), "host must start with 'https://': h.com"),
        (OAuthArg("account", host="http://x"), "host must start with 'https://': http://x"),
        (OAuthArg("unified", host="https://u/"), "host must not have a trailing slash: https://u/"),
        (OAuthArg("discovery"), "profile name must not be empty for discovery login"),
    ],
)
def test_validation_errors(arg: OAuthArg, message: str) -> None:
    """Constructors reject bad hosts and an empty discovery profile with the SDK's words."""
    with pytest.raises(ArgumentError) as info:
        cache_keys(arg=arg)
    assert str(info.value) == message
