"""Turning ``-i`` values into hosts and groups: files, directories and ``a,b,`` lists.

A file's format is decided the way the reference tries its plugins: ``.ini``
is INI; ``.yml``/``.yaml``/``.json`` and extension-less files are YAML when
they hold a mapping, INI otherwise; anything else is INI. A directory
contributes every file in it (sorted, recursively), except hidden files,
``group_vars``/``host_vars`` and the junk the reference ignores (``*.retry``,
``*~``, ``*.bak``...). A value with a comma that is not an existing path is
a host list.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from longplay.errors import Origin, ParseError
from longplay.inventory.ini import parse_ini
from longplay.inventory.model import InventoryGraph
from longplay.inventory.ranges import split_host_port
from longplay.inventory.vars_dirs import VarsDirectory
from longplay.inventory.yaml_source import parse_yaml_inventory
from longplay.playbook.source import load_yaml_text

__all__ = ["IGNORED_NAMES", "IGNORED_SUFFIXES", "InventorySource", "parse_source"]

#: File name endings skipped inside an inventory directory.
IGNORED_SUFFIXES = (
    ".pyc",
    ".pyo",
    ".swp",
    ".bak",
    "~",
    ".rpm",
    ".md",
    ".txt",
    ".rst",
    ".orig",
    ".cfg",
    ".retry",
)
#: Entries of an inventory directory that are never inventory sources.
IGNORED_NAMES = ("group_vars", "host_vars", "vars_plugins")

_YAML_SUFFIXES = (".yml", ".yaml", ".json")


@dataclass(frozen=True)
class InventorySource:
    """One ``-i`` value after loading.

    ``vars_dir`` reads the ``group_vars``/``host_vars`` beside it: in the
    directory itself for a directory source, next to the file for a file,
    none for a host list.
    """

    spec: str
    path: str | None
    vars_dir: VarsDirectory | None


def _read_text(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise ParseError(f"could not read inventory file {path}: {exc.strerror}", Origin(path, 1))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ParseError(f"inventory file {path} is not valid UTF-8", Origin(path, line))


def _is_script(path: str, text: str) -> bool:
    return text.startswith("#!") and os.access(path, os.X_OK)


def parse_file(graph: InventoryGraph, path: str) -> None:
    """Add one inventory file to ``graph``, choosing INI or YAML."""
    text = _read_text(path)
    graph.reading(path, os.path.dirname(path))
    if _is_script(path, text):
        raise ParseError(
            f"inventory scripts are not supported: {path} is executable and starts with '#!'",
            Origin(path, 1),
        )
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in (*_YAML_SUFFIXES, ""):
        parse_ini(graph, path, text)
        return
    try:
        data = load_yaml_text(text, path)
    except ParseError as yaml_error:
        if suffix == "":
            parse_ini(graph, path, text)
            return
        _ini_or_raise(graph, path, text, yaml_error)
        return
    if isinstance(data, dict):
        parse_yaml_inventory(graph, path, data)
    elif data is None or suffix == "":
        parse_ini(graph, path, text)
    else:
        try:
            parse_yaml_inventory(graph, path, data)
        except ParseError as structure_error:
            _ini_or_raise(graph, path, text, structure_error)


def _ini_or_raise(graph: InventoryGraph, path: str, text: str, original: ParseError) -> None:
    """A ``.yml`` file the YAML reader rejected may still be INI; otherwise report the YAML error."""
    try:
        parse_ini(graph, path, text)
    except ParseError:
        raise original from None


def _skipped(entry: str) -> bool:
    return entry.startswith(".") or entry in IGNORED_NAMES or entry.endswith(IGNORED_SUFFIXES)


def parse_directory(graph: InventoryGraph, path: str) -> None:
    """Add every inventory file under ``path`` (sorted, recursively) to ``graph``."""
    try:
        entries = sorted(os.listdir(path))
    except OSError as exc:
        raise ParseError(f"could not read inventory directory {path}: {exc.strerror}")
    for entry in entries:
        if _skipped(entry):
            continue
        full = os.path.join(path, entry)
        if os.path.isdir(full):
            parse_directory(graph, full)
        else:
            parse_file(graph, full)


def parse_host_list(graph: InventoryGraph, spec: str) -> None:
    """Add the hosts of ``'a,b:2222,'`` to ``ungrouped`` (no ranges, like the reference)."""
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            name, port = split_host_port(item, allow_ranges=False)
        except ValueError:
            name, port = item, None
        if name not in graph.hosts:
            graph.add_host(name, "ungrouped", port)


def parse_source(
    graph: InventoryGraph, spec: str | os.PathLike[str], cwd: str | os.PathLike[str] | None = None
) -> InventorySource:
    """Add one ``-i`` value to ``graph``; relative paths are taken from ``cwd``."""
    text = os.fspath(spec)
    base = os.fspath(cwd) if cwd is not None else os.getcwd()
    path = os.path.normpath(os.path.join(base, os.path.expanduser(text)))
    if "," in text and not os.path.exists(path):
        graph.reading(text, None)
        parse_host_list(graph, text)
        graph.reading(None, None)
        return InventorySource(text, None, None)
    if os.path.isdir(path):
        parse_directory(graph, path)
        graph.reading(None, None)
        return InventorySource(text, path, VarsDirectory(path))
    if not os.path.exists(path):
        raise ParseError(f"inventory source {text} does not exist ({path})")
    parse_file(graph, path)
    graph.reading(None, None)
    return InventorySource(text, path, VarsDirectory(os.path.dirname(path)))
