"""A keyword that renders to ``omit`` counts as unset, as in ansible-core: the
enclosing block's or play's value applies. Templated flag keywords
(``ignore_errors: "{{ flag }}"``) are rendered with the host's variables."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


def test_omitted_flags_inherit_from_block_and_play(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          ignore_errors: true
          check_mode: true
          connection: local
          tasks:
            - name: literal
              fail: {msg: boom}
              ignore_errors: "{{ omit }}"
            - block:
                - name: defaulted
                  fail: {msg: boom2}
                  ignore_errors: "{{ nothere | default(omit) }}"
              ignore_errors: "{{ omit }}"
            - name: checked
              command: echo hi
              check_mode: "{{ omit }}"
              connection: "{{ omit }}"
        """,
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert run.recap()["localhost"]["ignored"] == 2
    assert run.results("checked")[0]["result"]["skipped"] is True


def test_templated_flag_keywords_are_rendered(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          vars: {flag: true}
          tasks:
            - fail: {msg: boom}
              ignore_errors: "{{ flag }}"
            - command: echo secret-words
              no_log: "{{ flag }}"
        """,
    )
    run = longplay("run", "site.yml", "-v", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "...ignoring" in run.output
    assert "secret-words" not in run.output
    assert "'no_log: true' was specified" in run.output


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("sudo") is None, reason="needs root and sudo")
def test_omitted_become_user_inherits(longplay, write, tmp_path: Path) -> None:
    write(
        "hosts.ini",
        "localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n",
    )
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          become: true
          become_user: nobody
          tasks:
            - name: play
              command: whoami
              become_user: "{{ omit }}"
            - block:
                - name: block
                  command: whoami
                  become_user: "{{ nothere | default(omit) }}"
              become_user: daemon
        """,
    )
    run = longplay("run", "site.yml", "-i", "hosts.ini", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert run.results("play")[0]["result"]["stdout"] == "nobody"
    assert run.results("block")[0]["result"]["stdout"] == "daemon"
