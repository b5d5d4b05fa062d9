"""Where the project's inputs live (cases, goldens, xfail lists)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT_ENV = "TOKENCACHE_COMPAT_ROOT"


def find_repo_root(*, start: Path | None = None) -> Path:
    """$TOKENCACHE_COMPAT_ROOT, else the nearest parent holding golden/cases, else the
    checkout this package was imported from."""
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env)
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "golden" / "cases").is_dir() and (candidate / "pyproject.toml").is_file():
            return candidate
    return Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class ProjectPaths:
    """The directories a run reads from."""

    root: Path
    cases_dir: Path
    golden_dir: Path
    xfail_dir: Path

    @classmethod
    def at(
        cls,
        *,
        root: Path,
        cases_dir: Path | None = None,
        golden_dir: Path | None = None,
        xfail_dir: Path | None = None,
    ) -> ProjectPaths:
        """Defaults under `root`, each overridable."""
        return cls(
            root=root,
            cases_dir=cases_dir or root / "golden" / "cases",
            golden_dir=golden_dir or root / "golden" / "files",
            xfail_dir=xfail_dir or root / "adapters" / "xfail",
        )
