#!/usr/bin/env python3
"""Run a playbook with ansible-playbook and with longplay and show where the output differs.

A development aid, not part of the test suite (which never needs
ansible-core): point it at a reference install and a playbook::

    scripts/compare_with_reference.py site.yml -i hosts.ini -v
    REFERENCE=/path/to/venv/bin/ansible-playbook scripts/compare_with_reference.py site.yml

Volatile values (timestamps, durations, job ids) are masked, then the two
outputs are diffed line by line, and the exit codes are compared.
"""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import sys
from pathlib import Path

REFERENCE = os.environ.get("REFERENCE", ".bench/refenv/bin/ansible-playbook")
LONGPLAY = str(Path(sys.executable).with_name("longplay"))

_VOLATILE = [
    (re.compile(r'"(delta|end|start|date|time|epoch|iso8601\w*)": "[^"]*"'), r'"\1": "X"'),
    (re.compile(r"j\d{6,}\.\d+"), "JID"),
    (re.compile(r'"(atime|mtime|ctime|elapsed)": [0-9.]+'), r'"\1": 0'),
]
#: lines only one tool prints by design (origin snippets, longplay's async progress)
_NOISE = re.compile(r"^(\[WARNING\]|\[ERROR\]|Origin: |ASYNC POLL |\s*\d+ |\s+\^ column)")


def normalise(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        if not line.strip() or _NOISE.match(line):
            continue
        for pattern, replacement in _VOLATILE:
            line = pattern.sub(replacement, line)
        lines.append(line)
    return lines


def sort_within_tasks(lines: list[str]) -> list[str]:
    """Hosts finish in any order in both tools: compare each task's lines as a set."""
    out: list[str] = []
    block: list[str] = []
    for line in lines:
        if line.startswith(("PLAY ", "TASK [", "RUNNING HANDLER [")):
            out += sorted(block)
            block = []
            out.append(line)
        else:
            block.append(line)
    return out + sorted(block)


def run(command: list[str]) -> tuple[int, list[str]]:
    env = {**os.environ, "NO_COLOR": "1", "ANSIBLE_NOCOLOR": "1"}
    process = subprocess.run(
        command, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL
    )
    return process.returncode, normalise(process.stdout)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    reference_rc, reference = run([REFERENCE, *argv])
    longplay_rc, ours = run([LONGPLAY, "run", *argv])
    reference, ours = sort_within_tasks(reference), sort_within_tasks(ours)
    diff = list(difflib.unified_diff(reference, ours, "ansible-playbook", "longplay", lineterm=""))
    print("\n".join(diff) if diff else "same output")
    print(f"exit codes: ansible-playbook {reference_rc}, longplay {longplay_rc}")
    return 0 if not diff and reference_rc == longplay_rc else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
