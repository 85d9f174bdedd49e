"""Jinja2 tests (``is succeeded``, ``is version``...), registered by name in ``TESTS``.

Jinja2 already provides ``defined``, ``undefined``, ``none``, ``string``,
``number``, ``mapping``, ``iterable``, ``sequence``, ``boolean``,
``integer``, ``float``, ``sameas`` and ``in``; this module adds Ansible's.
Like the filters, each is wrapped so a bad input is a :class:`TemplateError`
naming the test, and each is also registered under ``ansible.builtin.``.
"""

from __future__ import annotations

import operator as _operator
import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from longplay.templating.filters import FilterError, guard

# --------------------------------------------------------------------------
# Task results
# --------------------------------------------------------------------------


def _result(value: Any, test: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FilterError(f"The '{test}' test expects a dictionary")
    return value


def failed(result: Any) -> bool:
    """A registered result that failed; a result without the key did not."""
    return bool(_result(result, "failed").get("failed", False))


def success(result: Any) -> bool:
    return not failed(result)


def unreachable(result: Any) -> bool:
    return bool(_result(result, "unreachable").get("unreachable", False))


def reachable(result: Any) -> bool:
    return not unreachable(result)


def changed(result: Any) -> bool:
    """The result's own ``changed``; a loop result without one is changed
    when any of its items is."""
    data = _result(result, "changed")
    if "changed" in data:
        return bool(data["changed"])
    items = data.get("results")
    if isinstance(items, list):
        return any(isinstance(item, Mapping) and item.get("changed") for item in items)
    return False


def skipped(result: Any) -> bool:
    return bool(_result(result, "skipped").get("skipped", False))


def finished(result: Any) -> bool:
    """An async status result whose job is done; results that are not
    async count as finished (Ansible also warns)."""
    data = _result(result, "finished")
    return bool(data["finished"]) if "finished" in data else True


def started(result: Any) -> bool:
    """An async result whose job has started; non-async results count as started."""
    data = _result(result, "started")
    return bool(data["started"]) if "started" in data else True


# --------------------------------------------------------------------------
# Strings and collections
# --------------------------------------------------------------------------


def regex(
    value: Any = "",
    pattern: str = "",
    ignorecase: bool = False,
    multiline: bool = False,
    match_type: str = "search",
) -> bool:
    """Whether ``pattern`` matches ``value`` (``match_type``: search, match, fullmatch)."""
    if match_type not in ("search", "match", "fullmatch"):
        raise FilterError(f"Invalid match_type {match_type!r}")
    flags = (re.IGNORECASE if ignorecase else 0) | (re.MULTILINE if multiline else 0)
    compiled = re.compile(pattern, flags)
    text = "" if value is None else str(value)
    return bool(getattr(compiled, match_type)(text))


def match(value: Any, pattern: str = "", ignorecase: bool = False, multiline: bool = False) -> bool:
    """Matches at the start of the string."""
    return regex(value, pattern, ignorecase, multiline, "match")


def search(
    value: Any, pattern: str = "", ignorecase: bool = False, multiline: bool = False
) -> bool:
    """Matches anywhere in the string."""
    return regex(value, pattern, ignorecase, multiline, "search")


def contained(value: Any, seq: Any) -> bool:
    return value in seq


def contains(seq: Any, value: Any) -> bool:
    return value in seq


def subset(a: Iterable[Any], b: Iterable[Any]) -> bool:
    return set(a) <= set(b)


def superset(a: Iterable[Any], b: Iterable[Any]) -> bool:
    return set(a) >= set(b)


_BOOLEAN_TRUE = frozenset(("y", "yes", "on", "1", "true", "t"))
_BOOLEAN_FALSE = frozenset(("n", "no", "off", "0", "false", "f"))


def _convert_bool(value: Any) -> Any:
    """Ansible's lenient boolean parse; unknown values come back unchanged."""
    if isinstance(value, bool):
        return value
    key = value.strip().lower() if isinstance(value, str) else value
    if isinstance(key, str):
        if key in _BOOLEAN_TRUE:
            return True
        if key in _BOOLEAN_FALSE:
            return False
        return value
    if isinstance(key, (int, float)) and key in (0, 1):
        return bool(key)
    return value


def truthy(value: Any, convert_bool: bool = False) -> bool:
    """Python truthiness; with ``convert_bool`` 'no'/'false'/'off' are false too."""
    if convert_bool:
        value = _convert_bool(value)
    return bool(value)


def falsy(value: Any, convert_bool: bool = False) -> bool:
    return not truthy(value, convert_bool)


def isnan(value: Any) -> bool:
    return isinstance(value, float) and value != value


# --------------------------------------------------------------------------
# Versions
# --------------------------------------------------------------------------

_LOOSE_COMPONENT = re.compile(r"(\d+|[a-z]+|\.)", re.ASCII)


def _loose(text: str) -> list[int | str]:
    """Split like distutils' LooseVersion: runs of digits become ints, runs of
    lowercase letters and any other characters stay strings, dots vanish."""
    parts = [p for p in _LOOSE_COMPONENT.split(text) if p and p != "."]
    return [int(p) if p.isascii() and p.isdigit() else p for p in parts]


def _cmp(a: Any, b: Any) -> int:
    """Three-way compare; incomparable values raise TypeError unless equal."""
    if a == b:
        return 0
    return -1 if a < b else 1


def _compare_loose(a: str, b: str) -> int:
    return _cmp(_loose(a), _loose(b))


_STRICT = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?(?:([ab])(\d+))?$", re.ASCII)


def _strict(text: str) -> tuple[tuple[int, int, int], tuple[str, int] | None]:
    found = _STRICT.match(text)
    if found is None:
        raise ValueError(f"invalid version number '{text}'")
    major, minor, patch, letter, number = found.groups()
    release = (int(major), int(minor), int(patch or 0))
    return release, (letter, int(number)) if letter else None


def _compare_strict(a: str, b: str) -> int:
    """distutils' StrictVersion: a pre-release (``1.0a1``) sorts before its release."""
    (release_a, pre_a), (release_b, pre_b) = _strict(a), _strict(b)
    if release_a != release_b:
        return _cmp(release_a, release_b)
    if pre_a == pre_b:
        return 0
    if pre_a is None:
        return 1
    if pre_b is None:
        return -1
    return _cmp(pre_a, pre_b)


_IDENT = r"(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    rf"(?:-({_IDENT}(?:\.{_IDENT})*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


def _semver(text: str) -> tuple[tuple[int, int, int], list[str]]:
    found = _SEMVER.match(text)
    if found is None:
        raise ValueError(f"invalid semantic version '{text}'")
    major, minor, patch, prerelease, _build = found.groups()
    return (int(major), int(minor), int(patch)), prerelease.split(".") if prerelease else []


def _prerelease_key(identifier: str) -> tuple[int, int | str]:
    """Semver precedence: numeric identifiers sort numerically and before alphanumeric ones."""
    return (0, int(identifier)) if identifier.isdigit() else (1, identifier)


def _compare_semver(a: str, b: str) -> int:
    """Semantic Versioning 2.0 precedence; build metadata is ignored."""
    (release_a, pre_a), (release_b, pre_b) = _semver(a), _semver(b)
    if release_a != release_b:
        return _cmp(release_a, release_b)
    if not pre_a or not pre_b:
        return _cmp(not pre_a, not pre_b)
    return _cmp([_prerelease_key(i) for i in pre_a], [_prerelease_key(i) for i in pre_b])


def _compare_pep440(a: str, b: str) -> int:
    """PEP 440 ordering, available when the ``packaging`` library is installed."""
    try:
        from packaging.version import Version
    except ImportError:
        raise FilterError("version_type 'pep440' needs the 'packaging' library, not installed")
    return _cmp(Version(a), Version(b))


_VERSION_TYPES: dict[str, Callable[[str, str], int]] = {
    "loose": _compare_loose,
    "strict": _compare_strict,
    "semver": _compare_semver,
    "semantic": _compare_semver,
    "pep440": _compare_pep440,
}

_OPERATORS = {
    "==": "eq",
    "=": "eq",
    "eq": "eq",
    "<": "lt",
    "lt": "lt",
    "<=": "le",
    "le": "le",
    ">": "gt",
    "gt": "gt",
    ">=": "ge",
    "ge": "ge",
    "!=": "ne",
    "<>": "ne",
    "ne": "ne",
}


def _version_comparer(strict: Any, version_type: Any) -> Callable[[str, str], int]:
    if strict is not None and version_type is not None:
        raise FilterError("Cannot specify both 'strict' and 'version_type'")
    if strict:
        return _compare_strict
    if not version_type:
        return _compare_loose
    if version_type not in _VERSION_TYPES:
        raise FilterError(
            f"Invalid version type ({version_type}). Must be one of "
            + ", ".join(map(repr, _VERSION_TYPES))
        )
    return _VERSION_TYPES[version_type]


def version(
    value: Any,
    version: Any = "",
    operator: str = "eq",
    strict: Any = None,
    version_type: Any = None,
) -> bool:
    """Compare versions: ``'1.2.3' is version('1.10', '<')``.

    ``version_type`` is loose (the default, like distutils' LooseVersion),
    strict, semver/semantic or pep440."""
    if not value:
        raise FilterError("Input version value cannot be empty")
    if not version:
        raise FilterError("Version parameter to compare against cannot be empty")
    compare = _version_comparer(strict, version_type)
    if operator not in _OPERATORS:
        raise FilterError(
            f"Invalid operator type ({operator}). Must be one of "
            + ", ".join(map(repr, _OPERATORS))
        )
    method = getattr(_operator, _OPERATORS[operator])
    try:
        return bool(method(compare(str(value), str(version)), 0))
    except FilterError:
        raise
    except Exception as exc:
        raise FilterError(f"Version comparison failed: {exc}")


# --------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------

_OWN: dict[str, Callable[..., Any]] = {
    "failed": failed,
    "failure": failed,
    "success": success,
    "succeeded": success,
    "successful": success,
    "changed": changed,
    "change": changed,
    "skipped": skipped,
    "skip": skipped,
    "finished": finished,
    "started": started,
    "unreachable": unreachable,
    "reachable": reachable,
    "match": match,
    "search": search,
    "regex": regex,
    "contained": contained,
    "contains": contains,
    "subset": subset,
    "issubset": subset,
    "superset": superset,
    "issuperset": superset,
    "any": any,
    "all": all,
    "truthy": truthy,
    "falsy": falsy,
    "nan": isnan,
    "version": version,
    "version_compare": version,
    "abs": os.path.isabs,
    "is_abs": os.path.isabs,
    "file": os.path.isfile,
    "is_file": os.path.isfile,
    "directory": os.path.isdir,
    "is_dir": os.path.isdir,
    "link": os.path.islink,
    "is_link": os.path.islink,
    "exists": os.path.exists,
    "link_exists": os.path.lexists,
    "same_file": os.path.samefile,
    "is_same_file": os.path.samefile,
    "mount": os.path.ismount,
    "is_mount": os.path.ismount,
}


def _registry() -> dict[str, Callable[..., Any]]:
    tests: dict[str, Callable[..., Any]] = {}
    for name, func in _OWN.items():
        wrapped = guard("test", name, func)
        tests[name] = wrapped
        tests[f"ansible.builtin.{name}"] = wrapped
    return tests


#: Tests added to Jinja2's built-ins.
TESTS: dict[str, Callable[..., Any]] = _registry()
