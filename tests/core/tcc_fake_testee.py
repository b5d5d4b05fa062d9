"""A tiny protocol-v1 testee for harness tests, usable as a script or in-process.

Not Go-exact: it stores tokens as indented JSON. Special keys make it misbehave:
`crash` exits 3 after writing to stderr, `hang` sleeps, `garbage` prints a non-JSON
line, `unsupported` answers an `unsupported` error. Env FAKE_OPS limits hello's ops.
Hello's `details.home` is the HOME the process saw when it answered hello, so tests
can check the harness started it with a private temp home.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

ZERO = "0001-01-01T00:00:00Z"


def _full(token: dict[str, Any]) -> dict[str, Any]:
    out = {"access_token": "", "token_type": "", "refresh_token": "", "expiry": ZERO,
           "expires_in": 0}
    out.update(token)
    return out


class FakeSession:
    """Protocol handler with a file-backed token map."""

    def __init__(self) -> None:
        self.path: str | None = None

    def _load(self) -> dict[str, Any]:
        assert self.path is not None
        try:
            with open(self.path, encoding="utf-8") as f:
                doc: dict[str, Any] = json.load(f)
        except FileNotFoundError:
            return {"version": 1, "tokens": {}}
        return doc

    def handle(self, req: dict[str, Any]) -> dict[str, Any]:
        rid, op = req["id"], req["op"]
        if op == "hello":
            ops = os.environ.get("FAKE_OPS", "open,store,lookup,cache_key,dual_store")
            return {"id": rid, "ok": True, "result": {
                "protocol": 1, "name": "fake", "version": "0", "ops": ops.split(","),
                "dual_store_via": ["wrapper"], "runtime": "python",
                "details": {"home": os.environ.get("HOME")}}}
        if op == "open":
            for k, v in (req.get("env") or {}).items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            self.path = req["path"] or os.path.join(
                os.environ["HOME"], ".databricks", "token-cache.json"
            )
            return {"id": rid, "ok": True, "result": {}}
        key = req.get("key")
        if key == "unsupported":
            return {"id": rid, "ok": False,
                    "error": {"kind": "unsupported", "message": "no such variant here"}}
        if op == "store":
            doc = self._load()
            if req["token"] is None:
                doc["tokens"].pop(key, None)
            else:
                doc["tokens"][key] = req["token"]
            assert self.path is not None
            os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
            with open(self.path, "w", encoding="utf-8") as f:
                json.dump(doc, f, indent=2, sort_keys=True)
            os.chmod(self.path, 0o600)
            return {"id": rid, "ok": True, "result": {}}
        if op == "lookup":
            tokens = self._load()["tokens"]
            if key not in tokens:
                return {"id": rid, "ok": False,
                        "error": {"kind": "not_found", "message": f"{self.path}: not found"}}
            tok = tokens[key]
            return {"id": rid, "ok": True,
                    "result": {"token": None if tok is None else _full(tok)}}
        if op == "shutdown":
            return {"id": rid, "ok": True, "result": {}}
        return {"id": rid, "ok": False, "error": {"kind": "error", "message": f"bad op {op}"}}


def main() -> None:
    """Serve JSON lines on stdin/stdout."""
    session = FakeSession()
    for line in sys.stdin:
        req = json.loads(line)
        key = req.get("key")
        if key == "crash":
            sys.stderr.write("panic: fake testee crashed on purpose\n")
            sys.stderr.flush()
            os._exit(3)
        if key == "hang":
            time.sleep(60)
        if key == "garbage":
            sys.stdout.write("this is not json\n")
            sys.stdout.flush()
            continue
        sys.stdout.write(json.dumps(session.handle(req)) + "\n")
        sys.stdout.flush()
        if req["op"] == "shutdown":
            return


if __name__ == "__main__":
    main()
