"""raw: run a command over the connection without Python (to bootstrap hosts)."""

from __future__ import annotations

from typing import Any

from longplay.actions.base import action
from longplay.agent.registry import Option
from longplay.executor.context import ActionContext


@action(
    "raw",
    options={"_raw_params": Option(required=True), "executable": Option()},
    free_form="_raw_params",
)
async def raw(ctx: ActionContext) -> dict[str, Any]:
    """The command line runs through the host's shell; no agent, no Python."""
    command = str(ctx.args.get("_raw_params") or "")
    executable = ctx.args.get("executable")
    if executable:
        import shlex

        command = f"{executable} -c {shlex.quote(command)}"
    if ctx.check_mode:
        return {"changed": False, "skipped": True, "msg": "raw is skipped in check mode"}
    result = await ctx.connection.raw(command, become=ctx.become)
    stdout = result.stdout.decode("utf-8", "replace")
    stderr = result.stderr.decode("utf-8", "replace")
    outcome: dict[str, Any] = {"changed": True, "rc": result.rc, "stdout": stdout, "stderr": stderr}
    if result.rc != 0:
        outcome["failed"] = True
        outcome["msg"] = "non-zero return code"
    return outcome
