"""set_fact: set host variables that last for the rest of the run."""

from __future__ import annotations

from typing import Any

from longplay.actions.base import action
from longplay.errors import ErrorCause
from longplay.executor import results as res
from longplay.executor.context import ActionContext


@action("set_fact")
async def set_fact(ctx: ActionContext) -> dict[str, Any]:
    """Every argument (except ``cacheable``) becomes a variable of the host."""
    values = {k: v for k, v in ctx.args.items() if k not in ("cacheable", "_raw_params")}
    if not values:
        message = "No key/value pairs provided, at least one is required for this action to succeed"
        # raised by ansible-core's action: 'Task failed: ...'
        result = res.failed_result(message)
        result[res.ERROR] = [res.task_failed(ctx.task.origin), ErrorCause(message)]
        return result
    for name in values:
        if not isinstance(name, str) or not name.isidentifier():
            return {
                "failed": True,
                "msg": f"The variable name '{name}' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores.",
            }
    result = {"ansible_facts": values, "changed": False, "_longplay_set_vars": values}
    if _truthy(ctx.args.get("cacheable", False)):
        result["_longplay_cache_facts"] = True  # facts too (ansible_facts.name, later plays)
    return result


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("yes", "true", "on", "1", "y", "t")
    return bool(value)
