"""Moving file content between the controller and a host, through the host's agent.

Several actions need bytes on the other side: copy and template send content
too big to travel inline, script and unarchive send a controller file to run
or unpack, fetch brings a host file back. All of it goes over the agent's
``put``/``get`` ops (so it works unchanged over SSH and with become), in
chunks small enough to keep each protocol frame modest, and every transfer is
checked with a SHA-1 checksum, so a truncated or corrupted copy fails the
task instead of landing silently.

Uploads go to a private temporary directory on the host (``0700``, under
``ansible_remote_tmp``, default ``~/.ansible/tmp``) that :func:`remote_tmpdir`
removes again when the action is done, even when it fails.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import IO, Any

from longplay.agent.fileops import current_umask
from longplay.agent.registry import Option
from longplay.executor.context import ActionContext
from longplay.transport.client import AgentError

#: Bytes per ``put``/``get`` request: large enough to be quick, small enough
#: that one frame never holds a whole big file in memory twice.
CHUNK_SIZE = 1 << 20

DEFAULT_REMOTE_TMP = "~/.ansible/tmp"


def host_side_options(options: dict[str, Option]) -> dict[str, Option]:
    """A target module's options for the action in front of it: ``path`` options stay
    text, because the host expands ``~``, not the controller."""
    return {
        name: Option(
            type="str" if option.type == "path" else option.type,
            required=option.required,
            default=option.default,
            choices=option.choices,
            aliases=option.aliases,
            elements=option.elements,
            no_log=option.no_log,
        )
        for name, option in options.items()
    }


class TransferFailed(Exception):
    """A transfer went wrong; ``msg`` is what the failed task result says."""

    def __init__(self, msg: str) -> None:
        super().__init__(msg)
        self.msg = msg


@dataclass(frozen=True)
class Digest:
    """What a transfer computed over the bytes it moved."""

    sha1: str
    md5: str
    size: int


def failed(exc: TransferFailed) -> dict[str, Any]:
    """The task result for a failed transfer."""
    return {"failed": True, "changed": False, "msg": exc.msg}


# --- the host's temporary directory ---------------------------------------------


def remote_tmp_base(ctx: ActionContext) -> str:
    """Where the host keeps temporary files (``ansible_remote_tmp``, ``~/.ansible/tmp``)."""
    if "ansible_remote_tmp" in ctx.variables.raw:
        return str(ctx.variables["ansible_remote_tmp"]).rstrip("/") or DEFAULT_REMOTE_TMP
    return DEFAULT_REMOTE_TMP


@asynccontextmanager
async def remote_tmpdir(ctx: ActionContext) -> AsyncIterator[str]:
    """A fresh private directory on the host, removed on the way out.

    The directory is made and removed outside check mode: it is the action's
    scratch space, not a change the task reports.
    """
    path = f"{remote_tmp_base(ctx)}/longplay-tmp-{uuid.uuid4().hex}"
    made = await ctx.run_module(
        "file", {"path": path, "state": "directory", "mode": "0700"}, check_mode=False
    )
    if made.get("failed"):
        raise TransferFailed(
            f"could not create a temporary directory {path} on {ctx.host.name}: {made.get('msg')}"
        )
    real = str(made.get("path") or path)
    try:
        yield real
    finally:
        await ctx.run_module("file", {"path": real, "state": "absent"}, check_mode=False)


# --- controller -> host ---------------------------------------------------------


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    while True:
        block = handle.read(CHUNK_SIZE)
        if not block:
            return
        yield block


async def _put(ctx: ActionContext, remote: str, **fields: Any) -> dict[str, Any]:
    try:
        return await ctx.request("put", path=remote, **fields)
    except AgentError as exc:
        raise TransferFailed(f"failed to transfer a file to {remote} on {ctx.host.name}: {exc}")


async def upload_stream(
    ctx: ActionContext, handle: IO[bytes], remote: str, mode: int = 0o600, verify: bool = True
) -> Digest:
    """Send everything ``handle`` holds to ``remote`` on the host.

    The file is created empty with ``mode`` first, so content is never
    readable by others, even for a moment; then each chunk is appended.
    With ``verify`` the host's SHA-1 of the result must match what was sent.
    """
    sha1, md5, size = hashlib.sha1(), hashlib.md5(usedforsecurity=False), 0
    await _put(ctx, remote, data="", mode=mode)
    for block in _chunks(handle):
        sha1.update(block)
        md5.update(block)
        size += len(block)
        written = await _put(ctx, remote, data=base64.b64encode(block).decode("ascii"), append=True)
        if int(written.get("size", -1)) != size:
            raise TransferFailed(
                f"transfer to {remote} on {ctx.host.name} is incomplete: "
                f"{written.get('size')} of {size} bytes arrived"
            )
    digest = Digest(sha1.hexdigest(), md5.hexdigest(), size)
    if verify:
        await verify_remote(ctx, remote, digest.sha1)
    return digest


async def upload_file(
    ctx: ActionContext, local: str, remote: str, mode: int = 0o600, verify: bool = True
) -> Digest:
    """Send the controller file ``local`` to ``remote`` on the host."""
    try:
        with open(local, "rb") as handle:
            return await upload_stream(ctx, handle, remote, mode, verify)
    except OSError as exc:
        raise TransferFailed(f"could not read {local} on the controller: {exc.strerror or exc}")


async def remote_checksum(ctx: ActionContext, remote: str) -> dict[str, Any]:
    """The host's ``stat`` of ``remote`` with its SHA-1 (following links, no MIME)."""
    result = await ctx.run_module(
        "stat",
        {
            "path": remote,
            "follow": True,
            "get_checksum": True,
            "checksum_algorithm": "sha1",
            "get_mime": False,
            "get_attributes": False,
        },
        check_mode=False,
    )
    if result.get("failed"):
        raise TransferFailed(str(result.get("msg")))
    stat: dict[str, Any] = result.get("stat") or {}
    return stat


async def verify_remote(ctx: ActionContext, remote: str, sha1: str) -> None:
    stat = await remote_checksum(ctx, remote)
    if stat.get("checksum") != sha1:
        raise TransferFailed(
            f"transfer to {remote} on {ctx.host.name} failed its checksum check "
            f"(sent {sha1}, the host has {stat.get('checksum')})"
        )


# --- host -> controller ---------------------------------------------------------


async def download_file(
    ctx: ActionContext, remote: str, local: str, expected_sha1: str | None = None
) -> Digest:
    """Bring ``remote`` from the host to ``local`` on the controller, atomically.

    The bytes land in a temporary file beside ``local`` and replace it in one
    rename, only once their SHA-1 matches ``expected_sha1`` (when given), so a
    failed download never leaves a half file where the old one was.
    """
    directory = os.path.dirname(os.path.abspath(local))
    fd, tmp = tempfile.mkstemp(prefix=".longplay-fetch-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            digest = await _receive(ctx, remote, handle)
        if expected_sha1 is not None and digest.sha1 != expected_sha1:
            raise TransferFailed(
                f"checksum mismatch fetching {remote} from {ctx.host.name}: "
                f"the host said {expected_sha1}, {digest.sha1} arrived"
            )
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, local)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return digest


async def _receive(ctx: ActionContext, remote: str, handle: IO[bytes]) -> Digest:
    sha1, md5, offset = hashlib.sha1(), hashlib.md5(usedforsecurity=False), 0
    while True:
        try:
            reply = await ctx.request("get", path=remote, offset=offset, size=CHUNK_SIZE)
        except AgentError as exc:
            raise TransferFailed(f"failed to read {remote} on {ctx.host.name}: {exc}")
        block = base64.b64decode(reply.get("data") or "")
        handle.write(block)
        sha1.update(block)
        md5.update(block)
        offset += len(block)
        if reply.get("eof") or not block:
            return Digest(sha1.hexdigest(), md5.hexdigest(), offset)


def local_digest(path: str) -> Digest:
    """SHA-1, MD5 and size of a controller file."""
    sha1, md5, size = hashlib.sha1(), hashlib.md5(usedforsecurity=False), 0
    with open(path, "rb") as handle:
        for block in _chunks(handle):
            sha1.update(block)
            md5.update(block)
            size += len(block)
    return Digest(sha1.hexdigest(), md5.hexdigest(), size)
