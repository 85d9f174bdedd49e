"""async/poll, async_status and async_wait through real playbooks, the CLI and real job files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def _play(tasks: str) -> str:
    return "- hosts: localhost\n  gather_facts: false\n  tasks:\n" + tasks


def test_polled_job_returns_module_result_and_removes_job_file(
    longplay, write, tmp_path: Path
) -> None:
    write(
        "site.yml",
        _play(
            """
    - shell: "echo working; sleep 0.3; echo done"
      async: 10
      poll: 1
      register: job
    - assert:
        that:
          - job.finished
          - job is finished
          - job.stdout_lines == ["working", "done"]
          - job.rc == 0
          - job.ansible_job_id is match('^j[0-9]+[.][0-9]+$')
    - stat:
        path: "{{ job.results_file }}"
      register: leftover
    - assert:
        that: not leftover.stat.exists
"""
        ),
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "ASYNC OK on localhost: jid=j" in run.stdout


def test_fire_and_forget_then_async_status(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        _play(
            """
    - command: sleep 1
      async: 30
      poll: 0
      register: bg
    - assert:
        that:
          - bg is started
          - bg is not finished
          - bg.started
          - not bg.finished
          - bg.results_file.endswith('/.ansible_async/' ~ bg.ansible_job_id)
    - slurp:
        src: "{{ bg.results_file }}"
      register: job_file
    - assert:
        that: (job_file.content | b64decode | from_json).ansible_job_id == bg.ansible_job_id
    - async_status:
        jid: "{{ bg.ansible_job_id }}"
      register: status
      until: status.finished
      retries: 30
      delay: 0.2
    - assert:
        that: [status.rc == 0, "status.cmd == ['sleep', '1']", status is finished]
    - slurp:
        src: "{{ bg.results_file }}"
      register: final_file
    - assert:
        that:  # the module's result alone, as in ansible-core's job files
          - (final_file.content | b64decode | from_json).rc == 0
          - (final_file.content | b64decode | from_json).keys() | sort == [
              "changed", "cmd", "delta", "end", "invocation", "msg", "rc",
              "start", "stderr", "stdout"]
    - async_status:
        jid: "{{ bg.ansible_job_id }}"
        mode: cleanup
    - async_status:
        jid: "{{ bg.ansible_job_id }}"
      register: gone
      ignore_errors: true
    - assert:
        that: [gone is failed, gone.msg == "could not find job"]
"""
        ),
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output


def test_status_and_cleanup_results_read_as_in_ansible_core(
    longplay, write, tmp_path: Path
) -> None:
    """Loop items of async_status carry the job's invocation (a finished job)
    or async_status's own (cleanup, unknown job); cleanup is never changed
    and names the file as erased; a polled result has stdout/stderr even
    when the module printed nothing."""
    write(
        "site.yml",
        _play(
            """
    - ping:
      async: 10
      poll: 1
      register: polled
    - command: "echo {{ item }}"
      async: 10
      poll: 0
      loop: [a]
      register: bg
    - async_status:
        jid: "{{ item.ansible_job_id }}"
      loop: "{{ bg.results }}"
      loop_control:
        label: "{{ item.item }}"
      register: done
      until: done.finished
      retries: 20
      delay: 0.2
    - async_status:
        jid: "{{ item.ansible_job_id }}"
        mode: cleanup
      loop: "{{ bg.results }}"
      register: cleaned
    - async_status:
        jid: "j000000000000.2"
        mode: cleanup
      register: unknown
      ignore_errors: true
    - async_status:
        jid: "{{ item }}"
      loop: ["j000000000000.3"]
      register: unknown_item
      ignore_errors: true
    - assert:
        that:
          - polled.stdout == "" and polled.stderr_lines == []
          - polled.invocation is not defined
          - done.results[0].invocation.module_args._raw_params == "echo a"
          - done.results[0].item.item == "a"
          - cleaned is not changed
          - cleaned.results[0].terminated is not defined
          - cleaned.results[0].invocation.module_args.mode == "cleanup"
          - cleaned.results[0].invocation.module_args.jid == bg.results[0].ansible_job_id
          - unknown.erased.endswith("/j000000000000.2")
          - unknown.results_file is not defined
          - unknown.invocation is not defined
          - unknown_item.results[0].invocation.module_args.mode == "status"
"""
        ),
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output


def test_status_gives_a_job_about_to_end_a_moment(longplay, write, tmp_path: Path) -> None:
    """A job ending within a quarter second of the check is reported finished,
    so ``until: x.finished`` does not wait a whole delay (nor print a retry
    ansible-core, slower to get there, would not print); a longer one runs."""
    write(
        "site.yml",
        _play(
            """
    - shell: "sleep 0.1; echo quick"
      async: 10
      poll: 0
      register: quick
    - shell: "sleep 2"
      async: 10
      poll: 0
      register: slow
    - async_status:
        jid: "{{ quick.ansible_job_id }}"
      register: quick_status
      until: quick_status.finished
      retries: 3
      delay: 5
    - async_status:
        jid: "{{ slow.ansible_job_id }}"
      register: slow_status
    - assert:
        that:
          - quick_status.attempts == 1
          - quick_status.stdout == "quick"
          - not slow_status.finished
"""
        ),
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "RETRYING" not in run.output  # attempts == 1: no whole delay was waited


def test_loop_launches_every_item_before_waiting(longplay, write, tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    write(
        "site.yml",
        _play(
            f"""
    - shell: "echo start-{{{{ item }}}} >> {marks}; sleep 1; echo end-{{{{ item }}}} >> {marks}"
      async: 30
      poll: 0
      loop: [a, b, c]
      register: jobs
    - async_wait:
        jids: "{{{{ jobs.results | map(attribute='ansible_job_id') | list }}}}"
        timeout: 30
      register: waited
    - assert:
        that:
          - jobs.results | map(attribute='ansible_job_id') | unique | length == 3
          - waited.results | length == 3
          - waited.results | map(attribute='rc') | list == [0, 0, 0]
"""
        ),
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    lines = marks.read_text().split()
    assert sorted(lines[:3]) == ["start-a", "start-b", "start-c"], lines


def test_async_timeout_fails_with_reference_message(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        _play(
            """
    - shell: "echo before; sleep 30"
      async: 1
      poll: 1
      register: slow
      ignore_errors: true
    - assert:
        that:
          - slow is failed
          - slow is not changed
          # the job's own result, as when ansible-core's last poll finds it; longplay's
          # also keeps the output so far and says how the job was stopped
          - slow.msg == "Timeout exceeded"
          - slow.finished and slow.child_pid is defined and slow.rc is not defined
          - slow.async_result is not defined
          - slow.stdout_lines == ["before"]
          - slow.timed_out and slow.signal == "SIGTERM"
    - async_status:
        jid: "{{ slow.ansible_job_id }}"
      register: slow_status
      ignore_errors: true
    - assert:
        that:  # collected, so removed, as when ansible-core's poll reads the record
          - slow_status is failed
          - slow_status.msg == "could not find job"
    - shell: "echo before; sleep 30"
      async: 1
      poll: 0
      register: bg
    - async_status:
        jid: "{{ bg.ansible_job_id }}"
      register: waited
      until: waited.finished
      retries: 10
      delay: 0.5
      ignore_errors: true
    - assert:
        that:
          - waited is failed
          - waited is not changed
          - waited.msg == "Timeout exceeded"
          - waited.child_pid is number
          - waited.cmd is not defined
"""
        ),
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "changed=1" in run.output and "ignored=3" in run.output  # the launch only


def test_terminate_stops_a_running_job(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        _play(
            """
    - shell: "echo started; exec sleep 60"
      async: 120
      poll: 0
      register: bg
    - pause:
        seconds: 0.5
    - async_status:
        jid: "{{ bg.ansible_job_id }}"
        tail_lines: 5
      register: running
    - assert:
        that:
          - not running.finished
          - running.pid > 0
          - running.elapsed >= 0
          - running.stdout_tail == ["started"]
    - async_status:
        jid: "{{ bg.ansible_job_id }}"
        mode: terminate
        grace: 1
      register: stopped
    - async_status:
        jid: "{{ bg.ansible_job_id }}"
      register: after
      ignore_errors: true
    - assert:
        that:
          - stopped.terminated
          - after.finished
          - after is failed
          - after.signal == "SIGTERM"
          - after.stdout == "started"
          - "'terminated' in after.msg"
"""
        ),
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output


def test_crafted_and_unknown_jids(longplay, write, tmp_path: Path) -> None:
    outside = tmp_path / "victim"
    outside.write_text("{}")
    write(
        "site.yml",
        _play(
            f"""
    - async_status:
        jid: "../../{outside.name}"
      register: crafted
      ignore_errors: true
    - async_status:
        jid: "j000000000000.1"
      register: unknown
      ignore_errors: true
    - async_status:
        jid: "{outside}"
        mode: cleanup
      register: crafted_cleanup
      ignore_errors: true
    - assert:
        that:
          - crafted is failed
          - "'invalid job id' in crafted.msg"
          - unknown.msg == "could not find job"
          - "'invalid job id' in crafted_cleanup.msg"
"""
        ),
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert outside.read_text() == "{}"


def test_async_dir_from_variable_and_environment(longplay, write, tmp_path: Path) -> None:
    by_var = tmp_path / "by-var"
    by_env = tmp_path / "by-env"
    write(
        "site.yml",
        _play(
            f"""
    - command: "true"
      async: 10
      poll: 0
      register: one
      vars:
        ansible_async_dir: {by_var}
    - command: "true"
      async: 10
      poll: 0
      register: two
      environment:
        ANSIBLE_ASYNC_DIR: {by_env}
    - async_status:
        jid: "{{{{ two.ansible_job_id }}}}"
      environment:
        ANSIBLE_ASYNC_DIR: {by_env}
      register: two_status
      until: two_status.finished
      retries: 20
      delay: 0.2
"""
        ),
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    first = run.results("command")[0]["result"]["ansible_job_id"]
    second = run.results("command")[1]["result"]["ansible_job_id"]
    assert (by_var / first).is_file()
    assert (by_env / second).is_file()
    assert oct((by_var).stat().st_mode & 0o777) == "0o700"
    assert oct((by_var / first).stat().st_mode & 0o777) == "0o600"


def test_unwritable_job_directory_fails_at_launch(longplay, write, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    write(
        "site.yml",
        _play(
            f"""
    - command: sleep 10
      async: 100
      poll: 5
      vars:
        ansible_async_dir: {blocker}/jobs
"""
        ),
    )
    started = time.monotonic()
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 2
    assert f"{blocker}/jobs" in run.stdout
    assert time.monotonic() - started < 60


def test_check_mode_skips_async_and_raw_refuses_async(longplay, write, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    write("site.yml", _play(f"    - command: touch {marker}\n      async: 10\n      poll: 1\n"))
    run = longplay("run", "site.yml", "-C", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert run.results("command")[0]["status"] == "skipped"
    assert not marker.exists()
    write("raw.yml", _play("    - raw: sleep 1\n      async: 10\n"))
    refused = longplay("run", "raw.yml", "--json", cwd=tmp_path)
    assert refused.rc == 2  # a task failure when it runs, as in ansible-core
    assert refused.results("raw")[0]["result"]["msg"] == "This action (raw) does not support async."


def test_poll_longer_than_async_warns(longplay, write, tmp_path: Path) -> None:
    write("site.yml", _play("    - command: 'true'\n      async: 5\n      poll: 10\n"))
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "poll (10s) is longer than async (5s)" in run.stderr


def test_adhoc_background_prints_job_id(longplay, tmp_path: Path) -> None:
    run = longplay("adhoc", "localhost", "-a", "sleep 0.2", "-B", "10", "-P", "0", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert run.stdout.startswith("localhost | CHANGED => {")
    result = json.loads(run.stdout.split("=>", 1)[1])
    assert result["started"] and not result["finished"]
    assert result["ansible_job_id"].startswith("j")


def test_adhoc_polled_job_prints_like_ansible(longplay, tmp_path: Path) -> None:
    """A polled job: JSON when it succeeds, the command's text when it fails
    (stdout, stderr and msg run together, rc -1 for a timeout); no ASYNC OK line."""
    ok = longplay("adhoc", "localhost", "-a", "echo hi", "-B", "10", "-P", "1", cwd=tmp_path)
    assert ok.rc == 0, ok.output
    assert ok.stdout.startswith("localhost | CHANGED => {"), ok.stdout
    assert json.loads(ok.stdout.split("=>", 1)[1])["stdout"] == "hi"
    failed = longplay(
        "adhoc", "localhost", "-m", "shell", "-a", "echo out; echo err >&2; exit 3",
        "-B", "10", "-P", "1", cwd=tmp_path,
    )  # fmt: skip
    assert failed.rc == 2
    assert failed.stdout.startswith("[ERROR]: Task failed: Module failed: non-zero return code\n")
    assert failed.stdout.endswith("\nlocalhost | FAILED | rc=3 >>\nouterrnon-zero return code\n")
    slow = longplay("adhoc", "localhost", "-a", "sleep 5", "-B", "1", "-P", "1", cwd=tmp_path)
    assert slow.rc == 2
    assert slow.stdout.startswith("[ERROR]: Task failed: Module failed: Timeout exceeded\n")
    assert slow.stdout.splitlines()[-2:] == ["localhost | FAILED | rc=-1 >>", "Timeout exceeded"]
    unknown = longplay("adhoc", "localhost", "-m", "async_status", "-a", "jid=1.2", cwd=tmp_path)
    assert unknown.stdout.startswith("[ERROR]: Task failed: Module failed: could not find job\n")
    assert "\nlocalhost | FAILED! => {" in unknown.stdout
    assert "failed" not in json.loads(unknown.stdout.split("=>", 1)[1])


def test_jobs_survive_a_killed_controller(write, longplay, tmp_path: Path) -> None:
    """SIGKILL the controller while a job runs; the job finishes and its result is readable."""
    write(
        "site.yml",
        _play(
            """
    - shell: "sleep 1; echo survived"
      async: 60
      poll: 0
      register: bg
    - pause:
        seconds: 60
"""
        ),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "longplay", "run", "site.yml", "--json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert process.stdout is not None
    jid = None
    for line in process.stdout:
        event = json.loads(line)
        if event.get("event") == "host_result" and event.get("action") == "shell":
            jid = event["result"]["ansible_job_id"]
            break
    assert jid, "the job was never launched"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    deadline = time.monotonic() + 30
    while True:
        status = longplay(
            "adhoc", "localhost", "-m", "async_status", "-a", f"jid={jid}", "--json", cwd=tmp_path
        )
        result = status.results()[0]["result"]
        if result.get("finished") or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert result["finished"], result
    assert result["stdout"] == "survived"
    assert result["rc"] == 0


def test_killed_job_is_reported_not_running_forever(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        _play(
            """
    - shell: "exec sleep 60"
      async: 100
      poll: 0
      register: bg
    - pause:
        seconds: 0.5
    - async_status:
        jid: "{{ bg.ansible_job_id }}"
      register: running
    - shell: "kill -9 {{ running.pid }}"
    - async_status:
        jid: "{{ bg.ansible_job_id }}"
      register: final
      until: final.finished
      retries: 20
      delay: 0.2
      ignore_errors: true
    - assert:
        that:
          - final is failed
          - "'SIGKILL' in final.msg or 'killed' in final.msg"
"""
        ),
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output


def test_module_backed_action_refuses_async_at_run_time(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        _play(
            f"    - copy:\n        content: hi\n        dest: {tmp_path}/out\n      async: 10\n      poll: 1\n"
        ),
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 2  # like ansible-core: a task failure, not a parse error
    assert (
        run.results("copy")[0]["result"]["msg"]
        == "This action (copy) does not support async."  # the action as written
    )


def test_status_retry_wakes_when_the_job_ends(longplay, write, tmp_path: Path) -> None:
    """An async_status until-loop makes its next attempt when the job ends, not a whole
    `delay` later; the attempts and retry lines are the ones ansible-core reports."""
    write(
        "site.yml",
        _play(
            """
    - command: date +%s.%N
      register: before
    - command: sleep 1
      async: 60
      poll: 0
      register: bg
    - async_status:
        jid: "{{ bg.ansible_job_id }}"
      register: waited
      until: waited.finished
      retries: 3
      delay: 30
    - command: date +%s.%N
      register: after
    - assert:
        that:
          - waited.attempts == 2
          - waited.rc == 0
          - (after.stdout | float) - (before.stdout | float) < 20
"""
        ),
    )
    run = longplay("run", "site.yml", cwd=tmp_path, timeout=60)
    assert run.rc == 0, run.output
    assert run.stdout.count("FAILED - RETRYING") == 1
