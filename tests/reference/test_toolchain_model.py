"""The reference models go1.26.8 and go1.27.3: every encoding/json difference, both ways."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_impl import DecodeError, GoTime, MarshalError, Session, Token, decode_file
from reference_impl.encoder import encode_file
from reference_impl.jsonscan import go_check_valid
from reference_impl.jsonscan_v2 import go_check_valid_v2, go_quote_rune, go_quote_string
from reference_impl.toolchain import DEFAULT_TOOLCHAIN, TOOLCHAINS, check_toolchain, json_v2

REPO = Path(__file__).resolve().parents[2]

# (input, go1.26.8's error, go1.27.3's error): each row one observed difference.
DIFFERENCES = [
    pytest.param(
        b"\xef\xbb\xbf{}", "invalid character '\u00ef' looking for beginning of value",
        "invalid character '\\ufeff' looking for beginning of value", id="bom",
    ),
    pytest.param(
        "{}é".encode(), "invalid character 'Ã' after top-level value",
        "invalid character 'é' after top-level value", id="non-ascii-rune",
    ),
    pytest.param(
        b'{"a":1,\xff}', "invalid character '\u00ff' looking for beginning of object key string",
        "invalid character '\\xff' looking for beginning of object key string",
        id="invalid-byte",
    ),
    pytest.param(
        b'{"a":"x\ty"}', "invalid character '\\t' in string literal",
        "invalid character '\\t' in string", id="control-in-string",
    ),
    pytest.param(
        b'{"a\\x":1}', "invalid character 'x' in string escape code",
        "invalid escape sequence `\\x` in string", id="bad-escape",
    ),
    pytest.param(
        b'{"a\\u12g4":1}', "invalid character 'g' in \\u hexadecimal character escape",
        "invalid escape sequence `\\u12g4` in string", id="bad-hex-escape",
    ),
    pytest.param(
        b'{"a\\u 1":1}', "invalid character ' ' in \\u hexadecimal character escape",
        'invalid escape sequence "\\\\u 1\\":" in string', id="escape-quoted-when-it-has-space",
    ),
    pytest.param(
        b'{"version":1.}', "invalid character '}' after decimal point in numeric literal",
        "invalid character '}' in numeric literal", id="fraction-digit",
    ),
    pytest.param(
        b'{"version":1e+}', "invalid character '}' in exponent of numeric literal",
        "invalid character '}' in numeric literal", id="exponent-digit",
    ),
    pytest.param(
        b'{"version":-', "invalid character ' ' in numeric literal",
        "unexpected end of JSON input", id="eof-in-number",
    ),
    pytest.param(
        b"tru", "invalid character ' ' in literal true (expecting 'e')",
        "unexpected end of JSON input", id="eof-in-literal",
    ),
    pytest.param(
        b'"\\u00', "invalid character ' ' in \\u hexadecimal character escape",
        "unexpected end of JSON input", id="eof-in-escape",
    ),
    pytest.param(
        b"[" * 10001, "invalid character '[' exceeded max depth", "exceeded max depth",
        id="max-depth",
    ),
    pytest.param(
        b'{"version":"1"}',
        "json: cannot unmarshal string into Go struct field tokenCacheFile.version of type int",
        "json: cannot unmarshal string into Go struct field .version of type int",
        id="root-unnamed",
    ),
    pytest.param(
        b'{"tokens":{"https://h/x":{"access_token":1}}}',
        "json: cannot unmarshal number into Go struct field Token.tokens.access_token of type "
        "string",
        "json: cannot unmarshal number into Go struct field .tokens.https:~1~1h~1x.access_token "
        "of type string",
        id="pointer-path-with-escaped-key",
    ),
    pytest.param(
        b'{"tokens":{"a~b":5}}',
        "json: cannot unmarshal number into Go struct field tokenCacheFile.tokens of type "
        "oauth2.Token",
        "json: cannot unmarshal number into Go struct field .tokens.a~0b of type oauth2.Token",
        id="tilde-in-key",
    ),
    pytest.param(
        b'{"tokens":{"42":"a"}}',
        "json: cannot unmarshal string into Go struct field tokenCacheFile.tokens of type "
        "oauth2.Token",
        "json: cannot unmarshal string into .tokens.42 of type oauth2.Token",
        id="numeric-last-segment",
    ),
    pytest.param(
        b'{"TOKENS":{"k":{"Expires_In":true}}}',
        "json: cannot unmarshal bool into Go struct field Token.tokens.expires_in of type int64",
        "json: cannot unmarshal bool into Go struct field .TOKENS.k.Expires_In of type int64",
        id="names-as-written",
    ),
    pytest.param(
        b'{"tokens":{"k":{"expiry":5}}}', "Time.UnmarshalJSON: input is not a JSON string",
        "json: cannot unmarshal number into Go struct field .tokens.k.expiry of type time.Time",
        id="expiry-not-a-string",
    ),
    pytest.param(
        b'{"tokens":{"k":{"access_token":1,"expiry":"x"}}}',
        'parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"',
        "json: cannot unmarshal number into Go struct field .tokens.k.access_token of type "
        "string",
        id="time-error-no-longer-aborts",
    ),
    pytest.param(
        b'{"tokens":{"k":{"expiry":"\xff"}}}',
        'parsing time "\\xff" as "2006-01-02T15:04:05Z07:00": cannot parse "\\xff" as "2006"',
        'parsing time "\\xef\\xbf\\xbd" as "2006-01-02T15:04:05Z07:00": cannot parse '
        '"\\xef\\xbf\\xbd" as "2006"',
        id="expiry-seen-after-utf8-repair",
    ),
]


def _error(raw: bytes, toolchain: str) -> str:
    with pytest.raises(DecodeError) as err:
        decode_file(raw=raw, toolchain=check_toolchain(name=toolchain))
    return str(err.value)


@pytest.mark.parametrize(("raw", "old", "new"), DIFFERENCES)
def test_each_toolchain_gives_its_own_error_text(raw: bytes, old: str, new: str) -> None:
    """The same bytes fail on both toolchains, each with the text its Go build prints."""
    assert _error(raw, "go1.26.8") == old
    assert _error(raw, "go1.27.3") == new


@pytest.mark.parametrize(
    ("escaped", "offset"),
    [("2024-01-01T00:00:00\\u005a", None), ("2024\\u002d01-01T00:00:00Z", None),
     ("2024-01-01T00:00:00\\u002b01:00", 3600)],
)
def test_go1_27_3_unescapes_an_expiry_before_parsing_it(escaped: str, offset: int | None) -> None:
    """An escaped expiry is a parse error on go1.26.8 and the plain time on go1.27.3."""
    raw = b'{"version":1,"tokens":{"k":{"expiry":"' + escaped.encode() + b'"}}}'
    shown = escaped.replace("\\", "\\\\")  # time's quote doubles the raw backslash
    assert _error(raw, "go1.26.8").startswith(f'parsing time "{shown}"')
    tokens = decode_file(raw=raw, toolchain="go1.27.3").tokens
    assert tokens is not None
    assert tokens["k"] == Token(expiry=GoTime.date(year=2024, month=1, day=1, offset=offset))


def test_the_same_valid_file_decodes_alike_on_both() -> None:
    """Without an error or an escaped expiry the two toolchains build the same values."""
    raw = (
        b'{"Version":1,"tokens":{"k":{"access_token":"a\\u00e9","EXPIRY":"2024-02-29T23:59:59.5'
        b'+05:30","expires_in":-0},"n":null,"\xff":{"refresh_token":"\\ud800"}}}'
    )
    assert decode_file(raw=raw, toolchain="go1.26.8") == decode_file(raw=raw, toolchain="go1.27.3")


@pytest.mark.parametrize(
    ("expiry", "old", "new"),
    [
        (GoTime.date(year=10000, month=1, day=1),
         "json: error calling MarshalJSON for type time.Time: Time.MarshalJSON: year outside of "
         "range [0,9999]",
         "json: error calling MarshalJSON for type *time.Time: year outside of range [0,9999]"),
        (GoTime.date(year=2024, month=1, day=1, offset=24 * 3600),
         "json: error calling MarshalJSON for type time.Time: Time.MarshalJSON: timezone hour "
         "outside of range [0,23]",
         "json: error calling MarshalJSON for type *time.Time: timezone hour outside of range "
         "[0,23]"),
    ],
)
def test_marshal_errors_name_a_pointer_and_drop_the_prefix_on_go1_27_3(
    expiry: GoTime, old: str, new: str
) -> None:
    """v2 marshals time.Time itself: the MarshalerError names *time.Time, no method prefix."""
    for toolchain, text in (("go1.26.8", old), ("go1.27.3", new)):
        with pytest.raises(MarshalError) as err:
            encode_file(version=1, tokens={"k": Token(expiry=expiry)},
                        toolchain=check_toolchain(name=toolchain))
        assert str(err.value) == text


def test_invalid_utf8_is_written_raw_as_u_fffd_on_go1_27_3() -> None:
    """A lone surrogate (invalid UTF-8) is written \\ufffd by 1.26 and as U+FFFD by 1.27."""
    tokens = {"k": Token(access_token="a\udc80")}
    assert b'"a\\ufffd"' in encode_file(version=1, tokens=tokens)
    assert '"a\ufffd"'.encode() in encode_file(version=1, tokens=tokens, toolchain="go1.27.3")


def test_go_quote_rune_and_string_follow_strconv() -> None:
    """QuoteRune escapes like strconv: printable as is, \\x for bytes, \\u for the rest."""
    assert go_quote_rune(data="é".encode()) == "'é'"
    assert go_quote_rune(data=b"\xff") == "'\\xff'"
    assert go_quote_rune(data=b"'") == "'\\''"
    assert go_quote_rune(data=b"\x7f") == "'\\x7f'"
    assert go_quote_rune(data="\u00a0".encode()) == "'\\u00a0'"
    assert go_quote_rune(data="\U000e0001".encode()) == "'\\U000e0001'"
    assert go_quote_rune(data=b"\xed\xa0\x80") == "'\\xed'"  # an encoded surrogate is invalid
    assert go_quote_string(data=b'\\u "\xc3') == '"\\\\u \\"\\xc3"'


@given(st.binary(max_size=40) | st.text(alphabet='{}[]":,\\u0123456789.eE-+tfnrlsa \t\xff',
                                       max_size=40).map(str.encode))
def test_both_toolchains_accept_exactly_the_same_syntax(data: bytes) -> None:
    """v2's checker and v1's agree on what is valid JSON; only their error texts differ."""
    assert (go_check_valid_v2(data=data) is None) == (go_check_valid(data=data) is None)


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda kids: st.lists(kids, max_size=3)
                    | st.dictionaries(st.text(max_size=3), kids, max_size=3), max_leaves=10))
def test_whatever_python_writes_go1_27_3_reads(value: object) -> None:
    """The decoder's fast path relies on it: JSON Python produces is valid for go1.27.3."""
    assert go_check_valid_v2(data=json.dumps(value).encode()) is None


def test_sessions_announce_and_validate_their_toolchain() -> None:
    """hello carries the toolchain; an unknown one is refused with the known ones named."""
    assert Session().hello()["toolchain"] == DEFAULT_TOOLCHAIN == "go1.26.8"
    hello = Session(toolchain="go1.27.3").hello()
    assert hello["toolchain"] == "go1.27.3" and "go1.27.3" in hello["details"]["models"]
    assert TOOLCHAINS == ("go1.26.8", "go1.27.3")
    assert [json_v2(toolchain=t) for t in TOOLCHAINS] == [False, True]
    with pytest.raises(ValueError, match=r"go1\.26\.8, go1\.27\.3"):
        Session(toolchain="go1.28.0")


def test_session_opens_a_file_as_its_toolchain_does(tmp_path: Path) -> None:
    """Through the protocol, go1.27.3's session opens the escaped expiry go1.26.8 refuses."""
    path = tmp_path / "c.json"
    path.write_text('{"version":1,"tokens":{"k":{"expiry":"2024-01-01T00:00:00\\u005a"}}}')
    request = {"id": 1, "op": "open", "path": str(path)}
    assert Session().handle(request)["error"]["message"].startswith("load: parse: parsing time")
    assert Session(toolchain="go1.27.3").handle(request) == {"id": 1, "ok": True, "result": {}}


def test_module_takes_a_toolchain_option(tmp_path: Path) -> None:
    """python -m reference_impl --toolchain go1.27.3 serves that model."""
    reqs = [{"id": 1, "op": "hello"}, {"id": 2, "op": "shutdown"}]
    proc = subprocess.run(
        [sys.executable, "-m", "reference_impl", "--toolchain", "go1.27.3"],
        input="".join(json.dumps(r) + "\n" for r in reqs), capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "HOME": str(tmp_path)}, timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[0])["result"]["toolchain"] == "go1.27.3"
    bad = subprocess.run(
        [sys.executable, "-m", "reference_impl", "--toolchain", "go9"], capture_output=True,
        text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60, check=False,
    )
    assert bad.returncode == 2 and "invalid choice: 'go9'" in bad.stderr
