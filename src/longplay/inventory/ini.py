"""INI inventories: ``[group]``, ``[group:vars]``, ``[group:children]`` sections.

Values are read the reference's way: on host lines the line is split like a
shell command (quotes group words, ``#`` starts a comment) and each value
then goes through Python literal evaluation, so ``port=22`` is an int and
``tags=[1,2]`` a list; in ``:vars`` sections everything after the first
``=`` is evaluated the same way. Anything that is not a literal stays a
string.
"""

from __future__ import annotations

import ast
import re
import shlex
import warnings
from dataclasses import dataclass
from typing import Any

from longplay.errors import Origin, ParseError
from longplay.inventory.model import GroupLoopError, InventoryGraph
from longplay.inventory.ranges import HostRangeError, expand_host_pattern
from longplay.playbook.source import UnsafeText

__all__ = ["parse_ini", "parse_ini_value"]

_SECTION_RE = re.compile(r"^\[(?P<name>[^:\]\s]+)(?::(?P<kind>\w+))?\]\s*(?:[#;].*)?$")
_CHILD_RE = re.compile(r"^(?P<name>[^\s#;]+)\s*(?:[#;].*)?$")
_KINDS = ("hosts", "children", "vars")


class _NotPlain(Exception):
    """A literal that has no variable equivalent (complex numbers)."""


def _plain(value: Any) -> Any:
    """Turn tuples and sets into lists and bytes into unsafe text, as the reference does."""
    if isinstance(value, (tuple, list, set, frozenset)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {
            _plain(key) if isinstance(key, bytes) else key: _plain(v) for key, v in value.items()
        }
    if isinstance(value, bytes):
        # The reference marks bytes literals unsafe (never templated).
        return UnsafeText(value.decode("utf-8", errors="replace"))
    if isinstance(value, complex):
        raise _NotPlain
    return value


def parse_ini_value(text: str) -> Any:
    """A Python literal if ``text`` is one (``1``, ``True``, ``[1, 2]``...), else ``text``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text
    try:
        return _plain(value)
    except _NotPlain:
        return text


@dataclass
class _Pending:
    """A group used in this file before (or without) being defined."""

    message: str
    line: int


class _IniParser:
    """One pass over one INI file; keeps the state the section headers set."""

    def __init__(self, graph: InventoryGraph, path: str) -> None:
        self.graph = graph
        self.path = path
        self.group = "ungrouped"
        self.kind = "hosts"
        self.pending: dict[str, _Pending] = {}

    def fail(self, message: str, line: int, column: int = 1) -> ParseError:
        return ParseError(message, Origin(self.path, line, column))

    def parse(self, text: str) -> None:
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            column = len(raw) - len(raw.lstrip()) + 1
            if line.startswith("[") and self.section(line, number, column):
                continue
            if self.kind == "hosts":
                self.host_line(line, number, column)
            elif self.kind == "children":
                self.child_line(line, number, column)
            else:
                self.vars_line(line, number, column)
        if self.pending:
            first = min(self.pending.values(), key=lambda pending: pending.line)
            raise self.fail(first.message, first.line)

    def section(self, line: str, number: int, column: int) -> bool:
        """Handle a ``[...]`` header; False when the line is really a host (``[::1]:22``)."""
        match = _SECTION_RE.match(line)
        if match is None:
            if line.endswith("]"):
                raise self.fail(
                    f"Invalid section entry: '{line}'. Please make sure that there are no spaces "
                    "in the section entry, and that there are no other invalid characters",
                    number,
                    column,
                )
            return False
        name, kind = match["name"], match["kind"] or "hosts"
        if kind not in _KINDS:
            raise self.fail(f"Section [{name}:{kind}] has unknown type: {kind}", number, column)
        if kind == "vars":
            if name not in self.graph.groups:
                self.pending.setdefault(
                    name,
                    _Pending(
                        f"Section [{name}:vars] not valid for undefined group '{name}'.", number
                    ),
                )
        else:
            self.pending.pop(name, None)
        self.graph.add_group(name)
        self.group, self.kind = name, kind
        return True

    def host_line(self, line: str, number: int, column: int) -> None:
        try:
            tokens = shlex.split(line, comments=True)
        except ValueError as exc:
            raise self.fail(f"Could not parse host line: {exc}", number, column)
        if not tokens:
            return
        try:
            names, port = expand_host_pattern(tokens[0])
        except HostRangeError as exc:
            raise self.fail(str(exc), number, column)
        variables: dict[str, Any] = {}
        for token in tokens[1:]:
            key, equals, value = token.partition("=")
            if not equals:
                raise self.fail(
                    f"Expected key=value host variable assignment, got: {token}",
                    number,
                    _column_of(line, token, column),
                )
            variables[key] = parse_ini_value(value)
        for name in names:
            self.graph.add_host(name, self.group, port).vars.update(variables)

    def child_line(self, line: str, number: int, column: int) -> None:
        match = _CHILD_RE.match(line)
        if match is None:
            raise self.fail(f"Expected group name, got: {line}", number, column)
        child = match["name"]
        if child not in self.graph.groups:
            self.pending.setdefault(
                child,
                _Pending(
                    f"Section [{self.group}:children] includes undefined group '{child}'.", number
                ),
            )
        try:
            self.graph.add_child_group(self.group, child)
        except GroupLoopError as exc:
            raise self.fail(str(exc), number, column)

    def vars_line(self, line: str, number: int, column: int) -> None:
        key, equals, value = line.partition("=")
        key = key.strip()
        if not equals or not key:
            raise self.fail(f"Expected key=value, got: {line}", number, column)
        try:
            self.graph.groups[self.group].set_var(key, parse_ini_value(value.strip()))
        except ValueError as exc:
            raise self.fail(str(exc), number, column)


def _column_of(line: str, token: str, offset: int) -> int:
    found = line.find(token.split("=", 1)[0])
    return offset + found if found >= 0 else offset


def parse_ini(graph: InventoryGraph, path: str, text: str) -> None:
    """Add the hosts and groups of one INI inventory file to ``graph``."""
    _IniParser(graph, path).parse(text)
