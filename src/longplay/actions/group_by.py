"""group_by: put hosts into groups named from their variables, for later plays."""

from __future__ import annotations

from typing import Any

from longplay.actions.base import action
from longplay.agent.registry import Option
from longplay.executor.context import ActionContext


@action(
    "group_by",
    options={"key": Option(required=True), "parents": Option(type="list", default=["all"])},
)
async def group_by(ctx: ActionContext) -> dict[str, Any]:
    """Put the current host into the group named ``key`` (under ``parents``)."""
    key = str(ctx.args["key"]).replace(" ", "-")
    inventory = ctx.run.inventory
    if ctx.host.name not in inventory.hosts:
        return {
            "failed": True,
            "msg": f"group_by: {ctx.host.name} is not in the inventory (the implicit localhost cannot join groups)",
        }
    inventory.add_group(key)
    for parent in ctx.args["parents"] or []:
        if str(parent) != "all":
            inventory.add_child_group(str(parent), key)
    inventory.add_host_to_group(key, ctx.host.name)
    inventory.reconcile()
    ctx.run.variables.inventory_changed()
    return {
        "changed": False,
        "add_group": key,
        "parent_groups": [str(p) for p in ctx.args["parents"]],
    }
