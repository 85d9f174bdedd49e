"""How jobs end: deadlines, kills, terminate and cleanup, with real processes."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from jobtools import Harness, wait_until

from longplay.agent import jobs


def ended_after_deadline(record: dict, final: dict) -> float:
    """Seconds between the job's deadline and its end, by the target's clock:
    the end of a command that completed, else when its final result was written."""
    if "end" in final:
        ended = datetime.datetime.strptime(final["end"], jobs.TIME_FORMAT).timestamp()
    else:
        ended = os.stat(final["results_file"]).st_mtime
    return float(ended - record["deadline"])


def assert_timed_out_like_the_reference(final: dict, pid: int) -> None:
    """The keys ansible-core's job file has for a job past its deadline."""
    assert final["failed"] is True and final["changed"] is False
    assert final["msg"] == "Timeout exceeded"
    assert final["child_pid"] == pid
    assert final["finished"] is True and final["started"] is True
    assert "cmd" not in final and "invocation" not in final and "rc" not in final


def test_deadline_is_enforced_within_half_a_second(harness: Harness) -> None:
    jid = harness.start("echo before; sleep 30", seconds=1)
    record = harness.record(jid)
    _, pid = harness.pids(jid)
    final = harness.finished(jid, timeout=8)
    assert -0.05 <= ended_after_deadline(record, final) < 0.5  # mtimes are coarse
    assert_timed_out_like_the_reference(final, pid)
    assert final["timed_out"] is True
    assert final["signal"] == "SIGTERM"
    assert final["stdout"] == "before"


def test_deadline_with_term_ignored_kills_after_grace(harness: Harness) -> None:
    jid = harness.start("trap '' TERM; echo stubborn; sleep 30", seconds=1, grace=1.0)
    record = harness.record(jid)
    _, pid = harness.pids(jid)
    final = harness.finished(jid, timeout=8)
    assert 0.95 <= ended_after_deadline(record, final) < 1.5
    assert final["timed_out"] is True and final["signal"] == "SIGKILL"
    assert_timed_out_like_the_reference(final, pid)
    assert final["stdout"] == "stubborn"
    assert not jobs.group_alive(pid)  # the sleep went too, not just the shell


def test_worker_killed_with_sigkill_is_reported(harness: Harness) -> None:
    jid = harness.start("echo partial; sleep 30")
    _, pid = harness.pids(jid)
    wait_until(lambda: harness.status(jid)["stdout_tail"])
    os.kill(pid, signal.SIGKILL)
    final = harness.finished(jid, timeout=5)
    assert final["failed"] is True
    assert "killed by signal SIGKILL" in final["msg"]
    assert final["rc"] == -9
    assert final["stdout"] == "partial"


def test_supervisor_killed_then_job_killed_reports_died(harness: Harness) -> None:
    jid = harness.start("echo partial; sleep 30")
    runner, pid = harness.pids(jid)
    wait_until(lambda: harness.status(jid)["stdout_tail"])
    os.kill(runner, signal.SIGKILL)
    jobs.kill_group(pid, signal.SIGKILL)
    wait_until(lambda: not jobs.group_alive(pid))
    # The runner may still be a zombie for a moment (its parent reaps it on its
    # next tick): until then it looks alive. The finding must come, and stay.
    final = wait_until(lambda: (status := harness.status(jid))["finished"] and status)
    assert final["finished"] is True and final["failed"] is True
    assert "died without writing a result" in final["msg"]
    assert f"pid {runner}" in final["msg"]
    assert final["stdout"] == "partial"
    assert harness.record(jid)["msg"] == final["msg"]  # the finding is persisted
    assert harness.status(jid) == final


def test_supervisor_killed_job_still_finishes_and_records_result(harness: Harness) -> None:
    jid = harness.start("sleep 0.5; echo survived")
    runner, _ = harness.pids(jid)
    os.kill(runner, signal.SIGKILL)
    assert harness.status(jid)["finished"] is False  # the worker still runs
    final = harness.finished(jid, timeout=5)
    assert final["rc"] == 0 and final["stdout"] == "survived"


def test_terminate_records_result_and_kills_children(harness: Harness) -> None:
    jid = harness.start("echo working; sleep 30 & sleep 30; wait")
    _, pid = harness.pids(jid)
    wait_until(lambda: harness.status(jid)["stdout_tail"])
    started = time.monotonic()
    final, stopped = jobs.terminate(harness.dir, jid)
    assert time.monotonic() - started < 2.5
    assert stopped is True
    assert final["finished"] is True and final["failed"] is True
    assert final["terminated"] is True and final["signal"] == "SIGTERM"
    assert final["msg"] == "terminated by request with SIGTERM"
    assert final["stdout"] == "working"
    assert not jobs.group_alive(pid)
    assert harness.status(jid) == final  # readable until cleanup
    again, stopped = jobs.terminate(harness.dir, jid)
    assert stopped is False and again == final


def test_terminate_escalates_to_sigkill_after_grace(harness: Harness) -> None:
    jid = harness.start("trap '' TERM; echo ready; sleep 30")
    _, pid = harness.pids(jid)
    wait_until(lambda: harness.status(jid)["stdout_tail"])
    started = time.monotonic()
    final, _ = jobs.terminate(harness.dir, jid, "TERM", grace=0.5)
    assert 0.4 < time.monotonic() - started < 3.0
    assert final["signal"] == "SIGKILL"
    assert "SIGTERM, then SIGKILL" in final["msg"]
    assert not jobs.group_alive(pid)


def test_terminate_with_another_signal(harness: Harness) -> None:
    jid = harness.start("sleep 30")
    harness.pids(jid)
    # sleep dies at once on SIGINT; a long grace only keeps a loaded machine from
    # reaching the SIGKILL before the runner has seen it die
    final, _ = jobs.terminate(harness.dir, jid, "INT", grace=10)
    assert final["msg"] == "terminated by request with SIGINT"


def test_terminate_right_after_launch(harness: Harness) -> None:
    jid = harness.start("sleep 30")
    final, stopped = jobs.terminate(harness.dir, jid, grace=1)
    assert stopped is True and final["terminated"] is True
    assert not jobs.group_alive(final.get("pid"))


def test_cleanup_of_running_job_kills_it_and_removes_files(harness: Harness) -> None:
    jid = harness.start("sleep 30")
    _, pid = harness.pids(jid)
    result = jobs.cleanup(harness.dir, jid, grace=1)
    assert result["erased"] == str(Path(harness.dir, jid))
    assert result["terminated"] is True
    assert not jobs.group_alive(pid)
    assert os.listdir(harness.dir) == []
    assert jobs.status(harness.dir, jid)["msg"] == "could not find job"


def test_cleanup_of_finished_job(harness: Harness) -> None:
    jid = harness.start("true")
    harness.finished(jid)
    result = jobs.cleanup(harness.dir, jid)
    assert result == {
        "ansible_job_id": jid,
        "erased": str(Path(harness.dir, jid)),
        "started": False,
        "finished": False,
        "changed": False,
    }
    assert os.listdir(harness.dir) == []


def test_rebooted_host_job_reported_dead(harness: Harness) -> None:
    jid = harness.start("sleep 0.2")
    harness.finished(jid)
    # forge a running record from another boot, as a reboot would leave it
    record = harness.record(jid)
    stale = {
        "started": True,
        "finished": False,
        "ansible_job_id": jid,
        "pid": 999999,
        "runner_pid": 999998,
        "boot_id": "another-boot",
        "start_time": record.get("start_time", time.time()),
        "deadline": time.time() + 60,
    }
    Path(harness.dir, f".{jid}", "result.json").unlink(missing_ok=True)
    jobs.write_json_atomic(str(Path(harness.dir, jid)), stale)
    final = harness.status(jid)
    if jobs.boot_id() is None:
        return  # no boot id on this platform: only pid liveness applies
    assert final["finished"] is True and final["failed"] is True
    assert "rebooted" in final["msg"]


def test_direct_runner_without_the_launcher(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LONGPLAY_JOB_LAUNCHER", "direct")
    jid = harness.start("echo direct; sleep 0.2", seconds=5)
    final = harness.finished(jid)
    assert final["rc"] == 0 and final["stdout"] == "direct"
    timed = harness.start("sleep 30", seconds=1, grace=0.5)
    assert harness.finished(timed, timeout=5)["timed_out"] is True


def test_launcher_restarts_after_dying(harness: Harness) -> None:
    harness.finished(harness.start("true"))
    launcher = jobs.LAUNCHER._process
    assert launcher is not None
    launcher.kill()
    launcher.wait()
    final = harness.finished(harness.start("echo again"))
    assert final["stdout"] == "again"
    assert jobs.LAUNCHER._process is not launcher


def test_reused_pid_is_never_signalled(harness: Harness) -> None:
    jid = harness.start("true")
    harness.finished(jid)
    bystander = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        # a running record whose runner is gone and whose worker pid now
        # belongs to an unrelated process group leader (pid reuse)
        stale = {
            "started": True,
            "finished": False,
            "ansible_job_id": jid,
            "runner_pid": 999998,
            "pid": bystander.pid,
            "pid_starttime": 1,
            "start_time": time.time() - 60,
            "deadline": time.time() - 30,
        }
        Path(harness.dir, f".{jid}", "result.json").unlink(missing_ok=True)
        jobs.write_json_atomic(str(Path(harness.dir, jid)), stale)
        final = harness.status(jid)
        assert final["finished"] is True and "died without writing a result" in final["msg"]
        jobs.terminate(harness.dir, jid)
        time.sleep(0.1)
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()
