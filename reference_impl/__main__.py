"""``python -m reference_impl [--variant sdk|cli] [--lock] [--toolchain go1.26.8|go1.27.3]``.

Serves protocol v1 on stdin/stdout. Its environment starts as this process's
own, so an ``open`` of the default location without ``env`` uses this
process's ``HOME``, as a Go testee does.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import cast

from .filecache import Variant
from .protocol import Session
from .toolchain import DEFAULT_TOOLCHAIN, TOOLCHAINS


def main(*, argv: list[str] | None = None) -> int:
    """Read JSON Lines requests until ``shutdown`` or EOF."""
    parser = argparse.ArgumentParser(prog="python -m reference_impl", description=__doc__)
    parser.add_argument(
        "--variant", choices=["sdk", "cli"], default="sdk", help="HOME error wording"
    )
    parser.add_argument(
        "--lock",
        action="store_true",
        help="hold token-cache.lock around open, store and lookup (docs/concurrency.md)",
    )
    parser.add_argument(
        "--toolchain",
        choices=TOOLCHAINS,
        default=DEFAULT_TOOLCHAIN,
        help=f"the Go toolchain to model (default {DEFAULT_TOOLCHAIN})",
    )
    args = parser.parse_args(argv)
    session = Session(
        variant=cast(Variant, args.variant), lock=args.lock, env=os.environ,
        toolchain=args.toolchain,
    )
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        response = session.handle(request)
        sys.stdout.write(json.dumps(response) + "\n")
        sys.stdout.flush()
        if request.get("op") == "shutdown":
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
