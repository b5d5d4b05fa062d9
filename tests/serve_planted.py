"""Serve one of tests/planted.py's sessions over protocol v1: `python serve_planted.py CLASS`.

The planted bugs as a subprocess testee, for tests of what only a subprocess side does.
"""

from __future__ import annotations

import json
import sys

import planted


def main() -> int:
    """Read JSON Lines requests until shutdown or EOF, answering with the named session."""
    session = getattr(planted, sys.argv[1])()
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        sys.stdout.write(json.dumps(session.handle(request)) + "\n")
        sys.stdout.flush()
        if request.get("op") == "shutdown":
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
