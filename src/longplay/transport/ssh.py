"""The SSH transport: one asyncssh connection per host, many channels on it.

longplay keeps a single SSH connection per host for the whole run. The agent
runs on one session channel of it, a become agent on another, and ``raw``
commands (and interpreter discovery) on short-lived ones, so no task ever pays
for an SSH handshake.

Settings come from the same places as the reference's ``ssh`` connection:
inventory variables (``ansible_host``, ``ansible_port``, ``ansible_user``...),
``ANSIBLE_*`` environment variables, the OpenSSH options found in
``ansible_ssh_common_args``/``ansible_ssh_extra_args``, and the user's
``~/.ssh/config`` and ssh-agent (asyncssh reads both by default).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import getpass
import logging
import os
import shlex
import signal
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from longplay.transport.asyncssh_import import asyncssh
from longplay.transport.base import (
    ByteStream,
    ConnectFailed,
    ConnectionLost,
    RawResult,
    Transport,
    Unreachable,
)
from longplay.transport.become import PasswordHandshake, env_prefix
from longplay.transport.discovery import expand_auto_python

#: Agent replies can carry large command output on one line (as local.py).
LINE_LIMIT = 1 << 30

PREFIX = ConnectFailed.PREFIX.rstrip()

_DEFAULT_KNOWN_HOSTS = ("~/.ssh/known_hosts", "~/.ssh/known_hosts2")
_GLOBAL_KNOWN_HOSTS = ("/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2")

_FALSE = {"0", "false", "no", "n", "off", ""}

# asyncssh logs every connection and channel at INFO: too chatty for -v.
if logging.getLogger("asyncssh").level == logging.NOTSET:
    logging.getLogger("asyncssh").setLevel(logging.WARNING)


class SSHConnectionLost(ConnectionLost):
    """The connection dropped (or was never up) when a channel was needed.

    The executor may :meth:`SSHTransport.reconnect` once and retry.
    """


def as_bool(value: object) -> bool:
    """Inventory and environment booleans (``False``, ``no``, ``0``...)."""
    if isinstance(value, str):
        return value.strip().lower() not in _FALSE
    return bool(value)


@dataclass
class SSHSettings:
    """Everything needed to reach one host over SSH.

    ``None`` means "not set here": asyncssh then uses ``~/.ssh/config`` and
    its defaults (port 22, the local user name, default keys and the agent).
    Options in ``common_args``/``extra_args`` win over the fields, as an
    explicit ``-o`` does on an ssh command line.
    """

    host: str
    port: int | None = None
    user: str | None = None
    private_key_file: str | None = None
    password: str | None = None
    common_args: str = ""
    extra_args: str = ""
    host_key_checking: bool = True
    #: ``StrictHostKeyChecking=accept-new``: trust and record unknown hosts
    accept_new_host_keys: bool = False
    #: known_hosts files; None: ``UserKnownHostsFile`` from ~/.ssh/config or the default
    known_hosts: list[str] | None = None
    connect_timeout: float = 10.0
    proxy_jump: str | None = None
    proxy_command: str | None = None
    #: ``-F``: an ssh config file instead of ~/.ssh/config
    ssh_config: str | None = None
    #: ``ServerAliveInterval``/``CountMax``: a dead host is noticed in about a
    #: minute instead of hanging a long run (0 turns keepalives off)
    keepalive_interval: float = 15.0
    keepalive_count_max: int = 4
    #: the inventory name, for messages when it differs from ``host``
    name: str | None = None
    options: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_host_vars(
        cls,
        inventory_hostname: str,
        variables: Mapping[str, Any],
        environ: Mapping[str, str] | None = None,
    ) -> SSHSettings:
        """Build settings from a host's (templated) variables and the environment."""
        env = os.environ if environ is None else environ

        def pick(*names: str) -> Any:
            for name in names:
                value = variables.get(name)
                if value is not None and value != "":
                    return value
            return None

        checking = pick("ansible_host_key_checking", "ansible_ssh_host_key_checking")
        if checking is None:
            checking = env.get("ANSIBLE_HOST_KEY_CHECKING", True)
        port = pick("ansible_port", "ansible_ssh_port") or env.get("ANSIBLE_REMOTE_PORT")
        timeout = pick("ansible_timeout", "ansible_ssh_timeout") or env.get("ANSIBLE_TIMEOUT")
        settings = cls(
            host=str(pick("ansible_host", "ansible_ssh_host") or inventory_hostname),
            port=int(port) if port else None,
            user=_str_or_none(pick("ansible_user", "ansible_ssh_user", "ansible_remote_user"))
            or env.get("ANSIBLE_REMOTE_USER"),
            private_key_file=_str_or_none(
                pick("ansible_ssh_private_key_file", "ansible_private_key_file")
            )
            or env.get("ANSIBLE_PRIVATE_KEY_FILE"),
            password=_str_or_none(
                pick("ansible_password", "ansible_ssh_pass", "ansible_ssh_password")
            ),
            common_args=" ".join(
                str(part)
                for part in (
                    pick("ansible_ssh_args") or env.get("ANSIBLE_SSH_ARGS") or "",
                    pick("ansible_ssh_common_args") or env.get("ANSIBLE_SSH_COMMON_ARGS") or "",
                )
                if part
            ),
            extra_args=str(
                pick("ansible_ssh_extra_args") or env.get("ANSIBLE_SSH_EXTRA_ARGS") or ""
            ),
            host_key_checking=as_bool(checking),
            connect_timeout=float(timeout) if timeout else 10.0,
            name=inventory_hostname,
        )
        return settings.resolved()

    def resolved(self) -> SSHSettings:
        """A copy with the OpenSSH options of the ssh args applied."""
        return apply_ssh_args(self, shlex.split(self.common_args) + shlex.split(self.extra_args))

    @property
    def target(self) -> str:
        """``host:port`` as shown in messages."""
        return f"{self.host}:{self.port or 22}"


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


#: ssh flags that take a value (everything else is a plain switch).
_VALUE_FLAGS = set("BbcDEeFIiJLlmOopQRSWw")


def apply_ssh_args(settings: SSHSettings, args: list[str]) -> SSHSettings:
    """Apply the OpenSSH command-line options we understand; ignore the rest.

    Like ssh, the first occurrence of an option wins.
    """
    seen: set[str] = set()
    changes: dict[str, Any] = {}
    options = dict(settings.options)
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if not arg.startswith("-") or len(arg) < 2:
            continue
        for position in range(1, len(arg)):
            flag = arg[position]
            if flag not in _VALUE_FLAGS:
                continue
            value = arg[position + 1 :]
            if not value and index < len(args):
                value = args[index]
                index += 1
            if flag == "o":
                key, _, val = value.replace("=", " ", 1).partition(" ")
                key, val = key.strip().lower(), val.strip()
            else:
                key, val = _FLAG_OPTIONS.get(flag, ""), value
            if key and key not in seen:
                seen.add(key)
                options[key] = val
                changes.update(_option_change(key, val))
            break
    return dataclasses.replace(settings, options=options, **changes)


_FLAG_OPTIONS = {
    "p": "port",
    "l": "user",
    "i": "identityfile",
    "J": "proxyjump",
    "F": "_configfile",
}


def _option_change(key: str, value: str) -> dict[str, Any]:
    """The settings fields an OpenSSH option (lower-cased name) sets."""
    if key == "stricthostkeychecking":
        mode = value.lower()
        if mode == "accept-new":
            return {"host_key_checking": True, "accept_new_host_keys": True}
        return {"host_key_checking": mode not in ("no", "off"), "accept_new_host_keys": False}
    if key == "userknownhostsfile":
        return {"known_hosts": shlex.split(value)}
    simple: dict[str, tuple[str, Any]] = {
        "port": ("port", int),
        "user": ("user", str),
        "identityfile": ("private_key_file", str),
        "proxyjump": ("proxy_jump", str),
        "proxycommand": ("proxy_command", str),
        "connecttimeout": ("connect_timeout", float),
        "serveraliveinterval": ("keepalive_interval", float),
        "serveralivecountmax": ("keepalive_count_max", int),
        "hostname": ("host", str),
        "_configfile": ("ssh_config", str),
    }
    if key in simple:
        name, convert = simple[key]
        if key == "proxyjump" and value.lower() == "none":
            return {name: None}
        try:
            return {name: convert(value)}
        except ValueError:
            return {}
    return {}


class _Session(asyncssh.SSHClientSession[bytes]):
    """One channel: stdout into a StreamReader, stderr kept, become prompt answered.

    A StreamReader (rather than asyncssh's reader) takes lines of any length:
    asyncssh's ``readline`` gives up on lines longer than the channel window.
    """

    def __init__(self, handshake: PasswordHandshake | None, keep_stderr: bool) -> None:
        self.stdout = asyncio.StreamReader(limit=LINE_LIMIT)
        self.stderr = bytearray() if keep_stderr else None
        self.tail: collections.deque[str] = collections.deque(maxlen=20)
        self._partial = b""
        self._handshake = handshake
        self._pending = b""
        self._prompts = 0
        self.authenticated = asyncio.Event()
        if handshake is None:
            self.authenticated.set()
        self.closed = asyncio.Event()
        self.writable = asyncio.Event()
        self.writable.set()
        self.lost: str | None = None
        self.chan: asyncssh.SSHClientChannel[bytes] | None = None

    def connection_made(self, chan: asyncssh.SSHClientChannel[bytes]) -> None:
        self.chan = chan

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        is_stderr = datatype == asyncssh.EXTENDED_DATA_STDERR
        hs = self._handshake
        if hs is not None and not self.authenticated.is_set() and is_stderr != hs.on_stdout:
            self._handshake_data(hs, data)
        elif is_stderr:
            self._stderr_data(data)
        elif not self.stdout.at_eof():
            self.stdout.feed_data(data)

    def _stderr_data(self, data: bytes) -> None:
        if self.stderr is not None:
            self.stderr += data
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()[-4096:]
        self.tail.extend(line.decode("utf-8", "replace").rstrip() for line in lines)

    def _handshake_data(self, hs: PasswordHandshake, data: bytes) -> None:
        """Answer the prompt once; pass on what follows the marker line."""
        self._pending += data
        start = self._pending.find(hs.marker)
        if start >= 0:
            end = self._pending.find(b"\n", start)
            if end < 0:
                return
            self._keep_chatter(self._pending[:start])
            rest, self._pending = self._pending[end + 1 :], b""
            self.authenticated.set()
            if rest:
                self.data_received(rest, None if hs.on_stdout else asyncssh.EXTENDED_DATA_STDERR)
            return
        last_line = self._pending.rsplit(b"\n", 1)[-1]
        if not hs.prompt.search(last_line):
            return
        self._prompts += 1
        self._keep_chatter(self._pending[: len(self._pending) - len(last_line)])
        self._pending = b""
        assert self.chan is not None
        if self._prompts == 1:
            self.chan.write(hs.password + b"\n")
        else:
            self.tail.append("become password incorrect (asked again)")
            self.chan.close()

    def _keep_chatter(self, data: bytes) -> None:
        """Keep the wrapper's messages for errors, never an echoed password."""
        if self._handshake is not None:
            data = data.replace(self._handshake.password, b"********")
        text = data.decode("utf-8", "replace").replace("\r", "")
        self.tail.extend(line for line in text.split("\n") if line.strip())

    def eof_received(self) -> bool:
        self.stdout.feed_eof()
        return False

    def pause_writing(self) -> None:
        self.writable.clear()

    def resume_writing(self) -> None:
        self.writable.set()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._partial:
            self.tail.append(self._partial.decode("utf-8", "replace").rstrip())
            self._partial = b""
        if self._pending:
            self._keep_chatter(self._pending)
            self._pending = b""
        if exc is not None:
            self.lost = f"ssh connection lost: {exc}"
            self.tail.append(self.lost)
        self.stdout.feed_eof()
        self.writable.set()
        self.closed.set()

    def returncode(self) -> int:
        """Exit status, ``-signal`` when killed, -1 when unknown (like asyncio)."""
        assert self.chan is not None
        status = self.chan.get_exit_status()
        if status is not None and status >= 0:
            return status
        exit_signal = self.chan.get_exit_signal()
        if exit_signal is not None:
            number = getattr(signal, "SIG" + exit_signal[0], None)
            return -int(number) if number is not None else -1
        return -1


class SSHStream(ByteStream):
    """A remote process on one session channel, seen as a byte pipe."""

    def __init__(self, session: _Session) -> None:
        self._session = session
        assert session.chan is not None
        self._chan = session.chan

    async def readline(self) -> bytes:
        return await self._session.stdout.readline()

    async def readexactly(self, size: int) -> bytes:
        return await self._session.stdout.readexactly(size)

    def write(self, data: bytes) -> None:
        # A write racing a dropped connection is lost; the reader sees EOF and
        # the client reports AgentLost for the pending request.
        with contextlib.suppress(BrokenPipeError, OSError, asyncssh.Error):
            self._chan.write(data)

    async def drain(self) -> None:
        await self._session.writable.wait()

    def stderr_tail(self) -> str:
        return "\n".join(self._session.tail)

    @property
    def returncode(self) -> int | None:
        return self._session.returncode() if self._session.closed.is_set() else None

    async def close(self) -> None:
        """EOF first so the agent exits cleanly; then close the channel."""
        with contextlib.suppress(BrokenPipeError, OSError, asyncssh.Error):
            self._chan.write_eof()
        try:
            await asyncio.wait_for(self._session.closed.wait(), timeout=5)
        except asyncio.TimeoutError:
            self._chan.close()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._session.closed.wait(), timeout=5)


class _Client(asyncssh.SSHClient):
    """Per-connection callbacks: unknown host keys and the connection dropping."""

    def __init__(self, transport: SSHTransport, generation: int) -> None:
        self._transport = transport
        self._generation = generation

    def connection_made(self, conn: asyncssh.SSHClientConnection) -> None:
        if self._generation == self._transport._generation:
            self._transport._tcp_connected = True

    def validate_host_public_key(
        self, host: str, addr: str, port: int, key: asyncssh.SSHKey
    ) -> bool:
        return self._transport._untrusted_host_key(host, addr, port, key)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport._connection_lost(self._generation, exc)


def remote_command(argv: list[str], env: Mapping[str, str] | None = None) -> str:
    """The shell command line for ``argv`` (sshd runs it with the login shell).

    Environment variables go through ``env`` because sshd only accepts the
    ones listed in its ``AcceptEnv``.
    """
    return "exec " + shlex.join(env_prefix(env) + argv)


class SSHTransport(Transport):
    """One SSH connection to one host; each spawn or raw command is a channel."""

    supports_password_handshake = True

    def __init__(self, settings: SSHSettings) -> None:
        self.settings = settings
        user = f"{settings.user}@" if settings.user else ""
        self.description = f"ssh {user}{settings.target}"
        self._conn: asyncssh.SSHClientConnection | None = None
        self._lock = asyncio.Lock()
        self._lost: str | None = None
        self._key_problem: str | None = None
        #: which connection is current, so a late callback from an old one is ignored
        self._generation = 0
        #: the TCP connection of the current attempt is up (a timeout is then the banner's)
        self._tcp_connected = False
        #: ssh's warning about an identity file it cannot read (it goes on without it)
        self._key_warning = ""

    @classmethod
    def from_host_vars(
        cls,
        inventory_hostname: str,
        variables: Mapping[str, Any],
        environ: Mapping[str, str] | None = None,
    ) -> SSHTransport:
        """``SSHTransport`` for an inventory host (see :meth:`SSHSettings.from_host_vars`)."""
        return cls(SSHSettings.from_host_vars(inventory_hostname, variables, environ))

    # -- connection -------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._conn is not None and self._lost is None

    async def connect(self) -> None:
        """Open the connection (once; later calls return at once)."""
        async with self._lock:
            if self.connected:
                return
            self._lost = None
            self._key_problem = None
            self._tcp_connected = False
            self._conn = await self._open()
            if not self.settings.host_key_checking:
                self._record_new_host_key(self._conn)

    async def reconnect(self) -> None:
        """Drop the current connection (if any) and open a fresh one."""
        await self.close()
        await self.connect()

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.wait_closed(), timeout=5)

    def abort(self) -> bool:
        # Closing gracefully costs a round trip per channel and one more for
        # the connection: nothing is left to say once the recap is printed.
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.abort()
        return True

    async def _open(self) -> asyncssh.SSHClientConnection:
        settings = self.settings
        try:
            options = self._options()
            return await asyncio.wait_for(
                asyncssh.connect(settings.host, **options),
                timeout=settings.connect_timeout + 5,
            )
        except (asyncio.TimeoutError, TimeoutError):
            raise self._connect_failed(self._timeout_reason())
        except Exception as exc:
            raise self._connect_failed(await self._failure_reason(exc))

    def _connect_failed(self, reason: str) -> ConnectFailed:
        return ConnectFailed(self.settings.host, reason.removeprefix(f"{PREFIX} "))

    def _options(self) -> dict[str, Any]:
        settings = self.settings
        self._generation += 1
        generation = self._generation
        options: dict[str, Any] = {
            "client_factory": lambda: _Client(self, generation),
            "connect_timeout": settings.connect_timeout,
        }
        if settings.port:
            options["port"] = settings.port
        if settings.user:
            options["username"] = settings.user
        self._key_warning = ""
        if settings.private_key_file:
            key_file = os.path.expanduser(settings.private_key_file)
            if os.path.exists(key_file):
                options["client_keys"] = [key_file]
            else:
                # ssh warns and goes on with its default identities.
                self._key_warning = f"no such identity: {key_file}: No such file or directory\r\n"
        if settings.password is not None:
            options["password"] = settings.password
        options.update(self._route_options())
        options["encryption_algs"] = _cipher_preference()
        options["keepalive_interval"] = settings.keepalive_interval
        options["keepalive_count_max"] = settings.keepalive_count_max
        if not settings.host_key_checking:
            options["known_hosts"] = None
        elif settings.known_hosts is not None:
            options["known_hosts"] = self._read_known_hosts()
        return options

    def _known_hosts_files(self) -> list[str]:
        files = self.settings.known_hosts
        if files is None:
            files = [*_DEFAULT_KNOWN_HOSTS, *_GLOBAL_KNOWN_HOSTS]
        return [os.path.expanduser(name) for name in files]

    def _read_known_hosts(self) -> asyncssh.SSHKnownHosts:
        text = []
        for name in self._known_hosts_files():
            with contextlib.suppress(OSError):
                text.append(Path(name).read_text())
        return asyncssh.import_known_hosts("\n".join(text))

    def _untrusted_host_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        """A host key not in known_hosts: accept-new records it, else note why it failed.

        The reason is OpenSSH's own message (ssh prints it; the reference
        shows ssh's output in the UNREACHABLE line).
        """
        known = self._read_known_hosts().match(host, addr, port)[0]
        if not known and self.settings.accept_new_host_keys:
            self._remember_host_key(host, port, key)
            return True
        self._key_problem = self._host_key_message(host, port, key, bool(known))
        return False

    def _host_key_message(self, host: str, port: int, key: asyncssh.SSHKey, known: bool) -> str:
        """What ssh says when it refuses a host key (changed, or unknown)."""
        pattern = host if port == 22 else f"[{host}]:{port}"
        kind = _key_type_name(key)
        if not known:
            if self.settings.options.get("stricthostkeychecking", "").lower() in ("yes", "true"):
                return (
                    f"No {kind} host key is known for {pattern} and you have requested "
                    "strict checking.\r\nHost key verification failed."
                )
            # ssh's default (ask) cannot ask without a terminal: it just refuses.
            return "Host key verification failed."
        files = self._known_hosts_files()
        lines = [
            "@" * 59,
            "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @",
            "@" * 59,
            "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!",
            "Someone could be eavesdropping on you right now (man-in-the-middle attack)!",
            "It is also possible that a host key has just been changed.",
            f"The fingerprint for the {kind} key sent by the remote host is\n"
            f"{key.get_fingerprint()}.",
            "Please contact your system administrator.",
            f"Add correct host key in {files[0]} to get rid of this message.",
        ]
        offending = self._offending_entry(host, port)
        if offending is not None:
            name, number, other_kind = offending
            lines += [
                f"Offending {other_kind} key in {name}:{number}",
                "  remove with:",
                f'  ssh-keygen -f "{files[0]}" -R "{pattern}"',
            ]
        lines += [
            f"Host key for {pattern} has changed and you have requested strict checking.",
            "Host key verification failed.",
        ]
        return "\r\n".join(lines)

    def _offending_entry(self, host: str, port: int) -> tuple[str, int, str] | None:
        """The known_hosts file, line number and key type of the first entry for the host."""
        for name in self._known_hosts_files():
            try:
                text = Path(name).read_text()
            except OSError:
                continue
            for number, line in enumerate(text.splitlines(), 1):
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                try:
                    keys = asyncssh.import_known_hosts(line).match(host, "", port)[0]
                except (ValueError, asyncssh.Error):
                    continue
                if keys:
                    return name, number, _key_type_name(keys[0])
        return None

    def _shown_known_hosts(self) -> list[str]:
        """The files worth naming in a message: the explicit ones, or those that exist."""
        files = self._known_hosts_files()
        if self.settings.known_hosts is not None:
            return files
        return [name for name in files if os.path.exists(name)] or files[:1]

    def _record_new_host_key(self, conn: asyncssh.SSHClientConnection) -> None:
        """With checking off, ssh (``StrictHostKeyChecking=no``) still adds a host it has
        not seen to known_hosts; a later run with checking on then trusts it."""
        key = conn.get_server_host_key()
        if key is None:
            return
        host, port = self.settings.host, self.settings.port or 22
        with contextlib.suppress(ValueError, asyncssh.Error):
            if any(self._read_known_hosts().match(host, "", port)[:2]):
                return  # known (a changed key is not replaced, as ssh does not)
        self._remember_host_key(host, port, key)

    def _remember_host_key(self, host: str, port: int, key: asyncssh.SSHKey) -> None:
        path = Path(self._known_hosts_files()[0])
        pattern = host if port == 22 else f"[{host}]:{port}"
        line = f"{pattern} {key.export_public_key('openssh').decode().strip()}\n"
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with path.open("a") as handle:
                handle.write(line)

    def _connection_lost(self, generation: int, exc: Exception | None) -> None:
        if generation == self._generation:
            self._lost = str(exc) if exc is not None else "connection closed"

    async def _failure_reason(self, exc: BaseException) -> str:
        """ssh's own words for why the connection failed (the reference shows them)."""
        s = self.settings
        where = f"ssh: connect to host {s.host} port {s.port or 22}"
        if isinstance(exc, asyncssh.HostKeyNotVerifiable):
            return f"{PREFIX} {self._key_problem or 'Host key verification failed.'}"
        if isinstance(exc, asyncssh.PermissionDenied):
            user = s.user or current_user()
            methods = await self._server_auth_methods()
            return f"{PREFIX} {self._key_warning}{user}@{s.host}: Permission denied ({methods})."
        if isinstance(exc, asyncssh.DisconnectError):
            return f"{PREFIX} {s.target} {exc.reason}"
        if isinstance(exc, socket.gaierror):
            return f"{PREFIX} ssh: Could not resolve hostname {s.host}: {exc.strerror}"
        if isinstance(exc, ConnectionRefusedError):
            return f"{PREFIX} {where}: Connection refused"
        if isinstance(exc, asyncssh.KeyImportError):
            return f"{PREFIX} {s.target} cannot load private key {s.private_key_file}: {exc}"
        if isinstance(exc, OSError) and exc.filename:
            return f"{PREFIX} {s.target} cannot read {exc.filename}: {exc.strerror}"
        if isinstance(exc, OSError):
            return f"{PREFIX} {where}: {exc.strerror or exc}"
        return f"{PREFIX} {s.target} {type(exc).__name__}: {exc}"

    def _timeout_reason(self) -> str:
        """ssh's words for ConnectTimeout: before TCP connected, or waiting for the banner."""
        s = self.settings
        if self._tcp_connected:
            return (
                f"{PREFIX} Connection timed out during banner exchange\r\n"
                f"Connection to {s.host} port {s.port or 22} timed out"
            )
        return f"{PREFIX} ssh: connect to host {s.host} port {s.port or 22}: Connection timed out"

    def _route_options(self) -> dict[str, Any]:
        """How to reach the host: an ssh config file, a jump host or a proxy command."""
        s = self.settings
        options: dict[str, Any] = {}
        if s.ssh_config:
            options["config"] = [os.path.expanduser(s.ssh_config)]
        if s.proxy_jump:
            options["tunnel"] = s.proxy_jump
        if s.proxy_command:
            options["proxy_command"] = s.proxy_command
        return options

    async def _server_auth_methods(self) -> str:
        """The methods the server offers (ssh lists them in "Permission denied (...)")."""
        s = self.settings
        options: dict[str, Any] = {"username": s.user or current_user(), **self._route_options()}
        if s.port:
            options["port"] = s.port
        try:
            methods = await asyncio.wait_for(
                asyncssh.get_server_auth_methods(s.host, **options), timeout=s.connect_timeout
            )
        except Exception:
            methods = []
        return ",".join(methods) or "publickey"

    # -- channels ---------------------------------------------------------

    async def _open_session(
        self,
        command: str,
        handshake: PasswordHandshake | None,
        keep_stderr: bool,
        pty: bool = False,
    ) -> _Session:
        conn = self._conn
        if conn is None or self._lost is not None:
            raise SSHConnectionLost(
                f"ssh connection to {self.settings.target} is "
                + (f"lost: {self._lost}" if self._lost else "not open")
            )
        pty = pty or (handshake is not None and handshake.needs_pty)
        try:
            _, session = await conn.create_session(
                lambda: _Session(handshake, keep_stderr),
                command,
                encoding=None,
                request_pty=pty,
                term_type="dumb" if pty else None,
            )
        except asyncssh.ChannelOpenError as exc:
            raise Unreachable(
                f"cannot open an SSH session to {self.settings.target}: {exc.reason} "
                "(too many channels? see sshd's MaxSessions)"
            )
        except (asyncssh.Error, OSError) as exc:
            raise SSHConnectionLost(f"ssh connection to {self.settings.target} lost: {exc}")
        return cast(_Session, session)

    async def spawn(
        self,
        argv: list[str],
        env: dict[str, str] | None = None,
        *,
        handshake: PasswordHandshake | None = None,
    ) -> ByteStream:
        """Start ``argv`` on a new channel; its stdin/stdout are the pipe."""
        command = remote_command(expand_auto_python(argv), env)
        session = await self._open_session(command, handshake, False)
        return SSHStream(session)

    async def exec_raw(
        self,
        command: str,
        stdin: bytes | None = None,
        timeout: float | None = None,
        *,
        handshake: PasswordHandshake | None = None,
    ) -> RawResult:
        """Run a shell command on a new channel, without Python."""
        session = await self._open_session(command, handshake, True)
        assert session.chan is not None and session.stderr is not None
        chan = session.chan
        try:
            out = await asyncio.wait_for(self._feed_and_read(session, stdin), timeout)
        except asyncio.TimeoutError:
            with contextlib.suppress(asyncssh.Error, OSError):
                chan.send_signal("KILL")
            chan.close()
            # sshd only confirms the close once the command's children let go
            # of its pipes; do not wait for a stray "sleep" to finish.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(session.closed.wait(), timeout=0.5)
            err = bytes(session.stderr) + b"\nlongplay: timed out after %gs\n" % (timeout or 0)
            return RawResult(-int(signal.SIGKILL), b"", err)
        await session.closed.wait()
        if session.lost is not None:
            raise SSHConnectionLost(f"{session.lost} ({self.settings.target})")
        return RawResult(session.returncode(), out, bytes(session.stderr))

    async def exec_raw_module(self, command: str) -> RawResult:
        """The ``raw`` module's run: on a terminal, as ansible-core's ssh -tt does.

        The command's stderr then comes back in stdout with ``\\r\\n`` line ends,
        and stderr holds what the ssh client (multiplexed, as ansible-core's
        default ControlMaster makes it) says when the terminal closes.
        """
        session = await self._open_session(command, None, True, pty=True)
        assert session.chan is not None and session.stderr is not None
        out = await self._feed_and_read(session, None)
        await session.closed.wait()
        if session.lost is not None:
            raise SSHConnectionLost(f"{session.lost} ({self.settings.target})")
        err = (
            bytes(session.stderr)
            + f"Shared connection to {self.settings.host} closed.\r\n".encode()
        )
        return RawResult(session.returncode(), out, err)

    async def open_sftp(self) -> asyncssh.SFTPClient:
        """An SFTP client on this connection, for bulk file transfer.

        The caller closes it (``client.exit()``); the connection stays open.
        """
        conn = self._conn
        if conn is None or self._lost is not None:
            raise SSHConnectionLost(f"ssh connection to {self.settings.target} is not open")
        try:
            return await conn.start_sftp_client()
        except (asyncssh.Error, OSError) as exc:
            raise Unreachable(f"cannot start SFTP on {self.settings.target}: {exc}")

    @staticmethod
    async def _feed_and_read(session: _Session, stdin: bytes | None) -> bytes:
        assert session.chan is not None
        reader = asyncio.ensure_future(session.stdout.read())
        auth = asyncio.ensure_future(session.authenticated.wait())
        closed = asyncio.ensure_future(session.closed.wait())
        await asyncio.wait([auth, closed], return_when=asyncio.FIRST_COMPLETED)
        auth.cancel()
        closed.cancel()
        with contextlib.suppress(BrokenPipeError, OSError, asyncssh.Error):
            if stdin:
                session.chan.write(stdin)
            session.chan.write_eof()
        return await reader


def _key_type_name(key: asyncssh.SSHKey) -> str:
    """ssh's short name for a key type in messages (ED25519, RSA, ECDSA...)."""
    algorithm = key.get_algorithm()
    if "ed25519" in algorithm:
        return "ED25519"
    if "ed448" in algorithm:
        return "ED448"
    if "ecdsa" in algorithm:
        return "ECDSA"
    if algorithm.startswith(("ssh-rsa", "rsa-")):
        return "RSA"
    if algorithm == "ssh-dss":
        return "DSA"
    return algorithm.upper()


def current_user() -> str:
    """The local user name, ssh's default login name."""
    try:
        return getpass.getuser()
    except Exception:
        return str(os.getuid())


def _cipher_preference() -> list[str]:
    """asyncssh's ciphers with AES-GCM first: OpenSSL does AES-GCM in C, while
    asyncssh's chacha20-poly1305 costs Python time on every packet. Every
    cipher stays on offer, so servers that want another still get it."""
    from asyncssh.encryption import get_default_encryption_algs

    algorithms = [name.decode("ascii") for name in get_default_encryption_algs()]
    preferred = [name for name in algorithms if name.startswith(("aes128-gcm", "aes256-gcm"))]
    return preferred + [name for name in algorithms if name not in preferred]
