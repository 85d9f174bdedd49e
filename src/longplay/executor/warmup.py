"""Open the first play's connections while the controller is still starting.

Before the first task of a short run, the controller spends its time on two
independent things: importing and validating (the playbook, Jinja2, the
executor), and, per host, an SSH handshake and an agent start that are
mostly the target's work. Done one after the other they add up; here they
overlap. A quick look at the playbook names the first play's hosts; their
connections open in the background on the event loop while the playbooks
are parsed in a worker thread.

Nothing runs on a host before the playbooks have parsed: a warm connection
carries only the agent, which waits for requests. A parse error drops them
all before the error is printed.

A guess is never used wrongly. The connection pool is keyed by the exact
connection settings, so a warm connection serves a task only when the
task's settings are the ones it was opened with; otherwise the task opens
its own, as without the warm-up, and the warm one is dropped at the end.
Hosts whose settings are not plain values (templates, prompts, vars files)
are left cold rather than guessed. A connect failure during the warm-up is
kept and reported by the host's first task, as if that task had met it.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from longplay.executor.connection import (
    CONNECTION_VARS,
    KEYWORD_VARS,
    ConnectionPool,
    connection_settings,
    connection_type,
)
from longplay.executor.state import RunOptions
from longplay.inventory import Host, Inventory, order_hosts

T = TypeVar("T")

#: Play keywords whose values decide connection settings in ways a quick look
#: cannot follow: with any of them, the play's hosts are left cold.
_UNPREDICTABLE = ("vars_prompt", "vars_files")

#: ``order`` values that name a fixed order (``shuffle`` does not)
_FIXED_ORDERS = ("inventory", "reverse_inventory", "sorted", "reverse_sorted")


@dataclass
class WarmPlan:
    """The connections to open ahead: hosts with their connection settings,
    and whether to start their agents too (not when the play runs its tasks
    as another user: their agent is a ``become`` one, started by the task)."""

    targets: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    agents: bool = True


def plan_first_play(
    playbook_path: str,
    inventory: Inventory,
    options: RunOptions,
    extra_vars: Mapping[str, Any],
) -> WarmPlan:
    """The hosts the first play's first tasks will reach, with their connection
    settings, in the order they will be reached (at most ``forks``, and the
    first serial batch). No hosts when that cannot be known without running."""
    from longplay.playbook.source import load_yaml

    try:
        data = load_yaml(playbook_path)
    except Exception:  # the parse that follows reports it
        return WarmPlan()
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        return WarmPlan()
    play: dict[str, Any] = data[0]
    keywords = {k: play[k] for k in KEYWORD_VARS if play.get(k) is not None}
    play_vars = play.get("vars") or {}
    if not isinstance(play_vars, dict) or not all(map(_plain, keywords.values())):
        return WarmPlan()
    return plan_hosts(
        _first_play_hosts(play, inventory, options),
        inventory,
        os.path.dirname(os.path.abspath(playbook_path)),
        options,
        extra_vars,
        play_vars=play_vars,
        keywords=keywords,
        become=play.get("become") not in (None, False),
    )


def _first_play_hosts(
    play: dict[str, Any], inventory: Inventory, options: RunOptions
) -> list[Host]:
    """The play's hosts in order, its first serial batch; none when unsure."""
    if "hosts" not in play or any(play.get(key) for key in _UNPREDICTABLE):
        return []
    pattern = play["hosts"]
    patterns = pattern if isinstance(pattern, list) else [pattern]
    if not all(isinstance(p, str) and _plain(p) for p in patterns):
        return []
    order = play.get("order") or "inventory"
    serial = play.get("serial")
    if order not in _FIXED_ORDERS or not (serial is None or type(serial) is int):
        return []
    try:
        hosts = order_hosts(inventory.match(pattern, limit=options.limit).hosts, order)
    except Exception:
        return []
    return hosts[:serial] if serial and serial > 0 else hosts


def plan_hosts(
    hosts: Sequence[Host],
    inventory: Inventory,
    basedir: str,
    options: RunOptions,
    extra_vars: Mapping[str, Any],
    *,
    play_vars: Mapping[str, Any] | None = None,
    keywords: Mapping[str, Any] | None = None,
    become: bool = False,
) -> WarmPlan:
    """The first ``forks`` of ``hosts`` with the connection settings a task of a
    play with these ``play_vars`` and connection ``keywords`` would use there
    (``basedir``: the playbook's, for its group_vars and host_vars)."""
    targets = []
    for host in hosts[: max(1, options.forks)]:
        try:
            variables = {
                **inventory.group_vars_for(host, basedir),
                **inventory.host_vars_for(host, basedir),
                **(play_vars or {}),
                **extra_vars,
            }
        except Exception:  # a group_vars file that does not parse: reported later
            continue
        settings = connection_settings(host.name, variables, keywords, options.connection_password)
        if all(_plain(settings.get(name)) for name in CONNECTION_VARS):
            targets.append((host.name, settings))
    return WarmPlan(targets, agents=not (become or options.become))


def _plain(value: object) -> bool:
    """No template in ``value``: it means the same before and after rendering."""
    return not (isinstance(value, str) and ("{{" in value or "{%" in value))


class WarmUp:
    """Connections opening in the background while blocking work runs beside them."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool
        self._tasks: list[asyncio.Task[bool]] = []

    def start(self, plan: WarmPlan) -> None:
        """Begin opening the plan's connections."""
        if any(connection_type(name, settings) != "local" for name, settings in plan.targets):
            # Imported now, before a worker thread competes for the interpreter.
            import longplay.transport.ssh  # noqa: F401
        for name, settings in plan.targets:
            connection = self.pool.get(name, settings)
            self._tasks.append(asyncio.ensure_future(connection.warm_up(agent=plan.agents)))

    async def beside(self, work: Callable[[], T]) -> T:
        """``work()``, in a worker thread while connections open (else directly).

        The interpreter is handed between the thread and the event loop every
        millisecond instead of every five, so that a handshake's next step is
        not kept waiting behind the thread's imports.
        """
        if not self._tasks:
            return work()
        await asyncio.sleep(0)  # let every connection send its first bytes
        interval = sys.getswitchinterval()
        sys.setswitchinterval(0.001)
        try:
            return await asyncio.to_thread(work)
        finally:
            sys.setswitchinterval(interval)
