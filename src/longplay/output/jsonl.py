"""``--json``: one JSON object per event on stdout, for tools and tests."""

from __future__ import annotations

import json
import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

from longplay.executor import results as res
from longplay.output.base import Output, closed_reader_tolerated

if TYPE_CHECKING:
    from longplay.errors import Origin
    from longplay.executor.state import Stats
    from longplay.playbook.model import Play, Task


def task_fields(task: Task) -> dict[str, Any]:
    return {
        "task": task.display_name(),
        "action": task.action,
        "origin": str(task.origin) if task.origin else None,
        "handler": task.is_handler,
    }


def _error_fields(result: dict[str, Any]) -> dict[str, Any]:
    """A failure's causes (``[ERROR]`` in the human output), outermost first, with origins."""
    causes = result.get(res.ERROR)
    if not causes or res.status_of(result) not in (res.FAILED, res.UNREACHABLE):
        return {}
    return {
        "error": [
            {"message": c.message, "origin": str(c.origin) if c.origin else None} for c in causes
        ]
    }


class JsonOutput(Output):
    def __init__(self, stream: TextIO | None = None, verbosity: int = 0) -> None:
        self.stream = stream or sys.stdout
        self.verbosity = verbosity

    def _emit(self, event: str, **fields: Any) -> None:
        record = {"event": event, "time": round(time.time(), 3), **fields}
        with closed_reader_tolerated(self.stream):
            self.stream.write(json.dumps(record, default=str, ensure_ascii=False) + "\n")
            self.stream.flush()

    def playbook_start(self, path: str) -> None:
        self._emit("playbook_start", playbook=path)

    def play_start(self, play: Play, hosts: list[str]) -> None:
        self._emit("play_start", play=play.name, hosts=hosts)

    def no_hosts_matched(self, play: Play) -> None:
        self._emit("no_hosts_matched", play=play.name)

    def no_more_hosts(self) -> None:
        self._emit("no_more_hosts")

    def task_start(self, task: Task, hosts: list[str]) -> None:
        self._emit("task_start", hosts=hosts, **task_fields(task))

    def host_result(self, host: str, task: Task, result: dict[str, Any], ignored: bool) -> None:
        self._emit(
            "host_result",
            host=host,
            status=res.status_of(result),
            ignored=ignored,
            # as registered: a task's echoed arguments are for -vvv's eyes only
            result=res.public({k: v for k, v in result.items() if k != "invocation"}),
            **_error_fields(result),
            **task_fields(task),
        )

    def item_result(self, host: str, task: Task, result: dict[str, Any], label: Any) -> None:
        self._emit(
            "item_result",
            host=host,
            status=res.status_of(result),
            label=label,
            result=res.public(result),
            **_error_fields(result),
            **task_fields(task),
        )

    def retrying(self, host: str, task: Task, retries_left: int, result: dict[str, Any]) -> None:
        self._emit(
            "retry", host=host, retries_left=retries_left, result=result, **task_fields(task)
        )

    def async_progress(self, host: str, task: Task, event: dict[str, Any]) -> None:
        if task.get("no_log"):  # the job's output is the task's result: censored
            event = {
                k: v for k, v in event.items() if k not in ("stdout_tail", "stderr_tail", "msg")
            }
        self._emit("async_progress", host=host, progress=event, **task_fields(task))

    def debug(self, level: int, message: str) -> None:
        if self.verbosity >= level:
            self._emit("debug", level=level, message=message)

    def warning(self, message: str) -> None:
        self._emit("warning", message=message)

    def deprecation(self, message: str, origin: Origin | None = None) -> None:
        self._emit("deprecation", message=message, origin=str(origin) if origin else None)

    def display(self, message: str) -> None:
        self._emit("display", message=message)

    def error(self, message: str) -> None:
        self._emit("error", message=message)

    def recap(self, stats: Stats) -> None:
        self._emit(
            "recap",
            hosts={host: numbers.as_dict() for host, numbers in sorted(stats.hosts.items())},
        )
