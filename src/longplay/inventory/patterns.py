"""Host patterns: ``web:&prod:!web[0]``, ``*.example.com``, ``~db\\d+``, ``@limitfile``.

The rules follow the reference closely because they decide which hosts a
play touches:

* ``a,b`` splits on commas only; otherwise ``a:b`` splits on colons, except
  that a whole pattern that reads as an address (``web:22``, ``::1``) stays
  one term.
* Plain terms come first, then ``&`` intersections, then ``!`` exclusions,
  whatever the written order; with no plain term ``all`` is implied.
* A term naming an inventory host exactly is that host, even when a group
  has the same name. Otherwise matching groups give their hosts, and
  hosts are also searched when no group matched or the term is a wildcard
  or regex. ``~`` terms are regexes anchored at the start of the name.
* ``term[i]``, ``term[i:j]`` (inclusive) and ``term[i:]`` pick from the
  term's hosts; ``localhost``/``127.0.0.1``/``::1`` fall back to the
  implicit localhost.
"""

from __future__ import annotations

import fnmatch
import os
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from longplay.errors import ExitCode, LongplayError, OptionsError
from longplay.inventory.model import LOCALHOST_NAMES, Host, InventoryGraph
from longplay.inventory.ranges import split_host_port

__all__ = [
    "HOST_ORDERS",
    "HostPatternError",
    "Selection",
    "evaluate_pattern",
    "order_hosts",
    "order_terms",
    "read_limit",
    "split_host_pattern",
]

_TERM_RE = re.compile(r"(?:[^\s:\[\]]|\[[^\]]*\])+")
_SUBSCRIPT_RE = re.compile(
    r"^(?P<expr>.+)\[(?:(?P<index>-?[0-9]+)|(?P<start>[0-9]+):(?P<end>[0-9]*)|(?P<dash>[0-9]+-[0-9]*))\]$"
)
_WILDCARD_CHARS = ".?*["

#: Values of the play keyword ``order``.
HOST_ORDERS = ("inventory", "reverse_inventory", "sorted", "reverse_sorted", "shuffle")


class HostPatternError(LongplayError):
    """A host pattern or ``--limit`` that cannot be evaluated (exit code 1, as in the reference)."""

    exit_code = ExitCode.ERROR


@dataclass
class Selection:
    """The hosts a pattern selected, and the terms that matched nothing.

    The CLI warns about each unmatched term the way the reference does
    ("Could not match supplied host pattern, ignoring: X").
    """

    hosts: list[Host] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def split_host_pattern(pattern: str | Sequence[str]) -> list[str]:
    """The terms of a pattern: ``'a:b,c'`` gives ``['a:b', 'c']``, ``'a:!b'`` gives ``['a', '!b']``."""
    if not isinstance(pattern, str):
        return [term for item in pattern for term in split_host_pattern(item)]
    if "," in pattern:
        terms = pattern.split(",")
    else:
        try:
            split_host_port(pattern, allow_ranges=True)
            terms = [pattern]
        except ValueError:
            terms = _TERM_RE.findall(pattern)
    return [term.strip() for term in terms if term.strip()]


def order_terms(terms: Sequence[str]) -> list[str]:
    """Plain terms, then ``&`` terms, then ``!`` terms; ``all`` when there is no plain term."""
    plain = [term for term in terms if term[0] not in "!&"]
    both = [term for term in terms if term[0] == "&"]
    minus = [term for term in terms if term[0] == "!"]
    return (plain or ["all"]) + both + minus


def _names_matching(names: Mapping[str, object], expr: str) -> list[str]:
    """Keys of ``names`` that ``expr`` (exact name, glob or ``~regex``) matches, in order."""
    if expr.startswith("~"):
        try:
            regex = re.compile(expr[1:])
        except re.error as exc:
            raise HostPatternError(f"Invalid host list pattern: {expr} ({exc})")
        return [name for name in names if regex.match(name)]
    if any(char in expr for char in "*?["):
        regex = re.compile(fnmatch.translate(expr))
        return [name for name in names if regex.match(name)]
    return [expr] if expr in names else []


def _unique(hosts: Iterable[Host]) -> list[Host]:
    seen: set[int] = set()
    result = []
    for host in hosts:
        if id(host) not in seen:
            seen.add(id(host))
            result.append(host)
    return result


class _Evaluator:
    def __init__(self, graph: InventoryGraph) -> None:
        self.graph = graph
        self.selection = Selection()

    def enumerate(self, expr: str) -> list[Host]:
        graph = self.graph
        groups = _names_matching(graph.groups, expr)
        found: list[Host] = []
        for name in groups:
            found.extend(graph.groups[name].all_hosts())
        if not groups or expr.startswith("~") or any(c in expr for c in _WILDCARD_CHARS):
            found.extend(graph.hosts[name] for name in _names_matching(graph.hosts, expr))
        if not found and expr in LOCALHOST_NAMES:
            found.append(graph.implicit_localhost(expr))
        if not found and not groups and expr != "all":
            self.selection.unmatched.append(expr)
        return _unique(found)

    def term(self, term: str) -> list[Host]:
        """Hosts of one term, without its ``!``/``&`` prefix."""
        if term.startswith("~"):
            return self.enumerate(term)
        subscript = _SUBSCRIPT_RE.match(term)
        if subscript is None:
            return self.enumerate(term)
        if subscript["dash"] is not None:
            self.selection.warnings.append(
                "Use [x:y] inclusive subscripts instead of [x-y] which has been removed"
            )
            return []
        hosts = self.enumerate(subscript["expr"])
        if subscript["index"] is not None:
            index = int(subscript["index"])
            if not hosts:
                return []
            if not -len(hosts) <= index < len(hosts):
                raise HostPatternError(f"No hosts matched the subscripted pattern '{term}'")
            return [hosts[index]]
        start = int(subscript["start"])
        if subscript["end"]:
            return hosts[start : int(subscript["end"]) + 1]
        return hosts[start:]

    def evaluate(self, terms: Sequence[str]) -> list[Host]:
        hosts: list[Host] = []
        present: set[int] = set()
        for term in order_terms(terms):
            if term in self.graph.hosts:
                found = [self.graph.hosts[term]]
            elif term[0] in "!&":
                selected = {id(host) for host in self.term(term[1:])}
                keep = term[0] == "&"
                hosts = [host for host in hosts if (id(host) in selected) == keep]
                present = {id(host) for host in hosts}
                continue
            else:
                found = self.term(term)
            for host in found:
                if id(host) not in present:
                    present.add(id(host))
                    hosts.append(host)
        return hosts


def read_limit(limit: str | Sequence[str], cwd: str | os.PathLike[str] | None = None) -> list[str]:
    """The terms of a ``--limit`` value; ``@FILE`` stands for the host names in FILE, one a line."""
    terms: list[str] = []
    for term in split_host_pattern(limit):
        if not term.startswith("@"):
            terms.append(term)
            continue
        path = os.path.join(os.fspath(cwd or os.getcwd()), os.path.expanduser(term[1:]))
        try:
            with open(path, encoding="utf-8") as handle:
                terms.extend(line.strip() for line in handle if line.strip())
        except OSError as exc:
            raise HostPatternError(f"Unable to find limit file {term[1:]}: {exc.strerror}")
    return terms


def evaluate_pattern(
    graph: InventoryGraph,
    pattern: str | Sequence[str],
    limit: str | Sequence[str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> Selection:
    """Hosts of ``pattern`` (restricted to ``limit`` if given), in inventory order."""
    evaluator = _Evaluator(graph)
    hosts = evaluator.evaluate(split_host_pattern(pattern))
    if limit is not None:
        terms = read_limit(limit, cwd)
        if terms:
            allowed = {id(host) for host in evaluator.evaluate(terms)}
            hosts = [host for host in hosts if id(host) in allowed]
    evaluator.selection.hosts = hosts
    return evaluator.selection


def order_hosts(
    hosts: Sequence[Host], order: str = "inventory", seed: int | None = None
) -> list[Host]:
    """Hosts in the order the play keyword ``order`` asks for."""
    if order == "inventory":
        return list(hosts)
    if order == "reverse_inventory":
        return list(reversed(hosts))
    if order == "sorted":
        return sorted(hosts, key=lambda host: host.name)
    if order == "reverse_sorted":
        return sorted(hosts, key=lambda host: host.name, reverse=True)
    if order == "shuffle":
        shuffled = list(hosts)
        random.Random(seed).shuffle(shuffled)
        return shuffled
    raise OptionsError(f"Invalid 'order' specified for hosts: {order}; choose one of {HOST_ORDERS}")
