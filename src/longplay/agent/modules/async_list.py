"""async_list: every async job in the host's async directory, one summary each.

longplay's own module (the reference has none): what ``longplay jobs``
shows, and what a playbook can register to find jobs it did not start, for
example after the controller that launched them was killed. Each summary
says whether the job finished or failed, its pid and elapsed seconds, its
rc and message once it ended, and the last line it printed while it runs.
Reading the jobs changes nothing, so the module never reports a change.
"""

from __future__ import annotations

from longplay.agent import jobs
from longplay.agent.modules.async_status import job_dir
from longplay.agent.registry import ModuleFailed, Option, module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict

OPTIONS = {
    "_async_dir": Option(type="path"),
}


@module("async_list", options=OPTIONS)
def async_list(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """List the async jobs of this host (oldest first)."""
    directory = job_dir(args, ctx)
    try:
        listed = jobs.list_jobs(directory)
    except jobs.JobError as exc:
        raise ModuleFailed(str(exc), async_dir=directory)
    return {"changed": False, "async_dir": directory, "jobs": listed}
