"""Output lines as ansible-core's default callback prints them."""

from __future__ import annotations

from pathlib import Path


def test_debug_loop_items_hide_loop_bookkeeping(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - debug: var=item
              loop: [1, 2]
              when: item == 2
              loop_control: {index_var: i}
            - debug: msg=hi
              loop: [1]
              when: false
        """,
    )
    run = longplay("run", "site.yml", "-v", cwd=tmp_path)
    assert run.rc == 0, run.output
    lines = run.stdout.splitlines()
    assert (
        'skipping: [localhost] => (item=1)  => {"false_condition": "item == 2", "i": 0, "item": 1}'
        in lines
    )
    assert 'skipping: [localhost] => {"msg": "All items skipped"}' in lines
