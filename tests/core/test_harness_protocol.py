"""Protocol v1 as types: responses validated in one place, steps turned into requests."""

from __future__ import annotations

import pytest

from harness.exceptions import ProtocolViolation, TesteeUnavailable
from harness.protocol import (
    DualStoreRequest,
    Failure,
    OpenRequest,
    StoreRequest,
    Success,
    parse_hello,
    parse_response,
    step_request,
    wire,
)
from harness.testee import _LineReader

HELLO = {"protocol": 1, "name": "t", "version": "1", "runtime": "go1.26.8",
         "ops": ["open", "store"], "dual_store_via": ["sdk"], "details": {"m": "v1"}}


def test_success_and_failure_parse_into_their_classes() -> None:
    """An ok response becomes Success, an error response Failure with kind and message."""
    ok = parse_response(doc={"id": 3, "ok": True, "result": {"key": "k"}}, expected_id=3)
    assert ok == Success(id=3, result={"key": "k"})
    bad = parse_response(
        doc={"id": 4, "ok": False, "error": {"kind": "unsupported", "message": "m"}},
        expected_id=4,
    )
    assert isinstance(bad, Failure) and bad.unsupported and bad.message == "m"


@pytest.mark.parametrize(
    ("doc", "fault"),
    [
        ({"id": 2, "ok": True, "result": {}}, "expected a response with id 1"),
        ([1, 2], "garbage on stdout"),
        ({"id": 1, "ok": "yes"}, "malformed response"),
        ({"id": 1, "ok": True, "result": []}, "malformed response"),
        ({"id": 1, "ok": False, "error": "boom"}, "malformed response"),
        ({"id": 1, "ok": False, "error": {"kind": 7}}, "malformed response"),
    ],
)
def test_malformed_responses_are_protocol_violations(doc: object, fault: str) -> None:
    """A wrong id, a non-object, or a mistyped member is refused, naming what was seen."""
    with pytest.raises(ProtocolViolation, match=fault):
        parse_response(doc=doc, expected_id=1)


def test_hello_is_parsed_and_checked() -> None:
    """Hello lists become tuples; a wrong protocol or an error reply is unavailable."""
    hello = parse_hello(response=Success(id=1, result=HELLO))
    assert hello.ops == ("open", "store") and hello.details == {"m": "v1"}
    assert hello.offers(op="shutdown") and not hello.offers(op="lookup")
    with pytest.raises(TesteeUnavailable, match="unsupported protocol 2"):
        parse_hello(response=Success(id=1, result={**HELLO, "protocol": 2}))
    with pytest.raises(TesteeUnavailable, match="ops must be a list of strings"):
        parse_hello(response=Success(id=1, result={**HELLO, "ops": "open"}))
    with pytest.raises(TesteeUnavailable, match="hello failed"):
        parse_hello(response=Failure(id=1, kind="error", message="no"))


def test_hello_lock_is_the_one_optional_extension() -> None:
    """`"lock": "flock"` is read into Hello.lock; absent is None; a non-string is refused."""
    assert parse_hello(response=Success(id=1, result=HELLO)).lock is None
    locked = parse_hello(response=Success(id=1, result={**HELLO, "lock": "flock"}))
    assert locked.lock == "flock"
    with pytest.raises(TesteeUnavailable, match="lock must be a string"):
        parse_hello(response=Success(id=1, result={**HELLO, "lock": True}))


def test_steps_become_typed_requests() -> None:
    """`delete` is a store of null; dual_store keeps an absent key as None; open gets the env."""
    assert step_request(op="delete", fields={"key": "k"}, env={}, umask=None) == StoreRequest(
        key="k", token=None
    )
    dual = step_request(op="dual_store", fields={"arg": {"kind": "workspace"}, "via": "sdk"},
                        env={}, umask=None)
    assert dual == DualStoreRequest(arg={"kind": "workspace"}, key=None, token=None, via="sdk")
    opened = step_request(op="open", fields={}, env={"HOME": "/h"}, umask=0o22, path="/p")
    assert opened == OpenRequest(path="/p", env={"HOME": "/h"}, umask=0o22)
    assert wire(request=opened, request_id=9) == {
        "id": 9, "op": "open", "path": "/p", "env": {"HOME": "/h"}, "umask": 0o22
    }
    with pytest.raises(ValueError, match="no protocol request"):
        step_request(op="teleport", fields={}, env={}, umask=None)


def test_line_reader_splits_pipelined_and_fragmented_lines() -> None:
    """Several lines in one chunk queue up; a line over many chunks joins once."""
    reader = _LineReader()
    reader.feed(b'{"a":1}\n{"b"')
    reader.feed(b":2}\n{")
    assert reader.next_line() == b'{"a":1}'
    assert reader.next_line() == b'{"b":2}'
    assert reader.next_line() is None and reader.partial() == b"{"
    for _ in range(3):
        reader.feed(b"x")
    reader.feed(b"}\n")
    assert reader.next_line() == b"{xxx}" and reader.partial() == b""
