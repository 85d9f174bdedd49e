"""Turn YAML into a validated :class:`Playbook`, or stop with a precise error.

Everything that can be checked before a host is touched is checked here: the
YAML itself, unknown keywords (with a "did you mean"), unknown or refused
modules, and keyword values that are literal but invalid (``retries: abc``).
Templated values (``retries: "{{ n }}"``) are checked when a host runs them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any

from longplay import catalog
from longplay.errors import Origin, ParseError, check_variable_names, missing_file
from longplay.playbook import keywords as kw
from longplay.playbook.kvargs import UnbalancedArgs, parse_kv
from longplay.playbook.model import Block, Node, Play, Playbook, Role, Task
from longplay.playbook.source import SourceDict, SourceList, load_yaml, origin_of
from longplay.templating.templar import is_template

_TRUE = {"yes", "on", "true", "y", "1", "t"}
_FALSE = {"no", "off", "false", "n", "0", "f", ""}


@dataclass
class ParseContext:
    """Where the tasks being parsed come from."""

    basedir: str
    role: Role | None = None
    library_dirs: tuple[str, ...] = ()
    is_handler: bool = False
    #: files being imported, to refuse import loops
    stack: tuple[str, ...] = field(default_factory=tuple)
    #: problems worth a warning but not an error (shared by nested contexts)
    warnings: list[str] = field(default_factory=list)
    #: the playbook's directory: roles are also looked for beside it
    playbook_dir: str | None = None


# --- values -----------------------------------------------------------------


def _fail_value(name: str, value: Any, wanted: str, origin: Origin | None) -> ParseError:
    return ParseError(
        f"Error processing keyword '{name}': The value {value!r} could not be converted to '{wanted}'.",
        origin,
    )


def coerce_keyword(name: str, value: Any, origin: Origin | None) -> Any:
    """Check and normalise a literal keyword value; templates pass through."""
    kind = kw.KEYWORDS[name].kind
    if is_template(value):
        return [value] if kind == "cond" else value
    if kind == "int":
        if name in ("async", "poll"):
            try:
                return _to_int(name, value, origin)
            except ParseError:
                return value  # the task fails when it runs, as in ansible-core
        return _to_int(name, value, origin)
    if kind == "number":
        return _to_number(name, value, origin)
    if kind == "bool":
        return _to_bool(name, value, origin)
    if kind == "cond":
        return value if isinstance(value, list) else [value]
    if kind == "list":
        if value is None:
            return []
        if isinstance(value, str):
            return (
                [part.strip() for part in value.split(",") if part.strip()]
                if name == "tags"
                else [value]
            )
        if isinstance(value, list):
            return [str(item) if not isinstance(item, (dict, list)) else item for item in value]
        return [str(value)]
    if kind == "vars":
        return _to_vars(name, value, origin)
    if kind == "dict":
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ParseError(
                f"Error processing keyword '{name}': expected a mapping, got {type(value).__name__}.",
                origin,
            )
        return value
    if kind == "env":
        if isinstance(value, (dict, list)) or value is None:
            return value
        raise ParseError(
            f"Error processing keyword '{name}': expected a mapping of variables.", origin
        )
    if kind == "str":
        return value if value is None or isinstance(value, str) else str(value)
    return value


def _to_int(name: str, value: Any, origin: Origin | None) -> int:
    if isinstance(value, bool):
        raise _fail_value(name, value, "int", origin)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        raise _fail_value(name, value, "int", origin)


def _to_number(name: str, value: Any, origin: Origin | None) -> float | int:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    try:
        number = float(str(value).strip().rstrip("%"))
    except ValueError:
        raise _fail_value(name, value, "float", origin)
    return int(number) if number.is_integer() else number


def _to_bool(name: str, value: Any, origin: Origin | None) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _fail_value(name, value, "bool", origin)


def _to_vars(name: str, value: Any, origin: Origin | None) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, dict):
        check_variable_names(value)
        return value
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        merged: dict[str, Any] = {}
        for item in value:
            check_variable_names(item)
            merged.update(item)
        return merged
    raise ParseError(
        f"Error processing keyword '{name}': vars must be a mapping (or a list of mappings).",
        origin,
    )


def _keywords(data: SourceDict, scope: str, allowed: set[str], what: str) -> dict[str, Any]:
    """Validate and coerce the keywords of one node."""
    found: dict[str, Any] = {}
    for key, value in data.items():
        if key not in allowed:
            continue
        found[key] = (
            coerce_keyword(key, value, data.origin_of(key)) if key in kw.KEYWORDS else value
        )
    return found


def _unknown_keyword(key: Any, data: SourceDict, allowed: set[str], what: str) -> ParseError:
    hint = kw.did_you_mean(str(key), allowed)
    return ParseError(
        f"'{key}' is not a valid attribute for a {what}", data.origin_of_key(key), hint
    )


def _conflicting_action(action: str, key: Any, data: SourceDict, allowed: set[str]) -> ParseError:
    """A task key that is neither a keyword nor a module, beside the task's module: ansible-core
    takes it for a second action."""
    return ParseError(
        f"conflicting action statements: {action}, {key}",
        data.origin,
        kw.did_you_mean(str(key), allowed),
    )


def ansible_type(value: Any) -> str:
    """A value's type as ansible-core 2.19 names it in its messages (YAML values are tagged)."""
    tagged = {dict: "Dict", list: "List", str: "Str", int: "Int", float: "Float"}
    for base, name in tagged.items():
        if isinstance(value, base) and not isinstance(value, bool):
            return f"<class 'ansible.module_utils._internal._datatag._AnsibleTagged{name}'>"
    return f"<class '{type(value).__name__}'>"


def _plain(value: Any) -> Any:
    """``value`` as plain dicts, lists and strings, for a repr in a message."""
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, str):
        return str(value)
    return value


def _require_mapping(data: Any, what: str, origin: Origin | None) -> SourceDict:
    if isinstance(data, SourceDict):
        return data
    if isinstance(data, dict):
        converted = SourceDict(data)
        converted.origin = origin
        return converted
    raise ParseError(
        f"A {what} must be a mapping, got {type(data).__name__}: {data!r:.80}",
        origin_of(data) or origin,
    )


# --- playbooks and plays ----------------------------------------------------


def load_playbook(path: str) -> Playbook:
    """Parse and validate a playbook file (and everything it imports)."""
    path = os.path.abspath(path)
    playbook = Playbook(path)
    _load_plays(path, playbook, ())
    return playbook


def _load_plays(path: str, playbook: Playbook, stack: tuple[str, ...]) -> None:
    if path in stack:
        raise ParseError(f"import_playbook loop: {' -> '.join([*stack, path])}")
    if stack and not os.path.isfile(path):
        raise missing_file(os.path.normpath(path))
    data = load_yaml(path, playbook.warnings)
    if data is None:
        raise ParseError(f"Empty playbook, nothing to do: {path}")
    if not isinstance(data, list):
        raise ParseError(
            f"A playbook must be a list of plays, got a {ansible_type(data)} instead: {path}",
            origin_of(data) or Origin(path, 1),
        )
    if not data:
        raise ParseError(f"A playbook must contain at least one play: {path}")
    basedir = os.path.dirname(path)
    item_origins = getattr(data, "item_origins", [])
    for position, entry in enumerate(data):
        if not isinstance(entry, dict):
            where = item_origins[position] if position < len(item_origins) else Origin(path, 1)
            raise ParseError(
                "playbook entries must be either valid plays or 'import_playbook' statements",
                where,
            )
        entry = _require_mapping(entry, "play", Origin(path, 1))
        imported = next((k for k in entry if catalog.canonical(str(k)) == "import_playbook"), None)
        if imported is not None:
            target = entry[imported]
            if not isinstance(target, str) or is_template(target):
                raise ParseError(
                    "import_playbook needs a literal file name", entry.origin_of(imported)
                )
            _load_plays(os.path.join(basedir, target), playbook, (*stack, path))
            continue
        playbook.plays.append(parse_play(entry, basedir, path, playbook.warnings))


def parse_play(
    data: SourceDict, basedir: str, path: str, warnings: list[str] | None = None
) -> Play:
    allowed = kw.keywords_for(kw.PLAY)
    for key in data:
        if key not in allowed:
            raise _unknown_keyword(key, data, allowed, "Play")
    if "hosts" not in data:
        raise ParseError("The field 'hosts' is required but was not set.", data.origin)
    hosts = data["hosts"]
    if hosts is None or hosts == "" or hosts == []:
        # never "every host": ansible-core refuses it too
        raise ParseError(
            "Hosts list cannot be empty. Please check your playbook", data.origin_of("hosts")
        )
    if isinstance(hosts, list) and any(item is None or item == "" for item in hosts):
        raise ParseError(
            "Error processing keyword 'hosts': Keyword 'hosts' is required, and cannot have "
            "empty values.",
            data.origin_of("hosts"),
        )
    keywords = _keywords(data, kw.PLAY, allowed, "Play")
    keywords["hosts"] = hosts if isinstance(hosts, list) else str(hosts)
    _check_play_values(keywords, data)
    play = Play(keywords=keywords, origin=data.origin, basedir=basedir, source_path=path)
    play.keyword_origins = {
        str(key): origin
        for key in ("name", "hosts")
        if key in data and (origin := data.origin_of(key)) is not None
    }
    written = data.get("vars_files")  # kept as written: its items' origins name them
    play.vars_files = (
        written if isinstance(written, SourceList) else list(keywords.get("vars_files") or [])
    )
    ctx = ParseContext(
        basedir=basedir,
        library_dirs=_library_dirs(basedir),
        warnings=warnings if warnings is not None else [],
    )
    # The play's own handlers come first; roles (applied in run order: pre_tasks, roles,
    # tasks, post_tasks, so a role is applied once) add theirs as they are applied.
    handler_ctx = replace(ctx, is_handler=True)
    handlers = parse_tasks(
        data.get("handlers"), play, handler_ctx, (9,), data.origin_of("handlers"), "handlers"
    )
    play.handlers = _flatten_handlers(handlers)
    play.pre_tasks = parse_tasks(
        data.get("pre_tasks"), play, ctx, (0,), data.origin_of("pre_tasks"), "pre_tasks"
    )
    if data.get("roles"):
        from longplay.playbook.roles import apply_play_roles

        apply_play_roles(play, data["roles"], ctx, data.origin_of("roles"))
    play.tasks = parse_tasks(data.get("tasks"), play, ctx, (2,), data.origin_of("tasks"), "tasks")
    play.post_tasks = parse_tasks(
        data.get("post_tasks"), play, ctx, (3,), data.origin_of("post_tasks"), "post_tasks"
    )
    play.handlers.sort(key=_handler_rank)
    return play


def _handler_rank(handler: Task) -> int:
    """ansible-core's handler order: the ``roles:`` section's first, then the play's own,
    then those of roles imported in pre_tasks, post_tasks and tasks (in that order)."""
    if handler.role is None or len(handler.position) < 3:
        return 1
    return {1: 0, 0: 2, 3: 3, 2: 4}.get(handler.position[1], 1)


def _check_play_values(keywords: dict[str, Any], data: SourceDict) -> None:
    strategy = keywords.get("strategy")
    if strategy and not is_template(strategy) and strategy not in kw.STRATEGIES:
        raise ParseError(
            f"Invalid play strategy specified: {strategy}",
            data.origin_of("strategy"),
            kw.did_you_mean(strategy, kw.STRATEGIES),
        )
    serial = keywords.get("serial")
    if serial is not None:
        for value in serial if isinstance(serial, list) else [serial]:
            if is_template(value) or (isinstance(value, int) and not isinstance(value, bool)):
                continue
            text = str(value).strip()
            if not (text.endswith("%") and text[:-1].strip().isdigit()) and not text.isdigit():
                raise ParseError(
                    f"Error processing keyword 'serial': {value!r} is not a number or a percentage.",
                    data.origin_of("serial"),
                )


def _library_dirs(basedir: str) -> tuple[str, ...]:
    return (os.path.join(basedir, "library"),)


def _flatten_handlers(nodes: list[Node]) -> list[Task]:
    handlers: list[Task] = []
    for node in nodes:
        if isinstance(node, Task):
            node.is_handler = True
            handlers.append(node)
        elif isinstance(node, Block):
            handlers.extend(_flatten_handlers(node.block + node.rescue + node.always))
    return handlers


# --- task lists -------------------------------------------------------------


def parse_tasks(
    items: Any,
    parent: Node,
    ctx: ParseContext,
    position: tuple[int, ...],
    origin: Origin | None = None,
    section: str | None = None,
) -> list[Node]:
    """Parse a list of tasks and blocks under ``parent``; ``section`` names where the list is
    written for ansible-core's message about a value that is not a list (``tasks``, ``rescue``,
    ``a block``; none: a task file)."""
    if items is None:
        return []
    if not isinstance(items, list):
        raise ParseError(_not_a_task_list(items, section), origin_of(items) or origin)
    nodes: list[Node] = []
    item_origins = getattr(items, "item_origins", [])
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ParseError(
                "A malformed block was encountered while loading a block: The ds "
                f"({_plain([item])!r}) should be a dict but was a <class 'list'>",
                item_origins[index] if index < len(item_origins) else origin_of(items) or origin,
            )
        data = _require_mapping(item, "task", origin_of(items) or origin)
        node = parse_node(data, parent, ctx, (*position, index))
        if node is not None:
            nodes.append(node)
    return nodes


#: an included task file whose content is not a list
NOT_A_TASK_LIST = "included task files must contain a list of tasks"


def _not_a_task_list(items: Any, section: str | None) -> str:
    """ansible-core's words for a list of tasks that is not a list."""
    if section is None:
        return NOT_A_TASK_LIST
    shown = _plain(items)
    if section in ("a block", "rescue", "always"):
        return (
            f"A malformed block was encountered while loading {section}: The ds ({shown!r}) "
            f"should be a list but was a {ansible_type(items)}"
        )
    if section.startswith("role "):
        return (
            f"The tasks/main.yml file for {section} must contain a list of tasks: {shown} "
            f"should be a list or None but is {ansible_type(items)}"
        )
    return (
        f"A malformed block was encountered while loading {section}: {shown} should be a list "
        f"or None but is {ansible_type(items)}"
    )


def parse_node(
    data: SourceDict, parent: Node, ctx: ParseContext, position: tuple[int, ...]
) -> Node | None:
    if "block" in data:
        return parse_block(data, parent, ctx, position)
    return parse_task(data, parent, ctx, position)


def parse_block(
    data: SourceDict, parent: Node, ctx: ParseContext, position: tuple[int, ...]
) -> Block:
    allowed = kw.keywords_for(kw.BLOCK)
    for key in data:
        if key not in allowed:
            raise _unknown_keyword(key, data, allowed, "Block")
    block = Block(
        keywords=_keywords(data, kw.BLOCK, allowed, "Block"),
        origin=data.origin,
        parent=parent,
        role=ctx.role,
        basedir=ctx.basedir,
    )
    block.position = position
    block.keyword_origins = _keyword_origins(data)
    block.item_origins = _item_origins(data)
    block.block = parse_tasks(
        data.get("block"), block, ctx, (*position, 0), data.origin_of("block"), "a block"
    )
    block.rescue = parse_tasks(
        data.get("rescue"), block, ctx, (*position, 1), data.origin_of("rescue"), "rescue"
    )
    block.always = parse_tasks(
        data.get("always"), block, ctx, (*position, 2), data.origin_of("always"), "always"
    )
    return block


def _find_action(data: SourceDict, allowed: set[str], ctx: ParseContext) -> tuple[str, Any, str]:
    """Return (action name as written, its raw arguments, the key it came from)."""
    candidates = [k for k in data if k not in allowed and not kw.is_loop_keyword(str(k))]
    if "action" in data or "local_action" in data:
        key = "action" if "action" in data else "local_action"
        if candidates:
            raise _unknown_keyword(candidates[0], data, allowed, "Task")
        value = data[key]
        if isinstance(value, dict):
            value = dict(value)
            name = value.pop("module", None)
            if not name:
                raise ParseError(f"'{key}' needs a 'module' entry", data.origin_of(key))
            return str(name), value, key
        if not isinstance(value, str) or not value.strip():
            raise ParseError(f"'{key}' must name a module", data.origin_of(key))
        name, _, rest = value.strip().partition(" ")
        return name, rest.strip(), key
    if not candidates:
        raise ParseError("no module/action detected in task.", data.origin)
    known = [
        c
        for c in candidates
        if catalog.resolve(str(c), ctx.library_dirs) is not None or catalog.refused(str(c))
    ]
    if len(known) > 1:
        raise ParseError(
            f"conflicting action statements: {', '.join(map(str, known))}", data.origin
        )
    if len(known) == 1:
        others = [c for c in candidates if c != known[0]]
        if others:
            first_two = [c for c in candidates if c in (known[0], others[0])]
            raise _conflicting_action(str(first_two[0]), first_two[1], data, allowed)
        return str(known[0]), data[known[0]], str(known[0])
    if len(candidates) > 1:
        # None resolves: report the first as an unknown module or keyword, whichever it is closer to.
        first = str(candidates[0])
        if kw.closest(first, allowed):
            raise _unknown_keyword(first, data, allowed, "Task")
    return str(candidates[0]), data[candidates[0]], str(candidates[0])


def _unknown_module(name: str, data: SourceDict, key: str) -> ParseError:
    if catalog.refused(name):
        return ParseError(
            f"The module '{name}' is not available in longplay.",
            data.origin,
            "See docs/modules.md for the modules longplay provides.",
        )
    hint = kw.did_you_mean(catalog.canonical(name), catalog.known_names())
    return ParseError(
        f"couldn't resolve module/action '{name}'. This often indicates a misspelling, "
        "missing collection, or incorrect module path.",
        data.origin,
        hint,
    )


def _module_args(
    info: catalog.ModuleInfo, raw: Any, extra: Any, data: SourceDict, key: str
) -> dict[str, Any]:
    if raw is None:
        args: dict[str, Any] = {}
    elif isinstance(raw, dict):
        args = dict(raw)
    elif isinstance(raw, str):
        try:
            args = parse_kv(raw, info.raw_options) if info.free_form else parse_kv(raw)
        except UnbalancedArgs as exc:
            raise ParseError(f"Error loading tasks: {exc.message}", data.origin) from exc
    elif info.free_form and isinstance(raw, (int, float)):
        args = {"_raw_params": str(raw)}
    else:
        raise ParseError(
            f"arguments for '{info.name}' must be a mapping or a string", data.origin_of(key)
        )
    if extra:
        if not isinstance(extra, dict):
            if is_template(extra):
                args["_args_template"] = extra
                return args
            raise ParseError("'args' must be a mapping", data.origin_of("args"))
        merged = dict(extra)
        merged.update(args)
        args = merged
    return args


def parse_task(
    data: SourceDict, parent: Node, ctx: ParseContext, position: tuple[int, ...]
) -> Node | None:
    allowed = kw.keywords_for(kw.HANDLER if ctx.is_handler else kw.TASK)
    name, raw_args, key = _find_action(data, allowed, ctx)
    short = catalog.canonical(name)
    if short in catalog.STATIC_IMPORTS:
        return _static_import(short, data, raw_args, parent, ctx, position, allowed)
    info = catalog.resolve(name, ctx.library_dirs)
    if info is None:
        raise _unknown_module(name, data, key)
    for other in data:
        if other not in allowed and other != key and not kw.is_loop_keyword(str(other)):
            raise _unknown_keyword(other, data, allowed, "Task")
    loops = [k for k in data if kw.is_loop_keyword(str(k))]
    if len(loops) > 1:
        raise ParseError(
            f"only one loop keyword is allowed per task, found: {', '.join(loops)}", data.origin
        )
    keywords = _keywords(data, kw.TASK, allowed, "Task")
    for loop_key in loops:
        keywords[loop_key] = data[loop_key]
    if key == "local_action":
        keywords["delegate_to"] = "localhost"
    keywords.pop("action", None)
    keywords.pop("local_action", None)
    _check_task_values(info, keywords, data, ctx.warnings)
    task = Task(
        keywords=keywords,
        origin=data.origin,
        parent=parent,
        role=ctx.role,
        basedir=ctx.basedir,
        action=info.name,
        args=_module_args(info, raw_args, keywords.pop("args", None), data, key),
        action_as_written=name,
        is_handler=ctx.is_handler,
    )
    task.position = position
    task.library_dirs = ctx.library_dirs
    if "name" in data:
        task.name_origin = data.origin_of("name")
    task.keyword_origins = _keyword_origins(data)
    task.item_origins = _item_origins(data)
    task.action_origin = data.origin_of_key(key)
    task.arg_origins = _arg_origins(raw_args, data.get("args"), data.origin_of(key))
    for source in (data.get("args"), raw_args):
        if isinstance(source, SourceDict):
            task.arg_key_origins.update({str(k): v for k, v in source.key_origins.items()})
    return task


def _keyword_origins(data: SourceDict) -> dict[str, Origin]:
    found = {}
    for key in data:
        if key in _ORIGIN_KEYWORDS or kw.is_loop_keyword(str(key)):
            origin = data.origin_of(key)
            if origin is not None:
                found[str(key)] = origin
    return found


_ORIGIN_KEYWORDS = (
    "when",
    "until",
    "failed_when",
    "changed_when",
    "environment",
    "register",
    "delegate_to",
    "async",
    "poll",
)


def _item_origins(data: SourceDict) -> dict[str, list[Origin]]:
    return {
        key: list(value.item_origins)
        for key in ("when", "until", "failed_when", "changed_when")
        if isinstance(value := data.get(key), SourceList)
    }


def _arg_origins(raw: Any, extra: Any, written: Origin | None) -> dict[str, Origin]:
    """Where each argument's value is written: its own value, or the ``k=v`` string."""
    found: dict[str, Origin] = {}
    for source in (extra, raw):
        if isinstance(source, SourceDict):
            found.update({str(k): v for k, v in source.value_origins.items()})
    if isinstance(raw, str) and written is not None:
        found["*"] = written  # every k=v argument is in the one string
    return found


def _check_task_values(
    info: catalog.ModuleInfo, keywords: dict[str, Any], data: SourceDict, warnings: list[str]
) -> None:
    control = keywords.get("loop_control")
    if isinstance(control, dict):
        for option in control:
            if option not in kw.LOOP_CONTROL_OPTIONS:
                origins = data.get("loop_control")
                raise ParseError(
                    f"'{option}' is not a valid attribute for a LoopControl",
                    origins.origin_of_key(option)
                    if isinstance(origins, SourceDict)
                    else data.origin_of("loop_control"),
                    kw.did_you_mean(str(option), kw.LOOP_CONTROL_OPTIONS),
                )
    if info.name in catalog.DYNAMIC_INCLUDES:
        # Other actions without async (raw, debug, copy...) fail when they run, as in
        # ansible-core; includes have no async/poll at all (whatever the value).
        for key in data:
            if key in ("async", "poll"):
                what = "TaskInclude" if info.name == "include_tasks" else "IncludeRole"
                raise ParseError(f"'{key}' is not a valid attribute for a {what}", data.origin)
    async_value = keywords.get("async")
    if isinstance(async_value, int) and async_value < 0:
        raise ParseError("async must be a positive number of seconds", data.origin_of("async"))
    poll = keywords.get("poll")  # a negative poll does not wait, as poll 0 (ansible-core)
    if (
        isinstance(poll, int)
        and isinstance(async_value, int)
        and async_value > 0
        and poll > async_value
    ):
        warnings.append(
            f"poll ({poll}s) is longer than async ({async_value}s) at {data.origin_of('poll')}: "
            "longplay notices the end of the job anyway, but the job is stopped after "
            f"{async_value}s"
        )
    for name in ("delay",):  # retries of 0 or less: one attempt, until unused (ansible-core)
        value = keywords.get(name)
        if value is not None and not is_template(value) and value < 0:
            raise ParseError(f"{name} must not be negative", data.origin_of(name))


def _static_import(
    short: str,
    data: SourceDict,
    raw_args: Any,
    parent: Node,
    ctx: ParseContext,
    position: tuple[int, ...],
    allowed: set[str],
) -> Node:
    """import_tasks / import_role: inline the tasks now, under a block carrying the import's keywords."""
    for other in data:
        if other not in allowed and catalog.canonical(str(other)) != short:
            raise _unknown_keyword(other, data, allowed, "Task")
    keywords = _keywords(data, kw.BLOCK, kw.keywords_for(kw.BLOCK), "Block")
    block = Block(
        keywords=keywords, origin=data.origin, parent=parent, role=ctx.role, basedir=ctx.basedir
    )
    block.position = position
    if short == "import_tasks":
        target = raw_args.get("file") if isinstance(raw_args, dict) else raw_args
        if not isinstance(target, str) or is_template(target):
            raise ParseError("import_tasks needs a literal file name", data.origin)
        block.block = load_task_file(
            resolve_tasks_path(target, ctx), block, ctx, (*position, 0), data.origin
        )
    else:
        from longplay.playbook.roles import import_role

        args = raw_args if isinstance(raw_args, dict) else parse_kv(str(raw_args))
        import_role(block, args, ctx, (*position, 0), data.origin)
    return block


def resolve_tasks_path(target: str, ctx: ParseContext) -> str:
    """Where an included/imported task file is: relative to the including file's dir or role."""
    candidates = (
        [target]
        if os.path.isabs(target)
        else [
            os.path.join(ctx.basedir, target),
            os.path.join(ctx.basedir, "tasks", target),
        ]
    )
    for candidate in candidates:
        if os.path.isfile(candidate):
            return candidate
    return candidates[0]


def load_task_file(
    path: str,
    parent: Node,
    ctx: ParseContext,
    position: tuple[int, ...],
    origin: Origin | None = None,
) -> list[Node]:
    """Parse a file holding a list of tasks (import_tasks, include_tasks, roles)."""
    if path in ctx.stack:
        raise ParseError(f"task file includes itself: {path}", origin)
    if not os.path.isfile(path):
        raise missing_file(os.path.normpath(path))
    data = load_yaml(os.path.normpath(path), ctx.warnings)
    child_ctx = replace(
        ctx, basedir=ctx.basedir if ctx.role else os.path.dirname(path), stack=(*ctx.stack, path)
    )
    return parse_tasks(data, parent, child_ctx, position, Origin(path, 1))
