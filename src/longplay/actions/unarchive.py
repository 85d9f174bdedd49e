"""unarchive (controller side): send a controller archive to the host, then unpack it there.

With ``remote_src`` or a URL ``src`` the target module does everything. Else
``src`` is found like copy's (role ``files/``, playbook ``files/``, playbook
dir), ``creates`` is checked on the host first (nothing is sent when it
exists), the archive is uploaded to a private temporary directory with a
checksum check, and the target module unpacks that copy (``remote_src``).
The result names the controller's ``src``.
"""

from __future__ import annotations

import os
from typing import Any

from longplay.actions import transfer
from longplay.actions.base import action
from longplay.agent.modules.unarchive import OPTIONS as MODULE_OPTIONS
from longplay.agent.registry import Option
from longplay.executor import results as res
from longplay.executor.context import ActionContext

OPTIONS: dict[str, Option] = transfer.host_side_options(MODULE_OPTIONS)
OPTIONS["copy"] = Option(type="bool", default=True)  # Ansible's old spelling of "not remote_src"


def _module_args(args: dict[str, Any]) -> dict[str, Any]:
    """The options the task set (unset lists left out: include and exclude exclude each other)."""
    return {k: v for k, v in args.items() if v not in (None, []) and k != "copy"}


@action("unarchive", options=OPTIONS, transfers_files=True)
async def unarchive(ctx: ActionContext) -> dict[str, Any]:
    """Unpack a controller-side archive on the host (or hand host/URL sources to the module)."""
    args = ctx.args
    src = str(args["src"])
    remote_src = bool(args["remote_src"]) or not args["copy"]
    if remote_src or "://" in src:
        return await ctx.run_module("unarchive", dict(_module_args(args), remote_src=remote_src))
    found = ctx.find_file("files", os.path.expanduser(src))
    if found is None or os.path.isdir(found):
        # unarchive words it "Task failed: ..." in the result as well
        msg = f"Task failed: {ctx.not_found('files', src)}"
        return {"failed": True, "changed": False, "msg": msg, res.RAISED: True}
    try:
        if args["creates"] and (await transfer.remote_checksum(ctx, args["creates"])).get("exists"):
            return {
                "changed": False,
                "skipped": True,
                "msg": f"skipped, since {args['creates']} exists",
            }
        async with transfer.remote_tmpdir(ctx) as tmpdir:
            staged = f"{tmpdir}/{os.path.basename(found)}"
            await transfer.upload_file(ctx, found, staged)
            result = await ctx.run_module(
                "unarchive", dict(_module_args(args), src=staged, remote_src=True)
            )
    except transfer.TransferFailed as exc:
        return transfer.failed(exc)
    if "src" in result:
        result["src"] = found
    return result
