"""The parsed playbook: plays, blocks and tasks, validated and ready to run.

Nodes keep their keywords as written (templates stay unrendered until a host
runs them) plus a link to their parent, so inherited keywords (``become``,
``environment``, ``ignore_errors``...) resolve in one place:
:meth:`Node.get`. ``when`` and ``tags`` accumulate instead of overriding.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from longplay.errors import Origin
from longplay.playbook.keywords import KEYWORDS
from longplay.templating.templar import OMIT


@dataclass(eq=False)
class Role:
    """A role as applied by a play or include_role (see ``playbook.roles``)."""

    name: str
    path: str
    defaults: dict[str, Any] = field(default_factory=dict)
    vars: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    handlers: list[Task] = field(default_factory=list)


@dataclass(eq=False)
class Node:
    keywords: dict[str, Any]
    origin: Origin | None
    parent: Node | None = None
    role: Role | None = None
    #: which file relative paths (files/, templates/, include_tasks) resolve from
    basedir: str = "."
    #: place in the play (section, index, sub-index...): orders hosts in lockstep
    position: tuple[int, ...] = ()
    #: where each keyword's value is written (for messages about conditions)
    keyword_origins: dict[str, Origin] = field(default_factory=dict)
    #: where each item of a list-valued condition keyword (``when: [a, b]``) is written
    item_origins: dict[str, list[Origin]] = field(default_factory=dict)

    def get(
        self, name: str, default: Any = None, render: Callable[[Any], Any] | None = None
    ) -> Any:
        """A keyword's value here, or inherited from the enclosing block/play.

        A value that is ``omit`` counts as not written, so the enclosing
        block/play's value applies (``become_user: "{{ user | default(omit) }}"``).
        Without ``render`` only the literal ``"{{ omit }}"`` is recognised; with it
        (a templar's ``template``) each written value is rendered and the rendered
        value is returned."""
        if name in self.keywords:
            value = self.keywords[name]
            if render is not None:
                value = render(value)
                if value != OMIT:
                    return value
            elif not _is_omit(value):
                return value
        keyword = KEYWORDS.get(name)
        parent = self.parent
        if parent is not None and _dynamic_include(parent):
            parent = parent.parent  # an include's keywords stay with it (apply passes them)
        if keyword is not None and keyword.inherited and parent is not None:
            return parent.get(name, default, render)
        return default

    def chain(self) -> list[Node]:
        """This node and its ancestors, outermost first."""
        nodes: list[Node] = []
        node: Node | None = self
        while node is not None:
            nodes.append(node)
            node = node.parent
        return nodes[::-1]

    def keyword_chain(self) -> list[Node]:
        """The nodes whose ``when`` and ``tags`` apply here, outermost first: as in
        ansible-core, a dynamic include's own keywords do not reach the tasks it
        includes (only its vars do)."""
        return [n for n in self.chain() if n is self or not _dynamic_include(n)]

    def conditions(self) -> list[Any]:
        """Every ``when`` from the play down to this node, in order."""
        return [condition for condition, _ in self.conditions_with_origins()]

    def conditions_with_origins(self) -> list[tuple[Any, Origin | None]]:
        """Every ``when`` from the play down, with where it is written."""
        found: list[tuple[Any, Origin | None]] = []
        for node in self.keyword_chain():
            origin = node.keyword_origins.get("when")
            items = node.item_origins.get("when", [])
            for index, condition in enumerate(node.keywords.get("when", [])):
                found.append((condition, items[index] if index < len(items) else origin))
        return found

    def tags(self) -> set[str]:
        found: set[str] = set()
        for node in self.keyword_chain():
            found.update(str(tag) for tag in node.keywords.get("tags", []))
        return found

    def scoped_vars(self) -> dict[str, Any]:
        """Block and task ``vars`` from the outside in (play vars are separate)."""
        merged: dict[str, Any] = {}
        for node in self.chain():
            if not isinstance(node, Play):
                merged.update(node.keywords.get("vars") or {})
        return merged

    @property
    def play(self) -> Play:
        node: Node = self
        while node.parent is not None:
            node = node.parent
        assert isinstance(node, Play)
        return node


@dataclass(eq=False)
class Task(Node):
    action: str = ""
    args: dict[str, Any] = field(default_factory=dict)
    #: the action key as written (``ansible.builtin.command``), for messages
    action_as_written: str = ""
    is_handler: bool = False
    #: where custom modules for this task are found
    library_dirs: tuple[str, ...] = ()
    #: the name with its templates rendered, set when the task is announced
    rendered_name: str | None = None
    #: where the name's value is written, for warnings about it
    name_origin: Origin | None = None
    #: where the action's key (``debug:``) is written, and each argument's value
    action_origin: Origin | None = None
    arg_origins: dict[str, Origin] = field(default_factory=dict)
    arg_key_origins: dict[str, Origin] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.keywords.get("name") or self.action)

    def display_name(self) -> str:
        name = self.rendered_name if self.rendered_name is not None else self.keywords.get("name")
        if not name and self.action == "include_role" and self.args.get("name"):
            name = f"include_role : {self.args['name']}"  # as ansible-core titles it
        # an unnamed task is titled by its action as written (ansible.builtin.debug)
        action = self.action_as_written or self.action
        if self.role is not None:
            return f"{self.role.name} : {name or action}"
        return str(name or action)

    @property
    def loop_keyword(self) -> str | None:
        for key in self.keywords:
            if key == "loop" or key.startswith("with_"):
                return key
        return None


@dataclass(eq=False)
class Block(Node):
    block: list[Node] = field(default_factory=list)
    rescue: list[Node] = field(default_factory=list)
    always: list[Node] = field(default_factory=list)


@dataclass(eq=False)
class Play(Node):
    pre_tasks: list[Node] = field(default_factory=list)
    tasks: list[Node] = field(default_factory=list)
    post_tasks: list[Node] = field(default_factory=list)
    handlers: list[Task] = field(default_factory=list)
    #: roles' task blocks run between pre_tasks and tasks
    role_tasks: list[Node] = field(default_factory=list)
    vars_files: list[Any] = field(default_factory=list)
    #: set for plays pulled in by import_playbook, for messages
    source_path: str = ""
    #: roles (path, parameters) applied so far: a dependency already applied is not again
    roles_applied: set[tuple[str, str]] = field(default_factory=set)

    @property
    def name(self) -> str:
        name = self.keywords.get("name")
        if name:
            return str(name)
        hosts = self.keywords.get("hosts", [])
        return ",".join(str(h) for h in hosts) if isinstance(hosts, list) else str(hosts)

    def sections(self) -> list[tuple[str, list[Node]]]:
        """Task lists in run order; handlers flush after each."""
        return [
            ("pre_tasks", self.pre_tasks),
            ("tasks", self.role_tasks + self.tasks),
            ("post_tasks", self.post_tasks),
        ]


@dataclass(eq=False)
class Playbook:
    path: str
    plays: list[Play] = field(default_factory=list)
    #: non-fatal problems found while parsing, shown before the run
    warnings: list[str] = field(default_factory=list)
    #: the path as the command line gave it, for messages
    given_path: str = ""

    @property
    def basedir(self) -> str:
        import os

        return os.path.dirname(os.path.abspath(self.path))


def walk_tasks(nodes: list[Node]) -> list[Task]:
    """Every task in a node list, depth first (for --list-tasks and validation)."""
    found: list[Task] = []
    for node in nodes:
        if isinstance(node, Task):
            found.append(node)
        elif isinstance(node, Block):
            found.extend(walk_tasks(node.block + node.rescue + node.always))
    return found


_OMIT_TEMPLATE = re.compile(r"^\s*\{\{-?\s*omit\s*-?\}\}\s*$")


def _is_omit(value: Any) -> bool:
    """A keyword written as just ``"{{ omit }}"`` (recognisable without a templar)."""
    return value == OMIT or (isinstance(value, str) and _OMIT_TEMPLATE.match(value) is not None)


def _dynamic_include(node: Node) -> bool:
    """include_tasks / include_role, whose tasks are loaded when it runs."""
    return isinstance(node, Task) and node.action in ("include_tasks", "include_role")
