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


def test_debug_msg_that_renders_to_none_stays_null(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - {name: none, debug: {msg: "{{ 'x' | regex_search('y') }}"}}
            - {name: default, debug: {}}
        """,
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert run.results("none")[0]["result"]["msg"] is None
    assert run.results("default")[0]["result"]["msg"] == "Hello world!"


def test_fileglob_lists_files_in_directory_order(longplay, write, tmp_path: Path) -> None:
    """As ansible-core (glob, unsorted): the order the directory lists them in."""
    import os

    for name in ("m.conf", "b.conf", "z.conf", "a.conf", "k.conf"):
        write(f"files/{name}", name)
    listed = [n for n in os.listdir(tmp_path / "files") if n.endswith(".conf")]
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: glob
              debug: {msg: "{{ lookup('fileglob', 'files/*.conf', wantlist=True) | map('basename') }}"}
        """,
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert run.results("glob")[0]["result"]["msg"] == listed


def test_null_in_text_renders_empty_and_a_null_item_is_shown(
    longplay, write, tmp_path: Path
) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          vars: {nothing: null}
          tasks:
            - {name: joined, debug: {msg: "a{{ nothing }}b"}}
            - {name: items, command: "echo x{{ item }}y", loop: [null]}
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert '    "msg": "ab"' in run.stdout
    assert "changed: [localhost] => (item=None)" in run.stdout
