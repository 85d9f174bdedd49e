"""Fleet playbooks over the loopback sshd, checked against what ansible-core shows."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from loopback_sshd import Sshd


def test_become_user_without_a_usable_home(sshd: Sshd, longplay, write, tmp_path: Path) -> None:
    # nobody's home is /nonexistent: the agent's cache goes to the temporary directory.
    if os.geteuid() != 0 or shutil.which("sudo") is None:
        pytest.skip("becoming nobody without a password needs root and sudo")
    sshd.write_inventory(tmp_path / "hosts.ini", count=2)
    write(
        "site.yml",
        """
        - hosts: all
          gather_facts: false
          tasks:
            - command: whoami
              become: true
              become_user: nobody
              register: who
            - assert:
                that: who.stdout == 'nobody'
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output


def test_delegated_host_shows_its_address(sshd: Sshd, longplay, write, tmp_path: Path) -> None:
    sshd.write_inventory(tmp_path / "hosts.ini", count=2)
    write(
        "site.yml",
        """
        - hosts: host01
          gather_facts: false
          tasks:
            - command: echo hi
              delegate_to: host02
            - command: echo hi
              delegate_to: localhost
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    # host02's ansible_host is 127.0.0.1: ansible-core shows it after the name
    assert "changed: [host01 -> host02(127.0.0.1)]" in run.stdout
    assert "changed: [host01 -> localhost]" in run.stdout


def test_limit_matching_no_host_stops_before_running(
    sshd: Sshd, longplay, write, tmp_path: Path
) -> None:
    sshd.write_inventory(tmp_path / "hosts.ini", count=2)
    write("site.yml", "- hosts: all\n  tasks:\n    - debug: msg=x\n")
    run = longplay("run", "-i", "hosts.ini", "site.yml", "-l", "nomatch", cwd=tmp_path)
    assert run.rc == 1, run.output
    assert "PLAY [" not in run.stdout
    assert "[WARNING]: Could not match supplied host pattern, ignoring: nomatch" in run.output
    assert (
        "[ERROR]: Specified inventory, host pattern and/or --limit leaves us with no hosts "
        "to target." in run.output
    )
    partial = longplay("run", "-i", "hosts.ini", "site.yml", "-l", "host02,nomatch", cwd=tmp_path)
    assert partial.rc == 0, partial.output
    assert "ok: [host02]" in partial.stdout and "host01" not in partial.stdout
