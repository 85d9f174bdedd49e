"""Hosts and groups: the graph every inventory source fills in.

Sources only call :meth:`InventoryGraph.add_host`, :meth:`add_group` and
:meth:`add_child_group`; :meth:`InventoryGraph.reconcile` then settles the
implicit parts (top-level groups become children of ``all``, hosts with no
group go to ``ungrouped``) once every source is read, so the result does not
depend on which source mentioned a host first. Orders are kept exactly as the
reference keeps them because host order decides run order.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from longplay.errors import LongplayError

__all__ = [
    "LOCALHOST_NAMES",
    "ConnectionSettings",
    "Group",
    "GroupLoopError",
    "Host",
    "InventoryGraph",
]

#: Names that reach the implicit localhost when the inventory lacks them.
LOCALHOST_NAMES = ("localhost", "127.0.0.1", "::1")


class GroupLoopError(ValueError):
    """Making a group a child of another would create a cycle."""


class Group:
    """A named set of hosts with its own variables and child groups."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.vars: dict[str, Any] = {}
        self.hosts: list[Host] = []
        self.children: list[Group] = []
        self.parents: list[Group] = []
        #: Longest path from ``all``; deeper groups' vars win over shallower ones.
        self.depth = 0
        #: ``ansible_group_priority``: breaks ties between equally deep groups.
        self.priority = 1

    def __repr__(self) -> str:
        return f"Group({self.name!r})"

    def set_var(self, name: str, value: Any) -> None:
        """Set a group variable from an inventory file.

        ``ansible_group_priority`` is not a variable but the group's priority,
        as in the reference.
        """
        if name == "ansible_group_priority":
            try:
                self.priority = int(value)
            except (TypeError, ValueError):
                raise ValueError(f"ansible_group_priority must be an integer, got {value!r}")
            return
        self.vars[name] = value

    def sort_key(self) -> tuple[int, int, str]:
        """Order in which group variables are applied (later wins)."""
        return (self.depth, self.priority, self.name)

    def descendants(self) -> list[Group]:
        """This group then its descendants, breadth first (the reference's host order)."""
        order = [self]
        seen = {id(self)}
        level = [self]
        while level:
            following = []
            for group in level:
                for child in group.children:
                    if id(child) not in seen:
                        seen.add(id(child))
                        following.append(child)
            order.extend(following)
            level = following
        return order

    def ancestors(self) -> list[Group]:
        """Every group above this one (not including itself)."""
        found: list[Group] = []
        seen: set[int] = set()
        stack = list(self.parents)
        while stack:
            group = stack.pop()
            if id(group) not in seen:
                seen.add(id(group))
                found.append(group)
                stack.extend(group.parents)
        return found

    def all_hosts(self) -> list[Host]:
        """Hosts of this group and of its descendants, without duplicates."""
        hosts: list[Host] = []
        seen: set[int] = set()
        for group in self.descendants():
            for host in group.hosts:
                if id(host) not in seen:
                    seen.add(id(host))
                    hosts.append(host)
        return hosts


class Host:
    """One inventory host: its name, its inline variables and its groups."""

    def __init__(self, name: str, implicit: bool = False) -> None:
        self.name = name
        #: Variables written with the host in the inventory file (not group_vars).
        self.vars: dict[str, Any] = {}
        #: Groups the host was put in directly, in order.
        self.direct_groups: list[Group] = []
        #: True for the localhost made up when the inventory does not list it.
        self.implicit = implicit
        #: The inventory file (or host list) that first named the host: ``inventory_file``.
        self.source: str | None = None
        #: The directory of that file: ``inventory_dir`` (None for a host list).
        self.source_dir: str | None = None

    def __repr__(self) -> str:
        return f"Host({self.name!r})"

    @property
    def groups(self) -> list[Group]:
        """Every group the host is in (ancestors included), in variable precedence order."""
        found: dict[int, Group] = {}
        for group in self.direct_groups:
            found.setdefault(id(group), group)
            for ancestor in group.ancestors():
                found.setdefault(id(ancestor), ancestor)
        return sorted(found.values(), key=Group.sort_key)

    def group_names(self) -> list[str]:
        """The ``group_names`` magic variable: sorted, without ``all``.

        Like the reference, ``ungrouped`` is listed for ungrouped hosts.
        """
        return sorted(group.name for group in self.groups if group.name != "all")

    def connection_settings(self, variables: Mapping[str, Any] | None = None) -> ConnectionSettings:
        """Where and how to connect, from ``variables`` (default: the inline vars).

        Pass the host's fully merged and templated variables for the real
        answer; group_vars can set any of these.
        """
        return ConnectionSettings.from_vars(
            self.name, self.vars if variables is None else variables
        )


def _last_set(variables: Mapping[str, Any], *names: str) -> Any:
    """The value of the last of ``names`` that is set (later aliases win, as in the reference)."""
    value = None
    for name in names:
        if variables.get(name) is not None:
            value = variables[name]
    return value


@dataclass(frozen=True)
class ConnectionSettings:
    """Connection variables of one host, with the reference's aliases resolved."""

    name: str
    address: str
    port: int | None
    user: str | None
    connection: str
    password: str | None
    private_key_file: str | None
    python_interpreter: str | None

    @classmethod
    def from_vars(cls, name: str, variables: Mapping[str, Any]) -> ConnectionSettings:
        port = _last_set(variables, "ansible_port", "ansible_ssh_port")
        if port is not None:
            try:
                port = int(port)
            except (TypeError, ValueError):
                raise LongplayError(f"ansible_port of host '{name}' must be a number, got {port!r}")
        password = _last_set(
            variables, "ansible_password", "ansible_ssh_pass", "ansible_ssh_password"
        )
        return cls(
            name=name,
            address=str(_last_set(variables, "ansible_host", "ansible_ssh_host") or name),
            port=port,
            user=_optional_str(_last_set(variables, "ansible_user", "ansible_ssh_user")),
            connection=str(variables.get("ansible_connection") or "ssh"),
            password=_optional_str(password),
            private_key_file=_optional_str(
                _last_set(variables, "ansible_private_key_file", "ansible_ssh_private_key_file")
            ),
            python_interpreter=_optional_str(variables.get("ansible_python_interpreter")),
        )


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


class InventoryGraph:
    """Hosts and groups with the ``all``/``ungrouped`` bookkeeping of the reference."""

    def __init__(self) -> None:
        self.hosts: dict[str, Host] = {}
        self.groups: dict[str, Group] = {}
        #: The implicit localhost, once something asked for it.
        self.localhost: Host | None = None
        #: Things the reference warns about; the CLI prints them.
        self.warnings: list[str] = []
        self._detached: dict[str, Host] = {}
        self._version = 0
        self._reading: tuple[str | None, str | None] = (None, None)
        all_group = self.add_group("all")
        ungrouped = self.add_group("ungrouped")
        self._link(all_group, ungrouped)

    # -- building -----------------------------------------------------------

    def _changed(self) -> None:
        self._version += 1

    def reading(self, source: str | None, source_dir: str | None) -> None:
        """Record the file being read: hosts it creates get it as ``inventory_file``."""
        self._reading = (source, source_dir)

    def add_group(self, name: str) -> Group:
        """The group called ``name``, created if new."""
        group = self.groups.get(name)
        if group is None:
            group = self.groups[name] = Group(name)
            self._changed()
        return group

    def add_host(self, name: str, group: str | None = None, port: int | None = None) -> Host:
        """The host called ``name``, also put in ``group`` if given.

        ``port`` (from ``name:port``) becomes ``ansible_port`` only when the
        host is new, as in the reference: a later mention does not move it.
        """
        host = self.hosts.get(name)
        if host is None:
            host = self.hosts[name] = Host(name)
            host.source, host.source_dir = self._reading
            if port is not None:
                host.vars["ansible_port"] = port
            self._changed()
        if group is not None:
            self.add_host_to_group(group, name)
        return host

    def add_host_to_group(self, group: str, host: str) -> None:
        """Put an existing host in a group (created if new)."""
        target = self.add_group(group)
        member = self.hosts[host]
        if member not in target.hosts:
            target.hosts.append(member)
            member.direct_groups.append(target)
            self._changed()

    def add_child_group(self, parent: str, child: str) -> None:
        """Make ``child`` a child group of ``parent`` (both created if new).

        Raises :class:`GroupLoopError` when that would make a cycle.
        """
        upper, lower = self.add_group(parent), self.add_group(child)
        if lower in upper.children:
            return
        if upper is lower or upper in lower.descendants():
            raise GroupLoopError(
                f"adding group '{child}' as a child of '{parent}' creates a dependency loop"
            )
        self._link(upper, lower)

    def _link(self, upper: Group, lower: Group) -> None:
        upper.children.append(lower)
        lower.parents.append(upper)
        self._deepen(lower, upper.depth + 1)
        self._changed()

    @staticmethod
    def _deepen(group: Group, depth: int) -> None:
        pending = [(group, depth)]
        while pending:
            current, wanted = pending.pop()
            if wanted > current.depth:
                current.depth = wanted
                pending.extend((child, wanted + 1) for child in current.children)

    def remove_host_from_group(self, group: str, host: str) -> None:
        target, member = self.groups[group], self.hosts[host]
        if member in target.hosts:
            target.hosts.remove(member)
            member.direct_groups.remove(target)
            self._changed()

    def reconcile(self) -> None:
        """Settle ``all`` and ``ungrouped`` after sources (or add_host/group_by) changed things."""
        all_group, ungrouped = self.groups["all"], self.groups["ungrouped"]
        for group in self.groups.values():
            if group is not all_group and not group.parents:
                self._link(all_group, group)
        for host in self.hosts.values():
            others = [g for g in host.direct_groups if g not in (all_group, ungrouped)]
            if ungrouped in host.direct_groups:
                if others:
                    self.remove_host_from_group("ungrouped", host.name)
            elif not others:
                self.add_host_to_group("ungrouped", host.name)
        for name in self.hosts:
            if name in self.groups:
                warning = f"Found both group and host with same name: {name}"
                if warning not in self.warnings:
                    self.warnings.append(warning)

    # -- reading ------------------------------------------------------------

    @property
    def version(self) -> int:
        """Changes whenever hosts or groups change; lets readers cache derived data."""
        return self._version

    def get_host(self, name: str) -> Host | None:
        """A host by name; ``localhost``/``127.0.0.1``/``::1`` fall back to the implicit localhost."""
        host = self.hosts.get(name)
        if host is None and name in LOCALHOST_NAMES:
            host = self.implicit_localhost(name)
        return host

    def implicit_localhost(self, name: str = "localhost") -> Host:
        """The made-up local host: local connection, this Python, in no group.

        Like the reference there is only one: the name it was first asked for sticks.
        """
        if self.localhost is None:
            host = Host(name, implicit=True)
            host.vars["ansible_connection"] = "local"
            host.vars["ansible_python_interpreter"] = sys.executable
            self.localhost = host
        return self.localhost

    def implicit_host(self, name: str) -> Host:
        """A host for a name the inventory lacks (``delegate_to: other``).

        Localhost names give the implicit localhost; any other name gets a
        detached host in no group (only ``all`` variables apply), the same
        object each time.
        """
        if name in LOCALHOST_NAMES and name not in self.hosts:
            return self.implicit_localhost(name)
        host = self.hosts.get(name) or self._detached.get(name)
        if host is None:
            host = self._detached[name] = Host(name, implicit=True)
        return host

    def file_of(self, host: Host) -> str | None:
        """``inventory_file`` of ``host``: the source that first named it."""
        return host.source

    def dir_of(self, host: Host) -> str | None:
        """``inventory_dir`` of ``host``: the directory of :meth:`file_of`."""
        return host.source_dir

    def iter_hosts(self) -> Iterator[Host]:
        return iter(self.hosts.values())
