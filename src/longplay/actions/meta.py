"""meta: change the flow of the play (flush_handlers, end_play, end_host...)."""

from __future__ import annotations

from typing import Any

from longplay.actions.base import action
from longplay.agent.registry import Option
from longplay.executor.context import ActionContext

SUPPORTED = (
    "noop",
    "flush_handlers",
    "end_play",
    "end_host",
    "end_batch",
    "clear_host_errors",
    "refresh_inventory",
    "clear_facts",
    "reset_connection",
    "role_complete",
)


@action(
    "meta",
    options={"_raw_params": Option(required=True, choices=SUPPORTED)},
    free_form="_raw_params",
)
async def meta(ctx: ActionContext) -> dict[str, Any]:
    """The executor acts on ``_longplay_meta`` after the task."""
    what = str(ctx.args.get("_raw_params", "")).strip()
    if what not in SUPPORTED:
        return {"failed": True, "msg": f"invalid meta action requested: {what}"}
    if what == "refresh_inventory":
        ctx.run.inventory.refresh()
        ctx.run.variables.inventory_changed()
    if what == "clear_facts":
        ctx.run.variables.host_state(ctx.host.name).facts.clear()
    if what == "end_batch":
        what = "end_play"
    return {"changed": False, "_longplay_meta": what}
