"""Strategies: when a host may start its next task.

Each host walks its own task tree in a coroutine (see ``host_runner``). A
strategy only decides when a host may start the task it has reached:

* ``linear`` keeps hosts in lockstep: a task starts once every active host
  has reached a task, and the hosts at the earliest task in the play go
  together. Hosts in a rescue section and hosts that moved on therefore wait
  for each other exactly as in Ansible, and each task's header is printed
  once.
* ``free`` lets every host run as fast as it can.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from longplay.playbook.model import Task


class Strategy:
    """Base: no waiting at all (the free strategy)."""

    def __init__(
        self,
        hosts: list[str],
        announce: Callable[[Task, list[str]], None],
        stopped: Callable[[], bool] = lambda: False,
        diverted: Callable[[str], bool] = lambda host: False,
    ) -> None:
        self.hosts = list(hosts)
        self._announce = announce
        self._stopped = stopped
        #: hosts that must not start the task they reached (failed with another host)
        self._diverted = diverted
        self._announced: set[int] = set()

    async def turn(self, host: str, task: Task) -> bool:
        """Wait until ``host`` may run ``task``; False when the play was stopped meanwhile
        (or the host must not run it)."""
        if self._stopped() or self._diverted(host):
            return False
        if id(task) not in self._announced:
            self._announced.add(id(task))
            self._announce(task, [host])
        return True

    async def settle(self, host: str) -> None:
        """Wait until the hosts that ran ``host``'s last task with it are done with it."""

    def leave(self, host: str) -> None:
        """``host`` has no more tasks in this section (done, failed or unreachable)."""

    def rejoin(self, host: str) -> None:
        """``host`` left as unreachable and is back (``meta: clear_host_errors``)."""


class Lockstep(Strategy):
    """The linear strategy."""

    def __init__(
        self,
        hosts: list[str],
        announce: Callable[[Task, list[str]], None],
        stopped: Callable[[], bool] = lambda: False,
        diverted: Callable[[str], bool] = lambda host: False,
    ) -> None:
        super().__init__(hosts, announce, stopped, diverted)
        self._order = {name: index for index, name in enumerate(hosts)}
        self._active = set(hosts)
        self._waiting: dict[str, tuple[Task, asyncio.Future[bool]]] = {}
        self._running: set[str] = set()
        self._group_first: str | None = None
        #: hosts back after clear_host_errors: they catch up once the others are done
        self._behind: set[str] = set()
        #: set when no host runs a task any more (see settle)
        self._idle: asyncio.Event | None = None

    async def turn(self, host: str, task: Task) -> bool:
        self._done_running(host)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting[host] = (task, future)
        self._release()
        proceed = await future
        if proceed and host != self._group_first:
            # Let the group's first host start first, whoever released the
            # group: run_once then runs on it, as in Ansible.
            await asyncio.sleep(0)
        return proceed

    async def settle(self, host: str) -> None:
        self._done_running(host)
        if self._running:
            if self._idle is None:
                self._idle = asyncio.Event()
            await self._idle.wait()

    def _done_running(self, host: str) -> None:
        self._running.discard(host)
        if not self._running and self._idle is not None:
            self._idle.set()
            self._idle = None

    def leave(self, host: str) -> None:
        self._done_running(host)
        self._active.discard(host)
        self._behind.discard(host)
        waiting = self._waiting.pop(host, None)
        if waiting is not None and not waiting[1].done():
            waiting[1].set_result(False)
        self._release()

    def rejoin(self, host: str) -> None:
        self._active.add(host)
        self._behind.add(host)

    def _release(self) -> bool:
        """Start the next group when every active host is waiting; True if one started."""
        if self._running or not self._waiting or set(self._waiting) != self._active:
            return False
        if self._stopped():
            for _, future in self._waiting.values():
                future.set_result(False)
            self._waiting.clear()
            return True
        diverted = [host for host in self._waiting if self._diverted(host)]
        if diverted:
            # they go to their rescue first; the group starts once they are back
            for host in diverted:
                self._waiting.pop(host)[1].set_result(False)
            return True
        # ansible-core's lockstep goes on from the task it is at; hosts left
        # behind (back after clear_host_errors) run once it has reached the end.
        candidates = [e for h, e in self._waiting.items() if h not in self._behind]
        if not candidates:
            self._behind.clear()
            candidates = list(self._waiting.values())
        # handlers a flush_handlers triggered run before the hosts with none go on
        first = min(candidates, key=lambda entry: (not entry[0].is_handler, entry[0].position))[0]
        group = sorted(
            (h for h, (t, _) in self._waiting.items() if t is first), key=self._order.__getitem__
        )
        self._announce(first, group)
        self._group_first = group[0]
        for host in group:
            _, future = self._waiting.pop(host)
            self._running.add(host)
            future.set_result(True)
        return True


def make_strategy(
    name: str,
    hosts: list[str],
    announce: Callable[[Task, list[str]], None],
    stopped: Callable[[], bool] = lambda: False,
    diverted: Callable[[str], bool] = lambda host: False,
) -> Strategy:
    if name == "free":
        return Strategy(hosts, announce, stopped, diverted)
    return Lockstep(hosts, announce, stopped, diverted)
