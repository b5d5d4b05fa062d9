"""Hand-derived vectors for the encoder (Go's json.MarshalIndent of tokenCacheFile).

Every expected byte string here was written by hand from Go's rules and then
confirmed against a Go 1.26.8 probe using databricks-sdk-go v0.129.0.
"""

from __future__ import annotations

import pytest

from reference_impl import GoTime, MarshalError, Token, encode_file, go_key_order, go_string_literal


def test_empty_map_prints_braces_and_no_trailing_newline() -> None:
    """An empty token map is `{}` and the document has no trailing newline."""
    assert encode_file(version=1, tokens={}) == b'{\n  "version": 1,\n  "tokens": {}\n}'


def test_nil_map_prints_null() -> None:
    """A nil map (never written by Store, but encodable) prints `null`."""
    assert encode_file(version=1, tokens=None) == b'{\n  "version": 1,\n  "tokens": null\n}'


def test_minimal_token_has_access_token_and_zero_expiry_only() -> None:
    """omitempty drops empty token_type, refresh_token and expires_in; expiry always stays."""
    got = encode_file(version=1, tokens={"k": Token()})
    assert got == (
        b'{\n  "version": 1,\n  "tokens": {\n    "k": {\n'
        b'      "access_token": "",\n      "expiry": "0001-01-01T00:00:00Z"\n    }\n  }\n}'
    )


def test_full_token_field_order() -> None:
    """Fields appear in oauth2.Token's declaration order with Go's indentation."""
    t = Token(
        access_token="a",
        token_type="Bearer",
        refresh_token="r",
        expiry=GoTime(2024, 1, 2, 3, 4, 5, 500_000_000, 7200),
        expires_in=-3600,
    )
    got = encode_file(version=1, tokens={"k": t})
    assert got == (
        b'{\n  "version": 1,\n  "tokens": {\n    "k": {\n'
        b'      "access_token": "a",\n'
        b'      "token_type": "Bearer",\n'
        b'      "refresh_token": "r",\n'
        b'      "expiry": "2024-01-02T03:04:05.5+02:00",\n'
        b'      "expires_in": -3600\n    }\n  }\n}'
    )


def test_null_token_entry() -> None:
    """A nil *oauth2.Token in the map prints `null`."""
    got = encode_file(version=1, tokens={"b": None, "a": Token(access_token="x")})
    assert got == (
        b'{\n  "version": 1,\n  "tokens": {\n    "a": {\n      "access_token": "x",\n'
        b'      "expiry": "0001-01-01T00:00:00Z"\n    },\n    "b": null\n  }\n}'
    )


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("<>&", '"\\u003c\\u003e\\u0026"'),
        ("\u2028\u2029", '"\\u2028\\u2029"'),
        ("\n\r\t\b\f", '"\\n\\r\\t\\b\\f"'),
        ("\x00\x01\x1f", '"\\u0000\\u0001\\u001f"'),
        ('"\\/', '"\\"\\\\/"'),
        ("\x7f", '"\x7f"'),
        ("é\u00a0\ufffd😀", '"é\u00a0\ufffd😀"'),
        ("a\udcffb", '"a\\ufffdb"'),
        ("'", '"\'"'),
    ],
)
def test_go_string_escaping(text: str, literal: str) -> None:
    """Go escapes HTML characters, U+2028/9, short escapes, \\u00XX in lowercase, invalid UTF-8."""
    assert go_string_literal(text=text) == literal


def test_keys_escaped_like_values() -> None:
    """Map keys get the same escaping as values."""
    got = encode_file(version=1, tokens={"<k>": None})
    assert b'"\\u003ck\\u003e": null' in got


def test_keys_sorted_bytewise() -> None:
    """Keys are sorted by their UTF-8 bytes (uppercase before lowercase, non-ASCII last)."""
    assert go_key_order(keys=["b", "a", "B", "é", "\U0001f600", "\uffff", ""]) == [
        "",
        "B",
        "a",
        "b",
        "é",
        "\uffff",
        "\U0001f600",
    ]


def test_invalid_utf8_key_sorts_by_raw_byte() -> None:
    """A lone surrogate standing for byte 0xff sorts after every valid UTF-8 string."""
    assert go_key_order(keys=["a\udcff", "a\U0010ffff"]) == ["a\U0010ffff", "a\udcff"]


@pytest.mark.parametrize(
    ("expiry", "text"),
    [
        (GoTime(2024, 1, 2, 3, 4, 5, 0, None), "2024-01-02T03:04:05Z"),
        (GoTime(2024, 1, 2, 3, 4, 5, 120_000_000, None), "2024-01-02T03:04:05.12Z"),
        (GoTime(2024, 1, 2, 3, 4, 5, 1, None), "2024-01-02T03:04:05.000000001Z"),
        (GoTime(2024, 1, 2, 3, 4, 5, 0, 0), "2024-01-02T03:04:05Z"),
        (GoTime(2024, 1, 2, 3, 4, 5, 0, -(5 * 3600 + 30 * 60)), "2024-01-02T03:04:05-05:30"),
        (GoTime(0, 1, 1, 0, 0, 0, 0, None), "0000-01-01T00:00:00Z"),
        (GoTime(2024, 1, 1, 0, 0, 0, 0, 23 * 3600 + 59 * 60), "2024-01-01T00:00:00+23:59"),
    ],
)
def test_expiry_rfc3339nano(expiry: GoTime, text: str) -> None:
    """Expiry is RFC3339Nano with trailing zeros trimmed and Z for a zero offset."""
    assert f'"expiry": "{text}"'.encode() in encode_file(
        version=1, tokens={"k": Token(expiry=expiry)}
    )


@pytest.mark.parametrize(
    ("expiry", "reason"),
    [
        (GoTime(10000, 1, 1), "year outside of range [0,9999]"),
        (GoTime(-1, 1, 1), "year outside of range [0,9999]"),
        (GoTime(2024, 1, 1, offset=24 * 3600), "timezone hour outside of range [0,23]"),
        (GoTime(2024, 1, 1, offset=-100 * 3600), "timezone hour outside of range [0,23]"),
    ],
)
def test_unmarshalable_expiry_is_marshaler_error(expiry: GoTime, reason: str) -> None:
    """Time.MarshalJSON's range errors come wrapped in json's MarshalerError text."""
    with pytest.raises(MarshalError) as info:
        encode_file(version=1, tokens={"k": Token(expiry=expiry)})
    assert str(info.value) == (
        f"json: error calling MarshalJSON for type time.Time: Time.MarshalJSON: {reason}"
    )


def test_first_bad_expiry_in_key_order_is_reported() -> None:
    """With two bad expiries the error names the one Go meets first (sorted keys)."""
    tokens = {
        "b": Token(expiry=GoTime(10000, 1, 1)),
        "a": Token(expiry=GoTime(2024, 1, 1, offset=86400)),
    }
    with pytest.raises(MarshalError, match="timezone hour"):
        encode_file(version=1, tokens=tokens)
