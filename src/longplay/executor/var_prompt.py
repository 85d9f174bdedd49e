"""vars_prompt: ask the operator for play variables before the play starts.

As in ansible-playbook, questions are asked only on a terminal. Without one
(CI, cron, a pipe) nothing is read: a prompt with a ``default`` takes it,
one without gets the string ``"None"`` (what ansible-core leaves there), and
``-e`` always wins without asking.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Mapping
from typing import Any

from longplay.errors import LongplayError

MISMATCH = "***** VALUES ENTERED DO NOT MATCH ****"


def answer(
    spec: Mapping[str, Any],
    render: Callable[[Any], Any],
    interactive: bool | None = None,
) -> Any:
    """The value for one ``vars_prompt`` entry; ``render`` templates its default."""
    name = str(spec["name"])
    if spec.get("encrypt"):
        raise LongplayError(
            f"vars_prompt '{name}': 'encrypt' is not supported by longplay "
            "(hash the value with the password_hash filter instead)"
        )
    has_default = spec.get("default") is not None
    default = str(render(spec["default"])) if has_default else None
    if interactive is None:
        interactive = sys.stdin.isatty()
    if not interactive:
        return default if has_default else "None"
    text = str(spec.get("prompt") or f"input for {name}")
    question = f"{text} [{default}]: " if has_default else f"{text}: "
    private = spec.get("private", True) not in (False, "false", "no", "False")
    while True:
        value = _ask(question, private)
        if spec.get("confirm") and _ask(f"confirm {question}", private) != value:
            print(MISMATCH, flush=True)
            continue
        break
    if value == "" and has_default:
        return default
    return value


def _ask(question: str, private: bool) -> str:
    if private:
        return getpass.getpass(question)
    return input(question)
