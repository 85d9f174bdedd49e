"""Differences found by the sixth side-by-side sweep against ansible-core 2.19."""

from __future__ import annotations

from pathlib import Path


def test_free_form_command_line_keeps_its_whitespace(longplay, write, tmp_path: Path) -> None:
    """``shell: |`` keeps its trailing newline in ``cmd`` (shown by -v on every such task);
    an option word leaves with the whitespace after it, or the space before it at the end."""
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: block
              shell: |
                echo one
                echo two
            - name: spaces
              shell: "  echo   a    b  "
            - name: option inside
              shell: "echo 'a   b'\\necho c chdir=/tmp\\n"
            - name: option first
              shell: "chdir=/tmp echo q\\n"
            - name: option last
              shell: "echo q chdir=/tmp\\n  "
        """,
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    cmds = {
        name: run.results(name)[0]["result"]["cmd"]
        for name in ("block", "spaces", "option inside", "option first", "option last")
    }
    assert cmds == {
        "block": "echo one\necho two\n",
        "spaces": "  echo   a    b  ",
        "option inside": "echo 'a   b'\necho c",
        "option first": "echo q\n",
        "option last": "echo q",
    }


def test_hosts_removing_the_same_file_do_not_fail(longplay, write, tmp_path: Path) -> None:
    """file state=absent on a path shared by several hosts: a file removed between the
    check and the unlink is not an error (ansible-core ignores ENOENT there)."""
    shared = tmp_path / "shared"
    shared.mkdir()
    write("hosts", "".join(f"h{n} ansible_connection=local\n" for n in range(6)))
    # one task per file: all hosts start each removal together
    tasks = "".join(f"    - file: {{path: {shared}/f{n}, state: absent}}\n" for n in range(40))
    write("site.yml", f"- hosts: all\n  gather_facts: false\n  tasks:\n{tasks}")
    for _ in range(2):
        for n in range(40):
            (shared / f"f{n}").touch()
        run = longplay("run", "-i", "hosts", "-f", "6", "site.yml", cwd=tmp_path)
        assert run.rc == 0, run.output
        assert "failed=0" in run.stdout


def test_edits_of_a_missing_file(longplay, write, tmp_path: Path) -> None:
    """blockinfile says 'File created' for a file it creates (an empty block too) and
    'File X not present' for state=absent; in check mode a file that would be created has
    only the content entry as its diff, as lineinfile/blockinfile return it."""
    write(
        "site.yml",
        f"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: block
              blockinfile: {{path: {tmp_path}/b.txt, block: "x", create: true}}
            - name: empty block
              blockinfile: {{path: {tmp_path}/e.txt, block: "", create: true}}
            - name: absent
              blockinfile: {{path: {tmp_path}/n.txt, state: absent, create: true}}
            - name: line
              lineinfile: {{path: {tmp_path}/l.txt, line: x, create: true}}
        """,
    )
    checked = longplay("run", "site.yml", "--json", "--check", cwd=tmp_path)
    assert checked.rc == 0, checked.output
    for name in ("block", "line"):
        result = checked.results(name)[0]["result"]
        assert result["changed"] is True
        assert isinstance(result["diff"], dict), result
        assert result["diff"]["before_header"].endswith(" (content)")
    assert not list(tmp_path.glob("*.txt"))

    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    msgs = {name: run.results(name)[0]["result"] for name in ("block", "empty block", "absent")}
    assert [msgs["block"]["msg"], msgs["block"]["changed"]] == ["File created", True]
    assert [msgs["empty block"]["msg"], msgs["empty block"]["changed"]] == ["File created", True]
    assert (tmp_path / "e.txt").read_text() == ""
    assert msgs["absent"]["msg"] == f"File {tmp_path}/n.txt not present"
    assert msgs["absent"]["changed"] is False
    assert isinstance(run.results("line")[0]["result"]["diff"], list)


def test_async_timeout_read_after_the_deadline_is_the_jobs_result(
    longplay, write, tmp_path: Path
) -> None:
    """A job stopped at its deadline fails its polled task with the job's own 'Timeout
    exceeded' record, finished, and its job file is removed, as when ansible-core's last
    poll reads that record (what it does here for async 1 with poll 1 or 2)."""
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: late poll
              command: sleep 5
              async: 1
              poll: 2
              register: late
              ignore_errors: true
            - name: on time
              command: sleep 5
              async: 1
              poll: 1
              register: on_time
              ignore_errors: true
            - name: left
              async_status:
                jid: "{{ late.ansible_job_id }}"
              register: left
              ignore_errors: true
            - assert:
                that:
                  - late is failed and late is not changed
                  - late.msg == "Timeout exceeded"
                  - late.finished and late.child_pid is number
                  - late.async_result is not defined
                  - left.msg == "could not find job"
                  - on_time.msg == "Timeout exceeded"
                  - on_time.async_result is not defined
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "[ERROR]: Task failed: Module failed: Timeout exceeded" in run.output
    assert "ignored=3" in run.stdout


def test_extended_loop_info_is_in_each_items_result(longplay, write, tmp_path: Path) -> None:
    """loop_control.extended: every item's result carries ansible_loop (shown by -v and
    registered), as in ansible-core; extended_allitems: false leaves allitems out."""
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: launch
              command: "echo {{ item }}"
              async: 10
              poll: 0
              loop: [a, b]
              loop_control:
                extended: true
                extended_allitems: false
              register: r
            - assert:
                that:
                  - r.results[1].ansible_loop.index == 2
                  - r.results[1].ansible_loop.previtem == "a"
                  - r.results[0].ansible_loop.allitems is not defined
        """,
    )
    run = longplay("run", "site.yml", "-v", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert '(item=a) => {"ansible_job_id": ' in run.stdout
    assert '"ansible_loop": {"first": true, "index": 1, "index0": 0, "last": false' in run.stdout


def test_async_jobs_run_in_diff_mode(longplay, write, tmp_path: Path) -> None:
    """--diff reaches async jobs as in ansible-core: a polled lineinfile prints its diff,
    and a fire-and-forget job's result read by async_status carries the texts."""
    write(
        "site.yml",
        f"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: polled
              lineinfile: {{path: {tmp_path}/a.log, line: entry one, create: true}}
              async: 10
              poll: 1
            - name: fired
              lineinfile: {{path: {tmp_path}/a.log, line: entry two}}
              async: 10
              poll: 0
              register: fired
            - name: wait
              async_status:
                jid: "{{{{ fired.ansible_job_id }}}}"
              register: waited
              until: waited.finished
              retries: 5
              delay: 1
            - assert:
                that:
                  - waited.diff[0].before == "entry one\\n"
                  - waited.diff[0].after == "entry one\\nentry two\\n"
        """,
    )
    run = longplay("run", "site.yml", "--diff", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "+++ after: " + str(tmp_path) + "/a.log (content)\n@@ -0,0 +1 @@\n+entry one\n" in (
        run.stdout
    )
    assert "@@ -1 +1,2 @@\n entry one\n+entry two\n" in run.stdout


def test_failed_run_once_task_fails_the_batch(longplay, write, tmp_path: Path) -> None:
    """A run_once task that fails fails every host of the batch, as in ansible-core
    (which makes the round any_errors_fatal, failing the others twice over): in the
    task's block they skip the rescue but run the always, a lone always is skipped,
    nothing is counted for them, and nothing runs after it; ignore_errors lets them on."""
    write("hosts", "web1 ansible_connection=local\nweb2 ansible_connection=local\n")
    write(
        "site.yml",
        """
        - hosts: all
          gather_facts: false
          tasks:
            - command: "false"
              run_once: true
              ignore_errors: true
            - debug: msg="went on {{ inventory_hostname }}"
            - block:
                - name: migrate
                  shell: "exit 3"
                  async: 10
                  poll: 0
                  run_once: true
                  register: migration
                - name: wait migration
                  async_status:
                    jid: "{{ migration.ansible_job_id }}"
                  register: done
                  until: done.finished
                  retries: 5
                  delay: 1
                  run_once: true
              rescue:
                - debug: msg="rescued {{ inventory_hostname }}"
              always:
                - debug: msg="always {{ inventory_hostname }}"
            - debug: msg="after the block {{ inventory_hostname }}"
        - hosts: all
          gather_facts: false
          tasks:
            - debug: msg="second play {{ inventory_hostname }}"
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", cwd=tmp_path)
    # web1 was rescued; web2 ended failed with nothing in the recap: still exit code 2
    assert run.rc == 2, run.output
    assert '"went on web2"' in run.stdout
    assert '"rescued web1"' in run.stdout and '"rescued web2"' not in run.stdout
    assert '"always web1"' in run.stdout and '"always web2"' in run.stdout
    assert '"after the block web1"' in run.stdout and "after the block web2" not in run.stdout
    assert '"second play web1"' in run.stdout and "second play web2" not in run.stdout
    assert "failed=1" not in run.stdout

    write(
        "lone.yml",
        """
        - hosts: all
          gather_facts: false
          tasks:
            - block:
                - command: "false"
                  run_once: true
              always:
                - debug: msg="always {{ inventory_hostname }}"
        """,
    )
    lone = longplay("run", "-i", "hosts", "lone.yml", cwd=tmp_path)
    assert lone.rc == 2, lone.output
    assert '"always web1"' in lone.stdout and "always web2" not in lone.stdout
    assert "web2 " not in lone.stdout.split("PLAY RECAP")[1]


def test_missing_attribute_of_vars_and_hostvars_named_as_ansible(
    longplay, write, tmp_path: Path
) -> None:
    """The error for a missing attribute names ansible-core's types: vars is a 'dict',
    hostvars[host] a 'HostVarsVars', and a missing host reads hostvars['name']."""
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - debug: msg="{{ vars.nope_x }}"
              ignore_errors: true
            - debug: msg="{{ hostvars['localhost'].nope_y }}"
              ignore_errors: true
            - debug: msg="{{ hostvars.nope_z }}"
              ignore_errors: true
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "'msg': object of type 'dict' has no attribute 'nope_x'\"}" in run.stdout
    assert "'msg': object of type 'HostVarsVars' has no attribute 'nope_y'\"}" in run.stdout
    assert "'msg': hostvars['nope_z']\"}" in run.stdout


def test_handler_notifications_at_vv_and_flush_in_lockstep(longplay, write, tmp_path: Path) -> None:
    """-vv says each saved notification (per loop item), each handler a flush reaches
    per host, and what meta: flush_handlers triggered, after that host's banner; a host
    with nothing to flush waits for the others' handlers before its next task."""
    write(
        "hosts",
        "".join(f"web{n} ansible_connection=local\n" for n in (1, 2, 3)),
    )
    write(
        "site.yml",
        """
        - hosts: all
          gather_facts: false
          handlers:
            - name: h1
              debug: msg=h1
            - name: h2
              debug: msg=h2
              listen: topic
          tasks:
            - command: "echo {{ item }}"
              loop: [a, b]
              notify: [h1, topic]
              changed_when: item == 'a'
              when: inventory_hostname != 'web2'
            - meta: flush_handlers
            - debug: msg=after
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", "-vv", cwd=tmp_path)
    assert run.rc == 0, run.output
    out = run.stdout
    saved = "Notification for handler h1 has been saved.\n"
    saved += "Notification for handler topic has been saved.\n"
    assert out.count(saved * 2) == 2  # two items, two hosts
    meta = out.split("TASK [meta]")
    assert len(meta) == 4  # announced once per host
    assert meta[1].endswith(
        "NOTIFIED HANDLER h1 for web1\nNOTIFIED HANDLER h2 for web1\n"
        "META: triggered running handlers for web1\n\n"
    )
    assert meta[2].endswith("\nMETA: triggered running handlers for web2\n\n")
    # every host runs the next task together, after the handlers
    assert out.count("TASK [debug]") == 1
    assert out.index("RUNNING HANDLER [h2]") < out.index("TASK [debug]")
    quiet = longplay("run", "-i", "hosts", "site.yml", "-v", cwd=tmp_path)
    assert "Notification for handler" not in quiet.stdout and "NOTIFIED" not in quiet.stdout


def test_meta_tasks_say_what_they_did_at_vv(longplay, write, tmp_path: Path) -> None:
    """-vv shows ansible-core's 'META: ...' line for each meta task, after the host's
    banner and before its skipping line."""
    write("hosts", "web1 ansible_connection=local\nweb2 ansible_connection=local\n")
    write(
        "site.yml",
        """
        - hosts: all
          gather_facts: false
          tasks:
            - meta: end_host
              when: inventory_hostname == 'web2'
            - meta: noop
            - meta: end_play
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", "-vv", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert (
        "META: end_host conditional evaluated to False, continuing execution for web1\n"
        "skipping: [web1] => {" in run.stdout
    )
    assert "META: ending play for web2\n" in run.stdout
    assert "META: noop\n" in run.stdout
    assert run.stdout.count("META: ending play\n") == 1
    quiet = longplay("run", "-i", "hosts", "site.yml", "-v", cwd=tmp_path)
    assert "META:" not in quiet.stdout
