"""async_status: look at, terminate or clean up an async job.

``mode: status`` (the default) behaves like the reference: ``finished:
false`` while the job runs, the job's full result with ``finished: true`` at
the end, ``could not find job`` for an unknown jid. Beyond the reference a
running job also reports ``pid``, ``elapsed`` and the last ``tail_lines``
lines of its output, a job whose process died without a result is reported
as finished and failed (never as running forever), ``mode: terminate``
stops a job and records its final result, and ``mode: cleanup`` on a job
that still runs stops it before removing its files.

The job files live where ``longplay.agent.jobs`` says; this module only
translates between task options and that API.
"""

from __future__ import annotations

from longplay.agent import jobs
from longplay.agent.registry import ModuleFailed, Option, module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict

OPTIONS = {
    "jid": Option(required=True),
    "mode": Option(default="status", choices=("status", "cleanup", "terminate")),
    "signal": Option(default="TERM"),
    "grace": Option(type="float", default=jobs.DEFAULT_GRACE),
    "tail_lines": Option(type="int", default=jobs.DEFAULT_TAIL),
    # set by the reference's action plugin from ansible_async_dir; accepted
    # so tasks written for it keep working
    "_async_dir": Option(type="path"),
}


def job_dir(args: Dict[str, Any], ctx: Any) -> str:
    """The async directory: explicit option, controller's choice, environment."""
    return jobs.resolve_dir(args.get("_async_dir") or ctx.extra.get("async_dir"), ctx.environment)


def _own_invocation(directory: str, args: Dict[str, Any]) -> Dict[str, Any]:
    """The reference's async_status echoes its own arguments when it answers
    by itself (cleanup, unknown job); a job's status echoes the job's."""
    return {"module_args": {"_async_dir": directory, "jid": args["jid"], "mode": args["mode"]}}


def _with_reference_keys(result: Dict[str, Any]) -> Dict[str, Any]:
    """Every answer carries stdout/stderr (empty when the job printed none, or
    is unknown or still running), as the reference's do, so templates reading
    ``.stdout`` do not break."""
    result.setdefault("stdout", "")
    result.setdefault("stderr", "")
    return result


def _status(directory: str, args: Dict[str, Any]) -> Dict[str, Any]:
    result = jobs.settled_status(directory, args["jid"], args["tail_lines"])
    if not result.get("finished"):
        result["changed"] = False
    if result.get("msg") == jobs.NOT_FOUND_MSG:
        result["invocation"] = _own_invocation(directory, args)
    return _with_reference_keys(result)


def _terminate(directory: str, args: Dict[str, Any]) -> Dict[str, Any]:
    """Stopping a job is what was asked, so the task succeeds even though the
    job's own result is failed; that failure is kept as ``job_failed``."""
    final, stopped = jobs.terminate(directory, args["jid"], args["signal"], args["grace"])
    if final.get("msg") == jobs.NOT_FOUND_MSG:
        return final
    result = dict(final)
    result["job_failed"] = bool(result.pop("failed", False))
    result["terminated"] = stopped
    result["changed"] = stopped
    return result


def _cleanup(directory: str, args: Dict[str, Any]) -> Dict[str, Any]:
    result = jobs.cleanup(directory, args["jid"], args["signal"], args["grace"])
    result["invocation"] = _own_invocation(directory, args)
    return _with_reference_keys(result)


def _predict(directory: str, args: Dict[str, Any]) -> Dict[str, Any]:
    """Check mode: say what terminate/cleanup would do without doing it."""
    result = jobs.status(directory, args["jid"], 0)
    if result.get("msg") == jobs.NOT_FOUND_MSG:
        return result
    running = not result.get("finished")
    result["changed"] = running or args["mode"] == "cleanup"
    result.pop("failed", None)
    return result


@module("async_status", options=OPTIONS)
def async_status(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Report, terminate or clean up an async job by its jid."""
    directory = job_dir(args, ctx)
    try:
        jobs.validate_jid(args["jid"])
        jobs.signal_number(args["signal"])
        if args["mode"] != "status" and ctx.check_mode:
            return _predict(directory, args)
        if args["mode"] == "terminate":
            return _terminate(directory, args)
        if args["mode"] == "cleanup":
            return _cleanup(directory, args)
        return _status(directory, args)
    except jobs.JobError as exc:
        raise ModuleFailed(str(exc), ansible_job_id=args["jid"], started=False, finished=True)
