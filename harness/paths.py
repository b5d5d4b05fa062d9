"""Where the project's inputs live (cases, goldens, xfail lists)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.exceptions import ProjectNotFound

ROOT_ENV = "TOKENCACHE_COMPAT_ROOT"


CASES_SUBDIR = Path("golden") / "cases"


def _holds_cases(directory: Path) -> bool:
    return (directory / CASES_SUBDIR).is_dir()


def find_repo_root(*, start: Path | None = None) -> Path:
    """The project root: $TOKENCACHE_COMPAT_ROOT, else `start` (default: the current
    directory) or its nearest parent holding golden/cases, else the source checkout this
    package was imported from if it holds golden/cases; raises ProjectNotFound otherwise.

    (`--root` beats all of these; the command line checks it before calling this.)
    """
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env)
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if _holds_cases(candidate):
            return candidate
    # An editable install imports from the checkout; a regular install imports from
    # site-packages, which holds no cases and must not be mistaken for a project.
    checkout = Path(__file__).resolve().parents[1]
    if _holds_cases(checkout):
        return checkout
    raise ProjectNotFound(
        f"no project root found: neither {here} nor any parent holds {CASES_SUBDIR}, and "
        f"neither does {checkout} (where harness was imported from); "
        f"pass --root DIR (the checkout holding golden/cases) or set {ROOT_ENV}"
    )


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


def project_paths(*, values: Mapping[str, Any], start: Path | None = None) -> ProjectPaths:
    """Paths from the path options (`--root` first, then autodetection from `start`)."""
    root = values.get("root") or find_repo_root(start=start)
    return ProjectPaths.at(
        root=root, cases_dir=values.get("cases"), golden_dir=values.get("golden_dir"),
        xfail_dir=values.get("xfail_dir"),
    )
