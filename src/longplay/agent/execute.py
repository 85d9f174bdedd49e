"""Run one module invocation and always come back with a result dict.

Shared by the agent (synchronous tasks) and the job runner (async jobs), so a
module behaves the same whichever runs it. A module never brings the agent
down: argument errors, ``ModuleFailed`` and unexpected exceptions all become
failed results with a message.

Standard library only, Python >= 3.8.
"""

from __future__ import annotations

from longplay.agent.context import ModuleContext
from longplay.agent.registry import BROKEN, ModuleFailed, find, validate

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict


def execute_module(name: str, raw_args: Dict[str, Any], ctx: ModuleContext) -> Dict[str, Any]:
    spec = find(name)
    if spec is None:
        broken = BROKEN.get(name)
        if broken:
            return {
                "failed": True,
                "msg": f"The module {name} could not be loaded on the target: {broken}",
            }
        return {"failed": True, "msg": f"The module {name} was not found on the target."}
    args, problems = validate(spec, raw_args)
    if problems:
        failed = {"failed": True, "msg": "; ".join(problems), "changed": False}
        if name in _NOT_ECHOED:  # the action's own check in ansible-core, not a module's
            failed[ACTION_FAILURE] = True
        return failed
    if ctx.check_mode and not spec.check_mode:
        return {
            "skipped": True,
            "changed": False,
            "msg": f"remote module ({name}) does not support check mode",
        }
    # What the module was called with, as Ansible reports it (not for the
    # internal helpers whose arguments carry whole files).
    echo = not name.startswith("_") and name not in _NOT_ECHOED
    invocation = {"module_args": _logged_args(spec, args, raw_args)} if echo else {}
    try:
        result = spec.func(args, ctx)
    except ModuleFailed as failure:
        result = dict(failure.result)
        result["failed"] = True
        result["msg"] = failure.msg
        result.setdefault("changed", False)
        if invocation:
            result.setdefault("invocation", invocation)
        return result
    except Exception as exc:  # a module bug must not take the agent down
        return {
            "failed": True,
            "changed": False,
            "msg": f"MODULE FAILURE: {type(exc).__name__}: {exc}",
            "exception": _format_exception(),
        }
    result = dict(result or {})
    result.setdefault("changed", False)
    if invocation:
        result.setdefault("invocation", invocation)
    return result


#: marks a failure the controller reports as the action's ("Task failed: MSG"), not the
#: module's ("Task failed: Module failed: MSG")
ACTION_FAILURE = "_longplay_action_failure"

#: internal arguments the controller adds, not written by the user
_UNLOGGED = ("_content_b64", "_src_path")
#: modules that are actions in ansible-core: their results carry no invocation
#: of their own arguments (async_status adds one where the reference does)
_NOT_ECHOED = frozenset({"async_status", "async_wait", "async_list"})


def _logged_args(spec: Any, args: Dict[str, Any], raw_args: Dict[str, Any]) -> Dict[str, Any]:
    """The arguments as Ansible reports them under ``invocation``: secrets masked; in its
    order: those given, then defaults that are set, then the unset ones."""
    aliases = spec.alias_map()
    given = [aliases[key] for key in raw_args if key in aliases]
    order = list(dict.fromkeys(name for name in given if name in args))
    order += [name for name in args if name not in order and args[name] is not None]
    order += [name for name in args if name not in order]
    logged = {}
    for name in order:
        value = args[name]
        if name in _UNLOGGED:
            continue
        option = spec.options.get(name)
        if option is not None and option.no_log and value is not None:
            value = "NOT_LOGGING_PARAMETER"
        logged[name] = value
    return logged


def _format_exception() -> str:
    import traceback  # only a failing module pays for it

    return traceback.format_exc()
