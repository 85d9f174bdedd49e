"""The detached runner of one async job: a supervisor and its worker.

The agent starts this as a fresh interpreter in its own session (forking the
multi-threaded agent would be unsafe), so the job outlives the agent, the SSH
connection and the controller. It then splits in two:

* the **supervisor** (this process) forks the worker into its own process
  group, enforces the deadline (SIGTERM to the whole group, SIGKILL after the
  grace period), honours terminate requests, and records the final result,
  including for a worker that died without writing one;
* the **worker** runs the module with :class:`JobContext`, whose
  ``run_command`` sends the command's output straight into the job's output
  files (never only in memory), and writes its raw result.

Why two processes: whatever happens to the worker (killed, OOM, a module
bug), someone is left to say how it ended. The supervisor sleeps in
``sigtimedwait`` until a child exits, a terminate request arrives (SIGUSR1) or
the deadline passes, so it costs nothing while it waits and reacts at once.

Standard library only, Python >= 3.8.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import subprocess
import sys
import time
import traceback

from longplay.agent import jobs
from longplay.agent.context import ModuleContext

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Sequence, Tuple

    from longplay.agent.context import Command

#: signals that ask a job (or its runner) to stop
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
_WATCHED = (signal.SIGCHLD, signal.SIGUSR1, *STOP_SIGNALS)
_MAX_SLEEP = 0.5


class Stop:
    """Why and how the supervisor is stopping the job."""

    def __init__(self, kind: str, signum: int, grace: float) -> None:
        self.kind = kind  # "timeout" or "terminate"
        self.signum = signum
        self.grace = grace


class Signals:
    """The supervisor's sleep: wakes on child exit, SIGUSR1 or a stop signal.

    Where ``sigtimedwait`` exists (Linux) the signals are blocked and waited
    for, so there is no polling; elsewhere handlers note them and the
    supervisor naps in short steps.
    """

    def __init__(self) -> None:
        self.received: Optional[int] = None
        self.blocking = hasattr(signal, "sigtimedwait") and hasattr(signal, "pthread_sigmask")
        if self.blocking:
            signal.pthread_sigmask(signal.SIG_BLOCK, _WATCHED)
        else:
            for signum in _WATCHED:
                signal.signal(signum, self._note)

    def _note(self, signum: int, frame: Any) -> None:
        if signum in STOP_SIGNALS:
            self.received = signum

    def wait(self, timeout: float) -> None:
        if self.blocking:
            info = signal.sigtimedwait(_WATCHED, max(0.0, timeout))
            if info is not None and info.si_signo in STOP_SIGNALS:
                self.received = info.si_signo
        else:
            time.sleep(max(0.0, min(timeout, 0.05)))

    @staticmethod
    def reset_in_child() -> None:
        """Give the worker (and the commands it runs) default signal handling."""
        for signum in _WATCHED:
            signal.signal(signum, signal.SIG_DFL)
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_SETMASK, [])


def set_process_name(name: str) -> None:
    """Name this process for ``ps -o comm``/``top`` (Linux; best effort), so
    runners forked from the launcher are not all called ``python``."""
    with contextlib.suppress(OSError), open("/proc/self/comm", "w") as handle:
        handle.write(name[:15])


def exit_code(status: int) -> int:
    """Wait status to the subprocess convention: -N for signal N."""
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


class Supervisor:
    """Runs the worker, enforces the deadline and records the final result."""

    def __init__(self, paths: jobs.JobPaths, spec: Dict[str, Any]) -> None:
        self.paths = paths
        self.spec = spec
        self.signals = Signals()
        self.stop: Optional[Stop] = None
        self.sent: List[int] = []
        # measured on the monotonic clock from here on: a wall-clock jump
        # must not kill a job early or let it overrun
        remaining = float(spec["deadline"]) - time.time()
        self.deadline = time.monotonic() + max(0.0, remaining)

    def run(self) -> None:
        me = os.getpid()
        # The worker starts once its pid is in the job file, so a status check
        # that sees the job's output also sees its pid.
        go_read, go_write = os.pipe()
        worker = os.fork()
        if worker == 0:
            os.close(go_write)
            os.read(go_read, 1)
            os.close(go_read)
            run_worker(self.paths, self.spec, me)
        os.close(go_read)
        with contextlib.suppress(OSError):
            os.setpgid(worker, worker)  # also done by the child: whoever runs first
        try:
            try:
                jobs.record_pids(self.paths, self.spec, {"runner_pid": me, "pid": worker})
            finally:
                os.write(go_write, b"g")
                os.close(go_write)
            status = self.wait(worker)
            jobs.finalize(self.paths, self.final_result(worker, status))
        except jobs.JobGone:
            jobs.kill_group(worker, signal.SIGKILL)  # cleaned up under our feet

    def wait(self, worker: int) -> int:
        """Wait for the worker, stopping it at the deadline or on request."""
        status: Optional[int] = None
        kill_at = 0.0
        while True:
            now = time.monotonic()
            if status is None:
                status = _reap(worker)
            if self.stop is None:
                self.stop = self.stop_request(now)
                if self.stop is not None:
                    self.send(worker, self.stop.signum)
                    kill_at = now + self.stop.grace
            if self.should_kill(worker, status, now, kill_at):
                self.send(worker, signal.SIGKILL)
            if status is not None and self.group_done(worker):
                return status
            self.signals.wait(self.pause(now, status, kill_at))

    def stop_request(self, now: float) -> Optional[Stop]:
        """A reason to stop the job now: our own stop signal, a terminate
        request from ``async_status``, or the deadline."""
        grace = float(self.spec.get("grace", jobs.DEFAULT_GRACE))
        if self.signals.received is not None:
            return Stop("terminate", signal.SIGTERM, grace)
        if os.path.exists(self.paths.terminate):
            try:
                request = jobs.read_json(self.paths.terminate) or {}
                signum = jobs.signal_number(request.get("signal", "TERM"))
                return Stop("terminate", signum, float(request.get("grace", grace)))
            except (ValueError, jobs.JobError):
                return Stop("terminate", signal.SIGTERM, grace)
        if now >= self.deadline:
            return Stop("timeout", signal.SIGTERM, grace)
        return None

    def should_kill(self, worker: int, status: Optional[int], now: float, kill_at: float) -> bool:
        if self.stop is None or signal.SIGKILL in self.sent or now < kill_at:
            return False
        return status is None or jobs.group_alive(worker)

    def group_done(self, worker: int) -> bool:
        """Once stopping, wait for the whole group (the command may outlive the
        worker), unless it was already SIGKILLed."""
        if self.stop is None or signal.SIGKILL in self.sent:
            return True
        return not jobs.group_alive(worker)

    def pause(self, now: float, status: Optional[int], kill_at: float) -> float:
        if status is not None:
            return 0.05
        if self.stop is None:
            limit = self.deadline - now
        elif signal.SIGKILL not in self.sent:
            limit = kill_at - now
        else:
            limit = _MAX_SLEEP
        return max(0.0, min(limit, _MAX_SLEEP))

    def send(self, worker: int, signum: int) -> None:
        jobs.kill_group(worker, signum)
        self.sent.append(signum)

    def final_result(self, worker: int, status: int) -> Dict[str, Any]:
        raw = jobs.read_raw(self.paths)
        stopped = self.stop is not None and (raw is None or jobs.INTERNAL_SIGNAL_KEY in raw)
        if self.stop is not None and stopped:
            data = dict(self.spec, pid=worker)
            return jobs.stopped_result(
                self.paths, data, self.stop.kind, self.sent, exit_code(status), raw
            )
        if raw is not None:
            return raw
        return jobs.died_result(
            self.paths, self.spec, _how_it_ended(worker, status), exit_code(status)
        )


def _reap(pid: int) -> Optional[int]:
    try:
        found, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return 0
    return status if found else None


def _how_it_ended(worker: int, status: int) -> str:
    if os.WIFSIGNALED(status):
        name = jobs.signal_name(os.WTERMSIG(status))
        return (
            f"the job's process (pid {worker}) was killed by signal {name} before writing a result"
        )
    code = os.WEXITSTATUS(status)
    return f"the job's process (pid {worker}) exited with status {code} without writing a result"


# --- the worker -------------------------------------------------------------------


def _die(signum: int) -> None:
    """End this process by ``signum``, as if no handler had been installed."""
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    time.sleep(1)
    os._exit(128 + signum)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


class JobContext(ModuleContext):
    """A module context whose commands write straight into the job's files.

    The command's stdout/stderr are the job's output files themselves (no
    pipe through this process), so output is on disk as it is produced, a
    tail is always available, and it survives this process being killed. The
    text handed back to the module is capped (the tail is kept) so a job that
    prints 50 MB does not send 50 MB to the controller.

    Stop signals (TERM, INT, HUP) are deferred while a command runs: the
    command gets them too (same process group) and its real rc ends up in
    the result; with no command running, the worker dies at once.
    """

    def __init__(
        self,
        paths: jobs.JobPaths,
        check_mode: bool = False,
        environment: Optional[Dict[str, str]] = None,
        extra: Optional[Dict[str, Any]] = None,
        diff: bool = False,
    ) -> None:
        super().__init__(check_mode=check_mode, diff=diff, environment=environment, extra=extra)
        self.paths = paths
        self.in_command = False
        self.pending_signal: Optional[int] = None
        self.truncated: List[str] = []

    def install_signal_handlers(self) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._on_stop_signal)

    def _on_stop_signal(self, signum: int, frame: Any) -> None:
        self.pending_signal = signum
        if not self.in_command:
            _die(signum)

    def run_command(
        self,
        command: Command,
        shell: bool = False,
        cwd: Optional[str] = None,
        stdin: Optional[bytes] = None,
        executable: Optional[str] = None,
    ) -> Tuple[int, str, str]:
        if self.pending_signal is not None:
            _die(self.pending_signal)
        offsets = {"stdout": _size(self.paths.stdout), "stderr": _size(self.paths.stderr)}
        self.in_command = True
        try:
            with open(self.paths.stdout, "ab") as out, open(self.paths.stderr, "ab") as err:
                process = subprocess.Popen(
                    command,
                    shell=shell,
                    cwd=cwd,
                    env=self.env(),
                    executable=executable,
                    stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                )
            if self.pending_signal is not None:
                # it arrived while the command was being started, maybe
                # before it existed: pass it on to the whole group (the
                # command's own children included; we defer it again)
                os.killpg(os.getpgrp(), self.pending_signal)
            process.communicate(stdin)
        finally:
            self.in_command = False
        return (
            process.returncode,
            self._collect("stdout", offsets),
            self._collect("stderr", offsets),
        )

    def _collect(self, stream: str, offsets: Dict[str, int]) -> str:
        text, truncated = jobs.read_capped(self.paths.output(stream), offsets[stream])
        if truncated and stream not in self.truncated:
            self.truncated.append(stream)
        return text

    def annotate(self, result: Dict[str, Any]) -> Dict[str, Any]:
        """Say where the full output is when the result holds only its tail."""
        for stream in self.truncated:
            result[stream + "_truncated"] = True
            result[stream + "_file"] = self.paths.output(stream)
        if self.pending_signal is not None:
            result[jobs.INTERNAL_SIGNAL_KEY] = jobs.signal_name(self.pending_signal)
        return result


def run_module(paths: jobs.JobPaths, spec: Dict[str, Any]) -> Dict[str, Any]:
    from longplay.agent.execute import execute_module

    ctx = JobContext(
        paths,
        check_mode=bool(spec.get("check")),
        diff=bool(spec.get("diff")),
        environment=spec.get("environment") or {},
        extra=spec.get("extra") or {},
    )
    ctx.install_signal_handlers()
    result = execute_module(spec["module"], spec.get("args") or {}, ctx)
    return ctx.annotate(result)


def run_worker(paths: jobs.JobPaths, spec: Dict[str, Any], supervisor: int) -> None:
    """The worker's whole life; never returns into the supervisor's code."""
    code = 70
    try:
        with contextlib.suppress(OSError):
            os.setpgid(0, 0)
        Signals.reset_in_child()
        set_process_name("longplay-job")
        result = run_module(paths, spec)
        jobs.write_json_atomic(paths.raw, result)
        if os.getppid() != supervisor:
            jobs.finalize(paths, result)  # the runner is gone: nobody else will
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def run_runner(paths: jobs.JobPaths) -> int:
    """Supervise the job whose spec is in ``paths``; the process exit code."""
    spec = jobs.read_json(paths.spec)
    if spec is None:
        sys.stderr.write(f"longplay job runner: no spec for job {paths.jid}\n")
        return 2
    os.unlink(paths.spec)  # it holds the module's arguments, maybe secrets
    set_process_name("longplay-runner")
    try:
        Supervisor(paths, spec).run()
    except Exception as exc:
        traceback.print_exc()
        with contextlib.suppress(Exception):
            how = f"the job runner failed: {type(exc).__name__}: {exc}"
            jobs.finalize(paths, jobs.died_result(paths, spec, how, None))
        return 1
    return 0


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Entry point: ``jobrunner <async dir> <jid>`` (spec in the hidden dir)."""
    directory, jid = list(sys.argv[1:] if argv is None else argv)[:2]
    sys.exit(run_runner(jobs.JobPaths(directory, jid)))


# --- the launcher -----------------------------------------------------------------


def _detach_into(paths: jobs.JobPaths) -> None:
    """Make a forked child a detached runner: own session, stdio to its log."""
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    null = os.open(os.devnull, os.O_RDONLY)
    log = os.open(paths.runner_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(null)
    os.close(log)


def fork_runner(directory: str, jid: str) -> int:
    """Fork a detached runner for one job; the runner's pid (in the parent)."""
    paths = jobs.JobPaths(directory, jid)
    pid = os.fork()
    if pid:
        return pid
    code = 70
    try:
        _detach_into(paths)
        code = run_runner(paths)
    except BaseException:
        with contextlib.suppress(Exception):
            traceback.print_exc()
    finally:
        os._exit(code)


def serve_launches() -> None:
    """The launcher: fork a runner for each ``{"dir", "jid"}`` line on stdin.

    Started once per agent as a fresh, single-threaded interpreter (so
    forking it is safe, unlike forking the threaded agent), it loads the job
    machinery and the command module once; each job then costs a fork
    instead of an interpreter start, and the pages are shared. Runners
    are reaped by the kernel (SIGCHLD ignored) and live in their own
    sessions, so they outlive the launcher, which exits when the agent closes
    its stdin.
    """
    import json

    from longplay.agent.registry import find

    # Runners import the module they run when they start; only the most
    # common one is loaded here, so the launcher is up in a few milliseconds.
    find("command")
    # keep the collector off the loaded modules' objects, so forked runners
    # keep sharing those pages instead of copying them
    gc.freeze()
    set_process_name("longplay-launch")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    out = sys.stdout.buffer
    out.write(b'{"ready": true}\n')
    out.flush()
    while True:
        line = sys.stdin.buffer.readline()
        if not line:
            return
        if not line.strip():
            continue  # a wake-up (see ``prefork``): nothing to answer
        try:
            request = json.loads(line.decode("utf-8"))
            reply: Dict[str, Any] = {"pid": fork_runner(request["dir"], request["jid"])}
        except Exception as exc:
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        out.write((json.dumps(reply) + "\n").encode("utf-8"))
        out.flush()


if __name__ == "__main__":
    main()
