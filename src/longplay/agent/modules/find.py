"""find: list files under directories by name, age, size, type and content.

Returns ``files`` (one stat-like dict per match: path, size, mtime, mode,
isdir, isreg, ...), ``matched``, ``examined``, ``msg`` and ``skipped_paths``,
as Ansible's find does. Names match glob ``patterns`` (or regexes anchored
at the start with ``use_regex``); ``contains`` is a regex matched at the
start of each line (or searched in the whole file with ``read_whole_file``).
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
import time

from longplay.agent import fileops
from longplay.agent.registry import ModuleFailed, Option, module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Iterator, List, Optional, Pattern, Tuple

OPTIONS = {
    "paths": Option(type="list", elements="path", required=True, aliases=("name", "path")),
    "patterns": Option(type="list", elements="str", default=[], aliases=("pattern",)),
    "excludes": Option(type="list", elements="str", aliases=("exclude",)),
    "contains": Option(),
    "read_whole_file": Option(type="bool", default=False),
    "age": Option(),
    "age_stamp": Option(default="mtime", choices=("atime", "ctime", "mtime")),
    "size": Option(),
    "recurse": Option(type="bool", default=False),
    "hidden": Option(type="bool", default=False),
    "follow": Option(type="bool", default=False),
    "get_checksum": Option(type="bool", default=False),
    "checksum_algorithm": Option(
        default="sha1",
        choices=("md5", "sha1", "sha224", "sha256", "sha384", "sha512"),
        aliases=("checksum", "checksum_algo"),
    ),
    "use_regex": Option(type="bool", default=False),
    "depth": Option(type="int"),
    "file_type": Option(default="file", choices=("any", "directory", "file", "link")),
    "encoding": Option(default="utf-8"),
    "limit": Option(type="int"),
    "mode": Option(type="raw"),
    "exact_mode": Option(type="bool", default=True),
}

_AGE = re.compile(r"^(-?\d+)([smhdw]?)$", re.IGNORECASE)
_AGE_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE = re.compile(r"^(-?\d+)([bkmgt]?)$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}

if TYPE_CHECKING:
    Matcher = Callable[[str, str, os.stat_result], bool]


@module("find", options=OPTIONS)
def find_module(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Collect the entries under ``paths`` that pass every filter given."""
    matches = _filters(args)
    files: List[Dict[str, Any]] = []
    skipped: Dict[str, str] = {}
    examined = 0
    limit = args["limit"]
    for root in args["paths"]:
        if not os.path.isdir(root):
            skipped[root] = f"'{root}' is not a directory"
            continue
        for path, info in _walk(root, args, skipped):
            examined += 1
            if limit is not None and len(files) >= limit:
                continue
            if all(test(path, os.path.basename(path), info) for test in matches):
                files.append(_entry(path, info, args))
    msg = (
        "All paths examined"
        if not skipped
        else "Not all paths examined, check warnings for details"
    )
    result = {
        "changed": False,
        "files": files,
        "matched": len(files),
        "examined": examined,
        "msg": msg,
        "skipped_paths": skipped,
    }  # type: Dict[str, Any]
    if skipped:
        result["warnings"] = [
            f"Skipped '{path}' path due to this access issue: {reason}\n"
            for path, reason in skipped.items()
        ]
    return result


def _entry(path: str, info: os.stat_result, args: Dict[str, Any]) -> Dict[str, Any]:
    entry = fileops.stat_dict(path, info)
    if args["get_checksum"] and stat.S_ISREG(info.st_mode) and os.access(path, os.R_OK):
        entry["checksum"] = fileops.digest_file(path, args["checksum_algorithm"])
    return entry


def _walk(
    root: str, args: Dict[str, Any], skipped: Dict[str, str]
) -> Iterator[Tuple[str, os.stat_result]]:
    """Every entry under ``root`` (to ``depth`` when recursing), with its stat."""
    recurse, depth, follow = args["recurse"], args["depth"], args["follow"]

    def on_error(exc: OSError) -> None:
        skipped[str(exc.filename)] = str(exc)

    for directory, dirs, names in os.walk(root, onerror=on_error, followlinks=follow):
        level = 1 if directory == root else os.path.relpath(directory, root).count(os.sep) + 2
        # Ansible's order: files, then directories, each as the filesystem lists them
        for name in names + dirs:
            path = os.path.join(directory, name)
            info = _stat(path, follow)
            if info is not None:
                yield path, info
        if not recurse or (depth is not None and level >= depth):
            dirs[:] = []


def _stat(path: str, follow: bool) -> Optional[os.stat_result]:
    """The entry's stat (its target's when following), None if it vanished."""
    try:
        return os.stat(path) if follow else os.lstat(path)
    except OSError:
        pass
    try:
        return os.lstat(path)  # a dangling link, followed
    except OSError:
        return None


# --- filters -------------------------------------------------------------------


def _filters(args: Dict[str, Any]) -> List[Matcher]:
    """The tests an entry must pass, built once from the options."""
    tests: List[Matcher] = [_type_filter(args["file_type"])]
    if not args["hidden"]:
        tests.append(lambda path, name, info: not name.startswith("."))
    tests.append(_name_filter(args["patterns"], args["excludes"] or [], args["use_regex"]))
    if args["age"] is not None:
        tests.append(_age_filter(args["age"], args["age_stamp"]))
    if args["size"] is not None:
        tests.append(_size_filter(args["size"]))
    if args["mode"] is not None:
        tests.append(_mode_filter(args["mode"], args["exact_mode"]))
    if args["contains"] is not None:
        tests.append(_contains_filter(args["contains"], args["read_whole_file"], args["encoding"]))
    return tests


def _type_filter(file_type: str) -> Matcher:
    checks: Dict[str, Callable[[int], bool]] = {
        "any": lambda mode: True,
        "file": stat.S_ISREG,
        "directory": stat.S_ISDIR,
        "link": stat.S_ISLNK,
    }
    check = checks[file_type]
    return lambda path, name, info: check(info.st_mode)


def _compile(pattern: str, option: str) -> Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ModuleFailed(f"invalid regular expression in {option}: {pattern!r}: {exc}")


def _name_filter(patterns: List[str], excludes: List[str], use_regex: bool) -> Matcher:
    """Globs (case-sensitive) or start-anchored regexes on the entry's name."""
    if use_regex:
        wanted = [_compile(p, "patterns") for p in patterns]
        unwanted = [_compile(p, "excludes") for p in excludes]

        def by_regex(path: str, name: str, info: os.stat_result) -> bool:
            if wanted and not any(r.match(name) for r in wanted):
                return False
            return not any(r.match(name) for r in unwanted)

        return by_regex

    def by_glob(path: str, name: str, info: os.stat_result) -> bool:
        if patterns and not any(fnmatch.fnmatchcase(name, p) for p in patterns):
            return False
        return not any(fnmatch.fnmatchcase(name, p) for p in excludes)

    return by_glob


def parse_age(text: str) -> Optional[int]:
    """Seconds from ``3d``/``-2h``/``90``; None if malformed."""
    match = _AGE.match(str(text).strip())
    if match is None:
        return None
    return int(match.group(1)) * _AGE_UNITS[match.group(2).lower()]


def parse_size(text: str) -> Optional[int]:
    """Bytes from ``10m``/``-1k``/``512``; None if malformed."""
    match = _SIZE.match(str(text).strip())
    if match is None:
        return None
    return int(match.group(1)) * _SIZE_UNITS[match.group(2).lower()]


def _age_filter(text: str, stamp: str) -> Matcher:
    """Older than ``age`` (or, negative, at most that old)."""
    age = parse_age(text)
    if age is None:
        raise ModuleFailed("failed to process age", age=text)
    now = time.time()
    attribute = "st_" + stamp

    def by_age(path: str, name: str, info: os.stat_result) -> bool:
        elapsed = now - getattr(info, attribute)
        return elapsed >= age if age >= 0 else elapsed <= -age

    return by_age


def _size_filter(text: str) -> Matcher:
    """At least ``size`` bytes (or, negative, at most); only files are measured."""
    size = parse_size(text)
    if size is None:
        raise ModuleFailed("failed to process size", size=text)

    def by_size(path: str, name: str, info: os.stat_result) -> bool:
        if not stat.S_ISREG(info.st_mode):
            return True
        return info.st_size >= size if size >= 0 else info.st_size <= -size

    return by_size


def _mode_filter(mode: Any, exact: bool) -> Matcher:
    def by_mode(path: str, name: str, info: os.stat_result) -> bool:
        wanted = fileops.parse_mode(mode, 0, stat.S_ISDIR(info.st_mode))
        actual = stat.S_IMODE(info.st_mode)
        return actual == wanted if exact else actual & wanted == wanted

    return by_mode


def _contains_filter(pattern: str, whole: bool, encoding: str) -> Matcher:
    """Regular files whose content matches: at a line's start, or anywhere if ``whole``."""
    regex = _compile(pattern, "contains")

    def by_content(path: str, name: str, info: os.stat_result) -> bool:
        if not stat.S_ISREG(info.st_mode):
            return False
        try:
            with open(path, encoding=encoding, errors="strict") as handle:
                if whole:
                    return regex.search(handle.read()) is not None
                return any(regex.match(line) for line in handle)
        except (OSError, UnicodeDecodeError, LookupError):
            return False

    return by_content
