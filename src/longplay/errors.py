"""Errors the user sees, each knowing where it came from and its exit code.

Every error that reaches the user names the file and line (an
:class:`Origin`), the host, or the job it is about. Exit codes follow
ansible-playbook's.
"""

from __future__ import annotations

import linecache
import os
import re
import textwrap
from dataclasses import dataclass
from typing import Any


class ExitCode:
    OK = 0
    ERROR = 1
    HOST_FAILED = 2
    UNREACHABLE = 4
    PARSE_ERROR = 4
    BAD_OPTIONS = 5
    INTERRUPTED = 99
    UNEXPECTED = 250


@dataclass(frozen=True)
class Origin:
    """A position in a source file (1-based line and column)."""

    path: str
    line: int
    column: int = 1
    #: for a place that is not a file (``<adhoc 'command' task>``, ``<CLI option '-a'>``,
    #: line 0): what to show instead of source lines
    text: str | None = None

    def __str__(self) -> str:
        if self.line < 1:
            return self.path
        return f"{self.path}:{self.line}:{self.column}"

    def excerpt(self) -> str | None:
        """What an error shows under ``Origin:``: the source lines, or for a place that is not
        a file its text, whitespace collapsed and cut to 120 characters (as ansible-core)."""
        if self.line > 0:
            return self.snippet()
        if not self.text:
            return self.text
        return textwrap.shorten(self.text, SNIPPET_WIDTH)

    def snippet(self, context: int = 2) -> str:
        """The offending line with a couple before it and a caret under the column.

        As in ansible-core, the excerpt is at most 120 characters wide: a longer line
        ends in ``...``, and the caret is only drawn when the column is left of the
        cut (its label goes before it when there is no room after)."""
        if not linecache.getline(self.path, self.line):
            return ""
        width = len(str(self.line))
        room = SNIPPET_WIDTH - width - 1
        usable = room
        lines = []
        for number in range(max(1, self.line - context), self.line + 1):
            text = linecache.getline(self.path, number).rstrip("\n").replace("\t", " ")
            if len(text) > room:
                text = text[: room - len(CUT)] + CUT
                usable = room - len(CUT)
            lines.append(f"{number:>{width}}{' ' if text else ''}{text}")
        if 1 <= self.column <= usable:
            label = f"column {self.column}"
            if self.column + 1 + len(label) > room:
                marker = " " * (self.column - 2 - len(label)) + f"{label} ^"
            else:
                marker = " " * (self.column - 1) + f"^ {label}"
            lines.append(" " * (width + 1) + marker)
        return "\n".join(lines)


#: how wide a source excerpt is, and what ends a line cut to fit
SNIPPET_WIDTH = 120
CUT = "..."


@dataclass(frozen=True)
class ErrorCause:
    """One link of a task failure's story, as ansible-core 2.19 tells it.

    A failed result carries the chain from the outside in: ``Task failed``
    at the task, then what went wrong inside it ("Finalization of task args
    ... failed" at the action, "Error while resolving value for 'msg'" at the
    argument, the undefined variable...). A cause without an origin is told
    together with the one before it (``Task failed: Module failed: ...``).
    """

    message: str
    origin: Origin | None = None
    #: a section of its own even without an origin
    separate: bool = False
    #: shown under the origin instead of the source lines
    detail: str | None = None


def joined_message(causes: list[ErrorCause]) -> str:
    """The whole chain on one line: ``Task failed: Module failed: non-zero return code``
    (a sentence's full stop goes when another cause follows it)."""
    parts = [cause.message for cause in causes if cause.message]
    return ": ".join([part.removesuffix(".") for part in parts[:-1]] + parts[-1:])


def template_errors_warning(errors: list[str], origin: Origin | None) -> str:
    """ansible-core's warning for a value shown in spite of failing to render (a task name,
    debug's ``var``): ``Encountered N template error(s).``, each error, where it is written."""
    count = len(errors)
    lines = [f"Encountered {count} template error{'s' if count > 1 else ''}."]
    lines += [f"error {number} - {message}" for number, message in enumerate(errors, 1)]
    if origin is not None:
        lines.append(f"Origin: {origin}")
        snippet = origin.snippet()
        if snippet:
            lines += ["", snippet, ""]
    return "\n".join(lines)


def reserved_name_warnings(variables: Any, where: Origin | None = None) -> list[str]:
    """ansible-core's warnings for variables named like playbook keywords (``port``,
    ``environment``...), each at its name (``where`` for names not written in a file)."""
    from longplay.playbook.keywords import RESERVED_NAMES

    found = []
    for name in variables if isinstance(variables, dict) else ():
        if name in RESERVED_NAMES:
            key_origins = getattr(variables, "key_origins", {})
            origin = key_origins.get(name) or where
            message = f"Found variable using reserved name {name!r}."
            found.append(LongplayError(message, origin).render().rstrip("\n") + "\n")
    return found


#: what ansible-core accepts as a variable name (plus: not a constant's name)
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_CONSTANT_NAMES = frozenset(("True", "False", "None", "true", "false", "none"))
VARIABLE_NAME_HELP = (
    "Variable names must be strings starting with a letter or underscore character, "
    "and contain only letters, numbers and underscores."
)


def check_variable_names(variables: Any) -> None:
    """Stop at the first name ansible-core refuses as a variable name (``my-var``, ``none``,
    a number), at the name, with its help text (exit code 1, before anything runs)."""
    if not isinstance(variables, dict):
        return
    key_origins = getattr(variables, "key_origins", {})
    for name in variables:
        if isinstance(name, str) and _VARIABLE_NAME.match(name) and name not in _CONSTANT_NAMES:
            continue
        if not isinstance(name, str):
            kind = type(name).__name__
            raise LongplayError(
                f"Invalid variable name {name!r} of type {kind!r}. {VARIABLE_NAME_HELP}"
            )
        raise LongplayError(
            f"Invalid variable name {name!r}.", key_origins.get(name), example=VARIABLE_NAME_HELP
        )


class LongplayError(Exception):
    """Base of every error longplay reports to the user."""

    exit_code = ExitCode.ERROR

    def __init__(
        self,
        message: str,
        origin: Origin | None = None,
        hint: str | None = None,
        example: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.origin = origin
        self.hint = hint
        #: a paragraph shown after the source (ansible-core's "For example: ..." help)
        self.example = example
        #: what the message is made of, outermost first, when a task reports it
        self.causes: list[ErrorCause] = []

    def render(self) -> str:
        parts = [self.message]
        if self.hint:
            parts[0] += f" {self.hint}"
        if self.origin is not None:
            parts.append(f"Origin: {self.origin}")
            snippet = self.origin.excerpt()
            if snippet:
                parts += ["", snippet, ""]  # ansible-core ends it with a blank line
            elif os.path.isfile(self.origin.path):
                parts += ["", "(source not shown: file truncated)", ""]
        if self.example:
            if parts[-1] != "":
                parts.append("")
            parts += [self.example, ""]
        return "\n".join(parts)

    def __str__(self) -> str:
        if self.origin is not None:
            return f"{self.message} ({self.origin})"
        return self.message


def missing_file(path: str) -> LongplayError:
    """A file a playbook names that is not there (exit code 1), in ansible-core's words."""
    return LongplayError(
        "Unable to retrieve file contents.\n"
        f"Could not find or access '{path}' on the Ansible Controller.\n"
        "If you are using a module and expect the file to exist on the remote, see the "
        f"remote_src option: [Errno 2] No such file or directory: '{path}'"
    )


class ParseError(LongplayError):
    """The playbook, inventory or a vars file is invalid; nothing has run."""

    exit_code = ExitCode.PARSE_ERROR


class OptionsError(LongplayError):
    """Bad command-line options."""

    exit_code = ExitCode.BAD_OPTIONS


class TemplateError(LongplayError):
    """A template could not be rendered (syntax error, failing filter...)."""


class UndefinedError(TemplateError):
    """A template used a variable or attribute that does not exist."""


class TaskError(LongplayError):
    """A task cannot run as written (a bad keyword value found at run time)."""


class TaskArgsError(TemplateError):
    """A task's value could not be rendered; ``message`` is the whole report.

    Worded as ansible-core 2.19 words it: the task's arguments
    ("Finalization of task args for 'ansible.builtin.debug' failed: Error while
    resolving value for 'msg': ..."), a keyword ("Error processing keyword
    'environment': ..."), the loop.
    """


def condition_failure(exc: LongplayError) -> str:
    """How ansible-core words a condition that could not be evaluated."""
    if isinstance(exc, UndefinedError):
        return f"Error while evaluating conditional: {exc.message}"
    return exc.message
