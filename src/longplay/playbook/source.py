"""Read YAML while remembering where every mapping and value came from.

Playbooks, vars files and YAML inventories all go through :func:`load_yaml`.
Mappings come back as :class:`SourceDict` (a plain ``dict`` that also knows
its own position and each key's value position), so validation can point at
the exact line and column of a bad value. The C loader is used when PyYAML
has it.
"""

from __future__ import annotations

import os
import re
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


#: what a YAML line holds after its list dashes and key, for the slips ansible-core spots
_AFTER_KEY = r"^\s*(?:-\s+)*(?:[\w\s]+:\s+)?"
_UNQUOTED_TEMPLATE = re.compile(_AFTER_KEY + r"(?P<value>\{\{.*}})")
_ANY_VALUE = re.compile(r"^\s*(?:-\s+)*(?:[\w\s\[\]{}]+:\s+)?(?P<value>.*)$")
_QUOTE_FIRST = re.compile(_AFTER_KEY + r"(?P<value>[\"'].*?\s*)$")
_WHOLLY_QUOTED = re.compile(r"""^\s*('[^']*'|"[^"]*")\s*$""")


def _yaml_error(exc: yaml.MarkedYAMLError, text: str, path: str) -> ParseError:
    """A YAML syntax error worded as ansible-core words it.

    Whatever the parser said, the line it stopped at is looked at first for the
    slips ansible-core knows (a tab, an unquoted template, a colon and a space in an
    unquoted value, a value that starts with a quote but goes on after it): each has
    its own message, column and example."""
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return ParseError(f"YAML parsing failed: {_parser_words(exc)}", Origin(path, 1))
    lines = text.splitlines()
    # the line the excerpt shows (none when the file ends before it)
    line = lines[mark.line] if mark.line < len(lines) else ""

    def at(column: int) -> Origin:
        return Origin(path, mark.line + 1, column)

    if "\t" in line:
        return ParseError(
            "YAML parsing failed: Tabs are usually invalid in YAML.", at(line.index("\t") + 1)
        )
    found = _UNQUOTED_TEMPLATE.search(line)
    if found:
        return ParseError(
            "YAML parsing failed: This may be an issue with missing quotes around a template block.",
            at(found.start("value") + 1),
            example=_example("{{ some_var }}", '"{{ some_var }}"'),
        )
    found = _ANY_VALUE.search(line)
    if found and not line.lstrip().startswith(":"):
        value = found.group("value")
        fragment = _WHOLLY_QUOTED.sub(lambda m: "." * len(m.group(0)), value)
        colon = re.search(r":($| )", fragment) if fragment else None
        if colon:
            return ParseError(
                "YAML parsing failed: Colons in unquoted values must be followed by a non-space "
                "character.",
                at(found.start("value") + colon.start() + 1),
                example=_example("echo 'name: ansible'", "\"echo 'name: ansible'\""),
            )
    found = _QUOTE_FIRST.search(line)
    if found:
        value = found.group("value")
        first, last = value[0], value[-1]
        if first != last:
            return ParseError(
                "YAML parsing failed: Values starting with a quote must end with the same quote.",
                at(found.start("value") + 1),
                example=_example('"foo" in bar', "'\"foo\" in bar'"),
            )
        if line.count(first) > 2:
            return ParseError(
                "YAML parsing failed: Values starting with a quote must end with the same "
                "quote, and not contain that quote.",
                at(found.start("value") + 1),
                example=_example('"foo" in "bar"', '\'"foo" in "bar"\''),
            )
    return ParseError(f"YAML parsing failed: {_parser_words(exc)}", at(mark.column + 1))


def _parser_words(exc: yaml.MarkedYAMLError) -> str:
    """The parser's own message: its context, problem and note, as one sentence."""
    words = " ".join(part for part in (exc.context, exc.problem, exc.note) if part).strip()
    words = re.sub(r"\s+", " ", f"{words[:1].upper()}{words[1:]}")
    return words if words.endswith(".") else f"{words}."
