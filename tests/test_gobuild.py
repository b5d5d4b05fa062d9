"""Tests for harness.gobuild: content-addressed builds of the Go SDK testees."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from harness.gobuild import (
    GoTestee,
    GoUnavailable,
    build_env,
    discover_go_testees,
    go_testee_name,
    opt_in,
    source_hash,
)
from harness.impls import select_impls

REPO_ROOT = Path(__file__).resolve().parents[1]

FAKE_GO = """#!/bin/sh
# Stands in for the go command: "version", or "build -trimpath -o OUT ." in the testee dir.
if [ "$1" = version ]; then echo "go version go0.0-fake"; exit 0; fi
echo "$PWD" >> "$FAKE_GO_LOG"
if [ -f broken ]; then echo "./main.go:3:1: syntax error: unexpected EOF" >&2; exit 1; fi
printf '#!/bin/sh\\necho built\\n' > "$4"
chmod +x "$4"
"""


def _write_tree(root: Path, *, versions: tuple[str, ...] = ("v9.9.9",)) -> Path:
    """A tiny repo with a kit and stdlib-only testees; returns the root."""
    kit = root / "adapters" / "go" / "conformance"
    kit.mkdir(parents=True)
    (kit / "go.mod").write_text("module tokencachecompat/conformance\n\ngo 1.22\n")
    (kit / "kit.go").write_text("package conformance\n")
    for version in versions:
        testee = root / "adapters" / "go" / f"sdk-{version}"
        testee.mkdir()
        (testee / "go.mod").write_text(f"module tokencachecompat/sdk-{version}\n\ngo 1.22\n")
        (testee / "main.go").write_text('package main\n\nfunc main() { println("hi") }\n')
    return root


def _fake_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    """Install the fake go script; returns its path and the log of its builds."""
    script = tmp_path / "bin" / "go"
    script.parent.mkdir()
    script.write_text(FAKE_GO)
    script.chmod(0o755)
    log = tmp_path / "builds.log"
    monkeypatch.setenv("FAKE_GO_LOG", str(log))
    return str(script), log


def _builds(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_source_hash_changes_with_sources_and_not_with_other_files(tmp_path: Path) -> None:
    """Editing a .go, go.mod or kit file changes the hash; a README does not."""
    root = _write_tree(tmp_path / "repo")
    testee = root / "adapters" / "go" / "sdk-v9.9.9"
    kit = root / "adapters" / "go" / "conformance"

    def digest() -> str:
        return source_hash(testee_dir=testee, kit_dir=kit, toolchain="go1.0")

    first = digest()
    (testee / "README.md").write_text("notes\n")
    assert digest() == first
    (testee / "main.go").write_text('package main\n\nfunc main() { println("bye") }\n')
    second = digest()
    assert second != first
    (kit / "go.sum").write_text("example.com/m v1.0.0 h1:x\n")
    third = digest()
    assert third != second
    assert source_hash(testee_dir=testee, kit_dir=kit, toolchain="go2.0") != third


def test_unchanged_tree_reuses_binary_and_a_change_rebuilds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second discovery builds nothing; editing main.go builds a new binary path."""
    root = _write_tree(tmp_path / "repo")
    go, log = _fake_go(tmp_path, monkeypatch)
    first = discover_go_testees(repo_root=root, go=go)
    again = discover_go_testees(repo_root=root, go=go)
    assert _builds(log) == 1
    assert first == again
    assert isinstance(first[0], GoTestee)
    assert first[0].name == "go-sdk@v9.9.9"
    assert Path(first[0].command[0]).is_relative_to(root / ".cache" / "testees")
    (root / "adapters" / "go" / "sdk-v9.9.9" / "main.go").write_text("package main\n")
    changed = discover_go_testees(repo_root=root, go=go)
    assert _builds(log) == 2
    assert isinstance(changed[0], GoTestee)
    assert changed[0].command != first[0].command


def test_testees_are_listed_newest_release_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Versions sort numerically (v0.129.0 before v0.97.0), not as strings."""
    root = _write_tree(tmp_path / "repo", versions=("v0.97.0", "v0.129.0", "v0.61.0"))
    go, _ = _fake_go(tmp_path, monkeypatch)
    names = [t.name for t in discover_go_testees(repo_root=root, go=go, extra_toolchains=())]
    assert names == ["go-sdk@v0.129.0", "go-sdk@v0.97.0", "go-sdk@v0.61.0"]


def test_missing_go_makes_every_testee_unavailable_with_a_clear_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without go on PATH each testee is a GoUnavailable naming its directory."""
    root = _write_tree(tmp_path / "repo", versions=("v0.129.0", "v0.61.0"))
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert discover_go_testees(repo_root=root, extra_toolchains=()) == [
        GoUnavailable(
            name="go-sdk@v0.129.0",
            reason="go toolchain not found on PATH (needed to build adapters/go/sdk-v0.129.0)",
        ),
        GoUnavailable(
            name="go-sdk@v0.61.0",
            reason="go toolchain not found on PATH (needed to build adapters/go/sdk-v0.61.0)",
        ),
    ]


def test_failing_build_names_the_command_and_its_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that exits non-zero yields GoUnavailable with the command and the error tail."""
    root = _write_tree(tmp_path / "repo", versions=("v1.0.0", "v2.0.0"))
    (root / "adapters" / "go" / "sdk-v1.0.0" / "broken").write_text("")
    go, _ = _fake_go(tmp_path, monkeypatch)
    found = discover_go_testees(repo_root=root, go=go, extra_toolchains=())
    broken, fine = sorted(found, key=lambda r: r.name)
    assert isinstance(broken, GoUnavailable)
    assert f"{go} build -trimpath -o " in broken.reason
    assert "syntax error: unexpected EOF" in broken.reason
    assert isinstance(fine, GoTestee)
    assert not list((root / ".cache" / "testees").rglob("*.partial"))


def _require_go() -> str:
    go = shutil.which("go")
    if go is None:
        if os.environ.get("TOKENCACHE_COMPAT_REQUIRE_GO", "") not in ("", "0", "false"):
            pytest.fail("go is not on PATH but TOKENCACHE_COMPAT_REQUIRE_GO is set")
        pytest.skip("go toolchain not found on PATH")
    return go


@pytest.mark.go
def test_real_go_reports_a_broken_source_with_the_go_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real toolchain's compile error and the go build command reach the reason."""
    go = _require_go()
    # Share the repo's build cache so the standard library is not compiled again.
    monkeypatch.setenv("GOCACHE", str(REPO_ROOT / ".cache" / "go" / "build"))
    root = _write_tree(tmp_path / "repo")
    main_go = root / "adapters" / "go" / "sdk-v9.9.9" / "main.go"
    main_go.write_text("package main\nfunc main() {\n")
    [result] = discover_go_testees(repo_root=root, go=go, extra_toolchains=())
    assert isinstance(result, GoUnavailable)
    assert f"{go} build -trimpath -o " in result.reason
    assert "main.go" in result.reason


def _exchange(proc: subprocess.Popen[str], request: dict[str, Any]) -> dict[str, Any]:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps(request) + "\n")
    proc.stdin.flush()
    response: dict[str, Any] = json.loads(proc.stdout.readline())
    assert response["id"] == request["id"]
    return response


@pytest.mark.go
def test_real_v0_129_0_testee_serves_the_protocol(tmp_path: Path) -> None:
    """The built go-sdk@v0.129.0 answers hello/open/store/lookup/shutdown in a temp HOME."""
    _require_go()
    results = {r.name: r for r in discover_go_testees(repo_root=REPO_ROOT)}
    testee = results["go-sdk@v0.129.0"]
    assert isinstance(testee, GoTestee), testee
    assert testee.source == REPO_ROOT / "adapters" / "go" / "sdk-v0.129.0"
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home)}
    with subprocess.Popen(
        testee.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    ) as proc:
        hello = _exchange(proc, {"id": 1, "op": "hello"})["result"]
        assert (hello["protocol"], hello["name"], hello["version"]) == (1, "go-sdk", "v0.129.0")
        assert hello["details"]["golang.org/x/oauth2"] == "v0.34.0"
        assert hello["dual_store_via"] == ["sdk"]
        opened = _exchange(proc, {"id": 2, "op": "open", "path": None, "env": {"HOME": str(home)}})
        assert opened == {"id": 2, "ok": True, "result": {}}
        token = {
            "access_token": "a",
            "token_type": "Bearer",
            "refresh_token": "r",
            "expiry": "2024-01-02T03:04:05.5+02:00",
            "expires_in": 3600,
        }
        stored = _exchange(proc, {"id": 3, "op": "store", "key": "prod", "token": token})
        assert stored["ok"], stored
        found = _exchange(proc, {"id": 4, "op": "lookup", "key": "prod"})
        assert found["result"] == {"token": token}
        missing = _exchange(proc, {"id": 5, "op": "lookup", "key": "other"})
        assert missing["error"] == {"kind": "not_found", "message": "token not found"}
        assert _exchange(proc, {"id": 6, "op": "shutdown"})["ok"]
        assert proc.wait(timeout=30) == 0
    cache_file = home / ".databricks" / "token-cache.json"
    assert stat.S_IMODE(cache_file.stat().st_mode) == 0o600
    assert json.loads(cache_file.read_text())["tokens"]["prod"]["expires_in"] == 3600


def test_testee_name_comes_from_the_directory() -> None:
    """sdk-v0.110.0 is called go-sdk@v0.110.0."""
    assert go_testee_name(source=Path("adapters/go/sdk-v0.110.0")) == "go-sdk@v0.110.0"


@pytest.mark.go
def test_go_kit_vets_and_passes_its_unit_tests() -> None:
    """`go vet` and `go test` succeed in adapters/go/conformance with the build environment."""
    go = _require_go()
    env = build_env(repo_root=REPO_ROOT)
    kit = REPO_ROOT / "adapters" / "go" / "conformance"
    for args in (["vet", "./..."], ["test", "-count=1", "./..."]):
        done = subprocess.run(
            [go, *args], cwd=kit, env=env, capture_output=True, text=True, timeout=600, check=False
        )
        assert done.returncode == 0, f"go {' '.join(args)}:\n{done.stdout}{done.stderr}"


def test_a_rebuild_removes_the_testees_older_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a new build only its folder remains for that testee; other testees keep theirs."""
    root = _write_tree(tmp_path / "repo", versions=("v1.0.0", "v1.0.0-rc1"))
    go, _ = _fake_go(tmp_path, monkeypatch)
    cache = root / ".cache" / "testees"
    discover_go_testees(repo_root=root, go=go)
    (root / "adapters" / "go" / "sdk-v1.0.0" / "main.go").write_text("package main\n// v2\n")
    by_name = {t.name: t for t in discover_go_testees(repo_root=root, go=go)}
    new = by_name["go-sdk@v1.0.0"]
    assert isinstance(new, GoTestee)
    folders = sorted(p.name for p in cache.iterdir())
    assert [f for f in folders if f.startswith("sdk-v1.0.0-") and "rc1" not in f] == [
        Path(new.command[0]).parent.name]
    assert len([f for f in folders if f.startswith("sdk-v1.0.0-rc1-")]) == 1


def test_first_build_reports_progress_and_reuse_is_silent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Building prints what is built and each result; a second discovery prints nothing."""
    import io

    root = _write_tree(tmp_path / "repo", versions=("v1.0.0", "v2.0.0"))
    (root / "adapters" / "go" / "sdk-v1.0.0" / "broken").write_text("")
    go, _ = _fake_go(tmp_path, monkeypatch)
    monkeypatch.setenv("TOKENCACHE_COMPAT_PROGRESS", "plain")
    out = io.StringIO()
    discover_go_testees(repo_root=root, go=go, progress=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("go build: go-sdk@v2.0.0, go-sdk@v1.0.0 (first use")
    assert any(ln.startswith("building 2 Go testee(s): 1/2 built") for ln in lines), lines
    assert any("go-sdk@v1.0.0 FAILED in" in ln or "go-sdk@v2.0.0 built in" in ln
               for ln in lines), lines
    assert lines[-1].startswith("building 2 Go testee(s): 2/2 built, ")
    again = io.StringIO()
    (root / "adapters" / "go" / "sdk-v1.0.0" / "broken").unlink()
    discover_go_testees(repo_root=root, go=go, progress=again)
    assert again.getvalue().splitlines()[0].startswith("go build: go-sdk@v1.0.0 (first use")
    quiet = io.StringIO()
    discover_go_testees(repo_root=root, go=go, progress=quiet)
    assert quiet.getvalue() == ""


def test_example_testees_are_built_and_named_by_their_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """adapters/go/example-* is discovered after the SDK columns and keeps its folder's name."""
    root = _write_tree(tmp_path / "repo", versions=("v1.0.0",))
    example = root / "adapters" / "go" / "example-mine"
    example.mkdir()
    (example / "go.mod").write_text("module tokencachecompat/example-mine\n\ngo 1.22\n")
    (example / "main.go").write_text("package main\n\nfunc main() {}\n")
    go, _ = _fake_go(tmp_path, monkeypatch)
    names = [t.name for t in discover_go_testees(repo_root=root, go=go, extra_toolchains=())]
    assert names == ["go-sdk@v1.0.0", "example-mine"]
    assert opt_in(name="example-mine") and not opt_in(name="go-sdk@v1.0.0")


def test_an_example_testee_runs_only_when_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default selection leaves a worked example out; --only-impl brings it in."""
    root = _write_tree(tmp_path / "repo", versions=("v1.0.0",))
    example = root / "adapters" / "go" / "example-mine"
    example.mkdir()
    (example / "go.mod").write_text("module tokencachecompat/example-mine\n\ngo 1.22\n")
    go, _ = _fake_go(tmp_path, monkeypatch)
    monkeypatch.setenv("PATH", f"{Path(go).parent}{os.pathsep}{os.environ['PATH']}")
    default = select_impls(repo_root=root, cache_dir=root / ".cache" / "testees")
    names = [t.name for t in default.testees]
    assert "go-sdk@v1.0.0" in names and not any(n.startswith("example-") for n in names)
    named = select_impls(repo_root=root, only=("example-mine",),
                         cache_dir=root / ".cache" / "testees")
    assert [t.name for t in named.testees] == ["example-mine"]
    skipped = select_impls(repo_root=root, only=("example-mine",), skip=("example-mine",),
                           cache_dir=root / ".cache" / "testees")
    assert skipped.testees == ()


@pytest.mark.go
def test_the_go_mod_template_builds_a_testee_against_a_local_module(tmp_path: Path) -> None:
    """go.mod.tmpl and main.go.tmpl, filled in for a cache in an unpublished local module, build
    a testee that serves the protocol (the example's copied tokenstore stands in)."""
    go = _require_go()
    template = REPO_ROOT / "adapters" / "go" / "conformance" / "template"
    local = REPO_ROOT / "adapters" / "go" / "example-storecopy" / "tokenstore"
    testee = tmp_path / "mybuild"
    testee.mkdir()
    fills = {
        "{{TESTEE_MODULE}}": "example.com/acme/mybuild",
        "{{CACHE_MODULE}}": "example.com/acme/tokenstore",
        "{{CACHE_CHECKOUT}}": str(local),
        "{{KIT_CHECKOUT}}": str(REPO_ROOT / "adapters" / "go" / "conformance"),
        "{{CACHE_PACKAGE}}": "example.com/acme/tokenstore",
        "{{NOT_FOUND}}": "ErrNotFound",
        "{{OPEN_BODY}}": "var opts []cache.Option\n\tif path != \"\" {\n\t\topts = append(opts, "
        "cache.WithLocation(path))\n\t}\n\ts, err := cache.Open(opts...)\n\tif err != nil {\n\t\t"
        "return nil, err\n\t}\n\treturn conformance.FromStore(s), nil",
    }
    for name, target in (("go.mod.tmpl", "go.mod"), ("main.go.tmpl", "main.go")):
        text = (template / name).read_text()
        for marker, value in fills.items():
            text = text.replace(marker, value)
        assert "{{" not in text, f"{name} has a place the docs do not name"
        (testee / target).write_text(text)
    (testee / "go.sum").write_bytes(
        (REPO_ROOT / "adapters" / "go" / "sdk-v0.129.0" / "go.sum").read_bytes())
    env = build_env(repo_root=REPO_ROOT)
    env["GOFLAGS"] = "-mod=mod -modcacherw -buildvcs=false"
    for args in (["mod", "tidy"], ["build", "-o", str(tmp_path / "bin"), "."]):
        done = subprocess.run([go, *args], cwd=testee, env=env, capture_output=True, text=True,
                              timeout=600, check=False)
        assert done.returncode == 0, f"go {' '.join(args)}:\n{done.stdout}{done.stderr}"
    with subprocess.Popen([str(tmp_path / "bin")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True, env={**os.environ, "HOME": str(tmp_path)}) as proc:
        hello = _exchange(proc, {"id": 1, "op": "hello"})["result"]
        assert hello["name"] == "mybuild"
        assert hello["details"]["example.com/acme/tokenstore"].startswith("v0.0.0 => ")
        assert _exchange(proc, {"id": 2, "op": "shutdown"})["ok"]
        assert proc.wait(timeout=30) == 0


@pytest.mark.go
def test_the_worked_example_vets_clean() -> None:
    """`go vet` passes in the example testee and in its copied cache module."""
    go = _require_go()
    env = build_env(repo_root=REPO_ROOT)
    for folder in ("example-storecopy", "example-storecopy/tokenstore"):
        done = subprocess.run([go, "vet", "./..."], cwd=REPO_ROOT / "adapters" / "go" / folder,
                              env=env, capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, f"go vet in {folder}:\n{done.stdout}{done.stderr}"
