"""Minimal reproductions of the differences from ansible-core the seed examples ran into.

Each test states what ansible-core 2.19 does (checked with ansible-playbook)
and holds longplay to it, so the fix stays fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def _run(longplay: Callable[..., Any], tmp_path: Path, *args: str) -> Any:
    return longplay("run", *args, "--json", cwd=tmp_path)


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
