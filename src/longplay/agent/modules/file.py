"""file: make a path be a file, directory, symlink, hard link, or nothing.

Result keys follow Ansible's: ``path`` (or ``dest`` for touch/link/hard,
with ``src`` for links), ``state``, ``mode``, ``uid``/``gid``,
``owner``/``group``, ``size``, ``changed``, and in diff mode a ``diff`` of
``{path, state, mode, owner, group...}`` before and after.
"""

from __future__ import annotations

import errno
import os
import shutil
import time

from longplay.agent import fileops
from longplay.agent.registry import ModuleFailed, Option, module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Tuple

OPTIONS = dict(
    fileops.FILE_OPTIONS,
    path=Option(type="path", required=True, aliases=("dest", "name")),
    state=Option(choices=("absent", "directory", "file", "hard", "link", "touch")),
    src=Option(type="path"),
    recurse=Option(type="bool", default=False),
    force=Option(type="bool", default=False),
    follow=Option(type="bool", default=True),
    modification_time=Option(),
    modification_time_format=Option(default="%Y%m%d%H%M.%S"),
    access_time=Option(),
    access_time_format=Option(default="%Y%m%d%H%M.%S"),
    _original_basename=Option(),
    _diff_peek=Option(),
)

if TYPE_CHECKING:
    Diff = Dict[str, Dict[str, Any]]


@module("file", options=OPTIONS)
def file_module(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Make ``path`` what ``state`` says, then set its mode, owner and group."""
    path = args["path"]
    previous = fileops.file_state(path)
    state = _wanted_state(args, previous)
    # as ansible-core: the state is in the diff only when it changes
    diff: Diff = {"before": {"path": path}, "after": {"path": path}}
    if previous != state:
        diff["before"]["state"] = previous
        diff["after"]["state"] = state
    try:
        result = HANDLERS[state](args, ctx, path, previous, diff)
    except OSError as exc:
        raise ModuleFailed(_os_message(exc), path=path, state=fileops.file_state(path))
    if ctx.diff and diff:
        result["diff"] = diff
    return result


def _wanted_state(args: Dict[str, Any], previous: str) -> str:
    """The explicit state, or what Ansible infers: the current one, else file/directory."""
    state = args["state"]
    if state is None:
        if args["recurse"]:
            state = "directory"
        elif previous != "absent":
            state = "file" if previous == "hard" else previous
        else:
            state = "file"
    if args["recurse"] and state != "directory":
        raise ModuleFailed("recurse option requires state to be 'directory'", path=args["path"])
    if args["src"] is not None and state not in ("link", "hard"):
        raise ModuleFailed("src option requires state to be 'link' or 'hard'", path=args["path"])
    return state


def _noun(state: str) -> str:
    """How messages name what is at a path: a hard-linked file is still a file."""
    return "file" if state == "hard" else state


def _os_message(exc: OSError) -> str:
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


def _described(path: str, changed: bool, key: str = "path", follow: bool = False) -> Dict[str, Any]:
    """The usual result: the path and what is there now."""
    result: Dict[str, Any] = {key: path, "changed": changed}
    result.update(fileops.file_attributes(path, follow=follow))
    return result


# --- absent ------------------------------------------------------------------


def _absent(args: Dict[str, Any], ctx: Any, path: str, previous: str, diff: Diff) -> Dict[str, Any]:
    if previous == "absent":
        return {"path": path, "state": "absent", "changed": False}
    if previous == "directory":
        diff["before"]["path_content"] = _tree(path)
    if ctx.check_mode:
        return _described(path, True)  # what is there now, as ansible-core reports it
    if previous == "directory":
        shutil.rmtree(path)
    else:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass  # removed meanwhile (by another host's task on a shared path): still changed
    return {"path": path, "state": "absent", "changed": True}


def _tree(path: str) -> Dict[str, List[str]]:
    """Everything under a directory about to be removed, for the diff."""
    directories: List[str] = []
    files: List[str] = []
    for root, dirs, names in os.walk(path):
        directories.extend(os.path.join(root, name) for name in dirs)
        files.extend(os.path.join(root, name) for name in names)
    return {"directories": sorted(directories), "files": sorted(files)}


# --- file --------------------------------------------------------------------


def _target(path: str, previous: str, follow: bool) -> Tuple[str, str]:
    """Where attributes go: through a symlink when following, else the path itself."""
    if previous == "link" and follow and os.path.exists(path):
        real = os.path.realpath(path)
        return real, fileops.file_state(real)
    return path, previous


def _file(args: Dict[str, Any], ctx: Any, path: str, previous: str, diff: Diff) -> Dict[str, Any]:
    target, kind = _target(path, previous, args["follow"])
    if kind not in ("file", "hard"):
        failure = _described(path, False)
        failure.pop("changed")
        raise ModuleFailed(f"file ({path}) is {_noun(kind)}, cannot continue", **failure)
    changed = _set_attributes(target, args, ctx, diff)
    changed = _set_times(target, args, ctx, None, diff) or changed
    return _described(path, changed, follow=args["follow"])


def _set_attributes(path: str, args: Dict[str, Any], ctx: Any, diff: Diff) -> bool:
    return fileops.apply_attributes(path, args, ctx.check_mode, diff, follow=args["follow"])


# --- directory ---------------------------------------------------------------


def _directory(
    args: Dict[str, Any], ctx: Any, path: str, previous: str, diff: Diff
) -> Dict[str, Any]:
    target, kind = _target(path, previous, args["follow"])
    if kind == "absent":
        changed = _make_directories(target, args, ctx, diff)
        if ctx.check_mode:
            return {"path": path, "changed": True}
        return _described(path, changed, follow=args["follow"])
    if kind != "directory":
        failure = _described(path, False)
        failure.pop("changed")
        raise ModuleFailed(f"{path} already exists as a {_noun(kind)}", **failure)
    changed = _set_attributes(target, args, ctx, diff)
    if args["recurse"]:
        changed = _recurse(target, args, ctx) or changed
    changed = _set_times(target, args, ctx, None, diff) or changed
    return _described(path, changed, follow=args["follow"])


def _make_directories(path: str, args: Dict[str, Any], ctx: Any, diff: Diff) -> bool:
    """Create ``path`` and its missing parents; each new one gets the attributes."""
    missing: List[str] = []
    current = os.path.abspath(path)
    while not os.path.lexists(current):
        missing.append(current)
        current = os.path.dirname(current)
    if not os.path.isdir(current):
        first = missing[-1]  # the directory that cannot be made, worded as os.mkdir fails
        error = OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), os.fsencode(first))
        raise ModuleFailed(f"There was an issue creating {first} as requested: {error}", path=path)
    if ctx.check_mode:
        return True
    for directory in reversed(missing):
        try:
            os.mkdir(directory)
        except FileExistsError:  # created meanwhile by someone else: fine
            pass
        # each new directory's attribute changes go in the diff (the last one's stand)
        fileops.apply_attributes(directory, args, False, diff)
    return True


def _recurse(path: str, args: Dict[str, Any], ctx: Any) -> bool:
    """Apply owner/group/mode to everything below ``path``.

    Symlinks are neither entered nor chmod-ed (Linux cannot); only their
    ownership changes, so a link never drags outside files into the change.
    """
    changed = False
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            entry = os.path.join(root, name)
            changed = (
                fileops.apply_attributes(entry, args, ctx.check_mode, None, follow=False) or changed
            )
    return changed


# --- touch -------------------------------------------------------------------


def _touch(args: Dict[str, Any], ctx: Any, path: str, previous: str, diff: Diff) -> Dict[str, Any]:
    target, kind = _target(path, previous, args["follow"])
    if kind == "absent":
        if ctx.check_mode:
            # The directory may be created by an earlier task of this same
            # (checked) run; predict the change as Ansible does (without a diff).
            diff.clear()
            return {"dest": path, "changed": True}
        if not os.path.isdir(os.path.dirname(os.path.abspath(target)) or "."):
            raise ModuleFailed(
                f"Error, could not touch target: no such directory: {os.path.dirname(target)}",
                path=path,
            )
        with open(target, "ab"):
            pass
        _set_attributes(target, args, ctx, diff)
        _set_times(target, args, ctx, "now", diff)
        return _described(path, True, key="dest", follow=args["follow"])
    changed = _set_attributes(target, args, ctx, diff)
    changed = _set_times(target, args, ctx, "now", diff) or changed
    return _described(path, changed, key="dest", follow=args["follow"])


def _parse_time(value: Optional[str], fmt: str, default: Optional[str]) -> Any:
    """None to leave a time alone, "now", or seconds since the epoch."""
    value = value if value is not None else default
    if value is None or value == "preserve":
        return None
    if value == "now":
        return "now"
    try:
        return time.mktime(time.strptime(value, fmt))
    except ValueError:
        raise ModuleFailed(f"Error while obtaining timestamp for time {value} using format {fmt}")


def _set_times(
    path: str, args: Dict[str, Any], ctx: Any, default: Optional[str], diff: Diff
) -> bool:
    """Set mtime/atime as asked ("now", "preserve" or a timestamp); True if they move."""
    mtime = _parse_time(args["modification_time"], args["modification_time_format"], default)
    atime = _parse_time(args["access_time"], args["access_time_format"], default)
    if mtime is None and atime is None:
        return False
    info = os.stat(path)
    now = time.time()
    new_m = info.st_mtime if mtime is None else (now if mtime == "now" else mtime)
    new_a = info.st_atime if atime is None else (now if atime == "now" else atime)
    if (new_m, new_a) == (info.st_mtime, info.st_atime):
        return False
    diff["before"].update(mtime=info.st_mtime, atime=info.st_atime)
    diff["after"].update(mtime=new_m, atime=new_a)
    if not ctx.check_mode:
        os.utime(path, (new_a, new_m))
    return True


# --- link and hard -----------------------------------------------------------


def _link_source(args: Dict[str, Any], path: str, previous: str) -> Tuple[str, str]:
    """The link text to write and the path it points at (relative to the link's directory).

    A dangling target needs ``force``, so a typo does not silently make a broken link.
    """
    src = args["src"]
    if src is None:
        if previous != "link":
            raise ModuleFailed("src is required for creating new symlinks")
        src = os.readlink(path)
    absolute = src if os.path.isabs(src) else os.path.join(os.path.dirname(path), src)
    if not os.path.lexists(absolute) and not args["force"]:
        raise ModuleFailed(
            "src file does not exist, use 'force=yes' if you really want to create the link: "
            + os.path.normpath(os.path.abspath(absolute)),
            path=path,
            src=src,
        )
    return src, absolute


def _link(args: Dict[str, Any], ctx: Any, path: str, previous: str, diff: Diff) -> Dict[str, Any]:
    src, absolute = _link_source(args, path, previous)
    if previous == "link":  # a link pointed elsewhere: the diff shows both targets
        diff["before"]["src"] = os.readlink(path)
        diff["after"]["src"] = src
    changed = previous != "link" or os.readlink(path) != src
    if changed:
        _check_replaceable(path, previous, args["force"], "symlink")
        if not ctx.check_mode:
            _replace_with(path, previous, lambda tmp: os.symlink(src, tmp))
    if ctx.check_mode and changed:
        return {"dest": path, "src": src, "changed": True}
    if os.path.exists(path):
        changed = _set_attributes(path, args, ctx, diff) or changed
    elif not os.path.lexists(absolute):
        return {"dest": path, "src": src, "changed": changed}
    result = _described(path, changed, key="dest")
    result["src"] = src
    return result


def _hard(args: Dict[str, Any], ctx: Any, path: str, previous: str, diff: Diff) -> Dict[str, Any]:
    src = args["src"]
    if src is None:
        raise ModuleFailed("src is required for creating new hard links")
    if not os.path.isabs(src):
        src = os.path.join(os.path.dirname(path), src)
    if not os.path.exists(src):
        raise ModuleFailed(f"src does not exist: {src}", path=path, src=src)
    same = previous != "absent" and _same_file(path, src)
    if not same:
        _check_replaceable(path, previous, args["force"], "hard link")
        if not ctx.check_mode:
            _replace_with(path, previous, lambda tmp: os.link(src, tmp))
    if ctx.check_mode and not same:
        return {"dest": path, "src": src, "changed": True}
    changed = _set_attributes(path, args, ctx, diff) or not same
    result = _described(path, changed, key="dest")
    result["src"] = src
    return result


def _same_file(path: str, src: str) -> bool:
    try:
        return os.path.samestat(os.lstat(path), os.stat(src))
    except OSError:
        return False


def _check_replaceable(path: str, previous: str, force: bool, kind: str) -> None:
    """Refuse to clobber a file or directory with a link unless ``force`` says so."""
    if previous in ("absent", "link") and kind == "symlink":
        return
    if previous == "absent":
        return
    if previous == "directory":
        if not force:
            raise ModuleFailed(
                f"refusing to convert from directory to {kind} for {path}", path=path
            )
        if os.listdir(path):
            raise ModuleFailed(
                f"the directory {path} is not empty, refusing to convert it", path=path
            )
        return
    if not force:
        raise ModuleFailed(
            f"refusing to convert from {_noun(previous)} to {kind} for {path}", path=path
        )


def _replace_with(path: str, previous: str, make: Any) -> None:
    """Create the new link under a temporary name, then rename it over ``path``."""
    if previous == "directory":
        os.rmdir(path)
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.longplay-tmp")
    if os.path.lexists(tmp):
        os.unlink(tmp)
    make(tmp)
    try:
        os.replace(tmp, path)
    except OSError:
        os.unlink(tmp)
        raise


HANDLERS = {
    "absent": _absent,
    "file": _file,
    "directory": _directory,
    "touch": _touch,
    "link": _link,
    "hard": _hard,
}
