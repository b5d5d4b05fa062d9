"""House style of the reference: every public function and method takes keyword arguments only."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from types import ModuleType

import reference_impl

# Positional by contract with a caller outside the reference, each with its reason.
ALLOWED = {
    "reference_impl.protocol.Session.handle": (
        "protocol entry point: harness/testee.py calls session.handle(request)"
    ),
    "reference_impl.errors.TokenCacheError.__init__": (
        "exception message is positional like BaseException's; unpickling calls cls(*args)"
    ),
    "reference_impl.errors.NotFoundError.__init__": (
        "exception message is positional like BaseException's; unpickling calls cls(*args)"
    ),
    "reference_impl.errors.CacheIOError.__init__": (
        "exception message is positional like BaseException's; unpickling calls cls(*args)"
    ),
}
_POSITIONAL = (
    inspect.Parameter.POSITIONAL_ONLY,
    inspect.Parameter.POSITIONAL_OR_KEYWORD,
    inspect.Parameter.VAR_POSITIONAL,
)


def _modules() -> list[ModuleType]:
    names = [f"reference_impl.{m.name}" for m in pkgutil.iter_modules(reference_impl.__path__)]
    return [reference_impl, *(importlib.import_module(n) for n in sorted(names))]


def _own_init(cls: type) -> Callable[..., object] | None:
    """The class's hand-written ``__init__``; dataclass and Protocol ones are generated."""
    init = vars(cls).get("__init__")
    if init is None or dataclasses.is_dataclass(cls) or not inspect.isfunction(init):
        return None
    return init if init.__module__ == cls.__module__ else None


def _class_callables(qualname: str, cls: type) -> Iterator[tuple[str, Callable[..., object]]]:
    init = _own_init(cls)
    if init is not None:
        yield f"{qualname}.__init__", init
    for attr, member in vars(cls).items():
        fn = getattr(member, "__func__", member)  # classmethod/staticmethod
        if not attr.startswith("_") and inspect.isfunction(fn):
            yield f"{qualname}.{attr}", fn


def public_callables() -> dict[str, Callable[..., object]]:
    """Every public function and method reachable from the package and its modules' public names."""
    found: dict[str, Callable[..., object]] = {}
    exported = [(n, getattr(reference_impl, n)) for n in reference_impl.__all__]
    for module in _modules():
        names = [(n, o) for n, o in vars(module).items() if not n.startswith("_")]
        for attr, obj in (exported if module is reference_impl else []) + names:
            home = getattr(obj, "__module__", None)
            if not isinstance(home, str) or not home.startswith("reference_impl"):
                continue  # imported from the standard library or typing
            qualname = f"{home}.{getattr(obj, '__qualname__', attr)}"
            if inspect.isfunction(obj):
                found[qualname] = obj
            elif inspect.isclass(obj):
                found.update(_class_callables(qualname, obj))
    return found


def positional_parameters(fn: Callable[..., object]) -> list[str]:
    """Parameters of ``fn`` a caller may pass by position (``self``/``cls`` aside)."""
    params = inspect.signature(fn).parameters.values()
    return [p.name for p in params if p.kind in _POSITIONAL and p.name not in ("self", "cls")]


def test_public_functions_take_keyword_arguments_only() -> None:
    """No public function or method outside the allow-list takes positional arguments."""
    offenders = [
        f"{name}({', '.join(params)})"
        for name, fn in sorted(public_callables().items())
        if (params := positional_parameters(fn)) and name not in ALLOWED
    ]
    assert offenders == []


def test_scan_reaches_the_exported_api() -> None:
    """The scan sees the exported functions and methods, so an empty result means something."""
    found = public_callables()
    for name in (
        "reference_impl.decoder.decode_file",
        "reference_impl.encoder.go_string_literal",
        "reference_impl.gotime.parse_rfc3339",
        "reference_impl.gotime.GoTime.date",
        "reference_impl.keys.validate_host",
        "reference_impl.protocol.token_from_json",
        "reference_impl.filecache.FileTokenCache.open",
        "reference_impl.dualwrite.MirroringCache.__init__",
        "reference_impl.goos.create_temp",
        "reference_impl.__main__.main",
    ):
        assert name in found, name
    assert len(found) > 40


def test_allow_list_entries_are_live_and_positional() -> None:
    """Every allow-list entry names a scanned callable that really is positional."""
    found = public_callables()
    stale = [n for n in ALLOWED if n not in found or not positional_parameters(found[n])]
    assert stale == []


def test_checker_flags_positional_signatures() -> None:
    """Positional, positional-only and variadic parameters are reported; keyword-only are not."""

    def positional(raw: bytes) -> None:
        """Stand-in for a public function that went positional again."""

    def positional_only(raw: bytes, /) -> None:
        """Stand-in for a positional-only signature."""

    def variadic(*elems: str) -> None:
        """Stand-in for a ``filepath.Join``-style signature."""

    def keyword(*, raw: bytes, **extra: object) -> None:
        """Stand-in for a conforming public function."""

    assert positional_parameters(positional) == ["raw"]
    assert positional_parameters(positional_only) == ["raw"]
    assert positional_parameters(variadic) == ["elems"]
    assert positional_parameters(keyword) == []
