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


def test_conditions_that_come_to_omit_fail_as_in_ansible_core(
    longplay, write, tmp_path: Path
) -> None:
    """A condition has no value to leave out: ``omit`` (bare or templated) in when,
    changed_when or failed_when fails in ansible-core's words, with its help line."""
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: changed
              command: "true"
              changed_when: "{{ omit }}"
              ignore_errors: true
            - name: failed
              command: "true"
              failed_when: omit
              ignore_errors: true
            - name: when
              debug: msg=never
              when: "{{ omit }}"
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 2, run.output
    refused = "A template was resolved to an Omit scalar."
    assert f'"changed_when_result": "{refused}"' in run.stdout
    assert f'"failed_when_result": "{refused}"' in run.stdout
    assert f'fatal: [localhost]: FAILED! => {{"msg": "Task failed: {refused}"}}' in run.stdout
    assert (
        f"{refused}\nOrigin: {tmp_path / 'site.yml'}:14:13\n\n"
        '12     - name: when\n13       debug: msg=never\n14       when: "{{ omit }}"\n'
        "               ^ column 13\n\n"
        "Callers must be prepared to handle this value. This is most likely a bug in the code "
        "requesting templating.\n"
    ) in run.stdout
