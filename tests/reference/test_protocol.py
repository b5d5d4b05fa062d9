"""Protocol v1 Session and the ``python -m reference_impl`` testee."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import reference_impl
from reference_impl import Session

REPO = Path(__file__).resolve().parents[2]


def test_hello() -> None:
    """hello names the reference and lists every op and dual-store route."""
    res = Session().handle({"id": 1, "op": "hello"})
    assert res["ok"] and res["id"] == 1
    hello = res["result"]
    assert hello["protocol"] == 1 and hello["name"] == "reference"
    assert hello["version"] == reference_impl.__version__
    assert set(hello["ops"]) == {"open", "store", "lookup", "cache_key", "dual_store"}
    assert set(hello["dual_store_via"]) == {"wrapper", "sdk", "sdk+wrapper"}


def test_session_flow(tmp_path: Path) -> None:
    """open/store/lookup/dual_store round trip with Go's result shapes."""
    s = Session()
    home = str(tmp_path / "home")
    assert s.handle({"id": 1, "op": "open", "path": None, "env": {"HOME": home}, "umask": 18}) == {
        "id": 1,
        "ok": True,
        "result": {},
    }
    tok = {"access_token": "a", "expiry": "-0001-01-01T00:00:00+05:30"}
    res = s.handle({"id": 2, "op": "store", "key": "k", "token": tok})
    assert res["error"]["message"].startswith("marshal: json: error calling MarshalJSON")
    s.handle({"id": 3, "op": "store", "key": "k", "token": {"access_token": "a", "expires_in": 7}})
    assert s.handle({"id": 4, "op": "lookup", "key": "k"})["result"]["token"] == {
        "access_token": "a",
        "token_type": "",
        "refresh_token": "",
        "expiry": "0001-01-01T00:00:00Z",
        "expires_in": 7,
    }
    assert s.handle({"id": 5, "op": "lookup", "key": "x"})["error"] == {
        "kind": "not_found",
        "message": "token not found",
    }
    arg = {"kind": "workspace", "host": "https://h", "profile": "p"}
    assert s.handle({"id": 6, "op": "cache_key", "arg": arg})["result"] == {
        "key": "p",
        "host_key": "https://h",
    }
    s.handle(
        {"id": 7, "op": "dual_store", "arg": arg, "key": None, "token": {}, "via": "sdk+wrapper"}
    )
    data = json.loads((tmp_path / "home/.databricks/token-cache.json").read_text())
    assert sorted(data["tokens"]) == ["https://h", "k", "p"]


def test_unknown_op_is_unsupported() -> None:
    """An op the reference does not know is reported as unsupported."""
    assert Session().handle({"id": 9, "op": "frobnicate"})["error"]["kind"] == "unsupported"


def test_lone_surrogates_in_requests_become_replacement_char(tmp_path: Path) -> None:
    """Request strings are seen as a Go testee's JSON decoder sees them."""
    s = Session()
    s.handle({"id": 1, "op": "open", "path": str(tmp_path / "c.json"), "env": {}})
    s.handle({"id": 2, "op": "store", "key": "a\ud800", "token": {"access_token": "\udfff"}})
    res = s.handle({"id": 3, "op": "lookup", "key": "a\ufffd"})
    assert res["result"]["token"]["access_token"] == "\ufffd"


@pytest.mark.parametrize(
    ("args", "message"), [([], "$HOME is not defined"), (["--variant", "cli"], "$HOME is not set")]
)
def test_module_serves_json_lines(args: list[str], message: str) -> None:
    """python -m reference_impl answers hello, open and shutdown, then exits 0."""
    reqs = [
        {"id": 1, "op": "hello"},
        {"id": 2, "op": "open", "path": None, "env": {"HOME": None}},
        {"id": 3, "op": "shutdown"},
    ]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run(
        [sys.executable, "-m", "reference_impl", *args],
        input="".join(json.dumps(r) + "\n" for r in reqs),
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [x["id"] for x in lines] == [1, 2, 3]
    assert lines[0]["result"]["runtime"].startswith("python ")
    assert lines[1]["error"]["message"].endswith(message)
