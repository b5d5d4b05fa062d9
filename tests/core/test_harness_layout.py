"""The package's shape: no import cycle, and a command line that starts light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import harness

HARNESS = Path(harness.__file__).resolve().parent


def _module(path: Path) -> str:
    parts = path.relative_to(HARNESS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path) -> set[str]:
    """Harness modules imported when `path` is imported (not inside functions or TYPE_CHECKING)."""
    out: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for sub in [node] if not isinstance(node, ast.If) else ast.walk(node):
            if isinstance(sub, ast.ImportFrom) and sub.module and sub.level == 0:
                if sub.module == "harness":
                    out |= {f"harness.{a.name}" for a in sub.names}
                elif sub.module.startswith("harness."):
                    out.add(sub.module)
            elif isinstance(sub, ast.Import):
                out |= {a.name for a in sub.names if a.name.startswith("harness.")}
    return out


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_the_harness_package_has_no_import_cycle() -> None:
    """Module-level imports between harness modules form no cycle."""
    graph = {_module(p): _top_level_imports(p) for p in HARNESS.rglob("*.py")}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_cycle_finder_finds_a_planted_cycle() -> None:
    """The checker above is able to fail: a two-module loop is reported."""
    assert _cycle({"a": {"b"}, "b": {"a"}, "c": set()}) == ["a", "b", "a"]


def _loaded_after(argv: list[str]) -> set[str]:
    code = (
        "import sys, contextlib, io\n"
        "from harness.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        f"        main({argv!r})\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True, cwd=HARNESS.parent)
    return set(done.stdout.split())


def test_help_and_list_import_neither_hypothesis_nor_the_engines() -> None:
    """`--help` and `list` load no hypothesis, differential engine, Go build or testee code."""
    heavy = {"hypothesis", "harness.differential.engine", "harness.gobuild", "harness.testee",
             "harness.interop"}
    for argv in (["--help"], ["list"]):
        loaded = _loaded_after(argv)
        assert not heavy & loaded, (argv, sorted(heavy & loaded))
    assert "harness.spec" in _loaded_after(["list"])  # the check sees what `list` does load


def test_every_subpackage_is_listed_for_installation() -> None:
    """pyproject's package list names every harness package, so a plain install works."""
    import tomllib

    listed = set(tomllib.loads((HARNESS.parent / "pyproject.toml").read_text())["tool"]
                 ["setuptools"]["packages"])
    found = {_module(p.parent / "__init__.py") for p in HARNESS.rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)
