"""pause: wait a number of seconds or minutes, as ansible-core does without a terminal.

Like ansible-core, it runs for the batch's first host only (the other hosts
neither show nor register it), prints ``Pausing for N seconds`` (whole
seconds, at least one), and does not wait for an answer to a prompt when
stdin is not interactive.
"""

from __future__ import annotations

import asyncio
import datetime
import sys
import time
from typing import Any

from longplay.actions.base import action
from longplay.agent.registry import Option
from longplay.executor.context import ActionContext

NOT_INTERACTIVE = "Not waiting for response to prompt as stdin is not interactive"


@action(
    "pause",
    options={
        "seconds": Option(type="float"),
        "minutes": Option(type="float"),
        "prompt": Option(),
        "echo": Option(type="bool", default=True),
    },
    once=True,
)
async def pause(ctx: ActionContext) -> dict[str, Any]:
    """Sleep for ``seconds``/``minutes``; a bare prompt without a duration does not block."""
    args = ctx.args
    unit = "minutes"
    seconds: int | None = None
    if args["minutes"] is not None:
        seconds = int(args["minutes"] * 60)
    elif args["seconds"] is not None:
        unit = "seconds"
        seconds = int(args["seconds"])
    result: dict[str, Any] = {"changed": False, "rc": 0, "stderr": "", "user_input": ""}
    start = time.monotonic()
    result["start"] = str(datetime.datetime.now())
    if seconds is not None:
        seconds = max(1, seconds)
        ctx.run.output.display(f"Pausing for {seconds} seconds")
        if args["prompt"]:
            ctx.run.output.display("(ctrl+C then 'C' = continue early, ctrl+C then 'A' = abort)\r")
        await asyncio.sleep(seconds)
    elif not sys.stdin.isatty():
        result["warnings"] = [NOT_INTERACTIVE]  # shown as a [WARNING] with the result
    else:
        ctx.warn(f"pause: not waiting for input (longplay does not read prompts): {args['prompt']}")
    elapsed = time.monotonic() - start
    result["stop"] = str(datetime.datetime.now())
    result["delta"] = int(elapsed)
    result["echo"] = args["echo"]
    amount = elapsed / 60 if unit == "minutes" else elapsed
    result["stdout"] = f"Paused for {round(amount, 2)} {unit}"
    return result
