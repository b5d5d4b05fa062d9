"""python -m reference_impl as a standalone oracle reads its own process's HOME, as Go does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reference_impl import Session

REPO = Path(__file__).resolve().parents[2]


def _serve(requests: list[dict[str, object]], *, env: dict[str, str]) -> list[dict[str, object]]:
    proc = subprocess.run(
        [sys.executable, "-m", "reference_impl"],
        input="".join(json.dumps(r) + "\n" for r in requests), capture_output=True, text=True,
        env=env, timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "HOME"}
    return {**env, "PYTHONPATH": str(REPO), **extra}


def test_open_without_env_uses_the_process_home(tmp_path: Path) -> None:
    """An open of the default location with no env creates the cache under the process's HOME."""
    home = tmp_path / "home"
    home.mkdir()
    out = _serve(
        [{"id": 1, "op": "open", "path": None},
         {"id": 2, "op": "store", "key": "k", "token": {"access_token": "a"}},
         {"id": 3, "op": "lookup", "key": "k"},
         {"id": 4, "op": "shutdown"}],
        env=_env(HOME=str(home)),
    )
    assert [r["ok"] for r in out] == [True, True, True, True], out
    cache = home / ".databricks" / "token-cache.json"
    assert json.loads(cache.read_text())["tokens"]["k"]["access_token"] == "a"
    assert oct(cache.stat().st_mode & 0o777) == "0o600"


def test_env_in_a_request_still_overrides_the_process_home(tmp_path: Path) -> None:
    """A request's env wins over the inherited HOME, and unsetting it gives Go's error."""
    inherited, chosen = tmp_path / "inherited", tmp_path / "chosen"
    inherited.mkdir()
    chosen.mkdir()
    out = _serve(
        [{"id": 1, "op": "open", "path": None, "env": {"HOME": str(chosen)}},
         {"id": 2, "op": "open", "path": None, "env": {"HOME": None}}],
        env=_env(HOME=str(inherited)),
    )
    assert out[0]["ok"] and (chosen / ".databricks" / "token-cache.json").is_file()
    assert out[1]["error"] == {
        "kind": "error", "message": "failed loading home directory: $HOME is not defined"
    }
    assert list(inherited.iterdir()) == []


def test_process_without_home_answers_go_s_error(tmp_path: Path) -> None:
    """With no HOME in the process either, the default location is Go's HOME error."""
    out = _serve([{"id": 1, "op": "open", "path": None}], env=_env())
    assert out[0]["error"]["message"] == "failed loading home directory: $HOME is not defined"


def test_in_process_session_still_ignores_the_harness_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Session() in the harness's own process starts with an empty env, whatever HOME is."""
    canary = tmp_path / "canary"
    canary.mkdir()
    monkeypatch.setenv("HOME", str(canary))
    answer = Session().handle({"id": 1, "op": "open", "path": None})
    assert answer["error"]["message"] == "failed loading home directory: $HOME is not defined"
    assert list(canary.iterdir()) == []
