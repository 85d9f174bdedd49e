"""The controller-side file actions over real SSH: several hosts, transfers both ways.

Three inventory aliases of one loopback sshd stand for a fleet; each writes
under its own directory so their files never collide.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest
from modtools import Project

pytestmark = pytest.mark.ssh

SITE = """
- hosts: fleet
  gather_facts: false
  vars:
    out: "$T/out/{{ inventory_hostname }}"
  tasks:
    - name: dirs
      file: {path: "{{ out }}/unpacked", state: directory}
    - name: big file
      copy: {src: blob.bin, dest: "{{ out }}/blob.bin"}
    - name: tree
      copy: {src: conf/, dest: "{{ out }}/conf"}
    - name: config
      template: {src: app.j2, dest: "{{ out }}/app.conf"}
    - name: unpack
      unarchive: {src: bundle.tgz, dest: "{{ out }}/unpacked"}
    - name: script
      script: hello.sh "{{ out }}/script.txt"
      args: {creates: "{{ out }}/script.txt"}
    - name: fetch back
      fetch: {src: "{{ out }}/app.conf", dest: "$T/fetched"}
"""


def _fleet_project(project: Project, ssh_server: Any) -> bytes:
    ssh_server.write_inventory(project.path("hosts.ini"), count=3)
    project.write("site.yml", SITE)
    blob = os.urandom(1024) * 1500
    project.path("files").mkdir()
    project.path("files/blob.bin").write_bytes(blob)
    project.write("files/conf/a.conf", "a\n")
    project.write("files/conf/sub/b.conf", "b\n")
    project.write("templates/app.j2", "host={{ inventory_hostname }}\n")
    project.write("files/hello.sh", '#!/bin/sh\necho "hi from $(hostname)" > "$1"\n')
    import tarfile

    with tarfile.open(project.path("files/bundle.tgz"), "w:gz") as archive:
        archive.add(project.path("files/conf"), arcname="conf")
    return blob


def test_file_actions_across_an_ssh_fleet(project: Project, ssh_server: Any) -> None:
    blob = _fleet_project(project, ssh_server)
    first = project.run("-i", "hosts.ini")
    assert first.rc == 0, first.output
    for host in ("host01", "host02", "host03"):
        out = project.path(f"out/{host}")
        assert hashlib.sha1((out / "blob.bin").read_bytes()).digest() == hashlib.sha1(blob).digest()
        assert (out / "conf/sub/b.conf").read_text() == "b\n"
        assert (out / "app.conf").read_text() == f"host={host}\n"
        assert (out / "unpacked/conf/a.conf").read_text() == "a\n"
        assert (out / "script.txt").read_text().startswith("hi from ")
        fetched = project.path(f"fetched/{host}{out}/app.conf")
        assert fetched.read_text() == f"host={host}\n"
    second = project.run("-i", "hosts.ini")
    assert second.rc == 0, second.output
    changed = {
        host: counts["changed"]
        for host, counts in next(
            e["hosts"] for e in second.events if e.get("event") == "recap"
        ).items()
    }
    assert changed == {"host01": 0, "host02": 0, "host03": 0}
