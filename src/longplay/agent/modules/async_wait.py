"""async_wait: wait for several async jobs at once.

Replaces the reference's ``until: result.finished`` / ``retries`` / ``delay``
loops over a list of jobs: one task that returns as soon as the last job
ends (noticed within ~50 ms, not at the next ``delay``), with every job's
final result in ``results`` in the order the jids were given. It fails, naming
the jobs, if any job failed, was unknown, or was still running at
``timeout``. ``jids`` also accepts the registered results of a ``poll: 0``
loop (items with ``ansible_job_id``).
"""

from __future__ import annotations

from longplay.agent import jobs
from longplay.agent.modules.async_status import job_dir
from longplay.agent.registry import ModuleFailed, Option, module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List

OPTIONS = {
    "jids": Option(type="list", required=True),
    "timeout": Option(type="float", default=0),
    "tail_lines": Option(type="int", default=jobs.DEFAULT_TAIL),
    "_async_dir": Option(type="path"),
}

#: seconds between progress events unless the controller says otherwise
PROGRESS_INTERVAL = 5.0


def _jid_of(item: Any) -> str:
    if isinstance(item, dict):
        return str(item.get("ansible_job_id", ""))
    return str(item)


def _wait(directory: str, jids: List[str], args: Dict[str, Any], ctx: Any) -> List[Dict[str, Any]]:
    """Statuses in ``jids`` order; invalid jids fail without touching files."""
    valid, answers = [], {}
    for jid in jids:
        try:
            valid.append(jobs.validate_jid(jid))
        except jobs.JobError as exc:
            answers[jid] = {
                "ansible_job_id": jid,
                "failed": True,
                "finished": True,
                "msg": str(exc),
            }
    interval = float(ctx.extra.get("progress_interval") or PROGRESS_INTERVAL)
    waited = jobs.wait_for_jobs(
        directory, valid, args["timeout"], args["tail_lines"], ctx.emit, interval
    )
    answers.update(zip(valid, waited))
    return [answers[jid] for jid in jids]


def _problems(results: List[Dict[str, Any]], timeout: float) -> List[str]:
    problems = []
    for result in results:
        jid = result.get("ansible_job_id")
        if not result.get("finished"):
            problems.append(f"job {jid} still running after {timeout:g}s")
        elif result.get("msg") == jobs.NOT_FOUND_MSG:
            problems.append(f"job {jid} not found")
        elif result.get("failed"):
            problems.append("job {} failed ({})".format(jid, result.get("msg") or "no message"))
    return problems


@module("async_wait", options=OPTIONS)
def async_wait(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Wait for all ``jids`` and return their final results in order."""
    jids = [_jid_of(item) for item in args["jids"]]
    results = _wait(job_dir(args, ctx), jids, args, ctx)
    problems = _problems(results, args["timeout"])
    result = {
        "changed": any(r.get("changed") for r in results if r.get("finished")),
        "finished": all(r.get("finished") for r in results),
        "results": results,
        "ansible_job_ids": jids,
    }
    if problems:
        msg = "{} of {} jobs did not succeed: {}".format(
            len(problems), len(jids), "; ".join(problems)
        )
        raise ModuleFailed(msg, **result)
    result["msg"] = f"all {len(jids)} jobs finished"
    return result
