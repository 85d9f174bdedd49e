"""debug: print a message or a variable."""

from __future__ import annotations

from typing import Any

from longplay.actions.base import action
from longplay.agent.registry import Option
from longplay.errors import ErrorCause, LongplayError, template_errors_warning
from longplay.executor.context import ActionContext
from longplay.executor.results import ERROR, VERBOSE_ALWAYS, task_failed


@action(
    "debug",
    options={
        "msg": Option(type="raw"),
        "var": Option(type="raw"),
        "verbosity": Option(type="int", default=0),
    },
)
async def debug(ctx: ActionContext) -> dict[str, Any]:
    """``msg`` (default "Hello world!") or ``var`` (a variable name or expression)."""
    args = ctx.args
    if args["msg"] is not None and args["var"] is not None:
        message = "parameters are mutually exclusive: msg|var"
        # ansible-core's argument check stops the task: 'Task failed: ...'
        return {
            "failed": True,
            "msg": message,
            ERROR: [task_failed(ctx.task.origin), ErrorCause(message)],
        }
    if ctx.verbosity < args["verbosity"]:
        return {"skipped": True, "changed": False, "skip_reason": "Verbosity threshold not met."}
    if args["var"] is not None:
        name = args["var"]
        return {
            name if isinstance(name, str) else str(name): _show_var(ctx, name),
            "changed": False,
            "failed": False,
            VERBOSE_ALWAYS: True,
        }
    # a msg that is given stays as it is, null too; only a missing one gets the default
    given = args["msg"] is not None or "msg" in ctx.task.args
    message = args["msg"] if given else "Hello world!"
    return {"msg": message, "changed": False, "failed": False, VERBOSE_ALWAYS: True}


def _show_var(ctx: ActionContext, name: Any) -> Any:
    if not isinstance(name, str):
        return name
    try:
        value = ctx.templar.evaluate(name)
    except LongplayError as exc:
        origins = ctx.task.arg_origins
        ctx.warn(template_errors_warning([exc.message], origins.get("var", origins.get("*"))))
        return f"<< error 1 - {exc.message} >>"  # what ansible-core 2.19 shows
    return value
