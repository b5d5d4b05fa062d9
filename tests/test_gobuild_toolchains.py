"""The toolchain axis of harness.gobuild: every testee also built with an extra Go release."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from harness.gobuild import (
    EXTRA_TOOLCHAINS,
    GoTestee,
    GoUnavailable,
    build_env,
    column_names,
    discover_go_testees,
    go_testee_name,
)
from harness.toolchains import toolchain_version

REPO_ROOT = Path(__file__).resolve().parents[1]

# Stands in for the go command. `version` answers for the toolchain GOTOOLCHAIN asks for
# (FAKE_GO_IGNORES_TOOLCHAIN: like a Go older than 1.21, always its own; FAKE_GO_NO_FETCH:
# the extra toolchain cannot be downloaded); `build` records what it was run with.
FAKE_GO = """#!/bin/sh
if [ "$1" = version ]; then
  if [ "$GOTOOLCHAIN" = local ] || [ -n "$FAKE_GO_IGNORES_TOOLCHAIN" ]; then
    echo "go version go1.26.8 linux/amd64"; exit 0
  fi
  if [ -n "$FAKE_GO_NO_FETCH" ]; then
    echo "go: downloading $GOTOOLCHAIN (linux/amd64)" >&2
    echo "go: download $GOTOOLCHAIN for linux/amd64: toolchain not available" >&2
    exit 1
  fi
  echo "go version $GOTOOLCHAIN linux/amd64"; exit 0
fi
echo "$GOTOOLCHAIN $GOMODCACHE $GOPATH $PWD" >> "$FAKE_GO_LOG"
printf '#!/bin/sh\\necho built\\n' > "$4"
chmod +x "$4"
"""


def _tree(root: Path) -> Path:
    """A repo with a kit and one testee; returns the root."""
    kit = root / "adapters" / "go" / "conformance"
    kit.mkdir(parents=True)
    (kit / "go.mod").write_text("module tokencachecompat/conformance\n\ngo 1.22\n")
    testee = root / "adapters" / "go" / "sdk-v9.9.9"
    testee.mkdir()
    (testee / "go.mod").write_text("module tokencachecompat/sdk-v9.9.9\n\ngo 1.22\n")
    (testee / "main.go").write_text("package main\n\nfunc main() {}\n")
    return root


@pytest.fixture
def fake_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    """The fake go script and the log of its builds."""
    script = tmp_path / "bin" / "go"
    script.parent.mkdir()
    script.write_text(FAKE_GO)
    script.chmod(0o755)
    log = tmp_path / "builds.log"
    monkeypatch.setenv("FAKE_GO_LOG", str(log))
    return str(script), log


def test_extra_toolchains_are_go_release_names() -> None:
    """Each extra toolchain is a name GOTOOLCHAIN accepts, go1.27.3 among them."""
    assert "go1.27.3" in EXTRA_TOOLCHAINS
    assert all(toolchain_version(name=t) is not None for t in EXTRA_TOOLCHAINS)


def test_column_names_keep_the_default_and_add_the_toolchain() -> None:
    """The machine's Go keeps the plain name; an extra toolchain is appended after a plus."""
    source = Path("adapters/go/sdk-v0.129.0")
    assert go_testee_name(source=source) == "go-sdk@v0.129.0"
    assert go_testee_name(source=source, toolchain="go1.27.3") == "go-sdk@v0.129.0+go1.27.3"


def test_each_testee_is_built_again_with_gotoolchain_set_explicitly(
    tmp_path: Path, fake_go: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two columns, two binaries; the extra build runs with GOTOOLCHAIN=go1.27.3 and the
    module cache (where the toolchain is fetched) under .cache even if the caller's
    environment points elsewhere."""
    go, log = fake_go
    root = _tree(tmp_path / "repo")
    monkeypatch.setenv("GOMODCACHE", str(tmp_path / "callers-home" / "go" / "pkg" / "mod"))
    monkeypatch.setenv("GOPATH", str(tmp_path / "callers-home" / "go"))
    found = discover_go_testees(repo_root=root, go=go, extra_toolchains=("go1.27.3",))
    assert [r.name for r in found] == ["go-sdk@v9.9.9", "go-sdk@v9.9.9+go1.27.3"]
    base, extra = found
    assert isinstance(base, GoTestee) and isinstance(extra, GoTestee)
    assert (base.toolchain, extra.toolchain) == ("", "go1.27.3")
    assert base.command != extra.command
    assert "+go1.27.3-" in Path(extra.command[0]).parent.name
    builds = sorted(line.split() for line in log.read_text().splitlines())
    cache = root.resolve() / ".cache" / "go"
    assert [b[0] for b in builds] == ["go1.27.3", "local"]
    assert all(b[1] == str(cache / "mod") and b[2] == str(cache / "path") for b in builds)
    assert not (tmp_path / "callers-home").exists()
    # Unchanged sources: both binaries are reused, nothing is built again.
    assert discover_go_testees(repo_root=root, go=go, extra_toolchains=("go1.27.3",)) == found
    assert len(log.read_text().splitlines()) == 2


def test_a_toolchain_that_cannot_be_fetched_is_unavailable_with_gos_own_words(
    tmp_path: Path, fake_go: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the proxy cannot serve go1.27.3, its column says exactly what go said; the
    machine's own build is unaffected."""
    go, _ = fake_go
    monkeypatch.setenv("FAKE_GO_NO_FETCH", "1")
    root = _tree(tmp_path / "repo")
    base, extra = discover_go_testees(repo_root=root, go=go, extra_toolchains=("go1.27.3",))
    assert isinstance(base, GoTestee)
    assert isinstance(extra, GoUnavailable) and extra.name == "go-sdk@v9.9.9+go1.27.3"
    assert extra.reason.startswith(f"GOTOOLCHAIN=go1.27.3 {go} version exited 1:")
    assert "download go1.27.3 for linux/amd64: toolchain not available" in extra.reason


def test_a_go_that_ignores_gotoolchain_is_not_passed_off_as_the_newer_one(
    tmp_path: Path, fake_go: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Go that builds with itself whatever GOTOOLCHAIN says makes the column unavailable."""
    go, log = fake_go
    monkeypatch.setenv("FAKE_GO_IGNORES_TOOLCHAIN", "1")
    root = _tree(tmp_path / "repo")
    base, extra = discover_go_testees(repo_root=root, go=go, extra_toolchains=("go1.27.3",))
    assert isinstance(base, GoTestee) and isinstance(extra, GoUnavailable)
    assert "reports 'go version go1.26.8 linux/amd64', not go1.27.3" in extra.reason
    assert len(log.read_text().splitlines()) == 1


def test_only_the_selected_toolchain_column_is_built(
    tmp_path: Path, fake_go: tuple[str, Path]
) -> None:
    """An include filter naming the go1.27.3 column builds only that binary."""
    go, log = fake_go
    root = _tree(tmp_path / "repo")
    [only] = discover_go_testees(
        repo_root=root, go=go, extra_toolchains=("go1.27.3",),
        include=lambda name: name.endswith("+go1.27.3"),
    )
    assert only.name == "go-sdk@v9.9.9+go1.27.3"
    assert [line.split()[0] for line in log.read_text().splitlines()] == ["go1.27.3"]


def test_column_names_list_newest_release_first_each_with_its_toolchains(tmp_path: Path) -> None:
    """column_names pairs each release with its extra builds, without building anything."""
    root = _tree(tmp_path / "repo")
    older = root / "adapters" / "go" / "sdk-v1.0.0"
    older.mkdir()
    (older / "go.mod").write_text("module tokencachecompat/sdk-v1.0.0\n")
    assert column_names(repo_root=root, extra_toolchains=("go1.27.3",)) == [
        "go-sdk@v9.9.9", "go-sdk@v9.9.9+go1.27.3", "go-sdk@v1.0.0", "go-sdk@v1.0.0+go1.27.3"
    ]


def test_build_env_sets_gotoolchain_every_time() -> None:
    """The machine's Go is pinned with GOTOOLCHAIN=local, an extra one by its name."""
    base = {"GOTOOLCHAIN": "auto", "GOMODCACHE": "/somewhere/else", "HOME": "/root"}
    assert build_env(repo_root=REPO_ROOT, base=base)["GOTOOLCHAIN"] == "local"
    env = build_env(repo_root=REPO_ROOT, base=base, toolchain="go1.27.3")
    assert env["GOTOOLCHAIN"] == "go1.27.3"
    assert env["GOMODCACHE"] == str(REPO_ROOT / ".cache" / "go" / "mod")
    assert env["HOME"] == str(REPO_ROOT / ".cache" / "go" / "home")


def _hello(command: tuple[str, ...], home: Path) -> dict[str, object]:
    done = subprocess.run(
        list(command), input=json.dumps({"id": 1, "op": "hello"}) + "\n", capture_output=True,
        text=True, env={**os.environ, "HOME": str(home)}, timeout=60, check=False,
    )
    result: dict[str, object] = json.loads(done.stdout.splitlines()[0])["result"]
    return result


@pytest.mark.go
def test_real_go1_27_3_build_announces_its_toolchain(tmp_path: Path) -> None:
    """The v0.129.0 testee built through GOTOOLCHAIN=go1.27.3 says so in hello."""
    if shutil.which("go") is None:
        if os.environ.get("TOKENCACHE_COMPAT_REQUIRE_GO", "") not in ("", "0", "false"):
            pytest.fail("go is not on PATH but TOKENCACHE_COMPAT_REQUIRE_GO is set")
        pytest.skip("go toolchain not found on PATH")
    found = {
        r.name: r for r in discover_go_testees(
            repo_root=REPO_ROOT, include=lambda n: n.startswith("go-sdk@v0.129.0")
        )
    }
    extra = found["go-sdk@v0.129.0+go1.27.3"]
    assert isinstance(extra, GoTestee), extra
    hello = _hello(extra.command, tmp_path)
    assert hello["toolchain"] == "go1.27.3" and hello["runtime"] == "go1.27.3"
    base = found["go-sdk@v0.129.0"]
    assert isinstance(base, GoTestee), base
    assert str(_hello(base.command, tmp_path)["toolchain"]).startswith("go1.")
