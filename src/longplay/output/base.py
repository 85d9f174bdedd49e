"""The events the executor reports, and the interface every output implements.

The executor calls these methods and nothing else to show what happens; the
human-readable output (``human``) and the ``--json`` event stream (``jsonl``)
are two implementations.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from longplay.errors import Origin
    from longplay.executor.state import Stats
    from longplay.playbook.model import Play, Task


class Output:
    """No-op base: subclasses override what they show."""

    def playbook_start(self, path: str) -> None: ...

    def play_start(self, play: Play, hosts: list[str]) -> None: ...

    def no_hosts_matched(self, play: Play) -> None: ...

    def no_more_hosts(self) -> None:
        """The run stopped early (any_errors_fatal, max_fail_percentage)."""

    def task_start(self, task: Task, hosts: list[str]) -> None: ...

    def host_result(self, host: str, task: Task, result: dict[str, Any], ignored: bool) -> None:
        """The final result of ``task`` on ``host`` (for a loop: the aggregate)."""

    def item_result(self, host: str, task: Task, result: dict[str, Any], label: Any) -> None:
        """One loop item's result, as it completes."""

    def retrying(
        self, host: str, task: Task, retries_left: int, result: dict[str, Any]
    ) -> None: ...

    def async_progress(self, host: str, task: Task, event: dict[str, Any]) -> None:
        """A polled async job is still running (elapsed, last output line)."""

    def warning(self, message: str) -> None: ...

    def deprecation(self, message: str, origin: Origin | None = None) -> None:
        """Something ansible-core deprecates was written at ``origin`` (it still works)."""

    def display(self, message: str) -> None:
        """A line an action prints as it runs (pause's "Pausing for 5 seconds")."""

    def error(self, message: str) -> None: ...

    def debug(self, level: int, message: str) -> None:
        """Protocol-level detail shown at ``-vvv`` and above."""

    def host_note(self, host: str, message: str) -> None:
        """A ``-vv`` line about a host's current task (what ``meta: flush_handlers``
        triggers), shown after that host's announcement of the task."""
        self.debug(2, message)

    def connection_log(self, message: str) -> None:
        """What a host's connection says and is asked (shown at ``-vvv``)."""
        self.debug(3, message)

    def recap(self, stats: Stats) -> None: ...

    def close(self) -> None: ...


def describe(event: dict[str, Any]) -> tuple[float, str]:
    """(elapsed seconds, last output line or message) from a progress event."""
    elapsed = float(event.get("elapsed") or 0)
    tail = event.get("stdout_tail") or event.get("stderr_tail") or []
    last = str(tail[-1]) if tail else str(event.get("msg") or "")
    return elapsed, last


@contextlib.contextmanager
def closed_reader_tolerated(stream: TextIO) -> Iterator[None]:
    """Write to ``stream`` knowing its reader may go away (``longplay run ... | head``).

    The run goes on, as ansible-playbook's does: what is left to print goes to
    /dev/null, stderr says why once, and the exit code still tells how the hosts
    did. A closed pipe must not turn into a crash that stops the other hosts.
    """
    try:
        yield
    except BrokenPipeError as exc:
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)
        if stream is not sys.stderr:
            with contextlib.suppress(OSError, ValueError):
                print(f"[WARNING]: Output stopped, its reader is gone: {exc}", file=sys.stderr)
