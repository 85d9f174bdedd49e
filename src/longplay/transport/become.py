"""Become: run the agent (or a raw command) as another user, with sudo or su.

The become agent is a second agent on the same connection: its argv is the
normal agent argv behind a wrapper (``sudo -H -S -n -u USER --``). The
environment goes *inside* the wrapper (``env K=V``), because sudo resets the
environment it was started with.

A become password is typed only when the wrapper actually asks for it: we
give sudo a unique prompt and watch its stderr (``sudo -S``), or watch the
terminal for su's prompt (su reads passwords from a tty only). Blindly writing
the password would corrupt the agent's stdin whenever sudo does not ask
(NOPASSWD, cached credentials). Once authenticated, the wrapped shell prints a
unique marker line; everything before it is the wrapper's chatter, everything
after it is the agent. Answering the prompt needs the transport's help (it
must see the channel's raw stderr or terminal output), so transports that can
do it set ``supports_password_handshake`` and accept a ``handshake=`` keyword
in ``spawn`` and ``exec_raw``.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, cast

from longplay.transport.base import ByteStream, RawResult, Transport, Unreachable

BECOME_METHODS = ("sudo", "su")

#: su's prompt is localised and comes from PAM; match the usual words.
_SU_PROMPT = re.compile(
    rb"(?i)(password|passwort|mot de passe|contrase\xc3\xb1a|senha|parola|wachtwoord)"
    rb"[^\n]*?(:|\xef\xbc\x9a)\s*$"
)


@dataclass(frozen=True)
class BecomeSpec:
    """Who to become and how (``become_user``, ``become_method``...)."""

    user: str = "root"
    method: str = "sudo"
    password: str | None = None
    #: ``become_exe``: the sudo/su binary to run (default: the method's name)
    exe: str | None = None
    #: ``become_flags``; None or "" means the method's defaults (sudo: ``-H -S -n``)
    flags: str | None = None


@dataclass(frozen=True)
class PasswordHandshake:
    """How a transport answers one become password prompt on a new channel."""

    prompt: re.Pattern[bytes]
    password: bytes
    #: printed on a line of its own once the wrapper let us in
    marker: bytes
    #: True when the prompt and marker come on stdout (su, on a terminal)
    on_stdout: bool
    #: su only reads passwords from a terminal
    needs_pty: bool


@dataclass(frozen=True)
class BecomeCommand:
    """The full argv to run, and the handshake it needs (None: no password)."""

    argv: list[str]
    handshake: PasswordHandshake | None


def env_prefix(env: Mapping[str, str] | None) -> list[str]:
    """``env K=V ...`` so variables survive sudo's environment reset."""
    if not env:
        return []
    return ["env", *(f"{key}={value}" for key, value in env.items())]


def become_wrapper(spec: BecomeSpec, env: Mapping[str, str] | None = None) -> list[str]:
    """The argv prefix for becoming ``spec.user`` without a password.

    Usable as ``AgentClient.start(transport, python, wrapper=...)``; with a
    password use :class:`BecomeTransport` (or :func:`become_command`).
    """
    if spec.password:
        raise ValueError("become with a password needs become_command()/BecomeTransport")
    return become_command(spec, [], env).argv


def become_command(
    spec: BecomeSpec, argv: list[str], env: Mapping[str, str] | None = None
) -> BecomeCommand:
    """Wrap ``argv`` so it runs as ``spec.user``."""
    inner = env_prefix(env) + argv
    if spec.method == "sudo":
        return _sudo(spec, inner)
    if spec.method == "su":
        return _su(spec, inner)
    raise ValueError(
        f"unsupported become method {spec.method!r} (supported: {', '.join(BECOME_METHODS)})"
    )


def _marker() -> bytes:
    return b"LONGPLAY-BECOME-OK-" + os.urandom(8).hex().encode()


def _sudo(spec: BecomeSpec, inner: list[str]) -> BecomeCommand:
    flags = shlex.split(spec.flags or "-H -S -n")
    exe = spec.exe or "sudo"
    if not spec.password:
        return BecomeCommand([exe, *flags, "-u", spec.user, "--", *inner], None)
    # -n would make sudo fail instead of asking; a '%' would be expanded by sudo.
    flags = [flag for flag in flags if flag != "-n"]
    if "-S" not in flags:
        flags.append("-S")
    prompt = f"[longplay sudo key={os.urandom(8).hex()}] password:"
    marker = _marker()
    shell = f"echo {marker.decode()} >&2; exec " + '"$0" "$@"'
    argv = [exe, *flags, "-p", prompt, "-u", spec.user, "--", "/bin/sh", "-c", shell, *inner]
    handshake = PasswordHandshake(
        prompt=re.compile(re.escape(prompt.encode()) + rb"\s*$"),
        password=spec.password.encode(),
        marker=marker,
        on_stdout=False,
        needs_pty=False,
    )
    return BecomeCommand(argv, handshake)


def _su(spec: BecomeSpec, inner: list[str]) -> BecomeCommand:
    # su -c takes one shell string: pass the argv as the shell's "$0" "$@".
    # "--" keeps util-linux su from parsing the agent's own "-c".
    flags = shlex.split(spec.flags or "")
    exe = spec.exe or "su"
    if not spec.password:
        shell = 'exec "$0" "$@"'
        return BecomeCommand([exe, *flags, spec.user, "-c", shell, "--", *inner], None)
    # On a terminal: make it a clean 8-bit pipe before the agent talks, and
    # keep the agent's stderr out of the (merged) terminal stream.
    marker = _marker()
    shell = (
        f"stty raw -echo -iexten 2>/dev/null; echo {marker.decode()}; "
        + 'exec "$0" "$@" 2>/dev/null'
    )
    handshake = PasswordHandshake(
        prompt=_SU_PROMPT,
        password=spec.password.encode(),
        marker=marker,
        on_stdout=True,
        needs_pty=True,
    )
    return BecomeCommand([exe, *flags, spec.user, "-c", shell, "--", *inner], handshake)


class HandshakeTransport(Protocol):
    """A transport that can answer a become prompt (see the module docstring)."""

    async def spawn(
        self,
        argv: list[str],
        env: dict[str, str] | None = None,
        *,
        handshake: PasswordHandshake | None = None,
    ) -> ByteStream: ...

    async def exec_raw(
        self,
        command: str,
        stdin: bytes | None = None,
        timeout: float | None = None,
        *,
        handshake: PasswordHandshake | None = None,
    ) -> RawResult: ...


class BecomeTransport(Transport):
    """A view of ``inner`` where everything runs as another user.

    ``AgentClient.start(BecomeTransport(ssh, spec), python)`` starts the
    become agent as a second channel on ``ssh``'s connection. Closing the view
    leaves the connection open: it belongs to ``inner``.
    """

    def __init__(self, inner: Transport, spec: BecomeSpec) -> None:
        self.inner = inner
        self.spec = spec
        self.description = f"{inner.description} (become {spec.method} {spec.user})"

    def _interactive(self) -> HandshakeTransport:
        if not getattr(self.inner, "supports_password_handshake", False):
            raise Unreachable(
                f"become with a password is not supported over {self.inner.description}"
            )
        return cast(HandshakeTransport, self.inner)

    async def connect(self) -> None:
        await self.inner.connect()

    async def spawn(self, argv: list[str], env: dict[str, str] | None = None) -> ByteStream:
        command = become_command(self.spec, argv, env)
        if command.handshake is None:
            return await self.inner.spawn(command.argv)
        return await self._interactive().spawn(command.argv, handshake=command.handshake)

    async def exec_raw(
        self, command: str, stdin: bytes | None = None, timeout: float | None = None
    ) -> RawResult:
        wrapped = become_command(self.spec, ["/bin/sh", "-c", command])
        if wrapped.handshake is not None and wrapped.handshake.needs_pty:
            # A terminal has no end-of-file once it is raw: hand the command
            # exactly len(stdin) bytes, or none at all.
            feed = f"head -c {len(stdin)}" if stdin else "true"
            script = feed + ' | /bin/sh -c "$1"'
            wrapped = become_command(self.spec, ["/bin/sh", "-c", script, "sh", command])
        line = shlex.join(wrapped.argv)
        if wrapped.handshake is None:
            return await self.inner.exec_raw(line, stdin, timeout)
        return await self._interactive().exec_raw(line, stdin, timeout, handshake=wrapped.handshake)

    async def close(self) -> None:
        return None
