"""Hand-derived vectors for the decoder (Go 1.26 json.Unmarshal into **tokenCacheFile).

Messages were written from Go's decoder and scanner sources and confirmed
against a Go probe running databricks-sdk-go v0.129.0.
"""

from __future__ import annotations

import pytest

from reference_impl import DecodeError, GoTime, NullFileError, Token, decode_file
from reference_impl.jsonscan import go_check_valid, go_quote_char

V1 = b'{"version":1,"tokens":%s}'


def tokens_of(raw: bytes) -> dict[str, Token | None] | None:
    """Decode and return the token map."""
    return decode_file(raw=raw).tokens


def decode_error(raw: bytes) -> str:
    """Decode, expecting failure, and return the message."""
    with pytest.raises(DecodeError) as info:
        decode_file(raw=raw)
    return str(info.value)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "unexpected end of JSON input"),
        (b" \n\t", "unexpected end of JSON input"),
        (b"\xef\xbb\xbf{}", "invalid character '\u00ef' looking for beginning of value"),
        (b'{"version":1}x', "invalid character 'x' after top-level value"),
        (b'{"version":1,}', "invalid character '}' looking for beginning of object key string"),
        (b'{"version" 1}', "invalid character '1' after object key"),
        (b'{"version":1 "tokens":{}}', "invalid character '\"' after object key:value pair"),
        (b"[1 2]", "invalid character '2' after array element"),
        (b'{"version":01}', "invalid character '1' after object key:value pair"),
        (b'{"version":1.}', "invalid character '}' after decimal point in numeric literal"),
        (b'{"version":1e}', "invalid character '}' in exponent of numeric literal"),
        (b'{"version":-}', "invalid character '}' in numeric literal"),
        (b'{"version":tru}', "invalid character '}' in literal true (expecting 'e')"),
        (b"nul", "invalid character ' ' in literal null (expecting 'l')"),
        (b'{"a":"\x01"}', "invalid character '\\x01' in string literal"),
        (b'{"a":"\\x"}', "invalid character 'x' in string escape code"),
        (b'{"a":"\\u12g4"}', "invalid character 'g' in \\u hexadecimal character escape"),
        (b"\xff", "invalid character '\u00ff' looking for beginning of value"),
        (b"\x80", "invalid character '\\u0080' looking for beginning of value"),
        (b"'", "invalid character '\\'' looking for beginning of value"),
        (b"NaN", "invalid character 'N' looking for beginning of value"),
        (b"[" * 10001, "invalid character '[' exceeded max depth"),
    ],
)
def test_syntax_errors(raw: bytes, message: str) -> None:
    """Go's scanner messages, including the whole-input check before any decoding."""
    assert decode_error(raw) == message


def test_syntax_error_beats_type_error() -> None:
    """A syntax error late in the input wins over a type error early in it."""
    assert decode_error(b'{"version":"x","tokens":{}} x') == (
        "invalid character 'x' after top-level value"
    )


def test_quote_char_latin1_printable_and_not() -> None:
    """quoteChar reads the byte as a rune: printable Latin-1 raw, others \\u00XX."""
    assert [go_quote_char(c=c) for c in (0xA1, 0xA0, 0xAD, 0x0A)] == [
        "'¡'",
        "'\\u00a0'",
        "'\\u00ad'",
        "'\\n'",
    ]


def test_deep_nesting_within_limit_is_valid() -> None:
    """10000 nested arrays are valid JSON for Go (the limit is exceeded at 10001)."""
    assert go_check_valid(data=b"[" * 10000 + b"]" * 10000) is None


def test_deep_unknown_field_is_skipped() -> None:
    """A deeply nested unknown field (beyond Python's recursion) decodes and is ignored."""
    raw = b'{"version":1,"junk":' + b"[" * 5000 + b"]" * 5000 + b"}"
    assert decode_file(raw=raw).version == 1


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"[]", "json: cannot unmarshal array into Go value of type cache.tokenCacheFile"),
        (b'"x"', "json: cannot unmarshal string into Go value of type cache.tokenCacheFile"),
        (b"1", "json: cannot unmarshal number into Go value of type cache.tokenCacheFile"),
        (b"true", "json: cannot unmarshal bool into Go value of type cache.tokenCacheFile"),
        (
            b'{"version":1.5}',
            "json: cannot unmarshal number 1.5 into Go struct field "
            "tokenCacheFile.version of type int",
        ),
        (
            b'{"version":9223372036854775808}',
            "json: cannot unmarshal number 9223372036854775808 into Go struct field "
            "tokenCacheFile.version of type int",
        ),
        (
            b'{"version":"1"}',
            "json: cannot unmarshal string into Go struct field tokenCacheFile.version of type int",
        ),
        (
            b'{"version":[]}',
            "json: cannot unmarshal array into Go struct field tokenCacheFile.version of type int",
        ),
        (
            V1 % b"5",
            "json: cannot unmarshal number into Go struct field tokenCacheFile.tokens "
            "of type map[string]*oauth2.Token",
        ),
        (
            V1 % b'{"k":5}',
            "json: cannot unmarshal number into Go struct field tokenCacheFile.tokens "
            "of type oauth2.Token",
        ),
        (
            V1 % b'{"k":[1]}',
            "json: cannot unmarshal array into Go struct field tokenCacheFile.tokens "
            "of type oauth2.Token",
        ),
        (
            V1 % b'{"k":{"access_token":5}}',
            "json: cannot unmarshal number into Go struct field Token.tokens.access_token "
            "of type string",
        ),
        (
            V1 % b'{"k":{"TOKEN_TYPE":{}}}',
            "json: cannot unmarshal object into Go struct field Token.tokens.token_type "
            "of type string",
        ),
        (
            V1 % b'{"k":{"expires_in":1e3}}',
            "json: cannot unmarshal number 1e3 into Go struct field Token.tokens.expires_in "
            "of type int64",
        ),
        (
            V1 % b'{"k":{"expires_in":true}}',
            "json: cannot unmarshal bool into Go struct field "
            "Token.tokens.expires_in of type int64",
        ),
    ],
)
def test_type_errors(raw: bytes, message: str) -> None:
    """UnmarshalTypeError texts with Go 1.26's Struct.Field path."""
    assert decode_error(raw) == message


def test_first_type_error_wins() -> None:
    """Decoding goes on after a type error and the first one is reported."""
    raw = b'{"version":"a","tokens":{"k":{"access_token":1}}}'
    assert "tokenCacheFile.version" in decode_error(raw)


def test_time_error_aborts_and_beats_earlier_type_error() -> None:
    """Time.UnmarshalJSON errors abort decoding and win over a remembered type error."""
    raw = b'{"version":1e400,"tokens":{"k":{"expiry":"x"}}}'
    assert decode_error(raw) == (
        'parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"'
    )


@pytest.mark.parametrize("value", [b"5", b"true", b"{}", b"[]"])
def test_expiry_not_a_string(value: bytes) -> None:
    """A non-string, non-null expiry is rejected by Time.UnmarshalJSON."""
    assert decode_error(V1 % (b'{"k":{"expiry":' + value + b"}}")) == (
        "Time.UnmarshalJSON: input is not a JSON string"
    )


def test_expiry_escapes_are_not_unescaped() -> None:
    """Time.UnmarshalJSON parses the raw, still-escaped string text."""
    raw = V1 % b'{"k":{"expiry":"2024-01-01T00:00:00\\u005a"}}'
    assert decode_error(raw) == (
        'parsing time "2024-01-01T00:00:00\\\\u005a" as "2006-01-02T15:04:05Z07:00": '
        'cannot parse "\\\\u005a" as "Z07:00"'
    )


def test_expiry_lenient_forms_accepted() -> None:
    """The time.Parse fallback accepts a one-digit hour, a comma fraction and a +24:00 offset."""
    toks = tokens_of(V1 % b'{"k":{"expiry":"2024-01-01T1:00:00,5+24:00"}}')
    assert toks == {"k": Token(expiry=GoTime(2024, 1, 1, 1, 0, 0, 500_000_000, 86400))}


def test_null_at_every_level() -> None:
    """null leaves scalars and times unchanged, nils the map or a token, and nils the file."""
    assert decode_file(raw=b'{"version":1,"version":null}').version == 1
    assert tokens_of(b'{"version":1,"tokens":{"a":null}}') == {"a": None}
    assert tokens_of(b'{"version":1,"tokens":{"a":null},"tokens":null}') is None
    raw = V1 % (
        b'{"k":{"access_token":"a","access_token":null,'
        b'"expiry":"2024-01-01T00:00:00Z","expiry":null}}'
    )
    assert tokens_of(raw) == {"k": Token(access_token="a", expiry=GoTime(2024, 1, 1))}
    with pytest.raises(NullFileError):
        decode_file(raw=b" null ")


def test_duplicate_tokens_objects_merge() -> None:
    """A repeated "tokens" object merges into the map the first one made."""
    raw = b'{"version":1,"tokens":{"a":{"access_token":"x"}},"tokens":{"b":null}}'
    assert tokens_of(raw) == {"a": Token(access_token="x"), "b": None}


def test_duplicate_map_key_replaces_whole_token() -> None:
    """A repeated token key decodes into a fresh token (fields do not merge)."""
    raw = V1 % b'{"k":{"access_token":"a"},"k":{"token_type":"t"}}'
    assert tokens_of(raw) == {"k": Token(token_type="t")}


def test_duplicate_field_last_wins() -> None:
    """Within one token a repeated field keeps the last non-null value."""
    raw = V1 % b'{"k":{"access_token":"a","ACCESS_TOKEN":"b"}}'
    assert tokens_of(raw) == {"k": Token(access_token="b")}


@pytest.mark.parametrize(
    "name",
    [b"VERSION", b"Version", b"ver\xc5\xbfion", b"vErSiOn"],
)
def test_case_insensitive_version(name: bytes) -> None:
    """Field names match case-insensitively, with long s folding to s."""
    assert decode_file(raw=b'{"' + name + b'":1}').version == 1


def test_kelvin_sign_folds_to_k() -> None:
    """The Kelvin sign matches k in "tokens" and "access_token"."""
    raw = b'{"version":1,"to\xe2\x84\xaaens":{"k":{"ACCESS_TO\xe2\x84\xaaEN":"a"}}}'
    assert tokens_of(raw) == {"k": Token(access_token="a")}


def test_other_unicode_folds_do_not_match() -> None:
    """Only simple folds into ASCII count: a dotless i does not match i."""
    assert decode_file(raw=b'{"version":1,"tokens":{"k":{"exp\xc4\xb1ry":"x"}}}').tokens == {
        "k": Token()
    }


def test_unknown_fields_ignored() -> None:
    """Unknown members at both levels are skipped whatever their type."""
    raw = b'{"x":[1,{"y":null}],"version":1,"tokens":{"k":{"scope":"s","id_token":5}}}'
    assert decode_file(raw=raw).tokens == {"k": Token()}


def test_map_keys_are_case_sensitive() -> None:
    """Token keys are map keys and keep their exact spelling."""
    assert tokens_of(V1 % b'{"K":null,"k":null}') == {"K": None, "k": None}


def test_invalid_utf8_and_lone_surrogates_become_replacement_char() -> None:
    """Invalid bytes and lone surrogate escapes decode to U+FFFD, one per bad byte."""
    raw = V1 % b'{"a\xff":{"access_token":"\\ud800x\\ud83d\\ude00\xe2\x82"}}'
    assert tokens_of(raw) == {"a\ufffd": Token(access_token="\ufffdx\U0001f600\ufffd\ufffd")}


def test_replacement_can_merge_two_keys() -> None:
    """Two keys that differ only in invalid bytes collide after decoding; the last wins."""
    raw = V1 % b'{"a\xfe":{"access_token":"1"},"a\\udc00":{"access_token":"2"}}'
    assert tokens_of(raw) == {"a\ufffd": Token(access_token="2")}


def test_escaped_keys_and_values_decoded() -> None:
    """Escapes in keys and values are decoded (this path keeps raw bytes for expiry)."""
    raw = V1 % b'{"\\u003ck\\u003e":{"access_token":"\\n\\"\\/","expiry":"2024-01-01T00:00:00Z"}}'
    assert tokens_of(raw) == {"<k>": Token(access_token='\n"/', expiry=GoTime(2024, 1, 1))}


@pytest.mark.parametrize(
    ("literal", "value"),
    [(b"-0", 0), (b"9223372036854775807", (1 << 63) - 1), (b"-9223372036854775808", -(1 << 63))],
)
def test_expires_in_int64_range(literal: bytes, value: int) -> None:
    """expires_in accepts every int64, including -0."""
    assert tokens_of(V1 % (b'{"k":{"expires_in":' + literal + b"}}")) == {
        "k": Token(expires_in=value)
    }


def test_version_other_than_one_decodes() -> None:
    """The decoder itself accepts any int version; file.go checks it afterwards."""
    assert decode_file(raw=b'{"version":-2}').version == -2
