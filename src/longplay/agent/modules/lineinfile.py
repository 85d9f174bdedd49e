"""lineinfile: make sure one line is in a file (or is not), as Ansible's module does.

With ``regexp`` (or ``search_string``) the last matching line (the first
with ``firstmatch``) is replaced; otherwise the line is added unless it is
already present anywhere, after ``insertafter`` / before ``insertbefore``
(a regex, or ``EOF`` / ``BOF``), else at the end. ``backrefs`` expands
``\\1`` from the match and adds nothing when there is no match.

Results: ``changed``, ``msg`` ('line added', 'line replaced',
'N line(s) removed', ...), ``backup`` (the backup's path or ''), ``found``
for state=absent, and ``diff`` (content, then file attributes).
"""

from __future__ import annotations

import re

from longplay.agent import fileops
from longplay.agent.registry import ModuleFailed, Option, module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Match, Optional, Pattern, Tuple

OPTIONS = dict(
    fileops.FILE_OPTIONS,
    path=Option(type="path", required=True, aliases=("dest", "destfile", "name")),
    state=Option(default="present", choices=("absent", "present")),
    regexp=Option(aliases=("regex",)),
    search_string=Option(),
    line=Option(aliases=("value",)),
    insertafter=Option(),
    insertbefore=Option(),
    backrefs=Option(type="bool", default=False),
    create=Option(type="bool", default=False),
    backup=Option(type="bool", default=False),
    firstmatch=Option(type="bool", default=False),
    validate=Option(),
)


@module(
    "lineinfile",
    options=OPTIONS,
    mutually_exclusive=[("insertbefore", "insertafter"), ("regexp", "search_string")],
)
def lineinfile(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Add, replace or remove a line, touching the file only when its text changes."""
    _check_arguments(args)
    fileops.check_attributes(args)
    path = fileops.edit_target(args["path"])
    before = fileops.read_text(path)
    if args["state"] == "absent":
        return _absent(args, ctx, path, before)
    if before is None and not args["create"]:
        raise ModuleFailed(f"Destination {path} does not exist !", rc=257)
    lines = fileops.split_lines(before or "")
    msg = _present(args, lines)
    return _finish(ctx, args, path, before, "".join(lines), msg)


def _check_arguments(args: Dict[str, Any]) -> None:
    if args["state"] == "present":
        if args["line"] is None:
            raise ModuleFailed("line is required with state=present")
        if args["backrefs"] and args["regexp"] is None:
            raise ModuleFailed("regexp is required with backrefs=true")
    elif args["line"] is None and args["regexp"] is None and args["search_string"] is None:
        raise ModuleFailed("one of line, search_string, or regexp is required with state=absent")


def _compile(pattern: str, option: str) -> Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ModuleFailed(f"{option} is not a valid regular expression: {pattern!r}: {exc}")


def _finish(
    ctx: Any, args: Dict[str, Any], path: str, before: Optional[str], after: str, msg: str
) -> Dict[str, Any]:
    result = fileops.finish_edit(ctx, args, path, before, after, msg)
    result["backup"] = result.pop("backup_file", "")
    return result


# --- state=present ---------------------------------------------------------------


def _present(args: Dict[str, Any], lines: List[str]) -> str:
    """Edit ``lines`` in place; return Ansible's message ('' when nothing to do)."""
    line = args["line"]
    index, match = _find_match(args, lines)
    if index is not None:
        new = match.expand(line) if (args["backrefs"] and match is not None) else line
        if lines[index].rstrip("\r\n") == new:
            return ""
        lines[index] = new + _ending(lines[index])
        return "line replaced"
    if args["backrefs"]:
        return ""  # backrefs never adds a line
    if any(current.rstrip("\r\n") == line for current in lines):
        return ""
    _insert(lines, _insert_position(args, lines), line)
    return "line added"


def _find_match(
    args: Dict[str, Any], lines: List[str]
) -> Tuple[Optional[int], Optional[Match[str]]]:
    """The line ``regexp``/``search_string`` picks: the last one, or the first with firstmatch."""
    regexp = _compile(args["regexp"], "regexp") if args["regexp"] is not None else None
    search = args["search_string"]
    if regexp is None and search is None:
        return None, None
    found: Tuple[Optional[int], Optional[Match[str]]] = (None, None)
    for index, current in enumerate(lines):
        match = regexp.search(current) if regexp is not None else None
        if match is not None or (search is not None and search in current):
            found = (index, match)
            if args["firstmatch"]:
                break
    return found


def _insert_position(args: Dict[str, Any], lines: List[str]) -> int:
    """Where a new line goes: after/before the anchor line, at the top, or at the end."""
    after, before = args["insertafter"], args["insertbefore"]
    if before == "BOF":
        return 0
    if after not in (None, "EOF"):
        anchor, option, offset = after, "insertafter", 1
    elif before is not None:
        anchor, option, offset = before, "insertbefore", 0
    else:
        return len(lines)
    regex = _compile(anchor, option)
    position: Optional[int] = None
    for index, current in enumerate(lines):
        if regex.search(current):
            position = index + offset
            if args["firstmatch"]:
                break
    return len(lines) if position is None else position


def _ending(line: str) -> str:
    if line.endswith("\r\n"):
        return "\r\n"
    return "\n"


def _insert(lines: List[str], position: int, line: str) -> None:
    if position > 0 and not lines[position - 1].endswith("\n"):
        lines[position - 1] += "\n"
    lines.insert(position, line + "\n")


# --- state=absent ----------------------------------------------------------------


def _absent(args: Dict[str, Any], ctx: Any, path: str, before: Optional[str]) -> Dict[str, Any]:
    if before is None:
        return {"changed": False, "msg": "file not present"}
    regexp = _compile(args["regexp"], "regexp") if args["regexp"] is not None else None
    search, line = args["search_string"], args["line"]

    def doomed(current: str) -> bool:
        if regexp is not None:
            return regexp.search(current) is not None
        if search is not None:
            return search in current
        return current.rstrip("\r\n") == line

    lines = fileops.split_lines(before)
    kept = [current for current in lines if not doomed(current)]
    found = len(lines) - len(kept)
    msg = f"{found} line(s) removed" if found else ""
    result = _finish(ctx, args, path, before, "".join(kept), msg)
    result["found"] = found
    return result
