"""``longplay``: the command line.

``longplay run`` behaves like ansible-playbook (same flags, same exit codes:
0 ok, 1 error, 2 a host failed (or a command line that does not parse), 4
unreachable or unparsable, 5 bad options, 99 interrupted, 250 unexpected) and ``longplay adhoc`` like ansible. Heavy
imports happen inside the commands so ``longplay --version`` stays instant.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from longplay import __version__

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _check_forks(ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
    if value is not None and value < 1:
        raise click.UsageError("The number of processes (--forks) must be >= 1", ctx)
    return value


def _unsupported(label: str, what: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """An ansible option longplay does not have: refused by name rather than as unknown."""

    def check(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value:
            raise click.UsageError(f"{label} not supported by longplay ({what})", ctx)
        return value

    return check


def _common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "-i",
            "--inventory",
            "--inventory-file",
            "inventory",
            multiple=True,
            metavar="INVENTORY",
            help="Inventory file, directory or comma-separated host list (repeatable).",
        ),
        click.option(
            "-l", "--limit", metavar="SUBSET", help="Further limit hosts to this pattern."
        ),
        click.option(
            "-e",
            "--extra-vars",
            "extra_vars",
            multiple=True,
            metavar="VARS",
            help="key=value pairs, YAML/JSON, or @file (repeatable; highest precedence).",
        ),
        click.option(
            "-f",
            "--forks",
            type=int,
            default=None,
            callback=_check_forks,
            help="Hosts worked on at the same time (default 50, or forks in ansible.cfg).",
        ),
        click.option(
            "-u", "--user", "remote_user", metavar="REMOTE_USER", help="Connect as this user."
        ),
        click.option(
            "-c",
            "--connection",
            "connection",
            metavar="CONNECTION",
            help="Connection type (default ssh; ansible_connection wins).",
        ),
        click.option(
            "-T",
            "--timeout",
            "timeout",
            type=int,
            default=None,
            help="Connection timeout in seconds.",
        ),
        click.option(
            "--private-key",
            "--key-file",
            "private_key",
            metavar="PRIVATE_KEY_FILE",
            help="Authenticate the connection with this key file.",
        ),
        click.option(
            "--ssh-common-args", metavar="ARGS", help="Extra arguments for ssh (ProxyCommand...)."
        ),
        click.option("--ssh-extra-args", metavar="ARGS", help="Extra arguments for ssh only."),
        click.option(
            "--sftp-extra-args",
            metavar="ARGS",
            hidden=True,
            help="Accepted; longplay uses no sftp.",
        ),
        click.option(
            "--scp-extra-args", metavar="ARGS", hidden=True, help="Accepted; longplay uses no scp."
        ),
        click.option(
            "-C", "--check", is_flag=True, help="Don't change anything; predict what would change."
        ),
        click.option("-D", "--diff", is_flag=True, help="Show differences in changed files."),
        click.option(
            "-b", "--become", is_flag=True, help="Run operations with become (sudo by default)."
        ),
        click.option(
            "--become-user", metavar="USER", help="Run operations as this user (default root)."
        ),
        click.option("--become-method", metavar="METHOD", help="sudo or su."),
        click.option("-K", "--ask-become-pass", is_flag=True, help="Ask for the become password."),
        click.option(
            "--become-password-file",
            "--become-pass-file",
            "become_password_file",
            type=click.Path(dir_okay=False),
            help="Read the become password from this file.",
        ),
        click.option("-k", "--ask-pass", is_flag=True, help="Ask for the connection password."),
        click.option(
            "--connection-password-file",
            "--conn-pass-file",
            "connection_password_file",
            type=click.Path(dir_okay=False),
            help="Read the connection password from this file.",
        ),
        click.option(
            "-v",
            "--verbose",
            "verbosity",
            count=True,
            help="More output (-vvv shows what is sent to hosts).",
        ),
        click.option(
            "--json", "json_output", is_flag=True, help="Write one JSON object per event to stdout."
        ),
        click.option(
            "--vault-id",
            "--vault-password-file",
            "--vault-pass-file",
            "vault",
            multiple=True,
            hidden=True,
            expose_value=False,
            callback=_unsupported(
                "vault options are", "vault-encrypted files and values are refused"
            ),
        ),
        click.option(
            "-J",
            "--ask-vault-password",
            "--ask-vault-pass",
            "ask_vault",
            is_flag=True,
            hidden=True,
            expose_value=False,
            callback=_unsupported(
                "vault options are", "vault-encrypted files and values are refused"
            ),
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(
    __version__, "--version", prog_name="longplay", message="%(prog)s %(version)s"
)
def cli() -> None:
    """Run Ansible-style playbooks fast, with long-running work as first-class jobs."""


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.argument("playbooks", nargs=-1, required=True, type=click.Path())
@_common_options
@click.option(
    "-t",
    "--tags",
    multiple=True,
    help="Only run tasks with these tags (comma-separated, repeatable).",
)
@click.option("--skip-tags", multiple=True, help="Skip tasks with these tags.")
@click.option("--list-tasks", is_flag=True, help="List the tasks that would run, then exit.")
@click.option(
    "--list-hosts", is_flag=True, help="List the hosts each play would run on, then exit."
)
@click.option("--list-tags", is_flag=True, help="List all tags, then exit.")
@click.option("--syntax-check", is_flag=True, help="Parse and validate the playbooks, then exit.")
@click.option("--start-at-task", metavar="NAME", help="Start at the task with this name.")
@click.option("--force-handlers", is_flag=True, help="Run handlers even if a task fails.")
@click.option("--flush-cache", is_flag=True, help="Accepted; longplay keeps no fact cache.")
@click.option(
    "--step",
    is_flag=True,
    hidden=True,
    expose_value=False,
    callback=_unsupported("--step is", "tasks are not confirmed one by one"),
)
def run(playbooks: tuple[str, ...], **options: Any) -> None:
    """Run PLAYBOOKS (like ansible-playbook)."""
    from longplay.cli.commands import run_playbooks

    sys.exit(run_playbooks(list(playbooks), options))


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.argument("pattern")
@_common_options
@click.option(
    "-m", "--module-name", "module", default=None, help="Module to run (default command)."
)
@click.option(
    "-a", "--args", "module_args", default="", help="Module arguments (k=v or free form)."
)
@click.option(
    "-B",
    "--background",
    "background",
    type=int,
    default=0,
    help="Run asynchronously, failing after N seconds.",
)
@click.option(
    "-P",
    "--poll",
    "poll",
    type=int,
    default=15,
    show_default=True,
    help="Poll interval with -B (0: don't wait).",
)
@click.option("-o", "--one-line", is_flag=True, help="Condense output.")
@click.option("--list-hosts", is_flag=True, help="List matching hosts, then exit.")
def adhoc(pattern: str, **options: Any) -> None:
    """Run one module on the hosts matching PATTERN (like ansible)."""
    from longplay.cli.commands import run_adhoc

    sys.exit(run_adhoc(pattern, options))


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.argument("pattern", default="all")
@_common_options
@click.option("--running", is_flag=True, help="Only the jobs that are still running.")
def jobs(pattern: str, **options: Any) -> None:
    """List the async jobs on the hosts matching PATTERN (default: all).

    One row per job: running (with its last output line), finished or
    failed (with its rc and message). Read from each host's async
    directory (ansible_async_dir), as async_status reads it.
    """
    from longplay.cli.jobs import run_jobs

    sys.exit(run_jobs(pattern, options))


def main() -> None:
    try:
        _main()
    except SystemExit as exit_:
        # Everything is printed and every connection closed: skip the
        # interpreter's teardown (tens of milliseconds of garbage collection).
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        if isinstance(exit_.code, str):
            print(exit_.code, file=sys.stderr)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a reader gone (| head)
                stream.flush()
        os._exit(code)


def _main() -> None:
    try:
        cli.main(prog_name="longplay", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        sys.exit(0)
    except click.UsageError as exc:
        # argparse's way, as ansible-playbook: the usage, the error, exit code 2
        if exc.ctx is not None:
            click.echo(exc.ctx.get_usage(), err=True)
        click.echo(f"longplay: error: {exc.format_message()}", err=True)
        sys.exit(2)
    except click.Abort:
        click.echo("[ERROR]: User interrupted execution", err=True)
        sys.exit(99)
    except click.ClickException as exc:
        exc.show()
        sys.exit(5)
