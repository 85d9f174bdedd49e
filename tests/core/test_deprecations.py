"""ansible-core's deprecation warnings for what still works but is deprecated."""

from __future__ import annotations

from pathlib import Path

PLAYBOOK = """\
- hosts: all
  gather_facts: false
  vars:
    x: 1
  tasks:
    - debug: msg=one
      when: "{{ x == 1 }}"
    - command: "true"
      register: r
      until: "{{ r.rc == 0 }}"
      changed_when: "{{ false }}"
      failed_when: "{% if r.rc != 0 %}true{% else %}false{% endif %}"
      retries: 2
      delay: 0
      loop: [1, 2]
    - assert:
        that: "{{ x == 1 }}"
    - debug: msg=fine
      when: x == 1
"""

INVENTORY = """\
h1 ansible_connection=local
h2 ansible_connection=local
"""


def test_templated_conditions_are_deprecated_once_per_place(
    longplay, write, tmp_path: Path
) -> None:
    write("site.yml", PLAYBOOK)
    write("hosts.ini", INVENTORY)
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    site = tmp_path / "site.yml"
    assert run.stderr.startswith(
        "[WARNING]: Deprecation warnings can be disabled by setting "
        "`deprecation_warnings=False` in ansible.cfg.\n"
        "[DEPRECATION WARNING]: Conditionals should not be surrounded by templating "
        "delimiters such as {{ }} or {% %}. This feature will be removed from ansible-core "
        "version 2.23.\n"
        f"Origin: {site}:7:13\n"
        "\n"
        "5   tasks:\n"
        "6     - debug: msg=one\n"
        '7       when: "{{ x == 1 }}"\n'
        "              ^ column 13\n"
        "\n"
    ), run.stderr
    # one per place, whatever the hosts and loop items: when, until, changed_when,
    # failed_when and assert's that; the plain `when: x == 1` says nothing
    places = [line for line in run.stderr.splitlines() if line.startswith("Origin: ")]
    assert sorted(places) == sorted(
        f"Origin: {site}:{place}" for place in ("7:13", "10:14", "11:21", "12:20", "17:15")
    ), run.stderr
    assert run.stderr.count("Deprecation warnings can be disabled") == 1
    assert "DEPRECATION" not in run.stdout


def test_deprecation_warnings_can_be_turned_off(longplay, write, tmp_path: Path) -> None:
    write("site.yml", PLAYBOOK)
    write("hosts.ini", INVENTORY)
    write("ansible.cfg", "[defaults]\ndeprecation_warnings = False\n")
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "DEPRECATION" not in run.output and "Deprecation" not in run.output
