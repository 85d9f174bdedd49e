"""Shared fixtures: run the real ``longplay`` CLI on real files.

End-to-end tests go through :func:`longplay` (a subprocess running the
installed CLI), never through mocks. Area-specific fixtures live in their own
``conftest.py`` (for example the loopback sshd in ``tests/ssh``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Run:
    """The outcome of one CLI run."""

    rc: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def events(self) -> list[dict[str, Any]]:
        """The ``--json`` event stream."""
        return [json.loads(line) for line in self.stdout.splitlines() if line.startswith("{")]

    def results(self, task: str | None = None) -> list[dict[str, Any]]:
        """Host results from ``--json`` output, optionally for one task name."""
        found = [e for e in self.events() if e.get("event") == "host_result"]
        if task is not None:
            found = [e for e in found if e.get("task") == task]
        return found

    def recap(self) -> dict[str, dict[str, int]]:
        for event in self.events():
            if event.get("event") == "recap":
                return event["hosts"]  # type: ignore[no-any-return]
        raise AssertionError(f"no recap in output:\n{self.output}")


def run_cli(
    *args: str,
    cwd: Path | str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> Run:
    full_env = dict(os.environ)
    # Nothing of the caller's build tool leaks in (a `make` run inside a
    # playbook would print "make[1]: Entering directory ...").
    for name in ("ANSIBLE_ASYNC_DIR", "MAKEFLAGS", "MAKELEVEL", "MFLAGS"):
        full_env.pop(name, None)
    full_env["NO_COLOR"] = "1"
    # ansible's warnings about running without an inventory: off unless a test wants them
    full_env["ANSIBLE_LOCALHOST_WARNING"] = "false"
    full_env["ANSIBLE_INVENTORY_UNPARSED_WARNING"] = "false"
    full_env.update(env or {})
    process = subprocess.run(
        [sys.executable, "-m", "longplay", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return Run(process.returncode, process.stdout, process.stderr)


@pytest.fixture
def longplay() -> Callable[..., Run]:
    """Run the longplay CLI: ``longplay("run", "site.yml", cwd=tmp_path)``."""
    return run_cli


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a dedented file under the test's tmp dir and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    return _write


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep job files and the agent cache of each test out of the real home."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
