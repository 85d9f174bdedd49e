"""pause: wait a number of seconds (prompts are not supported without a terminal)."""

from __future__ import annotations

import asyncio
from typing import Any

from longplay.actions.base import action
from longplay.agent.registry import Option
from longplay.executor.context import ActionContext


@action(
    "pause",
    options={
        "seconds": Option(type="float"),
        "minutes": Option(type="float"),
        "prompt": Option(),
        "echo": Option(type="bool", default=True),
    },
)
async def pause(ctx: ActionContext) -> dict[str, Any]:
    """Sleep for ``seconds``/``minutes``; a bare prompt without a duration does not block."""
    args = ctx.args
    seconds = (args["seconds"] or 0) + (args["minutes"] or 0) * 60
    if args["prompt"] and not seconds:
        ctx.warn(f"pause: not waiting for input (no terminal): {args['prompt']}")
    await asyncio.sleep(seconds)
    return {
        "changed": False,
        "delta": int(seconds),
        "echo": args["echo"],
        "rc": 0,
        "start": None,
        "stop": None,
        "user_input": "",
        "stdout": f"Paused for {seconds / 60 if args['minutes'] else seconds} {'minutes' if args['minutes'] else 'seconds'}",
    }
