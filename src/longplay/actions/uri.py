"""uri (controller side): a request body read from a controller file.

As in Ansible, ``src`` names a file on the controller unless ``remote_src``
is set: it is found like copy's (role ``files/``, playbook ``files/``,
playbook dir), uploaded to a private temporary directory on the host with a
checksum check, and the target module sends that copy. Everything else is
the target module's (the request is made from the host).
"""

from __future__ import annotations

import os
from typing import Any

from longplay.actions import transfer
from longplay.actions.base import action
from longplay.agent.modules.uri import OPTIONS as MODULE_OPTIONS
from longplay.agent.registry import Option
from longplay.executor.context import ActionContext

OPTIONS: dict[str, Option] = transfer.host_side_options(MODULE_OPTIONS)


@action("uri", options=OPTIONS, async_ok=True, transfers_files=True)
async def uri(ctx: ActionContext) -> dict[str, Any]:
    """Send the request from the host; a controller ``src`` is uploaded first."""
    args = {k: v for k, v in ctx.args.items() if v is not None}
    src = args.get("src")
    if not src or args.get("remote_src"):
        return await ctx.run_module("uri", args)
    found = ctx.find_file("files", os.path.expanduser(str(src)))
    if found is None or os.path.isdir(found):
        return {
            "failed": True,
            "changed": False,
            "msg": f"Task failed: {ctx.not_found('files', str(src))}",
        }
    try:
        async with transfer.remote_tmpdir(ctx) as tmpdir:
            staged = f"{tmpdir}/{os.path.basename(found)}"
            await transfer.upload_file(ctx, found, staged)
            return await ctx.run_module("uri", dict(args, src=staged, remote_src=True))
    except transfer.TransferFailed as exc:
        return transfer.failed(exc)
