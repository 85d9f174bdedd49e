"""The local transport: the host is the machine the controller runs on."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os

from longplay.transport.base import ByteStream, RawResult, Transport

#: Agent replies can carry large command output on one line.
LINE_LIMIT = 1 << 30


class ProcessStream(ByteStream):
    """A local child process seen as a byte pipe, with its stderr kept as a tail."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process
        assert process.stdout is not None and process.stdin is not None
        self._stdout = process.stdout
        self._stdin = process.stdin
        self._stderr_lines: collections.deque[str] = collections.deque(maxlen=20)
        self._stderr_task = asyncio.get_running_loop().create_task(self._drain_stderr())

    async def _drain_stderr(self) -> None:
        if self._process.stderr is None:
            return
        while True:
            line = await self._process.stderr.readline()
            if not line:
                return
            self._stderr_lines.append(line.decode("utf-8", "replace").rstrip())

    async def readline(self) -> bytes:
        return await self._stdout.readline()

    async def readexactly(self, size: int) -> bytes:
        return await self._stdout.readexactly(size)

    def write(self, data: bytes) -> None:
        self._stdin.write(data)

    async def drain(self) -> None:
        await self._stdin.drain()

    def stderr_tail(self) -> str:
        return "\n".join(self._stderr_lines)

    async def close(self) -> None:
        with contextlib.suppress(OSError, RuntimeError):
            self._stdin.close()
        try:
            await asyncio.wait_for(self._process.wait(), timeout=5)
        except asyncio.TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
            await self._process.wait()
        self._stderr_task.cancel()


class LocalTransport(Transport):
    """Runs the agent as a child process of the controller."""

    description = "local"

    async def connect(self) -> None:
        return None

    async def spawn(self, argv: list[str], env: dict[str, str] | None = None) -> ByteStream:
        full_env = dict(os.environ)
        full_env.update(env or {})
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=full_env,
            limit=LINE_LIMIT,
            start_new_session=True,
        )
        return ProcessStream(process)

    async def exec_raw(
        self, command: str, stdin: bytes | None = None, timeout: float | None = None
    ) -> RawResult:
        process = await asyncio.create_subprocess_shell(
            command,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(process.communicate(stdin), timeout)
        except asyncio.TimeoutError:
            process.kill()
            out, err = await process.communicate()
        return RawResult(process.returncode if process.returncode is not None else -1, out, err)

    async def close(self) -> None:
        return None
