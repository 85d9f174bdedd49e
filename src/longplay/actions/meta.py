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


#: run by each host (a TASK banner each, as ansible-core's linear strategy shows them); the
#: others run once, for the first host, and act for all
PER_HOST = ("noop", "flush_handlers", "end_host", "reset_connection", "role_complete")

#: ignore ``when`` (with a warning)
NO_WHEN = ("noop", "refresh_inventory", "reset_connection")

_SKIP_REASONS = {
    "end_play": "continuing play",
    "end_batch": "continuing current batch",
    "clear_host_errors": "not clearing host error state for {host}",
    "flush_handlers": "not running handlers for {host}",
    "end_host": "continuing execution for {host}",
    "clear_facts": "not clearing facts and fact cache for {host}",
    "role_complete": "continuing role for {host}",
}


#: what ansible-core says a meta task did (shown at -vv as ``META: ...``); role_complete
#: is implicit and says nothing, flush_handlers is told by the handler run
_DONE = {
    "noop": "noop",
    "end_play": "ending play",
    "end_host": "ending play for {host}",
    "end_batch": "ending batch",
    "clear_host_errors": "cleared host errors",
    "refresh_inventory": "inventory successfully refreshed",
    "clear_facts": "facts cleared",
    "reset_connection": "reset connection",
}


def header(task: Any, result: dict[str, Any], host: str) -> str | None:
    """The ``META: ...`` line ansible-core shows at -vv for a meta task's result."""
    if result.get("skipped"):
        return f"META: {result.get('skip_reason')}"
    done = _DONE.get(meta_name(task))
    return f"META: {done.format(host=host)}" if done else None


def meta_name(task: Any) -> str:
    return str(task.args.get("_raw_params", "")).strip()


def skipped(what: str, host: str) -> dict[str, Any]:
    """A meta task whose ``when`` is false, as ansible-core reports it."""
    reason = f"{what} conditional evaluated to False, " + _SKIP_REASONS.get(
        what, "continuing"
    ).format(host=host)
    msg = what
    if what == "end_host":
        msg = f"end_host conditional evaluated to false, continuing execution for {host}"
    return {"msg": msg, "skipped": True, "skip_reason": reason}


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
    if what == "clear_facts":  # run once, for every host of the batch
        for name in ctx.variables.raw.get("ansible_play_batch") or [ctx.host.name]:
            ctx.run.variables.host_state(str(name)).facts.clear()
    return {"changed": False, "_longplay_meta": what}
