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


def _module_name(path: Path) -> str:
    parts = path.relative_to(HARNESS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


# Every module of the package, found by walking it: a new module is held to the style too.
CORE_MODULES = tuple(
    _module_name(p) for p in sorted(HARNESS.rglob("*.py")) if p.name != "__main__.py"
)
# Positional by contract with a caller outside the core, each with its reason.
EXEMPT = {
    "harness.cli.main": "console-script entry point: main(argv)",
    "harness.gobuild.main": "module entry point: main(argv)",
    "harness.ci_action.main": "module entry point: main(argv)",
    # Subcommand modules: the CLI calls configure(parser) and run(args) from its table.
    **{f"harness.commands.{m}.{f}": "subcommand entry point"
       for m in ("run", "list_cases", "golden", "impls", "diff", "interop", "report", "stress",
                 "compare", "mutate")
       for f in ("configure", "run")},
}
# Protocol implementations called positionally by another library, each with its reason.
EXEMPT_PREFIXES = (
    "harness.differential.engine.",  # hypothesis calls rule methods with positional draws
    "harness.report.__init__.",
)
EXEMPT["harness.differential.parallel.run_worker"] = "ProcessPoolExecutor.submit(fn, task)"
EXEMPT["harness.differential.parallel.worker_init"] = "ProcessPoolExecutor initializer(*initargs)"
EXEMPT["harness.commands.common.positive_int"] = "argparse calls type=fn(text)"


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
        if names and qualname not in EXEMPT and not qualname.startswith(EXEMPT_PREFIXES):
            positional.append(f"{qualname}({', '.join(names)})")
    assert positional == []


def test_every_exception_class_is_raised_somewhere() -> None:
    """Each leaf failure class in harness.exceptions is constructed by some harness module."""
    found = [c for c in vars(harness.exceptions).values()
             if inspect.isclass(c) and issubclass(c, BaseException)
             and c.__module__ == "harness.exceptions"]
    # Parent classes exist to be caught; their children are what gets raised.
    parents = {base for c in found for base in c.__mro__[1:] if base in found}
    classes = [c.__name__ for c in found if c not in parents]
    assert {"TesteeCrashed", "TesteeTimeout", "NotBuildable", "InvalidJobCount"} <= set(classes)
    sources = "\n".join(p.read_text() for p in HARNESS.rglob("*.py")
                        if p.name != "exceptions.py")
    unused = [n for n in classes if not re.search(rf"\b{n}\(", sources)]
    assert unused == []


def test_every_exception_is_a_harness_error_and_a_builtin() -> None:
    """One root for every harness error, and each also a fitting built-in exception."""
    for name, c in vars(harness.exceptions).items():
        if inspect.isclass(c) and issubclass(c, BaseException) and c.__module__ == __name__:
            continue
        if inspect.isclass(c) and c.__module__ == "harness.exceptions":
            assert issubclass(c, harness.exceptions.HarnessError), name
            if c not in (harness.exceptions.HarnessError, harness.exceptions.NothingToRun):
                builtin = [b for b in c.__mro__ if b.__module__ == "builtins"
                           and b not in (Exception, BaseException, object)]
                assert builtin, f"{name} subclasses no fitting built-in"


def test_test_files_named_in_harness_docstrings_exist() -> None:
    """Paths like tests/<dir>/<file>.py mentioned in the harness source point at real files."""
    named = set()
    for p in HARNESS.rglob("*.py"):
        named |= set(re.findall(r"\btests/[\w/]+\.py\b", p.read_text()))
    assert named, "expected at least the pytest plugin to name its example test"
    assert sorted(n for n in named if not (REPO / n).is_file()) == []


def test_tests_start_testees_with_sys_executable() -> None:
    """No test or benchmark starts a Python testee through a bare `python` on PATH."""
    bare = re.compile(r"""(?<!"")["'=]python3? -m """)
    offenders = [
        f"{p.relative_to(REPO)}:{n}"
        for folder in ("tests", "benchmarks")
        for p in sorted((REPO / folder).rglob("*.py"))
        for n, line in enumerate(p.read_text().splitlines(), start=1)
        if bare.search(line) and "sys.executable" not in line
    ]
    assert offenders == []
