"""assert: fail unless every condition holds."""

from __future__ import annotations

from typing import Any

from longplay.actions.base import action
from longplay.agent.registry import Option
from longplay.errors import LongplayError, condition_failure
from longplay.executor.context import ActionContext
from longplay.executor.results import VERBOSE_ALWAYS


@action(
    "assert",
    options={
        "that": Option(type="raw", required=True),
        "fail_msg": Option(type="raw", aliases=("msg",)),
        "success_msg": Option(type="raw"),
        "quiet": Option(type="bool", default=False),
    },
)
async def assert_(ctx: ActionContext) -> dict[str, Any]:
    """``that`` is one bare expression or a list of them; all must be true."""
    # The conditions are bare expressions: evaluate them as written, not pre-templated.
    raw_that = ctx.task.args.get("that")
    args = ctx.args
    conditions = raw_that if isinstance(raw_that, list) else [raw_that]
    for condition in conditions:
        try:
            holds = ctx.templar.condition(condition, ctx.task.origin)
        except LongplayError as exc:
            return {
                "failed": True,
                "changed": False,
                "msg": f"Task failed: {condition_failure(exc)}",
            }
        if not holds:
            return {
                "failed": True,
                "changed": False,
                "assertion": condition,
                "evaluated_to": False,
                "msg": args["fail_msg"] if args["fail_msg"] is not None else "Assertion failed",
                VERBOSE_ALWAYS: not args["quiet"],
            }
    return {
        "changed": False,
        "msg": args["success_msg"] or "All assertions passed",
        VERBOSE_ALWAYS: not args["quiet"],
    }
