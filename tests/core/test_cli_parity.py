"""The command line as ansible-playbook and ansible have it: host selection warnings,
ad-hoc checks, usage errors and listing options."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EMPTY = (
    "[WARNING]: provided hosts list is empty, only localhost is available. "
    "Note that the implicit localhost does not match 'all'\n"
)
NOT_PARSED = "[WARNING]: No inventory was parsed, only implicit localhost is available\n"
LOCAL = "ansible_connection=local ansible_python_interpreter=/usr/bin/python3"
#: the warnings the other tests turn off
WARN = {"ANSIBLE_LOCALHOST_WARNING": "true", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "true"}


def test_empty_inventory_is_warned_about_once_before_the_plays(
    longplay, write, tmp_path: Path
) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks: [debug: msg=hi]
        - hosts: web
          gather_facts: false
          tasks: [debug: msg=hi]
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path, env=WARN)
    assert run.rc == 0, run.output
    assert run.stderr.startswith(NOT_PARSED + EMPTY), run.stderr
    assert run.stderr.count("provided hosts list is empty") == 1
    assert "Could not match supplied host pattern, ignoring: web" in run.stderr
    write("empty.ini", "")
    run = longplay("run", "site.yml", "-i", "empty.ini", cwd=tmp_path, env=WARN)
    assert run.stderr.startswith(EMPTY), run.stderr  # a source was read: no NOT_PARSED
    # ansible.cfg can make running without an inventory an error
    write("ansible.cfg", "[inventory]\nunparsed_is_failed = true\n")
    run = longplay("run", "site.yml", cwd=tmp_path, env=WARN)
    assert run.rc == 1
    assert run.stderr == (
        "[ERROR]: No inventory was parsed, please check your configuration and options.\n"
    )


def test_adhoc_host_selection_reads_like_ansible(longplay, write, tmp_path: Path) -> None:
    write("hosts.ini", f"[web]\nh1 {LOCAL}\n")
    run = longplay("adhoc", "nomatch", "-i", "hosts.ini", "-m", "ping", cwd=tmp_path)
    assert run.rc == 0
    assert run.stderr == (
        "[WARNING]: Could not match supplied host pattern, ignoring: nomatch\n"
        "[WARNING]: No hosts matched, nothing to do\n"
    )
    # no inventory: ansible does not say "No hosts matched"
    run = longplay("adhoc", "nomatch", "-m", "ping", cwd=tmp_path, env=WARN)
    assert run.rc == 0
    assert run.stderr == (
        NOT_PARSED + EMPTY + "[WARNING]: Could not match supplied host pattern, ignoring: nomatch\n"
    )
    run = longplay("adhoc", "localhost", "-m", "ping", cwd=tmp_path, env=WARN)
    assert run.stderr == NOT_PARSED  # localhost needs no inventory
    # a --limit that leaves no host is an error
    run = longplay("adhoc", "web", "-i", "hosts.ini", "-l", "h9", "-m", "ping", cwd=tmp_path)
    assert run.rc == 1
    assert run.stderr.endswith(
        "[ERROR]: Specified inventory, host pattern and/or --limit leaves us with no hosts "
        "to target.\n"
    )


def test_adhoc_module_checks_read_like_ansible(longplay, write, tmp_path: Path) -> None:
    write("hosts.ini", f"h1 {LOCAL}\n")
    run = longplay("adhoc", "site.yml", "-m", "shell", cwd=tmp_path)
    assert run.rc == 5
    assert (
        "[ERROR]: No argument passed to shell module (did you mean to run ansible-playbook?)\n"
        in run.stderr
    )
    run = longplay("adhoc", "localhost", "-m", "ansible.builtin.command", cwd=tmp_path)
    assert "[ERROR]: No argument passed to ansible.builtin.command module\n" in run.stderr
    run = longplay("adhoc", "localhost", "-m", "import_playbook", "-a", "x.yml", cwd=tmp_path)
    assert run.rc == 5
    assert "[ERROR]: 'import_playbook' is not a valid action for ad-hoc commands\n" in run.stderr
    # a module that does not exist fails on each host
    run = longplay("adhoc", "h1", "-i", "hosts.ini", "-m", "nosuch", cwd=tmp_path)
    assert run.rc == 2, run.output
    assert run.stdout.startswith(
        "[ERROR]: Task failed: Cannot resolve 'nosuch' to an action or module.\n\n"
        "Task failed.\nOrigin: <adhoc 'nosuch' task>\n"
    )
    assert "<<< caused by >>>\n\nCannot resolve 'nosuch' to an action or module.\n" in run.stdout
    assert "Origin: <CLI option '-m'>\n\nnosuch\n" in run.stdout
    assert run.stdout.endswith(
        'h1 | FAILED! => {\n    "changed": false,\n    "msg": "Task failed: Cannot resolve '
        "'nosuch' to an action or module.\"\n}\n"
    )
    # -a as a JSON object
    dest = tmp_path / "out.txt"
    json_args = json.dumps({"content": "hi there", "dest": str(dest)})
    run = longplay("adhoc", "h1", "-i", "hosts.ini", "-m", "copy", "-a", json_args, cwd=tmp_path)
    assert run.rc == 0, run.output
    assert dest.read_text() == "hi there"
    # skipped results are one word, as ansible's minimal callback prints them
    run = longplay("adhoc", "h1", "-i", "hosts.ini", "-a", "echo hi", "-C", cwd=tmp_path)
    assert run.stdout == "h1 | SKIPPED\n"
    # command without a command: the module's argument check
    run = longplay("adhoc", "h1", "-i", "hosts.ini", "-a", "chdir=/tmp", cwd=tmp_path)
    assert run.rc == 2
    assert "h1 | FAILED | rc=-1 >>\none of the following is required: _raw_params, cmd, argv\n" in (
        run.stdout
    )


def test_play_name_and_hosts_render_with_play_vars_before_the_play(
    longplay, write, tmp_path: Path
) -> None:
    write("hosts.ini", f"[web]\nh1 {LOCAL}\n[db]\nh2 {LOCAL}\n")
    write(
        "site.yml",
        """
        - hosts: "{{ group }}"
          vars:
            group: web
          gather_facts: false
          tasks: [debug: msg=hi]
        - name: "second on {{ other }}"
          hosts: db
          gather_facts: false
          tasks: [debug: msg=hi]
        - name: third
          hosts: "{{ nowhere }}"
          tasks: [debug: msg=hi]
        """,
    )
    run = longplay("run", "site.yml", "-i", "hosts.ini", "-e", "other=h2", cwd=tmp_path)
    assert run.rc == 4, run.output
    assert "PLAY [web] ***" in run.stdout
    assert "PLAY [second on h2] ***" in run.stdout
    assert "PLAY RECAP" not in run.stdout
    assert run.stderr.startswith(
        "[ERROR]: Error processing keyword 'hosts': 'nowhere' is undefined\n"
        f"Origin: {tmp_path / 'site.yml'}:11:10\n"
    )
    # the same error stops --syntax-check and the listings before they print anything
    for option in ("--syntax-check", "--list-hosts", "--list-tasks"):
        run = longplay("run", "site.yml", "-i", "hosts.ini", option, cwd=tmp_path)
        assert run.rc == 4
        assert run.stdout == ""
        # unnamed, a play is named by its hosts: ansible-core names the 'name' keyword
        assert run.stderr.startswith(
            "[ERROR]: Error processing keyword 'name': 'other' is undefined\n"
        ), run.stderr
    run = longplay(
        "run",
        "site.yml",
        "-i",
        "hosts.ini",
        "--list-hosts",
        "-e",
        "other=x nowhere=db",
        cwd=tmp_path,
    )
    assert run.rc == 0, run.output
    assert "  play #1 (web): web\tTAGS: []\n    pattern: ['web']\n" in run.stdout
    assert "  play #3 (db): third\tTAGS: []\n    pattern: ['db']\n" in run.stdout


def test_usage_errors_exit_2_as_argparse_does(longplay, write, tmp_path: Path) -> None:
    write("site.yml", "- hosts: localhost\n  tasks: []\n")
    run = longplay("run", "site.yml", "--bogus", cwd=tmp_path)
    assert run.rc == 2
    assert run.stderr.startswith("Usage: longplay run [OPTIONS] PLAYBOOKS...\nlongplay: error: ")
    run = longplay("run", "site.yml", "-f", "0", cwd=tmp_path)
    assert run.rc == 2
    assert run.stderr.endswith("longplay: error: The number of processes (--forks) must be >= 1\n")
    assert longplay("run", cwd=tmp_path).rc == 2
    assert longplay("adhoc", cwd=tmp_path).rc == 2
    for option in ("--step", "-J", "--vault-password-file=x"):
        run = longplay("run", "site.yml", option, cwd=tmp_path)
        assert run.rc == 2
        assert "not supported by longplay" in run.stderr
    # accepted as ansible-playbook accepts them
    run = longplay(
        "run", "site.yml", "--flush-cache", "--scp-extra-args=-l", "-u", "me", cwd=tmp_path
    )
    assert run.rc == 0, run.output


def test_listing_tags_start_at_task_and_playbook_paths(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - {name: one, debug: msg=one, tags: [a, b]}
            - {name: two, debug: msg=two, tags: always}
            - {name: three, debug: msg=three, tags: c}
        """,
    )
    run = longplay("run", "site.yml", "--list-tags", "-t", "a", cwd=tmp_path)
    assert run.rc == 0
    assert "      TASK TAGS: [a, always, b]\n" in run.stdout  # c's task is not selected
    # the error follows the recap
    merged = subprocess.run(
        [sys.executable, "-m", "longplay", "run", "site.yml", "--start-at-task", "nope"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0"},
    )
    assert merged.returncode == 0
    assert merged.stdout.endswith(
        "PLAY RECAP *********************************************************************\n\n"
        '[ERROR]: No matching task "nope" found. Note: --start-at-task can only follow static '
        "includes.\n"
    ), merged.stdout
    (tmp_path / "adir").mkdir()
    run = longplay("run", "adir", cwd=tmp_path)
    assert run.rc == 1
    assert run.stderr == "[ERROR]: the playbook: adir does not appear to be a file\n"


def test_display_ok_and_skipped_hosts_settings(longplay, write, tmp_path: Path) -> None:
    """ansible.cfg's display_ok_hosts / display_skipped_hosts (or ANSIBLE_DISPLAY_*): those
    results are not shown, and a task's banner waits for its first result that is."""
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - {name: skipped, debug: msg=x, when: false}
            - {name: quiet, debug: msg=x}
            - name: loud
              command: echo hi
            - name: mixed
              command: "echo {{ item }}"
              loop: [1, 2]
              when: item == 2
        """,
    )
    write("ansible.cfg", "[defaults]\ndisplay_skipped_hosts = false\ndisplay_ok_hosts = no\n")
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert run.stdout.split("PLAY RECAP")[0] == (
        "\nPLAY [localhost] ***************************************************************\n"
        "\nTASK [loud] ********************************************************************\n"
        "changed: [localhost]\n"
        "\nTASK [mixed] *******************************************************************\n"
        "changed: [localhost] => (item=2)\n\n"
    )
    run = longplay("run", "site.yml", cwd=tmp_path, env={"ANSIBLE_DISPLAY_OK_HOSTS": "1"})
    assert "TASK [skipped]" not in run.stdout
    assert "TASK [quiet] ***" in run.stdout
    assert "skipping:" not in run.stdout


def test_adhoc_one_line_unreachable_is_its_message(longplay, write, tmp_path: Path) -> None:
    write("hosts.ini", "dead ansible_host=127.0.0.1 ansible_port=1 ansible_connection=ssh\n")
    run = longplay("adhoc", "all", "-i", "hosts.ini", "-m", "ping", "-o", cwd=tmp_path)
    assert run.rc == 4
    assert run.stdout.startswith(
        "dead | UNREACHABLE!: Task failed: Failed to connect to the host via ssh: "
    ), run.stdout
    assert len(run.stdout.splitlines()) == 1


def test_yaml_result_format(longplay, write, tmp_path: Path) -> None:
    """``callback_result_format = yaml``: results as indented YAML on the following lines,
    multi-line text as blocks, ``*_lines`` omitted beside their text."""
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - debug: msg=hi
            - shell: "printf 'a\\\\nb  \\\\n'"
            - debug: var=item
              loop: [1]
            - debug:
                msg: "héllo"
        """,
    )
    write("ansible.cfg", "[defaults]\ncallback_result_format = yaml\n")
    run = longplay("run", "site.yml", "-v", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "ok: [localhost] => \n    msg: hi\n" in run.stdout
    assert "    stdout: |-\n        a\n        b\n    stdout_lines: <omitted>\n" in run.stdout
    assert "ok: [localhost] => (item=1) => \n    item: 1\n" in run.stdout  # no ansible_loop_var
    assert "    msg: héllo\n" in run.stdout
    write("ansible.cfg", "[defaults]\nstdout_callback = community.general.yaml\n")
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert "ok: [localhost] => \n    msg: hi\n" in run.stdout


def test_bad_action_and_module_arguments_read_like_ansible(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - {name: verbosity, debug: msg=x verbosity=abc, ignore_errors: true}
            - {name: both, debug: msg=x var=y, ignore_errors: true}
            - {name: nodest, copy: content=x, ignore_errors: true}
            - {name: template, template: src=x.j2, ignore_errors: true}
            - {name: fail, fail: {bogus: 1}, ignore_errors: true}
            - {name: empty, set_fact: {}, ignore_errors: true}
            - {name: bool, stat: path=/tmp get_checksum=maybe, ignore_errors: true}
        """,
    )
    run = longplay("run", "site.yml", "--json", cwd=tmp_path)
    assert run.rc == 0, run.output

    def msg(task: str) -> str:
        return str(run.results(task)[0]["result"]["msg"])

    assert msg("verbosity") == (
        "argument 'verbosity' is of type str and we were unable to convert to int: "
        "\"'abc'\" cannot be converted to an int"
    )
    assert msg("both") == "parameters are mutually exclusive: msg|var"
    assert msg("nodest") == "dest is required"
    assert msg("template") == "src and dest are required"
    assert msg("fail") == "Invalid options for fail: bogus"
    assert msg("empty").startswith("No key/value pairs provided")
    assert msg("bool").endswith(
        "unable to convert to bool: The value 'maybe' is not a valid boolean. Valid booleans "
        "include: 0, '1', 1, 'on', 'f', 'y', 'yes', 'false', '0', 'true', 'n', 't', 'no', 'off'"
    )
    # the action's own check stops the task ('Task failed: ...'); copy's is its failure
    human = longplay("run", "site.yml", cwd=tmp_path)
    assert "[ERROR]: Task failed: parameters are mutually exclusive: msg|var\n" in human.stdout
    assert "[ERROR]: Task failed: Invalid options for fail: bogus\n" in human.stdout
    assert "[ERROR]: Task failed: No key/value pairs provided" in human.stdout
    assert "[ERROR]: Task failed: Action failed: dest is required\n" in human.stdout


def test_empty_hosts_never_mean_every_host(longplay, write, tmp_path: Path) -> None:
    write("hosts.ini", f"h1 {LOCAL}\n")
    marker = tmp_path / "ran"
    for value in ("[]", '""', "null"):
        write("site.yml", f"- hosts: {value}\n  tasks:\n    - command: touch {marker}\n")
        run = longplay("run", "site.yml", "-i", "hosts.ini", cwd=tmp_path)
        assert run.rc == 4, run.output
        assert run.stderr.startswith(
            "[ERROR]: Hosts list cannot be empty. Please check your playbook\n"
            f"Origin: {tmp_path / 'site.yml'}:1:10\n"
        ), run.stderr
        assert not marker.exists()
    write("site.yml", "- hosts: [h1, '']\n  tasks: []\n")
    run = longplay("run", "site.yml", "-i", "hosts.ini", cwd=tmp_path)
    assert run.rc == 4
    assert "Keyword 'hosts' is required, and cannot have empty values." in run.stderr


def test_adhoc_default_module_and_bad_subscript(longplay, write, tmp_path: Path) -> None:
    write("hosts.ini", f"[web]\nh1 {LOCAL}\n")
    run = longplay("adhoc", "h1", "-i", "hosts.ini", "-a", "echo {{ nope }}", cwd=tmp_path)
    assert run.rc == 2
    assert "Origin: <Config default>\n\ncommand\n" in run.stdout  # -m not given
    run = longplay("adhoc", "web[5]", "-i", "hosts.ini", "-m", "ping", cwd=tmp_path)
    assert run.rc == 1
    assert run.stderr == (
        "[WARNING]: No hosts matched, nothing to do\n"
        "[ERROR]: No hosts matched the subscripted pattern 'web[5]'\n"
    )


def test_adhoc_error_shows_its_arguments_shortened(longplay, write, tmp_path: Path) -> None:
    """As ansible-core: what stands for source lines outside a file is cut to 120
    characters (``[...]``), its runs of whitespace made one space."""
    write("hosts.ini", f"h1 {LOCAL}\n")
    words = "word   " * 30
    run = longplay(
        "adhoc",
        "h1",
        "-i",
        "hosts.ini",
        "-m",
        "debug",
        "-a",
        f"msg='{{{{ nope }}}} {words}'",
        cwd=tmp_path,
    )
    assert run.rc == 2
    shown = "{'action': 'debug', 'args': {'msg': '{{ nope }} " + "word " * 13 + "[...]\n"
    assert f"Origin: <adhoc 'debug' task>\n\n{shown}" in run.stdout, run.stdout
    shown = "{{ nope }} " + "word " * 20 + "[...]\n"
    assert f"Origin: <CLI option '-a'>\n\n{shown}" in run.stdout


def test_become_from_ansible_cfg_and_environment(longplay, write, tmp_path: Path) -> None:
    """[privilege_escalation] become/become_user (or ANSIBLE_BECOME*) apply as -b does."""
    if os.geteuid() != 0 or not Path("/usr/bin/sudo").exists():
        pytest.skip("needs root and sudo")
    write("hosts.ini", f"h1 {LOCAL}\n")
    write(
        "site.yml",
        """
        - hosts: h1
          gather_facts: false
          tasks:
            - command: id -un
              register: who
            - debug: var=who.stdout
        """,
    )
    write("ansible.cfg", "[privilege_escalation]\nbecome = True\nbecome_user = nobody\n")
    run = longplay("run", "site.yml", "-i", "hosts.ini", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert '"who.stdout": "nobody"' in run.stdout
    (tmp_path / "ansible.cfg").unlink()
    env = {"ANSIBLE_BECOME": "yes", "ANSIBLE_BECOME_USER": "nobody"}
    run = longplay("run", "site.yml", "-i", "hosts.ini", cwd=tmp_path, env=env)
    assert '"who.stdout": "nobody"' in run.stdout
    run = longplay("run", "site.yml", "-i", "hosts.ini", cwd=tmp_path)
    assert '"who.stdout": "root"' in run.stdout


def test_very_verbose_names_the_playbook(longplay, write, tmp_path: Path) -> None:
    write("site.yml", "- hosts: localhost\n  gather_facts: false\n  tasks: [debug: msg=hi]\n")
    run = longplay("run", "site.yml", "-vv", cwd=tmp_path)
    assert run.rc == 0
    assert (
        "\nPLAYBOOK: site.yml *************************************************************\n"
        "1 plays in site.yml\n\nPLAY [localhost] ***"
    ) in run.stdout
    assert "PLAYBOOK:" not in longplay("run", "site.yml", "-v", cwd=tmp_path).stdout
    adhoc = longplay("adhoc", "localhost", "-m", "ping", "-vv", cwd=tmp_path)
    assert "PLAYBOOK" not in adhoc.stdout and "plays in" not in adhoc.stdout


def test_very_verbose_starts_with_the_version_block(longplay, write, tmp_path: Path) -> None:
    """As ansible-playbook's at -vv: the tool and its version, then what it runs on
    (longplay's values), before the config file line; -v has none of it."""
    import sys

    write("site.yml", "- hosts: localhost\n  gather_facts: false\n  tasks: [debug: msg=hi]\n")
    write("ansible.cfg", "[defaults]\n")
    lines = longplay("run", "site.yml", "-vv", cwd=tmp_path).stdout.splitlines()
    assert lines[0].startswith("longplay 0.")
    assert lines[1] == f"  config file = {tmp_path / 'ansible.cfg'}"
    assert f"  python version = {sys.version.split()[0]}" in lines[4]
    assert lines[7] == f"Using {tmp_path / 'ansible.cfg'} as config file"
    adhoc = longplay("adhoc", "localhost", "-m", "ping", "-vv", cwd=tmp_path).stdout
    assert adhoc.startswith("longplay 0.")
    assert not longplay("run", "site.yml", "-v", cwd=tmp_path).stdout.startswith("longplay")


def test_missing_imported_files_are_errors_naming_them(longplay, write, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    for text in (
        f"- hosts: localhost\n  tasks: [command: touch {marker}]\n- import_playbook: nope.yml\n",
        f"- hosts: localhost\n  tasks:\n    - command: touch {marker}\n    - import_tasks: nope.yml\n",
    ):
        write("site.yml", text)
        run = longplay("run", "site.yml", cwd=tmp_path)
        assert run.rc == 1, run.output
        assert run.stderr.startswith(
            "[ERROR]: Unable to retrieve file contents.\n"
            f"Could not find or access '{tmp_path / 'nope.yml'}' on the Ansible Controller.\n"
        ), run.stderr
        assert not marker.exists()


def test_missing_role_is_an_error_not_a_parse_error(longplay, write, tmp_path: Path) -> None:
    write("site.yml", "- hosts: localhost\n  gather_facts: false\n  roles: [nope]\n")
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 1, run.output  # ansible-core's AnsibleError, not a parser error (4)
    assert run.stderr.startswith("[ERROR]: the role 'nope' was not found in ")


def test_unsupported_parameters_name_the_module_as_written(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - {name: fqcn, ansible.builtin.stat: path=/tmp bogus=1, ignore_errors: true}
            - {name: short, stat: path=/tmp bogus=1, ignore_errors: true}
            - name: shell
              shell: echo
              args: {foo: 1}
              ignore_errors: true
        """,
    )
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert (
        "[ERROR]: Task failed: Module failed: Unsupported parameters for (ansible.builtin.stat)"
        in (run.stdout)
    )
    assert '"msg": "Unsupported parameters for (ansible.builtin.stat) module: bogus.' in run.stdout
    assert '"msg": "Unsupported parameters for (stat) module: bogus.' in run.stdout
    assert '"msg": "Unsupported parameters for (ansible.legacy.command) module: foo.' in run.stdout


def test_broken_ansible_cfg_stops_the_run(longplay, write, tmp_path: Path) -> None:
    """Its settings (become, inventory...) are never silently dropped."""
    marker = tmp_path / "ran"
    write("site.yml", f"- hosts: localhost\n  tasks: [command: touch {marker}]\n")
    write("ansible.cfg", "forks = 3\n[defaults\n")
    run = longplay("run", "site.yml", cwd=tmp_path)
    assert run.rc == 5
    assert run.stderr.startswith(
        f"[ERROR]: Error reading config file ({tmp_path / 'ansible.cfg'}): File contains no "
        "section headers.\n"
    ), run.stderr
    write("ansible.cfg", "[defaults]\nforks = many\n")
    run = longplay("adhoc", "localhost", "-m", "ping", cwd=tmp_path)
    assert run.rc == 5
    assert run.stderr == (
        f"[ERROR]: Config 'DEFAULT_FORKS' from '{tmp_path / 'ansible.cfg'}' has an invalid "
        "value: Invalid value provided for 'integer': 'many'\n"
    )
    assert not marker.exists()


def test_group_vars_that_do_not_parse_stop_before_any_task(longplay, write, tmp_path: Path) -> None:
    write("hosts.ini", f"[web]\nh1 {LOCAL}\n")
    write("group_vars/web.yml", "a: [\n")
    write("site.yml", "- hosts: web\n  gather_facts: false\n  tasks: [debug: msg=hi]\n")
    run = longplay("run", "site.yml", "-i", "hosts.ini", cwd=tmp_path)
    assert run.rc == 4, run.output
    assert "TASK [" not in run.stdout
    assert run.stderr.startswith(
        "[ERROR]: YAML parsing failed: While parsing a flow node did not find expected node "
        f"content.\nOrigin: {tmp_path / 'group_vars' / 'web.yml'}:2:1\n"
    ), run.stderr


def test_vars_holds_every_variable(longplay, write, tmp_path: Path) -> None:
    write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          vars:
            a: 1
            b: "{{ a + 1 }}"
          tasks:
            - debug:
                msg: "{{ vars.b }} {{ vars['a'] }} {{ vars.nope | default('d') }} {{ 'b' in vars }}"
            - debug: var=vars._raw_params
            - debug: var=_raw_params
        """,
    )
    run = longplay("run", "site.yml", "-e", "x=1 word", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert '"msg": "2 1 d True"' in run.stdout
    assert '"vars._raw_params": "word"' in run.stdout
    assert '"_raw_params": "word"\n' in run.stdout  # shown though it starts with _
