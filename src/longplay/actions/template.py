"""template: render a Jinja2 file on the controller, then copy the text to the host.

Rendering uses the same environment as task arguments (filters, tests,
lookups, strict undefined variables), so a template sees exactly what a task
would. Unlike a task argument, a file template always renders to text: a
template that is a single ``{{ x }}`` gives ``str(x)``, never a native value.
``None`` renders as an empty string, as in Ansible.

Beside the task's variables the template sees ``template_path``,
``template_fullpath``, ``template_host``, ``template_uid``,
``template_destpath``, ``template_run_date`` and ``ansible_managed``.
Jinja options (``trim_blocks``, ``lstrip_blocks``, the delimiters,
``newline_sequence``) come from the task or a ``#jinja2:`` first line in the
template, as in Ansible. The result is placed by the copy action's machinery
(idempotent, check and diff mode, backup, validate).
"""

from __future__ import annotations

import datetime
import os
import platform
import pwd
from collections.abc import Iterator
from types import TracebackType
from typing import Any

import jinja2

from longplay.actions import transfer
from longplay.actions.base import action
from longplay.actions.copy import Payload, not_found, send_file
from longplay.agent.fileops import FILE_OPTIONS
from longplay.agent.registry import Option, to_bool
from longplay.errors import ErrorCause, LongplayError, Origin, UndefinedError
from longplay.executor import results as res
from longplay.executor.context import ActionContext
from longplay.templating.templar import StrictUndefined, Variables, environment

DEFAULT_MANAGED = "Ansible managed"

#: Jinja environment settings a task (or the template's ``#jinja2:`` line) may change.
JINJA_STRINGS = (
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
)
JINJA_BOOLS = ("trim_blocks", "lstrip_blocks")
NEWLINES = {"\\n": "\n", "\\r": "\r", "\\r\\n": "\r\n", "\n": "\n", "\r": "\r", "\r\n": "\r\n"}

OPTIONS: dict[str, Option] = {
    **FILE_OPTIONS,
    "src": Option(required=True),
    "dest": Option(required=True),
    "backup": Option(type="bool", default=False),
    "force": Option(type="bool", default=True),
    "follow": Option(type="bool", default=False),
    "validate": Option(),
    "newline_sequence": Option(default="\\n", choices=tuple(NEWLINES)),
    "trim_blocks": Option(type="bool", default=True),
    "lstrip_blocks": Option(type="bool", default=False),
    "output_encoding": Option(default="utf-8"),
    **{name: Option() for name in JINJA_STRINGS},
}

#: Options for rendering only: the copy module never sees them.
_RENDER_ONLY = (*JINJA_STRINGS, *JINJA_BOOLS, "newline_sequence", "output_encoding", "src")


class RenderFailed(Exception):
    """A template file that cannot be rendered: ``msg`` says why (as ansible-core 2.19 words
    it, without the file's line), ``path`` is the file."""

    def __init__(self, msg: str, path: str | None = None) -> None:
        super().__init__(msg)
        self.msg = msg
        self.path = path


@action("template", options=OPTIONS, transfers_files=True)
async def template(ctx: ActionContext) -> dict[str, Any]:
    """Render ``src`` with the task's variables and make ``dest`` hold the text."""
    args = ctx.args
    src = str(args["src"])
    found = ctx.find_file("templates", os.path.expanduser(src))
    if found is None or os.path.isdir(found):
        return not_found(ctx, "templates", src)
    try:
        text = render_file(found, src, ctx)
        data = text.encode(str(args["output_encoding"]))
    except RenderFailed as exc:
        origin = Origin(os.path.abspath(exc.path), 0) if exc.path else None
        return {
            "failed": True,
            "changed": False,
            "msg": f"Task failed: {exc.msg}",
            res.ERROR: [res.task_failed(ctx.task.origin), ErrorCause(exc.msg, origin)],
        }
    except LookupError as exc:  # an unknown output_encoding
        return {"failed": True, "changed": False, "msg": f"output_encoding: {exc}"}
    copy_args = {k: v for k, v in args.items() if k not in _RENDER_ONLY}
    if copy_args.get("mode") == "preserve":
        copy_args["mode"] = "0" + format(os.stat(found).st_mode & 0o7777, "03o")
    try:
        return await send_file(ctx, Payload(os.path.basename(found), data=data), None, copy_args)
    except transfer.TransferFailed as exc:
        return transfer.failed(exc)


# --- rendering ------------------------------------------------------------------


def render_file(path: str, src: str, ctx: ActionContext) -> str:
    """The rendered text of the template at ``path`` (``src`` as the task wrote it)."""
    try:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise RenderFailed(f"Could not read template {path}: {exc}")
    source, header = _jinja_header(source)
    settings = _settings(ctx.args, header)
    variables = ctx.variables.child(_template_vars(path, src, ctx))
    return render_text(source, variables, settings, path)


def _jinja_header(source: str) -> tuple[str, dict[str, Any]]:
    """Split off a ``#jinja2: trim_blocks: False, lstrip_blocks: True`` first line."""
    if not source.startswith("#jinja2:"):
        return source, {}
    first, _, rest = source.partition("\n")
    header: dict[str, Any] = {}
    for pair in first[len("#jinja2:") :].split(","):
        key, sep, value = pair.partition(":")
        if sep:
            header[key.strip()] = _header_value(value.strip())
    return rest, header


def _header_value(text: str) -> Any:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    try:
        return to_bool(text)
    except ValueError:
        return text


def _settings(args: dict[str, Any], header: dict[str, Any]) -> dict[str, Any]:
    """Jinja environment overrides: the template's header wins over the task's options."""
    settings: dict[str, Any] = {name: bool(args[name]) for name in JINJA_BOOLS}
    settings.update({name: args[name] for name in JINJA_STRINGS if args[name]})
    settings["newline_sequence"] = NEWLINES[str(args["newline_sequence"])]
    for key, value in header.items():
        if key in JINJA_BOOLS:
            settings[key] = value if isinstance(value, bool) else to_bool(value)
        elif key in JINJA_STRINGS:
            settings[key] = str(value)
        elif key == "newline_sequence" and str(value) in NEWLINES:
            settings[key] = NEWLINES[str(value)]
    return settings


def _template_vars(path: str, src: str, ctx: ActionContext) -> dict[str, Any]:
    try:
        owner = pwd.getpwuid(os.stat(path).st_uid).pw_name
    except (KeyError, OSError):
        owner = str(os.stat(path).st_uid)
    managed = ctx.variables.raw.get("ansible_managed", DEFAULT_MANAGED)
    return {
        "template_path": src,
        "template_fullpath": os.path.abspath(path),
        "template_host": platform.node(),
        "template_uid": owner,
        "template_destpath": str(ctx.args["dest"]),
        "template_run_date": datetime.datetime.now(),
        "ansible_managed": ctx.templar.template(managed),
    }


def render_text(source: str, variables: Variables, settings: dict[str, Any], name: str) -> str:
    """Render ``source`` as a whole file: always text, failures naming ``name`` and the line."""
    env = environment().overlay(keep_trailing_newline=False, **settings)
    try:
        compiled = env.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise RenderFailed(f"Syntax error in template: {exc.message}", name)
    context = compiled.new_context(variables, shared=True)  # type: ignore[arg-type]
    pieces = compiled.root_render_func(context)
    try:
        text = "".join(_text(piece) for piece in pieces)
    except (UndefinedError, jinja2.UndefinedError) as exc:
        raise RenderFailed(
            exc.message if isinstance(exc, LongplayError) else str(exc.message), name
        )
    except LongplayError as exc:
        raise RenderFailed(exc.message, name)
    except jinja2.TemplateError as exc:
        raise RenderFailed(f"{type(exc).__name__}: {exc}", name)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, ZeroDivisionError) as exc:
        raise RenderFailed(f"Error rendering template: {exc}", name)
    return _pad_newlines(text, source, settings["newline_sequence"])


def _pad_newlines(text: str, source: str, newline: str) -> str:
    """End with as many newlines as the template file does (Ansible's rule).

    Jinja drops the file's final newline, and ``trim_blocks`` may eat one
    after a closing tag; the file's own trailing newlines come back here.
    """
    wanted = len(source) - len(source.rstrip("\n"))
    present = 0
    while text.endswith(newline * (present + 1)):
        present += 1
    return text + newline * max(0, wanted - present)


def _text(piece: Any) -> str:
    """One output node as text: None is empty, undefined fails naming the variable."""
    if piece is None:
        return ""
    if isinstance(piece, StrictUndefined):
        raise UndefinedError(piece.describe())
    if isinstance(piece, jinja2.Undefined):
        raise UndefinedError("undefined value")
    return piece if isinstance(piece, str) else str(piece)


def _line(exc: BaseException, compiled: jinja2.Template, pieces: Iterator[Any]) -> str:
    """`` (line N)``: where the template was when it failed.

    That is the deepest template frame in the traceback, or, when an output
    value failed only once turned into text, where the render paused.
    """
    line = None
    for tb in _frames(exc.__traceback__):
        if tb.tb_frame.f_globals.get("__jinja_template__") is compiled:
            line = compiled.get_corresponding_lineno(tb.tb_lineno)
    frame = getattr(pieces, "gi_frame", None)
    if line is None and frame is not None:
        line = compiled.get_corresponding_lineno(frame.f_lineno)
    return f" (line {line})" if line else ""


def _frames(tb: TracebackType | None) -> Iterator[TracebackType]:
    while tb is not None:
        yield tb
        tb = tb.tb_next
