"""Roles: find them, load their parts, and splice their tasks into a play.

A role is a directory with ``tasks/``, ``handlers/``, ``defaults/``,
``vars/``, ``meta/`` (dependencies), ``files/``, ``templates/`` and
``library/``. Roles listed under a play's ``roles:`` run (dependencies
first) before the play's ``tasks``; ``import_role`` splices them in at parse
time; ``include_role`` does the same when the task runs.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from longplay.errors import LongplayError, Origin, ParseError
from longplay.playbook import keywords as kw
from longplay.playbook.model import Block, Node, Play, Role, Task
from longplay.playbook.source import SourceDict, load_yaml
from longplay.templating.templar import is_template

if TYPE_CHECKING:
    from longplay.playbook.parser import ParseContext

_MAIN_NAMES = ("main.yml", "main.yaml", "main")


def role_search_paths(basedir: str, playbook_dir: str | None = None) -> list[str]:
    """Where roles are looked for: beside the including file (and, from inside a
    role, among its sibling roles), beside the playbook, then ANSIBLE_ROLES_PATH."""
    paths = [os.path.join(basedir, "roles"), basedir]
    if os.path.basename(os.path.dirname(basedir)) == "roles":
        paths.append(os.path.dirname(basedir))
    if playbook_dir and playbook_dir != basedir:
        paths += [os.path.join(playbook_dir, "roles"), playbook_dir]
    env = os.environ.get("ANSIBLE_ROLES_PATH", "")
    paths += [os.path.expanduser(p) for p in env.split(os.pathsep) if p]
    paths += [
        os.path.expanduser("~/.ansible/roles"),
        "/usr/share/ansible/roles",
        "/etc/ansible/roles",
    ]
    return paths


def find_role(
    name: str, basedir: str, origin: Origin | None, playbook_dir: str | None = None
) -> str:
    if os.sep in name and os.path.isdir(os.path.join(basedir, name)):
        return os.path.abspath(os.path.join(basedir, name))
    searched = role_search_paths(basedir, playbook_dir)
    for directory in searched:
        candidate = os.path.join(directory, name)
        if os.path.isdir(candidate):
            return os.path.abspath(candidate)
    # ansible-core lists the bare playbook (and including) directories last
    bare = {basedir, playbook_dir}
    listed = [p for p in searched if p not in bare] + [p for p in searched if p in bare]
    raise LongplayError(  # exit code 1, as ansible-core's
        f"the role '{name}' was not found in {':'.join(listed)}",
        origin,
    )


def _load_part(path: str, part: str, file_name: str = "main") -> Any:
    directory = os.path.join(path, part)
    names = (
        _MAIN_NAMES if file_name == "main" else (file_name, f"{file_name}.yml", f"{file_name}.yaml")
    )
    for name in names:
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate):
            return load_yaml(candidate), candidate
    return None, None


def _mapping(value: Any, path: str | None) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ParseError("role variables must be a mapping", Origin(path or "?", 1))
    return value


def load_role(
    name: str,
    params: dict[str, Any],
    basedir: str,
    origin: Origin | None,
    vars_from: str = "main",
    defaults_from: str = "main",
    playbook_dir: str | None = None,
) -> Role:
    path = find_role(name, basedir, origin, playbook_dir)
    defaults, defaults_path = _load_part(path, "defaults", defaults_from)
    role_vars, vars_path = _load_part(path, "vars", vars_from)
    return Role(
        name=os.path.basename(path) if os.sep in name else name,
        path=path,
        defaults=_mapping(defaults, defaults_path),
        vars=_mapping(role_vars, vars_path),
        params=params,
    )


def role_dependencies(role: Role) -> list[Any]:
    meta, meta_path = _load_part(role.path, "meta")
    if not isinstance(meta, dict):
        return []
    deps = meta.get("dependencies") or []
    if not isinstance(deps, list):
        raise ParseError("role dependencies must be a list", Origin(meta_path or role.path, 1))
    return deps


def split_role_entry(
    entry: Any, origin: Origin | None
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(role name, params, block keywords) from a ``roles:`` list entry."""
    if isinstance(entry, str):
        return entry, {}, {}
    if not isinstance(entry, dict):
        raise ParseError("a role entry must be a name or a mapping", origin)
    data = dict(entry)
    name = data.pop("role", None) or data.pop("name", None)
    if not name:
        raise ParseError("a role entry needs 'role: NAME'", getattr(entry, "origin", origin))
    allowed = kw.keywords_for(kw.BLOCK)
    block_keywords = {k: data.pop(k) for k in list(data) if k in allowed and k != "vars"}
    params = SourceDict(data.pop("vars", None) or {})
    params.update(data)
    # where each parameter is named (for the reserved names warning)
    params.key_origins = {
        **getattr(entry.get("vars"), "key_origins", {}),
        **{k: v for k, v in getattr(entry, "key_origins", {}).items() if k in data},
    }
    return str(name), params, block_keywords


def _role_block(
    role: Role,
    parent: Node,
    ctx: ParseContext,
    position: tuple[int, ...],
    block_keywords: dict[str, Any],
    origin: Origin | None,
    tasks_from: str = "main",
) -> Block:
    from longplay.playbook.parser import coerce_keyword, parse_tasks

    keywords = {k: coerce_keyword(k, v, origin) for k, v in block_keywords.items()}
    block = Block(keywords=keywords, origin=origin, parent=parent, role=role, basedir=role.path)
    block.position = position
    role_ctx = replace(
        ctx,
        basedir=role.path,
        role=role,
        library_dirs=(os.path.join(role.path, "library"), *ctx.library_dirs),
    )
    tasks, tasks_path = _load_part(role.path, "tasks", tasks_from)
    if tasks_from != "main" and tasks_path is None:
        raise ParseError(f"could not find tasks file '{tasks_from}' in role '{role.name}'", origin)
    block.block = parse_tasks(
        tasks,
        block,
        role_ctx,
        (*position, 0),
        Origin(tasks_path or role.path, 1),
        f"role '{role.name}'" if tasks_from == "main" else None,
    )
    handlers, handlers_path = _load_part(role.path, "handlers")
    if handlers:
        handler_ctx = replace(role_ctx, is_handler=True)
        parsed = parse_tasks(
            handlers, block, handler_ctx, (9, *position), Origin(handlers_path or role.path, 1)
        )
        role.handlers = [node for node in parsed if isinstance(node, Task)]
    return block


def expand_role(
    name: str,
    params: dict[str, Any],
    block_keywords: dict[str, Any],
    parent: Node,
    ctx: ParseContext,
    position: tuple[int, ...],
    origin: Origin | None,
    seen: set[tuple[str, str]],
    tasks_from: str = "main",
    vars_from: str = "main",
    defaults_from: str = "main",
    always: bool = False,
) -> list[Block]:
    """The role's dependencies' blocks followed by its own.

    A role already applied in the play with the same parameters is left out (its
    dependencies too), unless ``always`` (import_role and include_role apply their role
    every time, but not the dependencies it shares with roles applied before)."""
    if is_template(name):
        raise ParseError("a role name in 'roles:' cannot be a template", origin)
    role = load_role(name, params, ctx.basedir, origin, vars_from, defaults_from, ctx.playbook_dir)
    identity = (role.path, repr(sorted(params.items(), key=str)) + tasks_from)
    if identity in seen and not always:
        return []
    seen.add(identity)
    blocks: list[Block] = []
    for index, dep in enumerate(role_dependencies(role)):
        dep_name, dep_params, dep_keywords = split_role_entry(dep, origin)
        dep_keywords = _inherit(block_keywords, dep_keywords)
        dep_ctx = replace(ctx, basedir=role.path)
        blocks += expand_role(
            dep_name,
            dep_params,
            dep_keywords,
            parent,
            dep_ctx,
            (*position, -1000 + index),
            origin,
            seen,
        )
    blocks.append(_role_block(role, parent, ctx, position, block_keywords, origin, tasks_from))
    return blocks


def apply_play_roles(play: Play, entries: Any, ctx: ParseContext, origin: Origin | None) -> None:
    if not isinstance(entries, list):
        raise ParseError("'roles' must be a list", origin)
    seen = play.roles_applied
    item_origins = getattr(entries, "item_origins", [])
    for index, entry in enumerate(entries):
        entry_origin = entry.origin if isinstance(entry, SourceDict) else origin
        if not isinstance(entry, SourceDict) and index < len(item_origins):
            entry_origin = item_origins[index]  # a role named by a bare string: there
        name, params, block_keywords = split_role_entry(entry, entry_origin)
        blocks = expand_role(
            name, params, block_keywords, play, ctx, (1, index), entry_origin, seen
        )
        play.role_tasks.extend(blocks)
        for block in blocks:
            if block.role is not None:
                play.handlers.extend(h for h in block.role.handlers if h not in play.handlers)


def import_role(
    block: Block,
    args: dict[str, Any],
    ctx: ParseContext,
    position: tuple[int, ...],
    origin: Origin | None,
) -> None:
    """Fill ``block`` (the import's block) with the role's tasks."""
    name = args.get("name")
    if not name:
        raise ParseError("import_role needs 'name'", origin)
    blocks = expand_role(
        str(name),
        dict(args.get("vars") or {}),
        {},
        block,
        ctx,
        position,
        origin,
        _applied(block),
        tasks_from=str(args.get("tasks_from") or "main"),
        vars_from=str(args.get("vars_from") or "main"),
        defaults_from=str(args.get("defaults_from") or "main"),
        always=True,
    )
    block.block = list(blocks)
    play = block.play if block.parent is not None else None
    if play is not None:
        for role_block in blocks:
            if role_block.role is not None:
                play.handlers.extend(h for h in role_block.role.handlers if h not in play.handlers)


def _applied(node: Node) -> set[tuple[str, str]]:
    """The roles applied so far in ``node``'s play (a new set outside a play)."""
    while node.parent is not None:
        node = node.parent
    return node.roles_applied if isinstance(node, Play) else set()


def _inherit(outer: dict[str, Any], inner: dict[str, Any]) -> dict[str, Any]:
    """A dependency's keywords: its role entry's ``tags`` and ``when`` apply to it too."""
    merged = {**outer, **inner}
    for key in ("tags", "when"):
        if key in outer and key in inner:
            merged[key] = _as_list(outer[key]) + _as_list(inner[key])
    return merged


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, str) and "," in value:
        return [part.strip() for part in value.split(",")]
    return list(value) if isinstance(value, list) else [value]
