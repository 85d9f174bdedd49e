"""Async jobs through a real agent: the ops and modules the controller uses."""

from __future__ import annotations

import asyncio
import datetime
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from jobtools import agent, run, wait_until

from longplay.agent import jobs
from longplay.transport.client import AgentClient

PY38 = "/root/.pyenv/versions/3.8.18/bin/python3.8"


async def launch(client: AgentClient, directory: Path, command: str, **fields: Any) -> str:
    fields.setdefault("async", 30)
    result = await client.request(
        "job_start",
        module="shell",
        args={"_raw_params": command},
        async_dir=str(directory),
        **fields,
    )
    assert result["failed"] is False, result
    return str(result["ansible_job_id"])


async def module(client: AgentClient, directory: Path, name: str, **args: Any) -> dict[str, Any]:
    return await client.request(
        "run", module=name, args=args, extra={"async_dir": str(directory), "progress_interval": 0.2}
    )


async def prepared(client: AgentClient) -> None:
    """Have the agent start its job launcher and wait until it is ready."""
    for _ in range(500):
        if (await client.request("job_prepare"))["ready"]:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the job launcher never became ready")


def test_launch_returns_at_once_and_status_works_right_away(async_dir: Path) -> None:
    async def scenario() -> None:
        async with agent() as client:
            await prepared(client)
            started = time.monotonic()
            result = await client.request(
                "job_start",
                module="shell",
                args={"_raw_params": "echo hi; sleep 1"},
                async_dir=str(async_dir),
                **{"async": 30},
            )
            assert time.monotonic() - started < 1.0  # the job itself takes a second
            assert result == {
                "ansible_job_id": result["ansible_job_id"],
                "started": True,
                "finished": False,
                "failed": False,
                "changed": True,
                "results_file": str(async_dir / result["ansible_job_id"]),
            }
            state = await module(client, async_dir, "async_status", jid=result["ansible_job_id"])
            assert state["finished"] is False and state["changed"] is False
            assert state["stdout"] == "" and "stdout_tail" in state

    run(scenario())


def test_launch_problems_are_failed_results(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")

    async def scenario() -> None:
        async with agent() as client:
            bad_dir = await client.request(
                "job_start",
                module="shell",
                args={"_raw_params": "true"},
                async_dir=str(blocker / "sub"),
                **{"async": 5},
            )
            assert bad_dir["failed"] is True and str(blocker / "sub") in bad_dir["msg"]
            unknown = await client.request("job_start", module="nope", args={}, **{"async": 5})
            assert unknown["failed"] is True and "nope" in unknown["msg"]

    run(scenario())


def test_job_watch_answers_within_100ms_of_the_end(async_dir: Path) -> None:
    events: list[dict[str, Any]] = []

    async def scenario() -> tuple[dict[str, Any], float]:
        async with agent() as client:
            jid = await launch(client, async_dir, "sleep 1; echo done")
            result = await client.request(
                "job_watch", on_event=events.append, jid=jid, async_dir=str(async_dir), interval=30
            )
            return result, time.time()

    result, answered = run(scenario())
    assert result["finished"] is True and result["stdout"] == "done"
    ended = datetime.datetime.strptime(result["end"], jobs.TIME_FORMAT).timestamp()
    assert answered - ended < 0.25, answered - ended  # typically 20-40 ms
    assert events == []  # interval 30: no progress event for a 1 s job


def test_job_watch_emits_progress(async_dir: Path) -> None:
    events: list[dict[str, Any]] = []

    async def scenario() -> dict[str, Any]:
        async with agent() as client:
            jid = await launch(client, async_dir, "echo step 1; sleep 0.6; echo step 2; sleep 0.6")
            return await client.request(
                "job_watch",
                on_event=events.append,
                jid=jid,
                async_dir=str(async_dir),
                interval=0.25,
                tail_lines=1,
                cleanup=True,
            )

    result = run(scenario())
    assert result["finished"] is True and result["rc"] == 0
    assert len(events) >= 3
    assert all(e["type"] == "progress" and e["jid"] == result["ansible_job_id"] for e in events)
    assert events[0]["stdout_tail"] == ["step 1"] and events[-1]["stdout_tail"] == ["step 2"]
    assert all(e["pid"] and e["elapsed"] > 0 for e in events)
    assert os.listdir(async_dir) == []  # cleanup: true removed the collected job


def test_job_watch_bad_jid_and_timeout(async_dir: Path) -> None:
    async def scenario() -> None:
        async with agent() as client:
            bad = await client.request("job_watch", jid="../etc", async_dir=str(async_dir))
            assert bad["failed"] is True and bad["msg"].startswith("invalid job id")
            jid = await launch(client, async_dir, "sleep 30")
            started = time.monotonic()
            state = await client.request(
                "job_watch", jid=jid, async_dir=str(async_dir), timeout=0.3
            )
            assert 0.25 < time.monotonic() - started < 1.0
            assert state["finished"] is False
            cleaned = await module(client, async_dir, "async_status", jid=jid, mode="cleanup")
            assert cleaned["terminated"] is True and cleaned["changed"] is False

    run(scenario())


def test_agent_killed_jobs_finish_and_a_new_agent_reads_them(async_dir: Path) -> None:
    async def scenario() -> None:
        async with agent() as first:
            jids = [await launch(first, async_dir, f"sleep 0.8; echo job{i}") for i in range(3)]
            os.kill(first.hello["pid"], signal.SIGKILL)
            while first.alive:  # the client notices the pipe closing
                await asyncio.sleep(0.02)
        await asyncio.sleep(1.2)
        async with agent() as second:
            for i, jid in enumerate(jids):
                state = await module(second, async_dir, "async_status", jid=jid)
                assert state["finished"] is True, state
                assert state["rc"] == 0 and state["stdout"] == f"job{i}"

    run(scenario())


def test_async_status_terminate_and_cleanup_through_the_agent(async_dir: Path) -> None:
    async def scenario() -> None:
        async with agent() as client:
            jid = await launch(client, async_dir, "echo busy; sleep 30")
            wait_until(lambda: jobs.status(str(async_dir), jid)["stdout_tail"])
            stopped = await module(client, async_dir, "async_status", jid=jid, mode="terminate")
            assert stopped.get("failed") is not True  # stopping it is what was asked
            assert stopped["job_failed"] is True and stopped["terminated"] is True
            assert stopped["changed"] is True and stopped["stdout"] == "busy"
            assert stopped["msg"] == "terminated by request with SIGTERM"
            state = await module(client, async_dir, "async_status", jid=jid)
            assert state["failed"] is True and state["terminated"] is True
            gone = await module(client, async_dir, "async_status", jid=jid, mode="cleanup")
            assert gone["erased"] == str(async_dir / jid)
            missing = await module(client, async_dir, "async_status", jid=jid)
            assert missing["failed"] is True and missing["msg"] == "could not find job"

    run(scenario())


def test_async_wait_returns_results_in_order(async_dir: Path) -> None:
    events: list[dict[str, Any]] = []

    async def scenario() -> dict[str, Any]:
        async with agent() as client:
            jids = [
                await launch(client, async_dir, f"sleep {delay}; echo {name}")
                for name, delay in (("slow", 0.6), ("fast", 0.1), ("middle", 0.3))
            ]
            started = time.monotonic()
            result = await client.request(
                "run",
                on_event=events.append,
                module="async_wait",
                args={"jids": jids},
                extra={"async_dir": str(async_dir), "progress_interval": 0.2},
            )
            assert time.monotonic() - started < 2.0
            return result

    result = run(scenario())
    assert result.get("failed") is not True, result
    assert [r["stdout"] for r in result["results"]] == ["slow", "fast", "middle"]
    assert all(r["finished"] is True for r in result["results"])
    assert result["msg"] == "all 3 jobs finished"
    assert events and events[0]["type"] == "progress" and events[0]["total"] == 3


def test_async_wait_fails_naming_failed_unknown_and_running_jobs(async_dir: Path) -> None:
    async def scenario() -> dict[str, Any]:
        async with agent() as client:
            good = await launch(client, async_dir, "true")
            bad = await launch(client, async_dir, "exit 4")
            slow = await launch(client, async_dir, "sleep 30")
            results = [{"ansible_job_id": good}, {"ansible_job_id": bad}]  # registered items
            args = {"jids": [*results, "j000000000000.1", slow], "timeout": 0.5}
            result = await module(client, async_dir, "async_wait", **args)
            await module(client, async_dir, "async_status", jid=slow, mode="cleanup", grace=1)
            return {"result": result, "jids": [good, bad, slow]}

    outcome = run(scenario())
    result, (good, bad, slow) = outcome["result"], outcome["jids"]
    assert result["failed"] is True
    assert f"job {bad} failed (non-zero return code)" in result["msg"]
    assert "job j000000000000.1 not found" in result["msg"]
    assert f"job {slow} still running after 0.5s" in result["msg"]
    assert good not in result["msg"]
    assert [r["ansible_job_id"] for r in result["results"]] == [
        good,
        bad,
        "j000000000000.1",
        slow,
    ]
    assert result["results"][0]["rc"] == 0 and result["results"][3]["finished"] is False


def test_async_list_module(async_dir: Path) -> None:
    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        async with agent() as client:
            running = await launch(client, async_dir, "echo step 1 of 3; sleep 30")
            jid = await launch(client, async_dir, "echo listed")
            await client.request("job_watch", jid=jid, async_dir=str(async_dir))
            await asyncio.sleep(0.3)  # the running job's first line reaches its file
            listing = await module(client, async_dir, "async_list")
            await module(client, async_dir, "async_status", jid=running, mode="cleanup")
            return listing, {"running": running, "done": jid}

    listing, jids = run(scenario())
    assert listing["async_dir"] == str(async_dir) and listing["changed"] is False
    assert [job["ansible_job_id"] for job in listing["jobs"]] == [jids["running"], jids["done"]]
    running, done = listing["jobs"]
    assert running["finished"] is False and running["module"] == "shell"
    assert running["last_output"] == "step 1 of 3" and running["pid"] > 0
    assert done["finished"] is True and done["rc"] == 0 and done["cmd"] == "echo listed"
    assert done["start"] >= running["start"] and done["delta"].startswith("0:00:00")


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def test_200_concurrent_jobs_on_one_agent(async_dir: Path) -> None:
    async def scenario() -> tuple[dict[str, Any], float, int]:
        async with agent() as client:
            started = time.monotonic()
            jids = await asyncio.gather(
                *(launch(client, async_dir, f"sleep 1; echo {i}") for i in range(200))
            )
            rss = _rss_kb(client.hello["pid"])
            result = await module(client, async_dir, "async_wait", jids=list(jids), timeout=60)
            return result, time.monotonic() - started, rss

    result, took, rss_kb = run(scenario())
    assert result.get("failed") is not True, result["msg"]
    assert [r["stdout"] for r in result["results"]] == [str(i) for i in range(200)]
    assert took < 15, took
    assert rss_kb < 100_000, rss_kb


def _python38() -> str | None:
    if os.path.exists(PY38):
        return PY38
    if os.environ.get("CI"):
        pytest.fail(f"CI needs {PY38} to test the target side under Python 3.8")
    return None


def test_jobs_under_python_38(async_dir: Path) -> None:
    python = _python38()
    if python is None:
        pytest.skip(f"{PY38} not installed")

    async def scenario() -> None:
        async with agent(python) as client:
            assert client.hello["python_version"].startswith("3.8")
            jid = await launch(client, async_dir, "echo old python; exit 2")
            result = await client.request("job_watch", jid=jid, async_dir=str(async_dir))
            assert result["rc"] == 2 and result["stdout"] == "old python"
            timed = await launch(
                client, async_dir, "trap '' TERM; sleep 30", grace=0.5, **{"async": 1}
            )
            result = await client.request("job_watch", jid=timed, async_dir=str(async_dir))
            assert result["timed_out"] is True and result["signal"] == "SIGKILL"
            waited = await module(client, async_dir, "async_wait", jids=[jid, timed])
            assert waited["failed"] is True and len(waited["results"]) == 2
            listing = await module(client, async_dir, "async_list")
            assert len(listing["jobs"]) == 2

    run(scenario())
