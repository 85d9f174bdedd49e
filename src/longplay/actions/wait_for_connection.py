"""wait_for_connection: wait until the host answers through its agent.

Useful after a reboot or while a host is being provisioned: the host is
tried (connection, agent, ``ping``) until it answers or ``timeout`` passes.
A host that cannot be reached meanwhile is not marked unreachable; only the
timeout fails the task.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from longplay.actions.base import action
from longplay.agent.registry import Option
from longplay.executor.context import ActionContext
from longplay.transport.base import Unreachable


@action(
    "wait_for_connection",
    options={
        "connect_timeout": Option(type="int", default=5),
        "delay": Option(type="int", default=0),
        "sleep": Option(type="int", default=1),
        "timeout": Option(type="int", default=600),
    },
)
async def wait_for_connection(ctx: ActionContext) -> dict[str, Any]:
    """``elapsed`` whole seconds once ``ping`` answers; a failure names the last error."""
    started = time.monotonic()
    await asyncio.sleep(max(0, ctx.args["delay"]))
    deadline = started + max(0, ctx.args["timeout"])
    while True:
        try:
            await ctx.run_module("ping", {}, check_mode=False)
            return {"changed": False, "elapsed": int(time.monotonic() - started)}
        except Unreachable as exc:
            error = exc.reason
            await ctx.connection.reset()
        if time.monotonic() >= deadline:
            return {
                "changed": False,
                "elapsed": int(time.monotonic() - started),
                "failed": True,
                "msg": f"timed out waiting for ping module test: {error}",
            }
        await asyncio.sleep(max(0.1, min(ctx.args["sleep"], deadline - time.monotonic())))
