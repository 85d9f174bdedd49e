"""Unreachable hosts in playbooks: what is shown, counted and registered (as ansible-core)."""

from __future__ import annotations

import json
from pathlib import Path

from loopback_sshd import Sshd

DEAD_MSG = (
    "Task failed: Failed to connect to the host via ssh: "
    "ssh: connect to host 127.0.0.1 port 1: Connection refused"
)


def fleet_with_dead_host(sshd: Sshd, tmp_path: Path, count: int = 1) -> None:
    inventory = sshd.inventory_text(count=count)
    inventory += "dead ansible_host=127.0.0.1 ansible_port=1 ansible_connection=ssh\n"
    (tmp_path / "hosts.ini").write_text(inventory)


def fatal_json(stdout: str, prefix: str) -> dict:
    line = next(line for line in stdout.splitlines() if line.startswith(prefix))
    return json.loads(line[len(prefix) :])


def test_ignored_unreachable_is_shown_ignored_and_registered(
    sshd: Sshd, longplay, write, tmp_path: Path
) -> None:
    fleet_with_dead_host(sshd, tmp_path)
    write(
        "site.yml",
        """
        - hosts: dead
          gather_facts: false
          tasks:
            - ping:
              ignore_unreachable: true
              register: single
            - ping:
              loop: [1, 2]
              ignore_unreachable: true
              register: looped
            - copy:
                content: "{{ {'single': single, 'looped': looped} | to_json }}"
                dest: "{{ playbook_dir }}/registered.json"
              delegate_to: localhost
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    lines = run.stdout.splitlines()
    single = {"changed": False, "msg": DEAD_MSG, "unreachable": True}
    first = lines.index("fatal: [dead]: UNREACHABLE! => " + json.dumps(single))
    assert lines[first + 1] == "...ignoring"
    # Each item tries the host and is shown as a failed item; then the loop, whole.
    for number in (1, 2):
        item = fatal_json(run.stdout, f"failed: [dead] (item={number}) => ")
        assert item == {
            "ansible_loop_var": "item",
            "changed": False,
            "item": number,
            "msg": DEAD_MSG,
            "unreachable": True,
        }
    loop_line = next(line for line in lines if '"msg": "All items completed"' in line)
    assert loop_line.startswith("fatal: [dead]: UNREACHABLE! => ")
    shown = json.loads(loop_line.split(" => ", 1)[1])
    assert sorted(shown) == ["changed", "msg", "results", "unreachable"]
    assert shown["results"][0]["exception"] == "(traceback unavailable)"
    assert lines[lines.index(loop_line) + 1] == "...ignoring"

    registered = json.loads((tmp_path / "registered.json").read_text())
    assert registered["single"] == {
        "changed": False,
        "exception": "(traceback unavailable)",
        "msg": DEAD_MSG,
        "unreachable": True,
    }
    assert registered["looped"]["unreachable"] is True
    assert registered["looped"]["msg"] == "All items completed"
    assert [r["item"] for r in registered["looped"]["results"]] == [1, 2]
    assert "ok=3" in next(line for line in lines if line.startswith("dead "))
    assert "ignored=2" in next(line for line in lines if line.startswith("dead "))
