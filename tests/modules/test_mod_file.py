"""file end to end: states, modes (octal and symbolic), links, recurse, check and diff mode."""

from __future__ import annotations

import os

from modtools import Project, mode_of, tree

PLAY = """
- name: directory
  file: {path: $T/app/conf, state: directory, mode: "0750"}
- name: touch
  file: {path: $T/app/conf/app.ini, state: touch, mode: "u=rw,g=r,o=", modification_time: preserve, access_time: preserve}
- name: symbolic mode
  file: {path: $T/app/shared, state: directory, mode: "u=rwx,g+ws,o-rwx"}
- name: link
  file: {src: $T/app/conf/app.ini, dest: $T/app/current.ini, state: link}
- name: hard link
  file: {src: $T/app/conf/app.ini, dest: $T/app/hard.ini, state: hard}
- name: recurse
  file: {path: $T/app, state: directory, recurse: true, mode: "o-rwx"}
- name: absent
  file: {path: $T/old, state: absent}
"""


def test_file_states_and_idempotence(project: Project) -> None:
    project.write("old/junk.txt", "x\n")
    project.play(PLAY)
    first = project.run()
    assert first.rc == 0, first.output
    assert mode_of(project.path("app/conf")) == "0750"
    assert mode_of(project.path("app/conf/app.ini")) == "0640"
    assert mode_of(project.path("app/shared")) == "02770"
    assert os.readlink(project.path("app/current.ini")) == f"{project.root}/app/conf/app.ini"
    assert (
        project.path("app/hard.ini").stat().st_ino == project.path("app/conf/app.ini").stat().st_ino
    )
    assert not project.path("old").exists()
    second = project.run()
    assert second.recap()["changed"] == 0, [
        (e["task"], e["status"]) for e in second.events if e.get("event") == "host_result"
    ]


def test_file_check_mode_changes_nothing(project: Project) -> None:
    project.write("old/junk.txt", "x\n")
    project.write("app/conf/app.ini", "")
    project.play(PLAY)
    before = tree(project.root)
    checked = project.run("-C")
    assert checked.rc == 0, checked.output
    assert checked.status("directory") == "changed"  # mode
    assert checked.status("link") == "changed"
    assert checked.status("absent") == "changed"
    assert tree(project.root) == before


def test_file_touch_in_check_mode_under_a_new_directory(project: Project) -> None:
    project.play(
        """
        - {name: directory, file: {path: $T/new, state: directory}}
        - {name: touch, file: {path: $T/new/file, state: touch}}
        """
    )
    checked = project.run("-C")
    assert checked.status("touch") == "changed", checked.output
    assert not project.path("new").exists()


def test_file_diff_mode_shows_state_and_mode(project: Project) -> None:
    project.write("f.txt", "x\n")
    project.path("f.txt").chmod(0o644)
    project.play("- {name: chmod, file: {path: $T/f.txt, mode: '0600'}}")
    run = project.run("-D")
    diff = run.result("chmod")["diff"]
    assert diff["before"]["mode"] == "0644"
    assert diff["after"]["mode"] == "0600"


def test_file_diff_of_a_new_directory_and_a_checked_touch(project: Project) -> None:
    """As ansible-core: a new directory's mode change is in its diff; a touch of a missing
    file in check mode has no diff."""
    project.play(
        """
        - {name: mkdir, file: {path: $T/a/b, state: directory, mode: "0700"}}
        - {name: touch, file: {path: $T/t, state: touch}}
        """
    )
    checked = project.run("-C", "-D")
    assert "diff" not in checked.result("touch")
    run = project.run("-D")
    diff = run.result("mkdir")["diff"]
    assert diff["before"]["state"] == "absent"
    assert diff["after"] == {"path": str(project.path("a/b")), "state": "directory", "mode": "0700"}
    assert "mode" in diff["before"]


def test_file_bad_input(project: Project) -> None:
    project.write("plain.txt", "x\n")
    project.play(
        """
        - name: bad mode
          file: {path: $T/plain.txt, mode: "u=banana"}
          ignore_errors: true
        - name: bad state
          file: {path: $T/plain.txt, state: sideways}
          ignore_errors: true
        - name: directory over a file
          file: {path: $T/plain.txt, state: directory}
          ignore_errors: true
        - name: missing file
          file: {path: $T/nothing.txt, state: file}
          ignore_errors: true
        - name: unknown owner
          file: {path: $T/plain.txt, owner: no-such-user-longplay}
          ignore_errors: true
        """
    )
    run = project.run()
    for task in ("bad mode", "bad state", "directory over a file", "missing file", "unknown owner"):
        assert run.status(task) == "failed", task
    assert "mode" in run.result("bad mode")["msg"]
    assert "value of state must be one of" in run.result("bad state")["msg"]
    assert "already exists as a file" in run.result("directory over a file")["msg"]
    assert "is absent, cannot continue" in run.result("missing file")["msg"]
    assert "no-such-user-longplay" in run.result("unknown owner")["msg"]
    assert project.path("plain.txt").read_text() == "x\n"
