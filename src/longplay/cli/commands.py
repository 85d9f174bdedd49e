"""What ``longplay run`` and ``longplay adhoc`` do once their options are parsed.

Everything is loaded and validated (extra vars, inventory, every playbook)
before any host is contacted: a parse error stops the run with exit code 4
and nothing has executed.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import sys
import traceback
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from longplay.config import Config, apply_environment, load_config, setting_enabled
from longplay.errors import ExitCode, LongplayError, OptionsError, missing_file
from longplay.executor.state import RunOptions
from longplay.output.base import Output

if TYPE_CHECKING:
    from longplay.executor.runner import PlaybookRunner
    from longplay.executor.warmup import WarmPlan
    from longplay.inventory import Inventory
    from longplay.playbook.model import Playbook

DEFAULT_FORKS = 50


def parse_extra_vars(values: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """``-e`` values: key=value words, inline YAML/JSON, or @file, merged in order.

    As ansible-playbook: words that are not ``key=value`` become ``_raw_params``; inline
    YAML that does not parse stops the run as a parse error (exit code 4), a file that is not
    there as an error (1), a value that is not a mapping as a bad option (5)."""
    from longplay.playbook.kvargs import parse_kv
    from longplay.playbook.source import load_yaml, load_yaml_text

    merged: dict[str, Any] = {}
    for value in values:
        text = value.strip()
        if not text:
            continue
        if text.startswith("@"):
            path = os.path.abspath(os.path.expanduser(text[1:]))
            text = f"@{path}"
            if not os.path.isfile(path):
                raise missing_file(path)
            data = load_yaml(path)
        elif text[0] in "{[":
            data = load_yaml_text(text, "<CLI option '-e'>")
        else:
            data = parse_kv(text)
        if not isinstance(data, dict):
            raise OptionsError(
                f"Invalid extra vars data supplied. '{text}' could not be made into a dictionary"
            )
        merged.update(data)
    return merged


def make_output(options: dict[str, Any], adhoc: bool = False) -> Output:
    if options.get("json_output"):
        from longplay.output.jsonl import JsonOutput

        return JsonOutput(verbosity=options.get("verbosity", 0))
    if adhoc:
        from longplay.cli.adhoc import AdhocOutput

        return AdhocOutput(
            verbosity=options.get("verbosity", 0),
            force_color=forced_color(),
            one_line=bool(options.get("one_line")),
        )
    from longplay.output.human import HumanOutput

    return HumanOutput(verbosity=options.get("verbosity", 0), force_color=forced_color())


def forced_color() -> bool | None:
    """True when the environment asks for colour even off a terminal, else None (decide)."""
    force = os.environ.get("LONGPLAY_FORCE_COLOR") or os.environ.get("ANSIBLE_FORCE_COLOR")
    return True if force else None


def _split_tags(values: tuple[str, ...]) -> list[str]:
    return [tag.strip() for value in values for tag in value.split(",") if tag.strip()]


def _read_password(path: str | None, ask: bool, prompt: str) -> str | None:
    if path:
        try:
            with open(os.path.expanduser(path), encoding="utf-8") as handle:
                return handle.read().rstrip("\n")
        except OSError as exc:
            raise OptionsError(f"could not read password file {path}: {exc.strerror}")
    if ask:
        if not sys.stdin.isatty():
            raise OptionsError(f"{prompt} needs a terminal; use a password file instead")
        return getpass.getpass(f"{prompt}: ")
    return None


#: connection options -> the setting they give (host variables and play keywords still win)
_CONNECTION_OPTIONS = {
    "remote_user": "ANSIBLE_REMOTE_USER",
    "connection": "ANSIBLE_TRANSPORT",
    "timeout": "ANSIBLE_TIMEOUT",
    "private_key": "ANSIBLE_PRIVATE_KEY_FILE",
    "ssh_common_args": "ANSIBLE_SSH_COMMON_ARGS",
    "ssh_extra_args": "ANSIBLE_SSH_EXTRA_ARGS",
}


def apply_connection_options(options: dict[str, Any]) -> None:
    """-u, -c, -T, --private-key and the ssh args: the command line beats ``ANSIBLE_*`` and
    ansible.cfg, and loses to inventory variables, as in ansible-core."""
    for option, variable in _CONNECTION_OPTIONS.items():
        value = options.get(option)
        if value is not None:
            os.environ[variable] = str(value)


def run_options(options: dict[str, Any], config: Config | None = None) -> RunOptions:
    forks = options.get("forks")
    if forks is None:
        forks = (config.forks if config else None) or DEFAULT_FORKS
    if forks < 1:
        raise OptionsError("forks must be at least 1")
    return RunOptions(
        check=bool(options.get("check")),
        diff=bool(options.get("diff")),
        forks=forks,
        verbosity=int(options.get("verbosity") or 0),
        tags=_split_tags(options.get("tags") or ()),
        skip_tags=_split_tags(options.get("skip_tags") or ()),
        limit=options.get("limit"),
        start_at_task=options.get("start_at_task"),
        force_handlers=bool(options.get("force_handlers")),
        # -b, --become-user and --become-method, else ANSIBLE_BECOME* or ansible.cfg's
        # [privilege_escalation] (handed on as those variables)
        become=bool(options.get("become")) or setting_enabled("ANSIBLE_BECOME", False),
        become_user=options.get("become_user") or os.environ.get("ANSIBLE_BECOME_USER") or None,
        become_method=options.get("become_method")
        or os.environ.get("ANSIBLE_BECOME_METHOD")
        or None,
        become_password=_read_password(
            options.get("become_password_file"),
            bool(options.get("ask_become_pass")),
            "BECOME password",
        ),
        connection_password=_read_password(
            options.get("connection_password_file"), bool(options.get("ask_pass")), "SSH password"
        ),
    )


def guarded(output_factory: Callable[[], Output], body: Callable[[Output], int]) -> int:
    """Run ``body`` and turn every way it can end into ansible-playbook's exit code."""
    output = output_factory()
    try:
        return body(output)
    except LongplayError as exc:
        output.error(exc.render())
        if not isinstance(output, _human_type()):
            print(f"ERROR: {exc.render()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        output.error("User interrupted execution")
        return ExitCode.INTERRUPTED
    except Exception:
        traceback.print_exc()
        output.error("Unexpected exception: please report it with the traceback above.")
        return ExitCode.UNEXPECTED
    finally:
        output.close()


def _human_type() -> type:
    from longplay.output.human import HumanOutput

    return HumanOutput


def version_lines(config: Config) -> list[str]:
    """What longplay is and runs on, where ansible-playbook prints its version block
    (at -vv): longplay's own values, and only the lines that mean something for it
    (it has no configured module search path or collection location)."""
    import jinja2
    import yaml

    import longplay

    pyyaml = f"{yaml.__version__} (pure Python)"
    if getattr(yaml, "__with_libyaml__", False):
        from yaml import _yaml

        pyyaml = f"{yaml.__version__} (with libyaml v{_yaml.get_version_string()})"
    python = sys.version.replace("\n", " ")
    return [
        f"longplay {longplay.__version__}",
        f"  config file = {config.path}",
        f"  longplay python module location = {os.path.dirname(longplay.__file__)}",
        f"  executable location = {sys.argv[0]}",
        f"  python version = {python} ({sys.executable})",
        f"  jinja version = {jinja2.__version__}",
        f"  pyyaml version = {pyyaml}",
    ]


def announce_config(output: Output, config: Config) -> None:
    """With -vv the version block, with -v which ansible.cfg is in use, in
    ansible-core's words and places."""
    for line in version_lines(config) if getattr(output, "verbosity", 0) >= 2 else []:
        output.debug(2, line)
    if config.path:
        output.debug(1, f"Using {config.path} as config file")
    else:
        output.debug(1, "No config file found; using defaults")


def run_playbooks(paths: list[str], options: dict[str, Any]) -> int:
    def body(output: Output) -> int:
        from longplay.executor.warmup import plan_first_play
        from longplay.inventory import load_inventory

        config = load_config()
        announce_config(output, config)
        apply_connection_options(options)
        apply_environment(config)
        run = run_options(options, config)
        extra_vars = parse_extra_vars(options.get("extra_vars") or ())
        for path in paths:
            if os.path.exists(path) and not os.path.isfile(path):
                raise LongplayError(f"the playbook: {path} does not appear to be a file")
            if not os.path.isfile(path):
                raise LongplayError(f"the playbook: {path} could not be found")
        inventory = load_inventory(list(options.get("inventory") or config.inventory))
        warn_about_inventory(inventory, output)
        warn_empty_inventory(inventory, output)
        check_limit(inventory, run, output)
        listing = any(options.get(f"list_{what}") for what in ("tasks", "hosts", "tags"))
        if not (listing or options.get("syntax_check")):
            return run_with_warm_up(
                lambda: load_playbooks(paths),
                lambda: plan_first_play(paths[0], inventory, run, extra_vars),
                inventory,
                extra_vars,
                run,
                output,
            )
        from longplay.executor.runner import PlaybookRunner

        playbooks = load_playbooks(paths)
        warn_about_playbooks(playbooks, output)
        PlaybookRunner(playbooks, inventory, extra_vars, run, output).prepare_plays()
        if options.get("syntax_check"):
            for path in paths:
                print(f"\nplaybook: {path}")  # as given on the command line
            return ExitCode.OK
        from longplay.cli.listing import list_playbooks

        return list_playbooks(playbooks, paths, inventory, extra_vars, run, options)

    return guarded(lambda: make_output(options), body)


def run_to_end(main: Coroutine[Any, Any, int]) -> int:
    """``asyncio.run(main)``, except that the idle threads of the default executor
    are not waited for at the end.

    Waiting for them starts one more thread, and right after the recap, when
    every agent and sshd on a loopback fleet exits at once, that thread can wait
    tens of milliseconds for a CPU. Pending tasks are still cancelled (an
    interrupted run closes its connections) and async generators closed, as
    ``asyncio.run`` does.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(main)
    finally:
        try:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()  # shuts the executor down without waiting


def load_playbooks(paths: list[str]) -> list[Playbook]:
    """Every playbook parsed and validated (it prints nothing: it may run in a thread)."""
    from longplay.playbook.parser import load_playbook

    playbooks = [load_playbook(path) for path in paths]
    for playbook, given in zip(playbooks, paths, strict=True):
        playbook.given_path = given
    return playbooks


def warn_about_playbooks(playbooks: list[Playbook], output: Output) -> None:
    for playbook in playbooks:
        for warning in playbook.warnings:
            output.warning(warning)


def run_with_warm_up(
    prepare: Callable[[], list[Playbook]],
    plan: Callable[[], WarmPlan],
    inventory: Inventory,
    extra_vars: dict[str, Any],
    run: RunOptions,
    output: Output,
) -> int:
    """Run the playbooks ``prepare`` parses, the connections ``plan`` names
    opening meanwhile (see :mod:`longplay.executor.warmup`). At ``-vvv`` every
    connection opens under the task that needs it, where its log belongs."""
    from longplay.executor.connection import ConnectionPool
    from longplay.executor.warmup import WarmUp

    def parse() -> tuple[list[Playbook], type[PlaybookRunner]]:
        from longplay.executor.runner import PlaybookRunner  # imported off the event loop too

        return prepare(), PlaybookRunner

    async def main() -> int:
        pool = ConnectionPool(log=output.connection_log)
        warm_up = WarmUp(pool)
        if run.verbosity < 3:
            warm_up.start(plan())
        try:
            playbooks, runner_class = await warm_up.beside(parse)
        except BaseException:
            await pool.close(graceful=False)
            raise
        warn_about_playbooks(playbooks, output)
        runner = runner_class(playbooks, inventory, extra_vars, run, output, connections=pool)
        return await runner.run()

    return run_to_end(main())


EMPTY_INVENTORY = (
    "provided hosts list is empty, only localhost is available. "
    "Note that the implicit localhost does not match 'all'"
)
NO_HOSTS_LEFT = (
    "Specified inventory, host pattern and/or --limit leaves us with no hosts to target."
)


def warn_about_inventory(inventory: Inventory, output: Output) -> None:
    """The inventory's own warnings, and ansible-core's when no source was given."""
    for warning in inventory.warnings:
        output.warning(warning)
    if not inventory.sources:
        if setting_enabled("ANSIBLE_INVENTORY_UNPARSED_FAILED", False):
            raise LongplayError(
                "No inventory was parsed, please check your configuration and options."
            )
        if setting_enabled("ANSIBLE_INVENTORY_UNPARSED_WARNING", True):
            output.warning("No inventory was parsed, only implicit localhost is available")


def warn_empty_inventory(inventory: Inventory, output: Output) -> None:
    if inventory.is_empty and setting_enabled("ANSIBLE_LOCALHOST_WARNING", True):
        output.warning(EMPTY_INVENTORY)


def check_limit(inventory: Inventory, run: RunOptions, output: Output) -> None:
    """A --limit that leaves no host of the inventory stops the run before it starts."""
    if not run.limit or inventory.is_empty:
        return
    selection = inventory.match("all", limit=run.limit)
    if selection.hosts:
        return
    for term in selection.unmatched:
        output.warning(f"Could not match supplied host pattern, ignoring: {term}")
    raise LongplayError(NO_HOSTS_LEFT)


def run_adhoc(
    pattern: str,
    options: dict[str, Any],
    output_factory: Callable[[], Output] | None = None,
) -> int:
    """``longplay adhoc``; ``output_factory`` lets ``longplay jobs`` show it its own way."""

    def body(output: Output) -> int:
        from longplay.executor.warmup import plan_hosts
        from longplay.inventory import load_inventory

        config = load_config()
        announce_config(output, config)
        apply_connection_options(options)
        apply_environment(config)
        run = run_options(options, config)
        extra_vars = parse_extra_vars(options.get("extra_vars") or ())
        inventory = load_inventory(list(options.get("inventory") or config.inventory))
        warn_about_inventory(inventory, output)
        hosts = adhoc_hosts(inventory, pattern, run, output)
        if options.get("list_hosts"):
            print(f"  hosts ({len(hosts)}):")
            for host in hosts:
                print(f"    {host.name}")
            return ExitCode.OK

        def prepare() -> list[Playbook]:
            from longplay.cli.adhoc import adhoc_playbook

            return [adhoc_playbook(pattern, options)]

        return run_with_warm_up(
            prepare,
            lambda: plan_hosts(hosts, inventory, os.getcwd(), run, extra_vars),
            inventory,
            extra_vars,
            run,
            output,
        )

    return guarded(output_factory or (lambda: make_output(options, adhoc=True)), body)


def adhoc_hosts(inventory: Inventory, pattern: str, run: RunOptions, output: Output) -> list[Any]:
    """The hosts an ad-hoc command runs on, with ansible's warnings; a --limit that leaves
    none of the inventory's hosts is an error, a pattern that matches none only a warning."""
    from longplay.inventory import LOCALHOST_NAMES

    if pattern not in LOCALHOST_NAMES:
        warn_empty_inventory(inventory, output)
    try:
        selection = inventory.match(pattern, limit=run.limit)
    except LongplayError:
        if not run.limit:
            output.warning("No hosts matched, nothing to do")  # then the pattern's error
        raise
    for term in selection.unmatched:
        output.warning(f"Could not match supplied host pattern, ignoring: {term}")
    if not selection.hosts and not inventory.is_empty:
        if run.limit:
            raise LongplayError(NO_HOSTS_LEFT)
        output.warning("No hosts matched, nothing to do")
    return list(selection.hosts)


def dumps(value: Any) -> str:
    return json.dumps(value, indent=4, sort_keys=True, default=str)
