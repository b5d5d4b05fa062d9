"""The check engine: byte diffs, message normalisation, result comparison."""

from __future__ import annotations

from harness.checks import byte_diff, check_response, escape_bytes, normalise_message
from harness.protocol import Failure, Success
from harness.spec import Expect, Step


def test_byte_diff_shows_offset_and_escaped_window() -> None:
    """The first differing offset and both sides, escaped, around it."""
    d = byte_diff(expected=b'{\n  "a": "x"\n}', obtained=b'{\n  "a": "y"\n}')
    assert d is not None
    lines = d.split("\n")
    assert lines[0] == "bytes differ at offset 10 (expected 14 bytes, obtained 14 bytes)"
    assert lines[1] == '  expected: {\\n  "a": "x"\\n}'
    assert lines[2] == '  obtained: {\\n  "a": "y"\\n}'


def test_byte_diff_caps_long_input_with_ellipses() -> None:
    """Long inputs show only a window around the difference, marked with '...'."""
    a = b"A" * 500 + b"B" + b"C" * 500
    b = b"A" * 500 + b"X" + b"C" * 500
    d = byte_diff(expected=a, obtained=b, context=4)
    assert d is not None
    assert "offset 500" in d
    assert "expected: ...AAAABCCCC..." in d and "obtained: ...AAAAXCCCC..." in d
    assert len(d) < 200


def test_byte_diff_length_only_and_equal() -> None:
    """A prefix difference points at the end of the shorter side; equal bytes give None."""
    d = byte_diff(expected=b"abc", obtained=b"abcd")
    assert d is not None and "offset 3" in d and "obtained 4 bytes" in d
    assert byte_diff(expected=b"same", obtained=b"same") is None


def test_escape_bytes_makes_controls_visible() -> None:
    """Non-printable bytes and backslashes are escaped."""
    assert escape_bytes(data=b"a\\\t\x00\xff") == "a\\\\\\t\\x00\\xff"


def test_normalise_message_substitutes_root_and_temp_names() -> None:
    """Sandbox root becomes {sandbox}; .token-cache-<digits>.tmp becomes *."""
    msg = "rename /tmp/sb1/home/.token-cache-12345.tmp /tmp/sb1/home/x: denied"
    assert normalise_message(message=msg, roots=["/tmp/sb1"]) == (
        "rename {sandbox}/home/.token-cache-*.tmp {sandbox}/home/x: denied"
    )


def _lookup(expect: Expect) -> Step:
    return Step(op="lookup", fields={"key": "k"}, expect=expect)


def test_result_tokens_compared_with_zero_values_filled() -> None:
    """Absent token fields in the expectation mean Go's zero values."""
    step = _lookup(Expect(kind="ok", result={"token": {"access_token": "a", "expiry": ""}}))
    full = {"access_token": "a", "token_type": "", "refresh_token": "",
            "expiry": "0001-01-01T00:00:00Z", "expires_in": 0}
    ok = Success(id=1, result={"token": full})
    assert check_response(step=step, response=ok, roots=[], strict_messages=True) is None
    bad = Success(id=1, result={"token": {**full, "expires_in": 5}})
    d = check_response(step=step, response=bad, roots=[], strict_messages=True)
    assert d is not None and "token.expires_in: expected 0, obtained 5" in d


def test_error_kind_and_strict_message() -> None:
    """Kind must match; the message only when strict messages are on."""
    step = _lookup(Expect(kind="error", message="open {sandbox}/f: denied"))
    resp = Failure(id=1, kind="error", message="open /r/f: nope")
    d = check_response(step=step, response=resp, roots=["/r"], strict_messages=True)
    assert d is not None and "'open {sandbox}/f: nope'" in d
    assert check_response(step=step, response=resp, roots=["/r"], strict_messages=False) is None
    wrong = Failure(id=1, kind="not_found", message="")
    d2 = check_response(step=step, response=wrong, roots=[], strict_messages=False)
    assert d2 is not None and "expected error 'error', got error 'not_found'" in d2


def test_success_when_error_expected_and_any() -> None:
    """A success fails an error expectation; 'any' accepts any error kind."""
    step = _lookup(Expect(kind="not_found"))
    d = check_response(step=step, response=Success(id=1, result={}), roots=[],
                       strict_messages=True)
    assert d is not None and d.startswith("expected error 'not_found', got success")
    anyk = _lookup(Expect(kind="any"))
    resp = Failure(id=1, kind="error", message="x")
    assert check_response(step=anyk, response=resp, roots=[], strict_messages=True) is None
