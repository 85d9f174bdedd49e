"""Live progress of polled async jobs on a terminal.

While a polled task runs, a small board at the bottom of the terminal shows
one updating line per host (elapsed time, last line of output) and how many
of the task's hosts have finished. Normal output keeps scrolling above it;
the board disappears when the task is done.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from longplay.output.base import describe


class ProgressBoard:
    """One live board for the task currently being polled."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._live: Live | None = None
        self._task_id: int | None = None
        self._hosts: list[str] = []
        self._rows: dict[str, tuple[float, str]] = {}
        self._finished: set[str] = set()

    def start_task(self, task_id: int, hosts: list[str]) -> None:
        self.stop()
        self._task_id = task_id
        self._hosts = list(hosts)
        self._rows.clear()
        self._finished.clear()

    def update(self, task_id: int, host: str, event: dict[str, Any]) -> None:
        if task_id != self._task_id:
            self.start_task(task_id, [host])
        if host not in self._hosts:
            self._hosts.append(host)
        self._rows[host] = describe(event)
        if self._live is None:
            self._live = Live(
                self._render(), console=self.console, transient=True, auto_refresh=False
            )
            self._live.start()
        self._refresh()

    def finish(self, task_id: int, host: str) -> None:
        if task_id != self._task_id:
            return
        self._finished.add(host)
        if self._live is not None:
            if self._finished.issuperset(self._hosts):
                self.stop()
            else:
                self._refresh()

    def stop(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def _refresh(self) -> None:
        if self._live is not None:
            self._live.update(self._render(), refresh=True)

    def _render(self) -> Group:
        lines = []
        for host in self._hosts:
            if host in self._finished or host not in self._rows:
                continue
            elapsed, last = self._rows[host]
            text = Text(f"  {host}: running {int(elapsed)}s", style="blue")
            if last:
                text.append(f"  {last}", style="dim")
            lines.append(text)
        lines.append(
            Text(f"  {len(self._finished)} of {len(self._hosts)} finished", style="bold blue")
        )
        return Group(*lines)
