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
