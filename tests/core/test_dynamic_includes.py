"""What of an include_tasks / include_role reaches the tasks it includes."""

from __future__ import annotations

from pathlib import Path


def test_include_keywords_stay_with_the_include(longplay, write, tmp_path: Path) -> None:
    """As ansible-core: the include's when, tags and ignore_errors apply to the include
    only (apply passes keywords on); its vars and its enclosing block's tags reach in."""
    write(
        "flip.yml",
        """
        - set_fact: {flag: false}
        - {name: after flip, debug: {msg: "{{ who }}"}}
        """,
    )
    write("fails.yml", "- {name: inner fail, command: /bin/false}\n")
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          vars: {flag: true}
          tasks:
            - block:
                - include_tasks: flip.yml
                  when: flag
                  vars: {who: included}
                  tags: [inc]
              tags: [outer]
            - include_tasks: {file: fails.yml, apply: {ignore_errors: true}}
            - include_tasks: fails.yml
              ignore_errors: true
        """,
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 2, run.output
    assert run.results("after flip")[0]["result"]["msg"] == "included"
    fails = run.results("inner fail")
    assert [r["status"] for r in fails] == ["failed", "failed"]
    assert [bool(r.get("ignored")) for r in fails] == [True, False]

    tagged = longplay("run", "site.yml", "--json", "--tags", "inc", cwd=tmp_path)
    assert tagged.results("after flip") == []
    outer = longplay("run", "site.yml", "--json", "--tags", "outer", cwd=tmp_path)
    assert len(outer.results("after flip")) == 1
