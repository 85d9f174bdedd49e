"""ansible's connection options on the command line: -u, --private-key, --ssh-common-args,
-T and -c give what the inventory does not."""

from __future__ import annotations

from pathlib import Path

from loopback_sshd import Sshd


def test_user_key_and_ssh_args_from_the_command_line(
    sshd: Sshd, longplay, write, tmp_path: Path
) -> None:
    write("hosts.ini", f"host01 ansible_host={sshd.host} ansible_port={sshd.port}\n")
    options = (
        "-u",
        sshd.user,
        "--private-key",
        str(sshd.client_key),
        "--ssh-common-args",
        f"-o UserKnownHostsFile={sshd.known_hosts}",
        "-T",
        "5",
    )
    run = longplay("adhoc", "host01", "-i", "hosts.ini", "-m", "ping", *options, cwd=tmp_path)
    assert run.rc == 0, run.output
    assert '"ping": "pong"' in run.stdout
    # without them the host is not reached as that user with that key
    run = longplay(
        "adhoc", "host01", "-i", "hosts.ini", "-m", "ping", "-u", "nobody-here", cwd=tmp_path
    )
    assert run.rc == 4, run.output
    assert "host01 | UNREACHABLE!" in run.stdout
    # -c local: the host is this machine, whatever its address
    write("other.ini", "far.example.invalid\n")
    run = longplay(
        "adhoc", "all", "-i", "other.ini", "-c", "local", "-a", "echo local", cwd=tmp_path
    )
    assert run.rc == 0, run.output
    assert run.stdout == "far.example.invalid | CHANGED | rc=0 >>\nlocal\n"
