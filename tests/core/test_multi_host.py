"""Several hosts at once: serial batches, strategies, failures across hosts, run_once, delegation."""

from __future__ import annotations

from pathlib import Path

import pytest

INVENTORY = """
[web]
w1
w2
w3
w4
w5
[all:vars]
ansible_connection=local
"""


@pytest.fixture
def inventory(write) -> Path:
    return write("hosts", INVENTORY)


def test_serial_batches_and_failed_hosts_leave_later_plays(
    longplay, write, inventory, tmp_path: Path
) -> None:
    write(
        "site.yml",
        """
        - hosts: web
          gather_facts: false
          serial: [1, 2]
          tasks:
            - name: batch
              debug: msg="{{ ansible_play_batch }}"
            - command: "false"
              when: inventory_hostname == 'w2'
        - hosts: web
          gather_facts: false
          tasks:
            - name: second play
              debug: msg=hi
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 2
    batches = {e["host"]: e["result"]["msg"] for e in run.results("batch")}
    assert batches == {
        "w1": ["w1"],
        "w2": ["w2", "w3"],
        "w3": ["w2", "w3"],
        "w4": ["w4", "w5"],
        "w5": ["w4", "w5"],
    }
    assert sorted(e["host"] for e in run.results("second play")) == ["w1", "w3", "w4", "w5"]
    assert len([e for e in run.events() if e["event"] == "play_start"]) == 4


def test_max_fail_percentage_stops_the_run(longplay, write, inventory, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: web
          gather_facts: false
          max_fail_percentage: 30
          tasks:
            - command: "false"
              when: inventory_hostname in ['w1', 'w2']
            - name: next
              debug: msg=next
        - hosts: web
          gather_facts: false
          tasks:
            - name: play2
              debug: msg=play2
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", cwd=tmp_path)
    assert run.rc == 2
    assert run.stdout.count("NO MORE HOSTS LEFT") == 2  # as ansible-core prints it
    assert "TASK [next]" not in run.stdout and "play2" not in run.stdout


def test_failed_handler_counts_towards_max_fail_percentage(
    longplay, write, inventory, tmp_path: Path
) -> None:
    write(
        "site.yml",
        """
        - hosts: web
          gather_facts: false
          serial: 1
          max_fail_percentage: 0
          handlers:
            - name: broken
              command: "false"
          tasks:
            - command: "true"
              notify: broken
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", cwd=tmp_path)
    assert run.rc == 2
    assert run.stdout.count("NO MORE HOSTS LEFT") == 2
    assert "w2" not in run.stdout


def test_delegated_results_name_both_hosts(longplay, write, inventory, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: w1,w2
          gather_facts: false
          tasks:
            - command: echo hi
              delegate_to: w1
            - debug: msg=hi
              delegate_to: localhost
              loop: [1]
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "changed: [w1]\n" in run.stdout
    assert "changed: [w2 -> w1]\n" in run.stdout
    assert "ok: [w1 -> localhost] => (item=1) => {" in run.stdout


def test_any_errors_fatal(longplay, write, inventory, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: web
          gather_facts: false
          any_errors_fatal: true
          tasks:
            - command: "false"
              when: inventory_hostname == 'w1'
            - name: never
              debug: msg=never
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 2
    assert not run.results("never")
    run = longplay("run", "-i", "hosts", "site.yml", cwd=tmp_path)
    assert "NO MORE HOSTS LEFT" not in run.stdout  # ansible-core stops without saying it


def test_any_errors_fatal_in_a_block_with_rescue_rescues_every_host(
    longplay, write, inventory, tmp_path: Path
) -> None:
    """As ansible-core: the other hosts leave the block too, run its rescue (counted for
    the failed host only) and go on."""
    write(
        "site.yml",
        """
        - hosts: w1,w2,w3
          gather_facts: false
          tasks:
            - block:
                - name: maybe fail
                  command: /bin/false
                  when: inventory_hostname == 'w2'
                - name: rest of block
                  debug: msg=x
              any_errors_fatal: true
              rescue:
                - name: rescue task
                  debug: msg=rescued
            - name: after block
              debug: msg=after
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "TASK [rest of block]" not in run.stdout
    for task in ("rescue task", "after block"):
        section = run.stdout.split(f"TASK [{task}]", 1)[1].split("TASK [", 1)[0]
        assert all(f"ok: [{host}]" in section for host in ("w1", "w2", "w3")), run.stdout
    assert (
        "w1                         : ok=2    changed=0    unreachable=0    failed=0    skipped=1    rescued=0"
        in run.stdout
    )
    assert (
        "w2                         : ok=2    changed=0    unreachable=0    failed=0    skipped=0    rescued=1"
        in run.stdout
    )


def test_hosts_failed_along_stay_failed_though_rescued(
    longplay, write, inventory, tmp_path: Path
) -> None:
    """As ansible-core: the hosts any_errors_fatal failed along with another one run their
    rescue, but leave ansible_play_hosts and ansible_play_batch, run no later play, and
    make the exit code 2 once a later batch or play starts (the recap shows no failure)."""
    write(
        "site.yml",
        """
        - hosts: w1,w2,w3,w4,w5
          gather_facts: false
          serial: 3
          any_errors_fatal: true
          tasks:
            - block:
                - command: /bin/false
                  when: inventory_hostname == 'w1'
              rescue:
                - name: rescue
                  debug: msg="{{ ansible_play_hosts }} {{ ansible_play_batch }}"
        - hosts: w1,w2,w3,w4,w5
          gather_facts: false
          tasks:
            - name: second play
              debug: msg=second
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 2, run.output
    rescue = {r["host"]: r["result"]["msg"] for r in run.results("rescue")}
    assert rescue == dict.fromkeys(("w1", "w2", "w3"), "['w1', 'w4', 'w5'] ['w1']")
    assert sorted(r["host"] for r in run.results("second play")) == ["w1", "w4", "w5"]
    assert all(counts["failed"] == 0 for counts in run.recap().values())


def test_hosts_failing_the_same_fatal_task_each_run_their_rescue(
    longplay, write, inventory, tmp_path: Path
) -> None:
    """ansible-core decides after the whole round: hosts that fail the fatal task
    themselves (whichever first) are rescued as failed hosts, the others fail along."""
    write(
        "site.yml",
        """
        - hosts: w1,w2,w3,w4,w5
          gather_facts: false
          serial: 3
          any_errors_fatal: true
          tasks:
            - block:
                - shell: "sleep {{ 1 if inventory_hostname == 'w2' else 0 }}; exit {{ 1 if inventory_hostname in ['w1', 'w2'] else 0 }}"
              rescue:
                - name: rescue
                  debug: msg="{{ ansible_play_batch }}"
        - hosts: w1,w2,w3,w4,w5
          gather_facts: false
          tasks:
            - name: second play
              debug: msg=second
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 2, run.output
    rescue = {r["host"]: r["result"]["msg"] for r in run.results("rescue")}
    assert rescue == {host: ["w1", "w2"] for host in ("w1", "w2", "w3")}
    assert sorted(r["host"] for r in run.results("second play")) == ["w1", "w2", "w4", "w5"]
    recap = run.recap()
    assert recap["w1"]["rescued"] == recap["w2"]["rescued"] == 1


@pytest.mark.parametrize(("failing", "rc"), [("w1", 2), ("w5", 0)])
def test_hosts_failed_along_in_the_last_batch_leave_the_exit_code(
    longplay, write, inventory, tmp_path: Path, failing: str, rc: int
) -> None:
    """ansible-core's exit code is its last batch's result: failed along with another
    host in the last batch (w5 alone: nobody else), the exit code says nothing."""
    write(
        "site.yml",
        f"""
        - hosts: w1,w2,w3,w4,w5
          gather_facts: false
          serial: 2
          any_errors_fatal: true
          tasks:
            - block:
                - command: /bin/false
                  when: inventory_hostname == '{failing}'
              rescue:
                - debug: msg=rescued
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", cwd=tmp_path)
    assert run.rc == rc, run.output


def test_free_strategy_lets_hosts_run_ahead(longplay, write, inventory, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: web
          gather_facts: false
          strategy: free
          tasks:
            - command: "sleep {{ 1 if inventory_hostname == 'w1' else 0 }}"
            - name: second
              command: "true"
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    order = [(e["task"], e["host"]) for e in run.results()]
    assert order.index(("second", "w2")) < order.index(("command", "w1"))


def test_linear_strategy_keeps_hosts_in_lockstep(
    longplay, write, inventory, tmp_path: Path
) -> None:
    write(
        "site.yml",
        """
        - hosts: web
          gather_facts: false
          tasks:
            - command: "sleep {{ 0.5 if inventory_hostname == 'w1' else 0 }}"
            - name: second
              command: "true"
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    tasks = [e["task"] for e in run.results()]
    assert tasks == ["command"] * 5 + ["second"] * 5
    assert [e["event"] for e in run.events()].count("task_start") == 2


def test_run_once_and_delegate_to_localhost(longplay, write, inventory, tmp_path: Path) -> None:
    counter = tmp_path / "count"
    write(
        "site.yml",
        f"""
        - hosts: web
          gather_facts: false
          tasks:
            - shell: "echo {{{{ inventory_hostname }}}} >> {counter}; cat {counter}"
              run_once: true
              register: once
            - assert:
                that: once.stdout == "w1"
            - command: "echo {{{{ inventory_hostname }}}}"
              delegate_to: localhost
              register: delegated
            - assert:
                that: delegated.stdout == inventory_hostname
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert counter.read_text() == "w1\n"


def test_limit_and_host_patterns(longplay, write, inventory, tmp_path: Path) -> None:
    write("site.yml", "- hosts: web:!w2\n  gather_facts: false\n  tasks:\n    - debug: msg=x\n")
    run = longplay("run", "-i", "hosts", "site.yml", "-l", "w1,w2,w3", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert sorted(run.recap()) == ["w1", "w3"]


def test_list_tasks_and_hosts(longplay, write, inventory, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - name: first
          hosts: web
          tags: [p]
          tasks:
            - name: t1
              debug: msg=1
              tags: [a]
            - command: echo
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", "--list-tasks", "--list-hosts", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "  play #1 (web): first\tTAGS: [p]" in run.stdout
    assert "      t1\tTAGS: [a, p]" in run.stdout
    assert "    hosts (5):" in run.stdout
    assert run.stdout.startswith("\nplaybook: site.yml\n")  # as given


def test_list_tasks_of_roles_and_includes(longplay, write, inventory, tmp_path: Path) -> None:
    """A dependency takes its dependent's role tags; unnamed includes are listed by action."""
    write("roles/base/tasks/main.yml", "- {name: base task, debug: {msg: b}}\n")
    write("roles/web/meta/main.yml", "dependencies: [base]\n")
    write("roles/web/tasks/main.yml", "- include_tasks: x.yml\n")
    write(
        "site.yml",
        """
        - hosts: web
          roles:
            - {role: web, tags: [r]}
          tasks:
            - include_role: {name: web}
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", "--list-tasks", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert run.stdout.endswith(
        "    tasks:\n"
        "      base : base task\tTAGS: [r]\n"
        "      include_tasks\tTAGS: [r]\n"
        "      include_role\tTAGS: []\n"
    ), run.stdout


def test_include_tasks_runs_as_one_task_for_all_hosts(
    longplay, write, inventory, tmp_path: Path
) -> None:
    write("inc.yml", '- name: included\n  debug: msg="on {{ inventory_hostname }}"\n')
    write(
        "site.yml",
        """
        - hosts: web
          gather_facts: false
          tasks:
            - include_tasks: inc.yml
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert run.stdout.count("TASK [included]") == 1
    assert f"included: {tmp_path}/inc.yml for w1, w2, w3, w4, w5" in run.stdout


def test_all_hosts_failing_stops_the_run_and_stray_words_fail_at_run_time(
    longplay, write, inventory, tmp_path: Path
) -> None:
    write(
        "site.yml",
        """
        - hosts: w1,w2
          gather_facts: false
          tasks:
            - fail: msg=two words
        - hosts: web
          gather_facts: false
          tasks:
            - name: never
              debug: msg=never
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 2
    failures = run.results("fail")
    assert [f["result"]["msg"] for f in failures] == [
        "Task failed: Action 'ansible.builtin.fail' does not support raw params."
    ] * 2
    assert not run.results("never")
    run = longplay("run", "-i", "hosts", "site.yml", cwd=tmp_path)
    # said once, as ansible-core says it
    assert "[ERROR]: Task failed: Action 'ansible.builtin.fail' does not support raw params.\n" in (
        run.stdout
    )


def test_add_host_and_group_by_feed_later_plays(longplay, write, inventory, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: w1,w2
          gather_facts: false
          tasks:
            - add_host:
                name: extra1
                groups: dynamic
                ansible_connection: local
                color: blue
              run_once: true
            - group_by:
                key: "tier_{{ 'front' if inventory_hostname == 'w1' else 'back' }}"
        - hosts: dynamic:tier_front
          gather_facts: false
          tasks:
            - name: check
              debug: msg="{{ inventory_hostname }} {{ groups['tier_back'] }}"
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    messages = {e["host"]: e["result"]["msg"] for e in run.results("check")}
    assert messages == {"w1": "w1 ['w2']", "extra1": "extra1 ['w2']"}


def test_add_host_and_pause_run_for_the_first_host_only(
    longplay, write, inventory, tmp_path: Path
) -> None:
    """As in ansible-core: the other hosts neither show, count nor register them."""
    write(
        "site.yml",
        """
        - hosts: w1,w2,w3
          gather_facts: false
          tasks:
            - name: add
              add_host:
                name: "new_{{ inventory_hostname }}"
                groups: fresh
              register: added
            - name: wait
              pause:
                seconds: 0
              register: waited
            - name: check
              debug:
                msg: "{{ groups.fresh }} {{ added is defined }} {{ waited is defined }}"
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert run.stdout.count("changed: [") == 1 and "changed: [w1]" in run.stdout
    # a pause is at least a second long and says so, once
    assert run.stdout.count("Pausing for 1 seconds\n") == 1
    assert '"msg": "[\'new_w1\'] True True"' in run.stdout
    assert run.stdout.count('"msg": "[\'new_w1\'] False False"') == 2
    assert "w2                         : ok=1 " in run.stdout


def test_identical_errors_and_warnings_are_shown_once(
    longplay, write, inventory, tmp_path: Path
) -> None:
    write(
        "site.yml",
        """
        - hosts: w1,w2,w3
          gather_facts: false
          tasks:
            - name: fails
              command: /bin/false
              ignore_errors: true
            - name: warns
              find:
                paths: /nonexistent_dir
              register: found
            - name: warns again
              find:
                paths: /nonexistent_dir
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert run.stdout.count("[ERROR]: Task failed: Module failed: non-zero return code") == 1
    assert run.stdout.count("fatal: [") == 3
    warning = (
        "[WARNING]: Skipped '/nonexistent_dir' path due to this access issue: "
        "'/nonexistent_dir' is not a directory\n"
    )
    assert run.stderr.count(warning) == 1, run.stderr
    assert '"warnings"' not in run.stdout


def test_meta_tasks_as_ansible_core_runs_them(longplay, write, inventory, tmp_path: Path) -> None:
    """flush_handlers, noop and end_host run per host (a banner each); end_play,
    clear_host_errors... run once, for the first host, and act for all; a false ``when``
    skips with the meta's own reason, counted nowhere."""
    write(
        "site.yml",
        """
        - hosts: w1,w2,w3
          gather_facts: false
          tasks:
            - name: fail w2
              command: /bin/false
              when: inventory_hostname == 'w2'
            - name: flush
              meta: flush_handlers
            - name: clear
              meta: clear_host_errors
            - name: end w3
              meta: end_host
              when: inventory_hostname == 'w3'
            - name: only w1 evaluates
              meta: end_play
              when: inventory_hostname == 'w3'
            - name: after
              debug: msg=after
        - hosts: w1,w2,w3
          gather_facts: false
          tasks:
            - name: second play
              debug: msg=again
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", "-v", cwd=tmp_path)
    assert run.rc == 0, run.output  # cleared errors no longer count, as in ansible-core
    assert run.stdout.count("TASK [flush] ") == 2  # w1 and w3 (w2 has failed)
    assert run.stdout.count("TASK [clear] ") == 1
    assert run.stdout.count("TASK [end w3] ") == 2
    assert (
        'skipping: [w1] => {"msg": "end_host conditional evaluated to false, continuing '
        'execution for w1", "skip_reason": "end_host conditional evaluated to False, '
        'continuing execution for w1"}'
    ) in run.stdout
    assert (
        'skipping: [w1] => {"msg": "end_play", "skip_reason": "end_play conditional evaluated '
        'to False, continuing play"}'
    ) in run.stdout
    after = run.stdout.split("TASK [after]", 1)[1].split("PLAY [", 1)[0]
    assert "[w1]" in after and "[w2]" not in after and "[w3]" not in after
    # clear_host_errors brings w2 back for the next play
    again = run.stdout.split("TASK [second play]", 1)[1]
    assert all(f"ok: [{host}]" in again for host in ("w1", "w2", "w3"))
    assert (
        "w1                         : ok=2    changed=0    unreachable=0    failed=0    skipped=1 "
        in run.stdout
    )


def test_start_at_task_starts_every_host_there(longplay, write, inventory, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: w1,w2,w3
          gather_facts: false
          tasks:
            - name: first
              debug: msg=1
            - name: second
              debug: msg=2
        """,
    )
    run = longplay("run", "-i", "hosts", "site.yml", "--start-at-task", "second", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "TASK [first]" not in run.stdout
    assert run.stdout.count('"msg": "2"') == 3
    run = longplay("run", "-i", "hosts", "site.yml", "--start-at-task", "nowhere", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "TASK [" not in run.stdout
    assert run.stderr == (
        '[ERROR]: No matching task "nowhere" found. Note: --start-at-task can only follow '
        "static includes.\n"
    )
