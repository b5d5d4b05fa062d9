"""Helpers the command modules share: paths from options, argument types, report files."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.paths import ProjectPaths
    from harness.session import RunConfig


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def project_paths(*, args: argparse.Namespace) -> ProjectPaths:
    """Paths from the shared options (`--root` first, then autodetection)."""
    from harness.paths import project_paths as from_values

    return from_values(values=vars(args))


def run_config(*, args: argparse.Namespace) -> RunConfig:
    """The run configuration the run options describe."""
    from harness.session import run_config as from_values

    return from_values(values=vars(args), paths=project_paths(args=args))


def write_report(*, path: Path | None, text: str) -> None:
    """Write one report file (creating its folder); nothing when no path was asked for."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
