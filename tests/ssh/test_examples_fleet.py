"""The seeds' fleet playbooks (examples/) over SSH, against the loopback sshd.

The same playbooks as tests/examples/test_examples.py, run on an inventory
with the groups of examples/inventory/local.ini (node1..node6) whose hosts are
aliases of the loopback OpenSSH server: one SSH connection and one agent per
host, become over SSH, async jobs in each host's own directory. The playbooks
check their own results ("Check the results" assert tasks).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from loopback_sshd import Sshd

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CHECK_TASK = "Check the results"

#: the groups of examples/inventory/local.ini
GROUPS = {
    "webservers": ["node1", "node2", "node3", "node4", "node5", "node6"],
    "databases": ["node1", "node2"],
    "app_servers": ["node3", "node4"],
    "data_servers": ["node5"],
}
GROUPS["all"] = GROUPS["webservers"]

#: fleet playbooks and the group whose every host must pass the final checks
FLEET_EXAMPLES = {
    "long-running-tasks/parallel-backups.yml": "databases",
    "wait-for-async/rolling-async-deploy.yml": "webservers",
    "wait-for-async/async-loop-wait.yml": "data_servers",
    "wait-for-async/multi-async-wait.yml": "all",
    "long-running-tasks/package-updates.yml": "all",
    "long-running-tasks/error-handling.yml": "app_servers",
    "fix-async-errors/parallel-async.yml": "all",
    "fix-async-errors/fix-job-not-found.yml": "all",
    "fix-async-errors/longplay-additions.yml": "all",
    "async-task-failures/fire-and-forget-backup.yml": "databases",
}


def _ini_value(value: object) -> str:
    text = str(value)
    return f'"{text}"' if any(c in text for c in " '\"") else text


def write_fleet_inventory(sshd: Sshd, path: Path, async_root: Path) -> Path:
    """examples/inventory/local.ini's groups, every host an alias of the sshd."""
    lines: list[str] = []
    for group, hosts in GROUPS.items():
        if group == "all":
            continue
        lines.append(f"[{group}]")
        for name in hosts:
            variables = sshd.host_vars(name, ansible_async_dir=str(async_root / name))
            variables.pop("inventory_hostname")
            lines.append(name + "".join(f" {k}={_ini_value(v)}" for k, v in variables.items()))
        lines.append("")
    path.write_text("\n".join(lines))
    return path


@pytest.mark.ssh
@pytest.mark.parametrize("path", sorted(FLEET_EXAMPLES))
def test_fleet_example(path: str, sshd: Sshd, longplay: Callable[..., Any], tmp_path: Path) -> None:
    inventory = write_fleet_inventory(sshd, tmp_path / "fleet.ini", tmp_path / "async")
    logins_before = _logins(sshd)
    run = longplay(
        "run",
        "-i",
        str(inventory),
        str(EXAMPLES / path),
        "-e",
        f"work_dir={tmp_path}",
        "--json",
        cwd=tmp_path,
    )
    assert run.rc == 0, f"{run.output}\n{sshd.recent_log()}"
    recap = run.recap()
    bad = {h: n for h, n in recap.items() if n["failed"] or n["unreachable"]}
    assert not bad, f"{bad}\n{run.output}"
    checked = {r["host"] for r in run.results(CHECK_TASK) if r["status"] == "ok"}
    missing = sorted(set(GROUPS[FLEET_EXAMPLES[path]]) - checked)
    assert not missing, f"'{CHECK_TASK}' not ok on {missing}\n{run.output}"
    # Every host of the group was reached over SSH, not the local connection.
    assert _logins(sshd) - logins_before >= len(GROUPS[FLEET_EXAMPLES[path]]), sshd.recent_log()


def _logins(sshd: Sshd) -> int:
    return sshd.log.read_text(errors="replace").count("Accepted publickey")
