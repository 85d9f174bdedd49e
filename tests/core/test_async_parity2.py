"""Async jobs read as in ansible-core 2.19: registered values, output lines and exit codes."""

from __future__ import annotations

from pathlib import Path


def _play(tasks: str) -> str:
    return "- hosts: localhost\n  gather_facts: false\n  tasks:\n" + tasks


def test_shell_job_file_invocation_says_it_used_a_shell(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        _play(
            """
    - shell: echo hi
      async: 10
      poll: 0
      register: job
    - async_status:
        jid: "{{ job.ansible_job_id }}"
      register: status
      until: status is finished
      retries: 20
      delay: 0.2
    - slurp:
        src: "{{ job.results_file }}"
      register: job_file
    - debug:
        msg: "{{ (job_file.content | b64decode | from_json).invocation.module_args }}"
"""
        ),
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert '"_uses_shell": true' in run.stdout, run.stdout
    assert '"_raw_params": "echo hi"' in run.stdout


def test_job_that_cannot_start_its_command_registers_no_error_text_as_exception(
    longplay, write, tmp_path: Path
) -> None:
    write(
        "site.yml",
        _play(
            """
    - command: /nonexistent/bin
      async: 10
      poll: 0
      register: job
    - async_status:
        jid: "{{ job.ansible_job_id }}"
      register: status
      until: status is finished
      retries: 20
      delay: 0.2
      ignore_errors: true
    - command: /nonexistent/bin
      async: 10
      poll: 1
      register: polled
      ignore_errors: true
    - debug:
        msg: "{{ [status.exception, status.rc, polled.exception, polled.msg] }}"
"""
        ),
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    # the error text is in the error report, not under "exception"
    assert "Module failed: Error executing command: [Errno 2] No such file" in run.stdout
    assert (
        '"msg": [\n        "(traceback unavailable)",\n        2,\n'
        '        "(traceback unavailable)",\n        "Error executing command."\n    ]'
    ) in run.stdout, run.stdout


def test_action_refusing_async_is_reported_without_action_failed(
    longplay, write, tmp_path: Path
) -> None:
    write(
        "site.yml",
        _play(
            """
    - debug: msg=x
      async: 10
      poll: 1
      ignore_errors: true
    - copy:
        content: x
        dest: "{{ playbook_dir }}/out.txt"
      async: 10
      poll: 0
      ignore_errors: true
"""
        ),
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "[ERROR]: Task failed: This action (debug) does not support async.\n" in run.stdout
    assert "[ERROR]: Task failed: This action (copy) does not support async.\n" in run.stdout
    assert "Action failed" not in run.stdout


def test_no_log_job_shows_no_job_id_nor_output_while_polled(
    longplay, write, tmp_path: Path
) -> None:
    write(
        "site.yml",
        _play(
            """
    - shell: "printf 's3c%s\\n' r3t; sleep 1.5; printf 's3c%s\\n' r3t"
      async: 10
      poll: 1
      no_log: true
    - shell: "printf 's3c%s\\n' r3t; exit 1"
      async: 10
      poll: 1
      no_log: true
      ignore_errors: true
"""
        ),
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "ASYNC OK on localhost: jid=None\n" in run.stdout, run.stdout
    assert "ASYNC FAILED on localhost: jid=None\n" in run.stdout, run.stdout
    assert "s3cr3t" not in run.output
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "s3cr3t" not in run.output


def test_poll_lines_start_as_ansible_core_s(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        _play(
            """
    - shell: "echo step1; sleep 2.5"
      async: 10
      poll: 1
      register: job
    - debug:
        msg: "jid {{ job.ansible_job_id }}"
"""
        ),
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    jid = run.stdout.split('"msg": "jid ')[1].split('"')[0]
    polls = [line for line in run.stdout.splitlines() if line.startswith("ASYNC POLL")]
    assert polls, run.stdout
    for line in polls:
        assert line.startswith(
            f"ASYNC POLL on localhost: jid={jid} started=True finished=False - running "
        ), line


def test_async_or_poll_that_is_no_number_fails_the_task_when_it_runs(
    longplay, write, tmp_path: Path
) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          vars:
            bad: abc
          tasks:
            - name: literal
              command: echo
              async: abc
              poll: 1
              ignore_errors: true
            - name: templated
              command: echo
              async: 5
              poll: "{{ bad }}"
              ignore_errors: true
            - name: undefined
              command: echo
              async: "{{ nope }}"
              ignore_errors: true
            - debug:
                msg: still running
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert (
        'fatal: [localhost]: FAILED! => {"changed": false, "msg": "Task failed: Error '
        "processing keyword 'async_val': The value 'abc' could not be converted to 'int'.\"}"
    ) in run.stdout, run.output
    assert (
        "[ERROR]: Task failed: Error processing keyword 'poll': "
        "The value 'abc' could not be converted to 'int'.\n"
    ) in run.stdout
    assert "\nError processing keyword 'poll'.\nOrigin: " in run.stdout
    assert "Task failed: Error processing keyword 'async_val': 'nope' is undefined" in run.stdout
    assert '"msg": "still running"' in run.stdout
    assert "ignored=3" in run.stdout


def test_async_status_argument_errors_are_the_action_s(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        _play(
            """
    - async_status:
      ignore_errors: true
    - async_status:
        jid: "123.4"
        foo: 1
      ignore_errors: true
    - async_status:
        jid: "123.4"
      ignore_errors: true
"""
        ),
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "[ERROR]: Task failed: missing required arguments: jid\n" in run.stdout, run.stdout
    assert (
        "[ERROR]: Task failed: Unsupported parameters for (async_status) module: foo. "
        "Supported parameters include: grace, jid, mode, signal, tail_lines.\n"
    ) in run.stdout
    # a job's own failure stays the module's
    assert "[ERROR]: Task failed: Module failed: could not find job\n" in run.stdout


def test_ansible_cfg_async_dir_holds_for_job_files(longplay, write, tmp_path: Path) -> None:
    jobs_dir = tmp_path / "from-cfg"
    write("ansible.cfg", f"[defaults]\nasync_dir = {jobs_dir}\n")
    write(
        "site.yml",
        _play(
            """
    - command: "true"
      async: 10
      poll: 0
      register: job
    - async_status:
        jid: "{{ job.ansible_job_id }}"
      register: status
      until: status is finished
      retries: 20
      delay: 0.2
    - debug:
        msg: "{{ [job.results_file, status.results_file] }}"
"""
        ),
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    job_file, status_file = run.results("debug")[0]["result"]["msg"]
    assert job_file == status_file
    assert Path(job_file).parent == jobs_dir
    assert Path(job_file).is_file()


def test_async_results_keep_ansible_core_s_key_order(longplay, write, tmp_path: Path) -> None:
    """Seen when a result is templated into a string ('Async task failed: {{ result }}')."""
    write(
        "site.yml",
        _play(
            """
    - command: echo polled
      async: 10
      poll: 1
      register: polled
    - shell: echo bg; exit 3
      async: 10
      poll: 0
      register: job
    - async_status:
        jid: "{{ job.ansible_job_id }}"
      register: status
      until: status is finished
      retries: 20
      delay: 0.2
      ignore_errors: true
    - command: echo sync
      register: sync
    - debug:
        msg:
          - "{{ polled.keys() | list }}"
          - "{{ status.keys() | list }}"
          - "{{ sync.keys() | list }}"
"""
        ),
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    polled, status, sync = run.results("debug")[0]["result"]["msg"]
    head = ["started", "finished", "stdout", "stderr", "stdout_lines", "stderr_lines"]
    head += ["ansible_job_id", "results_file"]
    command = ["changed", "rc", "cmd", "start", "end", "delta"]
    assert polled == [*head, *command, "msg", "failed"]
    assert status == [*head, *command, "failed", "msg", "attempts", "exception"]
    assert sync == [
        *["changed", "stdout", "stderr", "rc", "cmd", "start", "end", "delta", "msg"],
        *["stdout_lines", "stderr_lines", "failed"],
    ]


def test_loop_results_and_job_invocations_keep_ansible_core_s_key_order(
    longplay, write, tmp_path: Path
) -> None:
    write(
        "site.yml",
        _play(
            """
    - command: "echo {{ item }}"
      async: 10
      poll: 0
      loop: [a]
      register: jobs
    - async_status:
        jid: "{{ item.ansible_job_id }}"
      loop: "{{ jobs.results }}"
      register: waits
      until: waits is finished
      retries: 20
      delay: 0.2
    - command: "{{ item }}"
      loop: ["true", "false"]
      register: mixed
      ignore_errors: true
    - debug:
        msg:
          - "{{ waits.results[0].invocation.module_args.keys() | list }}"
          - "{{ waits.keys() | list }}"
          - "{{ mixed.keys() | list }}"
"""
        ),
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    invocation, waits, mixed = run.results("debug")[0]["result"]["msg"]
    assert invocation == [
        *["_raw_params", "_uses_shell", "expand_argument_vars", "stdin_add_newline"],
        *["strip_empty_ends", "cmd", "argv", "chdir", "executable", "creates", "removes", "stdin"],
    ]
    assert waits == ["results", "skipped", "changed", "msg"]
    assert mixed == ["results", "skipped", "changed", "failed", "msg"]


def test_includes_have_no_async_nor_poll(longplay, write, tmp_path: Path) -> None:
    write("other.yml", "- debug: msg=hi\n")
    write("roles/r1/tasks/main.yml", "- debug: msg=hi\n")
    for action, keyword, what in [
        ("include_tasks: other.yml", "poll: 0", "TaskInclude"),
        ("include_role: name=r1", "async: 0", "IncludeRole"),
    ]:
        write("site.yml", _play(f"    - {action}\n      {keyword}\n"))
        run = longplay("run", "site.yml", cwd=tmp_path)
        assert run.rc == 4, run.output
        name = keyword.split(":")[0]
        assert run.stderr.startswith(
            f"[ERROR]: '{name}' is not a valid attribute for a {what}\nOrigin: "
        ), run.stderr
        assert "site.yml:4:7\n" in run.stderr


def test_job_with_bad_arguments_reports_the_first_problem_only(
    longplay, write, tmp_path: Path
) -> None:
    write(
        "site.yml",
        _play(
            """
    - stat:
        nope: 1
      async: 10
      poll: 1
      ignore_errors: true
    - file:
        path: /tmp/x
        state: bogus
        foo: 1
      async: 10
      poll: 0
      register: job
    - async_status:
        jid: "{{ job.ansible_job_id }}"
      register: status
      until: status is finished
      retries: 20
      delay: 0.2
      ignore_errors: true
"""
        ),
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    # ansible-core checks required arguments before unsupported ones and says one thing
    assert "[ERROR]: Task failed: Module failed: missing required arguments: path\n" in run.stdout
    assert (
        "[ERROR]: Task failed: Module failed: value of state must be one of: absent, directory, "
        "file, hard, link, touch, got: bogus\n"
    ) in run.stdout
    assert "Unsupported parameters" not in run.stdout


def test_negative_poll_starts_the_job_without_waiting(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        _play(
            """
    - command: echo hi
      async: 10
      poll: -1
      register: job
    - async_status:
        jid: "{{ job.ansible_job_id }}"
      register: status
      until: status is finished
      retries: 20
      delay: 0.2
    - debug:
        msg: "{{ [job.finished, job.started, status.stdout] }}"
"""
        ),
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert run.results("debug")[0]["result"]["msg"] == [False, True, "hi"]


def test_failed_when_false_with_exhausted_retries_and_module_failures(
    longplay, write, tmp_path: Path
) -> None:
    write(
        "site.yml",
        _play(
            """
    - command: sleep 30
      async: 60
      poll: 0
      register: job
    - name: Wait
      async_status:
        jid: "{{ job.ansible_job_id }}"
      register: status
      until: status.finished
      retries: 1
      delay: 0
      failed_when: false
    - command: "false"
      register: overridden
      failed_when: false
    - async_status:
        jid: "{{ job.ansible_job_id }}"
        mode: cleanup
    - debug:
        msg:
          - "{{ [status.failed, status.msg, status.failed_when_result, status is failed] }}"
          - "{{ status.failed_when_suppressed_exception is defined }}"
          - "{{ [overridden.failed, overridden.failed_when_suppressed_exception] }}"
"""
        ),
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    # the task is ok, but reports and registers the exhausted retries, as ansible-core 2.19
    wait = run.stdout.split("TASK [Wait]")[1].split("TASK [")[0]
    assert "[ERROR]: Task failed: Action failed: Unknown error.\nOrigin: " in wait, wait
    assert "ok: [localhost]" in wait
    assert "failed=0" in run.stdout
    assert (
        '"msg": [\n        [\n            true,\n            '
        '"Task failed: Action failed: Unknown error.",\n            false,\n            true\n'
        "        ],\n        false,\n        [\n            false,\n"
        '            "(traceback unavailable)"\n        ]\n    ]'
    ) in run.stdout, run.stdout
