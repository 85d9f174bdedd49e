"""Helpers for the async job tests: real runners, real job files, no mocks.

Two ways in, both real: :class:`Harness` calls ``longplay.agent.jobs``
directly (the runner is still a detached process), and :func:`agent` starts
a real agent through the local transport, as the controller does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from longplay.agent import jobs
from longplay.transport.client import AgentClient
from longplay.transport.local import LocalTransport

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run one async scenario (the suite has no asyncio plugin)."""
    return asyncio.run(coro)


@contextlib.asynccontextmanager
async def agent(python: str = sys.executable) -> AsyncIterator[AgentClient]:
    """A real agent on this host, started the way the controller starts one."""
    client = await AgentClient.start(LocalTransport(), python)
    try:
        yield client
    finally:
        await client.close()


def wait_until(predicate: Callable[[], T], timeout: float = 10.0, step: float = 0.02) -> T:
    """Poll ``predicate`` until it returns something truthy; fail at ``timeout``."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= end:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(step)


class Harness:
    """Launch and inspect jobs in one async directory through ``jobs`` itself."""

    def __init__(self, directory: Path) -> None:
        self.dir = str(directory)

    def start(self, command: str, seconds: int = 30, grace: float = 5.0, **fields: Any) -> str:
        result = jobs.start_job(
            "shell",
            {"_raw_params": command},
            async_seconds=seconds,
            async_dir=self.dir,
            grace=grace,
            **fields,
        )
        assert result.get("failed") is False, result
        return str(result["ansible_job_id"])

    def record(self, jid: str) -> dict[str, Any]:
        """The job file as a person would ``cat`` it."""
        return json.loads(Path(self.dir, jid).read_text())  # type: ignore[no-any-return]

    def status(self, jid: str, tail_lines: int = 20) -> dict[str, Any]:
        return jobs.status(self.dir, jid, tail_lines)

    def pids(self, jid: str) -> tuple[int, int]:
        """(runner pid, worker pid) once the runner has forked the worker."""
        record = wait_until(lambda: (r := self.record(jid)).get("pid") and r)
        return int(record["runner_pid"]), int(record["pid"])

    def finished(self, jid: str, timeout: float = 10.0) -> dict[str, Any]:
        return wait_until(lambda: (s := self.status(jid)).get("finished") and s, timeout)
