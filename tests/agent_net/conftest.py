"""Fixtures for the network and archive modules (see ``nettools``).

Modules are called through ``execute_module`` exactly as the agent calls
them, against real files and a real HTTP server on loopback.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from nettools import LoopbackServer, Run

from longplay.agent.context import ModuleContext
from longplay.agent.execute import execute_module


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LoopbackServer]:
    root = tmp_path / "www"
    root.mkdir()
    httpd = LoopbackServer(root)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def run() -> Run:
    """Call a module the way the agent does: ``run("uri", {...}, check=True)``."""

    def _run(name: str, args: dict[str, Any], check: bool = False) -> dict[str, Any]:
        result = execute_module(name, args, ModuleContext(check_mode=check))
        assert "exception" not in result, result.get("exception")
        return result

    return _run
