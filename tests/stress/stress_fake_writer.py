"""A protocol-v1 writer with planted concurrency bugs, for stress tests that must be able to fail.

`python stress_fake_writer.py MODE [--lock]`, MODE one of:

- `good`: read, change, write a temporary file, rename (what the SDK does);
- `forgetful`: every store writes a file holding only its own key (drops the rest);
- `torn`: writes the whole file in place, then cuts it in half (a torn write left behind);
- `leaver`: as `good`, plus an orphaned `.token-cache-<n>.tmp` per store.

`--lock` is accepted and ignored: the hello never announces a lock, so stress must
refuse this writer as a `+lock` one.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from pathlib import Path
from typing import Any

ZERO = "0001-01-01T00:00:00Z"
_counter = itertools.count()


def _load(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_bytes())
    if not isinstance(doc, dict):
        raise ValueError("not an object")
    return doc


def _replace(path: Path, data: bytes) -> None:
    tmp = path.parent / f".token-cache-{os.getpid()}{next(_counter)}.tmp"
    tmp.write_bytes(data)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _store(mode: str, path: Path, key: str, token: dict[str, Any]) -> None:
    if mode == "forgetful":
        doc: dict[str, Any] = {"version": 1, "tokens": {key: token}}
    else:
        doc = _load(path)
        doc.setdefault("tokens", {})[key] = token
    data = json.dumps(doc, indent=2).encode()
    if mode == "torn":
        path.write_bytes(data[: len(data) // 2])
        return
    _replace(path, data)
    if mode == "leaver":
        (path.parent / f".token-cache-9{os.getpid()}{next(_counter)}.tmp").write_bytes(b"{")


def _answer(mode: str, state: dict[str, Path], req: dict[str, Any]) -> dict[str, Any]:
    op = req.get("op")
    if op == "hello":
        return {"protocol": 1, "name": f"fake-{mode}", "version": "0", "ops": ["open", "store",
                "lookup"], "dual_store_via": [], "runtime": "python", "details": {}}
    if op == "shutdown":
        return {}
    if op == "open":
        home = (req.get("env") or {}).get("HOME") or os.environ["HOME"]
        path = Path(req.get("path") or Path(home) / ".databricks" / "token-cache.json")
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            _replace(path, b'{\n  "version": 1,\n  "tokens": {}\n}')
        state["path"] = path
        return {}
    path = state["path"]
    if op == "store":
        _store(mode, path, str(req["key"]), req.get("token") or {})
        return {}
    if op == "lookup":
        token = _load(path).get("tokens", {}).get(req["key"])
        if token is None:
            raise KeyError("token not found")
        full = {"access_token": "", "token_type": "", "refresh_token": "", "expiry": ZERO,
                "expires_in": 0}
        full.update(token)
        return {"token": full}
    raise NotImplementedError(str(op))


def main() -> int:
    """Serve requests until shutdown or EOF."""
    mode = sys.argv[1]
    state: dict[str, Path] = {}
    for line in sys.stdin:
        req = json.loads(line)
        try:
            resp: dict[str, Any] = {"id": req["id"], "ok": True,
                                    "result": _answer(mode, state, req)}
        except KeyError as exc:
            resp = {"id": req["id"], "ok": False,
                    "error": {"kind": "not_found", "message": str(exc.args[0])}}
        except (ValueError, OSError) as exc:
            resp = {"id": req["id"], "ok": False,
                    "error": {"kind": "error", "message": f"load: parse: {exc}"}}
        sys.stdout.write(json.dumps(resp) + "\n")
        sys.stdout.flush()
        if req.get("op") == "shutdown":
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
