"""Bad input stops the run before anything executes, naming the file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

MARKER_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - command: touch {marker}
"""


def _with_marker(tmp_path: Path, broken: str) -> str:
    return MARKER_PLAY.format(marker=tmp_path / "marker") + broken


def test_yaml_syntax_error(longplay, write, tmp_path: Path) -> None:
    path = write(
        "site.yml",
        _with_marker(tmp_path, "- hosts: localhost\n  tasks:\n    - name: x\n     bad: [\n"),
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 4
    assert "YAML parsing failed" in run.stderr
    assert f"Origin: {path}:8:6" in run.stderr
    assert "8      bad: [" in run.stderr
    assert not (tmp_path / "marker").exists()


def test_long_source_lines_are_cut_as_ansible_core_cuts_them(
    longplay, write, tmp_path: Path
) -> None:
    """An excerpt is at most 120 characters wide: a longer line (the one before too) ends
    in ``...``; a column left of the cut gets its caret, labelled before it when there is
    no room after; a column past the cut gets none."""
    before = "    - name: " + "n" * 200 + "\n      debug: msg=hi\n"

    def excerpt(column: int) -> str:
        line = "    - debug: msg=" + "a" * (column - 18) + ": " + "b" * 60
        write("site.yml", "- hosts: localhost\n  tasks:\n" + before + line + "\n")
        run = longplay("run", "site.yml", cwd=tmp_path)
        assert run.rc == 4, run.output
        return run.stderr.split("\n\n")[1]

    name_line = "3     - name: " + "n" * 103 + "..."
    assert excerpt(30).splitlines() == [
        name_line,
        "4       debug: msg=hi",
        "5     - debug: msg=" + "a" * 12 + ": " + "b" * 60,
        "  " + " " * 29 + "^ column 30",
    ]
    assert excerpt(110).splitlines()[2:] == [
        "5     - debug: msg=" + "a" * 92 + ": " + "b" * 4 + "...",
        "  " + " " * 98 + "column 110 ^",
    ]
    assert excerpt(116).splitlines()[2:] == ["5     - debug: msg=" + "a" * 98 + "..."]


def test_yaml_slips_are_found_on_the_line_the_parser_stopped_at(
    longplay, write, tmp_path: Path
) -> None:
    """As ansible-core: whatever the parser said, its line is looked at for a value that
    starts with a quote and goes on after it (here: holding that quote again)."""
    path = write(
        "site.yml",
        '- hosts: localhost\n  tasks:\n    - debug: msg=x\n      when: "a" in "b"\n',
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 4
    assert run.stderr == (
        "[ERROR]: YAML parsing failed: Values starting with a quote must end with the same "
        f"quote, and not contain that quote.\nOrigin: {path}:4:13\n\n"
        '2   tasks:\n3     - debug: msg=x\n4       when: "a" in "b"\n'
        "              ^ column 13\n\n\n"
        'For example:\n\n    raw: "foo" in "bar"\n\nShould be:\n\n'
        '    raw: \'"foo" in "bar"\'\n\n'
    ), run.stderr


def test_unknown_keyword_suggests_closest(longplay, write, tmp_path: Path) -> None:
    path = write(
        "site.yml",
        _with_marker(
            tmp_path, "- hosts: localhost\n  tasks:\n    - command: echo\n      registr: out\n"
        ),
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 4
    # ansible-core takes the stray key for a second action
    assert "conflicting action statements: command, registr" in run.stderr
    assert "Did you mean 'register'?" in run.stderr
    assert f"{path}:7:7" in run.stderr
    write("play.yml", "- hosts: localhost\n  tasks: []\n  bogus: 1\n")
    run = longplay("run", "play.yml", cwd=tmp_path)
    assert "[ERROR]: 'bogus' is not a valid attribute for a Play\n" in run.stderr
    assert not (tmp_path / "marker").exists()


def test_unknown_module_suggests_closest(longplay, write, tmp_path: Path) -> None:
    path = write(
        "site.yml", _with_marker(tmp_path, "- hosts: localhost\n  tasks:\n    - comand: echo hi\n")
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 4
    assert "couldn't resolve module/action 'comand'" in run.stderr
    assert "Did you mean 'command'?" in run.stderr
    assert f"{path}:7:7" in run.stderr
    assert not (tmp_path / "marker").exists()


@pytest.mark.parametrize(
    ("keyword", "value", "wanted"),
    [
        ("retries", "abc", "int"),
        ("delay", "soon", "float"),
        ("ignore_errors", "maybe", "bool"),
        # async/poll fail when the task runs (test_async_parity2)
    ],
)
def test_bad_literal_value(
    longplay, write, tmp_path: Path, keyword: str, value: str, wanted: str
) -> None:
    path = write(
        "site.yml",
        _with_marker(
            tmp_path,
            f"- hosts: localhost\n  tasks:\n    - command: echo\n      {keyword}: {value}\n",
        ),
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 4
    assert (
        f"Error processing keyword '{keyword}': The value '{value}' could not be converted to '{wanted}'"
        in run.stderr
    )
    assert f"{path}:8:{9 + len(keyword)}" in run.stderr
    assert not (tmp_path / "marker").exists()


def test_refused_module_is_named_as_unavailable(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        _with_marker(tmp_path, "- hosts: localhost\n  tasks:\n    - ufw: rule=allow port=22\n"),
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 4
    assert "The module 'ufw' is not available in longplay" in run.stderr
    assert not (tmp_path / "marker").exists()


def test_bad_loop_control_and_strategy(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        "- hosts: localhost\n  strategy: lineer\n  tasks: []\n",
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 4
    assert "Did you mean 'linear'?" in run.stderr
    write(
        "loop.yml",
        "- hosts: localhost\n  tasks:\n    - debug: var=item\n      loop: [1]\n      loop_control:\n        lable: x\n",
    )
    run = longplay("run", "loop.yml", cwd=tmp_path)
    assert run.rc == 4
    assert "'lable' is not a valid attribute for a LoopControl Did you mean 'label'?" in run.stderr
    assert "loop.yml:6:9" in run.stderr


@pytest.mark.parametrize(
    ("text", "message", "where", "example"),
    [
        (
            "    - debug: msg=a: b\n",
            "Colons in unquoted values must be followed by a non-space character.",
            "7:19",
            "    raw: echo 'name: ansible'",
        ),
        (
            "    - debug:\n        msg: {{ x }}\n",
            "This may be an issue with missing quotes around a template block.",
            "8:14",
            "    raw: {{ some_var }}",
        ),
        (
            '    - debug:\n        msg: "{{ x }}" extra\n',
            "Values starting with a quote must end with the same quote.",
            "8:14",
            '    raw: "foo" in bar',
        ),
        ("\t- debug: msg=a\n", "Tabs are usually invalid in YAML.", "7:1", None),
        (
            "    - debug: msg=a\n     - debug: msg=b\n",
            "While parsing a block collection did not find expected '-' indicator.",
            "8:6",
            None,
        ),
    ],
)
def test_yaml_errors_read_like_ansible(
    longplay, write, tmp_path: Path, text: str, message: str, where: str, example: str | None
) -> None:
    path = write("site.yml", _with_marker(tmp_path, "- hosts: localhost\n  tasks:\n" + text))
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 4
    assert f"[ERROR]: YAML parsing failed: {message}\nOrigin: {path}:{where}\n" in run.stderr
    if example:
        assert f"\n\n\nFor example:\n\n{example}\n" in run.stderr
    assert not (tmp_path / "marker").exists()


def test_unbalanced_quotes_in_free_form_arguments(longplay, write, tmp_path: Path) -> None:
    path = write("site.yml", _with_marker(tmp_path, "    - command: echo it's\n"))
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 4
    assert (
        "[ERROR]: Error loading tasks: failed at splitting arguments, either an unbalanced "
        f"jinja2 block or quotes: echo it's\nOrigin: {path}:5:7\n"
    ) in run.stderr
    assert not (tmp_path / "marker").exists()


def test_duplicate_key_warns_and_keeps_the_last(longplay, write, tmp_path: Path) -> None:
    path = write(
        "site.yml",
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - debug:\n        msg: a\n        msg: b\n",
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0
    assert '"msg": "b"' in run.stdout
    assert (f"[WARNING]: Found duplicate mapping key 'msg'.\nOrigin: {path}:6:9\n") in run.stderr
    assert "         ^ column 9\n\nUsing last defined value only.\n" in run.stderr


def test_async_on_controller_action_fails_when_it_runs(longplay, write, tmp_path: Path) -> None:
    """As in ansible-core: the task fails (naming the action as written), the
    play goes on to the recap; an include cannot take async at all."""
    write(
        "site.yml",
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.debug: msg=hi\n      async: 10\n",
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 2, run.output
    assert (
        'fatal: [localhost]: FAILED! => {"msg": "This action (ansible.builtin.debug) '
        'does not support async."}' in run.stdout
    )
    assert "failed=1" in run.stdout
    write(
        "meta.yml",
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - meta: noop\n      async: 10\n",
    )
    assert longplay("run", "meta.yml", cwd=tmp_path).rc == 0  # meta ignores async
    write(
        "include.yml",
        "- hosts: localhost\n  tasks:\n    - include_tasks: other.yml\n      async: 10\n",
    )
    run = longplay("run", "include.yml", cwd=tmp_path)
    assert run.rc == 4
    assert "[ERROR]: 'async' is not a valid attribute for a TaskInclude\n" in run.stderr


def test_missing_playbook_and_bad_options(longplay, write, tmp_path: Path) -> None:
    run = longplay("run", "nope.yml", cwd=tmp_path)
    assert run.rc == 1
    assert "the playbook: nope.yml could not be found" in run.stderr
    write("site.yml", "- hosts: localhost\n  tasks: []\n")
    assert longplay("run", "site.yml", "--bogus", cwd=tmp_path).rc == 2  # argparse's
    assert longplay("run", "site.yml", "-f", "0", cwd=tmp_path).rc == 2


def test_bad_extra_vars_read_like_ansible(longplay, write, tmp_path: Path) -> None:
    """Inline YAML that does not parse is a parse error (4), a missing file an error (1), a
    value that is not a mapping a bad option (5); words without '=' are ``_raw_params``."""
    write(
        "site.yml",
        "- hosts: localhost\n  gather_facts: false\n  tasks: [debug: 'msg={{ _raw_params }}']\n",
    )
    write("list.yml", "- 1\n")
    broken = longplay("run", "site.yml", "-e", "{broken", cwd=tmp_path)
    assert broken.rc == 4
    assert broken.stderr.startswith(
        "[ERROR]: YAML parsing failed: While parsing a flow mapping did not find expected ',' "
        "or '}'.\nOrigin: <CLI option '-e'>:2:1\n"
    )
    missing = longplay("run", "site.yml", "-e", "@nope.yml", cwd=tmp_path)
    assert missing.rc == 1
    assert missing.stderr.startswith(
        "[ERROR]: Unable to retrieve file contents.\n"
        f"Could not find or access '{tmp_path / 'nope.yml'}' on the Ansible Controller.\n"
    )
    for value, shown in (("@list.yml", f"@{tmp_path / 'list.yml'}"), ("[1]", "[1]")):
        run = longplay("run", "site.yml", "-e", value, cwd=tmp_path)
        assert run.rc == 5
        assert (
            f"[ERROR]: Invalid extra vars data supplied. '{shown}' could not be made into a "
            "dictionary\n" == run.stderr
        )
    words = longplay("run", "site.yml", "-e", "a=1 b", cwd=tmp_path)
    assert words.rc == 0, words.output
    assert '"msg": "b"' in words.stdout


def test_no_hosts_matched_is_not_an_error(longplay, write, tmp_path: Path) -> None:
    write("site.yml", "- hosts: webservers\n  tasks:\n    - debug: msg=x\n")
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0
    assert "skipping: no hosts matched" in run.stdout


def test_vars_files_missing_are_passed_over_and_bad_ones_stop(
    longplay, write, tmp_path: Path
) -> None:
    """As ansible-core 2.19: a vars file that is not there (or whose name does not render,
    with a warning) is skipped; one that is not a mapping (or a list of them) stops."""
    write("list.yml", "- {a: 1}\n- {b: 2}\n")
    site = write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          vars_files:
            - nowhere.yml
            - [also_nowhere.yml, list.yml]
            - "{{ undefined_x }}.yml"
          tasks:
            - debug: msg="{{ a }}{{ b }}"
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert '"msg": "12"' in run.stdout
    assert run.stderr == (
        "[WARNING]: skipping vars_files item due to an undefined variable\n"
        f"Origin: {site}:6:7\n\n"
        '4     - nowhere.yml\n5     - [also_nowhere.yml, list.yml]\n6     - "{{ undefined_x }}.yml"\n'
        "        ^ column 7\n\n"
    )
    bad = write("bad.yml", "- 1\n")
    write("site.yml", "- hosts: localhost\n  vars_files: [bad.yml]\n  tasks: []\n")
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 4
    assert run.stderr == (
        f"[ERROR]: Invalid variable file contents.\nOrigin: {bad}:1:3\n\n1 - 1\n    ^ column 3\n\n"
        "Variable files must contain either a dictionary of variables, or a list of "
        "dictionaries.\n\n"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Empty playbook, nothing to do: {path}"),
        ("[]", "A playbook must contain at least one play: {path}"),
        (
            "hosts: localhost",
            "A playbook must be a list of plays, got a <class "
            "'ansible.module_utils._internal._datatag._AnsibleTaggedDict'> instead: {path}",
        ),
        ("- 42", "playbook entries must be either valid plays or 'import_playbook' statements"),
        ("- gather_facts: false", "The field 'hosts' is required but was not set."),
        ("- hosts: localhost\n  tasks:\n    - name: nothing", "no module/action detected in task."),
        (
            "- hosts: localhost\n  tasks:\n    debug: msg=hi",
            "A malformed block was encountered while loading tasks: {{'debug': 'msg=hi'}} should "
            "be a list or None but is <class "
            "'ansible.module_utils._internal._datatag._AnsibleTaggedDict'>",
        ),
        (
            "- hosts: localhost\n  tasks:\n    - block: []\n      rescue: 3",
            "A malformed block was encountered while loading rescue: The ds (3) should be a list "
            "but was a <class 'ansible.module_utils._internal._datatag._AnsibleTaggedInt'>",
        ),
        (
            "- hosts: localhost\n  tasks:\n    - foo",
            "A malformed block was encountered while loading a block: The ds (['foo']) should "
            "be a dict but was a <class 'list'>",
        ),
    ],
)
def test_playbook_structure_errors_read_like_ansible(
    longplay, write, tmp_path: Path, text: str, message: str
) -> None:
    path = write("site.yml", text + "\n")
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 4, run.output
    assert f"\n[ERROR]: {message.format(path=path)}\n" in f"\n{run.stderr}", run.stderr
    assert "PLAY" not in run.stdout
