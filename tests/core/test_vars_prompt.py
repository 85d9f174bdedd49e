"""vars_prompt as ansible-playbook does it: questions on a terminal only."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from pathlib import Path

SITE = """
- hosts: localhost
  gather_facts: false
  vars_prompt:
    - name: version
      prompt: Which version
      default: "{{ 1 + 1 }}.0"
      private: false
    - name: secret
      prompt: Password
      confirm: true
  tasks:
    - debug:
        msg: "version={{ version }} ({{ version | type_debug }}) secret={{ secret }}"
"""


def test_without_a_terminal_defaults_are_taken_and_nothing_is_read(
    longplay, write, tmp_path: Path
) -> None:
    write("site.yml", SITE)
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert '"msg": "version=2.0 (str) secret=None"' in run.stdout
    run = longplay("run", "site.yml", "-e", "secret=given", cwd=tmp_path)
    assert '"msg": "version=2.0 (str) secret=given"' in run.stdout


def _converse(argv: list[str], cwd: Path, answers: list[tuple[bytes, bytes]]) -> bytes:
    """Run ``argv`` on a new terminal, typing each answer once its question shows."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal is its stdin, stdout and /dev/tty
        os.chdir(cwd)
        os.execv(argv[0], argv)
    seen = b""
    deadline = time.monotonic() + 60
    pending = list(answers)
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        if pending and seen.endswith(pending[0][0]):
            os.write(fd, pending.pop(0)[1])
    os.waitpid(pid, 0)
    os.close(fd)
    return seen


def test_on_a_terminal_each_question_is_asked(write, tmp_path: Path) -> None:
    write("site.yml", SITE)
    argv = [sys.executable, "-m", "longplay", "run", "site.yml"]
    seen = _converse(
        argv,
        tmp_path,
        [
            (b"Which version [2.0]: ", b"\n"),  # empty: the default
            (b"Password: ", b"hunter2\n"),
            (b"confirm Password: ", b"typo\n"),
            (b"DO NOT MATCH ****\r\nPassword: ", b"hunter2\n"),
            (b"confirm Password: ", b"hunter2\n"),
        ],
    )
    text = seen.decode()
    assert "***** VALUES ENTERED DO NOT MATCH ****" in text
    assert '"msg": "version=2.0 (str) secret=hunter2"' in text, text
    assert text.index("Which version") < text.index("PLAY [localhost]")
