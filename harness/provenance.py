"""What a stored report must say about where it came from: harness version and input hashes.

Two reports are only comparable case by case when one knows whether the cases
(or their golden bytes) changed in between; `compare` reads these back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from harness.data import RunSource

if TYPE_CHECKING:
    from harness.spec import Case

DISTRIBUTION = "tokencache-compat"
UNKNOWN_VERSION = "unknown"


def harness_version() -> str:
    """The installed tokencache-compat version ("unknown" when run from a bare checkout)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return UNKNOWN_VERSION


def folder_sha256(*, folder: Path, pattern: str = "*.json") -> str:
    """sha256 over every matching file of a folder: sorted names and bytes ("" if none)."""
    digest = hashlib.sha256()
    seen = False
    for path in sorted(folder.glob(pattern)):
        if not path.is_file():
            continue
        seen = True
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest() if seen else ""


def run_source(*, cases_dir: Path, golden_dir: Path, cases: Iterable[Case]) -> RunSource:
    """The source record of a run over `cases`, loaded from `cases_dir`."""
    return RunSource(
        cases_dir=str(cases_dir),
        cases_sha256=folder_sha256(folder=cases_dir),
        golden_sha256=folder_sha256(folder=golden_dir),
        case_files={c.id: c.file for c in cases},
    )
