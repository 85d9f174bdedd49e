"""The SSH transport against a real loopback sshd: agent, cache, raw, channels, reconnect."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from loopback_sshd import Sshd

from longplay.transport.bootstrap import agent_digest
from longplay.transport.client import AgentClient, AgentLost
from longplay.transport.discovery import AUTO_PYTHON, discover_python
from longplay.transport.ssh import SSHConnectionLost, SSHTransport

pytestmark = pytest.mark.ssh

T = TypeVar("T")

#: The loopback host is this machine: its system Python starts fastest.
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def run(main: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(asyncio.wait_for(main(), timeout=60))


def transport_for(sshd: Sshd, **overrides: Any) -> SSHTransport:
    return SSHTransport.from_host_vars("host01", sshd.host_vars(**overrides))


async def command(client: AgentClient, line: str) -> dict[str, Any]:
    return await client.request("run", module="command", args={"_raw_params": line})


def test_agent_runs_a_command_over_ssh(sshd: Sshd) -> None:
    async def main() -> dict[str, Any]:
        transport = transport_for(sshd)
        await transport.connect()
        try:
            client = await AgentClient.start(transport, PYTHON)
            result = await command(client, "echo hi")
            await client.close()
            return result
        finally:
            await transport.close()

    result = run(main)
    assert result["rc"] == 0 and result["stdout"] == "hi"


def test_bundle_is_sent_once_then_cached(sshd: Sshd, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    digest = agent_digest()
    bundle = cache / f"agent-{digest}" / "longplay" / "agent" / "main.py"

    async def start_twice() -> tuple[float, float, os.stat_result]:
        transport = transport_for(sshd)
        began = time.monotonic()
        await transport.connect()
        first = await AgentClient.start(transport, PYTHON, env={"LONGPLAY_AGENT_CACHE": str(cache)})
        first_time = time.monotonic() - began
        await first.close()
        stat = bundle.stat()
        began = time.monotonic()
        second = await AgentClient.start(
            transport, PYTHON, env={"LONGPLAY_AGENT_CACHE": str(cache)}
        )
        second_time = time.monotonic() - began
        assert (await command(second, "true"))["rc"] == 0
        await second.close()
        await transport.close()
        return first_time, second_time, stat

    first_time, second_time, stat = run(start_twice)
    again = bundle.stat()
    assert (again.st_ino, again.st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns), "bundle re-sent"
    print(f"connect+agent start: first {first_time:.3f}s, cached agent start {second_time:.3f}s")


def test_a_bundle_damaged_on_its_way_is_refused(tmp_path: Path) -> None:
    """The host checks the zip against the digest sent with it before unpacking."""
    import subprocess

    from longplay.agent.protocol import SEND_BUNDLE_MARKER
    from longplay.transport.bootstrap import agent_bundle, bootstrap_command

    zip_digest, bundle = agent_bundle()
    damaged = bundle[:100] + bytes([bundle[100] ^ 0xFF]) + bundle[101:]
    cache = tmp_path / "cache"
    agent = subprocess.Popen(
        bootstrap_command(PYTHON),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "LONGPLAY_AGENT_CACHE": str(cache)},
    )
    assert agent.stdout is not None and agent.stdin is not None
    assert agent.stdout.readline() == SEND_BUNDLE_MARKER
    _, err = agent.communicate(b"%d %s\n" % (len(damaged), zip_digest.encode()) + damaged)
    assert agent.returncode == 97
    assert b"agent bundle corrupted in transit" in err
    assert not list(cache.glob("agent-*")), "a damaged bundle was unpacked"


def test_exec_raw(sshd: Sshd) -> None:
    async def main() -> list[Any]:
        transport = transport_for(sshd)
        await transport.connect()
        try:
            return [
                await transport.exec_raw("echo out; echo err >&2; exit 3"),
                await transport.exec_raw("cat; printf done", stdin=b"in\x00put\n"),
                await transport.exec_raw("echo started; sleep 30", timeout=0.5),
            ]
        finally:
            await transport.close()

    plain, piped, slow = run(main)
    assert (plain.rc, plain.stdout, plain.stderr) == (3, b"out\n", b"err\n")
    assert (piped.rc, piped.stdout) == (0, b"in\x00put\ndone")
    assert slow.rc == -signal.SIGKILL and b"timed out" in slow.stderr


def test_interpreter_discovery(sshd: Sshd) -> None:
    async def main() -> tuple[str, str]:
        transport = transport_for(sshd)
        await transport.connect()
        try:
            found = await discover_python(transport)
            configured = await discover_python(transport, "/opt/py/bin/python3")
            return found, configured
        finally:
            await transport.close()

    found, configured = run(main)
    assert os.path.isabs(found) and os.access(found, os.X_OK)
    assert configured == "/opt/py/bin/python3"


def test_agent_finds_its_own_python_on_its_channel(sshd: Sshd) -> None:
    async def main() -> dict[str, Any]:
        transport = transport_for(sshd)
        await transport.connect()
        try:
            client = await AgentClient.start(transport, AUTO_PYTHON)
            await client.close()
            return client.hello
        finally:
            await transport.close()

    hello = run(main)
    version = tuple(int(part) for part in hello["python_version"].split(".")[:2])
    assert os.path.isabs(hello["python"]) and version >= (3, 8)


def test_many_channels_and_requests_on_one_connection(sshd: Sshd) -> None:
    async def main() -> tuple[list[dict[str, Any]], list[Any], float]:
        transport = transport_for(sshd)
        await transport.connect()
        try:
            agents = await asyncio.gather(*(AgentClient.start(transport, PYTHON) for _ in range(3)))
            began = time.monotonic()
            requests = [command(agents[i % 3], f"sh -c 'sleep 0.3; echo {i}'") for i in range(20)]
            raws = [transport.exec_raw(f"echo raw{i}") for i in range(5)]
            results = await asyncio.gather(*requests)
            raw_results = await asyncio.gather(*raws)
            elapsed = time.monotonic() - began
            await asyncio.gather(*(agent.close() for agent in agents))
            return results, raw_results, elapsed
        finally:
            await transport.close()

    results, raw_results, elapsed = run(main)
    assert [r["stdout"] for r in results] == [str(i) for i in range(20)]
    assert [r.stdout for r in raw_results] == [b"raw%d\n" % i for i in range(5)]
    assert elapsed < 3, f"20 x 0.3 s requests took {elapsed:.1f}s: not concurrent"


def test_connection_killed_then_reconnect(sshd: Sshd) -> None:
    async def main() -> tuple[str, bool, str]:
        transport = transport_for(sshd)
        await transport.connect()
        client = await AgentClient.start(transport, PYTHON)
        # The shell's parent is the sshd process serving this connection.
        session_pid = int((await transport.exec_raw("echo $PPID")).stdout)
        pending = asyncio.ensure_future(command(client, "sleep 30"))
        await asyncio.sleep(0.2)
        os.kill(session_pid, signal.SIGKILL)
        with pytest.raises(AgentLost) as lost:
            await pending
        with pytest.raises(SSHConnectionLost):
            await transport.exec_raw("true")
        dropped = not transport.connected
        await transport.reconnect()
        fresh = await AgentClient.start(transport, PYTHON)
        stdout = (await command(fresh, "echo back"))["stdout"]
        await fresh.close()
        await transport.close()
        return str(lost.value), dropped, stdout

    message, dropped, stdout = run(main)
    assert "connection" in message, message
    assert dropped and stdout == "back"


def test_inventory_aliases_each_get_a_connection(sshd: Sshd, tmp_path: Path) -> None:
    inventory = sshd.write_inventory(tmp_path / "hosts.ini", count=12)
    lines = inventory.read_text().splitlines()
    assert lines[0] == "[fleet]" and len(lines) == 13
    assert lines[12].startswith("host12 ansible_connection=ssh ansible_host=127.0.0.1")

    async def main() -> list[bytes]:
        transports = [
            SSHTransport.from_host_vars(f"host{i:02d}", sshd.host_vars(f"host{i:02d}"))
            for i in range(1, 6)
        ]
        await asyncio.gather(*(t.connect() for t in transports))
        try:
            results = await asyncio.gather(*(t.exec_raw("echo $PPID") for t in transports))
            return [r.stdout for r in results]
        finally:
            await asyncio.gather(*(t.close() for t in transports))

    session_pids = run(main)
    assert len(set(session_pids)) == 5, "each host alias has its own connection"


def write_ssh_config(sshd: Sshd) -> None:
    """A ~/.ssh/config (in the test's own HOME) that knows the server as two aliases."""
    ssh_dir = Path(os.environ["HOME"]) / ".ssh"
    ssh_dir.mkdir(mode=0o700, exist_ok=True)
    (ssh_dir / "config").write_text(
        "Host jumpbox configured\n"
        f"  HostName {sshd.host}\n  Port {sshd.port}\n  User {sshd.user}\n"
        f"  IdentityFile {sshd.client_key}\n  UserKnownHostsFile {sshd.known_hosts}\n"
    )


def accepted_logins(sshd: Sshd) -> int:
    return sshd.log.read_text(errors="replace").count("Accepted publickey")


def test_user_ssh_config_is_honoured(sshd: Sshd) -> None:
    write_ssh_config(sshd)

    async def main() -> bytes:
        transport = SSHTransport.from_host_vars("configured", {})
        await transport.connect()
        try:
            return (await transport.exec_raw("echo via-config")).stdout
        finally:
            await transport.close()

    assert run(main) == b"via-config\n"


def test_proxy_jump(sshd: Sshd) -> None:
    write_ssh_config(sshd)
    before = accepted_logins(sshd)

    async def main() -> bytes:
        transport = transport_for(sshd, ansible_ssh_extra_args="-J jumpbox")
        await transport.connect()
        try:
            return (await transport.exec_raw("echo jumped")).stdout
        finally:
            await transport.close()

    assert run(main) == b"jumped\n"
    deadline = time.monotonic() + 5
    while accepted_logins(sshd) < before + 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert accepted_logins(sshd) >= before + 2, "no login through the jump host"


def test_async_job_survives_a_killed_connection(sshd: Sshd, tmp_path: Path) -> None:
    async_dir = str(tmp_path / "async")

    async def main() -> tuple[dict[str, Any], dict[str, Any]]:
        transport = transport_for(sshd)
        await transport.connect()
        client = await AgentClient.start(transport, PYTHON)
        started = await client.request(
            "job_start",
            module="command",
            args={"_raw_params": "sh -c 'sleep 1; echo finished'"},
            **{"async": 30, "async_dir": async_dir},
        )
        session_pid = int((await transport.exec_raw("echo $PPID")).stdout)
        os.kill(session_pid, signal.SIGKILL)
        await transport.reconnect()
        again = await AgentClient.start(transport, PYTHON)
        result = await again.request(
            "job_watch", jid=started["ansible_job_id"], async_dir=async_dir, timeout=20
        )
        await again.close()
        await transport.close()
        return started, result

    started, result = run(main)
    assert started.get("started") in (1, True), started
    assert result.get("finished") in (1, True) and result.get("stdout") == "finished", result


def test_sftp_on_the_same_connection(sshd: Sshd, tmp_path: Path) -> None:
    target = tmp_path / "sent.bin"
    payload = os.urandom(300_000)

    async def main() -> bytes:
        transport = transport_for(sshd)
        await transport.connect()
        try:
            sftp = await transport.open_sftp()
            async with sftp.open(str(target), "wb") as handle:
                await handle.write(payload)
            sftp.exit()
            return (await transport.exec_raw(f"sha256sum {target}")).stdout
        finally:
            await transport.close()

    assert run(main).split()[0].decode() == hashlib.sha256(payload).hexdigest()
