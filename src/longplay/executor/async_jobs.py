"""``async`` and ``poll`` on the controller side.

The job itself is started and supervised by the job runner on the target
(``longplay.agent.jobrunner``); here we only launch it and, for ``poll > 0``,
ask the agent to watch it. The agent answers within 100 ms of the job
ending whatever ``poll`` says (``poll`` only paces the progress lines), and a
lost connection is re-established and the same job watched again.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from longplay import catalog
from longplay.errors import ErrorCause
from longplay.executor import results as res
from longplay.executor.context import ActionContext

if TYPE_CHECKING:
    from longplay.executor.task_executor import TaskExecutor


def timeout_message(seconds: int) -> str:
    return f"async task did not complete within the requested time - {seconds}s"


async def run_async(
    executor: TaskExecutor, ctx: ActionContext, info: catalog.ModuleInfo
) -> dict[str, Any]:
    if not info.async_ok:
        # ansible-core refuses these (raw, debug, copy, script...) when they
        # run, naming the action as the task wrote it.
        message = f"This action ({ctx.task.action_as_written or info.name}) does not support async."
        result = res.failed_result(message)
        # reported as 'Task failed: This action ...' (no 'Action failed:' between)
        result[res.ERROR] = [res.task_failed(ctx.task.origin), ErrorCause(message)]
        if info.name == "debug":
            del result["changed"]  # debug's results never say
        return result
    # In check mode the module runs in check mode, as in Ansible.
    launch = await ctx.request(
        "job_start",
        module=info.name,
        args=ctx.args,
        environment=ctx.environment,
        check=ctx.check_mode,
        diff=ctx.diff,
        extra=ctx.extra,
        async_dir=ctx.extra.get("async_dir"),
        **{"async": ctx.async_seconds},
    )
    if launch.get("failed") or ctx.poll <= 0:
        return launch
    jid = launch["ansible_job_id"]
    output = executor.output
    # the job's own 'Timeout exceeded' result when ansible-core's poller would read it
    sees_timeout = poller_sees_timeout(ctx.async_seconds, ctx.poll)

    def progress(event: dict[str, Any]) -> None:
        output.async_progress(executor.host.name, executor.task, event)

    final = await ctx.connection.request(
        "job_watch",
        become=ctx.become,
        on_event=progress,
        jid=jid,
        async_dir=ctx.extra.get("async_dir"),
        environment=ctx.environment,
        interval=ctx.poll,
        tail_lines=1,
        cleanup=True,
        cleanup_timed_out=sees_timeout,
    )
    final = dict(final)
    # Every status the reference polls with carries stdout/stderr, even for
    # modules that print nothing (ping, file...).
    final.setdefault("stdout", "")
    final.setdefault("stderr", "")
    final.setdefault("ansible_job_id", jid)
    if not final.get("finished") or (final.get("timed_out") and not sees_timeout):
        final = timed_out(final, ctx.async_seconds)  # the action's verdict
    else:
        final = reference_order(final)
        res.explain_failure(ctx.task.origin, final, "Module")
    progress({"type": "finished", "jid": jid, "failed": bool(final.get("failed"))})
    return final


def poller_sees_timeout(async_seconds: int, poll: int) -> bool:
    """Whether ansible-core reports a job stopped at its deadline with the job's own
    result (``msg: Timeout exceeded``, finished) rather than the action's ``did not
    complete`` with the status under ``async_result``.

    Its poller checks every ``poll`` seconds until ``async`` seconds are counted; its
    job wrapper stops the job after ``async`` seconds (checking in 5-second steps past
    5 s) and records the result one second later. Only a last check at least that late
    reads it: ``poll`` longer than ``async`` (the default poll of 15 s with a short
    ``async``), or a ``poll`` that overshoots the deadline enough.
    """
    last_check = math.ceil(async_seconds / poll) * poll
    stopped = async_seconds if async_seconds <= 5 else math.ceil(async_seconds / 5) * 5
    return last_check >= stopped + 1


def timed_out(status: dict[str, Any], seconds: int) -> dict[str, Any]:
    """A polled task whose job outlived ``async``: failed, not changed, with
    the job's last status under ``async_result``, as ansible-core reports it
    (longplay's status also says how the job was stopped and what it printed)."""
    return {
        "failed": True,
        "changed": False,
        "msg": timeout_message(seconds),
        "async_result": res.add_lines(status),
    }


#: the keys ansible-core's async_status puts first, in its order
_STATUS_FIRST = (
    "started",
    "finished",
    "stdout",
    "stderr",
    "stdout_lines",
    "stderr_lines",
    "ansible_job_id",
    "results_file",
    "erased",
)


def reference_order(result: dict[str, Any]) -> dict[str, Any]:
    """An async status (polled task, async_status) with its keys in ansible-core's order,
    seen when it is templated into a string or shown as a loop label: the status keys,
    then the job's own result, then ``failed`` (and a running job's ``changed``)."""
    res.add_lines(result)
    ordered = {key: result[key] for key in _STATUS_FIRST if key in result}
    ordered.update((key, value) for key, value in result.items() if key not in ordered)
    if ordered.get("failed") is False:
        ordered["failed"] = ordered.pop("failed")
    if not ordered.get("finished"):
        ordered.setdefault("failed", False)
        if "changed" in ordered:
            ordered["changed"] = ordered.pop("changed")
    return ordered
