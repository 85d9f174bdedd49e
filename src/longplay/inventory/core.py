"""The loaded inventory: sources, host selection and per-host variable layers.

Variables are exposed as *layers* rather than one dict because the
reference interleaves playbook-adjacent ``group_vars``/``host_vars`` between
inventory ones; :meth:`Inventory.host_var_layers` returns them in
precedence order (low to high) so the variable manager can merge them on
top of role defaults and under play vars.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from longplay.inventory.model import Group, Host, InventoryGraph
from longplay.inventory.patterns import Selection, evaluate_pattern
from longplay.inventory.sources import InventorySource, parse_source
from longplay.inventory.vars_dirs import VarsDirectory

__all__ = ["AdjacentVars", "Inventory", "VarLayer", "load_inventory"]

StrPath = str | os.PathLike[str]


@dataclass(frozen=True)
class VarLayer:
    """One step of a host's variable precedence, e.g. ``inventory group_vars/*``."""

    name: str
    vars: Mapping[str, Any]


@dataclass(frozen=True)
class AdjacentVars:
    """What one ``group_vars``/``host_vars`` base directory gives one host."""

    group_all: dict[str, Any]
    groups: dict[str, Any]
    host: dict[str, Any]


def _merge(mappings: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for mapping in mappings:
        merged.update(mapping)
    return merged


class Inventory(InventoryGraph):
    """Hosts and groups from every ``-i`` source, merged in order."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[InventorySource] = []
        self._adjacent: dict[str, VarsDirectory] = {}
        self._groups_dict: tuple[int, dict[str, list[str]]] | None = None
        self._specs: list[str | os.PathLike[str]] = []
        self._cwd = os.getcwd()

    @classmethod
    def load(
        cls,
        sources: Sequence[str | os.PathLike[str]] | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> Inventory:
        """Read ``sources`` in order (none: only the implicit localhost exists)."""
        inventory = cls()
        inventory._read(sources or (), cwd)
        return inventory

    def _read(
        self, sources: Sequence[str | os.PathLike[str]], cwd: str | os.PathLike[str] | None
    ) -> None:
        self._specs = list(sources)
        self._cwd = os.fspath(cwd) if cwd is not None else os.getcwd()
        for spec in self._specs:
            self.sources.append(parse_source(self, spec, self._cwd))
        self.reconcile()

    def refresh(self) -> None:
        """Re-read every source from disk (``meta: refresh_inventory``).

        Hosts added while running (``add_host``, ``group_by``) disappear and
        vars files are read again, as in the reference. Host and group
        objects are new afterwards, so look hosts up again by name.
        """
        fresh = type(self)()
        fresh._read(self._specs, self._cwd)
        version = self.version
        self.__dict__.update(fresh.__dict__)
        self._version = version + fresh.version + 1

    @property
    def is_empty(self) -> bool:
        """True when no source defined a host; only the implicit localhost is available."""
        return not self.hosts

    # -- selection ----------------------------------------------------------

    def match(
        self,
        pattern: str | Sequence[str],
        limit: str | Sequence[str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> Selection:
        """Hosts of ``pattern`` within ``limit``, plus the terms that matched nothing."""
        return evaluate_pattern(self, pattern, limit, cwd)

    def select(
        self,
        pattern: str | Sequence[str],
        limit: str | Sequence[str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> list[Host]:
        """Hosts of ``pattern`` (``web:&prod``...) within ``--limit``, in inventory order."""
        return self.match(pattern, limit, cwd).hosts

    def groups_dict(self) -> dict[str, list[str]]:
        """The ``groups`` magic variable; cached, so treat it as read-only."""
        if self._groups_dict is None or self._groups_dict[0] != self.version:
            value = {
                name: [host.name for host in group.all_hosts()]
                for name, group in self.groups.items()
            }
            self._groups_dict = (self.version, value)
        return self._groups_dict[1]

    # -- variables ----------------------------------------------------------

    def host_groups(self, host: Host) -> list[Group]:
        """The host's groups other than ``all``, lowest precedence first."""
        return [group for group in host.groups if group.name != "all"]

    def file_group_vars(self, host: Host) -> dict[str, Any]:
        """Group variables written in the inventory files: ``all`` first, then by depth."""
        return _merge([self.groups["all"].vars, *(g.vars for g in self.host_groups(host))])

    def _source_dirs(self) -> list[VarsDirectory]:
        return [source.vars_dir for source in self.sources if source.vars_dir is not None]

    def adjacent_vars(self, host: Host, basedir: StrPath) -> AdjacentVars:
        """``group_vars``/``host_vars`` beside ``basedir`` (a playbook's directory) for ``host``."""
        key = os.path.abspath(os.fspath(basedir))
        directory = self._adjacent.get(key)
        if directory is None:
            directory = self._adjacent[key] = VarsDirectory(key)
        return self._dir_vars([directory], host)

    def _dir_vars(self, directories: Sequence[VarsDirectory], host: Host) -> AdjacentVars:
        groups = self.host_groups(host)
        return AdjacentVars(
            group_all=_merge(d.group_vars("all") for d in directories),
            groups=_merge(d.group_vars(g.name) for d in directories for g in groups),
            host=_merge(d.host_vars(host.name) for d in directories),
        )

    def _playbook_vars(self, host: Host, playbook_dir: StrPath | None) -> AdjacentVars:
        if playbook_dir is None:
            return AdjacentVars({}, {}, {})
        return self.adjacent_vars(host, playbook_dir)

    def group_vars_for(self, host: Host, playbook_dir: StrPath | None = None) -> dict[str, Any]:
        """Every group-level variable of ``host`` below play level, merged in precedence order.

        Inventory file group vars, inventory ``group_vars/all``, playbook
        ``group_vars/all``, inventory ``group_vars/*``, playbook ``group_vars/*``.
        """
        layers = self.host_var_layers(host, playbook_dir)
        return _merge(layer.vars for layer in layers[:5])

    def host_vars_for(self, host: Host, playbook_dir: StrPath | None = None) -> dict[str, Any]:
        """Inline host vars, inventory ``host_vars/``, then playbook ``host_vars/``, merged."""
        beside = self._dir_vars(self._source_dirs(), host)
        playbook = self._playbook_vars(host, playbook_dir)
        return _merge([host.vars, beside.host, playbook.host])

    def host_var_layers(self, host: Host, playbook_dir: StrPath | None = None) -> list[VarLayer]:
        """The host's inventory-level variables as layers, lowest precedence first.

        The order is the documented one: inventory file group vars, inventory
        ``group_vars/all``, playbook ``group_vars/all``, inventory
        ``group_vars/*``, playbook ``group_vars/*``, inventory file host vars,
        inventory ``host_vars/*``, playbook ``host_vars/*``. Layers may share
        cached dicts: do not modify them.
        """
        inventory = self._dir_vars(self._source_dirs(), host)
        playbook = self._playbook_vars(host, playbook_dir)
        return [
            VarLayer("inventory file group vars", self.file_group_vars(host)),
            VarLayer("inventory group_vars/all", inventory.group_all),
            VarLayer("playbook group_vars/all", playbook.group_all),
            VarLayer("inventory group_vars/*", inventory.groups),
            VarLayer("playbook group_vars/*", playbook.groups),
            VarLayer("inventory file host vars", host.vars),
            VarLayer("inventory host_vars/*", inventory.host),
            VarLayer("playbook host_vars/*", playbook.host),
        ]

    def variables_for(self, host: Host, playbook_dir: StrPath | None = None) -> dict[str, Any]:
        """All of :meth:`host_var_layers` merged into one new dict."""
        return _merge(layer.vars for layer in self.host_var_layers(host, playbook_dir))

    # -- listing ------------------------------------------------------------

    def to_list_dict(self) -> dict[str, Any]:
        """The structure ``ansible-inventory --list`` prints (handy for comparisons)."""
        result: dict[str, Any] = {
            "_meta": {
                "hostvars": {
                    name: vars_
                    for name, host in self.hosts.items()
                    if (vars_ := self.variables_for(host))
                }
            }
        }
        for name, group in self.groups.items():
            entry: dict[str, Any] = {}
            if group.children:
                entry["children"] = [child.name for child in group.children]
            if group.hosts and name != "all":
                entry["hosts"] = [host.name for host in group.hosts]
            if entry or name == "all":
                result[name] = entry
        return result


def load_inventory(
    sources: Sequence[str | os.PathLike[str]] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> Inventory:
    """Read the ``-i`` sources in order into one :class:`Inventory`."""
    return Inventory.load(sources, cwd)
