"""A protocol-v1 testee that misbehaves on purpose, for the hostile-testee tests.

    hostile_testee.py MODE[,MODE...] [--state DIR] [--target PATH] [--delay S] [--port N]

Without a misbehaving mode it serves open/store/lookup like the harness's fake
testee (indented JSON, not Go-exact). Modes:

  shutdown-exit    exit on `shutdown` without answering
  shutdown-ignore  ignore `shutdown` (no answer, keep running), SIGTERM and SIGINT too
  shutdown-linger  answer `shutdown`, then keep running
  grandchild       start a grandchild process in the same process group first
  setsid-child     start a grandchild in a session of its own (a daemon) first
  hang             answer hello, then never answer anything
  hang-key         never answer a request for the key `hang`
  partial          on `store`, write half a response line and hang
  partial-big      on `store`, write 100,000 bytes of a line that never ends, and hang
  link-out         after each store, turn the cache file into a symlink to --target
  dirlink-out      after each store, turn the cache directory into a symlink to --target
  fifo             after each store, turn the cache file into a FIFO
  panic            on `store`, print a Go-style panic (random addresses) and exit 2
  slow             sleep --delay seconds before each answer
  write-outside    on `store`, try to create --target (outside the sandbox)
  network          on `store`, try to connect to 127.0.0.1:--port
  show-paths       put HOME and the working directory in hello's details
  drop-expires-in  store tokens without `expires_in` (as oauth2 before v0.23.0 does)

Pids of this process and every child it starts go to --state as `<role>-<pid>.pid`
files when it is writable (and `answer<N>-<pid>.pid` after the N-th answer); every
child carries the --state path in its argv, so a test can check that none outlives
the run, confined or not.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ZERO = "0001-01-01T00:00:00Z"
SLEEPER = "import time\nwhile True: time.sleep(1)\n"


def _full(token: dict[str, Any]) -> dict[str, Any]:
    out = {"access_token": "", "token_type": "", "refresh_token": "", "expiry": ZERO,
           "expires_in": 0}
    out.update(token)
    return out


class Hostile:
    """The protocol handler and its misbehaviours."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.modes = set(args.modes.split(","))
        self.state = Path(args.state) if args.state else None
        self.target = args.target
        self.delay = args.delay
        self.port = args.port
        self.path: str | None = None
        self.stores = 0
        self.answered = 0

    def note(self, role: str, pid: int) -> None:
        if self.state is None:
            return
        try:  # confined, the state folder is read-only (and pids are the namespace's)
            self.state.mkdir(parents=True, exist_ok=True)
            (self.state / f"{role}-{pid}.pid").write_text(str(pid))
        except OSError:
            pass

    def spawn(self, *, new_session: bool) -> None:
        # The state folder in the child's argv lets a test find it from outside any namespace.
        argv = [sys.executable, "-c", SLEEPER, str(self.state)]
        child = subprocess.Popen(argv, start_new_session=new_session,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        self.note("daemon" if new_session else "grandchild", child.pid)

    def _load(self) -> dict[str, Any]:
        assert self.path is not None
        if not os.path.isfile(self.path):  # its own FIFO must not hang it
            return {"version": 1, "tokens": {}}
        try:
            with open(self.path, encoding="utf-8") as f:
                doc: dict[str, Any] = json.load(f)
        except (OSError, ValueError):
            return {"version": 1, "tokens": {}}
        return doc

    def _tamper(self) -> None:
        assert self.path is not None
        cache_dir = os.path.dirname(self.path)
        if "link-out" in self.modes:
            os.unlink(self.path)
            os.symlink(self.target, self.path)
        if "fifo" in self.modes:
            os.unlink(self.path)
            os.mkfifo(self.path)
        if "dirlink-out" in self.modes:
            for name in os.listdir(cache_dir):
                os.unlink(os.path.join(cache_dir, name))
            os.rmdir(cache_dir)
            os.symlink(self.target, cache_dir)

    def handle(self, req: dict[str, Any]) -> dict[str, Any] | None:
        rid, op = req["id"], req["op"]
        if op == "hello":
            details = {"pid": str(os.getpid())}
            if "show-paths" in self.modes:
                details |= {"home": os.environ.get("HOME", ""), "cwd": os.getcwd()}
            return {"id": rid, "ok": True, "result": {
                "protocol": 1, "name": "hostile", "version": "0",
                "ops": ["open", "store", "lookup"], "dual_store_via": [], "runtime": "python",
                "details": details}}
        if "hang" in self.modes or ("hang-key" in self.modes and req.get("key") == "hang"):
            time.sleep(3600)
        if op == "shutdown":
            if "shutdown-exit" in self.modes:
                os._exit(0)
            if "shutdown-ignore" in self.modes:
                return None
            return {"id": rid, "ok": True, "result": {}}
        if op == "open":
            for k, v in (req.get("env") or {}).items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            self.path = req["path"] or os.path.join(
                os.environ["HOME"], ".databricks", "token-cache.json")
            return {"id": rid, "ok": True, "result": {}}
        key = req.get("key")
        if op == "store":
            return self.store(rid, key, req.get("token"))
        if op == "lookup":
            tokens = self._load()["tokens"]
            if key not in tokens:
                return {"id": rid, "ok": False,
                        "error": {"kind": "not_found", "message": "token not found"}}
            return {"id": rid, "ok": True, "result": {"token": _full(tokens[key])}}
        return {"id": rid, "ok": False, "error": {"kind": "error", "message": f"bad op {op}"}}

    def store(self, rid: int, key: str, token: dict[str, Any] | None) -> dict[str, Any]:
        self.stores += 1
        if "partial" in self.modes or "partial-big" in self.modes:
            tail = "x" * 100_000 if "partial-big" in self.modes else ""
            sys.stdout.write(f'{{"id": {rid}, "ok": tr{tail}')
            sys.stdout.flush()
            time.sleep(3600)
        if "panic" in self.modes:
            self.panic()
        if "write-outside" in self.modes:
            try:
                Path(self.target).write_text("escaped\n")
            except OSError as exc:
                sys.stderr.write(f"write-outside: {exc}\n")
        if "network" in self.modes:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=2).close()
            except OSError as exc:
                sys.stderr.write(f"network: {exc}\n")
        doc = self._load()
        if token is None:
            doc["tokens"].pop(key, None)
        else:
            if "drop-expires-in" in self.modes:
                token = {k: v for k, v in token.items() if k != "expires_in"}
            doc["tokens"][key] = token
        assert self.path is not None
        os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
        if os.path.islink(self.path) or (os.path.lexists(self.path)
                                         and not os.path.isfile(self.path)):
            os.unlink(self.path)  # what it planted last time: replace, do not write through
        with open(self.path, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2, sort_keys=True)
        os.chmod(self.path, 0o600)
        self._tamper()
        return {"id": rid, "ok": True, "result": {}}

    def panic(self) -> None:
        """What a Go nil dereference prints, with this run's own addresses and paths."""
        r = random.Random()
        addr = lambda: f"0x{r.getrandbits(40):x}"  # noqa: E731
        sys.stderr.write(
            "panic: runtime error: invalid memory address or nil pointer dereference\n"
            f"[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc={addr()}]\n\n"
            f"goroutine {r.randint(1, 999)} [running]:\n"
            f"main.load({addr()}, {addr()})\n"
            f"\t{os.getcwd()}/cache.go:175 +{addr()}\n"
            f"created by main.main in goroutine {r.randint(1, 99)}\n"
            f"\tHOME={os.environ.get('HOME', '')} +0x{r.getrandbits(12):x}\n"
        )
        sys.stderr.flush()
        os._exit(2)


def main() -> None:
    """Serve JSON lines on stdin/stdout, misbehaving as asked."""
    parser = argparse.ArgumentParser()
    parser.add_argument("modes")
    parser.add_argument("--state")
    parser.add_argument("--target", default="")
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--port", type=int, default=0)
    h = Hostile(parser.parse_args())
    h.note("testee", os.getpid())
    if "shutdown-ignore" in h.modes:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if "grandchild" in h.modes:
        h.spawn(new_session=False)
    if "setsid-child" in h.modes:
        h.spawn(new_session=True)
    for line in sys.stdin:
        req = json.loads(line)
        if "slow" in h.modes and req["op"] != "hello":
            time.sleep(h.delay)
        response = h.handle(req)
        if response is not None:
            sys.stdout.write(json.dumps(response) + "\n")
            sys.stdout.flush()
            h.answered += 1
            h.note(f"answer{h.answered}", os.getpid())
        if req["op"] == "shutdown" and "shutdown-linger" not in h.modes and response is not None:
            return
    if "shutdown-ignore" in h.modes or "shutdown-linger" in h.modes:
        time.sleep(3600)  # stdin closed: a well-behaved testee would exit now


if __name__ == "__main__":
    main()
