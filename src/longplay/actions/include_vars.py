"""include_vars: load variables from a YAML/JSON file (or a directory of them)."""

from __future__ import annotations

import os
from typing import Any

from longplay.actions.base import action
from longplay.agent.registry import Option
from longplay.errors import LongplayError
from longplay.executor.context import ActionContext
from longplay.playbook.source import load_yaml

_EXTENSIONS = ("yml", "yaml", "json")


@action(
    "include_vars",
    options={
        "file": Option(),
        "_raw_params": Option(),
        "dir": Option(),
        "name": Option(),
        "depth": Option(type="int", default=0),
        "files_matching": Option(),
        "ignore_files": Option(type="list", elements="str", default=[]),
        "extensions": Option(type="list", elements="str", default=list(_EXTENSIONS)),
        "ignore_unknown_extensions": Option(type="bool", default=False),
        "hash_behaviour": Option(),
    },
    free_form="_raw_params",
)
async def include_vars(ctx: ActionContext) -> dict[str, Any]:
    """Variables land above play and role vars, below set_fact (Ansible's precedence)."""
    source = ctx.args.get("file") or ctx.args.get("_raw_params")
    directory = ctx.args.get("dir")
    try:
        if directory:
            files = _directory_files(ctx, str(directory))
        elif source:
            path = ctx.find_file("vars", str(source))
            if path is None:
                # the reason goes under "message"; "msg" is the generic one
                return {
                    "failed": True,
                    "changed": False,
                    "ansible_facts": {},
                    "ansible_included_var_files": [],
                    "message": ctx.not_found("vars", str(source)),
                }
            files = [path]
        else:
            return {"failed": True, "msg": "one of file, dir or a free-form file name is required"}
        values: dict[str, Any] = {}
        for path in files:
            data = load_yaml(path) or {}
            if not isinstance(data, dict):
                return {"failed": True, "msg": f"{path} must contain a mapping of variables"}
            values.update(data)
    except LongplayError as exc:
        return {"failed": True, "msg": exc.render().rstrip("\n")}
    if ctx.args.get("name"):
        values = {str(ctx.args["name"]): values}
    return {
        "changed": False,
        "ansible_facts": values,
        "ansible_included_var_files": files,
        "_longplay_include_vars": values,
    }


def _directory_files(ctx: ActionContext, directory: str) -> list[str]:
    found = ctx.find_file("vars", directory)
    if found is None or not os.path.isdir(found):
        raise LongplayError(f"{directory} directory does not exist")
    depth = int(ctx.args.get("depth") or 0)
    files: list[str] = []
    for root, dirs, names in os.walk(found):
        dirs.sort()
        level = root[len(found) :].count(os.sep)
        if depth and level >= depth:
            dirs[:] = []
        for name in sorted(names):
            if (
                name.rsplit(".", 1)[-1] in ctx.args["extensions"]
                and name not in ctx.args["ignore_files"]
            ):
                files.append(os.path.join(root, name))
    return files
