"""Targets and mutants: what to mutate, one change as a byte range, and its patch."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.exceptions import MutationSetupError, UsageError

# The operator program's names (adapters/go/mutate/operators.go documents each one).
OPERATORS = (
    "negate-cond",
    "flip-eq",
    "boundary",
    "flip-logic",
    "remove-stmt",
    "swallow-err",
    "mode-const",
    "int-const",
    "string-lit",
)


@dataclass(frozen=True)
class Target:
    """A file or directory of the module (relative path) and an optional function filter."""

    path: str
    funcs: tuple[str, ...] = ()

    @classmethod
    def parse(cls, *, text: str) -> Target:
        """`PATH[:FUNC,...]`, as `--target` takes it."""
        path, _, names = text.partition(":")
        path = path.strip().strip("/")
        if not path or path.startswith("..") or "/../" in f"/{path}/":
            raise UsageError(f"--target expects PATH[:FUNC,...] inside the module, got {text!r}")
        funcs = tuple(n.strip() for n in names.split(",") if n.strip())
        return cls(path=path, funcs=funcs)

    def flag(self) -> str:
        """The operator program's -target value."""
        return self.path + (":" + ",".join(self.funcs) if self.funcs else "")


@dataclass(frozen=True)
class Mutant:
    """Replace bytes [start, end) of `file` (relative to the module root) with `replacement`."""

    id: str
    file: str
    func: str
    line: int
    col: int
    operator: str
    start: int
    end: int
    original: str
    replacement: str

    @property
    def where(self) -> str:
        """`file:line:col`."""
        return f"{self.file}:{self.line}:{self.col}"

    def describe(self) -> str:
        """One line: operator, place, and the change (first line of each side)."""
        old = _first_line(self.original)
        new = _first_line(self.replacement) or "(removed)"
        func = f" in {self.func}" if self.func else ""
        return f"{self.operator} {self.where}{func}: {old} -> {new}"

    def apply(self, *, source: bytes) -> bytes:
        """The mutated file; refuses a source that no longer holds the original bytes."""
        if source[self.start:self.end] != self.original.encode():
            raise MutationSetupError(
                f"{self.id}: {self.where} no longer holds {self.original!r}; "
                "list the mutants again (the source changed)"
            )
        return source[:self.start] + self.replacement.encode() + source[self.end:]

    def patch(self, *, source: bytes, module: str = "") -> str:
        """Unified diff of the mutated lines only (no context), paths under `module`."""
        before = source.decode("utf-8", "replace").splitlines(keepends=True)
        after = self.apply(source=source).decode("utf-8", "replace").splitlines(keepends=True)
        name = f"{module}/{self.file}" if module else self.file
        lines = difflib.unified_diff(before, after, f"a/{name}", f"b/{name}", n=0)
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0].strip() + (" ..." if len(lines) > 1 else "") if lines else ""


def parse_mutants(*, text: str) -> tuple[Mutant, ...]:
    """The operator program's JSON output as mutants, numbered m001, m002, ... in order."""
    try:
        doc = json.loads(text)
        raw = doc["mutants"]
        if not isinstance(raw, list):
            raise TypeError("mutants is not a list")
        return tuple(_mutant(index=i, item=item) for i, item in enumerate(raw, start=1))
    except (ValueError, KeyError, TypeError) as exc:
        raise MutationSetupError(f"the mutant list is malformed: {exc}") from exc


def _mutant(*, index: int, item: Mapping[str, Any]) -> Mutant:
    return Mutant(
        id=f"m{index:03d}",
        file=str(item["file"]),
        func=str(item["func"]),
        line=int(item["line"]),
        col=int(item["col"]),
        operator=str(item["operator"]),
        start=int(item["start"]),
        end=int(item["end"]),
        original=str(item["original"]),
        replacement=str(item["replacement"]),
    )
