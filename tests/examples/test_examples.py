"""Run every example playbook under examples/ through the real CLI.

Each example is one of the seeds' playbooks adapted to run on this machine
(examples/README.md). The playbooks check their own results with ``assert``
tasks named "Check the results", so a test only needs the exit code, a recap
without failures, and those checks reported ok on every host they target.
Fleet playbooks run on examples/inventory/local.ini (aliases of this host over
the local connection); tests/ssh/test_examples_fleet.py runs them over SSH.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LOCAL_INVENTORY = EXAMPLES / "inventory" / "local.ini"

#: the hosts of each group of examples/inventory/local.ini
GROUPS = {
    "all": ["node1", "node2", "node3", "node4", "node5", "node6"],
    "webservers": ["node1", "node2", "node3", "node4", "node5", "node6"],
    "databases": ["node1", "node2"],
    "app_servers": ["node3", "node4"],
    "data_servers": ["node5"],
    "localhost": ["localhost"],
}

CHECK_TASK = "Check the results"


@dataclass(frozen=True)
class Example:
    path: str
    #: the group whose every host must pass the final checks
    hosts: str
    #: why the example cannot pass yet (a longplay bug or missing feature)
    xfail: str | None = None
    #: why the example fails some of the time (a race in longplay)
    flaky: str | None = None


EXAMPLE_LIST = [
    # seed 000: How to Fix "Async" Long Running Task Errors
    Example("fix-async-errors/basic-async.yml", "all"),
    Example("fix-async-errors/fix-timeout.yml", "all"),
    Example("fix-async-errors/fix-job-not-found.yml", "all"),
    Example("fix-async-errors/parallel-async.yml", "all"),
    Example("fix-async-errors/async-recovery.yml", "all"),
    Example("fix-async-errors/async-monitoring.yml", "all"),
    Example("fix-async-errors/fire-and-forget.yml", "all"),
    Example("fix-async-errors/async-collections.yml", "all"),
    Example("fix-async-errors/debug-async.yml", "all"),
    Example("fix-async-errors/longplay-additions.yml", "all"),
    # seed 001: async task fails (timeouts, job not found)
    Example("async-task-failures/migration.yml", "databases"),
    Example("async-task-failures/fire-and-forget-backup.yml", "databases"),
    Example("async-task-failures/environment.yml", "app_servers"),
    Example("async-task-failures/job-status-check.yml", "app_servers"),
    Example("async-task-failures/validate-async.yml", "localhost"),
    Example("async-task-failures/wrapper-role.yml", "app_servers"),
    Example("async-task-failures/longplay-additions.yml", "databases"),
    # seed 002: How to Use Ansible async for Long-Running Tasks
    Example("long-running-tasks/basic-polling.yml", "databases"),
    Example("long-running-tasks/fire-and-forget.yml", "app_servers"),
    Example("long-running-tasks/parallel-backups.yml", "databases"),
    Example("long-running-tasks/package-updates.yml", "all"),
    Example("long-running-tasks/multiple-independent.yml", "app_servers"),
    Example("long-running-tasks/error-handling.yml", "app_servers"),
    Example("long-running-tasks/async-loops.yml", "localhost"),
    Example("long-running-tasks/limitations.yml", "localhost"),
    Example("long-running-tasks/choosing-values.yml", "databases"),
    Example("long-running-tasks/cleanup.yml", "all"),
    Example("long-running-tasks/longplay-additions.yml", "app_servers"),
    # seed 003: How to Wait for Async Tasks to Complete in Ansible
    Example("wait-for-async/basic-async-status.yml", "all"),
    Example("wait-for-async/inspect-status.yml", "all"),
    Example("wait-for-async/multi-async-wait.yml", "all"),
    Example("wait-for-async/async-loop-wait.yml", "data_servers"),
    Example("wait-for-async/async-error-handling.yml", "all"),
    Example("wait-for-async/async-cleanup.yml", "all"),
    Example("wait-for-async/rolling-async-deploy.yml", "webservers"),
    Example("wait-for-async/longplay-additions.yml", "all"),
    # seed 004: Asynchronous Tasks in Ansible
    Example("async-mode/migration.yml", "databases"),
    Example("async-mode/resilient.yml", "localhost"),
    Example("async-mode/longplay-additions.yml", "databases"),
]

#: examples whose task fails as in ansible-core: exit code and message
FAILING = {
    "long-running-tasks/limitations-raw.yml": (2, "This action (raw) does not support async."),
}


def _params(examples: list[Example]) -> list[object]:
    params = []
    for example in examples:
        marks = [pytest.mark.xfail(strict=True, reason=example.xfail)] if example.xfail else []
        if example.flaky:
            # Fails only when the race goes one way: strict would make the test flaky.
            marks.append(pytest.mark.xfail(strict=False, reason=example.flaky))
        params.append(pytest.param(example, id=example.path, marks=marks))
    return params


def run_example(longplay: Callable[..., Any], path: str, work_dir: Path, *extra: str) -> Any:
    return longplay(
        "run",
        "-i",
        str(LOCAL_INVENTORY),
        str(EXAMPLES / path),
        "-e",
        f"work_dir={work_dir}",
        "--json",
        *extra,
        cwd=work_dir,
    )


def assert_passed(run: Any, hosts: list[str]) -> None:
    assert run.rc == 0, run.output
    recap = run.recap()
    assert recap, run.output
    bad = {h: n for h, n in recap.items() if n["failed"] or n["unreachable"]}
    assert not bad, f"{bad}\n{run.output}"
    checked = {r["host"] for r in run.results(CHECK_TASK) if r["status"] == "ok"}
    missing = sorted(set(hosts) - checked)
    assert not missing, f"'{CHECK_TASK}' not ok on {missing}\n{run.output}"


@pytest.mark.parametrize("example", _params(EXAMPLE_LIST))
def test_example(example: Example, longplay: Callable[..., Any], tmp_path: Path) -> None:
    run = run_example(longplay, example.path, tmp_path)
    assert_passed(run, GROUPS[example.hosts])


def test_every_example_is_tested() -> None:
    listed = {example.path for example in EXAMPLE_LIST}
    found = {
        str(path.relative_to(EXAMPLES))
        for path in EXAMPLES.glob("*/*.yml")
        if path.parent.name not in ("quickstart", "setup", "inventory")
    }
    assert found == listed | set(FAILING)


@pytest.mark.parametrize("path", sorted(FAILING))
def test_failing_example(path: str, longplay: Callable[..., Any], tmp_path: Path) -> None:
    """Seed 002's limitations: the task fails when it runs, as in ansible-core."""
    run = run_example(longplay, path, tmp_path)
    rc, message = FAILING[path]
    assert run.rc == rc, run.output
    assert message in run.output


def test_check_mode_skips_the_migration(longplay: Callable[..., Any], tmp_path: Path) -> None:
    """Seed 001 "Verifying the Fix": ``--check`` runs nothing async."""
    run = run_example(longplay, "async-task-failures/migration.yml", tmp_path, "--check")
    assert_passed(run, GROUPS["databases"])
    migration = run.results("Run database migration")
    assert [r["status"] for r in migration] == ["skipped"] * len(GROUPS["databases"])


def test_adhoc_async_command(longplay: Callable[..., Any], tmp_path: Path) -> None:
    """Seed 001: ``ansible all -m ansible.builtin.command -a "sleep 5" -B 30 -P 2``."""
    run = longplay(
        "adhoc",
        "databases",
        "-i",
        str(LOCAL_INVENTORY),
        "-e",
        f"work_dir={tmp_path}",
        "-m",
        "ansible.builtin.command",
        "-a",
        "sleep 1",
        "-B",
        "30",
        "-P",
        "1",
        cwd=tmp_path,
    )
    assert run.rc == 0, run.output
    for host in GROUPS["databases"]:
        assert f"{host} | CHANGED" in run.stdout, run.output
