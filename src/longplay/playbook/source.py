"""Read YAML while remembering where every mapping and value came from.

Playbooks, vars files and YAML inventories all go through :func:`load_yaml`.
Mappings come back as :class:`SourceDict` (a plain ``dict`` that also knows
its own position and each key's value position), so validation can point at
the exact line and column of a bad value. The C loader is used when PyYAML
has it.
"""

from __future__ import annotations

import os
from typing import Any

import yaml

from longplay.errors import Origin, ParseError

try:
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader


class SourceDict(dict):
    """A dict that knows where it (and each of its values) was written."""

    origin: Origin | None = None
    value_origins: dict[Any, Origin]
    key_origins: dict[Any, Origin]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.value_origins = {}
        self.key_origins = {}

    def origin_of(self, key: Any) -> Origin | None:
        """Position of ``key``'s value, else of the mapping itself."""
        return self.value_origins.get(key, self.origin)

    def origin_of_key(self, key: Any) -> Origin | None:
        return self.key_origins.get(key, self.origin)


class SourceList(list):
    origin: Origin | None = None
    #: where each item was written
    item_origins: list[Origin] = []


class UnsafeText(str):
    """A string tagged ``!unsafe``: never templated."""

    __slots__ = ()


def origin_of(value: Any) -> Origin | None:
    return getattr(value, "origin", None)


class _Loader(_BaseLoader):
    source_path = "<string>"
    #: where duplicate keys are reported (None: not reported)
    warnings: list[str] | None = None

    def _origin(self, node: yaml.Node) -> Origin:
        mark = node.start_mark
        return Origin(self.source_path, mark.line + 1, mark.column + 1)

    def construct_source_mapping(self, node: yaml.MappingNode) -> SourceDict:
        self.flatten_mapping(node)
        mapping = SourceDict()
        mapping.origin = self._origin(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                if isinstance(key_node, yaml.MappingNode) and node.flow_style:
                    # ``msg: {{ x }}``: a template block that needed quotes
                    raise ParseError(
                        "YAML parsing failed: This may be an issue with missing quotes around "
                        "a template block.",
                        self._origin(node),
                        example=_example("{{ some_var }}", '"{{ some_var }}"'),
                    )
                raise ParseError("a mapping key must be a string or number", self._origin(key_node))
            if key in mapping and self.warnings is not None:
                # Ansible warns and keeps the last value; so do we.
                where = ParseError(f"Found duplicate mapping key {key!r}.", self._origin(key_node))
                self.warnings.append(where.render() + "\nUsing last defined value only.\n")
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.value_origins[key] = self._origin(value_node)
            mapping.key_origins[key] = self._origin(key_node)
        return mapping

    def construct_source_sequence(self, node: yaml.SequenceNode) -> SourceList:
        items = SourceList(self.construct_object(child, deep=True) for child in node.value)
        items.origin = self._origin(node)
        items.item_origins = [self._origin(child) for child in node.value]
        return items

    def construct_unsafe(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return UnsafeText(self.construct_scalar(node))
        if isinstance(node, yaml.SequenceNode):
            return [UnsafeText(str(item)) for item in self.construct_sequence(node)]
        return self.construct_mapping(node)

    def construct_vault(self, node: yaml.Node) -> Any:
        raise ParseError("vault-encrypted values are not supported by longplay", self._origin(node))


_Loader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_source_mapping
)
_Loader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _Loader.construct_source_sequence
)
_Loader.add_constructor("!unsafe", _Loader.construct_unsafe)
_Loader.add_constructor("!vault", _Loader.construct_vault)


def load_yaml_text(text: str, path: str, warnings: list[str] | None = None) -> Any:
    """Parse YAML text; syntax errors become a :class:`ParseError` at the right line.

    Duplicate keys keep the last value and, given ``warnings``, add a warning there."""
    loader = _Loader(text)
    loader.source_path = path
    loader.warnings = warnings
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, text, path)
    except yaml.YAMLError as exc:
        raise ParseError(f"YAML parsing failed: {exc}", Origin(path, 1))
    finally:
        loader.dispose()


def load_yaml(path: str | os.PathLike[str], warnings: list[str] | None = None) -> Any:
    """Read and parse a YAML file, with positions; a missing file is a ParseError."""
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise ParseError(f"could not read {path}: {exc.strerror}")
    return load_yaml_text(text, path, warnings)


def _example(wrong: str, right: str) -> str:
    # ansible-core sets its examples apart with one more blank line
    return f"\nFor example:\n\n    raw: {wrong}\n\nShould be:\n\n    raw: {right}"


def _yaml_error(exc: yaml.MarkedYAMLError, text: str, path: str) -> ParseError:
    """A YAML syntax error worded as ansible-core words it (with its help for common slips)."""
    mark = exc.problem_mark or exc.context_mark
    origin = Origin(path, mark.line + 1, mark.column + 1) if mark else Origin(path, 1)
    problem = exc.problem or "invalid YAML"
    if "mapping values are not allowed" in problem:
        return ParseError(
            "YAML parsing failed: Colons in unquoted values must be followed by a non-space "
            "character.",
            origin,
            example=_example("echo 'name: ansible'", "\"echo 'name: ansible'\""),
        )
    lines = text.splitlines()
    line = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    column = mark.column if mark is not None else 0
    if "cannot start any token" in problem and line[column : column + 1] == "\t":
        return ParseError("YAML parsing failed: Tabs are usually invalid in YAML.", origin)
    if mark is not None and "did not find expected key" in problem:
        _, sep, value = line.partition(": ")
        value = value.strip()
        if sep and value[:1] in ("'", '"') and not value.endswith(value[0]):
            column = line.index(": ") + 3
            return ParseError(
                "YAML parsing failed: Values starting with a quote must end with the same quote.",
                Origin(path, mark.line + 1, column),
                example=_example('"foo" in bar', "'\"foo\" in bar'"),
            )
    detail = f"{exc.context} {problem}" if exc.context else problem
    return ParseError(f"YAML parsing failed: {detail[:1].upper()}{detail[1:]}.", origin)
