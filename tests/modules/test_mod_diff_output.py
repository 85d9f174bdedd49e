"""What ``--diff`` shows a user: the unified diff in the human output, for every editing module.

The modules put the diff in their results (checked in each module's own
tests through ``--json``); these tests check that the default output prints
it, as ansible-playbook does (``--- before`` / ``+++ after`` and the lines).
"""

from __future__ import annotations

import pytest
from modtools import Project

CASES = {
    "copy": 'copy: {content: "new line\\n", dest: $T/target.txt}',
    "template": "template: {src: t.j2, dest: $T/target.txt}",
    "lineinfile": "lineinfile: {path: $T/target.txt, regexp: '^old', line: new line}",
    "blockinfile": "blockinfile: {path: $T/target.txt, block: new line}",
}


@pytest.mark.parametrize("module", sorted(CASES))
def test_diff_is_printed(project: Project, module: str) -> None:
    project.write("templates/t.j2", "new line\n")
    project.write("target.txt", "old line\n")
    project.play(f"- name: edit\n  {CASES[module]}")
    run = project.run_human("-D")
    assert run.rc == 0, run.output
    lines = run.stdout.splitlines()
    assert any(line.startswith("--- before") for line in lines), run.stdout
    assert any(line.startswith("+++ after") for line in lines), run.stdout
    assert "+new line" in lines, run.stdout


def test_diff_is_printed_in_check_mode_without_changing(project: Project) -> None:
    project.write("target.txt", "old line\n")
    project.play("- name: edit\n  lineinfile: {path: $T/target.txt, regexp: '^old', line: new}")
    run = project.run_human("-C", "-D")
    assert "-old line" in run.stdout.splitlines(), run.stdout
    assert project.path("target.txt").read_text() == "old line\n"


def test_no_diff_without_the_flag(project: Project) -> None:
    project.write("target.txt", "old line\n")
    project.play("- name: edit\n  lineinfile: {path: $T/target.txt, regexp: '^old', line: new}")
    run = project.run_human()
    assert run.rc == 0, run.output
    assert not any(line.startswith(("--- before", "+++ after")) for line in run.stdout.splitlines())
    assert project.path("target.txt").read_text() == "new\n"
