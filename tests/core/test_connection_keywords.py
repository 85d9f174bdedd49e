"""Which connection a task uses: connection variables and the connection keywords."""

from __future__ import annotations

import socket
from pathlib import Path

from longplay.executor.connection import connection_settings


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_keywords_choose_the_connection(longplay, write, tmp_path: Path) -> None:
    # The inventory says ssh to a port nobody listens on: only tasks that
    # ask for the local connection can succeed.
    write("hosts", f"web1 ansible_host=127.0.0.1 ansible_port={closed_port()} ansible_timeout=3\n")
    write(
        "site.yml",
        """
        - hosts: all
          connection: local
          gather_facts: false
          tasks:
            - name: play keyword
              command: echo play
        - hosts: all
          gather_facts: false
          tasks:
            - name: task keyword
              command: echo task
              connection: local
            - name: task variable
              command: echo variable
              vars:
                ansible_connection: local
            - name: over ssh
              command: echo ssh
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 4
    for name, word in (("play keyword", "play"), ("task keyword", "task")):
        assert [e["result"]["stdout"] for e in run.results(name)] == [word]
    assert [e["result"]["stdout"] for e in run.results("task variable")] == ["variable"]
    [unreachable] = run.results("over ssh")
    assert unreachable["result"]["unreachable"] is True


def test_variables_win_over_keywords() -> None:
    settings = connection_settings(
        "web1",
        {"ansible_user": "deploy", "ansible_port": 2222},
        {"remote_user": "root", "port": 22, "connection": "ssh"},
    )
    assert settings["ansible_user"] == "deploy"
    assert settings["ansible_port"] == 2222
    assert settings["ansible_connection"] == "ssh"
    assert settings["ansible_host"] == "web1"


def test_ask_pass_password_unless_the_inventory_has_one() -> None:
    assert connection_settings("h", {}, None, "secret")["ansible_password"] == "secret"
    mine = connection_settings("h", {"ansible_ssh_pass": "mine"}, None, "secret")
    assert "ansible_password" not in mine and mine["ansible_ssh_pass"] == "mine"
