"""--list-tasks, --list-hosts and --list-tags, in ansible-playbook's layout."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from longplay.catalog import DYNAMIC_INCLUDES
from longplay.executor.play_runner import tags_selected
from longplay.playbook.model import Play, Playbook, Task, walk_tasks
from longplay.templating.templar import template_value

if TYPE_CHECKING:
    from longplay.executor.state import RunOptions
    from longplay.inventory import Inventory


def _tags(tags: set[str]) -> str:
    return "[" + ", ".join(sorted(tags)) + "]"


def _play_line(index: int, play: Play) -> str:
    hosts = play.keywords.get("hosts")
    pattern = ",".join(map(str, hosts)) if isinstance(hosts, list) else str(hosts)
    return f"  play #{index} ({pattern}): {play.name}\tTAGS: {_tags(play.tags())}"


def _listed_name(task: Task) -> str:
    """The task's title; an unnamed include in a role goes without the role's name."""
    if task.action in DYNAMIC_INCLUDES and not task.keywords.get("name"):
        return task.action_as_written or task.action
    return task.display_name()


def _tasks(play: Play) -> list[Task]:
    nodes = play.pre_tasks + play.role_tasks + play.tasks + play.post_tasks
    return walk_tasks(nodes)


def list_playbooks(
    playbooks: list[Playbook],
    paths: list[str],
    inventory: Inventory,
    extra_vars: dict[str, Any],
    run: RunOptions,
    options: dict[str, Any],
) -> int:
    for playbook, path in zip(playbooks, paths, strict=True):
        print(f"\nplaybook: {path}")  # as given on the command line
        for index, play in enumerate(playbook.plays, start=1):
            print()
            print(_play_line(index, play))
            if options.get("list_hosts"):
                _print_hosts(play, inventory, extra_vars, run)
            if options.get("list_tasks"):
                print("    tasks:")
                for task in _tasks(play):
                    if tags_selected(task.tags(), run.tags, run.skip_tags):
                        print(f"      {_listed_name(task)}\tTAGS: {_tags(task.tags())}")
            if options.get("list_tags"):
                found: set[str] = set()
                for task in _tasks(play):  # the tasks -t and --skip-tags leave
                    if tags_selected(task.tags(), run.tags, run.skip_tags):
                        found |= task.tags()
                print(f"      TASK TAGS: {_tags(found)}")
    return 0


def _print_hosts(
    play: Play, inventory: Inventory, extra_vars: dict[str, Any], run: RunOptions
) -> None:
    pattern = template_value(play.keywords["hosts"], extra_vars)
    hosts = inventory.select(pattern, limit=run.limit)
    shown = pattern if isinstance(pattern, list) else [pattern]
    print(f"    pattern: {shown!r}")
    print(f"    hosts ({len(hosts)}):")
    for host in hosts:
        print(f"      {host.name}")
