"""``longplay jobs``: the async jobs of the matching hosts, read from their job files."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path


def _launch(longplay, tmp_path: Path, env: dict[str, str], command: str) -> str:
    run = longplay(
        "adhoc", "localhost", "-m", "shell", "-a", command, "-B", "60", "-P", "0", "--json",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert run.rc == 0, run.output
    [result] = [e["result"] for e in run.events() if e.get("event") == "host_result"]
    return str(result["ansible_job_id"])


def test_jobs_lists_running_finished_and_failed_jobs(longplay, tmp_path: Path) -> None:
    env = {"ANSIBLE_ASYNC_DIR": str(tmp_path / "async")}
    running = _launch(longplay, tmp_path, env, "echo step 1 of 3; sleep 60")
    failed = _launch(longplay, tmp_path, env, "echo broken >&2; exit 3")
    done = _launch(longplay, tmp_path, env, "echo all good")
    try:
        listed = longplay("jobs", "localhost", cwd=tmp_path, env=env)
        assert listed.rc == 0, listed.output
        lines = listed.stdout.splitlines()
        assert lines[0].split()[:4] == ["HOST", "JOB", "STATE", "STARTED"]
        rows = {line.split()[1]: line for line in lines[1:]}
        assert set(rows) == {running, failed, done}
        assert rows[running].split()[2] == "running" and rows[running].endswith("step 1 of 3")
        assert rows[failed].split()[2] == "failed" and " 3 " in rows[failed]
        assert rows[failed].endswith("non-zero return code")
        assert rows[done].split()[2] == "finished" and "echo all good" in rows[done]
        # oldest first
        assert [line.split()[1] for line in lines[1:]] == [running, failed, done]

        only_running = longplay("jobs", "localhost", "--running", cwd=tmp_path, env=env)
        assert [line.split()[1] for line in only_running.stdout.splitlines()[1:]] == [running]

        as_json = longplay("jobs", "localhost", "--json", cwd=tmp_path, env=env)
        [result] = [e["result"] for e in as_json.events() if e.get("event") == "host_result"]
        summaries = {job["ansible_job_id"]: job for job in result["jobs"]}
        assert summaries[running]["finished"] is False and summaries[running]["pid"] > 0
        assert summaries[failed]["rc"] == 3 and summaries[failed]["failed"] is True
        assert result["changed"] is False
    finally:
        longplay(
            "adhoc", "localhost", "-m", "async_status", "-a", f"jid={running} mode=cleanup",
            cwd=tmp_path, env=env,
        )  # fmt: skip


def test_jobs_on_a_host_without_any(longplay, tmp_path: Path) -> None:
    env = {"ANSIBLE_ASYNC_DIR": str(tmp_path / "never-used")}
    listed = longplay("jobs", "localhost", cwd=tmp_path, env=env)
    assert listed.rc == 0, listed.output
    assert "no jobs" in listed.stdout and str(tmp_path / "never-used") in listed.stdout


def test_jobs_reads_the_job_file_a_killed_runner_left(longplay, tmp_path: Path) -> None:
    """A job whose runner and processes were killed behind its back is listed as failed,
    never as running forever."""
    env = {"ANSIBLE_ASYNC_DIR": str(tmp_path / "async")}
    jid = _launch(longplay, tmp_path, env, "echo partial; sleep 60")
    job_file = tmp_path / "async" / jid
    deadline = time.monotonic() + 10
    record = json.loads(job_file.read_text())
    while not (record.get("pid") and record.get("runner_pid")):
        assert time.monotonic() < deadline, record
        time.sleep(0.05)
        record = json.loads(job_file.read_text())
    os.kill(record["runner_pid"], signal.SIGKILL)
    os.killpg(record["pid"], signal.SIGKILL)
    listed = longplay("jobs", "localhost", cwd=tmp_path, env=env)
    assert listed.rc == 0, listed.output
    [row] = [line for line in listed.stdout.splitlines() if jid in line]
    assert row.split()[2] == "failed", listed.stdout
    assert "died without writing a result" in row


def test_jobs_names_a_damaged_job_file_and_an_unusable_directory(longplay, tmp_path: Path) -> None:
    directory = tmp_path / "async"
    directory.mkdir()
    (directory / "j123456789012.999").write_text('{"started": true, "finis')
    listed = longplay("jobs", "localhost", cwd=tmp_path, env={"ANSIBLE_ASYNC_DIR": str(directory)})
    assert listed.rc == 0, listed.output
    [row] = [line for line in listed.stdout.splitlines() if "j123456789012.999" in line]
    assert row.split()[2] == "failed"
    assert f"could not parse job file {directory / 'j123456789012.999'}" in row

    not_a_directory = tmp_path / "a-file"
    not_a_directory.write_text("")
    env = {"ANSIBLE_ASYNC_DIR": str(not_a_directory)}
    refused = longplay("jobs", "localhost", cwd=tmp_path, env=env)
    assert refused.rc == 2, refused.output
    assert f"cannot read the async directory {not_a_directory}: Not a directory" in refused.stdout
