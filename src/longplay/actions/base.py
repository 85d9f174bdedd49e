"""Controller-side actions: what runs in the controller for a task.

Most tasks are "remote" (the generic action sends the module to the host's
agent). Some work needs the controller: printing (debug), changing variables
(set_fact), reading controller files (copy's src, template), or deciding the
flow (meta, fail, assert, pause). Those are actions, registered by name with
:func:`action`, each one file under ``longplay/actions/``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from longplay.agent.registry import ModuleSpec, Option, validate

if TYPE_CHECKING:
    from longplay.executor.context import ActionContext

ActionHandler = Callable[["ActionContext"], Awaitable[dict[str, Any]]]


@dataclass
class ActionSpec:
    name: str
    handler: ActionHandler
    #: None means "any arguments" (the action checks them itself)
    options: dict[str, Option] | None
    free_form: str | None = None
    #: may run with ``async`` (actions that wrap a remote module)
    async_ok: bool = False
    doc: str = ""
    aliases: tuple[str, ...] = field(default_factory=tuple)
    #: runs for the batch's first host only, as ansible-core runs add_host and pause: the
    #: other hosts neither show, count nor register it
    once: bool = False
    #: copies files to the host: ansible-core's counterpart starts with a plain command
    #: (making its temporary directory) rather than by sending a module
    transfers_files: bool = False

    def validate(self, args: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """Apply the declared argument spec (types, defaults, unknown names)."""
        if self.options is None:
            return dict(args), []
        spec = ModuleSpec(
            self.name, lambda a, c: {}, self.options, self.free_form, True, (), (), ""
        )
        return validate(spec, args)


ACTIONS: dict[str, ActionSpec] = {}


def action(
    name: str,
    options: dict[str, Option] | None = None,
    free_form: str | None = None,
    async_ok: bool = False,
    aliases: tuple[str, ...] = (),
    once: bool = False,
    transfers_files: bool = False,
) -> Callable[[ActionHandler], ActionHandler]:
    """Register a controller-side action under ``name`` (and ``aliases``)."""

    def register(handler: ActionHandler) -> ActionHandler:
        spec = ActionSpec(
            name,
            handler,
            options,
            free_form,
            async_ok,
            (handler.__doc__ or "").strip(),
            aliases,
            once,
            transfers_files,
        )
        for key in (name, *aliases):
            ACTIONS[key] = spec
        return handler

    return register


_loaded = False


@lru_cache(maxsize=1)
def _files() -> frozenset[str]:
    from longplay import actions as package

    return frozenset(info.name for info in pkgutil.iter_modules(package.__path__))


def find(name: str) -> ActionSpec | None:
    """The action called ``name``, importing only its file.

    An action lives in the file of its name (``assert`` in ``assert_.py``,
    since ``assert`` is a keyword), so resolving ``command`` imports no
    action at all and a run loads only the actions its playbook uses.
    """
    if name not in ACTIONS:
        for stem in (name, f"{name}_"):
            if stem in _files():
                importlib.import_module(f"longplay.actions.{stem}")
                break
    return ACTIONS.get(name)


def load_all() -> dict[str, ActionSpec]:
    global _loaded
    if not _loaded:
        from longplay import actions as package

        for info in pkgutil.iter_modules(package.__path__):
            if info.name != "base" and not info.name.startswith("_"):
                importlib.import_module(f"longplay.actions.{info.name}")
        _loaded = True
    return ACTIONS
