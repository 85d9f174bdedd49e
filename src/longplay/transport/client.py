"""Talk to a running agent: requests, replies and progress events.

The client is transport-agnostic (it only needs a :class:`ByteStream`), and
multiplexes requests by id so several may be in flight on one agent (a job
being watched while another task asks for a file).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

from longplay.agent import protocol
from longplay.transport.base import ByteStream, Transport, Unreachable
from longplay.transport.bootstrap import agent_bundle, bootstrap_command

EventHandler = Callable[[dict[str, Any]], None]


class AgentError(Exception):
    """The agent answered a request with an error, or went away mid-request."""


class AgentLost(AgentError):
    """The agent's pipe closed: the process died or the connection dropped."""


class AgentClient:
    """One agent process on one host, reached over a :class:`ByteStream`."""

    def __init__(self, stream: ByteStream, hello: dict[str, Any]) -> None:
        self.stream = stream
        self.hello = hello
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._listeners: dict[int, EventHandler] = {}
        self._closed: str | None = None
        self._reader = asyncio.get_running_loop().create_task(self._read_loop())

    @classmethod
    async def start(
        cls,
        transport: Transport,
        python: str,
        env: dict[str, str] | None = None,
        wrapper: list[str] | None = None,
    ) -> AgentClient:
        """Start the agent with ``python`` (optionally under ``wrapper``, e.g. sudo)."""
        argv = (wrapper or []) + bootstrap_command(python)
        stream = await transport.spawn(argv, env=env)
        line = await stream.readline()
        if line == protocol.SEND_BUNDLE_MARKER:
            zip_digest, bundle = agent_bundle()
            stream.write(b"%d %s\n" % (len(bundle), zip_digest.encode()) + bundle)
            await stream.drain()
            line = await stream.readline()
        if not line:
            await stream.close()
            raise Unreachable(
                "the agent did not start with {}: {}".format(
                    python, stream.stderr_tail() or "no output"
                )
            )
        try:
            hello = protocol.decode(line)["hello"]
        except (ValueError, KeyError):
            await stream.close()
            raise Unreachable(f"unexpected output starting the agent: {line[:200]!r}")
        return cls(stream, hello)

    async def _read_loop(self) -> None:
        try:
            while True:
                line = await self.stream.readline()
                if not line:
                    break
                message = protocol.decode(line)
                request_id = message.get("id")
                if "event" in message:
                    listener = self._listeners.get(request_id)  # type: ignore[arg-type]
                    if listener is not None:
                        listener(message["event"])
                    continue
                future = self._pending.pop(request_id, None)  # type: ignore[arg-type]
                if future is not None and not future.done():
                    future.set_result(message)
        except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
            self._closed = f"agent pipe broken: {exc}"
        finally:
            self._closed = self._closed or "agent exited: %s" % (
                self.stream.stderr_tail() or "no message"
            )
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(AgentLost(self._closed))
            self._pending.clear()

    @property
    def alive(self) -> bool:
        return self._closed is None

    async def request(
        self, op: str, on_event: EventHandler | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Send one request and wait for its reply's result."""
        if self._closed is not None:
            raise AgentLost(self._closed)
        request_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        if on_event is not None:
            self._listeners[request_id] = on_event
        try:
            self.stream.write(protocol.encode({"id": request_id, "op": op, **fields}))
            await self.stream.drain()
            reply = await future
        finally:
            self._pending.pop(request_id, None)
            self._listeners.pop(request_id, None)
        if not reply.get("ok"):
            raise AgentError(str(reply.get("error")))
        result: dict[str, Any] = reply.get("result") or {}
        return result

    async def close(self) -> None:
        if self._closed is None:
            try:
                self.stream.write(protocol.encode({"id": 0, "op": "shutdown"}))
                await self.stream.drain()
            except (OSError, ConnectionError):
                pass
        await self.stream.close()
        self._reader.cancel()
