"""include_role: load a role when the task runs (see include_tasks for how the tasks run)."""

from __future__ import annotations

from typing import Any

from longplay.actions.base import action
from longplay.actions.include_tasks import (
    INCLUDE_FAILED,
    parse_context,
    shared_include,
    wrapper_block,
)
from longplay.agent.registry import Option
from longplay.errors import ErrorCause, LongplayError
from longplay.executor import results as res
from longplay.executor.context import ActionContext
from longplay.playbook.model import Node


@action(
    "include_role",
    options={
        "name": Option(required=True),
        "tasks_from": Option(default="main"),
        "vars_from": Option(default="main"),
        "defaults_from": Option(default="main"),
        "handlers_from": Option(default="main"),
        "apply": Option(type="dict"),
        "public": Option(type="bool", default=False),
        "allow_duplicates": Option(type="bool", default=True),
        "rolespec_validate": Option(type="bool", default=True),
    },
)
async def include_role(ctx: ActionContext) -> dict[str, Any]:
    """Load the role now and return its tasks for the executor to run."""
    from longplay.playbook.roles import expand_role

    def build() -> list[Node]:
        block = wrapper_block(ctx)
        blocks = expand_role(
            str(ctx.args["name"]),
            {},
            {},
            block,
            parse_context(ctx),
            (*block.position, 0),
            ctx.task.origin,
            ctx.task.play.roles_applied,
            tasks_from=str(ctx.args["tasks_from"]),
            vars_from=str(ctx.args["vars_from"]),
            defaults_from=str(ctx.args["defaults_from"]),
            always=True,
        )
        block.block = list(blocks)
        play = ctx.task.play
        for role_block in blocks:
            if role_block.role is not None:
                play.handlers.extend(h for h in role_block.role.handlers if h not in play.handlers)
        return [block]

    target = f"{ctx.args['name']}:{ctx.args['tasks_from']}"
    try:
        nodes = shared_include(ctx, target, build)
    except LongplayError as exc:
        if not exc.message.startswith("the role "):
            raise
        # a role that is not there fails the host whatever ignore_errors says (as ansible-core)
        return {
            "failed": True,
            "changed": False,
            "reason": exc.message,
            INCLUDE_FAILED: True,
            res.ERROR: [ErrorCause(exc.message)],
        }
    result = {"changed": False, "include": ctx.args["name"], "_longplay_include": nodes}
    if ctx.args["public"]:
        result["_longplay_public"] = True
    return result
