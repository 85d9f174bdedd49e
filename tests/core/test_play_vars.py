"""vars_files named with host variables, and set_fact cacheable, as in ansible-core."""

from __future__ import annotations

from pathlib import Path


def test_vars_files_named_with_host_variables(longplay, write, tmp_path: Path) -> None:
    """A vars_files name that needs a host's variables (inventory vars, facts) is rendered
    for each host, first found of a list winning; at play start it is warned about."""
    write("vars/alpha.yml", "flavour: from-alpha\n")
    write("vars/default.yml", "flavour: default\n")
    write(
        "hosts.ini",
        "[all]\nh1 ansible_connection=local kind=alpha\nh2 ansible_connection=local kind=beta\n",
    )
    write(
        "site.yml",
        """
        - hosts: all
          gather_facts: false
          vars_files:
            - ["vars/{{ kind }}.yml", vars/default.yml]
          tasks:
            - {name: show, debug: {msg: "{{ flavour }}"}}
        """,
    )
    run = longplay("run", "site.yml", "-i", "hosts.ini", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    msgs = {r["host"]: r["result"]["msg"] for r in run.results("show")}
    assert msgs == {"h1": "from-alpha", "h2": "default"}
    assert "skipping vars_files item due to an undefined variable" in run.output


def test_cacheable_set_fact_is_a_fact_too(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - set_fact: {kept: yes-kept, cacheable: true}
            - set_fact: {plain: x}
            - {name: show, debug: {msg: "{{ ansible_facts.kept }} {{ ansible_facts.plain | default('no') }}"}}
        - hosts: localhost
          gather_facts: false
          tasks:
            - {name: later, debug: {msg: "{{ kept }}"}}
        """,
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert run.results("show")[0]["result"]["msg"] == "yes-kept no"
    assert run.results("later")[0]["result"]["msg"] == "yes-kept"


def test_local_facts_keep_their_prefix_in_ansible_facts(longplay, write, tmp_path: Path) -> None:
    """ansible-core keeps ``ansible_local`` prefixed inside ansible_facts."""
    write("facts.d/app.fact", '{"version": "1.2"}\n')
    write(
        "site.yml",
        f"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - setup: {{fact_path: "{tmp_path}/facts.d", gather_subset: ["!all"]}}
            - name: show
              debug:
                msg: "{{{{ ansible_local.app.version }}}} {{{{ ansible_facts.ansible_local.app.version }}}} {{{{ ansible_facts.local | default('none') }}}}"
        """,
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert run.results("show")[0]["result"]["msg"] == "1.2 1.2 none"


def test_invalid_variable_names_stop_the_run_before_it_starts(
    longplay, write, tmp_path: Path
) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - debug: msg=first
            - debug: msg=hi
              vars:
                ok_name: 1
                my-var: 1
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 1, run.output
    assert "PLAY [" not in run.stdout  # nothing ran
    assert "[ERROR]: Invalid variable name 'my-var'." in run.stderr
    assert f"Origin: {tmp_path / 'site.yml'}:8:9" in run.stderr
    assert "Variable names must be strings starting with a letter" in run.stderr
    for name in ("none", "True", "'1abc'"):
        write("bad.yml", f"- hosts: localhost\n  vars:\n    {name}: 1\n  tasks: []\n")
        run = longplay("run", "bad.yml", cwd=tmp_path)
        assert run.rc == 1, run.output
        assert "Invalid variable name" in run.stderr
