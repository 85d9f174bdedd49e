"""``async`` and ``poll`` on the controller side.

The job itself is started and supervised by the job runner on the target
(``longplay.agent.jobrunner``); here we only launch it and, for ``poll > 0``,
ask the agent to watch it. The agent answers within 100 ms of the job
ending whatever ``poll`` says (``poll`` only paces the progress lines), and a
lost connection is re-established and the same job watched again.
"""

from __future__ import annotations

import asyncio
import contextlib
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
    )
    final = dict(final)
    # Every status the reference polls with carries stdout/stderr, even for
    # modules that print nothing (ping, file...).
    final.setdefault("stdout", "")
    final.setdefault("stderr", "")
    final.setdefault("ansible_job_id", jid)
    if not final.get("finished"):
        final = timed_out(final, ctx.async_seconds)  # the action's verdict
    else:
        final = reference_order(final)
        res.explain_failure(ctx.task.origin, final, "Module")
    progress({"type": "finished", "jid": jid, "failed": bool(final.get("failed"))})
    return final


async def pause_before_status_retry(
    ctx: ActionContext, result: dict[str, Any], delay: float
) -> None:
    """Wait ``delay`` seconds before an ``async_status`` until-loop's next attempt.

    When the attempt found the job still running, the agent watches the job
    meanwhile and the wait ends as soon as the job does: the next attempt
    then sees it finished. Attempts only ever happen at the times ansible-core
    would make them or at the job's end, so the attempt count, the retry lines
    and the result are the ones it would report; only the idle part of the
    last ``delay`` is saved.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + delay
    if delay > 0 and _still_running(ctx.args, result):
        with contextlib.suppress(Exception):  # a failed watch only loses the shortcut
            await ctx.connection.request(
                "job_watch",
                become=ctx.become,
                jid=result["ansible_job_id"],
                async_dir=ctx.args.get("_async_dir") or ctx.extra.get("async_dir"),
                environment=ctx.environment,
                timeout=delay,
                tail_lines=0,
            )
            return
    await asyncio.sleep(max(0.0, deadline - loop.time()))


def _still_running(args: dict[str, Any], result: dict[str, Any]) -> bool:
    return (
        args.get("mode", "status") == "status"
        and not result.get("finished")
        and not result.get("failed")
        and isinstance(result.get("ansible_job_id"), str)
        and result.get("ansible_job_id") == args.get("jid")
    )


def timed_out(status: dict[str, Any], seconds: int) -> dict[str, Any]:
    """A polled task left waiting for a job with no final result: failed, not changed,
    with the job's last status under ``async_result``, as ansible-core reports it.

    A job stopped at its ``async`` deadline has a final result (``Timeout exceeded``)
    as soon as it is stopped: that is the task's result, as when ansible-core's last
    poll finds it (see docs/async.md)."""
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
