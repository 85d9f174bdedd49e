"""Fleet playbooks over the loopback sshd, checked against what ansible-core shows."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from loopback_sshd import Sshd


def test_become_user_without_a_usable_home(sshd: Sshd, longplay, write, tmp_path: Path) -> None:
    # nobody's home is /nonexistent: the agent's cache goes to the temporary directory.
    if os.geteuid() != 0 or shutil.which("sudo") is None:
        pytest.skip("becoming nobody without a password needs root and sudo")
    # The interpreter is discovered as the login user (as ansible-core does), whose
    # PATH may lead to a Python that nobody cannot run: name one nobody can.
    sshd.write_inventory(
        tmp_path / "hosts.ini", count=2, ansible_python_interpreter="/usr/bin/python3"
    )
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


def test_discovered_interpreter_is_reported_once(
    sshd: Sshd, longplay, write, tmp_path: Path
) -> None:
    # No ansible_python_interpreter in the inventory: the agent discovers it.
    text = sshd.inventory_text(count=2)
    (tmp_path / "hosts.ini").write_text(text)
    write(
        "site.yml",
        """
        - hosts: all
          gather_facts: false
          tasks:
            - command: echo 1
              register: first
            - command: echo 2
              register: second
            - assert:
                that:
                  - first.ansible_facts.discovered_interpreter_python == discovered_interpreter_python
                  - ansible_facts.discovered_interpreter_python == discovered_interpreter_python
                  - second.ansible_facts is not defined
            - debug: var=discovered_interpreter_python
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    path = re.search(r'"discovered_interpreter_python": "([^"]+)"', run.stdout).group(1)
    # ansible-core's fallback order: versioned names (python3.13 ... python3.8) first
    assert re.fullmatch(r"python3\.\d+", os.path.basename(path)), path
    for host in ("host01", "host02"):
        warning = (
            f"[WARNING]: Host '{host}' is using the discovered Python interpreter at '{path}', "
            "but future installation of another Python interpreter could cause a different "
            "interpreter to be discovered."
        )
        assert run.output.count(warning) == 1, run.output
    assert f'"discovered_interpreter_python": "{path}"' in run.stdout

    silent = longplay(
        "run",
        "-i",
        "hosts.ini",
        "site.yml",
        "-e",
        "ansible_python_interpreter=auto_silent",
        cwd=tmp_path,
    )
    assert silent.rc == 0, silent.output
    assert "discovered Python interpreter" not in silent.output


def test_raw_runs_on_a_terminal(sshd: Sshd, longplay, write, tmp_path: Path) -> None:
    sshd.write_inventory(tmp_path / "hosts.ini", count=1)
    write(
        "site.yml",
        """
        - hosts: all
          gather_facts: false
          tasks:
            - raw: echo out; echo err >&2
              register: r
            - raw: exit 3
              register: f
              ignore_errors: true
            - copy:
                content: "{{ {'r': r, 'f': f} | to_json }}"
                dest: "{{ playbook_dir }}/raw.json"
              delegate_to: localhost
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    results = json.loads((tmp_path / "raw.json").read_text())
    # As with ansible-core's ssh -tt: stderr joins stdout on the terminal, and the
    # (multiplexed) ssh client says the connection closed.
    closed = "Shared connection to 127.0.0.1 closed.\r\n"
    assert results["r"]["stdout"] == "out\r\nerr\r\n"
    assert results["r"]["stdout_lines"] == ["out", "err"]
    assert results["r"]["stderr"] == closed
    assert results["r"]["rc"] == 0 and results["r"]["changed"] is True
    assert results["f"]["rc"] == 3 and results["f"]["failed"] is True
    assert results["f"]["stderr"] == closed and results["f"]["msg"] == "non-zero return code"
