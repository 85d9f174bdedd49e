"""YAML (and JSON) inventories: ``all: {hosts:, vars:, children:}`` nested to any depth.

Top-level keys are groups (usually just ``all``). Each group may have
``hosts`` (a mapping of host pattern to that host's variables), ``vars`` and
``children`` (a mapping of group name to the same structure). Everything is
read in document order, since that decides host order.
"""

from __future__ import annotations

from typing import Any

from longplay.errors import Origin, ParseError
from longplay.inventory.model import GroupLoopError, InventoryGraph
from longplay.inventory.ranges import HostRangeError, expand_host_pattern
from longplay.playbook.source import origin_of

__all__ = ["is_plugin_config", "parse_yaml_inventory"]

_SECTIONS = ("vars", "children", "hosts")


def _type_name(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return type(value).__name__


def _position(container: Any, key: Any, fallback: Origin) -> Origin:
    """Where ``container[key]`` was written, as precisely as known."""
    finder = getattr(container, "origin_of", None)
    found = finder(key) if finder is not None else None
    return found or origin_of(container) or fallback


def is_plugin_config(data: Any) -> bool:
    """True for an inventory *plugin* config (``plugin: aws_ec2``), which longplay cannot run."""
    return isinstance(data, dict) and "plugin" in data and isinstance(data["plugin"], str)


class _YamlInventory:
    def __init__(self, graph: InventoryGraph, path: str) -> None:
        self.graph = graph
        self.path = path

    def group(self, name: Any, data: Any, where: Origin, parent: str | None) -> None:
        name = str(name)
        self.graph.add_group(name)
        if parent is not None:
            try:
                self.graph.add_child_group(parent, name)
            except GroupLoopError as exc:
                raise ParseError(str(exc), where)
        if data is None:
            return
        if not isinstance(data, dict):
            raise ParseError(
                f"Group '{name}' must be a mapping of hosts, vars and children, "
                f"found {_type_name(data)}.",
                where,
            )
        for key, value in data.items():
            at = _position(data, key, where)
            if key not in _SECTIONS:
                self.graph.warnings.append(
                    f"Skipping unexpected key ({key}) in group ({name}), "
                    'only "vars", "children" and "hosts" are valid'
                )
                continue
            if value is None:
                continue
            if not isinstance(value, dict):
                raise ParseError(
                    f'Invalid "{key}" entry for "{name}" group, requires a mapping, '
                    f"found {_type_name(value)} instead.",
                    at,
                )
            if key == "vars":
                group = self.graph.groups[name]
                for var_name, var_value in value.items():
                    try:
                        group.set_var(str(var_name), var_value)
                    except ValueError as exc:
                        raise ParseError(str(exc), _position(value, var_name, at))
            elif key == "children":
                for child, child_data in value.items():
                    self.group(child, child_data, _position(value, child, at), name)
            else:
                self.hosts(name, value, at)

    def hosts(self, group: str, entries: dict[Any, Any], where: Origin) -> None:
        for pattern, variables in entries.items():
            at = _position(entries, pattern, where)
            if not isinstance(pattern, str):
                raise ParseError(
                    f"Host pattern {pattern!r} must be a string. "
                    "Enclose integers/floats in quotation marks.",
                    at,
                )
            if variables is not None and not isinstance(variables, dict):
                raise ParseError(
                    f"The variables of host '{pattern}' must be a mapping, "
                    f"found {_type_name(variables)}.",
                    at,
                )
            try:
                names, port = expand_host_pattern(pattern)
            except HostRangeError as exc:
                raise ParseError(str(exc), at)
            for host_name in names:
                host = self.graph.add_host(host_name, group, port)
                if variables:
                    host.vars.update(variables)


def parse_yaml_inventory(graph: InventoryGraph, path: str, data: Any) -> None:
    """Add the groups and hosts of parsed YAML inventory ``data`` (from ``path``) to ``graph``."""
    top = Origin(path, 1)
    if data is None:
        return
    if not isinstance(data, dict):
        raise ParseError(
            f"YAML inventory has invalid structure, it should be a mapping of groups, "
            f"found {_type_name(data)}.",
            origin_of(data) or top,
        )
    if is_plugin_config(data):
        raise ParseError(
            f"inventory plugin configs are not supported (plugin: {data['plugin']}).",
            _position(data, "plugin", top),
        )
    reader = _YamlInventory(graph, path)
    for name, group_data in data.items():
        reader.group(name, group_data, _position(data, name, top), None)
