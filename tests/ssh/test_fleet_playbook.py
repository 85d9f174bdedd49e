"""Playbooks over the loopback SSH fleet, through the real CLI."""

from __future__ import annotations

import time
from pathlib import Path

from loopback_sshd import Sshd


def test_fleet_commands_async_and_facts(sshd: Sshd, longplay, write, tmp_path: Path) -> None:
    sshd.write_inventory(tmp_path / "hosts.ini", count=4)
    write(
        "site.yml",
        """
        - hosts: fleet
          gather_facts: true
          tasks:
            - command: "echo {{ inventory_hostname }}"
              register: out
            - command: sleep 1
              async: 20
              poll: 0
              register: job
            - async_status:
                jid: "{{ job.ansible_job_id }}"
              register: status
              until: status.finished
              retries: 20
              delay: 0.5
            - assert:
                that:
                  - out.stdout == inventory_hostname
                  - status.rc == 0
                  - ansible_facts.hostname | length > 0
                  - groups.fleet | length == 4
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    recap = run.recap()
    assert sorted(recap) == ["host01", "host02", "host03", "host04"]
    assert all(numbers["failed"] == 0 and numbers["ok"] == 5 for numbers in recap.values())


def test_unreachable_host_does_not_hide_others(sshd: Sshd, longplay, write, tmp_path: Path) -> None:
    inventory = sshd.inventory_text(count=2)
    inventory += "dead ansible_host=127.0.0.1 ansible_port=1 ansible_connection=ssh\n"
    write("hosts.ini", inventory)
    write(
        "site.yml",
        """
        - hosts: all
          gather_facts: false
          tasks:
            - command: echo alive
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 4, run.output
    assert "fatal: [dead]: UNREACHABLE!" in run.stdout
    assert (
        '"msg": "Task failed: Failed to connect to the host via ssh: '
        'ssh: connect to host 127.0.0.1 port 1: Connection refused"' in run.stdout
    )
    assert "changed: [host01]" in run.stdout and "changed: [host02]" in run.stdout
    recap = {line.split()[0]: line for line in run.stdout.splitlines() if " : ok=" in line}
    assert "unreachable=1" in recap["dead"]
    assert "changed=1" in recap["host01"]


def _agents_under(pid: int) -> list[int]:
    """Agent processes descending from ``pid`` (here: the loopback sshd)."""
    parents: dict[int, int] = {}
    commands: dict[int, bytes] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            commands[int(entry.name)] = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])

    def descends(child: int) -> bool:
        while child > 1:
            child = parents.get(child, 0)
            if child == pid:
                return True
        return False

    return [p for p, cmd in commands.items() if b"longplay.agent.main" in cmd and descends(p)]


def test_agents_end_with_the_run(sshd: Sshd, longplay, write, tmp_path: Path) -> None:
    """The run drops its connections without a goodbye; the agents still end."""
    sshd.write_inventory(tmp_path / "hosts.ini", count=3)
    write(
        "site.yml",
        """
        - hosts: fleet
          gather_facts: false
          tasks:
            - command: "true"
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    deadline = time.monotonic() + 10
    while _agents_under(sshd.process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _agents_under(sshd.process.pid) == []


def test_fire_and_forget_job_outlives_the_run(sshd: Sshd, longplay, write, tmp_path: Path) -> None:
    """A poll 0 job keeps running after the run ends and drops its connections."""
    sshd.write_inventory(tmp_path / "hosts.ini", count=1)
    done = tmp_path / "done"
    write(
        "site.yml",
        f"""
        - hosts: fleet
          gather_facts: false
          tasks:
            - shell: sleep 1; echo finished > {done}
              async: 30
              poll: 0
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert not done.exists()
    deadline = time.monotonic() + 15
    while not done.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert done.read_text() == "finished\n"
