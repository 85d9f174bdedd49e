"""What the executor shares across one run: options, variables, connections, output, stats."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from longplay.executor.connection import ConnectionPool, HostConnection, connection_settings
from longplay.inventory import Host

if TYPE_CHECKING:
    from longplay.inventory import Inventory
    from longplay.output.base import Output
    from longplay.playbook.model import Node
    from longplay.variables import VariableManager


@dataclass
class RunOptions:
    """Command-line choices that change how tasks run."""

    check: bool = False
    diff: bool = False
    forks: int = 50
    verbosity: int = 0
    tags: list[str] = field(default_factory=list)
    skip_tags: list[str] = field(default_factory=list)
    limit: str | None = None
    start_at_task: str | None = None
    step: bool = False
    force_handlers: bool = False
    become: bool = False
    become_user: str | None = None
    become_method: str | None = None
    become_password: str | None = None
    connection_password: str | None = None


@dataclass
class HostStats:
    ok: int = 0
    changed: int = 0
    unreachable: int = 0
    failed: int = 0
    skipped: int = 0
    rescued: int = 0
    ignored: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class Stats:
    """The PLAY RECAP numbers, per host."""

    def __init__(self) -> None:
        self.hosts: dict[str, HostStats] = {}
        #: failed/unreachable counts when meta: clear_host_errors forgave the host
        self._forgiven: dict[str, tuple[int, int]] = {}
        #: max_fail_percentage stopped the run (ansible-core then exits 2, whatever else)
        self.max_fail_stop = False
        #: hosts failed along with another (any_errors_fatal), then rescued: not
        #: counted in the recap, but ansible-core keeps them failed
        self.failed_along: set[str] = set()
        #: a serial batch started while some were: ansible-core's result for it, and
        #: for every later one, is then "failed" (exit code 2)
        self._failed_along_counts = False
        #: hosts that ended failed with nothing counted (another host's run_once failure)
        self._failed_silently: set[str] = set()

    def of(self, host: str) -> HostStats:
        stats = self.hosts.get(host)
        if stats is None:
            stats = self.hosts[host] = HostStats()
        return stats

    def record(self, host: str, result: dict[str, Any], ignored: bool = False) -> None:
        stats = self.of(host)
        if result.get("unreachable") and not ignored:
            stats.unreachable += 1
        elif result.get("failed") and not ignored:
            stats.failed += 1
        elif result.get("skipped"):
            stats.skipped += 1
        else:
            stats.ok += 1
            # an ignored unreachable result counts as ok, never as changed (a loop's can say
            # changed for its items that ran), as ansible-core counts it
            if result.get("changed") and not (ignored and result.get("unreachable")):
                stats.changed += 1
            if ignored:
                stats.ignored += 1

    def rescued(self, host: str) -> None:
        stats = self.of(host)
        stats.rescued += 1
        stats.failed = max(0, stats.failed - 1)

    def forgive_failure(self, host: str) -> None:
        """One failure the recap shows but the exit code ignores: an include that
        could not load, then rescued (ansible-core counts it so)."""
        failed, unreachable = self._forgiven.get(host, (0, 0))
        self._forgiven[host] = (failed + 1, unreachable)

    def clear(self, host: str) -> None:
        """``meta: clear_host_errors``: the recap keeps the counts, the exit code forgets them."""
        stats = self.of(host)
        self._forgiven[host] = (stats.failed, stats.unreachable)
        self._failed_silently.discard(host)
        self.failed_along.discard(host)
        self._failed_along_counts = self._failed_along_counts and bool(self.failed_along)

    def batch_started(self) -> None:
        """A serial batch of a play starts (ansible-core's exit code is its last batch's
        result): hosts failed along with others before count as failed from now on."""
        self._failed_along_counts = bool(self.failed_along)

    def failed_silently(self, host: str) -> None:
        """A host that ends the play failed without a failure in the recap: the exit code
        still says so."""
        self._failed_silently.add(host)

    def exit_code(self) -> int:
        def since_cleared(host: str, stats: HostStats) -> tuple[int, int]:
            failed, unreachable = self._forgiven.get(host, (0, 0))
            return stats.failed - failed, stats.unreachable - unreachable

        # ansible-core asks about unreachable hosts first: 4 even if others failed
        counts = [since_cleared(host, stats) for host, stats in self.hosts.items()]
        if self.max_fail_stop:
            return 2
        if any(unreachable > 0 for _, unreachable in counts):
            return 4
        if (
            any(failed > 0 for failed, _ in counts)
            or self._failed_along_counts
            or self._failed_silently
        ):
            return 2
        return 0


@dataclass
class RunContext:
    """Everything a task needs that outlives the task."""

    options: RunOptions
    inventory: Inventory
    variables: VariableManager
    output: Output
    connections: ConnectionPool
    stats: Stats = field(default_factory=Stats)
    forks: asyncio.Semaphore | None = None
    #: called for -vvv protocol logs
    log: Callable[[str], None] | None = None
    #: hosts that failed or were unreachable: later plays leave them out
    dead_hosts: set[str] = field(default_factory=set)
    #: set when any_errors_fatal or max_fail_percentage stopped the run
    halted: bool = False
    #: --start-at-task found its task (everything runs from there on)
    start_reached: bool = False
    #: tasks pulled in by include_tasks/include_role, shared by the hosts that include them
    include_cache: dict[tuple[Any, ...], list[Node]] = field(default_factory=dict)

    def connection_for(
        self,
        name: str,
        variables: Mapping[str, Any] | None = None,
        keywords: Mapping[str, Any] | None = None,
    ) -> HostConnection:
        """The connection to ``name`` for a task with these variables and keywords.

        ``variables`` defaults to the host's own (play-level) variables, as
        for a host a task is delegated to.
        """
        if variables is None:
            host = self.inventory.get_host(name) or Host(name)
            variables = self.variables.for_host(host)
        settings = connection_settings(name, variables, keywords, self.options.connection_password)
        return self.connections.get(name, settings)

    def semaphore(self) -> asyncio.Semaphore:
        if self.forks is None:
            self.forks = asyncio.Semaphore(max(1, self.options.forks))
        return self.forks
