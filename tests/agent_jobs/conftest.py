"""Fixtures for the target side of async jobs (helpers live in ``jobtools``)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from jobtools import Harness

from longplay.agent import jobs


@pytest.fixture(scope="session", autouse=True)
def _launcher_ready() -> None:
    """Start this process's job launcher once, so launch timings measure
    launches, not the one-off module loading (see ``job_prepare``)."""
    assert jobs.LAUNCHER.prepare(wait=True)


@pytest.fixture
def async_dir(tmp_path: Path) -> Path:
    return tmp_path / "async"


@pytest.fixture
def harness(async_dir: Path) -> Harness:
    return Harness(async_dir)


@pytest.fixture(autouse=True)
def _no_stray_jobs(async_dir: Path) -> Any:
    """Kill whatever a failed test left running, so nothing outlives the suite."""
    yield
    if not async_dir.is_dir():
        return
    for path in async_dir.iterdir():
        if path.name.startswith("."):
            continue
        with contextlib.suppress(ValueError, OSError):
            record = json.loads(path.read_text())
            if not record.get("finished"):
                jobs.kill_group(record.get("pid"), signal.SIGKILL)
                with contextlib.suppress(OSError, TypeError):
                    os.kill(int(record.get("runner_pid")), signal.SIGKILL)
