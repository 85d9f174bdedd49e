"""include_vars and custom modules from ``library/`` end to end."""

from __future__ import annotations

from modtools import Project

# A custom module as Ansible users write them: a program that reads the JSON
# arguments file named by its first argument and prints one JSON object.
COUNTER = """\
#!/usr/bin/env python3
import json, os, sys

with open(sys.argv[1]) as handle:
    args = json.load(handle)
path = args["path"]
wanted = int(args.get("value", 0))
current = int(open(path).read()) if os.path.exists(path) else None
changed = current != wanted
if changed and not args.get("_ansible_check_mode"):
    with open(path, "w") as handle:
        handle.write(str(wanted))
print(json.dumps({"changed": changed, "previous": current, "value": wanted}))
"""

FAILING = """\
#!/usr/bin/env python3
import json, sys
args = json.load(open(sys.argv[1]))
print(json.dumps({"failed": True, "msg": "cannot frobnicate " + args.get("what", "?")}))
"""

SHELL_MODULE = """\
#!/bin/sh
# a non-Python module: reads nothing, prints JSON
echo '{"changed": false, "shell": "yes", "args_file_given": '"$( [ -f "$1" ] && echo true || echo false )"'}'
"""


def test_include_vars_file_dir_and_name(project: Project) -> None:
    project.write("vars/common.yml", "app: web\nport: 80\n")
    project.write("vars/env/a.yml", "a: 1\n")
    project.write("vars/env/b.json", '{"b": 2}\n')
    project.play(
        """
        - name: file
          include_vars: common.yml
        - name: dir
          include_vars: {dir: env, name: env}
        - name: use
          copy: {content: "{{ app }}:{{ port }} {{ env.a }}{{ env.b }}", dest: $T/out.txt}
        """
    )
    run = project.run()
    assert run.rc == 0, run.output
    assert project.path("out.txt").read_text() == "web:80 12"
    assert run.result("file")["ansible_facts"] == {"app": "web", "port": 80}
    assert run.status("file") == "ok"
    checked = project.run("-C")
    assert checked.status("dir") == "ok"
    assert checked.status("use") == "ok"


def test_include_vars_bad_input(project: Project) -> None:
    project.write("vars/list.yml", "- not\n- a mapping\n")
    project.write("vars/broken.yml", "a: [unclosed\n")
    project.play(
        """
        - name: missing
          include_vars: nowhere.yml
          ignore_errors: true
        - name: not a mapping
          include_vars: list.yml
          ignore_errors: true
        - name: broken yaml
          include_vars: broken.yml
          ignore_errors: true
        """
    )
    run = project.run()
    # as ansible-core: the reason under "message", the generic failure under "msg"
    missing = run.result("missing")
    assert "Could not find or access 'nowhere.yml'" in missing["message"]
    assert missing["msg"] == "Task failed: Action failed: Unknown error."
    assert missing["ansible_included_var_files"] == []
    assert "must contain a mapping" in run.result("not a mapping")["msg"]
    assert run.status("broken yaml") == "failed"
    assert "broken.yml" in run.result("broken yaml")["msg"]


def test_custom_module_from_library(project: Project) -> None:
    project.write("library/counter.py", COUNTER)
    project.write("library/frob", FAILING, mode=0o755)
    project.write("library/shelly", SHELL_MODULE, mode=0o755)
    project.play(
        """
        - name: set counter
          counter: {path: $T/counter.txt, value: 3}
          register: c
        - name: shell module
          shelly: {}
          register: s
        - name: check
          assert: {that: [c.value == 3, s.shell == "yes", s.args_file_given]}
        """
    )
    checked = project.run("-C")
    assert checked.status("set counter") == "changed", checked.output
    assert not project.path("counter.txt").exists()
    first = project.run()
    assert first.rc == 0, first.output
    assert first.status("set counter") == "changed"
    assert project.path("counter.txt").read_text() == "3"
    second = project.run()
    assert second.status("set counter") == "ok"
    assert second.result("set counter")["previous"] == 3


def test_custom_module_failures_are_clean(project: Project) -> None:
    project.write("library/frob", FAILING, mode=0o755)
    project.write("library/noisy.py", "print('not json')\n")
    project.write("library/crash.py", "raise SystemExit('boom')\n")
    project.play(
        """
        - name: reports failure
          frob: {what: widgets}
          ignore_errors: true
        - name: prints garbage
          noisy: {}
          ignore_errors: true
        - name: crashes
          crash: {}
          ignore_errors: true
        """
    )
    run = project.run()
    assert run.result("reports failure")["msg"] == "cannot frobnicate widgets"
    assert "printed no JSON result" in run.result("prints garbage")["msg"]
    crashed = run.result("crashes")
    assert run.status("crashes") == "failed"
    assert "boom" in crashed.get("module_stderr", "") + crashed.get("msg", "")


def test_unknown_module_is_a_parse_error(project: Project) -> None:
    project.play("- {name: typo, copyy: {src: a, dest: b}}")
    run = project.run()
    assert run.rc == 4
    assert "copyy" in run.output
