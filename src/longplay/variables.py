"""Which value a variable has for a host and task: Ansible's precedence, in one place.

From lowest to highest (as Ansible documents it):

 1. role defaults
 2. inventory group vars (file, then group_vars/ beside the inventory, then
    group_vars/ beside the playbook; ``all`` before other groups)
 3. inventory host vars (file, then host_vars/ beside inventory, then playbook)
 4. facts (gathered, or returned by modules as ``ansible_facts``)
 5. play ``vars``, ``vars_prompt``, ``vars_files``
 6. role vars, block vars, task vars
 7. ``include_vars``
 8. ``set_fact`` and registered results
 9. role and include params
10. extra vars (``-e``)

Values from files and the playbook are templates, rendered lazily when read.
Facts, registered results and ``set_fact`` values are data and are never
templated again (a registered stdout containing ``{{`` stays as it was).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from longplay.errors import LongplayError
from longplay.templating.templar import Variables

if TYPE_CHECKING:
    from longplay.inventory import Host, Inventory
    from longplay.playbook.model import Play, Role, Task


@dataclass
class HostVarsState:
    """What a host accumulates during a run."""

    facts: dict[str, Any] = field(default_factory=dict)
    #: facts a module returned without the ``ansible_`` prefix (discovered_interpreter_python,
    #: packages...): ansible-core injects them as variables under that very name
    plain_facts: set[str] = field(default_factory=set)
    #: set_fact and register results (data, never templated)
    runtime: dict[str, Any] = field(default_factory=dict)
    #: include_vars results (templates)
    included: dict[str, Any] = field(default_factory=dict)
    #: roles included with ``public: true`` (their defaults and vars stay visible)
    public_roles: list[Role] = field(default_factory=list)


def fact_variables(
    facts: Mapping[str, Any], plain: Collection[str] = frozenset()
) -> dict[str, Any]:
    """Facts as variables: ``ansible_facts`` plus the injected ``ansible_*`` names."""
    injected = {
        (name if name in plain else f"ansible_{name}"): value
        for name, value in facts.items()
        if not name.startswith("ansible_")
    }
    if "ansible_local" in facts:  # the one fact ansible-core keeps prefixed
        injected["ansible_local"] = facts["ansible_local"]
    injected["ansible_facts"] = dict(facts)
    return injected


def normalise_facts(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Module-returned facts use ``ansible_`` prefixes; ``ansible_facts`` holds them without."""
    return {
        (k[8:] if k.startswith("ansible_") and k != "ansible_local" else k): v
        for k, v in raw.items()
    }


class VariableManager:
    """Computes the variables for a host (and task) from every layer."""

    def __init__(
        self,
        inventory: Inventory,
        extra_vars: dict[str, Any],
        playbook_dir: str,
        check_mode: bool = False,
        diff: bool = False,
        verbosity: int = 0,
    ) -> None:
        self.inventory = inventory
        self.extra_vars = extra_vars
        self.playbook_dir = playbook_dir
        self.check_mode = check_mode
        self.diff = diff
        self.verbosity = verbosity
        self.state: dict[str, HostVarsState] = {}
        self._inventory_cache: dict[str, dict[str, Any]] = {}
        #: magic variables describing the current play, set by the play runner
        self.play_magic: dict[str, Any] = {}
        self.play_vars: dict[str, Any] = {}
        #: vars_files entries whose names need a host's variables (``vars/{{ ansible_os_family
        #: }}.yml``): each a list of candidates, the first found for the host is read
        self.deferred_vars_files: list[list[Any]] = []
        self.vars_file_loader: Callable[[str], dict[str, Any] | None] | None = None
        #: the play's static roles, whose defaults and vars every task sees
        self.play_roles: list[Role] = []

    # --- host state ---------------------------------------------------------

    def host_state(self, host: str) -> HostVarsState:
        state = self.state.get(host)
        if state is None:
            state = self.state[host] = HostVarsState()
        return state

    def inventory_changed(self) -> None:
        """Forget cached inventory variables (after refresh_inventory, add_host, group_by)."""
        self._inventory_cache.clear()

    def set_facts(self, host: str, facts: Mapping[str, Any]) -> None:
        state = self.host_state(host)
        state.facts.update(normalise_facts(facts))
        state.plain_facts.update(k for k in facts if not k.startswith("ansible_"))

    def set_runtime(self, host: str, values: Mapping[str, Any]) -> None:
        self.host_state(host).runtime.update(values)

    def include_vars(self, host: str, values: Mapping[str, Any]) -> None:
        self.host_state(host).included.update(values)

    # --- layers -------------------------------------------------------------

    def inventory_vars(self, host: Host) -> dict[str, Any]:
        cached = self._inventory_cache.get(host.name)
        if cached is None:
            cached = {}
            cached.update(self.inventory.group_vars_for(host, self.playbook_dir))
            cached.update(self.inventory.host_vars_for(host, self.playbook_dir))
            self._inventory_cache[host.name] = cached
        return cached

    def magic_vars(self, host: Host) -> dict[str, Any]:
        groups = self.inventory.groups_dict()
        magic: dict[str, Any] = {}
        if host.source is not None:
            magic["inventory_file"] = host.source
            magic["inventory_dir"] = host.source_dir
        return {
            **magic,
            "inventory_hostname": host.name,
            "inventory_hostname_short": host.name.split(".")[0],
            "group_names": host.group_names(),
            "groups": groups,
            "hostvars": HostVars(self),
            "playbook_dir": self.playbook_dir,
            "ansible_check_mode": self.check_mode,
            "ansible_diff_mode": self.diff,
            "ansible_verbosity": self.verbosity,
            "ansible_version": _version_info(),
            "ansible_playbook_python": _python(),
            "omit": "__omit_place_holder__longplay",
            **self.play_magic,
        }

    def layers(
        self, host: Host, task: Task | None = None, play: Play | None = None
    ) -> tuple[dict[str, Any], set[str]]:
        """Merged raw values for ``host`` (and ``task``), plus the names holding data."""
        state = self.host_state(host.name)
        merged: dict[str, Any] = {}
        literal: set[str] = set()
        role = task.role if task is not None else None
        for play_role in [*self.play_roles, *state.public_roles]:
            merged.update(play_role.defaults)
        if role is not None:
            merged.update(role.defaults)
        merged.update(self.inventory_vars(host))
        facts = fact_variables(state.facts, state.plain_facts)
        merged.update(facts)
        literal.update(facts)
        merged.update(self.play_vars)
        if self.deferred_vars_files:
            merged.update(self._host_vars_files(host, merged, literal))
        for play_role in [*self.play_roles, *state.public_roles]:
            merged.update(play_role.vars)
        if role is not None:
            merged.update(role.vars)
        if task is not None:
            merged.update(task.scoped_vars())
        merged.update(state.included)
        merged.update(state.runtime)
        literal.update(state.runtime)
        if role is not None:
            merged.update(role.params)
            merged["role_name"] = role.name
            merged["role_path"] = role.path
        merged.update(self.extra_vars)
        magic = self.magic_vars(host)
        merged.update(magic)
        literal.update(magic)
        literal.difference_update(self.extra_vars)
        return merged, literal

    def _host_vars_files(
        self, host: Host, merged: dict[str, Any], literal: set[str]
    ) -> dict[str, Any]:
        """The deferred vars_files as this host names them: in each entry, the first
        candidate that exists; an entry whose name does not render is passed over."""
        magic = self.magic_vars(host)
        scope = Variables({**merged, **magic, **self.extra_vars}, frozenset(literal | set(magic)))
        found: dict[str, Any] = {}
        for candidates in self.deferred_vars_files:
            for candidate in candidates:
                try:
                    name = str(scope.templar.template(candidate))
                except LongplayError:
                    break
                data = self.vars_file_loader(name) if self.vars_file_loader else None
                if data is not None:
                    found.update(data)
                    break
        return found

    def for_host(
        self,
        host: Host,
        task: Task | None = None,
        extra: Mapping[str, Any] | None = None,
        view: type[Variables] = Variables,
    ) -> Variables:
        """A lazy, templating view of the host's variables for ``task``."""
        merged, literal = self.layers(host, task)
        if extra:
            merged.update(extra)
            literal.update(extra)
        return view(merged, frozenset(literal))


class HostVarsVars(Variables):
    """``hostvars[name]``: one host's variables, named as ansible-core names them."""

    type_name = "HostVarsVars"


class HostVars(Mapping[str, Any]):
    """``hostvars``: every host's variables, computed only when read."""

    def __init__(self, manager: VariableManager) -> None:
        self._manager = manager

    def __getitem__(self, name: str) -> Any:
        host = self._manager.inventory.get_host(name)
        if host is None:
            raise KeyError(name)
        return self._manager.for_host(host, view=HostVarsVars)

    def describe_missing(self, name: str) -> str:
        return f"hostvars['{name}']"

    def __iter__(self) -> Iterator[str]:
        return iter(self._manager.inventory.hosts)

    def __len__(self) -> int:
        return len(self._manager.inventory.hosts)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._manager.inventory.get_host(name) is not None


def _version_info() -> dict[str, Any]:
    from longplay import __version__

    major, minor, *rest = ([*__version__.split("."), "0"])[:3]
    return {
        "full": __version__,
        "major": int(major),
        "minor": int(minor),
        "revision": int(rest[0]),
        "string": __version__,
    }


def _python() -> str:
    import sys

    return sys.executable or os.path.realpath("python3")
