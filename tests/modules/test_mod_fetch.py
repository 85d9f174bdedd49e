"""fetch end to end: host files brought to the controller, per host or flat."""

from __future__ import annotations

import hashlib
import os

from modtools import Project


def test_fetch_per_host_layout_and_idempotence(project: Project) -> None:
    project.write("remote/app.log", "line 1\n")
    project.play(
        """
        - name: fetch log
          fetch: {src: $T/remote/app.log, dest: $T/backup}
          register: r
        """
    )
    first = project.run()
    assert first.rc == 0, first.output
    result = first.result("fetch log")
    fetched = project.path(f"backup/localhost{project.root}/remote/app.log")
    assert result["dest"] == str(fetched)
    assert fetched.read_text() == "line 1\n"
    sha1 = hashlib.sha1(b"line 1\n").hexdigest()
    assert result["changed"] is True
    assert result["checksum"] == result["remote_checksum"] == sha1
    assert result["md5sum"] == hashlib.md5(b"line 1\n").hexdigest()
    assert result["remote_md5sum"] is None
    second = project.run()
    assert second.status("fetch log") == "ok"
    assert second.result("fetch log")["file"] == f"{project.root}/remote/app.log"
    project.path("remote/app.log").write_text("line 1\nline 2\n")
    third = project.run()
    assert third.status("fetch log") == "changed"
    assert fetched.read_text() == "line 1\nline 2\n"


def test_fetch_flat_and_relative_dest(project: Project) -> None:
    project.write("remote/a.conf", "a\n")
    project.write("remote/b.conf", "b\n")
    project.play(
        """
        - name: flat file name
          fetch: {src: $T/remote/a.conf, dest: $T/got/renamed.conf, flat: true}
        - name: flat into a directory
          fetch: {src: $T/remote/b.conf, dest: got/, flat: true}
        """
    )
    run = project.run()
    assert run.rc == 0, run.output
    assert project.path("got/renamed.conf").read_text() == "a\n"
    assert project.path("got/b.conf").read_text() == "b\n"


def test_fetch_large_binary_file(project: Project) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    project.path("remote").mkdir()
    project.path("remote/blob").write_bytes(data)
    project.play("- {name: big, fetch: {src: $T/remote/blob, dest: $T/got/, flat: true}}")
    run = project.run()
    assert run.status("big") == "changed", run.output
    assert project.path("got/blob").read_bytes() == data
    assert project.run().status("big") == "ok"


def test_fetch_check_mode_writes_nothing(project: Project) -> None:
    project.write("remote/app.log", "x\n")
    project.play("- {name: fetch, fetch: {src: $T/remote/app.log, dest: $T/backup}}")
    run = project.run("-C")
    assert run.status("fetch") == "changed"
    assert not project.path("backup").exists()


def test_fetch_bad_input(project: Project) -> None:
    project.path("remote").mkdir()
    project.play(
        """
        - name: missing
          fetch: {src: $T/remote/nothing, dest: $T/got}
          ignore_errors: true
        - name: missing allowed
          fetch: {src: $T/remote/nothing, dest: $T/got, fail_on_missing: false}
        - name: directory
          fetch: {src: $T/remote, dest: $T/got}
          ignore_errors: true
        - name: no dest
          fetch: {src: $T/remote/nothing}
          ignore_errors: true
        """
    )
    run = project.run()
    assert run.status("missing") == "failed"
    assert "the remote file does not exist" in run.result("missing")["msg"]
    assert run.status("missing allowed") == "ok"
    assert "cannot work on directories" in run.result("directory")["msg"]
    assert run.result("no dest")["msg"] == "src and dest are required"  # ansible-core's words
    assert not project.path("got").exists()
