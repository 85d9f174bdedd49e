"""SSH settings from inventory variables, the environment and ssh args (no server needed)."""

from __future__ import annotations

import pytest

from longplay.transport.become import BecomeSpec, become_command, become_wrapper
from longplay.transport.discovery import discovery_command, expand_auto_python
from longplay.transport.ssh import SSHSettings, SSHTransport, apply_ssh_args, remote_command


def settings(variables: dict[str, object], **environ: str) -> SSHSettings:
    return SSHSettings.from_host_vars("web1", variables, environ)


def test_defaults_come_from_the_inventory_name() -> None:
    s = settings({})
    assert (s.host, s.port, s.user, s.host_key_checking) == ("web1", None, None, True)
    assert s.connect_timeout == 10.0
    assert SSHTransport(s).description == "ssh web1:22"


def test_inventory_variables() -> None:
    s = settings(
        {
            "ansible_host": "10.0.0.5",
            "ansible_port": "2222",
            "ansible_user": "deploy",
            "ansible_ssh_private_key_file": "~/.ssh/deploy",
            "ansible_ssh_pass": "pw",
            "ansible_timeout": 3,
        }
    )
    assert (s.host, s.port, s.user, s.private_key_file) == (
        "10.0.0.5",
        2222,
        "deploy",
        "~/.ssh/deploy",
    )
    assert (s.password, s.connect_timeout) == ("pw", 3.0)
    assert SSHTransport(s).description == "ssh deploy@10.0.0.5:2222"


@pytest.mark.parametrize(
    ("variables", "environ", "expected"),
    [
        ({}, {"ANSIBLE_HOST_KEY_CHECKING": "False"}, False),
        ({}, {"ANSIBLE_HOST_KEY_CHECKING": "yes"}, True),
        ({"ansible_host_key_checking": False}, {}, False),
        ({"ansible_host_key_checking": "true"}, {"ANSIBLE_HOST_KEY_CHECKING": "False"}, True),
        ({"ansible_ssh_common_args": "-o StrictHostKeyChecking=no"}, {}, False),
        (
            {"ansible_ssh_extra_args": "-oStrictHostKeyChecking=yes"},
            {"ANSIBLE_HOST_KEY_CHECKING": "0"},
            True,
        ),
    ],
)
def test_host_key_checking(
    variables: dict[str, object], environ: dict[str, str], expected: bool
) -> None:
    assert settings(variables, **environ).host_key_checking is expected


def test_ssh_args_are_parsed() -> None:
    s = settings(
        {
            "ansible_ssh_common_args": (
                "-C -o ControlMaster=auto -o StrictHostKeyChecking=accept-new "
                "-o 'UserKnownHostsFile=/tmp/kh /tmp/kh2' -J jump@bastion:2200"
            ),
            "ansible_ssh_extra_args": "-o ConnectTimeout=4 -p 2201 -l admin -i /k -F /cfg -vvv",
        }
    )
    assert s.host_key_checking and s.accept_new_host_keys
    assert s.known_hosts == ["/tmp/kh", "/tmp/kh2"]
    assert s.proxy_jump == "jump@bastion:2200"
    assert (s.connect_timeout, s.port, s.user, s.private_key_file, s.ssh_config) == (
        4.0,
        2201,
        "admin",
        "/k",
        "/cfg",
    )


def test_first_ssh_option_wins_and_spaces_work() -> None:
    base = SSHSettings(host="h")
    s = apply_ssh_args(base, ["-o", "Port 2000", "-oPort=3000", "-o", "ProxyJump=none", "-p4000"])
    assert s.port == 2000
    assert s.proxy_jump is None


def test_remote_command_quotes_and_sets_env() -> None:
    line = remote_command(["python3", "-c", "print('a b')"], {"X": "1 2"})
    assert line == "exec env 'X=1 2' python3 -c 'print('\"'\"'a b'\"'\"')'"


def test_sudo_wrapper() -> None:
    assert become_wrapper(BecomeSpec(user="app")) == ["sudo", "-H", "-S", "-n", "-u", "app", "--"]
    command = become_command(BecomeSpec(user="app", password="pw"), ["id"], {"K": "v"})
    assert command.handshake is not None
    argv = command.argv
    assert "-n" not in argv and "-S" in argv
    prompt = argv[argv.index("-p") + 1]
    assert "%" not in prompt and command.handshake.prompt.search(prompt.encode())
    assert argv[-3:] == ["env", "K=v", "id"]


def test_su_wrapper() -> None:
    command = become_command(BecomeSpec(user="app", method="su", flags="-s /bin/sh"), ["id", "-u"])
    assert command.argv == ["su", "-s", "/bin/sh", "app", "-c", 'exec "$0" "$@"', "--", "id", "-u"]
    with_password = become_command(BecomeSpec(user="app", method="su", password="pw"), ["id"])
    assert with_password.handshake is not None and with_password.handshake.needs_pty
    assert with_password.handshake.prompt.search(b"Password: ")
    assert with_password.handshake.prompt.search(b"Passwort: ")


def test_unknown_become_method() -> None:
    with pytest.raises(ValueError, match="unsupported become method 'doas'"):
        become_command(BecomeSpec(method="doas"), ["id"])


def test_discovery_is_one_shell_command() -> None:
    command = discovery_command()
    # ansible-core's default INTERPRETER_PYTHON_FALLBACK order first, then longplay's extras
    assert command.startswith(
        "for c in python3.13 python3.12 python3.11 python3.10 python3.9 python3.8 "
        "/usr/bin/python3 python3 "
    )
    assert "python3.14;" in command


def test_auto_python_becomes_a_discovering_shell() -> None:
    argv = expand_auto_python(["sudo", "-u", "app", "--", "auto", "-c", "code"])
    assert argv[:6] == ["sudo", "-u", "app", "--", "/bin/sh", "-c"]
    assert argv[-3:] == ["sh", "-c", "code"] and 'exec "$p" "$@"' in argv[6]
    assert expand_auto_python(["/usr/bin/python3", "-c", "code"]) == [
        "/usr/bin/python3",
        "-c",
        "code",
    ]


def test_auto_python_keeps_the_interpreter_flags() -> None:
    argv = expand_auto_python(["sudo", "-u", "app", "--", "auto", "-S", "-c", "code"])
    assert argv[:6] == ["sudo", "-u", "app", "--", "/bin/sh", "-c"]
    assert argv[-4:] == ["sh", "-S", "-c", "code"]
    plain = ["/usr/bin/python3", "-S", "-c", "code"]
    assert expand_auto_python(plain) == plain
