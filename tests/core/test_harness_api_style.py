"""House style of the harness core: keyword-only public APIs, no dead exception classes."""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterator
from pathlib import Path

import harness.exceptions

HARNESS = Path(harness.exceptions.__file__).resolve().parent
REPO = HARNESS.parent
CORE_MODULES = (
    "harness.cli", "harness.session", "harness.spec", "harness.sandbox", "harness.impls",
    "harness.golden", "harness.runner", "harness.checks", "harness.paths", "harness.gobuild",
    "harness.pytest_plugin", "harness.report", "harness.report.common",
    "harness.report.json_report", "harness.report.junit", "harness.report.markdown",
    "harness.report.terminal",
)
# Positional by contract with a caller outside the core, each with its reason.
EXEMPT = {
    "harness.cli.main": "console-script entry point: main(argv)",
    "harness.gobuild.main": "module entry point: main(argv)",
}


def _public_callables() -> Iterator[tuple[str, object]]:
    for name in CORE_MODULES:
        module = importlib.import_module(name)
        for attr, obj in vars(module).items():
            if attr.startswith(("_", "pytest_")) or getattr(obj, "__module__", None) != name:
                continue
            if inspect.isfunction(obj):
                yield f"{name}.{attr}", obj
            elif inspect.isclass(obj):
                for meth, fn in vars(obj).items():
                    fn = getattr(fn, "__func__", fn)  # classmethod/staticmethod
                    if not meth.startswith("_") and inspect.isfunction(fn):
                        yield f"{name}.{attr}.{meth}", fn


def test_public_functions_take_keyword_arguments_only() -> None:
    """Every public function and method of the core modules takes its arguments by keyword."""
    positional = []
    for qualname, fn in _public_callables():
        params = inspect.signature(fn).parameters.values()  # type: ignore[arg-type]
        names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                 and p.name not in ("self", "cls")]
        if names and qualname not in EXEMPT:
            positional.append(f"{qualname}({', '.join(names)})")
    assert positional == []


def test_every_exception_class_is_raised_somewhere() -> None:
    """Each failure-mode class in harness.exceptions is constructed by some harness module."""
    classes = [n for n, c in vars(harness.exceptions).items()
               if inspect.isclass(c) and issubclass(c, BaseException)
               and c.__module__ == "harness.exceptions"]
    sources = "\n".join(p.read_text() for p in HARNESS.rglob("*.py")
                        if p.name != "exceptions.py")
    unused = [n for n in classes if not re.search(rf"\b{n}\(", sources)]
    assert unused == []


def test_test_files_named_in_harness_docstrings_exist() -> None:
    """Paths like tests/<dir>/<file>.py mentioned in the harness source point at real files."""
    named = set()
    for p in HARNESS.rglob("*.py"):
        named |= set(re.findall(r"\btests/[\w/]+\.py\b", p.read_text()))
    assert named, "expected at least the pytest plugin to name its example test"
    assert sorted(n for n in named if not (REPO / n).is_file()) == []
