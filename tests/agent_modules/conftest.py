"""Fixtures for the file modules and setup.

Modules are called through ``execute_module`` exactly as the agent calls
them, against real files under ``tmp_path``; nothing is mocked.
"""

from __future__ import annotations

import pytest
from filetools import Run, call


@pytest.fixture
def run() -> Run:
    """``run("file", {"path": ..., "state": "touch"}, check=True, diff=True)``."""
    return call
