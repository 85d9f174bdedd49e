"""``group_vars/`` and ``host_vars/`` directories beside an inventory or a playbook.

For an entity called NAME the first of ``NAME``, ``NAME.yml``, ``NAME.yaml``
and ``NAME.json`` that exists is used (the reference's order); if it is a
directory, every such file under it is merged in sorted path order, skipping
hidden files and editor backups (``*~``). Files are parsed once per
:class:`VarsDirectory` because the variable manager asks for every host.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from longplay.errors import Origin, ParseError
from longplay.playbook.source import load_yaml

__all__ = ["VARS_EXTENSIONS", "VarsDirectory", "load_vars_file"]

#: Suffixes a vars file may have; ``""`` means no extension.
VARS_EXTENSIONS = ("", ".yml", ".yaml", ".json")

_EMPTY: Mapping[str, Any] = {}


def load_vars_file(path: str) -> dict[str, Any]:
    """The mapping in one YAML/JSON vars file (an empty file is ``{}``)."""
    try:
        data = load_yaml(path)
    except ParseError:
        if not path.endswith(".json"):
            raise
        # JSON that YAML rejects (tabs, for instance) is still valid JSON.
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError) as exc:
            raise ParseError(f"could not parse JSON vars file {path}: {exc}", Origin(path, 1))
    if data is None:
        return {}
    if not isinstance(data, dict):
        origin = getattr(data, "origin", None) or Origin(path, 1)
        raise ParseError(
            f"vars file {path} must contain a mapping of variable names to values, "
            f"found {type(data).__name__}",
            origin,
        )
    return data


def _directory_files(path: str) -> list[str]:
    """Vars files under a ``NAME/`` directory, in the order they are merged."""
    found: list[str] = []
    try:
        entries = sorted(os.listdir(path))
    except OSError as exc:
        raise ParseError(f"could not read vars directory {path}: {exc.strerror}")
    for entry in entries:
        if entry.startswith(".") or entry.endswith("~"):
            continue
        full = os.path.join(path, entry)
        if os.path.isdir(full):
            found.extend(_directory_files(full))
        elif os.path.splitext(entry)[1] in VARS_EXTENSIONS:
            found.append(full)
    return found


class VarsDirectory:
    """The ``group_vars``/``host_vars`` of one base directory, read lazily and cached."""

    def __init__(self, basedir: str | os.PathLike[str]) -> None:
        self.basedir = os.path.abspath(os.fspath(basedir))
        self._cache: dict[tuple[str, str], Mapping[str, Any]] = {}
        self._present: dict[str, bool] = {}

    def __repr__(self) -> str:
        return f"VarsDirectory({self.basedir!r})"

    def group_vars(self, name: str) -> Mapping[str, Any]:
        """Variables of ``group_vars/NAME``; read-only, shared between callers."""
        return self._vars("group_vars", name)

    def host_vars(self, name: str) -> Mapping[str, Any]:
        """Variables of ``host_vars/NAME``; read-only, shared between callers."""
        return self._vars("host_vars", name)

    def files_for(self, kind: str, name: str) -> list[str]:
        """The files that make up ``KIND/NAME``, in merge order (empty if none)."""
        if not self._has(kind) or not name or os.sep in name or name in (".", ".."):
            return []
        base = os.path.join(self.basedir, kind, name)
        for extension in VARS_EXTENSIONS:
            candidate = base + extension
            if os.path.isdir(candidate):
                return _directory_files(candidate)
            if os.path.isfile(candidate):
                return [candidate]
        return []

    def _has(self, kind: str) -> bool:
        present = self._present.get(kind)
        if present is None:
            present = self._present[kind] = os.path.isdir(os.path.join(self.basedir, kind))
        return present

    def _vars(self, kind: str, name: str) -> Mapping[str, Any]:
        key = (kind, name)
        cached = self._cache.get(key)
        if cached is None:
            files = self.files_for(kind, name)
            if not files:
                cached = _EMPTY
            elif len(files) == 1:
                cached = load_vars_file(files[0])
            else:
                merged: dict[str, Any] = {}
                for path in files:
                    merged.update(load_vars_file(path))
                cached = merged
            self._cache[key] = cached
        return cached
