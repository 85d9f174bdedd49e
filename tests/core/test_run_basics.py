"""The engine end to end: real playbooks through the real CLI and a real agent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PLAY = """
- hosts: localhost
  gather_facts: false
  vars:
    greeting: "hello {{ who }}"
    who: world
  tasks:
    - name: say hello
      debug: msg="{{ greeting }}"
    - name: run a command
      command: echo hi
      register: r
    - name: check it
      assert:
        that:
          - r.stdout == "hi"
          - r.rc == 0
          - r.stdout_lines == ["hi"]
          - r is changed
"""


def test_simple_playbook_runs_and_registers(longplay, write, tmp_path: Path) -> None:
    write("site.yml", PLAY)
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    hello = run.results("say hello")[0]
    assert hello["result"]["msg"] == "hello world"
    assert run.results("run a command")[0]["status"] == "changed"
    assert run.recap() == {
        "localhost": {
            "ok": 3,
            "changed": 1,
            "unreachable": 0,
            "failed": 0,
            "skipped": 0,
            "rescued": 0,
            "ignored": 0,
        }
    }


def test_human_output_has_ansible_layout(longplay, write, tmp_path: Path) -> None:
    write("site.yml", PLAY)
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    lines = run.stdout.splitlines()
    assert "PLAY [localhost] " + "*" * 63 in lines
    assert any(line.startswith("TASK [say hello] ***") for line in lines)
    assert "changed: [localhost]" in lines
    assert '    "msg": "hello world"' in lines
    recap = [line for line in lines if line.startswith("localhost ")][-1]
    assert recap.split() == [
        "localhost",
        ":",
        "ok=3",
        "changed=1",
        "unreachable=0",
        "failed=0",
        "skipped=0",
        "rescued=0",
        "ignored=0",
    ]


def test_failed_host_exits_2_and_stops_that_host(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - command: /bin/false
            - name: never
              debug: msg=unreachable
        """,
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 2
    assert not run.results("never")
    assert run.recap()["localhost"]["failed"] == 1
    failure = run.results("command")[0]["result"]
    assert failure["rc"] == 1 and failure["msg"] == "non-zero return code"


def test_ignore_errors_counts_ok_and_ignored(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - shell: "echo out; echo err >&2; exit 3"
              register: r
              ignore_errors: true
            - assert:
                that: [r.rc == 3, r.stdout == "out", r.stderr == "err", r is failed]
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "...ignoring" in run.stdout
    assert "ok=2    changed=1" in run.stdout and "ignored=1" in run.stdout


def test_loop_when_register_results(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - command: "echo {{ item }}"
              loop: [1, 2, 3]
              when: item > 1
              register: out
            - assert:
                that:
                  - out.results | length == 3
                  - out.results[0] is skipped
                  - out.results[1].stdout == "2"
                  - out.results[2].item == 3
                  - out is changed
                  - out.msg == "All items completed"
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "skipping: [localhost] => (item=1)" in run.stdout
    assert "changed: [localhost] => (item=2)" in run.stdout


def test_skipped_and_empty_loops_read_like_ansible(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - command: "echo {{ item }}"
              loop: [1, 2]
              when: item > 5
              register: none_ran
            - debug: msg=x
              loop: []
              register: empty
            - assert:
                that:
                  - none_ran.msg == "All items skipped"
                  - empty.skipped_reason == "No items in the list"
        """,
    )
    run = longplay("run", "site.yml", "-v", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert (
        'skipping: [localhost] => (item=2)  => {"ansible_loop_var": "item", "changed": false, '
        '"false_condition": "item > 5", "item": 2, "skip_reason": "Conditional result was False"}\n'
        'skipping: [localhost] => {"changed": false, "msg": "All items skipped"}\n'
    ) in run.stdout
    assert 'skipping: [localhost] => {"skipped_reason": "No items in the list"}\n' in run.stdout


def test_set_fact_in_a_loop_sees_earlier_items(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - set_fact:
                total: "{{ (total | default(0) | int) + item }}"
                names: "{{ (names | default([])) + ['n' ~ item] }}"
              loop: [1, 2, 3]
            - assert:
                that:
                  - total | int == 6
                  - names == ['n1', 'n2', 'n3']
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output


def test_block_rescue_always(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - block:
                - name: breaks
                  command: /bin/false
                - name: skipped after failure
                  debug: msg=no
              rescue:
                - set_fact:
                    caught: "{{ ansible_failed_task.name }}:{{ ansible_failed_result.rc }}"
              always:
                - set_fact:
                    cleaned: true
            - assert:
                that: [caught == "breaks:1", cleaned]
        """,
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert not run.results("skipped after failure")
    assert run.recap()["localhost"]["rescued"] == 1
    assert run.recap()["localhost"]["failed"] == 0


def test_always_runs_and_failure_propagates_without_rescue(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - block:
                - command: /bin/false
              always:
                - name: cleanup
                  debug: msg=cleanup
            - name: after
              debug: msg=after
        """,
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 2
    assert run.results("cleanup")
    assert not run.results("after")


def test_until_retries_and_attempts(longplay, write, tmp_path: Path) -> None:
    counter = tmp_path / "count"
    write(
        "site.yml",
        f"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - shell: echo x >> {counter}; wc -l < {counter}
              register: r
              until: r.stdout | int >= 3
              retries: 5
              delay: 0
            - assert:
                that: [r.attempts == 3, r.stdout | int == 3]
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "FAILED - RETRYING: [localhost]: shell (5 retries left)." in run.stdout
    assert "FAILED - RETRYING: [localhost]: shell (4 retries left)." in run.stdout


def test_until_exhausted_fails(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - command: "true"
              register: r
              until: false
              retries: 2
              delay: 0
        """,
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 2
    assert run.output.count("FAILED - RETRYING") == 0  # --json: retries are events
    retries = [e for e in run.events() if e["event"] == "retry"]
    assert [e["retries_left"] for e in retries] == [2, 1]


def test_failed_when_and_changed_when(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - command: "false"
              register: r
              failed_when: r.rc not in [0, 1]
              changed_when: false
            - assert:
                that: [r is not failed, r is not changed, r.failed_when_result == false]
            - command: echo boom
              register: b
              failed_when: "'boom' in b.stdout"
        """,
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 2
    assert run.results("assert")[0]["status"] == "ok"
    assert run.results("command")[-1]["result"]["failed_when_result"] is True


def test_undefined_variable_fails_task_naming_the_argument(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - debug: msg="{{ not_defined_anywhere }}"
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 2
    assert (
        'fatal: [localhost]: FAILED! => {"msg": "Task failed: Finalization of task args for '
        "'ansible.builtin.debug' failed: Error while resolving value for 'msg': "
        "'not_defined_anywhere' is undefined\"}"
    ) in run.stdout


def test_native_types_and_lazy_vars(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          vars:
            total: "{{ base + 1 }}"
            base: 41
            items_list: "{{ [1, 2, 3] }}"
            text: "123"
          tasks:
            - assert:
                that:
                  - total == 42
                  - items_list | length == 3
                  - text is string
                  - "'{{ items_list }}' == '[1, 2, 3]'"
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output


def test_extra_vars_forms_and_precedence(longplay, write, tmp_path: Path) -> None:
    write("vars.yml", "from_file: 3\n")
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          vars:
            a: play
          tasks:
            - assert:
                that: [a == "cli", b == 2, from_file == 3, c == "x y"]
        """,
    )
    run = longplay(
        "run",
        "site.yml",
        "-e",
        "a=cli",
        "-e",
        '{"b": 2}',
        "-e",
        "@vars.yml",
        "-e",
        "c='x y'",
        cwd=tmp_path,
    )
    assert run.rc == 0, run.output


def test_handlers_notify_listen_and_flush(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - command: echo 1
              notify: [first, topic]
            - meta: flush_handlers
            - name: after flush
              debug: msg=after
            - command: echo 2
              notify: first
          handlers:
            - name: first
              command: echo handled
            - name: second
              debug: msg=second
              listen: topic
        """,
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    order = [
        (e["task"], e["handler"])
        for e in run.events()
        if e["event"] == "host_result" and e["action"] != "meta"
    ]
    assert order == [
        ("command", False),
        ("first", True),
        ("second", True),
        ("after flush", False),
        ("command", False),
        ("first", True),
    ]


def test_tags_select_and_skip(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - {name: a, debug: msg=a, tags: [one]}
            - {name: b, debug: msg=b, tags: [two]}
            - {name: c, debug: msg=c, tags: [always]}
            - {name: d, debug: msg=d, tags: [never, debugonly]}
        """,
    )
    names = lambda run: [e["task"] for e in run.results()]  # noqa: E731
    assert names(longplay("run", "site.yml", "--json", cwd=tmp_path)) == ["a", "b", "c"]
    assert names(longplay("run", "site.yml", "--json", "-t", "one", cwd=tmp_path)) == ["a", "c"]
    assert names(longplay("run", "site.yml", "--json", "--skip-tags", "one", cwd=tmp_path)) == [
        "b",
        "c",
    ]
    assert names(longplay("run", "site.yml", "--json", "-t", "debugonly", cwd=tmp_path)) == [
        "c",
        "d",
    ]
    # asking for 'never' itself runs the never-tagged tasks, as in ansible-core
    assert names(longplay("run", "site.yml", "--json", "-t", "two,never", cwd=tmp_path)) == [
        "b",
        "c",
        "d",
    ]


def test_check_mode_skips_commands(longplay, write, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    write(
        "site.yml",
        f"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - command: touch {marker}
              register: r
            - assert:
                that: [r is skipped, ansible_check_mode]
        """,
    )
    run = longplay("run", "site.yml", "-C", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert not marker.exists()


def test_environment_and_chdir(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        f"""
        - hosts: localhost
          gather_facts: false
          environment:
            FROM_PLAY: play
          tasks:
            - shell: echo $FROM_PLAY $FROM_TASK $(pwd)
              args:
                chdir: {tmp_path}
              environment:
                FROM_TASK: task
              register: r
            - assert:
                that: r.stdout == "play task {tmp_path}"
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output


def test_no_log_hides_result(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - command: echo supersecret
              no_log: true
            - name: items
              command: "echo {{ item }}"
              loop: [supersecret2]
              no_log: true
        """,
    )
    run = longplay("run", "site.yml", "-v", cwd=tmp_path)
    assert run.rc == 0
    assert "supersecret" not in run.output
    assert "censored" in run.stdout
    # loop items hide their label too, as in ansible-core
    assert (
        'changed: [localhost] => (item=(censored due to no_log)) => {"censored": "the output '
        "has been hidden due to the fact that 'no_log: true' was specified for this result\", "
        '"changed": true}'
    ) in run.stdout


def test_verbose_levels(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml", "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - command: echo hi\n"
    )
    quiet = longplay("run", "site.yml", cwd=tmp_path)
    assert "changed: [localhost]" in quiet.stdout.splitlines()
    one = longplay("run", "site.yml", "-v", cwd=tmp_path)
    assert 'changed: [localhost] => {"changed": true, "cmd": ["echo", "hi"]' in one.stdout
    three = longplay("run", "site.yml", "-vvv", cwd=tmp_path)
    assert "<localhost> run:" in three.stdout and '"module": "command"' in three.stdout


def test_interrupt_exits_99(write, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    write(
        "site.yml",
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - command: sleep 37.25\n",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "longplay", "run", "site.yml"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if process.poll() is not None:
            break
        try:
            children = subprocess.run(
                ["pgrep", "-f", "sleep 37.25"], capture_output=True, text=True
            ).stdout
        except FileNotFoundError:
            children = "x"
        if children.strip():
            break
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 99, out + err
    assert "User interrupted execution" in err
    # The command the interrupted task was waiting for is stopped too.
    for _ in range(50):
        if not subprocess.run(["pgrep", "-f", "sleep 37.25"], capture_output=True).stdout:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the interrupted task's command is still running")


def test_start_at_task_and_templated_names(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          vars:
            app: shop
          tasks:
            - name: first
              debug: msg=1
            - name: "deploy {{ app }}"
              debug: msg=2
            - name: last
              debug: msg=3
        """,
    )
    run = longplay("run", "site.yml", "--start-at-task", "deploy shop", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert [e["task"] for e in run.results()] == ["deploy shop", "last"]


def test_ansible_cfg_inventory_and_settings(longplay, write, tmp_path: Path) -> None:
    write(
        "ansible.cfg",
        "[defaults]\ninventory = inventory/hosts\nforks = 3\nroles_path = elsewhere\n",
    )
    write("inventory/hosts", "[web]\nw1 ansible_connection=local\nw2 ansible_connection=local\n")
    write("elsewhere/greet/tasks/main.yml", "- name: greet\n  debug: msg=from-role\n")
    write(
        "site.yml",
        """
        - hosts: web
          gather_facts: false
          roles: [greet]
          tasks:
            - assert:
                that: ansible_forks == 3
        """,
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert sorted(run.recap()) == ["w1", "w2"]
    assert len(run.results("greet : greet")) == 2


def test_until_error_fails_each_item_not_the_task(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - command: "echo {{ item }}"
              loop: [a, b]
              register: out
              until: out.results | length > 0
              retries: 1
              delay: 0
              ignore_errors: true
            - assert:
                that:
                  - out.results | length == 2
                  - out.results[1].msg is search('Error while evaluating conditional')
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert run.stdout.count("failed: [localhost] (item=") == 2


def test_loop_results_echo_their_arguments_with_secrets_masked(
    longplay, write, tmp_path: Path
) -> None:
    write(
        "site.yml",
        f"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - command: echo hi
              register: plain
            - command: "echo {{{{ item }}}}"
              loop: [hi]
              register: r
            - copy:
                content: secret
                dest: "{tmp_path}/{{{{ item }}}}"
              loop: [out]
              register: c
            - assert:
                that:
                  - plain.invocation is not defined
                  - r.results[0].invocation.module_args._raw_params == "echo hi"
                  - r.results[0].invocation.module_args.chdir is none
                  - c.results[0].invocation.module_args.content == "NOT_LOGGING_PARAMETER"
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert '"invocation"' not in run.stdout
    # -vvv shows what each module was given, registered or not (as ansible-core)
    verbose = longplay("run", "site.yml", "-vvv", cwd=tmp_path)
    assert verbose.rc == 0, verbose.output
    assert verbose.stdout.count('"invocation": {') == 3
    assert '"_raw_params": "echo hi"' in verbose.stdout
    assert '"content": "NOT_LOGGING_PARAMETER"' in verbose.stdout


def test_condition_and_debug_var_errors_read_like_ansible(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - debug: msg=x
              when: nope == 1
              ignore_errors: true
            - debug: var=undefined_thing
              register: shown
            - assert:
                that: shown.undefined_thing == "<< error 1 - 'undefined_thing' is undefined >>"
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert (
        "fatal: [localhost]: FAILED! => "
        '{"msg": "Task failed: Error while evaluating conditional: \'nope\' is undefined"}'
    ) in run.stdout


def test_adhoc_command_output_runs_stdout_stderr_and_msg_together(longplay, tmp_path: Path) -> None:
    run = longplay("adhoc", "localhost", "-m", "shell", "-a", "echo a; echo b >&2; exit 3")
    assert run.rc == 2
    # ansible-core's error report comes first, naming the ad-hoc task
    assert run.stdout == (
        "[ERROR]: Task failed: Module failed: non-zero return code\n"
        "Origin: <adhoc 'shell' task>\n\n"
        "{'action': 'shell', 'args': {'_raw_params': 'echo a; echo b >&2; exit 3'}, "
        "'timeout': 0, 'async_val': 0, 'poll': 15}\n\n"
        "localhost | FAILED | rc=3 >>\nabnon-zero return code\n"
    )
    run = longplay("adhoc", "localhost", "-m", "shell", "-a", "true")
    assert run.stdout == "localhost | CHANGED | rc=0 >>\n\n"


def test_adhoc_one_line_output_is_ansible_oneline(longplay, tmp_path: Path) -> None:
    """``-o``: JSON without its line breaks (debug's keeps its indentation), a command's
    output with escaped line breaks, and before a failure's JSON its command line or the
    exception's last line."""
    run = longplay("adhoc", "localhost", "-o", "-m", "ping")
    assert run.stdout == 'localhost | SUCCESS => {"changed": false,"ping": "pong"}\n'
    run = longplay("adhoc", "localhost", "-o", "-m", "debug", "-a", "msg=x")
    assert run.stdout == 'localhost | SUCCESS => {    "changed": false,    "msg": "x"}\n'
    run = longplay("adhoc", "localhost", "-o", "-m", "shell", "-a", "printf 'a\\nb'; exit 3")
    lines = run.stdout.splitlines()
    assert lines[0] == "localhost | FAILED | rc=3 | (stdout) a\\nb"
    assert lines[1].startswith('localhost | FAILED! => {"changed": true,"cmd": ')
    assert len(lines) == 2
    run = longplay("adhoc", "localhost", "-o", "-m", "fail", "-a", "msg=boom")
    assert run.stdout == (
        "An exception occurred during task execution. To see the full traceback, use -vvv. "
        "The error was: (traceback unavailable)\n"
        'localhost | FAILED! => {"changed": false,"msg": "boom"}\n'
    )


@pytest.mark.parametrize("json_events", [False, True])
def test_a_reader_that_goes_away_stops_the_output_not_the_run(
    json_events: bool, write, tmp_path: Path
) -> None:
    # `longplay run site.yml | head`: the tasks after the pipe closed still run,
    # and the exit code still tells (2: a task failed), as with ansible-playbook.
    marker = tmp_path / "still-ran"
    write(
        "site.yml",
        f"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - debug:
                msg: "{{{{ 'x' * 300000 }}}}"
            - file:
                path: {marker}
                state: touch
            - fail:
                msg: the end
        """,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "longplay", "run", *(["--json"] if json_events else []), "site.yml"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "ANSIBLE_LOCALHOST_WARNING": "false"},
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()  # the big message cannot all fit in the pipe: a write fails
    errors = process.stderr.read().decode()
    assert process.wait(timeout=60) == 2, errors
    assert marker.exists()
    assert "Output stopped, its reader is gone" in errors
    assert "Traceback" not in errors
