"""The job file format and its guards, through ``longplay.agent.jobs`` directly."""

from __future__ import annotations

import os
import re
import stat
import time
from pathlib import Path

import pytest
from jobtools import Harness, wait_until

from longplay.agent import jobs


@pytest.mark.parametrize("jid", ["../x", "a/b", "..", ".", "", ".hidden", "/etc/passwd", "a b"])
def test_crafted_jids_are_refused_before_touching_files(tmp_path: Path, jid: str) -> None:
    directory = tmp_path / "async"
    directory.mkdir()
    victim = tmp_path / "x"
    victim.write_text("precious")
    (directory / "a").mkdir()
    (directory / "a" / "b").write_text("precious")
    for call in (
        lambda: jobs.status(str(directory), jid),
        lambda: jobs.cleanup(str(directory), jid),
        lambda: jobs.terminate(str(directory), jid),
    ):
        with pytest.raises(jobs.JobError, match="invalid job id"):
            call()
    assert victim.read_text() == "precious"
    assert (directory / "a" / "b").read_text() == "precious"
    assert sorted(os.listdir(directory)) == ["a"]


def test_crafted_jid_through_async_status_module(tmp_path: Path) -> None:
    from longplay.agent.context import ModuleContext
    from longplay.agent.execute import execute_module

    victim = tmp_path / "x"
    victim.write_text("precious")
    ctx = ModuleContext(extra={"async_dir": str(tmp_path / "async")})
    result = execute_module("async_status", {"jid": "../x", "mode": "cleanup"}, ctx)
    assert result["failed"] is True
    assert result["msg"].startswith("invalid job id")
    assert victim.read_text() == "precious"
    assert not (tmp_path / "async").exists()


def test_jid_looks_like_the_reference() -> None:
    jid = jobs.new_jid()
    assert re.fullmatch(r"j\d{12}\." + str(os.getpid()), jid)
    assert jobs.validate_jid(jid) == jid


def test_async_dir_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("ANSIBLE_ASYNC_DIR", raising=False)
    assert jobs.resolve_dir() == str(tmp_path / ".ansible_async")
    monkeypatch.setenv("ANSIBLE_ASYNC_DIR", "~/agent-env")
    assert jobs.resolve_dir() == str(tmp_path / "agent-env")
    task_env = {"ANSIBLE_ASYNC_DIR": "~/task-env"}
    assert jobs.resolve_dir(None, task_env) == str(tmp_path / "task-env")
    assert jobs.resolve_dir("~/explicit", task_env) == str(tmp_path / "explicit")


def test_unwritable_directory_fails_at_launch_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    bad = blocker / "sub"
    started = time.monotonic()
    result = jobs.start_job("shell", {"_raw_params": "true"}, async_seconds=60, async_dir=str(bad))
    assert time.monotonic() - started < 1
    assert result["failed"] is True
    assert str(bad) in result["msg"]
    assert "ansible_job_id" not in result


def test_bad_async_value_fails_at_launch(tmp_path: Path) -> None:
    for value in (0, -3, "soon", None, True):
        result = jobs.start_job("shell", {"_raw_params": "true"}, async_seconds=value)
        assert result["failed"] is True
        assert "positive" in result["msg"]
    result = jobs.start_job("shell", {"_raw_params": "true"}, async_seconds=5, grace="soon")
    assert result["failed"] is True and "grace" in result["msg"]
    assert not (tmp_path / "async").exists()


def test_job_file_exists_at_once_and_is_private(harness: Harness) -> None:
    started = time.monotonic()
    jid = harness.start("sleep 5", seconds=30)
    launch = time.monotonic() - started
    assert launch < 1.0  # the job itself takes 5 s
    directory = Path(harness.dir)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE((directory / jid).stat().st_mode) == 0o600
    assert stat.S_IMODE((directory / f".{jid}").stat().st_mode) == 0o700
    record = harness.record(jid)
    assert record["started"] is True and record["finished"] is False
    assert record["ansible_job_id"] == jid
    assert record["results_file"] == str(directory / jid)
    assert record["async"] == 30
    assert record["deadline"] - record["start_time"] == pytest.approx(30)
    assert record["module"] == "shell" and record["cmd"] == "sleep 5"
    assert record["runner_pid"] > 0
    assert record["stdout_file"] == str(directory / f".{jid}" / "stdout")
    if os.path.exists("/proc/sys/kernel/random/boot_id"):
        assert record["boot_id"] == jobs.boot_id()
    # only job files are visible to tools listing the async dir
    assert [p.name for p in directory.iterdir() if not p.name.startswith(".")] == [jid]
    jobs.cleanup(harness.dir, jid, grace=1)


def test_running_status_has_pid_elapsed_and_tails(harness: Harness) -> None:
    jid = harness.start("for i in 1 2 3 4 5; do echo line$i; done; echo oops >&2; sleep 5")
    _, pid = harness.pids(jid)
    state = wait_for_tail(harness, jid)
    assert state["finished"] is False and state["started"] is True
    assert state["pid"] == pid
    assert isinstance(state["elapsed"], float) and 0 < state["elapsed"] < 5
    assert state["stdout_tail"] == ["line3", "line4", "line5"]
    assert state["stderr_tail"] == ["oops"]
    assert state["results_file"] == str(Path(harness.dir, jid))
    jobs.cleanup(harness.dir, jid, grace=1)


def wait_for_tail(harness: Harness, jid: str) -> dict:
    return wait_until(lambda: (s := harness.status(jid, 3))["stderr_tail"] and s)


def test_final_result_of_a_command_job(harness: Harness) -> None:
    jid = harness.start("echo out; echo err >&2; exit 3")
    final = harness.finished(jid)
    assert final["finished"] is True and final["started"] is True
    assert final["rc"] == 3 and final["failed"] is True
    assert final["stdout"] == "out" and final["stderr"] == "err"
    assert final["msg"] == "non-zero return code"
    assert final["cmd"] == "echo out; echo err >&2; exit 3"
    for key in ("start", "end", "delta"):
        assert final[key]
    assert final["ansible_job_id"] == jid
    # the file a person cats holds the module's result alone, its arguments
    # included (ansible-core's async_status shows them in loop items), as the
    # reference's job files do; status adds the job's own keys
    assert final["invocation"]["module_args"]["_raw_params"] == final["cmd"]
    job_keys = {"started", "finished", "ansible_job_id", "results_file"}
    assert harness.record(jid) == {k: v for k, v in final.items() if k not in job_keys}


def test_unknown_jid_reports_could_not_find_job(harness: Harness) -> None:
    result = jobs.status(harness.dir, "j123.4")
    assert result["failed"] is True and result["msg"] == "could not find job"
    assert result["ansible_job_id"] == "j123.4"
    assert result["finished"] is True and result["started"] is True
    assert result["results_file"] == os.path.join(harness.dir, "j123.4")


def test_reference_style_job_files_are_understood(async_dir: Path) -> None:
    async_dir.mkdir()
    (async_dir / "j1.1").write_text('{"started": 1, "finished": 0, "ansible_job_id": "j1.1"}')
    (async_dir / "j2.2").write_text('{"rc": 0, "stdout": "done", "changed": true}')
    assert jobs.status(str(async_dir), "j1.1")["finished"] is False
    done = jobs.status(str(async_dir), "j2.2")
    assert done["finished"] is True and done["stdout"] == "done"
    assert jobs.cleanup(str(async_dir), "j2.2")["erased"] == str(async_dir / "j2.2")
    assert not (async_dir / "j2.2").exists()


def test_large_output_is_capped_in_the_result_but_kept_in_the_file(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 6 MiB of output: above the 1 MiB cap on what travels in the result
    jid = harness.start("head -c 6291456 /dev/zero | tr '\\0' 'x'; echo; echo the-end")
    final = harness.finished(jid, timeout=20)
    assert final["rc"] == 0
    assert final["stdout_truncated"] is True
    assert final["stdout"].endswith("the-end")
    assert len(final["stdout"]) <= jobs.OUTPUT_CAP
    assert os.path.getsize(final["stdout_file"]) > 6 * 1024 * 1024


def test_tail_and_capped_reads(tmp_path: Path) -> None:
    path = tmp_path / "out"
    path.write_bytes(b"".join(b"line %d\n" % i for i in range(20000)) + b"partial")
    assert jobs.read_tail(str(path), 3) == ["line 19998", "line 19999", "partial"]
    assert jobs.read_tail(str(path), 0) == []
    assert jobs.read_tail(str(tmp_path / "missing"), 5) == []
    text, truncated = jobs.read_capped(str(path), 0, cap=20)
    assert truncated and text.endswith("partial") and len(text) == 20
    text, truncated = jobs.read_capped(str(path), path.stat().st_size - 7)
    assert (text, truncated) == ("partial", False)


def test_list_jobs(harness: Harness) -> None:
    done = harness.start("echo hello")
    harness.finished(done)
    running = harness.start("echo working; sleep 5")
    harness.pids(running)
    listing = {job["ansible_job_id"]: job for job in jobs.list_jobs(harness.dir)}
    assert set(listing) == {done, running}
    assert listing[done]["finished"] is True and listing[done]["rc"] == 0
    assert listing[running]["finished"] is False and listing[running]["module"] == "shell"
    jobs.cleanup(harness.dir, running, grace=1)
