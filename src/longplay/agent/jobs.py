"""Async jobs on the target: the one owner of the job file format.

Everything that touches an async job goes through this module: the agent
(launching and watching jobs), the detached runner (``jobrunner``), the
``async_status``, ``async_wait`` and ``async_list`` modules, and through them
the CLI (``longplay jobs``). Keeping the format in one place is what lets a
job started by one agent be read, waited on, terminated or cleaned up by
another one, after the first was killed.

Layout of an async directory (``~/.ansible_async`` by default)::

    <dir>/<jid>          the job file: JSON a person can ``cat``, compatible
                         with the reference (``started``/``finished`` ...)
    <dir>/.<jid>/        the job's private files, hidden from ``find``:
        stdout, stderr   the job's output, written continuously
        runner.log       the runner's own stdout/stderr (crashes end up here)
        spec.json        what to run (removed once the runner has read it)
        result.json      the worker's raw result, before the runner adopts it
        terminate.json   a terminate request for the runner
        lock             serialises every write of the job file

Every write of the job file happens under the lock (``flock``) and is atomic
(temporary file, fsync, rename), so readers never see half a file and exactly
one final result is ever recorded, whoever (runner, worker, a status check
that finds the runner dead, a terminate request) gets there first.

Standard library only, Python >= 3.8.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import os
import re
import signal
import sys
import threading
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple


DEFAULT_DIR = "~/.ansible_async"
DIR_ENV = "ANSIBLE_ASYNC_DIR"
#: what goes into a final result per stream; the full output stays in the file
OUTPUT_CAP = 1024 * 1024
DEFAULT_GRACE = 5.0
DEFAULT_TAIL = 20
#: what a job stopped at its deadline records, worded as the reference's job files
TIMEOUT_MSG = "Timeout exceeded"
NOT_FOUND_MSG = "could not find job"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
#: result keys the worker uses to talk to the runner; never shown to users
INTERNAL_SIGNAL_KEY = "_longplay_signal"

_JID_RE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*\Z")
_MAX_JID = 200

if TYPE_CHECKING:
    Result = Dict[str, Any]


class JobError(Exception):
    """A job request that cannot be honoured (bad jid, unusable directory ...)."""


class JobGone(JobError):
    """The job's files were removed (cleanup) while we were working on it."""


# --- job ids and directories --------------------------------------------------


def validate_jid(jid: Any) -> str:
    """Return ``jid`` if it is a plain name, else raise ``invalid job id``.

    A jid becomes a file name inside the async directory; anything that could
    point elsewhere (``/``, ``..``) or collide with a job's hidden directory (a
    leading dot) is refused before any file is touched.
    """
    if not isinstance(jid, str) or len(jid) > _MAX_JID or not _JID_RE.match(jid):
        raise JobError(
            f"invalid job id {jid!r}: a job id is a name made of letters, digits, '.', '_' and '-'"
        )
    return jid


def new_jid() -> str:
    """A fresh id shaped like the reference's: ``j`` + 12 digits + ``.`` + pid."""
    import random

    return f"j{random.SystemRandom().randrange(10**12):012d}.{os.getpid()}"


def resolve_dir(
    explicit: Optional[str] = None, environment: Optional[Dict[str, Any]] = None
) -> str:
    """The async directory: controller's choice, task env, agent env, default."""
    chosen = DEFAULT_DIR
    for candidate in (explicit, (environment or {}).get(DIR_ENV), os.environ.get(DIR_ENV)):
        if candidate:
            chosen = str(candidate)
            break
    return os.path.abspath(os.path.expanduser(chosen))


def ensure_dir(directory: str) -> None:
    """Create the async directory (0700) or fail at once naming it."""
    try:
        os.makedirs(directory, 0o700, exist_ok=True)
    except OSError as exc:
        raise JobError(
            f"cannot create the async job directory {directory}: {exc.strerror or exc}"
        ) from exc
    if not os.path.isdir(directory):
        raise JobError(f"the async job directory {directory} is not a directory")


class JobPaths:
    """Where one job's files live; see the module docstring for the layout."""

    def __init__(self, directory: str, jid: Any) -> None:
        self.directory = directory
        self.jid = validate_jid(jid)
        self.job_file = os.path.join(directory, jid)
        self.hidden = os.path.join(directory, "." + jid)
        self.stdout = os.path.join(self.hidden, "stdout")
        self.stderr = os.path.join(self.hidden, "stderr")
        self.runner_log = os.path.join(self.hidden, "runner.log")
        self.spec = os.path.join(self.hidden, "spec.json")
        self.raw = os.path.join(self.hidden, "result.json")
        self.terminate = os.path.join(self.hidden, "terminate.json")
        self.lock = os.path.join(self.hidden, "lock")

    def output(self, stream: str) -> str:
        return self.stdout if stream == "stdout" else self.stderr


# --- files --------------------------------------------------------------------


def write_json_atomic(path: str, data: Dict[str, Any], durable: bool = True) -> None:
    """Write JSON so readers see the old file or the new one, never a mix.

    The temporary file is a dot-file in the same directory (rename is atomic
    only within one filesystem), is fsynced before the rename unless
    ``durable`` is false (so a crash cannot leave an empty job file) and is
    created 0600 (results may hold secrets).
    """
    payload = (json.dumps(data, default=str) + "\n").encode("utf-8")
    directory, name = os.path.split(path)
    temp = os.path.join(directory, f".{name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, payload)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def read_json(path: str) -> Optional[Dict[str, Any]]:
    """The JSON object in ``path``; None if missing; ValueError if garbage."""
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read().decode("utf-8"))
    except FileNotFoundError:
        return None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def create_private(path: str) -> None:
    """Create an empty 0600 file (output files exist from the start)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))


@contextlib.contextmanager
def locked(paths: JobPaths) -> Iterator[None]:
    """Hold the job's lock; raise JobGone if the job was cleaned up meanwhile.

    flock is released by the kernel when a holder dies, so a killed runner
    never leaves the job locked.
    """
    try:
        fd = os.open(paths.lock, os.O_RDWR | os.O_CREAT, 0o600)
    except FileNotFoundError as exc:
        raise JobGone(f"job {paths.jid} was removed") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if not os.path.isdir(paths.hidden):
            raise JobGone(f"job {paths.jid} was removed")
        yield
    finally:
        os.close(fd)


def read_tail(path: str, count: int) -> List[str]:
    """The last ``count`` lines of a file (a partial last line included)."""
    if count <= 0:
        return []
    try:
        with open(path, "rb") as handle:
            end = handle.seek(0, os.SEEK_END)
            start, data = end, b""
            while start > 0 and data.count(b"\n") <= count and end - start < (1 << 20):
                start = max(0, start - 8192)
                handle.seek(start)
                data = handle.read(end - start)
    except FileNotFoundError:
        return []
    lines = data.decode("utf-8", "replace").splitlines()
    if start > 0 and lines:
        lines = lines[1:]
    return lines[-count:]


def read_capped(path: str, offset: int = 0, cap: int = OUTPUT_CAP) -> Tuple[str, bool]:
    """Text written to ``path`` after ``offset``; at most ``cap`` bytes, the tail.

    Returns (text, truncated). Keeping the tail matters: the end of a long
    log is where the error is.
    """
    try:
        with open(path, "rb") as handle:
            end = handle.seek(0, os.SEEK_END)
            start = max(offset, end - cap)
            handle.seek(start)
            data = handle.read(end - start)
    except FileNotFoundError:
        return "", False
    return data.decode("utf-8", "replace"), start > offset


# --- processes ----------------------------------------------------------------


def boot_id() -> Optional[str]:
    """This boot's id (Linux); a different one means the host rebooted."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as handle:
            return handle.read().strip() or None
    except OSError:
        return None


def _proc_stat(pid: int) -> Optional[List[str]]:
    """Fields of /proc/<pid>/stat after the command name (state first)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            text = handle.read().decode("ascii", "replace")
    except OSError:
        return None
    return text[text.rfind(")") + 2 :].split()


def _has_proc() -> bool:
    return os.path.isdir("/proc/self")


def process_starttime(pid: int) -> Optional[int]:
    """When ``pid`` started, in clock ticks since boot; tells pid reuse apart."""
    fields = _proc_stat(pid)
    if fields is None or len(fields) < 20:
        return None
    return int(fields[19])


def pid_alive(pid: Any, starttime: Any = None) -> bool:
    """Whether ``pid`` runs, and is the same process as when ``starttime`` was read.

    A zombie counts as dead: on hosts whose pid 1 does not reap orphans a dead
    runner stays a zombie forever and ``kill(pid, 0)`` would call it alive.
    """
    if not isinstance(pid, int) or pid <= 0:
        return False
    fields = _proc_stat(pid)
    if fields is not None:
        if fields[0] in ("Z", "X"):
            return False
        return starttime is None or len(fields) < 20 or fields[19] == str(starttime)
    if _has_proc():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def group_alive(pgid: Any) -> bool:
    """Whether any live (non-zombie) process remains in process group ``pgid``."""
    if not isinstance(pgid, int) or pgid <= 1:
        return False
    if not _has_proc():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    for name in os.listdir("/proc"):
        if name.isdigit():
            fields = _proc_stat(int(name))
            if fields and len(fields) > 2 and fields[2] == str(pgid) and fields[0] not in "ZX":
                return True
    return False


def job_group_alive(data: Dict[str, Any]) -> bool:
    """Whether the job's process group (led by its worker) still has members.

    If the leader's pid now belongs to a younger process, the pid was reused
    and the group is not ours: never signal it.
    """
    pid = data.get("pid")
    if not isinstance(pid, int):
        return False
    starttime = data.get("pid_starttime")
    current = process_starttime(pid)
    if current is not None and starttime is not None and current != starttime:
        return False
    return group_alive(pid)


def kill_group(pgid: Any, signum: int) -> bool:
    """Send ``signum`` to a job's process group; False if nothing was there.

    Refuses pgids that would hit the caller's own group or everything
    (0, 1, negative): a job file is data and must never make us kill broadly.
    """
    if not isinstance(pgid, int) or pgid <= 1 or pgid == os.getpgrp():
        return False
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def signal_number(value: Any) -> int:
    """Accept TERM, SIGTERM, sigterm or 15; raise JobError on anything else."""
    text = str(value).strip().upper()
    name = text if text.startswith("SIG") else "SIG" + text
    found = int(text) if text.isdigit() else getattr(signal, name, None) if name.isalnum() else None
    if not isinstance(found, int):
        raise JobError(f"unknown signal {value!r}")
    number = found
    try:
        signal.Signals(number)
    except ValueError:
        raise JobError(f"unknown signal {value!r}") from None
    return number


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


# --- results ------------------------------------------------------------------


def is_finished(data: Dict[str, Any]) -> bool:
    """Finished jobs say so; a file without ``started`` is a bare final result
    (the reference writes those), so it counts as finished too."""
    return bool(data.get("finished")) or "started" not in data


def not_found(paths: JobPaths) -> Result:
    return {
        "ansible_job_id": paths.jid,
        "started": True,
        "finished": True,
        "failed": True,
        "changed": False,
        "msg": NOT_FOUND_MSG,
        "results_file": paths.job_file,
    }


def final_view(data: Dict[str, Any], paths: JobPaths) -> Result:
    """A finished job as async_status reports it: the job file as it is, the
    module's ``invocation`` included (ansible-core shows it in loop items)."""
    result = dict(data)
    result.update(
        finished=True, started=True, ansible_job_id=paths.jid, results_file=paths.job_file
    )
    return result


def running_view(data: Dict[str, Any], paths: JobPaths, tail_lines: int) -> Result:
    start = data.get("start_time")
    elapsed = round(time.time() - start, 2) if isinstance(start, (int, float)) else None
    return {
        "started": True,
        "finished": False,
        "ansible_job_id": paths.jid,
        "results_file": paths.job_file,
        "pid": data.get("pid"),
        "elapsed": elapsed,
        "stdout_tail": read_tail(paths.stdout, tail_lines),
        "stderr_tail": read_tail(paths.stderr, tail_lines),
    }


def _format_time(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch).strftime(TIME_FORMAT)


def output_result(paths: JobPaths, data: Dict[str, Any]) -> Result:
    """What a job produced so far, from its files: for results the job itself
    could not write (timed out, killed, died)."""
    result: Result = {"changed": False}
    if data.get("cmd") is not None:
        result["cmd"] = data["cmd"]
    for stream in ("stdout", "stderr"):
        text, truncated = read_capped(paths.output(stream))
        result[stream] = text.rstrip("\r\n")
        if truncated:
            result[stream + "_truncated"] = True
            result[stream + "_file"] = paths.output(stream)
    start = data.get("start_time")
    if isinstance(start, (int, float)):
        now = time.time()
        result["start"] = _format_time(start)
        result["end"] = _format_time(now)
        result["delta"] = str(datetime.timedelta(seconds=max(0.0, now - start)))
    return result


def stopped_result(
    paths: JobPaths,
    data: Dict[str, Any],
    kind: str,
    sent: List[int],
    rc: Optional[int],
    raw: Optional[Dict[str, Any]] = None,
) -> Result:
    """The final result of a job we stopped (``kind``: timeout or terminate).

    Keeps what the job wrote (its own partial result when it managed to
    write one, else its output files) and says why and how it was stopped.
    """
    result = dict(raw) if raw else output_result(paths, data)
    result.pop(INTERNAL_SIGNAL_KEY, None)
    names = [signal_name(number) for number in sent]
    if rc is not None and (raw is None or "rc" not in raw):
        result["rc"] = rc
    if kind == "timeout":
        return timed_out_result(data, result, names)
    result["failed"] = True
    result["signal"] = names[-1] if names else None
    how = names[0] if names else "no signal (nothing was running)"
    if len(names) > 1:
        how += f", then {names[-1]} after the grace period"
    result["msg"] = f"terminated by request with {how}"
    result["terminated"] = True
    return result


def timed_out_result(data: Dict[str, Any], produced: Dict[str, Any], signals: List[str]) -> Result:
    """The final result of a job stopped at its deadline.

    The keys the reference records for such a job (``msg: Timeout
    exceeded``, ``child_pid``, not changed), plus what longplay keeps: the
    output written before the deadline, ``timed_out`` and the signal that ended
    it. Whatever else the module managed to report (cmd, start, end, the return
    code of the killed process...) is left out, as there: the job did not complete.
    """
    result: Result = {
        "failed": True,
        "changed": False,
        "msg": TIMEOUT_MSG,
        "child_pid": data.get("pid"),
        "timed_out": True,
        "signal": signals[-1] if signals else None,
    }
    kept = ["stdout", "stderr"]
    kept += [
        stream + suffix for stream in ("stdout", "stderr") for suffix in ("_truncated", "_file")
    ]
    result.update({key: produced[key] for key in kept if key in produced})
    return result


def died_result(paths: JobPaths, data: Dict[str, Any], how: str, rc: Optional[int]) -> Result:
    """The final result of a job that ended without writing one."""
    result = output_result(paths, data)
    result["failed"] = True
    result["msg"] = how
    if rc is not None:
        result["rc"] = rc
    log = read_tail(paths.runner_log, 20)
    if log:
        result["module_stderr"] = "\n".join(log)
    return result


def finalize(paths: JobPaths, result: Dict[str, Any]) -> Result:
    """Record ``result`` as the job's final result unless one already exists.

    Returns whichever final result ends up in the job file. This is the one
    place a final result is written, so whoever comes second (the runner
    after a terminate, a status check after the worker) keeps the first.
    """
    record = {k: v for k, v in result.items() if k != INTERNAL_SIGNAL_KEY}
    if "started" in record:  # a module's own key: say it is over all the same
        record["finished"] = True
    with locked(paths):
        current = read_json(paths.job_file)
        if current is not None and is_finished(current):
            return final_view(current, paths)
        # the file holds the module's result alone, as the reference's do;
        # readers add started/finished/ansible_job_id/results_file
        write_json_atomic(paths.job_file, record)
    return final_view(record, paths)


def read_raw(paths: JobPaths) -> Optional[Dict[str, Any]]:
    """The worker's own result, if it wrote one."""
    try:
        return read_json(paths.raw)
    except ValueError:
        return None


# --- the job record -----------------------------------------------------------


def initial_record(paths: JobPaths, spec: Dict[str, Any]) -> Result:
    """The job file while the job runs (before the runner fills in pids)."""
    record: Result = {
        "started": True,
        "finished": False,
        "ansible_job_id": paths.jid,
        "results_file": paths.job_file,
        "pid": None,
        "runner_pid": None,
        "start_time": spec["start_time"],
        "deadline": spec["deadline"],
        "async": spec["async"],
        "boot_id": spec.get("boot_id"),
        "module": spec["module"],
    }
    if spec.get("cmd") is not None:
        record["cmd"] = spec["cmd"]
    record["stdout_file"] = paths.stdout
    record["stderr_file"] = paths.stderr
    return record


_STARTTIME_KEYS = {"pid": "pid_starttime", "runner_pid": "runner_starttime"}


def record_pids(paths: JobPaths, spec: Dict[str, Any], pids: Dict[str, int]) -> None:
    """Merge runner/worker pids (with their start times) into the running record.

    Both the agent (right after starting the runner) and the runner (after
    forking the worker) call this, in either order, under the lock; whoever
    comes first creates the record, and a finished record is left alone.
    The start times let liveness checks tell a reused pid apart.
    """
    with locked(paths):
        data = read_json(paths.job_file) or initial_record(paths, spec)
        if is_finished(data):
            return
        for key, pid in pids.items():
            data[key] = pid
            data[_STARTTIME_KEYS[key]] = process_starttime(pid)
        write_json_atomic(paths.job_file, data)


# --- status ---------------------------------------------------------------------


def _read_job(paths: JobPaths) -> Tuple[Optional[Dict[str, Any]], Optional[str]]:
    try:
        return read_json(paths.job_file), None
    except (ValueError, OSError) as exc:
        return None, str(exc)


def status(directory: str, jid: Any, tail_lines: int = DEFAULT_TAIL) -> Result:
    """The job's state as ``async_status`` reports it.

    Finished: the final result. Running: pid, elapsed and output tails. A job
    whose runner is gone without a final result is finished and failed, and
    that finding is written to the job file so later checks agree.
    """
    paths = JobPaths(directory, jid)
    data, problem = _read_job(paths)
    if problem is not None:
        result = not_found(paths)
        result["msg"] = f"could not parse job file {paths.job_file}: {problem}"
        return result
    if data is None:
        return not_found(paths)
    if is_finished(data):
        return final_view(data, paths)
    try:
        ended = _ended_without_result(paths, data)
    except JobGone:
        return not_found(paths)
    if ended is not None:
        return final_view(ended, paths)
    return running_view(data, paths, tail_lines)


def _runner_gone(data: Dict[str, Any]) -> Optional[str]:
    """Why the job's runner is known to be gone, or None if alive or unknown."""
    recorded, current = data.get("boot_id"), boot_id()
    if recorded and current and recorded != current:
        return "the host was rebooted while it ran (boot id changed)"
    runner = data.get("runner_pid")
    if runner is None or pid_alive(runner, data.get("runner_starttime")):
        return None
    return f"its runner (pid {runner}) is gone"


def _ended_without_result(paths: JobPaths, data: Dict[str, Any]) -> Optional[Result]:
    """Final result for a job whose runner died, or None if it still runs.

    With the runner gone, its worker may still be running (it finalizes
    itself when it ends) or may have written a result nobody adopted.
    """
    reason = _runner_gone(data)
    if reason is None or not os.path.isdir(paths.hidden):
        return None
    raw = read_raw(paths)
    if raw is not None:
        return finalize(paths, raw)
    pid = data.get("pid")
    rebooted = "rebooted" in reason
    if not rebooted and job_group_alive(data):
        if time.time() < float(data.get("deadline") or 0):
            return None
        kill_group(pid, signal.SIGKILL)
        return finalize(paths, stopped_result(paths, data, "timeout", [signal.SIGKILL], -9))
    how = "the job died without writing a result: " + reason
    if pid is not None and not rebooted:
        how += f" and its process (pid {pid}) is no longer running"
    return finalize(paths, died_result(paths, data, how, None))


# --- terminate, cleanup, listing -------------------------------------------------


def _wait_finished(paths: JobPaths, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while True:
        data, _ = _read_job(paths)
        if data is None or is_finished(data):
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(0.02)


def _stop_group(data: Dict[str, Any], signum: int, grace: float) -> List[int]:
    """Signal the job's group, wait up to ``grace`` for it to go, then SIGKILL it."""
    pid = data.get("pid")
    if not job_group_alive(data) or not kill_group(pid, signum):
        return [signum]
    end = time.monotonic() + grace
    while group_alive(pid):
        if time.monotonic() >= end:
            kill_group(pid, signal.SIGKILL)
            return [signum, signal.SIGKILL]
        time.sleep(0.05)
    return [signum]


def terminate(
    directory: str, jid: Any, sig: Any = "TERM", grace: float = DEFAULT_GRACE
) -> Tuple[Result, bool]:
    """Stop a running job and record its final result; (result, we stopped it).

    The request goes to the runner (a marker file plus SIGUSR1 to wake it) so
    it records the result it alone knows best (rc, which signal ended it). If
    the runner is gone or does not answer in time, we stop the group and
    record the result ourselves; ``finalize`` keeps exactly one.
    """
    signum = signal_number(sig)
    current = status(directory, jid, 0)
    if current.get("finished"):
        return current, False
    paths = JobPaths(directory, jid)
    try:
        write_json_atomic(
            paths.terminate,
            {"signal": signal_name(signum), "grace": grace, "requested_at": time.time()},
        )
    except FileNotFoundError:
        return status(directory, jid, 0), False
    data, _ = _read_job(paths)
    data = data or {}
    runner, pid = data.get("runner_pid") or 0, data.get("pid")
    runner_alive = pid_alive(runner, data.get("runner_starttime"))
    if runner_alive and pid is not None:
        # Only once the worker exists: before that the runner has not yet
        # blocked SIGUSR1, and the signal would kill it. It reads the marker
        # as soon as it starts anyway.
        with contextlib.suppress(OSError):
            os.kill(int(runner), signal.SIGUSR1)
    if not runner_alive or not _wait_finished(paths, grace + 2.0):
        _stop_ourselves(paths, data, signum, grace)
    return status(directory, jid, 0), True


def _stop_ourselves(paths: JobPaths, data: Dict[str, Any], signum: int, grace: float) -> None:
    sent = _stop_group(data, signum, grace)
    with contextlib.suppress(JobGone):
        finalize(paths, stopped_result(paths, data, "terminate", sent, -sent[-1], read_raw(paths)))


def remove_job(paths: JobPaths) -> None:
    """Delete the job file and the hidden directory (under the lock)."""
    import shutil

    if not os.path.isdir(paths.hidden):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(paths.job_file)
        return
    with contextlib.suppress(JobGone), locked(paths):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(paths.job_file)
        shutil.rmtree(paths.hidden, ignore_errors=True)


def cleanup(directory: str, jid: Any, sig: Any = "TERM", grace: float = DEFAULT_GRACE) -> Result:
    """Remove a job's files, terminating it first if it still runs."""
    paths = JobPaths(directory, jid)
    signal_number(sig)
    if not os.path.lexists(paths.job_file) and not os.path.isdir(paths.hidden):
        missing = not_found(paths)
        del missing["results_file"]  # cleanup names the file as ``erased``
        missing["erased"] = paths.job_file
        return missing
    terminated = False
    if not status(directory, jid, 0).get("finished"):
        _, terminated = terminate(directory, jid, sig, grace)
    remove_job(paths)
    result: Result = {
        "ansible_job_id": paths.jid,
        "erased": paths.job_file,
        "started": False,
        "finished": False,
        # not changed, as in the reference (whose cleanup only removes the file)
        "changed": False,
    }
    if terminated:
        result["terminated"] = True
    return result


def list_jobs(directory: str) -> List[Result]:
    """One summary per job file in the directory, oldest first."""
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise JobError(f"cannot read the async directory {directory}: {exc.strerror}") from None
    summaries = []
    for name in names:
        try:
            paths = JobPaths(directory, name)
        except JobError:
            continue
        if os.path.isfile(paths.job_file):
            with contextlib.suppress(JobGone):  # cleaned up while we looked
                summaries.append(_summary(paths))
    summaries.sort(key=lambda item: (item["start"] or item["updated"], item["ansible_job_id"]))
    return summaries


def _summary(paths: JobPaths) -> Result:
    """What a listing shows of a job. A running job's file has its start time and
    module; a finished job's file is the module's result, which has ``start``
    and ``delta`` when the module reports them (command, shell). ``updated``
    is when the job file was last written (a finished job: when it ended)."""
    data = _read_job(paths)[0] or {}
    state = status(paths.directory, paths.jid, 1)
    start = data.get("start_time")
    try:
        updated = _format_time(os.stat(paths.job_file).st_mtime)
    except FileNotFoundError:
        raise JobGone(paths.jid) from None
    summary: Result = {
        "ansible_job_id": paths.jid,
        "finished": bool(state.get("finished")),
        "failed": bool(state.get("failed")),
        "start": _format_time(start) if isinstance(start, (int, float)) else state.get("start"),
        "updated": updated,
        "cmd": state.get("cmd", data.get("cmd")),
    }
    if data.get("module"):
        summary["module"] = data["module"]
    for key in ("pid", "elapsed", "delta", "rc", "msg"):
        if state.get(key) is not None:
            summary[key] = state[key]
    if not summary["finished"]:
        summary["last_output"] = (state.get("stdout_tail") or [""])[-1]
    return summary


# --- launching ------------------------------------------------------------------


def package_root() -> str:
    """The sys.path entry holding ``longplay`` (a directory, or the agent zip)."""
    import longplay

    return os.path.dirname(os.path.dirname(os.path.abspath(longplay.__file__)))


def _interpreter(entry: str, *args: str) -> List[str]:
    """argv for a fresh interpreter running ``longplay.agent.jobrunner.<entry>``."""
    code = (
        f"import sys;sys.path.insert(0,{package_root()!r});"
        f"from longplay.agent.jobrunner import {entry};{entry}()"
    )
    return [sys.executable or "python3", "-S", "-c", code, *args]


def runner_argv(paths: JobPaths) -> List[str]:
    """A fresh interpreter for one runner: forking the threaded agent is unsafe."""
    return _interpreter("main", paths.directory, paths.jid)


class Launcher:
    """Asks the agent's launcher process (see ``jobrunner.serve_launches``) to
    fork runners, starting it on first use and again if it died.

    One request at a time (a line out, a line back); a launch costs about a
    millisecond this way. Starting the launcher costs what loading every
    module costs (~0.1-0.3 s), once per agent: :meth:`prepare` (agent op
    ``job_prepare``) lets the controller pay it ahead of the first launch.
    Set ``LONGPLAY_JOB_LAUNCHER=direct`` to start each runner as its own
    interpreter instead.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: Any = None

    def launch(self, paths: JobPaths) -> int:
        with self._lock:
            for _ in range(2):
                try:
                    return self._ask(paths)
                except (OSError, ValueError, KeyError):
                    self._discard()
        raise JobError("the job launcher does not answer")

    def prepare(self, wait: bool = False) -> bool:
        """Start the launcher (in the background unless ``wait``); True if ready."""
        if self._running():
            return True
        if wait:
            self._warm()
            return self._running()
        threading.Thread(target=self._warm, name="job-launcher", daemon=True).start()
        return False

    def _warm(self) -> None:
        with self._lock:
            try:
                self._ensure()
            except (OSError, ValueError, KeyError):
                self._discard()

    def _running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _ask(self, paths: JobPaths) -> int:
        process = self._ensure()
        request = {"dir": paths.directory, "jid": paths.jid}
        process.stdin.write((json.dumps(request) + "\n").encode("utf-8"))
        process.stdin.flush()
        reply = json.loads(process.stdout.readline().decode("utf-8"))
        if "pid" not in reply:
            raise JobError(f"the job launcher failed: {reply.get('error')}")
        return int(reply["pid"])

    def _ensure(self) -> Any:
        """The running launcher, started (and waited for) if need be."""
        import subprocess

        if self._running():
            return self._process
        forked = _take_preforked()
        if forked is not None:
            self._process = forked
        else:
            self._process = subprocess.Popen(
                _interpreter("serve_launches"),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                close_fds=True,
                start_new_session=True,
            )
        WATCHER.adopt(self._process)
        if not json.loads(self._process.stdout.readline().decode("utf-8")).get("ready"):
            raise ValueError("the job launcher did not start")
        return self._process

    def _discard(self) -> None:
        if self._process is not None:
            with contextlib.suppress(OSError):
                self._process.kill()
            self._process = None


LAUNCHER = Launcher()


class ForkedLauncher:
    """The launcher forked at agent start (``prefork``), seen like a Popen."""

    def __init__(self, pid: int, write_fd: int, read_fd: int) -> None:
        self.pid = pid
        self.stdin = os.fdopen(write_fd, "wb")
        self.stdout = os.fdopen(read_fd, "rb")
        self.returncode: Optional[int] = None

    def poll(self) -> Optional[int]:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = -1
                return self.returncode
            if pid:
                self.returncode = (
                    os.waitstatus_to_exitcode(status)
                    if hasattr(os, "waitstatus_to_exitcode")
                    else -1
                )
        return self.returncode

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)


def _take_preforked() -> Optional[ForkedLauncher]:
    """The pre-forked launcher, once (a dead or used one falls back to a fresh start)."""
    from longplay.agent import prefork

    forked, prefork.PREFORKED = prefork.PREFORKED, None
    if forked is None:
        return None
    launcher = ForkedLauncher(*forked)
    launcher.stdin.write(b"\n")  # wake it: it imports what it needs and says it is ready
    launcher.stdin.flush()
    return launcher


def command_text(module: str, args: Dict[str, Any]) -> Optional[str]:
    """The command line of a command/shell job, for people reading job files."""
    text = args.get("cmd") or args.get("_raw_params")
    if text:
        return str(text)
    argv = args.get("argv")
    if isinstance(argv, list) and argv:
        import shlex

        return " ".join(shlex.quote(str(part)) for part in argv)
    return None


def _grace(value: Any) -> float:
    try:
        grace = float(DEFAULT_GRACE if value is None else value)
    except (TypeError, ValueError):
        grace = -1.0
    if not grace >= 0:
        raise JobError(f"grace must be a number of seconds >= 0, got {value!r}")
    return grace


def _positive_seconds(value: Any) -> int:
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        seconds = 0
    if seconds <= 0 or isinstance(value, bool):
        raise JobError(f"async must be a positive number of seconds, got {value!r}")
    return seconds


def _make_job_dir(directory: str, jid: Optional[str]) -> JobPaths:
    """Reserve a jid by creating its hidden directory (fails if taken)."""
    for _ in range(5):
        paths = JobPaths(directory, jid or new_jid())
        try:
            os.mkdir(paths.hidden, 0o700)
        except FileExistsError:
            if jid:
                raise JobError(f"job id {jid} is already in use in {directory}") from None
            continue
        except OSError as exc:
            raise JobError(
                f"cannot write to the async job directory {directory}: {exc.strerror or exc}"
            ) from exc
        return paths
    raise JobError(f"could not pick a free job id in {directory}")


def start_job(
    module: str,
    args: Dict[str, Any],
    environment: Optional[Dict[str, Any]] = None,
    check: bool = False,
    async_seconds: Any = None,
    async_dir: Optional[str] = None,
    extra: Optional[Dict[str, Any]] = None,
    jid: Optional[str] = None,
    grace: Any = DEFAULT_GRACE,
    diff: bool = False,
) -> Result:
    """Launch a detached job; return the reference's ``poll: 0`` result.

    The job file exists before this returns, so an ``async_status`` right
    after launch never says "could not find job". Problems (bad async value,
    unusable directory) come back as a failed result naming the problem.
    """
    try:
        seconds = _positive_seconds(async_seconds)
        grace = _grace(grace)
        directory = resolve_dir(async_dir, environment)
        ensure_dir(directory)
        paths = _make_job_dir(directory, validate_jid(jid) if jid else None)
    except JobError as exc:
        return {
            "failed": True,
            "changed": False,
            "started": False,
            "finished": True,
            "msg": str(exc),
        }
    now = time.time()
    spec = {
        "module": module,
        "args": args,
        "environment": {str(k): str(v) for k, v in (environment or {}).items()},
        "check": bool(check),
        "diff": bool(diff),
        "extra": extra or {},
        "async": seconds,
        "grace": grace,
        "start_time": now,
        "deadline": now + seconds,
        "boot_id": boot_id(),
        "cmd": command_text(module, args),
    }
    try:
        _spawn(paths, spec)
    except (OSError, JobError) as exc:
        remove_job(paths)
        return {
            "failed": True,
            "changed": False,
            "started": False,
            "finished": True,
            "msg": f"could not start the async job in {directory}: {exc}",
        }
    # key order as ansible-core's (it shows when a launch result is a loop label)
    return {
        "failed": False,
        "started": True,
        "finished": False,
        "ansible_job_id": paths.jid,
        "results_file": paths.job_file,
        "changed": True,
    }


def _spawn(paths: JobPaths, spec: Dict[str, Any]) -> None:
    create_private(paths.stdout)
    create_private(paths.stderr)
    write_json_atomic(paths.spec, spec, durable=False)  # read within ms, then removed
    if os.environ.get("LONGPLAY_JOB_LAUNCHER") == "direct":
        pid = _spawn_direct(paths)
    else:
        try:
            pid = LAUNCHER.launch(paths)
        except JobError:
            pid = _spawn_direct(paths)
    record_pids(paths, spec, {"runner_pid": pid})


def _spawn_direct(paths: JobPaths) -> int:
    """Start the runner as its own interpreter (the launcher's fallback)."""
    import subprocess

    log = os.open(paths.runner_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        process = subprocess.Popen(
            runner_argv(paths),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            close_fds=True,
            start_new_session=True,
        )
    finally:
        os.close(log)
    WATCHER.adopt(process)
    return int(process.pid)


# --- watching -------------------------------------------------------------------

if TYPE_CHECKING:
    Emit = Callable[[Dict[str, Any]], None]


class Watch:
    """One job someone waits for; completed by the shared watcher thread."""

    def __init__(
        self,
        paths: JobPaths,
        tail_lines: int = DEFAULT_TAIL,
        interval: float = 0.0,
        on_progress: Optional[Emit] = None,
        timeout: Optional[float] = None,
    ) -> None:
        now = time.monotonic()
        self.paths = paths
        self.tail_lines = tail_lines
        self.interval = interval
        self.on_progress = on_progress
        self.deadline = now + timeout if timeout else None
        self.next_progress = now + interval if interval > 0 and on_progress else None
        self.next_check = 0.0
        self.stamp: Optional[Tuple[int, int, int]] = None
        self.done = threading.Event()
        self.result: Result = {}

    def complete(self, result: Result) -> None:
        self.result = result
        self.done.set()


def _stamp(path: str) -> Optional[Tuple[int, int, int]]:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


class Watcher:
    """One thread per process watches every job anyone waits for.

    Each tick costs a ``stat`` per job: the job file is replaced by rename
    when the job ends, so a changed inode/mtime means "read it now". The tick
    is 20 ms while few jobs are watched (an ended job is noticed sooner, for
    a few hundred stats a second) and 50 ms for many, so a host waiting on
    thousands of jobs does not spend its CPU on stat.
    Liveness (the runner may die without a result) is checked every half
    second. The same thread reaps the runners this agent started, so no
    zombie makes a dead runner look alive.
    """

    TICK = 0.02
    TICK_MANY = 0.05
    MANY = 32
    CHECK_EVERY = 0.5

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watches: List[Watch] = []
        self._children: List[Any] = []
        self._wake = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def watch(self, watch: Watch) -> Watch:
        with self._lock:
            self._watches.append(watch)
        self._ensure_thread()
        return watch

    def cancel(self, watch: Watch) -> None:
        with self._lock:
            if watch in self._watches:
                self._watches.remove(watch)

    def adopt(self, process: Any) -> None:
        """Reap ``process`` (a runner we started) once it exits."""
        with self._lock:
            self._children.append(process)
        self._ensure_thread()

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="job-watcher", daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            with self._lock:
                watches, children = list(self._watches), list(self._children)
            with contextlib.suppress(Exception):
                self._reap(children)
            if not watches:  # only reaping to do: once a second is plenty
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            now = time.monotonic()
            for watch in watches:
                self._step(watch, now)
            with self._lock:
                self._watches = [w for w in self._watches if not w.done.is_set()]
            time.sleep(self.TICK if len(watches) <= self.MANY else self.TICK_MANY)

    def _reap(self, children: List[Any]) -> None:
        ended = [child for child in children if child.poll() is not None]
        if ended:
            with self._lock:
                self._children = [c for c in self._children if c not in ended]

    def _step(self, watch: Watch, now: float) -> None:
        try:
            self._check(watch, now)
        except Exception as exc:  # never let one bad job stop the others
            result = not_found(watch.paths)
            result["msg"] = f"watching the job failed: {type(exc).__name__}: {exc}"
            watch.complete(result)

    def _check(self, watch: Watch, now: float) -> None:
        paths = watch.paths
        stamp = _stamp(paths.job_file)
        if stamp is None or stamp != watch.stamp or now >= watch.next_check:
            watch.stamp, watch.next_check = stamp, now + self.CHECK_EVERY
            state = status(paths.directory, paths.jid, 0)
            if state.get("finished"):
                watch.complete(state)
                return
        if watch.next_progress is not None and now >= watch.next_progress:
            watch.next_progress = now + watch.interval
            self._progress(watch)
        if watch.deadline is not None and now >= watch.deadline and not watch.done.is_set():
            watch.complete(status(paths.directory, paths.jid, watch.tail_lines))

    def _progress(self, watch: Watch) -> None:
        state = status(watch.paths.directory, watch.paths.jid, watch.tail_lines)
        if state.get("finished"):
            watch.complete(state)
            return
        event: Dict[str, Any] = {"type": "progress", "jid": watch.paths.jid}
        for key in ("elapsed", "pid", "stdout_tail", "stderr_tail"):
            event[key] = state.get(key)
        if watch.on_progress is not None:
            with contextlib.suppress(Exception):
                watch.on_progress(event)


WATCHER = Watcher()


def wait_for_jobs(
    directory: str,
    jids: List[str],
    timeout: float = 0,
    tail_lines: int = DEFAULT_TAIL,
    on_progress: Optional[Emit] = None,
    progress_interval: float = 5.0,
) -> List[Result]:
    """Wait for several jobs at once; their statuses, in ``jids`` order.

    ``timeout`` 0 means wait as long as the jobs themselves may run (their
    runners enforce their deadlines). Jobs still running at the timeout come
    back with ``finished: false``.
    """
    watches = [WATCHER.watch(Watch(JobPaths(directory, jid), tail_lines)) for jid in jids]
    start = time.monotonic()
    end = start + timeout if timeout and timeout > 0 else None
    next_progress = start + progress_interval
    try:
        for watch in watches:
            while not watch.done.is_set():
                now = time.monotonic()
                if end is not None and now >= end:
                    break
                if on_progress is not None and now >= next_progress:
                    next_progress = now + progress_interval
                    on_progress(_wait_progress(watches, now - start))
                limits = [next_progress - now] + ([end - now] if end is not None else [])
                watch.done.wait(max(0.0, min(limits)))
    finally:
        for watch in watches:
            WATCHER.cancel(watch)
    return [
        w.result if w.done.is_set() else status(directory, w.paths.jid, tail_lines) for w in watches
    ]


#: how long a status check gives a running job to end before saying it runs
STATUS_SETTLE = 0.25


def settled_status(
    directory: str, jid: Any, tail_lines: int = DEFAULT_TAIL, settle: float = STATUS_SETTLE
) -> Result:
    """``status``, but a job that ends within ``settle`` seconds is reported
    finished: an ``until: result.finished`` loop then does not wait a whole
    ``delay`` for a job that was about to end (and retries as often as it
    does with ansible-core, whose checks come later after each launch)."""
    first = status(directory, jid, tail_lines)
    if first.get("finished") or settle <= 0:
        return first
    watch = WATCHER.watch(Watch(JobPaths(directory, jid), tail_lines, timeout=settle))
    try:
        watch.done.wait(settle + 1.0)
    finally:
        WATCHER.cancel(watch)
    return watch.result if watch.done.is_set() else status(directory, jid, tail_lines)


def _wait_progress(watches: List[Watch], elapsed: float) -> Result:
    running = [w.paths.jid for w in watches if not w.done.is_set()]
    return {
        "type": "progress",
        "elapsed": round(elapsed, 2),
        "finished": len(watches) - len(running),
        "total": len(watches),
        "running": running,
    }


# --- agent ops ------------------------------------------------------------------


def _failed(msg: str, **extra: Any) -> Result:
    result: Result = {"failed": True, "changed": False, "msg": msg}
    result.update(extra)
    return result


def op_job_start(request: Dict[str, Any], emit: Emit) -> Result:
    """Agent op ``job_start``: launch a module as a detached async job."""
    from longplay.agent.registry import find

    module = str(request.get("module") or "")
    if find(module) is None:
        return _failed(
            f"The module {module} was not found on the target.", started=False, finished=True
        )
    return start_job(
        module,
        request.get("args") or {},
        environment=request.get("environment") or {},
        check=bool(request.get("check")),
        async_seconds=request.get("async"),
        async_dir=request.get("async_dir"),
        extra=request.get("extra") or {},
        jid=request.get("jid"),
        grace=request.get("grace"),
        diff=bool(request.get("diff")),
    )


def op_job_prepare(request: Dict[str, Any], emit: Emit) -> Result:
    """Agent op ``job_prepare``: start the launcher in the background so the
    first ``job_start`` does not wait for it; returns at once. ``ready`` says
    whether it is up."""
    return {"ready": LAUNCHER.prepare()}


def op_job_watch(request: Dict[str, Any], emit: Emit) -> Result:
    """Agent op ``job_watch``: progress events every ``interval``, then the
    final status within ~100 ms of the job ending (or at ``timeout``)."""
    directory = resolve_dir(request.get("async_dir"), request.get("environment"))
    try:
        paths = JobPaths(directory, request.get("jid"))
    except JobError as exc:
        return _failed(str(exc), ansible_job_id=request.get("jid"), finished=True)
    watch = Watch(
        paths,
        tail_lines=int(request.get("tail_lines", DEFAULT_TAIL)),
        interval=float(request.get("interval") or 0),
        on_progress=emit,
        timeout=float(request["timeout"]) if request.get("timeout") else None,
    )
    WATCHER.watch(watch)
    watch.done.wait()
    result = watch.result
    # ``cleanup`` (a polled task collecting its job) removes a job that ended, one
    # stopped at its deadline too: the task reports that job's own final record.
    completed = result.get("finished")
    if request.get("cleanup") and completed and result.get("msg") != NOT_FOUND_MSG:
        remove_job(paths)
    return result
