"""Minimal reproductions of the longplay gaps the examples ran into.

Each test states what ansible-core 2.19 does (checked with ansible-playbook)
and is marked ``xfail(strict=True)`` until longplay does the same; an example
in examples/ hit each of them (see the reasons). When one starts passing,
remove its mark and the workaround in the example it names.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def _run(longplay: Callable[..., Any], tmp_path: Path, *args: str) -> Any:
    return longplay("run", *args, "--json", cwd=tmp_path)


@pytest.mark.xfail(
    strict=True,
    reason=(
        "run_once runs on whichever host is released first, not on the first host of "
        "the batch: when h1 is the last to reach the task, h2 runs it "
        "(long-running-tasks/multiple-independent.yml: 'could not find job')"
    ),
)
def test_run_once_runs_on_first_host(longplay, write, tmp_path: Path) -> None:
    write("hosts.ini", "h1 ansible_connection=local\nh2 ansible_connection=local\n")
    write(
        "site.yml",
        """
        - hosts: all
          gather_facts: false
          tasks:
            - command: "sleep {{ 0.5 if inventory_hostname == 'h1' else 0 }}"
            - name: once
              command: echo {{ inventory_hostname }}
              run_once: true
        """,
    )
    run = _run(longplay, tmp_path, "-i", "hosts.ini", "site.yml")
    assert run.rc == 0, run.output
    assert [r["host"] for r in run.results("once")] == ["h1"]


@pytest.mark.xfail(
    strict=True,
    reason=(
        "a condition that YAML parsed as a mapping (unquoted 'x == \"a: b\"') passes "
        "silently; ansible-core fails: 'Conditional expressions must be strings.' "
        "(found in long-running-tasks/basic-polling.yml's own assert, now quoted)"
    ),
)
def test_non_string_condition_is_an_error(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - assert:
                that:
                  - undefined_thing == 'a: b'
        """,
    )
    run = _run(longplay, tmp_path, "site.yml")
    assert run.rc == 2, run.output
    assert "Conditional expressions must be strings" in run.output


@pytest.mark.xfail(
    strict=True,
    reason=(
        "a successful task's registered result has no 'failed' key (ansible-core "
        "registers failed: false): '{{ r.failed }}' is undefined "
        "(async-mode/migration.yml: when: migration_result.failed)"
    ),
)
def test_registered_result_has_failed_false(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - command: echo hi
              register: r
            - assert:
                that:
                  - r.failed == false
        """,
    )
    run = _run(longplay, tmp_path, "site.yml")
    assert run.rc == 0, run.output


@pytest.mark.xfail(
    strict=True,
    reason=(
        "until + failed_when: false: when the retries run out longplay fails the task "
        "(failed_when_result: false in the result); ansible-core reports it ok and the "
        "host goes on (wait-for-async/async-error-handling.yml)"
    ),
)
def test_until_exhausted_with_failed_when_false(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - command: "false"
              register: r
              until: r.rc == 0
              retries: 1
              delay: 0
              failed_when: false
            - name: after
              debug:
                msg: went on
        """,
    )
    run = _run(longplay, tmp_path, "site.yml")
    assert run.rc == 0, run.output
    assert [r["status"] for r in run.results("after")] == ["ok"]


@pytest.mark.xfail(
    strict=True,
    reason=(
        "async_wait's results lack stdout_lines/stderr_lines, which async_status "
        "returns for the same finished job (fix-async-errors/longplay-additions.yml "
        "uses stdout.splitlines() instead)"
    ),
)
def test_async_wait_results_have_stdout_lines(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - command: echo hi
              async: 30
              poll: 0
              register: job
            - async_wait:
                jids: ["{{ job.ansible_job_id }}"]
              register: done
            - assert:
                that:
                  - done.results[0].stdout_lines == ['hi']
        """,
    )
    run = _run(longplay, tmp_path, "site.yml")
    assert run.rc == 0, run.output
