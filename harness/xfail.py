"""Expected-failure lists: `adapters/xfail/<impl>.txt`, one `case-id # reason` a line."""

from __future__ import annotations

from pathlib import Path

from harness.exceptions import XfailListError


def parse_xfail_text(*, text: str, source: str) -> dict[str, str]:
    """Case id → reason; blank lines and `#` comment lines are ignored."""
    out: dict[str, str] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        case_id, sep, reason = line.partition(" # ")
        case_id = case_id.strip()
        if not sep or not reason.strip() or " " in case_id:
            raise XfailListError(
                f"{source}:{lineno}: expected '<case-id> # <reason>', got {raw!r}"
            )
        if case_id in out:
            raise XfailListError(f"{source}:{lineno}: {case_id} is listed twice")
        out[case_id] = reason.strip()
    return out


def load_xfail_file(*, path: Path) -> dict[str, str]:
    """Parse one list file; raises XfailListError when unreadable or malformed."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise XfailListError(f"{path}: cannot read expected-failure list: {exc}") from exc
    return parse_xfail_text(text=text, source=str(path))


def default_xfail_path(*, xfail_dir: Path, impl: str) -> Path:
    """Where the list for an implementation lives."""
    return xfail_dir / f"{impl}.txt"
