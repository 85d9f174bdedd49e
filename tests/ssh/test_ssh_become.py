"""Become over SSH: a second agent on the same connection, as another user.

The real sudo/su tests become ``nobody`` from root (no password needed, no
user created). The password handshake is exercised with small stand-in
``become_exe`` scripts that prompt and check a password the way sudo -S
(prompt on stderr) and su (prompt on the terminal) do, over the real sshd.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from loopback_sshd import Sshd

from longplay.transport.base import Unreachable
from longplay.transport.become import BecomeSpec, BecomeTransport
from longplay.transport.client import AgentClient
from longplay.transport.discovery import AUTO_PYTHON
from longplay.transport.ssh import SSHTransport

pytestmark = pytest.mark.ssh

T = TypeVar("T")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"

FAKE_SUDO = r"""#!/bin/sh
# Stand-in for sudo -S: prompt on stderr, password on stdin, then run the command.
prompt=""
while [ $# -gt 0 ]; do
    case "$1" in -p) prompt="$2"; shift 2;; --) shift; break;; *) shift;; esac
done
printf '%s' "$prompt" >&2
read -r pw
if [ "$pw" != "s3cret" ]; then
    printf 'Sorry, try again.\n%s' "$prompt" >&2; read -r pw; exit 1
fi
exec "$@"
"""

FAKE_SU = r"""#!/bin/sh
# Stand-in for su USER -c CMD -- ARGS: the password is read from the terminal.
user="$1"; cmd="$3"; shift 4
stty -echo </dev/tty; printf 'Password: ' >/dev/tty
read -r pw </dev/tty; stty echo </dev/tty; printf '\n' >/dev/tty
if [ "$pw" != "s3cret" ]; then echo "su: Authentication failure" >&2; exit 1; fi
exec /bin/sh -c "$cmd" "$@"
"""


def run(main: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(asyncio.wait_for(main(), timeout=60))


@pytest.fixture
def shared_cache() -> Iterator[str]:
    """An agent cache directory any user can write (under /tmp, not the private tmp_path)."""
    path = tempfile.mkdtemp(prefix="longplay-become-")
    os.chmod(path, 0o1777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def script(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    path.chmod(0o755)
    return str(path)


async def as_user(
    sshd: Sshd, spec: BecomeSpec, cache: str, python: str = PYTHON
) -> tuple[str, str, Any]:
    """Start a normal and a become agent on one connection; return both users and a raw run."""
    transport = SSHTransport.from_host_vars("host01", sshd.host_vars())
    await transport.connect()
    try:
        env = {"LONGPLAY_AGENT_CACHE": cache}
        plain = await AgentClient.start(transport, python, env=env)
        become = BecomeTransport(transport, spec)
        other = await AgentClient.start(become, python, env=env)
        raw = await become.exec_raw("id -un; cat", stdin=b"piped")
        await other.close()
        await plain.close()
        return user_name(plain.hello["uid"]), user_name(other.hello["uid"]), raw
    finally:
        await transport.close()


def user_name(uid: int) -> str:
    return pwd.getpwuid(uid).pw_name


def need_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("becoming another user without a password needs the tests to run as root")


def test_sudo_to_another_user(sshd: Sshd, shared_cache: str) -> None:
    need_root()
    if shutil.which("sudo") is None:
        pytest.skip("sudo is not installed")
    me, them, raw = run(lambda: as_user(sshd, BecomeSpec(user="nobody"), shared_cache, AUTO_PYTHON))
    assert (me, them) == (sshd.user, "nobody")
    assert (raw.rc, raw.stdout) == (0, b"nobody\npiped")


def test_su_to_another_user(sshd: Sshd, shared_cache: str) -> None:
    need_root()
    # nobody's login shell refuses logins: ask su for a usable one.
    spec = BecomeSpec(user="nobody", method="su", flags="-s /bin/sh")
    me, them, raw = run(lambda: as_user(sshd, spec, shared_cache))
    assert (me, them) == (sshd.user, "nobody")
    assert (raw.rc, raw.stdout) == (0, b"nobody\npiped")


def test_sudo_password_is_typed_when_prompted(
    sshd: Sshd, tmp_path: Path, shared_cache: str
) -> None:
    exe = script(tmp_path, "fake-sudo", FAKE_SUDO)
    spec = BecomeSpec(user="ignored", password="s3cret", exe=exe)
    _, them, raw = run(lambda: as_user(sshd, spec, shared_cache))
    assert them == sshd.user  # the stand-in does not switch users
    assert (raw.rc, raw.stdout) == (0, f"{sshd.user}\npiped".encode())


def test_su_password_is_typed_on_a_terminal(sshd: Sshd, tmp_path: Path) -> None:
    exe = script(tmp_path, "fake-su", FAKE_SU)
    spec = BecomeSpec(user="ignored", method="su", password="s3cret", exe=exe)
    # A fresh cache: the agent bundle itself goes through the terminal.
    cache = str(tmp_path / "fresh-cache")
    _, them, raw = run(lambda: as_user(sshd, spec, cache))
    assert them == sshd.user
    assert raw.rc == 0 and raw.stdout.replace(b"\r", b"").endswith(b"piped")


@pytest.mark.parametrize(
    ("name", "text", "method"), [("fake-sudo", FAKE_SUDO, "sudo"), ("fake-su", FAKE_SU, "su")]
)
def test_wrong_become_password(
    sshd: Sshd, tmp_path: Path, name: str, text: str, method: str
) -> None:
    spec = BecomeSpec(
        user="ignored", method=method, password="wrong", exe=script(tmp_path, name, text)
    )
    with pytest.raises(Unreachable) as failure:
        run(lambda: as_user(sshd, spec, str(tmp_path / "cache")))
    reason = failure.value.reason
    assert "the agent did not start" in reason
    assert ("incorrect" in reason) if method == "sudo" else ("Authentication failure" in reason)
    assert "wrong" not in reason
