"""Run one command, time it, track the controller's peak memory, check the recap.

Wall time is measured around the whole process (start to exit). Peak memory
is the ``VmHWM`` (high-water mark of resident memory) of the controller
process itself, read from ``/proc/PID/status`` every 20 ms, so processes the
controller starts (the local agent, ssh clients, ansible-core's forks) are not
counted; ``ru_maxrss`` from ``wait4`` (the largest of the process and its
reaped children) is kept as well. Every run starts a new session; once it has
exited, whatever it left in its process group (ansible-core's ControlPersist
ssh masters) is terminated, so no run reuses another's connections.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

RECAP_RE = re.compile(
    r"^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+"
    r"unreachable=(?P<unreachable>\d+)\s+failed=(?P<failed>\d+)\s+"
    r"skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+ignored=(?P<ignored>\d+)",
    re.MULTILINE,
)


@dataclass
class Expect:
    """What a correct run prints: these hosts, each with ``ok`` tasks, nothing failed."""

    hosts: tuple[str, ...] = ()
    ok: int = 0
    stdout_prefix: str | None = None  # for non-playbook commands such as --version


@dataclass
class Run:
    """One measured execution."""

    argv: list[str]
    seconds: float
    rc: int
    peak_rss_mb: float | None
    tree_rss_mb: float
    stdout: Path
    stderr: Path
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _hwm_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


class _HwmWatcher(threading.Thread):
    """Reads the process's VmHWM until told to stop; keeps the largest value."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb: int | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            value = _hwm_kb(self.pid)
            if value is not None and (self.peak_kb is None or value > self.peak_kb):
                self.peak_kb = value
            self.stop.wait(0.02)


def _kill_group(pgid: int) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.2)


def run_command(
    argv: list[str],
    env: dict[str, str],
    cwd: Path,
    log_stem: Path,
    expect: Expect,
    timeout: float,
) -> Run:
    """Run ``argv`` once, measure it and check its rc and recap against ``expect``."""
    stdout_path = log_stem.with_suffix(".out")
    stderr_path = log_stem.with_suffix(".err")
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
        watcher = _HwmWatcher(process.pid)
        watcher.start()
        deadline = started + timeout
        timed_out = False
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                timed_out = True
                os.killpg(process.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.005)
        seconds = time.perf_counter() - started
        watcher.stop.set()
        watcher.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    _kill_group(process.pid)
    run = Run(
        argv=argv,
        seconds=seconds,
        rc=process.returncode,
        peak_rss_mb=None if watcher.peak_kb is None else watcher.peak_kb / 1024,
        tree_rss_mb=usage.ru_maxrss / 1024,
        stdout=stdout_path,
        stderr=stderr_path,
    )
    if timed_out:
        run.problems.append(f"timed out after {timeout:.0f}s")
    run.problems.extend(check(run, expect))
    return run


def check(run: Run, expect: Expect) -> list[str]:
    """Why this run does not count (empty when rc and recap are as expected)."""
    problems = []
    if run.rc != 0:
        problems.append(f"rc {run.rc}")
    text = run.stdout.read_text(errors="replace")
    if expect.stdout_prefix is not None:
        if not text.startswith(expect.stdout_prefix):
            problems.append(f"stdout does not start with {expect.stdout_prefix!r}")
        return problems
    recap = {m["host"]: m for m in RECAP_RE.finditer(text.split("PLAY RECAP", 1)[-1])}
    if "PLAY RECAP" not in text or not recap:
        problems.append("no PLAY RECAP")
        return problems
    missing = sorted(set(expect.hosts) - set(recap))
    extra = sorted(set(recap) - set(expect.hosts))
    if missing:
        problems.append(f"hosts missing from recap: {', '.join(missing[:5])}")
    if extra:
        problems.append(f"unexpected hosts in recap: {', '.join(extra[:5])}")
    for host, match in sorted(recap.items()):
        bad = {k: int(match[k]) for k in ("unreachable", "failed") if int(match[k])}
        if bad or int(match["ok"]) != expect.ok:
            problems.append(
                f"{host}: ok={match['ok']} (want {expect.ok})"
                + "".join(f" {k}={v}" for k, v in bad.items())
            )
            if len(problems) > 5:
                break
    return problems
