"""assert: fail unless every condition holds."""

from __future__ import annotations

from typing import Any

from longplay.actions.base import action
from longplay.agent.registry import Option
from longplay.errors import ErrorCause, LongplayError, condition_failure
from longplay.executor import results as res
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
    if isinstance(raw_that, list):
        conditions = list(raw_that)
        origins = list(getattr(raw_that, "item_origins", []))
    else:
        conditions, origins = [raw_that], [ctx.task.arg_origins.get("that")]
    origins += [None] * (len(conditions) - len(origins))
    for condition, origin in zip(conditions, origins, strict=True):
        ctx.note_condition(condition, origin or ctx.task.origin)
        try:
            holds = ctx.templar.condition(condition, origin or ctx.task.origin)
        except LongplayError as exc:
            message = condition_failure(exc)
            cause = ErrorCause(message, origin, detail=exc.example)
            return {
                "failed": True,
                "changed": False,
                "msg": f"Task failed: {message}",
                res.ERROR: [res.task_failed(ctx.task.origin), cause],
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
