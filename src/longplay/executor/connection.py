"""One connection and one long-lived agent per host, shared by every task.

The executor never talks to a transport directly: it asks the
:class:`ConnectionPool` for a host's :class:`HostConnection`, which opens the
transport once, starts the agent on first use (and a second agent for a
``become`` user on the same connection), and sends module requests to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import json
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

from longplay.config import TRUE_WORDS, setting_enabled
from longplay.transport.base import ConnectionLost, RawResult, Transport, Unreachable
from longplay.transport.become import BecomeSpec, BecomeTransport
from longplay.transport.client import AgentClient, AgentLost, EventHandler
from longplay.transport.discovery import AUTO_PYTHON, AUTO_VALUES, discover_python
from longplay.transport.local import LocalTransport

#: The variables that shape a host's connection and its agent: two tasks whose
#: values agree share one connection.
CONNECTION_VARS = (
    "ansible_connection",
    "ansible_host",
    "ansible_ssh_host",
    "ansible_port",
    "ansible_ssh_port",
    "ansible_user",
    "ansible_ssh_user",
    "ansible_remote_user",
    "ansible_password",
    "ansible_ssh_pass",
    "ansible_ssh_password",
    "ansible_ssh_private_key_file",
    "ansible_private_key_file",
    "ansible_ssh_args",
    "ansible_ssh_common_args",
    "ansible_ssh_extra_args",
    "ansible_host_key_checking",
    "ansible_ssh_host_key_checking",
    "ansible_timeout",
    "ansible_ssh_timeout",
    "ansible_python_interpreter",
    "ansible_pipelining",
    "ansible_ssh_pipelining",
)

#: Play/block/task keywords that stand in for a connection variable; as in
#: ansible-core, the variable wins when both are set.
KEYWORD_VARS = {
    "connection": "ansible_connection",
    "remote_user": "ansible_user",
    "port": "ansible_port",
}


def connection_settings(
    host_name: str,
    variables: Mapping[str, Any],
    keywords: Mapping[str, Any] | None = None,
    password: str | None = None,
) -> dict[str, Any]:
    """The connection variables in effect for one host and task.

    ``variables`` is the task's (templating) view of the host's variables,
    ``keywords`` the task's inherited ``connection``/``remote_user``/``port``
    and ``password`` the one given with ``--ask-pass``.
    """
    settings: dict[str, Any] = {}
    for name in CONNECTION_VARS:
        if name in variables:
            value = variables[name]
            if value is not None and value != "":
                settings[name] = value
    for keyword, name in KEYWORD_VARS.items():
        value = (keywords or {}).get(keyword)
        if value not in (None, "") and name not in settings:
            settings[name] = value
    if password is not None and not any(
        name in settings
        for name in ("ansible_password", "ansible_ssh_pass", "ansible_ssh_password")
    ):
        settings["ansible_password"] = password
    settings.setdefault("ansible_host", host_name)
    return settings


def connection_type(host_name: str, variables: Mapping[str, Any]) -> str:
    """``ansible_connection``, else -c (or ansible.cfg's transport), else ssh (the implicit
    localhost sets local)."""
    return str(variables.get("ansible_connection") or os.environ.get("ANSIBLE_TRANSPORT") or "ssh")


def make_transport(host_name: str, variables: Mapping[str, Any]) -> Transport:
    kind = connection_type(host_name, variables)
    if kind == "local":
        return LocalTransport()
    if kind in ("ssh", "paramiko", "smart"):
        from longplay.transport.ssh import SSHTransport

        return SSHTransport.from_host_vars(host_name, dict(variables))
    raise Unreachable(
        f"connection type '{kind}' is not supported by longplay (use 'local' or 'ssh')"
    )


#: Agent operations that may be sent again after a lost connection.
REPEATABLE_OPS = frozenset({"job_watch", "job_prepare", "get"})


class HostConnection:
    """A host's transport plus its agents, started lazily and kept for the run."""

    def __init__(
        self, name: str, variables: Mapping[str, Any], log: Callable[[str], None] | None = None
    ) -> None:
        self.name = name
        self.variables = dict(variables)
        self.kind = connection_type(name, variables)
        self._transport: Transport | None = None
        self._agents: dict[str, AgentClient] = {}
        self._lock = asyncio.Lock()
        self._connect_lock = asyncio.Lock()
        #: a warm-up's connect failure, kept for the first task to report
        self._early_failure: Unreachable | None = None
        self._log = log
        self.python: str | None = None
        #: the interpreter found by discovery (None when configured), and whether
        #: a module result has reported it yet (ansible-core does so once per host)
        self.discovered: str | None = None
        self.discovery_reported = False
        self._jobs_prepared = False

    async def transport(self, *, background: bool = False) -> Transport:
        """The open transport, connecting first if needed. A ``background``
        connect failure is kept for the first task that asks (see :meth:`warm_up`)."""
        async with self._connect_lock:
            if self._transport is None:
                failure = self._early_failure
                if failure is not None:
                    if not background:  # reported by one task, once
                        self._early_failure = None
                    raise failure
                transport = make_transport(self.name, self.variables)
                try:
                    await transport.connect()
                except Unreachable as exc:
                    if background:
                        self._early_failure = exc
                    raise
                self._transport = transport
            return self._transport

    async def warm_up(self, agent: bool = True) -> bool:
        """Connect, and start the agent unless ``agent`` is false, before any
        task asks (best effort).

        A connect failure is kept and raised to the first task that needs the
        connection, as if that task had met it: the host's timeout is not
        paid twice. Any other problem (an agent that does not start) is left
        for that task to meet again and report.
        """
        try:
            if agent:
                await self.agent(background=True)
            else:
                await self.transport(background=True)
            return True
        except Exception:
            return False

    def _python(self) -> str:
        """The configured interpreter; locally the controller's; else found by the agent bootstrap."""
        configured = self.variables.get("ansible_python_interpreter")
        if configured:
            return str(configured)
        return sys.executable if self.kind == "local" else AUTO_PYTHON

    def sends_modules(self) -> bool:
        """Whether ansible-core would send a module down its first ssh command (pipelining
        on, the interpreter known: configured or discovered already), so that a host it
        cannot reach then is one the module "could not be sent" to."""
        if self.kind == "local":
            return False
        if self.python is None and self._python() in AUTO_VALUES:
            return False
        for name in ("ansible_ssh_pipelining", "ansible_pipelining"):
            if name in self.variables:
                return str(self.variables[name]).strip().lower() in TRUE_WORDS
        for variable in ("ANSIBLE_SSH_PIPELINING", "ANSIBLE_PIPELINING"):
            if os.environ.get(variable, "").strip():
                return setting_enabled(variable, False)
        return False

    def _needs_become(self, become: BecomeSpec | None) -> bool:
        return become is not None and become.user != self.login_user()

    def login_user(self) -> str:
        if self.kind == "local":
            return current_user()
        return str(
            self.variables.get("ansible_user")
            or self.variables.get("ansible_ssh_user")
            or current_user()
        )

    async def agent(
        self, become: BecomeSpec | None = None, *, background: bool = False
    ) -> AgentClient:
        """The agent for ``become`` (a second agent on the same connection), started once
        (``background``: see :meth:`transport`)."""
        key = become.user if become is not None and self._needs_become(become) else ""
        async with self._lock:
            client = self._agents.get(key)
            if client is not None and client.alive:
                return client
            if client is not None and self.kind != "local":
                # The agent went away since the last task: start over on a new connection.
                await self.reset()
            transport = await self.transport(background=background)
            if key and become is not None:
                if self.python is None and self._python() in AUTO_VALUES:
                    # As ansible-core: the interpreter is discovered once per host, as
                    # the login user, whichever agent is needed first.
                    self.python = self.discovered = await discover_python(transport)
                transport = BecomeTransport(transport, become)
            client = await AgentClient.start(transport, self.python or self._python())
            if self.python is None and self._python() in AUTO_VALUES:
                self.discovered = str(client.hello.get("python") or "") or None
            self.python = str(client.hello.get("python") or self.python)
            if self._log is not None:
                self._log(f"<{self.name}> agent started: {client.hello}")
            self._agents[key] = client
            return client

    async def request(
        self,
        op: str,
        become: BecomeSpec | None = None,
        on_event: EventHandler | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Send one request to the (become) agent.

        A connection found dead before the request is sent is re-established
        once. A request lost in flight is sent again only when repeating it is
        harmless (watching a job: jobs run detached, so the job is simply
        watched again); a task that may have run is reported unreachable.
        """
        if self._log is not None:
            self._log(f"<{self.name}> {op}: {_describe(fields)}")
        for attempt in (1, 2):
            try:
                client = await self.agent(become)
                return await client.request(op, on_event=on_event, **fields)
            except (AgentLost, ConnectionLost) as lost:
                in_flight = isinstance(lost, AgentLost) and op not in REPEATABLE_OPS
                if self.kind == "local" or attempt == 2 or in_flight:
                    await self.reset()
                    raise Unreachable(f"lost the connection to {self.name}: {lost}")
                if self._log is not None:
                    self._log(f"<{self.name}> connection lost ({lost}); reconnecting")
                await self.reset()
        raise AssertionError("unreachable")

    async def reset(self) -> None:
        """Close the connection and its agents; the next request connects again
        (after a lost connection, and while ``reboot`` waits for the host)."""
        self._early_failure = None
        for client in self._agents.values():
            await _quietly(client.close())
        self._agents.clear()
        if self._transport is not None:
            await _quietly(self._transport.close())
        self._transport = None

    async def raw(
        self, command: str, become: BecomeSpec | None = None, timeout: float | None = None
    ) -> RawResult:
        transport = await self.transport()
        if become is not None and self._needs_become(become):
            transport = BecomeTransport(transport, become)
        elif timeout is None and hasattr(transport, "exec_raw_module"):
            return await transport.exec_raw_module(command)  # ssh: on a terminal
        return await transport.exec_raw(command, timeout=timeout)

    async def prepare_jobs(self) -> None:
        """Warm the target's job launcher before the first async task needs it
        (best effort: see :meth:`warm_up`)."""
        if not self._jobs_prepared:
            self._jobs_prepared = True
            if await self.warm_up():
                with contextlib.suppress(Exception):
                    await self.request("job_prepare")

    async def close(self, graceful: bool = True) -> None:
        """Release the host; ``graceful=False`` drops an SSH connection without a
        goodbye (the run is over and every result is in)."""
        if not graceful and self._transport is not None and self._transport.abort():
            self._agents.clear()
            self._transport = None
            return
        await self.reset()


def _describe(fields: dict[str, Any]) -> str:
    """A one-line summary of a request for -vvv, without file contents."""
    shown = {k: v for k, v in fields.items() if k not in ("data", "source")}
    text = json.dumps(shown, default=str, sort_keys=True)
    return text if len(text) < 2000 else text[:2000] + "..."


async def _quietly(awaitable: Any) -> None:
    try:
        await awaitable
    except Exception:  # closing must never mask the real outcome
        pass


class ConnectionPool:
    """All hosts' connections for one run."""

    def __init__(self, log: Callable[[str], None] | None = None) -> None:
        self._connections: dict[tuple[str, str], HostConnection] = {}
        self._log = log

    def get(self, name: str, settings: Mapping[str, Any]) -> HostConnection:
        """The host's connection for these settings (see :func:`connection_settings`).

        A task whose settings differ from the host's other tasks (another
        ``remote_user``, ``connection: local``...) gets a connection of its
        own, kept for later tasks with the same settings.
        """
        key = (name, _settings_key(settings))
        connection = self._connections.get(key)
        if connection is None:
            connection = self._connections[key] = HostConnection(name, settings, self._log)
        return connection

    async def close(self, graceful: bool = True) -> None:
        await asyncio.gather(
            *(c.close(graceful) for c in self._connections.values()), return_exceptions=True
        )
        self._connections.clear()


def _settings_key(settings: Mapping[str, Any]) -> str:
    return json.dumps(settings, sort_keys=True, default=str)


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return str(os.getuid())
