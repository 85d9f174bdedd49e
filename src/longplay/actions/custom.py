"""Custom modules from ``library/``: run unchanged, with Ansible's convention.

A module file is a program that takes the path of a JSON file holding its
arguments as its first argument and prints one JSON object (its result).
The controller sends the file to the host's agent, which runs it there.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from longplay.executor.context import ActionContext

if TYPE_CHECKING:
    from longplay.catalog import ModuleInfo


async def run_custom_module(ctx: ActionContext, info: ModuleInfo) -> dict[str, Any]:
    assert info.path is not None
    with open(info.path, "rb") as handle:
        source = handle.read()
    return await ctx.run_module(
        "_custom_module",
        {
            "name": info.name,
            "source": base64.b64encode(source).decode("ascii"),
            "module_args": ctx.args,
            "check_mode": ctx.check_mode,
        },
    )
