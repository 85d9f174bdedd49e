"""ping: prove the agent answers."""

from __future__ import annotations

from typing import Any, Dict

from longplay.agent.registry import ModuleFailed, Option, module


@module("ping", options={"data": Option(default="pong")})
def ping(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Return ``ping: pong`` (or ``data``); ``data=crash`` fails, as in Ansible."""
    if args["data"] == "crash":
        raise ModuleFailed("boom")
    return {"ping": args["data"], "changed": False}
