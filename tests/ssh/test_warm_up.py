"""The first play's connections open while the playbooks are parsed
(``longplay.executor.warmup``): each is used by the tasks, never opened twice,
and opened only where the play's own settings say so."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from loopback_sshd import Sshd


def _logins(sshd: Sshd) -> int:
    return sshd.log.read_text(errors="replace").count("Accepted publickey for")


def _connections(sshd: Sshd) -> int:
    return sshd.log.read_text(errors="replace").count("Connection from 127.0.0.1")


def test_warm_connections_serve_the_tasks(sshd: Sshd, longplay, write, tmp_path: Path) -> None:
    sshd.write_inventory(tmp_path / "hosts.ini", count=3)
    write(
        "site.yml",
        """
        - hosts: all
          tasks:
            - command: "true"
            - command: "true"
        - hosts: host01
          gather_facts: false
          tasks:
            - ping:
        """,
    )
    before = _logins(sshd)
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    # one login per host for the whole run: the warm connection is the tasks' one
    assert _logins(sshd) - before == 3, sshd.recent_log()


def test_a_local_play_never_connects(sshd: Sshd, longplay, write, tmp_path: Path) -> None:
    # ssh by default; no ansible_connection variable, which would win over the keyword
    inventory = sshd.inventory_text(count=2).replace(" ansible_connection=ssh", "")
    (tmp_path / "hosts.ini").write_text(inventory)
    write(
        "site.yml",
        """
        - hosts: all
          connection: local
          gather_facts: false
          tasks:
            - command: "true"
        """,
    )
    before = _connections(sshd)
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert _connections(sshd) == before, sshd.recent_log()


def test_templated_connection_settings_are_not_guessed(
    sshd: Sshd, longplay, write, tmp_path: Path
) -> None:
    # The inventory's port is wrong; the play's templated one is right. A guess
    # from the inventory would knock on the dead port: nothing may do so.
    with socket.socket() as dead:
        dead.bind(("127.0.0.1", 0))
        dead.listen(8)
        dead_port = dead.getsockname()[1]
        sshd.write_inventory(tmp_path / "hosts.ini", count=1, ansible_port=dead_port)
        write(
            "site.yml",
            f"""
            - hosts: all
              gather_facts: false
              vars:
                right_port: {sshd.port}
                ansible_port: "{{{{ right_port }}}}"
              tasks:
                - command: "true"
            """,
        )
        run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
        assert run.rc == 0, run.output
        dead.setblocking(False)
        try:
            dead.accept()
            knocked = True
        except BlockingIOError:
            knocked = False
    assert not knocked


@pytest.mark.parametrize("command", ["run", "run-async", "adhoc"])
def test_a_connect_timeout_is_met_once(command: str, longplay, write, tmp_path: Path) -> None:
    """A host that never answers costs one timeout, reported by its first task."""
    accepted: list[socket.socket] = []
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]

        def accept() -> None:
            while True:
                try:
                    accepted.append(silent.accept()[0])
                except OSError:
                    return

        threading.Thread(target=accept, daemon=True).start()
        (tmp_path / "hosts.ini").write_text(
            f"quiet ansible_host=127.0.0.1 ansible_port={port} ansible_timeout=1 "
            "ansible_connection=ssh ansible_python_interpreter=/usr/bin/python3\n"
        )
        # An async play also opens its hosts at batch start, to wake their job
        # launchers: that must not spend the failure the first task reports.
        more = "\n" + " " * 18  # the task's next keyword, as indented before dedent
        task = (
            f"command: sleep 1{more}async: 10{more}poll: 1" if command == "run-async" else "ping:"
        )
        write(
            "site.yml",
            f"""
            - hosts: all
              gather_facts: false
              tasks:
                - {task}
            """,
        )
        if command != "adhoc":
            run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
        else:
            run = longplay("adhoc", "-i", "hosts.ini", "all", "-m", "ping", cwd=tmp_path)
    for connection in accepted:
        connection.close()
    assert run.rc == 4, run.output
    shown = "quiet | UNREACHABLE!" if command == "adhoc" else "fatal: [quiet]: UNREACHABLE!"
    assert shown in run.stdout
    assert "Connection timed out during banner exchange" in run.stdout
    assert len(accepted) == 1


def test_a_playbook_that_does_not_parse_runs_nothing(
    sshd: Sshd, longplay, write, tmp_path: Path
) -> None:
    sshd.write_inventory(tmp_path / "hosts.ini", count=2)
    marker = tmp_path / "ran"
    write(
        "site.yml",
        f"""
        - hosts: all
          gather_facts: false
          tasks:
            - command: touch {marker}
        - hosts: all
          tasks:
            - no_such_module_anywhere:
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 4, run.output
    assert "no_such_module_anywhere" in run.output
    assert "PLAY [" not in run.stdout
    assert not marker.exists()


def test_a_become_play_warms_the_connection_not_a_login_agent(
    sshd: Sshd, longplay, write, tmp_path: Path
) -> None:
    # The tasks run as another user: their agent is the become one, so the
    # warm-up opens the connection only. One session per host: that agent.
    sshd.write_inventory(
        tmp_path / "hosts.ini", count=2, ansible_python_interpreter="/usr/bin/python3"
    )
    write(
        "site.yml",
        """
        - hosts: all
          gather_facts: false
          become: true
          become_user: nobody
          tasks:
            - command: whoami
              register: who
            - assert:
                that: who.stdout == 'nobody'
        """,
    )
    log = sshd.log.read_text(errors="replace")
    before = log.count("Starting session: command")
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    sessions = sshd.log.read_text(errors="replace").count("Starting session: command") - before
    assert sessions == 2, sshd.recent_log()
