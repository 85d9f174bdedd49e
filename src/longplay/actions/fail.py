"""fail: stop the host with a message."""

from __future__ import annotations

from typing import Any

from longplay.actions.base import action
from longplay.agent.registry import Option
from longplay.executor.context import ActionContext


@action("fail", options={"msg": Option(type="raw", default="Failed as requested from task")})
async def fail(ctx: ActionContext) -> dict[str, Any]:
    """Always fails, with ``msg``."""
    message = ctx.args.get("msg", "Failed as requested from task")
    return {"failed": True, "changed": False, "msg": message}
