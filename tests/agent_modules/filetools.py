"""Helpers for the file-module tests: call a module as the agent does, check failures."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from longplay.agent.context import ModuleContext
from longplay.agent.execute import execute_module

Run = Callable[..., dict[str, Any]]


def call(
    name: str, args: dict[str, Any], check: bool = False, diff: bool = False
) -> dict[str, Any]:
    """Run one module; a traceback in the result is always a bug, so it fails the test.

    ``invocation`` (the arguments echoed back, as Ansible does) is left out,
    so tests compare what the module itself reports.
    """
    result = execute_module(name, args, ModuleContext(check_mode=check, diff=diff))
    assert "exception" not in result, result.get("exception")
    result.pop("invocation", None)
    return result


def failed_cleanly(result: dict[str, Any], *fragments: str) -> None:
    """Assert a failure whose message names what was wrong (and carries no traceback)."""
    assert result.get("failed") is True, result
    assert result.get("changed") is False, result
    for fragment in fragments:
        assert fragment in result["msg"], result["msg"]


def mode_of(path: Path | str) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def snapshot(root: Path) -> dict[str, tuple[int, int, bytes | str | None]]:
    """Everything under ``root`` (type+mode, mtime, content or link target) to prove nothing moved."""
    found: dict[str, tuple[int, int, bytes | str | None]] = {}
    for path in sorted(root.rglob("*")):
        info = os.lstat(path)
        if path.is_symlink():
            content: bytes | str | None = os.readlink(path)
        elif path.is_file():
            content = path.read_bytes()
        else:
            content = None
        found[str(path)] = (info.st_mode, info.st_mtime_ns, content)
    return found
