"""Task results: the dict a module returns, and what the executor adds to it.

Results stay plain dicts with Ansible's keys (``changed``, ``failed``, ``rc``,
``stdout_lines``...) because that is what playbooks register and test.
Keys starting with ``_longplay_`` are instructions from an action to the
executor (set these variables, include these tasks) and never reach users.
"""

from __future__ import annotations

from typing import Any

from longplay.errors import ErrorCause, Origin, joined_message

INTERNAL_PREFIX = "_longplay_"

OK, CHANGED, FAILED, SKIPPED, UNREACHABLE = "ok", "changed", "failed", "skipped", "unreachable"

NO_LOG_RESULT = (
    "the output has been hidden due to the fact that 'no_log: true' was specified for this result"
)


def status_of(result: dict[str, Any]) -> str:
    if result.get("unreachable"):
        return UNREACHABLE
    if result.get("failed"):
        return FAILED
    if result.get("skipped"):
        return SKIPPED
    if result.get("changed"):
        return CHANGED
    return OK


def add_lines(result: dict[str, Any]) -> dict[str, Any]:
    """Add ``stdout_lines``/``stderr_lines`` as Ansible does for any result with output."""
    for key in ("stdout", "stderr"):
        value = result.get(key)
        if isinstance(value, str) and f"{key}_lines" not in result:
            result[f"{key}_lines"] = value.splitlines()
    for item in result.get("results") or ():
        if isinstance(item, dict):
            add_lines(item)  # async_wait returns whole job results
    return result


#: set by actions whose result is shown even without -v (debug, assert), as in Ansible
VERBOSE_ALWAYS = "_ansible_verbose_always"

#: why a result failed, outermost first (a list of :class:`ErrorCause`): shown as
#: ansible-core's ``[ERROR]: Task failed: ...`` report before the ``fatal:`` line
ERROR = "_ansible_error"

#: the host a delegated task ran on, when not the task's own (shown as ``[h1 -> localhost]``)
DELEGATED_TO = "_ansible_delegated_to"


#: a task's echoed arguments, kept apart: only ansible_failed_result shows them
INVOCATION = INTERNAL_PREFIX + "invocation"

#: set by the agent on a failure ansible-core's action reports, not its module
#: (longplay.agent.execute.ACTION_FAILURE)
ACTION_FAILURE = INTERNAL_PREFIX + "action_failure"
#: a module reported the failure (ansible-core's fail_json, which records an exception)
MODULE_FAILED = INTERNAL_PREFIX + "module_failed"

#: the action raised where ansible-core's raises (a controller file that is missing):
#: the task fails before changed_when/failed_when are looked at
RAISED = INTERNAL_PREFIX + "raised"

#: what ansible-core registers as the ``exception`` of a failure that raised none
NO_TRACEBACK = "(traceback unavailable)"


#: what a failure that failed_when suppressed registers (the result itself stays ok)
SUPPRESSED = "_ansible_suppressed_failure"  # kept for the output, as ERROR


def suppress_failure(result: dict[str, Any], origin: Origin | None) -> None:
    """Retries ran out but ``failed_when`` says not failed: ansible-core 2.19 shows the
    failure's report, counts the task as ok and registers ``failed: true``."""
    result.setdefault("msg", "Task failed: Action failed: Unknown error.")
    result[ERROR] = failure_causes(origin, {**result, "failed": True}, "Action")
    result[SUPPRESSED] = {"failed": True}


def public(result: dict[str, Any]) -> dict[str, Any]:
    """The result as registered: no executor instructions, no display hints (loop items too).

    A failed result (a failed loop item too, not the loop's summary) carries an
    ``exception``, as ansible-core registers it."""
    cleaned = {k: v for k, v in result.items() if not k.startswith((INTERNAL_PREFIX, "_ansible_"))}
    cleaned.update(result.get(SUPPRESSED) or {})
    items = cleaned.get("results")
    if isinstance(items, list) and any(
        isinstance(i, dict) and (VERBOSE_ALWAYS in i or i.get("failed") or i.get("unreachable"))
        for i in items
    ):
        cleaned["results"] = [_public_item(i) if isinstance(i, dict) else i for i in items]
    elif isinstance(items, list):
        cleaned["results"] = [_without_hints(i) for i in items]
    elif cleaned.get("failed") and not isinstance(items, list):
        cleaned["exception"] = _registered_exception(cleaned.get("exception"))
    return cleaned


def _without_hints(item: Any) -> Any:
    """A loop item without its display hints (a delegated item's ``host -> delegate``)."""
    if not isinstance(item, dict) or not any(str(k).startswith("_ansible_") for k in item):
        return item
    return {k: v for k, v in item.items() if not str(k).startswith("_ansible_")}


def _public_item(item: dict[str, Any]) -> dict[str, Any]:
    cleaned = public(item)
    if cleaned.get("failed"):
        cleaned["exception"] = _registered_exception(cleaned.get("exception"))
    return cleaned


def _registered_exception(exception: Any) -> Any:
    """ansible-core registers no module's error text or traceback (it shows the text in
    the error report): a failure's ``exception`` reads ``(traceback unavailable)``."""
    return NO_TRACEBACK if exception is None or isinstance(exception, str) else exception


def displayed(result: dict[str, Any]) -> dict[str, Any]:
    """The result as handed to the output: display hints kept, and the echoed arguments
    (not registered, but shown with -vvv as ansible-core shows them)."""
    shown = {k: v for k, v in result.items() if not k.startswith(INTERNAL_PREFIX)}
    if INVOCATION in result:
        shown["invocation"] = result[INVOCATION]
    return shown


def failed_result(msg: str, **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"failed": True, "changed": False, "msg": msg}
    result.update(extra)
    return result


def skipped_result(
    reason: str = "Conditional result was False", condition: Any = None
) -> dict[str, Any]:
    result: dict[str, Any] = {"changed": False, "skipped": True, "skip_reason": reason}
    if condition is not None:
        result["false_condition"] = condition
    return result


def _lift_instructions(results: list[dict[str, Any]], aggregate: dict[str, Any]) -> None:
    """Move executor instructions out of item results into the loop's result, in item order."""
    for result in results:
        for key in [k for k in result if k.startswith(INTERNAL_PREFIX)]:
            value = result.pop(key)
            if isinstance(value, dict):
                aggregate.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                aggregate.setdefault(key, []).extend(value)
            else:
                aggregate[key] = value


def loop_result(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Aggregate per-item results into the registered loop result."""
    aggregate: dict[str, Any] = {}
    _lift_instructions(results, aggregate)
    # keys in ansible-core's order (seen when the result is templated into a string)
    aggregate["results"] = results
    aggregate["skipped"] = bool(results) and all(r.get("skipped") for r in results)
    changed = any(r.get("changed") for r in results)
    if aggregate["skipped"]:
        aggregate["msg"] = "All items skipped"
        aggregate["changed"] = changed
    else:
        aggregate["changed"] = changed
        if any(r.get("failed") for r in results):
            aggregate["failed"] = True
            aggregate["msg"] = "One or more items failed"
        else:
            aggregate["msg"] = "All items completed"
    if any(r.get("unreachable") for r in results):
        aggregate["unreachable"] = True
    return aggregate


def censor(result: dict[str, Any]) -> dict[str, Any]:
    """What ``no_log: true`` leaves of a result."""
    kept: dict[str, Any] = {
        k: result[k]
        for k in ("changed", "failed", "skipped", "unreachable", "attempts")
        if k in result
    }
    kept["censored"] = NO_LOG_RESULT
    if "results" in result:
        kept["results"] = [censor(r) for r in result["results"]]
    return kept


def task_failed(origin: Origin | None) -> ErrorCause:
    """The outermost cause of every task failure: the task itself."""
    return ErrorCause("Task failed", origin)


def failure_causes(origin: Origin | None, result: dict[str, Any], kind: str) -> list[ErrorCause]:
    """Why a failed result failed, as ansible-core tells it: ``kind`` is ``Module`` (the
    module said so) or ``Action`` (the action, failed_when or until decided)."""
    msg = result.get("msg")
    if isinstance(msg, str) and msg.startswith("Task failed: "):
        return [task_failed(origin), ErrorCause(msg[len("Task failed: ") :])]
    if result.get("unreachable"):
        return [task_failed(origin), ErrorCause(str(msg or ""))]
    if msg is None:
        cause = ErrorCause(f"{kind} failed: Unknown error.")
    elif msg == "":
        cause = ErrorCause(f"{kind} failed.")
    else:
        cause = ErrorCause(f"{kind} failed: {msg}")
    exception = result.get("exception")
    if kind == "Module" and isinstance(exception, str) and _is_message(exception):
        return [task_failed(origin), cause, ErrorCause(exception)]  # what the module caught
    return [task_failed(origin), cause]


def _is_message(exception: str) -> bool:
    """A module's ``exception`` that is the error's text, not a traceback."""
    return bool(exception) and "\n" not in exception.strip() and exception != NO_TRACEBACK


def explain_failure(
    origin: Origin | None, result: dict[str, Any], kind: str = "Action"
) -> dict[str, Any]:
    """Give a failed (or unreachable) result the story of its failure, unless it has one."""
    if kind == "Module" and result.get("failed"):
        result[MODULE_FAILED] = True
    if (result.get("failed") or result.get("unreachable")) and ERROR not in result:
        result[ERROR] = failure_causes(origin, result, kind)
        if "msg" not in result:
            result["msg"] = f"Task failed: {joined_message(result[ERROR][1:])}"
    return result
