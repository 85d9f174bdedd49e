"""include_tasks: load more tasks when the task runs.

The included tasks are parsed now (errors name their file and line) and
handed to the executor, which runs them for this host right after the
include, inheriting the include task's keywords (and its loop item).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from longplay.actions.base import action
from longplay.agent.registry import Option
from longplay.errors import ErrorCause, ParseError
from longplay.executor import results as res
from longplay.executor.context import ActionContext
from longplay.playbook.model import Block, Node

#: an include that could not load: ansible-core fails the host whatever ignore_errors says
INCLUDE_FAILED = "_ansible_include_failed"  # kept for the output, never registered


def wrapper_block(ctx: ActionContext) -> Block:
    """A block carrying the include's loop variable (and ``apply`` keywords)."""
    task = ctx.task
    control = task.keywords.get("loop_control") or {}
    loop_var = str(control.get("loop_var") or "item")
    scoped: dict[str, Any] = {}
    if task.loop_keyword and loop_var in ctx.variables.raw:
        scoped[loop_var] = ctx.variables.raw[loop_var]
        index_var = control.get("index_var")
        if index_var and index_var in ctx.variables.raw:
            scoped[str(index_var)] = ctx.variables.raw[str(index_var)]
    keywords: dict[str, Any] = {"vars": scoped}
    apply = ctx.args.get("apply") or {}
    if isinstance(apply, dict):
        from longplay.playbook.parser import coerce_keyword

        keywords.update(
            {k: coerce_keyword(k, v, task.origin) for k, v in apply.items() if k != "vars"}
        )
        keywords["vars"].update(apply.get("vars") or {})
    block = Block(
        keywords=keywords, origin=task.origin, parent=task, role=task.role, basedir=task.basedir
    )
    block.position = (*task.position, int(ctx.variables.raw.get("_longplay_item_index", 0)))
    return block


def shared_include(ctx: ActionContext, target: str, build: Callable[[], list[Node]]) -> list[Node]:
    """The included tasks, parsed once for every host that includes the same thing.

    Hosts that include the same file with the same item and ``apply`` get
    the very same task objects, so the linear strategy runs them together
    under one TASK header, as Ansible does.
    """
    block = wrapper_block(ctx)
    key = (id(ctx.task), target, block.position, repr(sorted(block.keywords.items(), key=str)))
    cache = ctx.run.include_cache
    if key not in cache:
        cache[key] = build()
    return cache[key]


def parse_context(ctx: ActionContext) -> Any:
    from longplay.playbook.parser import ParseContext

    return ParseContext(
        basedir=ctx.task.basedir,
        role=ctx.task.role,
        library_dirs=ctx.task.library_dirs,
        playbook_dir=ctx.task.play.basedir,
    )


@action(
    "include_tasks",
    options={"file": Option(), "_raw_params": Option(), "apply": Option(type="dict")},
    free_form="_raw_params",
)
async def include_tasks(ctx: ActionContext) -> dict[str, Any]:
    """Parse the task file and return its tasks for the executor to run."""
    from longplay.playbook.parser import NOT_A_TASK_LIST, load_task_file, resolve_tasks_path

    target = ctx.args.get("file") or ctx.args.get("_raw_params")
    if not target:
        return {"failed": True, "msg": "No file specified for include_tasks"}
    parse_ctx = parse_context(ctx)
    path = resolve_tasks_path(str(target), parse_ctx)
    if not os.path.isfile(path):
        # as ansible-core words it; an include that cannot load fails whatever ignore_errors
        missing = f"Could not find or access '{path}' on the Ansible Controller"
        reason = (
            f"{missing}: Unable to retrieve file contents.\n{missing}.\nIf you are using a "
            "module and expect the file to exist on the remote, see the remote_src option: "
            f"[Errno 2] No such file or directory: '{path}'"
        )
        return _include_failed(target, reason)

    def build() -> list[Node]:
        block = wrapper_block(ctx)
        block.block = load_task_file(path, block, parse_ctx, (*block.position, 0), ctx.task.origin)
        return [block]

    try:
        nodes = shared_include(ctx, path, build)
    except ParseError as exc:
        if exc.message != NOT_A_TASK_LIST:
            raise
        return _include_failed(target, exc.message)
    return {"changed": False, "include": path, "_longplay_include": nodes}


def _include_failed(target: Any, reason: str) -> dict[str, Any]:
    """A task file that cannot be included, as ansible-core reports it: a ``reason``, not
    a ``msg``, and the host fails whatever ignore_errors says."""
    return {
        "failed": True,
        "changed": False,
        "include": target,
        "reason": reason,
        INCLUDE_FAILED: True,
        res.ERROR: [ErrorCause(reason)],  # told as it is: no task, no origin
    }
