"""add_host: put a host (and its variables) into the in-memory inventory for later plays."""

from __future__ import annotations

from typing import Any

from longplay.actions.base import action
from longplay.executor.context import ActionContext
from longplay.inventory.ranges import split_host_port


@action(
    "add_host",
    options=None,  # any other argument becomes a host variable, as in Ansible
    once=True,
)
async def add_host(ctx: ActionContext) -> dict[str, Any]:
    """``name`` (or ``host``/``hostname``), ``groups`` (or ``group``/``groupname``); the rest are host vars."""
    args = dict(ctx.args)
    name = args.pop("name", None) or args.pop("host", None) or args.pop("hostname", None)
    if not name:
        return {"failed": True, "msg": "add_host needs 'name'"}
    groups: Any = (
        args.pop("groups", None) or args.pop("group", None) or args.pop("groupname", None) or []
    )
    if isinstance(groups, str):
        groups = [g.strip() for g in groups.split(",") if g.strip()]
    host_name, port = split_host_port(str(name))
    inventory = ctx.run.inventory
    host = inventory.add_host(host_name, port=port)
    for group in groups:
        inventory.add_host_to_group(str(group), host_name)
    host.vars.update(args)
    inventory.reconcile()
    ctx.run.variables.inventory_changed()
    return {
        "changed": True,
        "add_host": {"host_name": host_name, "groups": [str(g) for g in groups], "host_vars": args},
    }
