"""A real OpenSSH server on a loopback port, for the SSH tests (nothing mocked).

This module holds the machinery; ``conftest.py`` exposes it as the ``sshd``
fixture. Tests import :class:`Sshd` from here for type hints.

The session-scoped :func:`sshd` fixture generates a host key and a client key,
writes an ``sshd_config`` into a temporary directory, starts
``sshd -D -e -f CONFIG`` on a free 127.0.0.1 port and yields an :class:`Sshd`
describing it: where to connect, which key to use, a known_hosts file with the
server's key, and helpers to build host variables or a whole inventory of host
aliases pointing at it. Each pytest-xdist worker gets its own server.

When no sshd is installed the SSH tests are skipped, except in CI (``CI`` set)
where that is a failure: ``scripts/ensure-test-deps`` should have installed it.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

SSHD_CANDIDATES = ("/usr/sbin/sshd", "/usr/local/sbin/sshd", "/sbin/sshd")


def find_sshd() -> str | None:
    for candidate in SSHD_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("sshd")


def _missing(reason: str) -> None:
    """Skip, or fail in CI: SSH tests must never vanish silently there."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: run scripts/ensure-test-deps)", pytrace=False)
    pytest.skip(reason)


@dataclass
class Sshd:
    """A running loopback sshd and what a client needs to reach it."""

    host: str
    port: int
    user: str
    client_key: Path
    known_hosts: Path
    host_public_key: str
    directory: Path
    log: Path
    config: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def host_vars(self, name: str = "host01", **overrides: Any) -> dict[str, Any]:
        """Inventory variables for one host alias of this server (checked host key)."""
        variables: dict[str, Any] = {
            "inventory_hostname": name,
            "ansible_connection": "ssh",
            "ansible_host": self.host,
            "ansible_port": self.port,
            "ansible_user": self.user,
            "ansible_ssh_private_key_file": str(self.client_key),
            "ansible_ssh_common_args": f"-o UserKnownHostsFile={self.known_hosts}",
            "ansible_async_dir": str(self.directory / "async" / name),
        }
        variables.update(overrides)
        return variables

    def inventory_text(self, count: int = 10, group: str = "fleet", **extra: Any) -> str:
        """An INI inventory of ``count`` aliases (host01...) of this server."""
        width = max(2, len(str(count)))
        lines = [f"[{group}]"]
        for number in range(1, count + 1):
            name = f"host{number:0{width}d}"
            variables = self.host_vars(name, **extra)
            variables.pop("inventory_hostname")
            lines.append(name + "".join(f" {k}={_ini_value(v)}" for k, v in variables.items()))
        return "\n".join(lines) + "\n"

    def write_inventory(
        self, path: Path, count: int = 10, group: str = "fleet", **extra: Any
    ) -> Path:
        """Write :meth:`inventory_text` to ``path`` and return it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.inventory_text(count, group, **extra))
        return path

    def recent_log(self, lines: int = 40) -> str:
        """The end of sshd's log, for assertion messages."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _ini_value(value: object) -> str:
    text = str(value)
    return f'"{text}"' if any(c in text for c in " '\"") else text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _keygen(path: Path, comment: str) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        stdin=subprocess.DEVNULL,
    )


def _sshd_config(directory: Path, port: int, set_env: bool = True) -> str:
    # SetEnv (OpenSSH >= 8.7) keeps the agent cache of end-to-end runs out of
    # the real home directory of the user the tests log in as.
    env = f"SetEnv LONGPLAY_AGENT_CACHE={directory / 'agent-cache'}\n" if set_env else ""
    return (
        env
        + f"""\
Port {port}
ListenAddress 127.0.0.1
HostKey {directory / "host_key"}
PidFile {directory / "sshd.pid"}
AuthorizedKeysFile {directory / "authorized_keys"}
StrictModes no
UsePAM no
PermitRootLogin yes
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
PrintMotd no
LogLevel VERBOSE
Subsystem sftp internal-sftp
# A fleet of host aliases all lands on this one server.
MaxStartups 1000:30:2000
MaxSessions 100
MaxAuthTries 20
"""
    )


def _prepare(directory: Path) -> None:
    _keygen(directory / "host_key", "longplay-test-host")
    _keygen(directory / "client_key", "longplay-test-client")
    shutil.copy(directory / "client_key.pub", directory / "authorized_keys")
    # sshd refuses to start (as root) without its privilege separation directory.
    if os.geteuid() == 0 and not os.path.isdir("/run/sshd"):
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)


def _wait_for_port(process: subprocess.Popen[bytes], port: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.02)
    return False


def _start(binary: str, directory: Path) -> tuple[subprocess.Popen[bytes], int, Path, Path]:
    """Start sshd on a free port; retry a few ports if another worker raced us."""
    log = directory / "sshd.log"
    for _attempt in range(5):
        port = _free_port()
        config = directory / "sshd_config"
        config.write_text(_sshd_config(directory, port))
        check = subprocess.run([binary, "-t", "-f", str(config)], capture_output=True, text=True)
        if check.returncode != 0 and "SetEnv" in check.stderr:
            config.write_text(_sshd_config(directory, port, set_env=False))
            check = subprocess.run(
                [binary, "-t", "-f", str(config)], capture_output=True, text=True
            )
        if check.returncode != 0:
            pytest.fail(f"sshd rejected the test config: {check.stderr}", pytrace=False)
        with log.open("ab") as handle:
            process = subprocess.Popen(
                [binary, "-D", "-e", "-f", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=handle,
            )
        if _wait_for_port(process, port, time.monotonic() + 10):
            return process, port, config, log
        process.kill()
        process.wait()
    pytest.fail(f"sshd did not start; log:\n{log.read_text(errors='replace')}", pytrace=False)


def start_sshd(directory: Path) -> Sshd:
    """Start a loopback sshd with fresh keys under ``directory`` (skip/fail when missing)."""
    binary = find_sshd()
    if binary is None:
        _missing("OpenSSH server (sshd) is not installed")
    if shutil.which("ssh-keygen") is None:
        _missing("ssh-keygen is not installed")
    assert binary is not None
    os.chmod(directory, 0o755)
    _prepare(directory)
    process, port, config, log = _start(binary, directory)
    host_public_key = (directory / "host_key.pub").read_text().split()
    known_hosts = directory / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {host_public_key[0]} {host_public_key[1]}\n")
    return Sshd(
        host="127.0.0.1",
        port=port,
        user=getpass.getuser(),
        client_key=directory / "client_key",
        known_hosts=known_hosts,
        host_public_key=f"{host_public_key[0]} {host_public_key[1]}",
        directory=directory,
        log=log,
        config=config,
        process=process,
    )


def stop_sshd(server: Sshd) -> None:
    """Stop the listener; connections still open end with their clients."""
    server.process.terminate()
    try:
        server.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
