"""The one interface every transport implements.

A transport moves bytes between the controller and one host; it knows
nothing about modules, tasks or results. It can do exactly two things: start
a long-lived process whose stdin/stdout the controller talks to (the agent),
and run a plain command without Python (the ``raw`` module, and bootstrap).
Everything else is the agent's business, reached through
:class:`longplay.transport.client.AgentClient`.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Protocol


class Unreachable(Exception):
    """The host could not be reached; ``reason`` ends up in the recap."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ConnectFailed(Unreachable):
    """ssh could not connect to ``host`` (its exit status 255); ``said`` is ssh's message.

    ansible-core words it by what it was doing: ``Failed to connect to the host via
    ssh: ...`` for a plain command, :meth:`while_sending` for a pipelined module."""

    PREFIX = "Failed to connect to the host via ssh: "

    def __init__(self, host: str, said: str) -> None:
        super().__init__(self.PREFIX + said)
        self.host = host
        self.said = said

    def while_sending(self) -> Unreachable:
        """The failure met while sending a module down the connection (pipelining)."""
        return Unreachable(
            f'Data could not be sent to remote host "{self.host}". '
            f"Make sure this host can be reached over ssh: {self.said}"
        )


class ConnectionLost(Unreachable):
    """An established connection dropped; the caller may reconnect once and retry."""


class ByteStream(Protocol):
    """A bidirectional byte pipe to a running process (the agent)."""

    async def readline(self) -> bytes: ...

    async def readexactly(self, size: int) -> bytes: ...

    def write(self, data: bytes) -> None: ...

    async def drain(self) -> None: ...

    def stderr_tail(self) -> str: ...

    async def close(self) -> None: ...


@dataclass
class RawResult:
    rc: int
    stdout: bytes
    stderr: bytes


class Transport(abc.ABC):
    """How the controller reaches one host."""

    #: shown in messages, for example ``local`` or ``ssh root@web1:22``
    description: str = ""

    @abc.abstractmethod
    async def connect(self) -> None:
        """Establish the connection; raise :class:`Unreachable` on failure."""

    @abc.abstractmethod
    async def spawn(self, argv: list[str], env: dict[str, str] | None = None) -> ByteStream:
        """Start ``argv`` on the host and return a pipe to its stdin/stdout."""

    @abc.abstractmethod
    async def exec_raw(
        self, command: str, stdin: bytes | None = None, timeout: float | None = None
    ) -> RawResult:
        """Run a shell command to completion, without the agent."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release the connection; processes started with ``spawn`` end."""

    def abort(self) -> bool:
        """Drop the connection at once, waiting for nothing, when the run is over.

        Agents started with ``spawn`` see their input end and exit, as they do
        when the controller dies. Returns False when this transport cannot do
        that; the caller then uses :meth:`close`.
        """
        return False
