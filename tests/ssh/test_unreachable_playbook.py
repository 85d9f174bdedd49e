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


def test_clear_host_errors_brings_hosts_back(sshd: Sshd, longplay, write, tmp_path: Path) -> None:
    fleet_with_dead_host(sshd, tmp_path, count=2)
    write(
        "site.yml",
        """
        - hosts: all
          gather_facts: true
          tasks:
            - name: fail one
              fail: msg=boom
              when: inventory_hostname == 'host01'
            - name: before clear
              debug: msg=before
            - meta: clear_host_errors
            - name: after clear
              debug: msg=after
        - hosts: all
          gather_facts: false
          tasks:
            - name: next play
              debug: msg=next
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    # Every error was cleared: ansible-core exits 0 (the recap still counts them).
    assert run.rc == 0, run.output
    banners = [line for line in run.stdout.splitlines() if line.startswith(("TASK [", "PLAY ["))]
    names = [b.split("[")[1].split("]")[0] for b in banners]
    # host02 goes on; then dead, unreachable while gathering facts, catches up alone.
    assert names == [
        "all",
        "Gathering Facts",
        "fail one",
        "before clear",
        "meta",
        "after clear",
        "fail one",
        "before clear",
        "meta",
        "after clear",
        "all",
        "next play",
    ], run.stdout
    recap = {line.split()[0]: line for line in run.stdout.splitlines() if " : ok=" in line}
    assert "ok=3" in recap["dead"] and "unreachable=1" in recap["dead"]
    assert "skipped=1" in recap["dead"]
    # host01 failed: done for this play, back in the next one.
    assert "ok=2" in recap["host01"] and "failed=1" in recap["host01"]
    assert run.stdout.count('"msg": "next"') == 3
    assert run.stdout.count('"msg": "after"') == 2


def test_unreachable_host_stays_out_without_clearing(
    sshd: Sshd, longplay, write, tmp_path: Path
) -> None:
    fleet_with_dead_host(sshd, tmp_path)
    write(
        "site.yml",
        """
        - hosts: all
          gather_facts: false
          tasks:
            - ping:
            - debug: msg=one
        - hosts: all
          gather_facts: false
          tasks:
            - debug: msg=two
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 4, run.output
    assert "ok: [dead]" not in run.stdout
    assert run.stdout.count('"msg": "two"') == 1


def recap_of(stdout: str) -> dict[str, str]:
    return {line.split()[0]: line for line in stdout.splitlines() if " : ok=" in line}


def test_failed_and_unreachable_exit_4(sshd: Sshd, longplay, write, tmp_path: Path) -> None:
    fleet_with_dead_host(sshd, tmp_path)
    write(
        "site.yml",
        """
        - hosts: all
          gather_facts: false
          tasks:
            - ping:
            - fail: msg=boom
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    # ansible-core asks about unreachable hosts before failed ones
    assert run.rc == 4, run.output
    assert "failed=1" in recap_of(run.stdout)["host01"]


def test_unreachable_hosts_do_not_count_for_max_fail_percentage(
    sshd: Sshd, longplay, write, tmp_path: Path
) -> None:
    fleet_with_dead_host(sshd, tmp_path, count=2)
    write(
        "site.yml",
        """
        - hosts: all
          gather_facts: false
          max_fail_percentage: 10
          tasks:
            - ping:
            - debug: msg=after
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 4, run.output
    assert "NO MORE HOSTS LEFT" not in run.stdout
    assert run.stdout.count('"msg": "after"') == 2


def test_any_errors_fatal_on_unreachable_stops_the_batch_only(
    sshd: Sshd, longplay, write, tmp_path: Path
) -> None:
    inventory = "[first]\ndead ansible_host=127.0.0.1 ansible_port=1 ansible_connection=ssh\n"
    inventory += sshd.inventory_text(count=3).replace("[fleet]", "", 1)
    (tmp_path / "hosts.ini").write_text(inventory)
    write(
        "site.yml",
        """
        - hosts: all
          gather_facts: false
          serial: 2
          any_errors_fatal: true
          tasks:
            - ping:
            - debug: msg=after
        - hosts: all
          gather_facts: false
          tasks:
            - debug: msg=next
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 4, run.output
    # Batch 1 (dead, host01) stops after ping; batch 2 runs all; host01 is out after.
    assert "ok: [host01]" in run.stdout
    assert run.stdout.count('"msg": "after"') == 2
    assert run.stdout.count('"msg": "next"') == 2
    recap = recap_of(run.stdout)
    assert "ok=1 " in recap["host01"] and "failed=0" in recap["host01"]
    assert "ok=3 " in recap["host02"] and "ok=3 " in recap["host03"]


def test_hosts_that_failed_before_keep_their_place_in_serial_batches(
    sshd: Sshd, longplay, write, tmp_path: Path
) -> None:
    inventory = "[first]\ndead ansible_host=127.0.0.1 ansible_port=1 ansible_connection=ssh\n"
    inventory += sshd.inventory_text(count=3).replace("[fleet]", "", 1)
    (tmp_path / "hosts.ini").write_text(inventory)
    write(
        "site.yml",
        """
        - hosts: all
          gather_facts: false
          tasks:
            - ping:
        - hosts: all
          gather_facts: false
          serial: 2
          tasks:
            - debug:
                msg: "{{ ansible_play_batch }} {{ ansible_play_hosts }} {{ ansible_play_hosts_all | length }}"
        - hosts: dead
          gather_facts: false
          tasks:
            - debug: msg=never
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 4, run.output
    # Batches are (dead, host01), (host02, host03): dead takes its place, runs nothing.
    assert "\"msg\": \"['host01'] ['host01', 'host02', 'host03'] 4\"" in run.stdout, run.stdout
    assert "\"msg\": \"['host02', 'host03'] ['host01', 'host02', 'host03'] 4\"" in run.stdout
    # A play of failed hosts alone shows its banner and nothing else.
    tail = run.stdout.split("PLAY [dead]", 1)[1]
    assert "TASK [" not in tail.split("PLAY RECAP")[0]
    assert "skipping: no hosts matched" not in run.stdout


def test_any_errors_fatal_lets_the_round_finish(
    sshd: Sshd, longplay, write, tmp_path: Path
) -> None:
    sshd.write_inventory(tmp_path / "hosts.ini", count=3)
    write(
        "site.yml",
        """
        - hosts: all
          gather_facts: false
          any_errors_fatal: true
          tasks:
            - fail: msg=boom
              when: inventory_hostname == 'host01'
            - debug: msg=never
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 2, run.output
    # The other hosts ran the task with host01 (ansible-core stops after the round).
    assert "skipping: [host02]" in run.stdout and "skipping: [host03]" in run.stdout
    assert "skipped=1" in recap_of(run.stdout)["host03"]
    assert "never" not in run.stdout


def test_pipelining_words_a_host_unreachable_as_a_module_is_sent(
    longplay, write, tmp_path: Path
) -> None:
    """As ansible-core with pipelining on: a module sent down a connection that fails
    "could not be sent"; an action that starts with a plain command (raw, copy: making its
    temporary directory), and any host whose Python is still to be found, fail to connect."""
    write(
        "hosts.ini",
        "dead ansible_host=127.0.0.1 ansible_port=1 ansible_connection=ssh"
        " ansible_python_interpreter=/usr/bin/python3\n"
        "unknown ansible_host=127.0.0.1 ansible_port=1 ansible_connection=ssh\n",
    )
    write(
        "site.yml",
        """
        - hosts: all
          gather_facts: false
          ignore_unreachable: true
          tasks:
            - name: module
              ping:
            - name: copy
              copy: content=x dest=/tmp/x
            - name: raw
              raw: "true"
            - name: not pipelined
              ping:
              vars:
                ansible_ssh_pipelining: false
        """,
    )
    run = longplay(
        "run", "-i", "hosts.ini", "site.yml", "--json", cwd=tmp_path,
        env={"ANSIBLE_PIPELINING": "True"},
    )  # fmt: skip
    said = "ssh: connect to host 127.0.0.1 port 1: Connection refused"
    sent = (
        'Data could not be sent to remote host "127.0.0.1". '
        f"Make sure this host can be reached over ssh: {said}"
    )
    connect = f"Failed to connect to the host via ssh: {said}"
    shown = {(r["task"], r["host"]): r["result"]["msg"] for r in run.results()}
    assert shown == {
        ("module", "dead"): f"Task failed: {sent}",
        ("module", "unknown"): f"Task failed: {connect}",
        **{
            (task, host): f"Task failed: {connect}"
            for task in ("copy", "raw", "not pipelined")
            for host in ("dead", "unknown")
        },
    }
