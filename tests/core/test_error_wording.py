"""Failures read as ansible-core 2.19 words them: task arguments, loops,
keywords, conditions, filters, task names; what a failed result registers."""

from __future__ import annotations

import json
from pathlib import Path


def _fatal_messages(stdout: str) -> list[str]:
    messages = []
    for line in stdout.splitlines():
        if line.startswith(("fatal: [", "failed: [")) and "=> {" in line:
            messages.append(json.loads(line.split("=> ", 1)[1])["msg"])
    return messages


def test_template_failures_name_the_argument_keyword_or_condition(
    longplay, write, tmp_path: Path
) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          vars:
            d: {a: 1}
            bad: not json
          tasks:
            - ansible.builtin.command: "echo {{ nope }}"
              ignore_errors: true
            - file:
                path: "/tmp/{{ d.missing }}"
              ignore_errors: true
            - debug: msg="{{ bad | from_json }}"
              ignore_errors: true
            - debug: msg="{{ 1 / 0 }}"
              ignore_errors: true
            - debug: msg="{{ 'a' | no_such_filter }}"
              ignore_errors: true
            - debug: msg="{{ nope | mandatory }}"
              ignore_errors: true
            - debug: msg=x
              loop: "{{ nope }}"
              ignore_errors: true
            - command: echo hi
              environment:
                A: "{{ nope }}"
              ignore_errors: true
            - debug: msg=x
              when: nope
              ignore_errors: true
            - debug: msg=x
              when: (1 / 0) > 0
              ignore_errors: true
            - assert:
                that: nope
              ignore_errors: true
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    args = "Task failed: Finalization of task args for '{}' failed: Error while resolving value for"
    assert _fatal_messages(run.stdout) == [
        f"{args.format('ansible.builtin.command')} '_raw_params': 'nope' is undefined",
        f"{args.format('ansible.builtin.file')} 'path': object of type 'dict' has no attribute "
        "'missing'",
        f"{args.format('ansible.builtin.debug')} 'msg': The filter plugin "
        "'ansible.builtin.from_json' failed: Expecting value: line 1 column 1 (char 0)",
        f"{args.format('ansible.builtin.debug')} 'msg': Error rendering template: division by zero",
        f"{args.format('ansible.builtin.debug')} 'msg': Syntax error in template: "
        "No filter named 'no_such_filter'.",
        f"{args.format('ansible.builtin.debug')} 'msg': The filter plugin "
        "'ansible.builtin.mandatory' failed: Mandatory variable 'nope' not defined.",
        "Task failed: 'nope' is undefined",
        "Task failed: Error processing keyword 'environment': 'nope' is undefined",
        "Task failed: Error while evaluating conditional: 'nope' is undefined",
        "Task failed: Error rendering expression: division by zero",
        "Task failed: Error while evaluating conditional: 'nope' is undefined",
    ]
    # an unnamed task is titled by its action as written
    assert "TASK [ansible.builtin.command] ***" in run.stdout


def test_task_name_that_does_not_render_marks_the_error(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          vars:
            a: A
          tasks:
            - name: "Backup {{ item }} {{ a }}"
              debug: msg={{ item }}
              loop: [1]
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "TASK [Backup << error 1 - 'item' is undefined >> A] ***" in run.stdout
    assert "[WARNING]: Encountered 1 template error.\nerror 1 - 'item' is undefined\n" in run.stderr
    assert "site.yml:6:13" in run.stderr


def test_failed_results_register_an_exception_and_failed_when_a_message(
    longplay, write, tmp_path: Path
) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - fail: msg=boom
              register: failed
              ignore_errors: true
            - set_fact: a=1
              register: made_to_fail
              failed_when: true
              ignore_errors: true
            - command: "{{ item }}"
              loop: ["true", "false"]
              register: looped
              ignore_errors: true
            - block:
                - command: /bin/false
              rescue:
                - set_fact:
                    caught: "{{ ansible_failed_result }}"
            - debug:
                msg:
                  - "{{ failed.exception }}"
                  - "{{ made_to_fail.msg }}"
                  - "{{ looped.exception is defined }}"
                  - "{{ looped.results | map(attribute='exception', default='-') | list }}"
                  - "{{ caught.invocation.module_args._raw_params }}"
                  - "{{ caught.exception }}"
        """,
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert run.results("debug")[-1]["result"]["msg"] == [
        "(traceback unavailable)",
        "Task failed: Action failed: Unknown error.",
        False,
        ["-", "(traceback unavailable)"],
        "/bin/false",
        "(traceback unavailable)",
    ]


def test_verbose_run_says_which_config_file(longplay, write, tmp_path: Path) -> None:
    write("site.yml", "- hosts: localhost\n  gather_facts: false\n  tasks: []\n")
    run = longplay("run", "site.yml", "-v", cwd=tmp_path)
    assert run.stdout.startswith("No config file found; using defaults\n"), run.stdout
    write("ansible.cfg", "[defaults]\n")
    run = longplay("run", "site.yml", "-v", cwd=tmp_path)
    assert run.stdout.startswith(f"Using {tmp_path / 'ansible.cfg'} as config file\n"), run.stdout


def test_failed_debug_loop_prints_the_loop_failure(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - debug: msg="{{ item }}"
              failed_when: item == 2
              loop: [1, 2]
              ignore_errors: true
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert 'fatal: [localhost]: FAILED! => {"msg": "One or more items failed"}\n...ignoring' in (
        run.stdout
    )


def test_conditions_must_have_a_boolean_result(longplay, write, tmp_path: Path) -> None:
    path = write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          vars:
            word: "yes"
            flag: true
          tasks:
            - command: echo hi
              register: out
            - debug: msg=x
              when: out.stdout
              ignore_errors: true
            - debug: msg=x
              when: "{{ word }}"
              ignore_errors: true
            - debug: msg=x
              when: "{{ flag }}"
            - debug: msg=x
              when: out.stdout | length > 0
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert _fatal_messages(run.stdout) == [
        f"Task failed: Conditional result (True) was derived from value of type 'str' at "
        f"'{path}:10:13'. Conditionals must have a boolean result.",
        "Task failed: Error while evaluating conditional: 'yes' is undefined",
    ]
    assert "ok=5" in run.stdout and "ignored=2" in run.stdout


def test_broken_conditions_are_reported_where_written_with_ansible_core_help(
    longplay, write, tmp_path: Path
) -> None:
    """A condition that is not a boolean, in when or in assert's that (each item at its
    own place), ends its report with ansible-core's help line."""
    path = write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: when
              debug: msg=x
              when: "'x'"
              ignore_errors: true
            - name: assert
              assert:
                that:
                  - true
                  - nope
              ignore_errors: true
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    help_line = (
        "Broken conditionals can be temporarily allowed with the `ALLOW_BROKEN_CONDITIONALS` "
        "configuration option."
    )
    assert _error_report(run.stdout, "when").endswith(
        f"Origin: {path}:6:13\n\n4     - name: when\n5       debug: msg=x\n"
        f"6       when: \"'x'\"\n              ^ column 13\n\n{help_line}\n"
    ), run.stdout
    assert _error_report(run.stdout, "assert").endswith(
        "<<< caused by >>>\n\nError while evaluating conditional: 'nope' is undefined\n"
        f"Origin: {path}:12:13\n\n10         that:\n11           - true\n12           - nope\n"
        "               ^ column 13\n"
    ), run.stdout


def test_expression_syntax_errors_read_as_ansible_core_says_them(
    longplay, write, tmp_path: Path
) -> None:
    """A condition is parsed as an expression on its own (Jinja's words for that, not for
    one inside braces); one that is not all template but holds template delimiters
    cannot be one."""
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          vars:
            y: 1
          tasks:
            - debug: msg=x
              when: y ==
              ignore_errors: true
            - debug: msg=x
              when: y = 1
              ignore_errors: true
            - debug: msg=x
              when: "1 == {{ y }}"
              ignore_errors: true
            - debug: msg=x
              when: "y == 1 {# c #}"
              ignore_errors: true
            - name: all template
              debug: msg=x
              when: " {{ y == 1 }} "
        """,
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    delimiters = "Syntax error in expression. Template delimiters are not supported in expressions"
    assert [r["result"]["msg"] for r in run.results("debug")] == [
        "Task failed: Syntax error in expression: unexpected 'end of template'",
        "Task failed: Syntax error in expression: chunk after expression",
        f"Task failed: {delimiters}: expected token ':', got '}}'",
        f"Task failed: {delimiters}: chunk after expression",
    ]
    assert run.results("all template")[0]["status"] == "ok"


def _error_report(stdout: str, task: str) -> str:
    """The lines between a task's banner and its fatal/failed line."""
    section = stdout.split(f"TASK [{task}] ", 1)[1].split("\n", 1)[1]
    return section.split("\nfatal: [", 1)[0].split("\nfailed: [", 1)[0]


def test_each_failure_is_reported_with_its_origin_before_the_fatal_line(
    longplay, write, tmp_path: Path
) -> None:
    """ansible-core 2.19 prints ``[ERROR]: Task failed: ...`` on stdout before every failed
    result (ignored, rescued or in a loop too), pointing at the task, and for a template
    error at each place the error passed through, joined by ``<<< caused by >>>``."""
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: module
              command: /bin/false
              ignore_errors: true
            - name: action
              fail:
                msg: boom
              ignore_errors: true
            - name: flipped
              command: echo hi
              failed_when: true
              ignore_errors: true
            - name: args
              debug:
                msg: "{{ nope }}"
              ignore_errors: true
            - name: cond
              debug: msg=x
              when:
                - true
                - nope
              ignore_errors: true
            - name: items
              command: "{{ item }}"
              loop: [/bin/false]
              no_log: true
              ignore_errors: true
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    site = tmp_path / "site.yml"
    assert _error_report(run.stdout, "module") == (
        "[ERROR]: Task failed: Module failed: non-zero return code\n"
        f"Origin: {site}:4:7\n\n"
        "2   gather_facts: false\n3   tasks:\n4     - name: module\n        ^ column 7\n"
    )
    assert _error_report(run.stdout, "action").startswith(
        f"[ERROR]: Task failed: Action failed: boom\nOrigin: {site}:7:7\n"
    )
    assert _error_report(run.stdout, "flipped").startswith(
        f"[ERROR]: Task failed: Action failed.\nOrigin: {site}:11:7\n"
    )
    assert _error_report(run.stdout, "args") == (
        "[ERROR]: Task failed: Finalization of task args for 'ansible.builtin.debug' failed: "
        "Error while resolving value for 'msg': 'nope' is undefined\n\n"
        f"Task failed.\nOrigin: {site}:15:7\n\n"
        "13       failed_when: true\n14       ignore_errors: true\n15     - name: args\n"
        "         ^ column 7\n\n<<< caused by >>>\n\n"
        f"Finalization of task args for 'ansible.builtin.debug' failed.\nOrigin: {site}:16:7\n\n"
        "14       ignore_errors: true\n15     - name: args\n16       debug:\n"
        "         ^ column 7\n\n<<< caused by >>>\n\n"
        f"Error while resolving value for 'msg': 'nope' is undefined\nOrigin: {site}:17:14\n\n"
        '15     - name: args\n16       debug:\n17         msg: "{{ nope }}"\n'
        "                ^ column 14\n"
    )
    cond = _error_report(run.stdout, "cond")
    assert cond.endswith(
        f"Error while evaluating conditional: 'nope' is undefined\nOrigin: {site}:23:11\n\n"
        "21       when:\n22         - true\n23         - nope\n             ^ column 11\n"
    ), cond
    # a loop item's report comes before its "failed:" line; no_log hides the result, not this
    assert _error_report(run.stdout, "items").startswith(
        f"[ERROR]: Task failed: Module failed: non-zero return code\nOrigin: {site}:25:7\n"
    )
    assert run.stdout.count("[ERROR]") == 6


def test_a_loop_that_is_not_a_list_is_reported_at_the_loop(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: text
              command: echo
              loop: "{{ 'abc' }}"
              ignore_errors: true
            - name: mapping
              command: echo
              loop: {a: 1}
              ignore_errors: true
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert _fatal_messages(run.stdout) == [
        "The `loop` value must resolve to a 'list', not 'str'.",
        "The `loop` value must resolve to a 'list', not 'dict'.",
    ]
    assert 'FAILED! => {"msg": "The `loop` value' in run.stdout  # no "changed"
    assert _error_report(run.stdout, "mapping") == (
        "[ERROR]: The `loop` value must resolve to a 'list', not 'dict'.\n"
        f"Origin: {tmp_path / 'site.yml'}:10:13\n\n"
        " 8     - name: mapping\n 9       command: echo\n10       loop: {a: 1}\n"
        "               ^ column 13\n\n"
        "Provide a list of items/templates, or a template resolving to a list.\n"
    )


def test_debug_var_that_fails_warns_where_it_is_written(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - debug: var=nope
            - debug:
                var: "{{ nope }}"
              ignore_errors: true
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    site = tmp_path / "site.yml"
    assert '"nope": "<< error 1 - \'nope\' is undefined >>"' in run.stdout
    assert run.stderr == (
        "[WARNING]: Encountered 1 template error.\nerror 1 - 'nope' is undefined\n"
        f"Origin: {site}:4:14\n\n"
        "2   gather_facts: false\n3   tasks:\n4     - debug: var=nope\n"
        "               ^ column 14\n\n"
    )
    # the task and its action start at the same place: one section tells both
    assert (
        "\n\nTask failed: Finalization of task args for 'ansible.builtin.debug' failed.\n"
        f"Origin: {site}:5:7\n"
    ) in run.stdout


def test_variables_named_like_keywords_are_warned_about(longplay, write, tmp_path: Path) -> None:
    """ansible-core warns, once each, where a variable takes a reserved name: play vars,
    vars files, -e, roles' defaults, vars and parameters, task vars, set_fact, register."""
    write("vf.yml", "tags: 1\n")
    write("roles/rr/defaults/main.yml", "name: x\n")
    write("roles/rr/tasks/main.yml", "- debug: msg=hi\n")
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          vars:
            port: 2
          vars_files: [vf.yml]
          roles:
            - role: rr
              serial: 3
          tasks:
            - set_fact:
                hosts: 1
            - command: echo
              register: action
            - debug: msg=x
              vars:
                loop: 3
        """,
    )
    run = longplay("run", "site.yml", "-e", "remote_user=1", cwd=tmp_path)
    assert run.rc == 0, run.output
    found = [line.split("'")[1] for line in run.stderr.splitlines() if "reserved name" in line]
    assert found == ["port", "tags", "remote_user", "name", "serial", "hosts", "action", "loop"]
    assert (
        "[WARNING]: Found variable using reserved name 'port'.\n"
        f"Origin: {tmp_path / 'site.yml'}:4:5\n\n"
        "2   gather_facts: false\n3   vars:\n4     port: 2\n      ^ column 5\n\n"
    ) in run.stderr
    assert (
        "[WARNING]: Found variable using reserved name 'remote_user'.\n"
        "Origin: <CLI option '-e'>\n\nremote_user\n\n"
    ) in run.stderr


def test_delegate_to_that_fails_is_named_as_written(longplay, write, tmp_path: Path) -> None:
    site = write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: delegated
              debug: msg=x
              delegate_to: "{{ nope }}"
              ignore_errors: true
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert (
        'fatal: [localhost -> {{ nope }}]: FAILED! => {"msg": "Task failed: \'nope\' is undefined"}'
    ) in run.stdout
    assert f"'nope' is undefined\nOrigin: {site}:6:20\n" in run.stdout
