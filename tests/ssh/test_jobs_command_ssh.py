"""``longplay jobs`` over SSH: each host's own async directory, unreachable hosts named."""

from __future__ import annotations

import socket
from pathlib import Path

from loopback_sshd import Sshd


def test_jobs_across_a_fleet_with_a_dead_host(sshd: Sshd, longplay, tmp_path: Path) -> None:
    inventory = sshd.inventory_text(count=2)
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    inventory += f"[down]\ngone ansible_host=127.0.0.1 ansible_port={dead_port}\n"
    (tmp_path / "hosts.ini").write_text(inventory)
    launched = longplay(
        "adhoc", "fleet", "-i", "hosts.ini", "-m", "shell", "-a", "echo halfway; sleep 60",
        "-B", "60", "-P", "0", "--json", cwd=tmp_path,
    )  # fmt: skip
    assert launched.rc == 0, launched.output
    jids = {e["host"]: e["result"]["ansible_job_id"] for e in launched.results()}
    assert set(jids) == {"host01", "host02"}
    try:
        listed = longplay("jobs", "all", "-i", "hosts.ini", cwd=tmp_path)
        assert listed.rc == 4, listed.output  # a host could not be listed
        assert "gone | UNREACHABLE!" in listed.stdout
        rows = [line.split() for line in listed.stdout.splitlines() if line.startswith("host")]
        ours = {(row[0], row[1], row[2]) for row in rows if row[1] in jids.values()}
        # each host lists its own job only: its jobs come from its own ansible_async_dir
        # (other tests' jobs on these aliases may be listed too)
        assert ours == {
            ("host01", jids["host01"], "running"),
            ("host02", jids["host02"], "running"),
        }, listed.stdout
        for host, jid in jids.items():
            assert (sshd.directory / "async" / host / jid).is_file()
        # hosts in the inventory's order, whichever answered first
        hosts = [row[0] for row in rows]
        assert hosts == sorted(hosts, key=["host01", "host02"].index), listed.stdout
    finally:
        for host, jid in jids.items():
            longplay(
                "adhoc", host, "-i", "hosts.ini", "-m", "async_status",
                "-a", f"jid={jid} mode=cleanup", cwd=tmp_path,
            )  # fmt: skip
