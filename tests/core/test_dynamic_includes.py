"""What of an include_tasks / include_role reaches the tasks it includes."""

from __future__ import annotations

from pathlib import Path


def test_include_keywords_stay_with_the_include(longplay, write, tmp_path: Path) -> None:
    """As ansible-core: the include's when, tags and ignore_errors apply to the include
    only (apply passes keywords on); its vars and its enclosing block's tags reach in."""
    write(
        "flip.yml",
        """
        - set_fact: {flag: false}
        - {name: after flip, debug: {msg: "{{ who }}"}}
        """,
    )
    write("fails.yml", "- {name: inner fail, command: /bin/false}\n")
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          vars: {flag: true}
          tasks:
            - block:
                - include_tasks: flip.yml
                  when: flag
                  vars: {who: included}
                  tags: [inc]
              tags: [outer]
            - include_tasks: {file: fails.yml, apply: {ignore_errors: true}}
            - include_tasks: fails.yml
              ignore_errors: true
        """,
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 2, run.output
    assert run.results("after flip")[0]["result"]["msg"] == "included"
    fails = run.results("inner fail")
    assert [r["status"] for r in fails] == ["failed", "failed"]
    assert [bool(r.get("ignored")) for r in fails] == [True, False]

    tagged = longplay("run", "site.yml", "--json", "--tags", "inc", cwd=tmp_path)
    assert tagged.results("after flip") == []
    outer = longplay("run", "site.yml", "--json", "--tags", "outer", cwd=tmp_path)
    assert len(outer.results("after flip")) == 1


def test_an_include_that_cannot_load_fails_the_host(longplay, write, tmp_path: Path) -> None:
    """As ansible-core: a missing task file or role fails the host even under
    ignore_errors, with the reason (not a msg) in the result and an [ERROR] on stderr."""
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - include_tasks: missing.yml
              ignore_errors: true
            - {name: after, debug: {msg: after}}
        """,
    )
    write(
        "role.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - include_role: {name: no_such_role}
              ignore_errors: true
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 2, run.output
    missing = tmp_path / "missing.yml"
    assert (
        f'fatal: [localhost]: FAILED! => {{"changed": false, "include": "missing.yml", '
        f'"reason": "Could not find or access \'{missing}\' on the Ansible Controller: Unable '
        "to retrieve file contents." in run.stdout
    )
    assert "...ignoring" not in run.stdout
    assert "TASK [after]" not in run.stdout
    assert f"[ERROR]: Could not find or access '{missing}'" in run.stderr
    role = longplay("run", "role.yml", cwd=tmp_path)
    assert role.rc == 2, role.output
    assert '"reason": "the role \'no_such_role\' was not found in ' in role.stdout
    assert f':/etc/ansible/roles:{tmp_path}"}}' in role.stdout
    assert "...ignoring" not in role.stdout


def test_an_included_file_that_is_no_task_list(longplay, write, tmp_path: Path) -> None:
    write("notlist.yml", "foo: bar\n")
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - include_tasks: notlist.yml
              ignore_errors: true
            - {name: after, debug: {msg: after}}
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 2, run.output
    assert (
        'fatal: [localhost]: FAILED! => {"changed": false, "include": "notlist.yml", '
        '"reason": "included task files must contain a list of tasks"}'
    ) in run.stdout
    assert "[ERROR]: included task files must contain a list of tasks" in run.stderr
    assert "TASK [after]" not in run.stdout


def test_include_that_cannot_load_then_rescued(longplay, write, tmp_path: Path) -> None:
    """As ansible-core: the rescue runs; a missing file stays "failed" in the recap
    (not "rescued") yet the run exits 0; a name that does not render is rescued."""
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - block:
                - include_tasks: missing.yml
              rescue:
                - {name: first rescue, debug: {msg: "{{ ansible_failed_result.include }}"}}
            - block:
                - include_tasks: "{{ undefined_name }}.yml"
              rescue:
                - {name: second rescue, debug: {msg: rescued}}
        """,
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert run.results("first rescue")[0]["result"]["msg"] == "missing.yml"
    assert run.results("second rescue")[0]["result"]["msg"] == "rescued"
    recap = run.recap()["localhost"]
    assert (recap["ok"], recap["failed"], recap["rescued"]) == (2, 1, 1)
