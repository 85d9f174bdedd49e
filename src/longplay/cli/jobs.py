"""``longplay jobs``: every async job on the matching hosts, in one table.

Runs the ``async_list`` module on each host, as ``longplay adhoc PATTERN -m
async_list`` would (same inventory, connection options, ``ansible_async_dir``
per host, unreachable hosts reported and exit code 4), and prints one row
per job instead of one JSON document per host. The job files are read by
``longplay.agent.jobs``, the module that writes them, so the table shows what
``async_status`` would report. ``--json`` gives the event stream with the
full summaries.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from longplay.cli.adhoc import AdhocOutput
from longplay.executor import results as res

if TYPE_CHECKING:
    from longplay.executor.state import Stats
    from longplay.output.base import Output
    from longplay.playbook.model import Task

COLUMNS = ("HOST", "JOB", "STATE", "STARTED", "TIME", "RC", "COMMAND", "LAST OUTPUT / MESSAGE")
#: widest a command is shown; the whole of it is in ``--json``
COMMAND_WIDTH = 40


class JobsOutput(AdhocOutput):
    """Collects each host's job list and prints the table after the last host.

    A host that could not be listed (unreachable, or the module failed) is
    reported at once, as ``longplay adhoc`` reports it.
    """

    def __init__(
        self, verbosity: int = 0, force_color: bool | None = None, running_only: bool = False
    ) -> None:
        super().__init__(verbosity=verbosity, force_color=force_color)
        self.running_only = running_only
        self._listed: dict[str, dict[str, Any]] = {}
        self._order: list[str] = []  # the inventory's, whatever order hosts answer in

    def task_start(self, task: Task, hosts: list[str]) -> None:
        self._order = list(hosts)

    def host_result(self, host: str, task: Task, result: dict[str, Any], ignored: bool) -> None:
        if res.status_of(result) in (res.OK, res.CHANGED):
            self._listed[host] = result
        else:
            super().host_result(host, task, result, ignored)

    def recap(self, stats: Stats) -> None:
        rows: list[tuple[str, ...]] = [COLUMNS]
        for host in sorted(self._listed, key=self._position):
            listing = self._listed[host]
            jobs = listing.get("jobs") or []
            if self.running_only:
                jobs = [job for job in jobs if not job.get("finished")]
            if not jobs:
                none = "no running jobs" if self.running_only else "no jobs"
                rows.append((host, "-", none, "", "", "", "", f"in {listing.get('async_dir')}"))
            rows.extend(job_row(host, job) for job in jobs)
        if len(rows) > 1:
            self._line(format_table(rows))

    def _position(self, host: str) -> int:
        return self._order.index(host) if host in self._order else len(self._order)


def job_row(host: str, job: dict[str, Any]) -> tuple[str, ...]:
    """One table row: what a person scanning many jobs needs to see first."""
    if not job.get("finished"):
        state, detail = "running", str(job.get("last_output") or "")
    else:
        state, detail = ("failed" if job.get("failed") else "finished"), str(job.get("msg") or "")
    elapsed = job.get("elapsed")
    if isinstance(elapsed, (int, float)):  # running: as the finished jobs' delta shows it
        duration = str(datetime.timedelta(seconds=int(elapsed)))
    else:
        duration = _short_delta(job)
    rc = job.get("rc")
    return (
        host,
        str(job.get("ansible_job_id")),
        state,
        str(job.get("start") or "")[:19],
        duration,
        "" if rc is None else str(rc),
        _command(job.get("cmd")),
        detail,
    )


def _short_delta(job: dict[str, Any]) -> str:
    """``0:01:05.250000`` as ``0:01:05``."""
    return str(job.get("delta") or "").split(".")[0]


def _command(cmd: Any) -> str:
    text = " ".join(str(part) for part in cmd) if isinstance(cmd, list) else str(cmd or "")
    text = " ".join(text.split())
    return text if len(text) <= COMMAND_WIDTH else text[: COMMAND_WIDTH - 3] + "..."


def format_table(rows: list[tuple[str, ...]]) -> str:
    """Left-aligned columns, two spaces apart; the last column is never padded."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        cells.append(row[-1])
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def run_jobs(pattern: str, options: dict[str, Any]) -> int:
    """``longplay jobs PATTERN``: the ``async_list`` module, shown as a table."""
    from longplay.cli.commands import forced_color, make_output, run_adhoc

    options = dict(options, module="async_list", module_args="", background=0, poll=0)

    def output() -> Output:
        if options.get("json_output"):
            return make_output(options, adhoc=True)
        return JobsOutput(
            verbosity=options.get("verbosity", 0),
            force_color=forced_color(),
            running_only=bool(options.get("running")),
        )

    return run_adhoc(pattern, options, output_factory=output)
