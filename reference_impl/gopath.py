"""Go's ``path/filepath`` Clean, Dir and Join on Unix.

``os.path.normpath`` keeps a leading ``//`` and differs on empty paths, and the
paths Go prints in error messages are these exact strings.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["clean", "dir_of", "join"]


def clean(*, path: str) -> str:
    """``filepath.Clean``: lexical shortest equivalent path."""
    if path == "":
        return "."
    rooted = path.startswith("/")
    out: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if out and out[-1] != "..":
                out.pop()
            elif not rooted:
                out.append("..")
            continue
        out.append(part)
    body = "/".join(out)
    if rooted:
        return "/" + body
    return body or "."


def dir_of(*, path: str) -> str:
    """``filepath.Dir``: everything but the last element, cleaned."""
    i = path.rfind("/")
    return clean(path=path[: i + 1])


def join(*, elems: Iterable[str]) -> str:
    """``filepath.Join``: non-empty elements joined with ``/`` and cleaned."""
    parts = [e for e in elems if e]
    return clean(path="/".join(parts)) if parts else ""
