"""reboot over the loopback sshd, with stand-in commands: the test cannot restart
the machine, so ``reboot_command`` changes a file that ``boot_time_command``
reads, exactly as a real reboot changes the kernel's boot id."""

from __future__ import annotations

import json
from pathlib import Path

from loopback_sshd import Sshd


def _site(boot_id: Path, reboot_command: str, **extra: object) -> str:
    options = {
        "reboot_command": reboot_command,
        "boot_time_command": f"cat {boot_id}",
        "reboot_timeout": 5,
        **extra,
    }
    return json.dumps(
        [
            {
                "hosts": "all",
                "gather_facts": False,
                "tasks": [
                    {"reboot": options, "register": "r", "ignore_errors": True},
                    {
                        "copy": {
                            "content": "{{ r | to_json }}",
                            "dest": "{{ playbook_dir }}/r.json",
                        },
                        "delegate_to": "localhost",
                    },
                ],
            }
        ]
    )


def test_reboot_waits_for_a_new_boot_and_a_working_test_command(
    sshd: Sshd, longplay, tmp_path: Path
) -> None:
    sshd.write_inventory(tmp_path / "hosts.ini", count=1)
    boot_id = tmp_path / "boot_id"
    boot_id.write_text("first boot\n")
    command = f"sh -c 'echo second boot > {boot_id}'"
    (tmp_path / "site.yml").write_text(_site(boot_id, command))
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "changed: [host01]" in run.stdout
    result = json.loads((tmp_path / "r.json").read_text())
    assert result["rebooted"] is True and result["changed"] is True
    assert isinstance(result["elapsed"], int)
    assert boot_id.read_text() == "second boot\n"


def test_reboot_that_never_happens_times_out(sshd: Sshd, longplay, tmp_path: Path) -> None:
    sshd.write_inventory(tmp_path / "hosts.ini", count=1)
    boot_id = tmp_path / "boot_id"
    boot_id.write_text("same\n")
    (tmp_path / "site.yml").write_text(_site(boot_id, "true", reboot_timeout=2))
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    result = json.loads((tmp_path / "r.json").read_text())
    assert result["msg"] == "Timed out waiting for last boot time check (timeout=2)"
    assert result["rebooted"] is True and result["failed"] is True


def test_failing_reboot_command_and_missing_program(sshd: Sshd, longplay, tmp_path: Path) -> None:
    sshd.write_inventory(tmp_path / "hosts.ini", count=1)
    boot_id = tmp_path / "boot_id"
    boot_id.write_text("same\n")
    (tmp_path / "site.yml").write_text(_site(boot_id, "sh -c 'echo oops >&2; exit 3'"))
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    result = json.loads((tmp_path / "r.json").read_text())
    assert result["msg"].startswith("Reboot command failed. Error was: 'oops")
    assert result["rebooted"] is False
    (tmp_path / "site.yml").write_text(_site(boot_id, "sh -c true", search_paths=["/nowhere"]))
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    result = json.loads((tmp_path / "r.json").read_text())
    assert result["msg"] == (
        "Task failed: Unable to find command \"sh\" in search paths: ['/nowhere']"
    )


def test_reboot_refuses_the_control_node(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - reboot:
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 2, run.output
    assert "Running reboot with local connection would reboot the control node." in run.stdout


def test_wait_for_connection(sshd: Sshd, longplay, write, tmp_path: Path) -> None:
    """A live host answers at once; a dead one fails the task at the timeout with
    the last connection error (the host is not marked unreachable)."""
    inventory = sshd.inventory_text(count=1)
    inventory += "dead ansible_host=127.0.0.1 ansible_port=1 ansible_connection=ssh\n"
    (tmp_path / "hosts.ini").write_text(inventory)
    write(
        "site.yml",
        """
        - hosts: host01
          gather_facts: false
          tasks:
            - wait_for_connection:
                timeout: 5
              register: live
            - assert:
                that: [live.elapsed < 5, live is not changed]
            - wait_for_connection:
                timeout: 1
              delegate_to: dead
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 2, run.output
    assert (
        '"msg": "timed out waiting for ping module test: Failed to connect to the host via '
        'ssh: ssh: connect to host 127.0.0.1 port 1: Connection refused"'
    ) in run.stdout
    assert "unreachable=0" in run.stdout
