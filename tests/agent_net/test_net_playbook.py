"""The five modules end to end: a real playbook, the real CLI, a loopback server."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nettools import LoopbackServer, free_port

PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: download
      get_url: {{url: "{url}/release.txt", dest: "{work}/release.txt", mode: "0640"}}
    - name: health
      uri: {{url: "{url}/echo", return_content: true}}
      register: health
    - name: check health
      assert:
        that:
          - health.status == 200
          - health.json.method == "GET"
    - name: wait for the server port
      wait_for: {{port: {port}, timeout: 5, sleep: 1}}
    - name: pack
      archive: {{path: "{work}/tree", dest: "{work}/tree.tgz"}}
    - name: unpack
      unarchive: {{src: "{work}/tree.tgz", dest: "{work}/out", remote_src: true}}
"""


def setup(server: LoopbackServer, write: Callable[[str, str], Path], tmp_path: Path) -> Path:
    (server.root / "release.txt").write_text("v1.2.3\n")
    work = tmp_path / "work"
    (work / "tree" / "sub").mkdir(parents=True)
    (work / "tree" / "sub" / "f.txt").write_text("content\n")
    (work / "out").mkdir()
    port = server.server_address[1]
    write("site.yml", PLAY.format(url=server.url, work=work, port=port))
    return work


def recap(run: Any) -> dict[str, int]:
    return dict(run.recap()["localhost"])


def test_playbook_is_idempotent(
    longplay: Callable[..., Any],
    write: Callable[[str, str], Path],
    tmp_path: Path,
    server: LoopbackServer,
) -> None:
    work = setup(server, write, tmp_path)
    first = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert first.rc == 0, first.output
    assert recap(first)["changed"] == 3, first.results()
    assert (work / "release.txt").read_text() == "v1.2.3\n"
    assert (work / "out" / "tree" / "sub" / "f.txt").read_text() == "content\n"
    second = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert second.rc == 0, second.output
    assert recap(second)["changed"] == 0


def test_check_mode_changes_nothing(
    longplay: Callable[..., Any],
    write: Callable[[str, str], Path],
    tmp_path: Path,
    server: LoopbackServer,
) -> None:
    work = setup(server, write, tmp_path)
    run = longplay("run", "site.yml", "--json", "--check", cwd=tmp_path)
    assert not (work / "release.txt").exists()
    assert not (work / "tree.tgz").exists()
    assert list((work / "out").iterdir()) == []
    statuses = {r["task"]: r["status"] for r in run.results()}
    assert statuses["download"] == "changed"
    assert statuses["health"] == "skipped"


def test_timeout_is_a_clear_failure(
    longplay: Callable[..., Any], write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    port = free_port()
    write(
        "site.yml",
        f"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: wait
              wait_for: {{port: {port}, timeout: 1, sleep: 1}}
        """,
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc != 0
    result = run.results("wait")[0]["result"]
    assert result["msg"] == f"Timeout when waiting for 127.0.0.1:{port}"
    assert "Traceback" not in json.dumps(result)


def test_uri_src_is_a_controller_file(
    longplay: Callable[..., Any],
    write: Callable[[str, str], Path],
    tmp_path: Path,
    server: LoopbackServer,
) -> None:
    """As in Ansible, ``src`` is found on the controller (``files/`` beside the
    playbook) unless ``remote_src``; a missing one names every place searched."""
    write("files/body.json", '{"release": "1.2.3"}')
    write(
        "site.yml",
        f"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - uri:
                url: "{server.url}/echo"
                method: POST
                src: body.json
                body_format: json
                return_content: true
              register: sent
            - assert:
                that: ["sent.json.body is search('release.: .1.2.3')"]
            - uri:
                url: "{server.url}/echo"
                method: POST
                src: missing.json
              ignore_errors: true
              register: missing
            - assert:
                that:
                  - "missing.msg is search('^Task failed. Could not find or access .missing.json.')"
                  - "'on the Ansible Controller' in missing.msg"
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
