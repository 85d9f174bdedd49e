"""fetch: bring a file from the host to the controller.

The file lands at ``dest/<inventory_hostname>/<src path>`` (so many hosts'
copies of the same path never collide) or, with ``flat``, at ``dest`` itself
(``dest/`` ending in a slash takes the file's name). It is transferred only
when the controller's copy has a different SHA-1, and replaced in one rename
once the received bytes match the host's checksum. Check mode reports what
would change without writing anything.

Result keys as in Ansible: changed, checksum, dest, file (when unchanged or
missing), md5sum, remote_checksum, remote_md5sum.
"""

from __future__ import annotations

import os
from typing import Any

from longplay.actions import transfer
from longplay.actions.base import action
from longplay.agent.registry import Option
from longplay.errors import ErrorCause
from longplay.executor import results as res
from longplay.executor.context import ActionContext

MISSING = "the remote file does not exist, not transferring, ignored"


@action(
    "fetch",
    options={
        "src": Option(required=True),
        "dest": Option(required=True),
        "flat": Option(type="bool", default=False),
        "fail_on_missing": Option(type="bool", default=True),
        "validate_checksum": Option(type="bool", default=True),
    },
)
async def fetch(ctx: ActionContext) -> dict[str, Any]:
    """Copy ``src`` from the host into ``dest`` on the controller, only if it differs."""
    src = str(ctx.args["src"])
    try:
        info = await transfer.remote_checksum(ctx, src)
        problem = _unfetchable(src, info, bool(ctx.args["fail_on_missing"]))
        if problem is not None and problem.get("failed") and not info.get("exists"):
            # ansible-core's slurp failed underneath: its words are in the error report
            problem[res.ERROR] = [
                res.task_failed(ctx.task.origin),
                ErrorCause(f"Module failed: File not found: {src}"),
                ErrorCause(f"[Errno 2] No such file or directory: '{src}'"),
            ]
        if problem is not None:
            return problem
        dest = local_dest(ctx, src)
        return await _fetch(ctx, src, dest, str(info.get("checksum")))
    except transfer.TransferFailed as exc:
        return transfer.failed(exc)
    except OSError as exc:
        return {
            "failed": True,
            "changed": False,
            "msg": f"could not write {exc.filename or ctx.args['dest']} on the controller: "
            f"{exc.strerror or exc}",
        }


def _unfetchable(src: str, info: dict[str, Any], fail_on_missing: bool) -> dict[str, Any] | None:
    """A result for a src that cannot be fetched (missing, a directory, unreadable), else None."""
    if not info.get("exists"):
        if fail_on_missing:
            # raised by the module in ansible-core: failed_when keeps it aside as an exception
            return {"failed": True, "changed": False, "msg": MISSING, res.MODULE_FAILED: True}
        return {"changed": False, "msg": MISSING, "file": src}
    if info.get("isdir"):
        return {
            "failed": True,
            "changed": False,
            "msg": "remote file is a directory, fetch cannot work on directories",
        }
    if not info.get("readable", True):
        return {"failed": True, "changed": False, "msg": f"file is not readable: {src}"}
    return None


def local_dest(ctx: ActionContext, src: str) -> str:
    """Where the fetched file goes on the controller (relative dests from the playbook dir)."""
    dest = os.path.expanduser(str(ctx.args["dest"]))
    if not os.path.isabs(dest):
        base = str(ctx.variables.raw.get("playbook_dir") or ctx.task.basedir)
        dest = os.path.join(base, dest)
    if ctx.args["flat"]:
        if dest.endswith("/"):
            return os.path.join(dest, os.path.basename(src))
        return dest
    host = str(ctx.variables.raw.get("inventory_hostname") or ctx.host.name)
    relative = os.path.normpath(src).lstrip("/")
    return os.path.join(dest, host, relative)


async def _fetch(ctx: ActionContext, src: str, dest: str, remote_sha1: str) -> dict[str, Any]:
    if os.path.isdir(dest):
        return {"failed": True, "changed": False, "msg": f"dest {dest} is an existing directory"}
    current = transfer.local_digest(dest) if os.path.isfile(dest) else None
    if current is not None and current.sha1 == remote_sha1:
        return {
            "changed": False,
            "checksum": current.sha1,
            "dest": dest,
            "file": src,
            "md5sum": current.md5,
        }
    result: dict[str, Any] = {
        "changed": True,
        "dest": dest,
        "remote_checksum": remote_sha1,
        "remote_md5sum": None,
    }
    if ctx.check_mode:
        result.update(checksum=remote_sha1, md5sum=None)
        return result
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    expected = remote_sha1 if ctx.args["validate_checksum"] else None
    digest = await transfer.download_file(ctx, src, dest, expected)
    result.update(checksum=digest.sha1, md5sum=digest.md5)
    return result
