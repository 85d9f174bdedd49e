"""blockinfile: keep a block of lines between two marker lines, as Ansible's module does.

The block is found by its exact marker lines (``marker`` with ``{mark}``
replaced by ``marker_begin``/``marker_end``) and replaced in place; a new
block goes after ``insertafter`` / before ``insertbefore`` (the last line
matching the regex, or EOF/BOF), else at the end. An empty ``block`` or
``state=absent`` removes it. ``prepend_newline``/``append_newline`` keep a
blank line between a new block and its neighbours.

Results: ``changed``, ``msg`` ('Block inserted', 'Block removed', 'File created', ''),
``backup_file`` when a backup was made, and ``diff`` (content, then file
attributes).
"""

from __future__ import annotations

import re

from longplay.agent import fileops
from longplay.agent.registry import ModuleFailed, Option, module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional

OPTIONS = dict(
    fileops.FILE_OPTIONS,
    path=Option(type="path", required=True, aliases=("dest", "destfile", "name")),
    state=Option(default="present", choices=("absent", "present")),
    marker=Option(default="# {mark} ANSIBLE MANAGED BLOCK"),
    block=Option(default="", aliases=("content",)),
    insertafter=Option(),
    insertbefore=Option(),
    create=Option(type="bool", default=False),
    backup=Option(type="bool", default=False),
    marker_begin=Option(default="BEGIN"),
    marker_end=Option(default="END"),
    append_newline=Option(type="bool", default=False),
    prepend_newline=Option(type="bool", default=False),
    validate=Option(),
)


@module("blockinfile", options=OPTIONS, mutually_exclusive=[("insertbefore", "insertafter")])
def blockinfile(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Insert, update or remove the marked block; write only when the text changes."""
    fileops.check_attributes(args)
    path = fileops.edit_target(args["path"])
    before = fileops.read_text(path)
    if before is None and not args["create"]:
        raise ModuleFailed(f"Path {path} does not exist !", rc=257)
    lines = [line.rstrip("\r\n") for line in fileops.split_lines(before or "")]
    begin = args["marker"].replace("{mark}", args["marker_begin"])
    end = args["marker"].replace("{mark}", args["marker_end"])
    present = args["state"] == "present" and args["block"] != ""
    block = [begin, *args["block"].splitlines(), end] if present else []
    edited = _place(lines, block, begin, end, args)
    # unchanged lines keep the file as it was (CRLF endings, a missing final newline)
    after = (before or "") if edited == lines else "".join(line + "\n" for line in edited)
    if before is None and args["state"] == "absent":
        return {"changed": False, "msg": f"File {path} not present"}
    msg = ""
    if before is None:
        msg = "File created"  # even empty (block: ""), as ansible-core writes it
    elif after != before:
        msg = "Block inserted" if present else "Block removed"
    return fileops.finish_edit(ctx, args, path, before, after, msg)


def _find(lines: List[str], marker: str) -> Optional[int]:
    """The last line that is exactly ``marker``."""
    found = None
    for index, line in enumerate(lines):
        if line == marker:
            found = index
    return found


def _place(
    lines: List[str], block: List[str], begin: str, end: str, args: Dict[str, Any]
) -> List[str]:
    """The file's lines with ``block`` put in place of the old one (or inserted)."""
    start, stop = _find(lines, begin), _find(lines, end)
    if start is not None and stop is not None and start <= stop:
        return lines[:start] + block + lines[stop + 1 :]
    if not block:
        return list(lines)
    position = _insert_position(lines, args)
    return _insert(lines, position, block, args)


def _insert_position(lines: List[str], args: Dict[str, Any]) -> int:
    """After/before the last line matching the anchor, at BOF, or at the end."""
    after, before = args["insertafter"], args["insertbefore"]
    if before == "BOF":
        return 0
    if after not in (None, "EOF"):
        anchor, option, offset = after, "insertafter", 1
    elif before is not None:
        anchor, option, offset = before, "insertbefore", 0
    else:
        return len(lines)
    try:
        regex = re.compile(anchor)
    except re.error as exc:
        raise ModuleFailed(f"{option} is not a valid regular expression: {anchor!r}: {exc}")
    position = None
    for index, line in enumerate(lines):
        if regex.search(line):
            position = index + offset
    return len(lines) if position is None else position


def _insert(lines: List[str], position: int, block: List[str], args: Dict[str, Any]) -> List[str]:
    """Insert a new block, with blank lines around it where asked and not already there."""
    head, tail = lines[:position], lines[position:]
    if args["prepend_newline"] and head and head[-1].strip() != "":
        block = ["", *block]
    if args["append_newline"] and tail and tail[0].strip() != "":
        block = [*block, ""]
    return head + block + tail
