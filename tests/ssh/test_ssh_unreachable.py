"""Hosts that cannot be reached give Unreachable with a reason naming them."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path
from typing import Any

import asyncssh
import pytest
from loopback_sshd import Sshd

from longplay.transport.base import Unreachable
from longplay.transport.ssh import SSHTransport

pytestmark = pytest.mark.ssh


def connect(sshd: Sshd, environ: dict[str, str] | None = None, **overrides: Any) -> str | None:
    """Connect and run ``true``; return None on success, else the Unreachable reason."""

    async def main() -> str | None:
        transport = SSHTransport.from_host_vars(
            "host01", sshd.host_vars(**overrides), environ or {}
        )
        try:
            await transport.connect()
            assert (await transport.exec_raw("true")).rc == 0
            return None
        except Unreachable as exc:
            return exc.reason
        finally:
            await transport.close()

    return asyncio.run(asyncio.wait_for(main(), timeout=30))


def other_key_known_hosts(sshd: Sshd, path: Path) -> Path:
    key = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()
    path.write_text(f"[127.0.0.1]:{sshd.port} {key}\n")
    return path


def test_known_host_key_is_accepted(sshd: Sshd) -> None:
    assert connect(sshd) is None


def test_host_key_mismatch_is_refused_by_default(sshd: Sshd, tmp_path: Path) -> None:
    known = other_key_known_hosts(sshd, tmp_path / "known_hosts")
    reason = connect(sshd, ansible_ssh_common_args=f"-o UserKnownHostsFile={known}")
    assert reason is not None
    # OpenSSH's own warning, as the reference shows it.
    lines = reason.split("\r\n")
    assert lines[0] == "Failed to connect to the host via ssh: " + "@" * 59
    assert lines[1] == "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @"
    assert f"Offending ED25519 key in {known}:1" in lines
    assert f'  ssh-keygen -f "{known}" -R "[127.0.0.1]:{sshd.port}"' in lines
    assert lines[-2:] == [
        f"Host key for [127.0.0.1]:{sshd.port} has changed and you have requested strict checking.",
        "Host key verification failed.",
    ]


@pytest.mark.parametrize(
    ("environ", "overrides"),
    [
        ({"ANSIBLE_HOST_KEY_CHECKING": "False"}, {}),
        ({}, {"ansible_host_key_checking": False}),
        ({}, {"ansible_ssh_extra_args": "-o StrictHostKeyChecking=no"}),
    ],
    ids=["environment", "variable", "ssh-option"],
)
def test_host_key_mismatch_accepted_with_checking_off(
    sshd: Sshd, tmp_path: Path, environ: dict[str, str], overrides: dict[str, Any]
) -> None:
    known = other_key_known_hosts(sshd, tmp_path / "known_hosts")
    before = known.read_text()
    args = f"-o UserKnownHostsFile={known}"
    assert connect(sshd, environ, ansible_ssh_common_args=args, **overrides) is None
    assert known.read_text() == before  # as ssh: a changed key is not replaced


def test_unknown_host_key_recorded_with_checking_off(sshd: Sshd, tmp_path: Path) -> None:
    """ssh with StrictHostKeyChecking=no adds a new host to known_hosts; so does
    longplay, and a later run with checking on trusts it."""
    known = tmp_path / "known_hosts"
    args = f"-o UserKnownHostsFile={known}"
    assert connect(sshd, ansible_ssh_common_args=args, ansible_host_key_checking=False) is None
    assert sshd.host_public_key in known.read_text()
    assert connect(sshd, ansible_ssh_common_args=args, ansible_host_key_checking=False) is None
    assert known.read_text().count(sshd.host_public_key) == 1
    assert connect(sshd, ansible_ssh_common_args=args) is None


def test_unknown_host_key_is_refused_by_default(sshd: Sshd) -> None:
    # The test HOME is empty: no ~/.ssh/known_hosts, no UserKnownHostsFile option.
    reason = connect(sshd, ansible_ssh_common_args="")
    assert reason == "Failed to connect to the host via ssh: Host key verification failed."


def test_unknown_host_key_with_strict_checking(sshd: Sshd, tmp_path: Path) -> None:
    args = f"-o UserKnownHostsFile={tmp_path / 'none'} -o StrictHostKeyChecking=yes"
    reason = connect(sshd, ansible_ssh_common_args=args)
    assert reason == (
        "Failed to connect to the host via ssh: No ED25519 host key is known for "
        f"[127.0.0.1]:{sshd.port} and you have requested strict checking.\r\n"
        "Host key verification failed."
    )


def test_accept_new_records_an_unknown_host_key(sshd: Sshd, tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    args = f"-o UserKnownHostsFile={known} -o StrictHostKeyChecking=accept-new"
    assert connect(sshd, ansible_ssh_common_args=args) is None
    assert sshd.host_public_key in known.read_text()
    assert connect(sshd, ansible_ssh_common_args=f"-o UserKnownHostsFile={known}") is None
    # accept-new still refuses a changed key.
    other_key_known_hosts(sshd, known)
    reason = connect(sshd, ansible_ssh_common_args=args)
    assert reason is not None and "REMOTE HOST IDENTIFICATION HAS CHANGED" in reason


def test_dead_port(sshd: Sshd) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    reason = connect(sshd, ansible_port=port)
    assert reason == (
        f"Failed to connect to the host via ssh: ssh: connect to host 127.0.0.1 port {port}: "
        "Connection refused"
    )


def test_bad_key(sshd: Sshd, tmp_path: Path) -> None:
    key = tmp_path / "stranger"
    key.write_bytes(asyncssh.generate_private_key("ssh-ed25519").export_private_key())
    key.chmod(0o600)
    reason = connect(sshd, ansible_ssh_private_key_file=str(key))
    # The methods are the server's (the test sshd offers only publickey).
    assert reason == (
        f"Failed to connect to the host via ssh: {sshd.user}@127.0.0.1: Permission denied (publickey)."
    )


def test_wrong_user(sshd: Sshd) -> None:
    reason = connect(sshd, ansible_user="nosuchuser")
    assert reason == (
        "Failed to connect to the host via ssh: nosuchuser@127.0.0.1: Permission denied (publickey)."
    )


def test_missing_key_file_is_warned_about(sshd: Sshd, tmp_path: Path) -> None:
    # ssh goes on without an identity file it cannot find, and says so.
    missing = tmp_path / "missing_key"
    reason = connect(sshd, ansible_ssh_private_key_file=str(missing))
    assert reason == (
        f"Failed to connect to the host via ssh: no such identity: {missing}: "
        f"No such file or directory\r\n{sshd.user}@127.0.0.1: Permission denied (publickey)."
    )


def test_silent_server_times_out(sshd: Sshd) -> None:
    # Accepts TCP (kernel backlog) but never says a word of SSH.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        began = time.monotonic()
        reason = connect(sshd, ansible_port=port, ansible_timeout=0.5)
        elapsed = time.monotonic() - began
    assert reason == (
        "Failed to connect to the host via ssh: Connection timed out during banner exchange\r\n"
        f"Connection to 127.0.0.1 port {port} timed out"
    )
    assert elapsed < 5


def test_unresolvable_host(sshd: Sshd) -> None:
    reason = connect(sshd, ansible_host="no-such-host.invalid")
    assert reason is not None
    assert reason.startswith(
        "Failed to connect to the host via ssh: ssh: Could not resolve hostname no-such-host.invalid: "
    )
