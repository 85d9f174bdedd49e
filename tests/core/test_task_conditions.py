"""failed_when / changed_when and controller-file errors as ansible-core reports them."""

from __future__ import annotations

from pathlib import Path


def test_failed_when_list_needs_every_condition(longplay, write, tmp_path: Path) -> None:
    """A list of failed_when conditions is joined with 'and'; a module failure that
    failed_when overrules is registered as failed_when_suppressed_exception."""
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: known error
              shell: "echo 'ERROR: disk'; exit 1"
              register: g
              failed_when:
                - g.rc != 0
                - "'ERROR' not in g.stdout"
            - name: bad option
              stat: {path: /, bogus: 1}
              register: s
              failed_when: false
            - assert:
                that:
                  - g is not failed
                  - g.failed_when_result == false
                  - g.failed_when_suppressed_exception == "(traceback unavailable)"
                  - g.exception is not defined
                  - s.failed_when_suppressed_exception is defined
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output


def test_absolute_src_that_is_missing_lists_no_search_paths(
    longplay, write, tmp_path: Path
) -> None:
    write(
        "site.yml",
        f"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - copy: {{src: /nonexistent-src, dest: {tmp_path}/x}}
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 2, run.output
    assert (
        "\"Unexpected AnsibleActionFail error: Could not find or access '/nonexistent-src' on "
        "the Ansible Controller.\\nIf you are using a module and expect the file to exist on "
        'the remote, see the remote_src option"' in run.stdout
    )


def test_stat_has_no_get_md5(longplay, write, tmp_path: Path) -> None:
    """ansible-core 2.19's stat no longer takes get_md5."""
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - stat: {path: /, get_md5: true}
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 2, run.output
    assert "Unsupported parameters for (stat) module: get_md5." in run.stdout


def test_ansible_failed_task_has_the_task_keywords(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - block:
                - {name: boom, command: /bin/false, tags: [t1], register: r, retries: 2}
              tags: [outer]
              rescue:
                - name: seen
                  debug:
                    msg: "{{ [t.name, t.action, t._resolved_action, t.tags, t.register,
                             t.retries, t.when, t.ignore_errors, t.delay] }}"
                  vars: {t: "{{ ansible_failed_task }}"}
        """,
    )
    run = longplay("run", "site.yml", "--json", "--tags", "t1,outer", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert run.results("seen")[0]["result"]["msg"] == [
        "boom",
        "command",
        "ansible.builtin.command",
        ["t1", "outer"],
        "r",
        2,
        [],
        None,
        5.0,
    ]
