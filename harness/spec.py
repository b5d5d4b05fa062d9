"""Loading spec case files: schema validation, path safety, frozen case objects."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import jsonschema  # type: ignore[import-untyped]

from harness.data import DATA_LOSS_TAG, DataLoss, LoadError
from harness.exceptions import CasesNotFound, EmptySelection, SpecError
from harness.stepspec import Edit, Fault, build_edit, build_fault

DEFAULT_ENV: Mapping[str, str | None] = {"HOME": "home"}
DEFAULT_CACHE_FILE = ".databricks/token-cache.json"

ExpectKind = Literal["ok", "not_found", "error", "any"]


@dataclass(frozen=True)
class DirSpec:
    """A directory to create before the first step."""

    path: str
    mode: int | None = None


@dataclass(frozen=True)
class FileSpec:
    """A file to create before the first step."""

    path: str
    content: bytes
    mode: int = 0o600


@dataclass(frozen=True)
class SymlinkSpec:
    """A symlink to create before the first step; target written as given."""

    path: str
    target: str


@dataclass(frozen=True)
class SandboxSpec:
    """What exists in the sandbox before the first step."""

    home: bool = True
    umask: int = 0o022
    dirs: tuple[DirSpec, ...] = ()
    files: tuple[FileSpec, ...] = ()
    symlinks: tuple[SymlinkSpec, ...] = ()


@dataclass(frozen=True)
class Expect:
    """What a step must answer: success (optionally an exact result) or an error kind."""

    kind: ExpectKind
    result: Mapping[str, Any] | None = None
    message: str | None = None


EXPECT_SUCCESS = Expect(kind="ok")


@dataclass(frozen=True)
class Step:
    """One operation of a case; `fields` are the op's request fields as written.

    `expect_by_toolchain` replaces `expect` for implementations built with that Go
    toolchain or a later one (harness/toolchains.py picks the entry).
    """

    op: str
    fields: Mapping[str, Any]
    expect: Expect = EXPECT_SUCCESS
    expect_by_toolchain: Mapping[str, Expect] = field(default_factory=dict)
    fault: Fault | None = None  # injected while this step runs (harness/faults.py)
    edit: Edit | None = None  # set on `edit` steps, which the harness performs itself

    @property
    def harness_side(self) -> bool:
        """True for steps the harness performs in the sandbox; never sent to a testee."""
        return self.edit is not None


@dataclass(frozen=True)
class OtherFile:
    """Expected bytes of another file after the case; None means it must be absent."""

    content: bytes | None


@dataclass(frozen=True)
class Final:
    """Checks made after the last step."""

    file: str | None = None
    golden: bool = False
    file_type: str | None = None
    file_mode: int | None = None
    dir_mode: int | None = None
    listing: tuple[str, ...] | None = None
    other_files: Mapping[str, OtherFile] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when no final check is asked for."""
        return (
            not self.golden
            and self.file_type is None
            and self.file_mode is None
            and self.dir_mode is None
            and self.listing is None
            and not self.other_files
        )


@dataclass(frozen=True)
class Case:
    """One spec case, validated and with defaults applied."""

    id: str
    description: str
    steps: tuple[Step, ...]
    tags: tuple[str, ...] = ()
    level: str = "required"
    go_crash: str | None = None
    data_loss: DataLoss | None = None
    sandbox: SandboxSpec = SandboxSpec()
    env: Mapping[str, str | None] = field(default_factory=lambda: dict(DEFAULT_ENV))
    final: Final = Final()
    file: str = ""

    @property
    def recommended(self) -> bool:
        """True for better-than-Go practice cases (failures only warn by default)."""
        return self.level == "recommended"

    def final_file(self) -> str:
        """The sandbox-relative path the final checks look at."""
        if self.final.file is not None:
            return self.final.file
        last_path: str | None = None
        home = self.env.get("HOME")
        for step in self.steps:
            if step.op == "open":
                last_path = step.fields.get("path")
                home = {**self.env, **step.fields.get("env", {})}.get("HOME")
        if last_path is not None:
            return last_path
        return posixpath.join(home or "home", DEFAULT_CACHE_FILE)

    def named_paths(self) -> tuple[str, ...]:
        """Every sandbox-relative path the case hands a testee or checks afterwards."""
        out = [p for p in self.env.values() if p]
        out += [p for s in self.steps if s.op == "open" for p in s.fields.get("env", {}).values()
                if p]
        out += [s.fields["path"] for s in self.steps if s.op == "open" and s.fields.get("path")]
        out += [s.edit.path for s in self.steps if s.edit is not None]
        out += [s.fault.path for s in self.steps if s.fault is not None and s.fault.path]
        out.append(self.final_file())
        out += list(self.final.other_files)
        return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class LoadedCases:
    """Every case that loaded, plus every error met on the way."""

    cases: tuple[Case, ...]
    errors: tuple[LoadError, ...]


@cache
def case_file_schema() -> dict[str, Any]:
    """The JSON Schema for case files, shipped with the package."""
    text = resources.files("harness").joinpath("schema/case-file.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(case_file_schema())


def load_cases(*, cases_dir: Path) -> LoadedCases:
    """Load every `*.json` file in `cases_dir` (sorted); bad files/cases become errors.

    Raises CasesNotFound when the folder is missing or holds no case file: a run over
    nothing must not look like a clean run.
    """
    if not cases_dir.is_dir():
        raise CasesNotFound(
            f"cases folder {cases_dir} does not exist; pass --root DIR (the checkout "
            "holding golden/cases) or --cases DIR"
        )
    paths = sorted(p for p in cases_dir.glob("*.json") if p.is_file())
    if not paths:
        raise CasesNotFound(f"cases folder {cases_dir} holds no case files (*.json)")
    cases: list[Case] = []
    # Anything else in the folder is reported: a case file misnamed `.jsn` or `.json.bak`
    # would otherwise be dropped without a word.
    errors: list[LoadError] = [
        LoadError(
            file=other.name, case=None, field="",
            message="not a case file: only *.json files in the cases folder are loaded "
            "(subfolders are not searched); rename or remove it",
        )
        for other in sorted(cases_dir.iterdir())
        if other not in paths
    ]
    seen: dict[str, str] = {}
    for path in paths:
        file_cases, file_errors = load_case_file(path=path)
        errors.extend(file_errors)
        for case in file_cases:
            if case.id in seen:
                errors.append(
                    LoadError(
                        file=path.name,
                        case=case.id,
                        field="id",
                        message=f"duplicate case id (first defined in {seen[case.id]})",
                    )
                )
                continue
            seen[case.id] = path.name
            cases.append(case)
    return LoadedCases(cases=tuple(cases), errors=tuple(errors))


def load_case_file(*, path: Path) -> tuple[list[Case], list[LoadError]]:
    """Load one case file; good cases load even when their neighbours are malformed."""
    name = path.name
    try:
        data = path.read_bytes()
        doc = json.loads(data)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [], [LoadError(file=name, case=None, field="", message=f"unreadable JSON: {exc}")]
    by_case: dict[int, jsonschema.ValidationError] = {}
    for err in _schema_errors(data=data, doc=doc):
        p = list(err.absolute_path)
        if len(p) >= 2 and p[0] == "cases" and isinstance(p[1], int):
            current = by_case.get(p[1])
            if current is None or _depth(err) > _depth(current):
                by_case[p[1]] = err
            continue
        return [], [LoadError(file=name, case=None, field=_field(p), message=_describe(err))]
    cases: list[Case] = []
    errors: list[LoadError] = []
    for index, raw in enumerate(doc["cases"]):
        label = _label(raw, index)
        if index in by_case:
            err = by_case[index]
            errors.append(
                LoadError(
                    file=name,
                    case=label,
                    field=_field(list(err.absolute_path)[2:]),
                    message=_describe(err),
                )
            )
            continue
        try:
            cases.append(_build_case(raw, file=name))
        except SpecError as exc:
            errors.append(LoadError(file=name, case=label, field=exc.field, message=exc.message))
    return cases, errors


# Validation is about a third of the CPU of loading the suite; a file's errors
# depend only on its bytes, so they are kept per content hash for the process.
_SCHEMA_ERRORS: dict[bytes, tuple[jsonschema.ValidationError, ...]] = {}


def _schema_errors(*, data: bytes, doc: Any) -> tuple[jsonschema.ValidationError, ...]:
    digest = hashlib.sha256(data).digest()
    found = _SCHEMA_ERRORS.get(digest)
    if found is None:
        found = tuple(
            sorted(_validator().iter_errors(doc), key=lambda e: list(map(str, e.path)))
        )
        _SCHEMA_ERRORS[digest] = found
    return found


def _depth(err: jsonschema.ValidationError) -> int:
    return len(list(err.absolute_path))


def _label(raw: Any, index: int) -> str:
    if isinstance(raw, Mapping) and isinstance(raw.get("id"), str):
        return str(raw["id"])
    return f"#{index}"


def _field(path: Sequence[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(err: jsonschema.ValidationError) -> str:
    # The deepest context error of a oneOf/anyOf is usually the one a human meant.
    best = jsonschema.exceptions.best_match([err])
    return str(best.message if best is not None else err.message)


def _fail(case_id: str, fld: str, message: str) -> SpecError:
    return SpecError(file="", case=case_id, field=fld, message=message)


def check_relpath(*, value: str, case_id: str, fld: str) -> str:
    """Reject absolute paths and `..` segments; return the normalised relative path."""
    if value.startswith("/") or "\\" in value or "\x00" in value:
        raise _fail(case_id, fld, f"unsafe path {value!r}: must be relative to the sandbox root")
    parts = value.split("/")
    if ".." in parts:
        raise _fail(case_id, fld, f"unsafe path {value!r}: '..' is not allowed")
    norm = posixpath.normpath(value)
    if norm in (".", ""):
        raise _fail(case_id, fld, f"path {value!r} names the sandbox root itself")
    return norm


def _check_link_target(*, link: str, target: str, case_id: str, fld: str) -> None:
    if target.startswith("/"):
        raise _fail(case_id, fld, f"unsafe symlink target {target!r}: must be relative")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(link), target))
    if resolved == ".." or resolved.startswith("../"):
        raise _fail(case_id, fld, f"unsafe symlink target {target!r}: leaves the sandbox")


def _octal(value: str | None, default: int | None) -> int | None:
    return default if value is None else int(value, 8)


def _bytes(spec: Mapping[str, Any], *, case_id: str, fld: str) -> bytes:
    if "text" in spec:
        return str(spec["text"]).encode("utf-8")
    try:
        return base64.b64decode(str(spec["base64"]), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _fail(case_id, f"{fld}.base64", f"invalid base64: {exc}") from exc


def _build_expect(raw: Mapping[str, Any] | None) -> Expect:
    if raw is None:
        return EXPECT_SUCCESS
    if "ok" in raw:
        return Expect(kind="ok", result=raw["ok"])
    kind = raw["error"]
    return Expect(kind=kind, message=raw.get("message"))


def _build_env(raw: Mapping[str, Any], *, case_id: str, fld: str) -> dict[str, str | None]:
    env: dict[str, str | None] = {}
    for name, value in raw.items():
        # "" is kept verbatim: Go treats an empty HOME like an unset one.
        env[name] = (
            value
            if value is None or value == ""
            else check_relpath(value=value, case_id=case_id, fld=f"{fld}.{name}")
        )
    return env


def _build_case(raw: Mapping[str, Any], *, file: str) -> Case:
    cid = str(raw["id"])
    sb = raw.get("sandbox", {})
    dirs = tuple(
        DirSpec(
            path=check_relpath(value=d["path"], case_id=cid, fld=f"sandbox.dirs[{i}].path"),
            mode=_octal(d.get("mode"), None),
        )
        for i, d in enumerate(sb.get("dirs", []))
    )
    files = tuple(
        FileSpec(
            path=check_relpath(value=f["path"], case_id=cid, fld=f"sandbox.files[{i}].path"),
            content=_bytes(f, case_id=cid, fld=f"sandbox.files[{i}]"),
            mode=_octal(f.get("mode"), 0o600) or 0,
        )
        for i, f in enumerate(sb.get("files", []))
    )
    links: list[SymlinkSpec] = []
    for i, s in enumerate(sb.get("symlinks", [])):
        link = check_relpath(value=s["path"], case_id=cid, fld=f"sandbox.symlinks[{i}].path")
        _check_link_target(
            link=link, target=s["target"], case_id=cid, fld=f"sandbox.symlinks[{i}].target"
        )
        links.append(SymlinkSpec(path=link, target=s["target"]))
    sandbox = SandboxSpec(
        home=bool(sb.get("home", True)),
        umask=_octal(sb.get("umask"), 0o022) or 0,
        dirs=dirs,
        files=files,
        symlinks=tuple(links),
    )
    env = _build_env(raw.get("env", DEFAULT_ENV), case_id=cid, fld="env")
    steps: list[Step] = []
    for i, s in enumerate(raw["steps"]):
        fields = {
            k: v for k, v in s.items() if k not in ("op", "expect", "expect_by_toolchain", "fault")
        }
        if s["op"] == "open" and fields.get("path") is not None:
            fields["path"] = check_relpath(
                value=fields["path"], case_id=cid, fld=f"steps[{i}].path"
            )
        if s["op"] == "open" and "env" in fields:  # merged over the case env for this open
            fields["env"] = _build_env(fields["env"], case_id=cid, fld=f"steps[{i}].env")
        by_toolchain = {
            name: _build_expect(entry) for name, entry in s.get("expect_by_toolchain", {}).items()
        }
        fault = build_fault(
            raw=s.get("fault"), case_id=cid, fld=f"steps[{i}].fault", relpath=check_relpath
        )
        edit = None
        if s["op"] == "edit":
            edit = build_edit(raw=s, case_id=cid, fld=f"steps[{i}]", relpath=check_relpath,
                              link_check=_check_link_target)
        steps.append(Step(
            op=s["op"], fields=fields, expect=_build_expect(s.get("expect")),
            expect_by_toolchain=by_toolchain, fault=fault, edit=edit,
        ))
    fr = raw.get("final", {})
    other: dict[str, OtherFile] = {}
    for rel, spec in fr.get("other_files", {}).items():
        key = check_relpath(value=rel, case_id=cid, fld=f"final.other_files.{rel}")
        other[key] = OtherFile(
            content=None
            if spec.get("absent")
            else _bytes(spec, case_id=cid, fld=f"final.other_files.{rel}")
        )
    final = Final(
        file=None
        if fr.get("file") is None
        else check_relpath(value=fr["file"], case_id=cid, fld="final.file"),
        golden=bool(fr.get("golden", False)),
        file_type=fr.get("file_type"),
        file_mode=_octal(fr.get("file_mode"), None),
        dir_mode=_octal(fr.get("dir_mode"), None),
        listing=None if fr.get("listing") is None else tuple(fr["listing"]),
        other_files=other,
    )
    tags = tuple(raw.get("tags", ()))
    loss = raw.get("data_loss")
    if (loss is None) != (DATA_LOSS_TAG not in tags):
        raise _fail(cid, "data_loss" if loss is None else "tags",
                    f"the {DATA_LOSS_TAG!r} tag and the data_loss field go together")
    return Case(
        id=cid,
        description=str(raw["description"]),
        steps=tuple(steps),
        tags=tags,
        data_loss=None if loss is None else DataLoss(
            what=str(loss["what"]), shown_by=str(loss.get("shown_by", "pass"))
        ),
        level=str(raw.get("level", "required")),
        go_crash=raw.get("go_crash"),
        sandbox=sandbox,
        env=env,
        final=final,
        file=file,
    )


def select_cases(
    *, cases: Iterable[Case], substring: str | None = None, tags: Sequence[str] = ()
) -> list[Case]:
    """Filter by id substring (`-k`) and by tags (a case must carry every tag given)."""
    out = []
    for case in cases:
        if substring and substring not in case.id:
            continue
        if tags and not all(t in case.tags for t in tags):
            continue
        out.append(case)
    return out


def require_selection(
    *, loaded: LoadedCases, selected: Sequence[Case], substring: str | None,
    tags: Sequence[str],
) -> None:
    """Raise when there is nothing to run: a selection matching no case, or a cases
    folder whose files define no case at all (load errors are reported by the run)."""
    if selected:
        return
    if substring or tags:
        asked = [f"-k {substring!r}"] if substring else []
        asked += [f"--tag {t!r}" for t in tags]
        raise EmptySelection(
            f"no case matches {' and '.join(asked)} ({len(loaded.cases)} case(s) loaded)"
        )
    if not loaded.errors:
        raise CasesNotFound("the case files define no case")
