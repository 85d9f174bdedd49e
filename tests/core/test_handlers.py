"""Handlers as ansible-core runs them: who answers a notification, in which order."""

from __future__ import annotations

from pathlib import Path


def _handler_banners(stdout: str) -> list[str]:
    return [
        line.split("[", 1)[1].split("]", 1)[0]
        for line in stdout.splitlines()
        if line.startswith("RUNNING HANDLER [")
    ]


def test_every_handler_listening_to_a_topic_runs(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          vars:
            topic: restart stack
          tasks:
            - {name: plain, command: "true", notify: restart stack}
            - {name: templated, command: "true", notify: "{{ topic }}"}
          handlers:
            - {name: one, debug: {msg: one}, listen: restart stack}
            - {name: two, debug: {msg: two}, listen: restart stack}
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert _handler_banners(run.stdout) == ["one", "two"]


def test_unknown_handler_stops_the_run(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - {name: poke, command: "true", notify: nope}
            - {name: after, debug: {msg: after}}
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 1, run.output
    assert (
        "[ERROR]: The requested handler 'nope' was not found in either the main handlers "
        "list nor in the listening handlers list" in run.stderr
    )
    assert "changed: [localhost]" not in run.stdout
    assert "TASK [after]" not in run.stdout
    assert "PLAY RECAP" not in run.stdout


def test_handler_order_follows_ansible_core(longplay, write, tmp_path: Path) -> None:
    """Handlers of the ``roles:`` section come before the play's own, then those of roles
    imported in pre_tasks, post_tasks and tasks; a role-qualified name reaches its handler."""
    for role in ("ra", "rb", "rc", "rd"):
        write(f"roles/{role}/tasks/main.yml", f"- {{name: poke {role}, debug: {{msg: x}}}}\n")
        write(f"roles/{role}/handlers/main.yml", f"- {{name: h_{role}, debug: {{msg: x}}}}\n")
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          pre_tasks:
            - import_role: {name: ra}
          roles: [rb]
          tasks:
            - import_role: {name: rc}
          post_tasks:
            - import_role: {name: rd}
            - command: "true"
              notify: [h_play, h_rd, h_rc, "rb : h_rb", h_ra]
          handlers:
            - {name: h_play, debug: {msg: play}}
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert _handler_banners(run.stdout) == [
        "rb : h_rb",
        "h_play",
        "ra : h_ra",
        "rd : h_rd",
        "rc : h_rc",
    ]


def test_force_handlers_play_keyword_and_a_failing_listener(
    longplay, write, tmp_path: Path
) -> None:
    """The play's ``force_handlers: true`` runs a failed host's handlers too; a handler that
    fails ends that host's handlers (its topic is not run again at the end of the play)."""
    write(
        "site.yml",
        """
        - hosts: all
          gather_facts: false
          force_handlers: true
          tasks:
            - {command: "true", notify: [restart, topic]}
            - {name: fail one, fail: {msg: boom}, when: inventory_hostname == 'h1'}
          handlers:
            - {name: restart, debug: {msg: restarted}}
            - {name: listener, command: "true", listen: topic}
            - {name: failing, command: "false", listen: topic}
            - {name: never, debug: {msg: never}, listen: topic}
        """,
    )
    write("hosts", "h1 ansible_connection=local\nh2 ansible_connection=local\n")
    run = longplay("run", "site.yml", "-i", "hosts", "--json", cwd=tmp_path)
    assert run.rc == 2, run.output
    hosts = lambda task: sorted(r["host"] for r in run.results(task))  # noqa: E731
    assert hosts("restart") == ["h1", "h2"]
    assert hosts("listener") == ["h1", "h2"]
    assert hosts("failing") == ["h1", "h2"]
    assert hosts("never") == []
