"""lineinfile and blockinfile end to end: edits, idempotence, check and diff mode."""

from __future__ import annotations

from modtools import Project

CONFIG = """\
# sshd
Port 22
PermitRootLogin yes
#PasswordAuthentication yes
"""

LINES = r"""
- name: replace port
  lineinfile: {path: $T/sshd_config, regexp: '^Port ', line: Port 2222}
- name: insert after
  lineinfile: {path: $T/sshd_config, line: "UseDNS no", insertafter: '^Port '}
- name: backrefs
  lineinfile: {path: $T/sshd_config, regexp: '^#(PasswordAuthentication) yes', line: '\1 no', backrefs: true}
- name: remove
  lineinfile: {path: $T/sshd_config, regexp: '^PermitRootLogin', state: absent}
- name: create
  lineinfile: {path: $T/new.conf, line: "key=value", create: true}
"""


def test_lineinfile_edits_and_idempotence(project: Project) -> None:
    project.write("sshd_config", CONFIG)
    project.play(LINES)
    first = project.run()
    assert first.rc == 0, first.output
    assert project.path("sshd_config").read_text() == (
        "# sshd\nPort 2222\nUseDNS no\nPasswordAuthentication no\n"
    )
    assert project.path("new.conf").read_text() == "key=value\n"
    assert first.result("remove")["found"] == 1
    second = project.run()
    assert second.recap()["changed"] == 0


def test_lineinfile_check_and_diff(project: Project) -> None:
    project.write("sshd_config", CONFIG)
    project.play(LINES)
    checked = project.run("-C", "-D")
    assert checked.status("replace port") == "changed"
    assert project.path("sshd_config").read_text() == CONFIG
    assert not project.path("new.conf").exists()
    diff = checked.result("replace port")["diff"]
    entry = diff[0] if isinstance(diff, list) else diff
    assert "Port 22\n" in entry["before"] and "Port 2222\n" in entry["after"]


def test_lineinfile_bad_input(project: Project) -> None:
    project.play(
        """
        - name: missing file
          lineinfile: {path: $T/none.conf, line: x}
          ignore_errors: true
        - name: bad regexp
          lineinfile: {path: $T/none.conf, regexp: '([', line: x, create: true}
          ignore_errors: true
        - name: backrefs without regexp
          lineinfile: {path: $T/none.conf, line: x, backrefs: true, create: true}
          ignore_errors: true
        """
    )
    run = project.run()
    assert "does not exist" in run.result("missing file")["msg"]
    assert run.status("bad regexp") == "failed"
    assert "regexp" in run.result("backrefs without regexp")["msg"]
    assert not project.path("none.conf").exists()


BLOCK = """
- name: block
  blockinfile:
    path: $T/hosts
    block: |
      10.0.0.1 web
      10.0.0.2 db
    insertafter: '^127'
- name: custom marker
  blockinfile:
    path: $T/hosts
    marker: "<!-- {mark} app -->"
    block: "app line"
    create: true
"""


def test_blockinfile_insert_update_idempotence(project: Project) -> None:
    project.write("hosts", "127.0.0.1 localhost\n::1 localhost\n")
    project.play(BLOCK)
    first = project.run()
    assert first.rc == 0, first.output
    assert project.path("hosts").read_text() == (
        "127.0.0.1 localhost\n"
        "# BEGIN ANSIBLE MANAGED BLOCK\n10.0.0.1 web\n10.0.0.2 db\n# END ANSIBLE MANAGED BLOCK\n"
        "::1 localhost\n"
        "<!-- BEGIN app -->\napp line\n<!-- END app -->\n"
    )
    assert project.run().recap()["changed"] == 0
    project.play(BLOCK.replace("10.0.0.2 db", "10.0.0.3 db"))
    third = project.run("-D")
    assert third.status("block") == "changed"
    assert "10.0.0.3 db" in project.path("hosts").read_text()
    assert "10.0.0.2 db" not in project.path("hosts").read_text()
    diff = third.result("block")["diff"]
    entry = diff[0] if isinstance(diff, list) else diff
    assert "10.0.0.2 db" in entry["before"] and "10.0.0.3 db" in entry["after"]


def test_blockinfile_check_mode_and_absent(project: Project) -> None:
    original = "a\n# BEGIN ANSIBLE MANAGED BLOCK\nold\n# END ANSIBLE MANAGED BLOCK\nb\n"
    project.write("f.txt", original)
    project.play("- {name: drop, blockinfile: {path: $T/f.txt, state: absent}}")
    checked = project.run("-C")
    assert checked.status("drop") == "changed"
    assert project.path("f.txt").read_text() == original
    assert project.run().status("drop") == "changed"
    assert project.path("f.txt").read_text() == "a\nb\n"
    assert project.run().status("drop") == "ok"


def test_blockinfile_bad_input(project: Project) -> None:
    project.play(
        """
        - name: missing file
          blockinfile: {path: $T/none.txt, block: x}
          ignore_errors: true
        - name: marker without mark
          blockinfile: {path: $T/none.txt, block: x, marker: "# fixed", create: true}
          ignore_errors: true
        """
    )
    run = project.run()
    assert run.status("missing file") == "failed"
    assert "does not exist" in run.result("missing file")["msg"]
    assert run.status("marker without mark") in ("failed", "changed")
