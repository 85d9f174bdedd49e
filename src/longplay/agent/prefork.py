"""Fork the job launcher as the agent starts, before the agent has threads.

Starting a launcher later means a fresh interpreter (forking a threaded
process is unsafe), which costs tens of milliseconds of CPU per host, and
on a fleet that cost lands exactly when every host launches its first job.
Forking the freshly started, still single-threaded agent costs about a
millisecond. The child then sleeps until the agent first needs it (so runs
without async jobs pay nothing more), imports the job machinery and serves
launches (``jobrunner.serve_launches``) over a pair of pipes. It exits when
the agent closes its end (the agent exited).

Standard library only, Python >= 3.8.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Tuple


#: (pid, fd the agent writes requests to, fd it reads replies from), or None
PREFORKED: Optional[Tuple[int, int, int]] = None


def fork_launcher() -> None:
    """Fork the launcher now (call before any thread exists); no-op where fork fails."""
    global PREFORKED
    if os.environ.get("LONGPLAY_JOB_LAUNCHER") == "direct" or not hasattr(os, "fork"):
        return
    requests_read, requests_write = os.pipe()
    replies_read, replies_write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        for fd in (requests_read, requests_write, replies_read, replies_write):
            os.close(fd)
        return
    if pid == 0:  # the launcher
        try:
            os.setsid()
            os.dup2(requests_read, 0)
            os.dup2(replies_write, 1)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.closerange(3, 65536)  # nothing of the agent's channel stays open here
            import select

            select.select([0], [], [])  # asleep until the agent wakes it (or exits)
            from longplay.agent.jobrunner import serve_launches

            serve_launches()
        finally:
            os._exit(0)
    os.close(requests_read)
    os.close(replies_write)
    PREFORKED = (pid, requests_write, replies_read)
