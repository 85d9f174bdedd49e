"""Jinja2 filters Ansible users reach for, registered by name in ``FILTERS``.

Jinja2's own filters stay wherever they already behave like Ansible's
(``default``, ``int``, ``join``, ``map``, ``sort``...); this module adds the
ones Ansible defines on top. Every filter defined here is wrapped so that a
bad input surfaces as a :class:`TemplateError` naming the filter (and an
undefined argument as an :class:`UndefinedError` naming the variable), never
as a raw traceback. Each is also registered under its ``ansible.builtin.``
name so playbooks written with fully qualified names keep working.
"""

from __future__ import annotations

import base64
import datetime
import functools
import glob
import hashlib
import itertools
import json
import math
import os
import random as _random
import re
import shlex
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import unquote_plus
from urllib.parse import urlsplit as _urlsplit

import jinja2
import jinja2.filters
import yaml

from longplay.errors import TemplateError, UndefinedError

# --------------------------------------------------------------------------
# Plumbing: error wrapping
# --------------------------------------------------------------------------


class FilterError(ValueError):
    """A filter refused its input; the wrapper turns it into a TemplateError."""


def fail_if_undefined(value: Any) -> None:
    """Raise the undefined error an Undefined argument carries.

    Filters must not silently serialise or stringify an undefined variable
    (``missing | to_json``), so it is reported as the variable's own error."""
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()


def guard(kind: str, name: str, func: Callable[..., Any], allow_undefined: bool = False) -> Any:
    """Wrap a filter or test so every failure is a TemplateError naming it.

    ``kind`` is "filter" or "test". Jinja's ``pass_context``/
    ``pass_environment`` markers survive because ``functools.wraps`` copies
    the function's attributes."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not allow_undefined:
            for arg in (*args, *kwargs.values()):
                fail_if_undefined(arg)
        try:
            return func(*args, **kwargs)
        except (UndefinedError, jinja2.UndefinedError):
            raise
        except TemplateError as exc:
            raise TemplateError(f"The {kind} plugin 'ansible.builtin.{name}' failed: {exc.message}")
        except Exception as exc:
            raise TemplateError(f"The {kind} plugin 'ansible.builtin.{name}' failed: {exc}")

    return wrapper


def _text(value: Any) -> str:
    """Ansible's to_text for filter inputs (None becomes 'None', as there)."""
    return value if isinstance(value, str) else str(value)


# --------------------------------------------------------------------------
# Types and conversion
# --------------------------------------------------------------------------

_BOOL_TRUE = frozenset(("yes", "on", "1", "true"))


def to_bool(value: Any) -> bool:
    """Ansible's ``bool``: 'yes'/'on'/'1'/'true' (any case) are True.

    Anything else that is not equal to 1 is False, which is what Ansible
    coerces unrecognised values to (it also warns)."""
    if isinstance(value, str):
        return value.lower() in _BOOL_TRUE
    if isinstance(value, bool):
        return value
    try:
        return bool(value == 1)
    except Exception:
        return False


_BUILTIN_TYPES = (bool, int, float, str, bytes, dict, list, tuple, set, frozenset)


def type_debug(value: Any) -> str:
    """The Python type name, seeing through longplay's tagged subclasses
    (a YAML-loaded ``SourceDict`` is a ``dict`` to the user)."""
    for builtin in _BUILTIN_TYPES:
        if isinstance(value, builtin):
            return builtin.__name__
    return type(value).__name__


def ternary(value: Any, true_val: Any, false_val: Any, none_val: Any = None) -> Any:
    """Pick by Python truthiness (so the string 'false' is true, as in Ansible)."""
    if value is None and none_val is not None:
        return none_val
    return true_val if value else false_val


def mandatory(value: Any, msg: str | None = None) -> Any:
    """Fail when ``value`` is undefined, with ``msg`` or a message naming it."""
    if isinstance(value, jinja2.Undefined):
        # ansible-core reports it as a failure of the filter, still an undefined value
        prefix = "The filter plugin 'ansible.builtin.mandatory' failed: "
        if msg:
            raise UndefinedError(prefix + str(msg))
        name = getattr(value, "_undefined_name", None)
        if name is None:
            raise UndefinedError(prefix + "Mandatory variable not defined.")
        raise UndefinedError(prefix + f"Mandatory variable '{name}' not defined.")
    return value


# --------------------------------------------------------------------------
# Serialisation: JSON and YAML
# --------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    """Encode what ``json`` can't natively, the way Ansible's encoder does."""
    fail_if_undefined(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="surrogateescape")
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _json_key(key: Any) -> Any:
    """The text JSON gives a dict key, so keys of mixed types can be sorted."""
    if key is None or isinstance(key, (bool, int, float)):
        return json.dumps(key)
    return key


def _json_keys_as_text(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {_json_key(k): _json_keys_as_text(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_keys_as_text(v) for v in value]
    return value


def to_json(value: Any, **kwargs: Any) -> str:
    """Compact JSON (Python's default separators, ASCII-escaped like Ansible)."""
    kwargs.setdefault("default", _json_default)
    if kwargs.get("sort_keys"):
        value = _json_keys_as_text(value)
    return json.dumps(value, **kwargs)


def to_nice_json(value: Any, indent: int = 4, sort_keys: bool = True, **kwargs: Any) -> str:
    """Indented, key-sorted JSON without trailing spaces."""
    kwargs.setdefault("separators", (",", ": "))
    return to_json(value, indent=indent, sort_keys=sort_keys, **kwargs)


def from_json(value: Any, **kwargs: Any) -> Any:
    """Parse a JSON string."""
    return json.loads(value, **kwargs)


class _Dumper(yaml.SafeDumper):
    """A safe dumper that also knows longplay's str/dict/list subclasses,
    tuples and sets, never writes anchors, and refuses undefined values."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_undefined(dumper: _Dumper, value: Any) -> Any:
    fail_if_undefined(value)
    raise yaml.representer.RepresenterError(f"cannot represent an object: {value!r}")


_Dumper.add_multi_representer(str, lambda d, v: d.represent_str(str(v)))
_Dumper.add_multi_representer(dict, lambda d, v: d.represent_dict(v))
_Dumper.add_multi_representer(Mapping, lambda d, v: d.represent_dict(dict(v)))  # type: ignore[type-abstract]
_Dumper.add_multi_representer(list, lambda d, v: d.represent_list(v))
_Dumper.add_multi_representer(tuple, lambda d, v: d.represent_list(list(v)))
_Dumper.add_multi_representer(set, lambda d, v: d.represent_list(list(v)))
_Dumper.add_multi_representer(int, lambda d, v: d.represent_int(int(v)))
_Dumper.add_multi_representer(float, lambda d, v: d.represent_float(float(v)))
_Dumper.add_multi_representer(jinja2.Undefined, _represent_undefined)

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader


def _dump_yaml(value: Any, **kwargs: Any) -> str:
    text = yaml.dump(value, Dumper=_Dumper, allow_unicode=True, **kwargs)
    # A bare scalar gets an explicit document end; Ansible doesn't show it.
    if text.endswith("\n...\n"):
        text = text[:-4]
    return text


def to_yaml(value: Any, **kwargs: Any) -> str:
    """YAML with flow style for leaf collections (``a: [1, 2]``), like Ansible."""
    kwargs.setdefault("default_flow_style", None)
    return _dump_yaml(value, **kwargs)


def to_nice_yaml(value: Any, indent: int = 4, **kwargs: Any) -> str:
    """Block-style YAML indented by 4, like Ansible's ``to_nice_yaml``."""
    kwargs.setdefault("default_flow_style", False)
    return _dump_yaml(value, indent=indent, **kwargs)


def from_yaml(value: Any) -> Any:
    """Parse one YAML document (safely); non-strings pass through, as in Ansible."""
    if isinstance(value, str):
        return yaml.load(str(value), Loader=_Loader)
    return value


def from_yaml_all(value: Any) -> Any:
    """Parse every document of a YAML stream into a list."""
    if isinstance(value, str):
        return list(yaml.load_all(str(value), Loader=_Loader))
    return value


# --------------------------------------------------------------------------
# Encoding and hashing
# --------------------------------------------------------------------------


def b64encode(value: Any, encoding: str = "utf-8", urlsafe: bool = False) -> str:
    """Base64 of the text encoded with ``encoding``."""
    data = _text(value).encode(encoding, errors="surrogateescape")
    encoded = base64.urlsafe_b64encode(data) if urlsafe else base64.b64encode(data)
    return encoded.decode("ascii")


def b64decode(value: Any, encoding: str = "utf-8", urlsafe: bool = False) -> str:
    """Decode base64 to text; undecodable bytes are kept as surrogates like Ansible."""
    data = _text(value).encode("ascii", errors="surrogateescape")
    decoded = base64.urlsafe_b64decode(data) if urlsafe else base64.b64decode(data)
    return decoded.decode(encoding, errors="surrogateescape")


def hash_filter(value: Any, hashtype: str = "sha1") -> str:
    """Hex digest of the text with any algorithm hashlib knows."""
    try:
        digest = hashlib.new(hashtype)
    except (ValueError, TypeError):
        raise FilterError(f"unsupported hash type {hashtype}")
    digest.update(_text(value).encode("utf-8", errors="surrogateescape"))
    return digest.hexdigest()


def checksum(value: Any) -> str:
    """Ansible's checksum: the SHA-1 of the text."""
    return hash_filter(value, "sha1")


def md5(value: Any) -> str:
    return hash_filter(value, "md5")


def sha1(value: Any) -> str:
    return hash_filter(value, "sha1")


#: The namespace Ansible derives ``to_uuid`` values from (a published constant).
UUID_NAMESPACE_ANSIBLE = uuid.UUID("361E6D51-FAEC-444A-9079-341386DA8E2E")


def to_uuid(value: Any, namespace: Any = UUID_NAMESPACE_ANSIBLE) -> str:
    """A name-based (v5) UUID, stable for the same input."""
    if not isinstance(namespace, uuid.UUID):
        namespace = uuid.UUID(str(namespace))
    return str(uuid.uuid5(namespace, _text(value)))


def quote(value: Any) -> str:
    """Quote for a POSIX shell (None quotes as the empty string)."""
    return shlex.quote("" if value is None else _text(value))


def urldecode(value: Any) -> str:
    return unquote_plus(_text(value))


# --------------------------------------------------------------------------
# Regular expressions
# --------------------------------------------------------------------------


def _flags(ignorecase: bool = False, multiline: bool = False) -> int:
    flags = 0
    if ignorecase:
        flags |= re.IGNORECASE
    if multiline:
        flags |= re.MULTILINE
    return flags


def _group_refs(refs: Iterable[Any]) -> list[int | str]:
    """Turn Ansible's ``'\\1'`` / ``'\\g<name>'`` arguments into group keys."""
    groups: list[int | str] = []
    for ref in refs:
        text = _text(ref)
        named = re.fullmatch(r"\\g<(\S+)>", text)
        numbered = re.fullmatch(r"\\(\d+)", text)
        if named:
            groups.append(named.group(1))
        elif numbered:
            groups.append(int(numbered.group(1)))
        else:
            raise FilterError(f"Unknown argument {text!r} (expected '\\N' or '\\g<name>')")
    return groups


def regex_search(
    value: Any, regex: str, *groups: Any, ignorecase: bool = False, multiline: bool = False
) -> Any:
    """The first match (or the listed groups of it); None when nothing matches."""
    wanted = _group_refs(groups)
    match = re.search(regex, _text(value), _flags(ignorecase, multiline))
    if match is None:
        return None
    if not wanted:
        return match.group()
    return [match.group(group) for group in wanted]


def regex_replace(
    value: Any = "",
    pattern: str = "",
    replacement: str = "",
    ignorecase: bool = False,
    multiline: bool = False,
    count: int = 0,
    mandatory_count: int = 0,
) -> str:
    """``re.subn``; ``mandatory_count`` makes a wrong number of matches an error."""
    text = _text(value)
    compiled = re.compile(pattern, _flags(ignorecase, multiline))
    output, replaced = compiled.subn(replacement, text, count=count)
    if mandatory_count and mandatory_count != replaced:
        raise FilterError(
            f"'{pattern}' should match {mandatory_count} times, "
            f"but matches {replaced} times in '{text}'"
        )
    return output


def regex_findall(
    value: Any, regex: str, multiline: bool = False, ignorecase: bool = False
) -> list[Any]:
    """Every match; patterns with several groups give a list per match."""
    found = re.findall(regex, _text(value), _flags(ignorecase, multiline))
    return [list(item) if isinstance(item, tuple) else item for item in found]


_BRE_SPECIAL = re.compile(r"([].[^$*\\])")


def regex_escape(value: Any, re_type: str = "python") -> str:
    """Escape for Python regexes, or POSIX basic ones with ``re_type='posix_basic'``."""
    text = _text(value)
    if re_type == "python":
        return re.escape(text)
    if re_type == "posix_basic":
        return _BRE_SPECIAL.sub(r"\\\1", text)
    if re_type == "posix_extended":
        raise FilterError(f"Regex type ({re_type}) not yet implemented")
    raise FilterError(f"Invalid regex type ({re_type})")


def split(value: Any, separator: str | None = None, maxsplit: int = -1) -> list[str]:
    return _text(value).split(separator, maxsplit)


# --------------------------------------------------------------------------
# Lists and sets
# --------------------------------------------------------------------------


def _is_list_like(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def flatten(value: Any, levels: int | None = None, skip_nulls: bool = True) -> list[Any]:
    """Flatten nested lists (all the way, or ``levels`` deep), dropping nulls."""
    flat: list[Any] = []
    for element in value:
        if skip_nulls and _is_null(element):
            continue
        if _is_list_like(element) and (levels is None or int(levels) >= 1):
            deeper = None if levels is None else int(levels) - 1
            flat.extend(flatten(element, levels=deeper, skip_nulls=skip_nulls))
        else:
            flat.append(element)
    return flat


def _is_null(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value in ("None", "null"))


class _Members:
    """Membership over any items: hashed when possible (large lists stay
    fast), by equality for unhashable ones (dicts, lists)."""

    def __init__(self, items: Iterable[Any] = ()) -> None:
        self._hashed: set[Any] = set()
        self._other: list[Any] = []
        for item in items:
            self.add(item)

    def add(self, item: Any) -> None:
        try:
            self._hashed.add(item)
        except TypeError:
            self._other.append(item)

    def __contains__(self, item: Any) -> bool:
        try:
            if item in self._hashed:
                return True
        except TypeError:
            pass
        return item in self._other


def _dedupe(items: Iterable[Any]) -> list[Any]:
    """Unique items in first-seen order; works for unhashable ones too."""
    seen = _Members()
    unique_items = []
    for item in items:
        if item not in seen:
            seen.add(item)
            unique_items.append(item)
    return unique_items


@jinja2.pass_environment
def unique(
    environment: jinja2.Environment,
    value: Any,
    case_sensitive: bool | None = None,
    attribute: str | int | None = None,
) -> list[Any]:
    """Jinja's ``unique``, falling back to equality for unhashable items
    (a list of dicts), as Ansible does."""
    try:
        return list(
            jinja2.filters.do_unique(
                environment, value, case_sensitive=bool(case_sensitive), attribute=attribute
            )
        )
    except TypeError:
        if attribute is not None:
            raise
        return _dedupe(value)


def difference(a: Iterable[Any], b: Iterable[Any]) -> list[Any]:
    other = _Members(b)
    return _dedupe(x for x in a if x not in other)


def intersect(a: Iterable[Any], b: Iterable[Any]) -> list[Any]:
    other = _Members(b)
    return _dedupe(x for x in a if x in other)


def union(a: Iterable[Any], b: Iterable[Any]) -> list[Any]:
    return _dedupe(itertools.chain(a, b))


def symmetric_difference(a: Iterable[Any], b: Iterable[Any]) -> list[Any]:
    first, second = list(a), list(b)
    common = _Members(intersect(first, second))
    return [x for x in union(first, second) if x not in common]


def zip_filter(*lists: Iterable[Any]) -> list[list[Any]]:
    return [list(group) for group in zip(*lists, strict=False)]


def zip_longest(*lists: Iterable[Any], fillvalue: Any = None) -> list[list[Any]]:
    return [list(group) for group in itertools.zip_longest(*lists, fillvalue=fillvalue)]


def product(*lists: Iterable[Any], repeat: int = 1) -> list[list[Any]]:
    return [list(group) for group in itertools.product(*lists, repeat=repeat)]


def permutations(value: Iterable[Any], r: int | None = None) -> list[list[Any]]:
    return [list(group) for group in itertools.permutations(value, r)]


def combinations(value: Iterable[Any], r: int) -> list[list[Any]]:
    return [list(group) for group in itertools.combinations(value, r)]


def random_filter(
    end: Any, start: int | None = None, step: int | None = None, seed: Any = None
) -> Any:
    """A random element of a sequence, or a number in ``range(start, end, step)``.

    With a ``seed`` the choice is repeatable (e.g. ``seed=inventory_hostname``)."""
    rng = _random.Random(seed) if seed is not None else _random.SystemRandom()
    if isinstance(end, int) and not isinstance(end, bool):
        return rng.randrange(start or 0, end, step or 1)
    if hasattr(end, "__iter__"):
        if start or step:
            raise FilterError("start and step can only be used with integer values")
        choices = list(end.values()) if isinstance(end, Mapping) else list(end)
        return rng.choice(choices)
    raise FilterError("random can only be used on sequences and integers")


def shuffle(value: Iterable[Any], seed: Any = None) -> list[Any]:
    """A shuffled copy; repeatable with a ``seed``."""
    items = list(value)
    rng = _random.Random(seed) if seed else _random.SystemRandom()
    rng.shuffle(items)
    return items


# --------------------------------------------------------------------------
# Dictionaries
# --------------------------------------------------------------------------


def dict2items(value: Any, key_name: str = "key", value_name: str = "value") -> list[dict]:
    """``{a: 1}`` -> ``[{key: a, value: 1}]`` (the shape ``loop`` wants)."""
    if not isinstance(value, Mapping):
        raise FilterError(f"dict2items requires a dictionary, got {type_debug(value)} instead.")
    return [{key_name: k, value_name: v} for k, v in value.items()]


def items2dict(value: Any, key_name: str = "key", value_name: str = "value") -> dict:
    """The inverse of ``dict2items``."""
    if not _is_list_like(value):
        raise FilterError(f"items2dict requires a list, got {type_debug(value)} instead.")
    result = {}
    for item in value:
        if not isinstance(item, Mapping):
            raise FilterError(f"items2dict requires a list of dictionaries, got {value} instead.")
        if key_name not in item or value_name not in item:
            raise FilterError(
                f"items2dict requires each dictionary in the list to contain the keys "
                f"'{key_name}' and '{value_name}', got {value} instead."
            )
        result[item[key_name]] = item[value_name]
    return result


_LIST_MERGES = ("replace", "keep", "append", "prepend", "append_rp", "prepend_rp")


def _merge_lists(old: list[Any], new: list[Any], how: str) -> list[Any]:
    if how == "replace":
        return new
    if how == "keep":
        return old
    if how == "append":
        return old + new
    if how == "prepend":
        return new + old
    if how == "append_rp":
        return [x for x in old if x not in new] + new
    return new + [x for x in old if x not in new]  # prepend_rp


def merge_hash(old: Mapping, new: Mapping, recursive: bool, list_merge: str) -> dict:
    """Merge ``new`` over ``old`` (both untouched), optionally deep and with lists combined."""
    merged = dict(old)
    for key, value in new.items():
        current = merged.get(key)
        if key not in merged:
            merged[key] = value
        elif isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = merge_hash(current, value, recursive, list_merge) if recursive else value
        elif isinstance(current, list) and isinstance(value, list):
            merged[key] = _merge_lists(current, value, list_merge)
        else:
            merged[key] = value
    return merged


def combine(*terms: Any, recursive: bool = False, list_merge: str = "replace") -> dict:
    """Merge dicts left to right; lists of dicts among the terms are unpacked."""
    if list_merge not in _LIST_MERGES:
        raise FilterError(
            "'list_merge' argument can only be equal to " + ", ".join(map(repr, _LIST_MERGES))
        )
    result: dict = {}
    for term in flatten(terms, levels=1):
        if not isinstance(term, Mapping):
            raise FilterError(f"combine expects dictionaries, got a '{type_debug(term)}'")
        result = merge_hash(result, term, recursive, list_merge)
    return result


def _combine_entry(*terms: Any, **kwargs: Any) -> dict:
    """``combine`` with Ansible's message for unknown keyword arguments."""
    unknown = set(kwargs) - {"recursive", "list_merge"}
    if unknown:
        raise FilterError("'recursive' and 'list_merge' are the only valid keyword arguments")
    return combine(*terms, **kwargs)


def subelements(value: Any, subelement: Any, skip_missing: bool = False) -> list[list[Any]]:
    """Pair each element with each item of its (nested) list ``subelement``."""
    if isinstance(value, Mapping):
        elements = list(value.values())
    elif _is_list_like(value):
        elements = list(value)
    else:
        raise FilterError("obj must be a list of dicts or a nested dict")
    if isinstance(subelement, str):
        path = subelement.split(".")
    elif _is_list_like(subelement):
        path = list(subelement)
    else:
        raise FilterError("subelements must be a list or a string")
    pairs = []
    for element in elements:
        for item in _walk_subelement(element, path, skip_missing):
            pairs.append([element, item])
    return pairs


def _walk_subelement(element: Any, path: list[Any], skip_missing: bool) -> list[Any]:
    values = element
    for key in path:
        if not isinstance(values, Mapping):
            raise FilterError(f"the key {key} should point to a dictionary, got '{values}'")
        if key not in values:
            if skip_missing:
                return []
            raise FilterError(f"could not find {key!r} key in iterated item {values!r}")
        values = values[key]
    if not isinstance(values, list):
        raise FilterError(f"the key {path[-1]!r} should point to a list, got {values!r}")
    return values


@jinja2.pass_environment
def extract(
    environment: jinja2.Environment, item: Any, container: Any, morekeys: Any = None
) -> Any:
    """``container[item]`` then down ``morekeys`` (``map('extract', hostvars)``)."""
    if morekeys is None:
        keys = [item]
    elif isinstance(morekeys, list):
        keys = [item, *morekeys]
    else:
        keys = [item, morekeys]
    value = container
    for key in keys:
        value = environment.getitem(value, key)
    return value


# --------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------


def splitext(value: Any) -> list[str]:
    return list(os.path.splitext(_text(value)))


def path_join(paths: Any) -> str:
    if isinstance(paths, str):
        return paths
    return os.path.join(*[_text(p) for p in paths])


def fileglob(pattern: Any) -> list[str]:
    """Controller files (not directories) matching a glob, sorted."""
    return sorted(p for p in glob.glob(_text(pattern)) if os.path.isfile(p))


def relpath(value: Any, start: str = os.curdir) -> str:
    return os.path.relpath(value, start)


# --------------------------------------------------------------------------
# Numbers, sizes and time
# --------------------------------------------------------------------------


def _number_filter(name: str, func: Callable[..., float]) -> Callable[..., float]:
    """Math filters report a non-number as Ansible does: "log() can only be
    used on numbers: ..."."""

    def number_filter(*args: Any) -> float:
        try:
            return func(*args)
        except TypeError as exc:
            raise FilterError(f"{name}() can only be used on numbers: {exc}")

    return number_filter


def _log(x: float, base: float = math.e) -> float:
    return math.log10(x) if base == 10 else math.log(x, base)


def _root(x: float, base: float = 2) -> float:
    return math.sqrt(x) if base == 2 else math.pow(x, 1.0 / float(base))


#: Unit letter -> multiplier, largest first.
SIZE_RANGES = {
    "Y": 1 << 80,
    "Z": 1 << 70,
    "E": 1 << 60,
    "P": 1 << 50,
    "T": 1 << 40,
    "G": 1 << 30,
    "M": 1 << 20,
    "K": 1 << 10,
    "B": 1,
}


def human_readable(size: Any, isbits: bool = False, unit: str | None = None) -> str:
    """``1048576`` -> ``'1.00 MB'`` (or the given ``unit``; bits with ``isbits``)."""
    if isinstance(size, str) or not isinstance(size, (int, float)):
        raise FilterError(f"human_readable() failed on bad input: {size!r} is not a number")
    letter, limit = "B", 1
    for letter, limit in SIZE_RANGES.items():
        wanted = unit is not None and unit.upper() == letter
        if wanted or (unit is None and size >= limit):
            break
    base = "bits" if isbits else "Bytes"
    suffix = base if limit == 1 else letter + base[0]
    return f"{size / limit:.2f} {suffix}"


_HUMAN_SIZE = re.compile(r"^([0-9]*\.?[0-9]+)(?:\s*([A-Za-z]+))?\s*$")


def human_to_bytes(size: Any, default_unit: str | None = None, isbits: bool = False) -> int:
    """``'1.5 MB'`` -> ``1572864``; the unit must be ``M``, ``MB`` (``Mb`` with
    ``isbits``), or ``B``/``byte`` (``b``/``bit``)."""
    match = _HUMAN_SIZE.match(str(size))
    if match is None:
        raise FilterError(f"human_to_bytes() can't interpret following string: {size}")
    number = float(match.group(1))
    unit = match.group(2) or default_unit
    if unit is None:
        return round(number)
    letter = unit[0].upper()
    if letter not in SIZE_RANGES:
        raise FilterError(
            f"human_to_bytes() failed to convert {size} (unit = {unit}). "
            f"The suffix must be one of {', '.join(SIZE_RANGES)}"
        )
    _check_size_unit(size, unit, letter, isbits)
    return round(number * SIZE_RANGES[letter])


def _check_size_unit(size: Any, unit: str, letter: str, isbits: bool) -> None:
    if len(unit) == 1:
        return
    unit_class, class_name = ("b", "bit") if isbits else ("B", "byte")
    if letter == "B":
        if unit.lower() == class_name or unit == unit_class:
            return
        expected = f"{unit_class} or {class_name}"
    else:
        if unit == letter + unit_class:
            return
        expected = f"{letter}{unit_class} or {letter}"
    raise FilterError(
        f"human_to_bytes() failed to convert {size}. Value is not a valid string (expect {expected})"
    )


def strftime(string_format: str, second: Any = None, utc: bool = False) -> str:
    """Format the epoch time ``second`` (default: now), local or UTC."""
    converter = time.gmtime if utc else time.localtime
    if second is None:
        return time.strftime(string_format, converter())
    try:
        epoch = float(second)
    except (TypeError, ValueError):
        raise FilterError(f"Invalid value for epoch value ({second})")
    return time.strftime(string_format, converter(epoch))


def to_datetime(value: Any, format: str = "%Y-%m-%d %H:%M:%S") -> datetime.datetime:
    """Parse a date string; subtracting two gives a timedelta (``.days``...)."""
    return datetime.datetime.strptime(_text(value), format)


_URL_PARTS = (
    "fragment",
    "hostname",
    "netloc",
    "password",
    "path",
    "port",
    "query",
    "scheme",
    "username",
)


def urlsplit(value: Any, query: str = "") -> Any:
    """The parts of a URL as a dict, or one part by name."""
    parts = _urlsplit(_text(value))
    result = {name: getattr(parts, name) for name in _URL_PARTS}
    if not query:
        return result
    if query not in result:
        raise FilterError(f"urlsplit: unknown URL component: {query}")
    return result[query]


# --------------------------------------------------------------------------
# comment
# --------------------------------------------------------------------------

_COMMENT_STYLES: dict[str, dict[str, str]] = {
    "plain": {"decoration": "# "},
    "erlang": {"decoration": "% "},
    "c": {"decoration": "// "},
    "cblock": {"beginning": "/*", "decoration": " * ", "end": " */"},
    "xml": {"beginning": "<!--", "decoration": " - ", "end": "-->"},
}


def comment(text: Any, style: str = "plain", **options: Any) -> str:
    """Wrap ``text`` as a comment block in a language's style.

    Every part (``beginning``, ``prefix`` x ``prefix_count``, ``decoration``
    before each line, ``postfix`` x ``postfix_count``, ``end``, ``newline``)
    can be overridden; prefix and postfix default to the decoration without
    its trailing space."""
    if style not in _COMMENT_STYLES:
        raise FilterError(f"Invalid style '{style}'.")
    style_params = _COMMENT_STYLES[style]
    edge = str(options.get("decoration", style_params["decoration"])).rstrip()
    p: dict[str, Any] = {
        "newline": "\n",
        "beginning": "",
        "prefix": edge,
        "prefix_count": 1,
        "decoration": "",
        "postfix": edge,
        "postfix_count": 1,
        "end": "",
        **style_params,
        **options,
    }
    newline, decoration = p["newline"], p["decoration"]
    out = []
    if p["beginning"]:
        out.append(p["beginning"] + newline)
    if p["prefix"]:
        line = newline if p["prefix"] == newline else p["prefix"] + newline
        out.append(line * int(p["prefix_count"]))
    body = decoration + _text(text).replace(newline, newline + decoration)
    out.append(body.replace(decoration + newline, decoration.rstrip() + newline))
    out.append("".join(newline + p["postfix"] for _ in range(int(p["postfix_count"]))))
    if p["end"]:
        out.append(newline + p["end"])
    return "".join(out)


# --------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------

_OWN: dict[str, Callable[..., Any]] = {
    # types
    "bool": to_bool,
    "ternary": ternary,
    # serialisation
    "to_json": to_json,
    "to_nice_json": to_nice_json,
    "from_json": from_json,
    "to_yaml": to_yaml,
    "to_nice_yaml": to_nice_yaml,
    "from_yaml": from_yaml,
    "from_yaml_all": from_yaml_all,
    # encoding and hashing
    "b64encode": b64encode,
    "b64decode": b64decode,
    "hash": hash_filter,
    "checksum": checksum,
    "md5": md5,
    "sha1": sha1,
    "to_uuid": to_uuid,
    "quote": quote,
    "urldecode": urldecode,
    # regular expressions and strings
    "regex_search": regex_search,
    "regex_replace": regex_replace,
    "regex_findall": regex_findall,
    "regex_escape": regex_escape,
    "split": split,
    "comment": comment,
    # lists and sets
    "flatten": flatten,
    "unique": unique,
    "difference": difference,
    "intersect": intersect,
    "union": union,
    "symmetric_difference": symmetric_difference,
    "zip": zip_filter,
    "zip_longest": zip_longest,
    "product": product,
    "permutations": permutations,
    "combinations": combinations,
    "random": random_filter,
    "shuffle": shuffle,
    # dictionaries
    "dict2items": dict2items,
    "items2dict": items2dict,
    "combine": _combine_entry,
    "subelements": subelements,
    "extract": extract,
    # paths
    "basename": os.path.basename,
    "dirname": os.path.dirname,
    "expanduser": os.path.expanduser,
    "expandvars": os.path.expandvars,
    "realpath": os.path.realpath,
    "normpath": os.path.normpath,
    "relpath": relpath,
    "splitext": splitext,
    "path_join": path_join,
    "fileglob": fileglob,
    # numbers, sizes, time
    "log": _number_filter("log", _log),
    "pow": _number_filter("pow", math.pow),
    "root": _number_filter("root", _root),
    "human_readable": human_readable,
    "human_to_bytes": human_to_bytes,
    "strftime": strftime,
    "to_datetime": to_datetime,
    "urlsplit": urlsplit,
}


#: Jinja2 filters that return a generator or iterator: in native mode that
#: object would be the template's value, so they are made to return lists.
_LAZY_JINJA_FILTERS = (
    "map",
    "select",
    "reject",
    "selectattr",
    "rejectattr",
    "batch",
    "slice",
    "items",
    "reverse",
)


def listing(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a Jinja2 filter so an iterator result comes back as a list."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = func(*args, **kwargs)
        if isinstance(result, Iterator):
            return list(result)
        return result

    return wrapper


def _registry() -> dict[str, Callable[..., Any]]:
    # Jinja's own filters fail naming themselves too (undefined values pass
    # through: ``default`` and friends take them).
    filters: dict[str, Callable[..., Any]] = {
        name: guard("filter", name, func, allow_undefined=True)
        for name, func in jinja2.filters.FILTERS.items()
    }
    for name in _LAZY_JINJA_FILTERS:
        filters[name] = guard(
            "filter", name, listing(jinja2.filters.FILTERS[name]), allow_undefined=True
        )
    for name, func in _OWN.items():
        wrapped = guard("filter", name, func)
        filters[name] = wrapped
        filters[f"ansible.builtin.{name}"] = wrapped
    for name, func in (("mandatory", mandatory), ("type_debug", type_debug)):
        wrapped = guard("filter", name, func, allow_undefined=True)
        filters[name] = filters[f"ansible.builtin.{name}"] = wrapped
    return filters


#: Filters added to (or replacing) Jinja2's built-ins.
FILTERS: dict[str, Callable[..., Any]] = _registry()
