"""ping: prove the agent answers."""

from __future__ import annotations

from longplay.agent.registry import ModuleFailed, Option, module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict


@module("ping", options={"data": Option(default="pong")})
def ping(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Return ``ping: pong`` (or ``data``); ``data=crash`` fails, as in Ansible."""
    if args["data"] == "crash":
        raise ModuleFailed("boom")
    return {"ping": args["data"], "changed": False}
