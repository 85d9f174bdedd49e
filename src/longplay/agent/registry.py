"""Modules that run on the target, registered by name with an argument spec.

A module is a plain function ``run(args, ctx) -> dict`` decorated with
:func:`module`. The decorator records its options, so the controller can
validate a task before anything runs and the agent can coerce arguments the
way Ansible's argument spec does. Adding a module means adding one file under
``longplay/agent/modules/``; :func:`load_all` finds it.

Standard library only, Python >= 3.8: this runs on target hosts.
"""

from __future__ import annotations

import importlib
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple


BOOLEANS_TRUE = frozenset(("y", "yes", "on", "1", "true", "t", "1.0"))
BOOLEANS_FALSE = frozenset(("n", "no", "off", "0", "false", "f", "0.0", ""))


class ModuleFailed(Exception):
    """Raised by a module to fail the task with a message and extra result keys."""

    def __init__(self, msg: str, **result: Any) -> None:
        super().__init__(msg)
        self.msg = msg
        self.result = result


class Option:
    """One module option: its type, default, choices and aliases."""

    __slots__ = ("aliases", "choices", "default", "elements", "no_log", "required", "type")

    def __init__(
        self,
        type: str = "str",
        required: bool = False,
        default: Any = None,
        choices: Optional[Sequence[Any]] = None,
        aliases: Sequence[str] = (),
        elements: Optional[str] = None,
        no_log: bool = False,
    ) -> None:
        self.type = type
        self.required = required
        self.default = default
        self.choices = tuple(choices) if choices is not None else None
        self.aliases = tuple(aliases)
        self.elements = elements
        self.no_log = no_log


if TYPE_CHECKING:
    ModuleFunc = Callable[[Dict[str, Any], Any], Dict[str, Any]]


class ModuleSpec:
    """What the registry knows of a module: how to call it and what it accepts."""

    def __init__(
        self,
        name: str,
        func: ModuleFunc,
        options: Dict[str, Option],
        free_form: Optional[str],
        check_mode: bool,
        mutually_exclusive: Sequence[Sequence[str]],
        required_one_of: Sequence[Sequence[str]],
        doc: str,
    ) -> None:
        self.name = name
        self.func = func
        self.options = options
        self.free_form = free_form
        self.check_mode = check_mode
        self.mutually_exclusive = [tuple(group) for group in mutually_exclusive]
        self.required_one_of = [tuple(group) for group in required_one_of]
        self.doc = doc

    def alias_map(self) -> Dict[str, str]:
        names = {}
        for name, option in self.options.items():
            names[name] = name
            for alias in option.aliases:
                names[alias] = name
        return names


MODULES: Dict[str, ModuleSpec] = {}


def module(
    name: str,
    options: Optional[Dict[str, Option]] = None,
    free_form: Optional[str] = None,
    check_mode: bool = True,
    mutually_exclusive: Sequence[Sequence[str]] = (),
    required_one_of: Sequence[Sequence[str]] = (),
) -> Callable[[ModuleFunc], ModuleFunc]:
    """Register ``func`` as module ``name``.

    ``free_form`` names the option that receives the raw text of a free-form
    task (``command: ls -l``); ``check_mode`` says whether the module knows how
    to predict its change without making it (otherwise it is skipped in check
    mode, as Ansible does).
    """

    def register(func: ModuleFunc) -> ModuleFunc:
        MODULES[name] = ModuleSpec(
            name,
            func,
            dict(options or {}),
            free_form,
            check_mode,
            mutually_exclusive,
            required_one_of,
            (func.__doc__ or "").strip(),
        )
        return func

    return register


_loaded = False

#: Module files that could not be imported, with the reason: one broken file
#: must not take every other module down with it.
BROKEN: Dict[str, str] = {}


def _import(file_name: str) -> None:
    try:
        importlib.import_module("longplay.agent.modules." + file_name)
    except Exception as exc:  # report per module instead of failing the agent
        BROKEN[file_name] = f"{type(exc).__name__}: {exc}"


def load_all() -> Dict[str, ModuleSpec]:
    """Import every module file in ``longplay.agent.modules`` once."""
    global _loaded
    if not _loaded:
        import pkgutil

        from longplay.agent import modules as package

        for info in pkgutil.iter_modules(package.__path__):
            if not info.name.startswith("_"):
                _import(info.name)
        _loaded = True
    return MODULES


def find(name: str) -> Optional[ModuleSpec]:
    """The module called ``name``, importing as little as possible.

    Most modules live in a file of the same name, so that file is tried
    first; only a miss (``shell`` lives in command.py) imports everything.
    Starting an agent and running ``command`` thus never pays for the HTTP
    or archive modules.
    """
    spec = MODULES.get(name)
    if spec is None and not _loaded and name.isidentifier() and not name.startswith("_"):
        try:
            importlib.import_module("longplay.agent.modules." + name)
        except ImportError:
            pass
        spec = MODULES.get(name)
    if spec is None:
        spec = load_all().get(name)
    return spec


# --- argument validation ----------------------------------------------------


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in BOOLEANS_TRUE:
        return True
    if text in BOOLEANS_FALSE:
        return False
    if not isinstance(value, (str, int, float)):
        raise TypeError(f"{type(value)} cannot be converted to a bool")
    raise ValueError(
        f"The value '{value}' is not a valid boolean. Valid booleans include: {_VALID}"
    )


#: ansible's list of them (its order is a set's, so it varies there)
_VALID = "0, '1', 1, 'on', 'f', 'y', 'yes', 'false', '0', 'true', 'n', 't', 'no', 'off'"


def _to_list(value: Any) -> List[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, (tuple, set)):
        return list(value)
    if isinstance(value, str):
        return [part.strip() for part in value.split(",")] if value else []
    return [value]


def _to_dict(value: Any) -> Dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        import json

        text = value.strip()
        if text.startswith("{"):
            return json.loads(text)
        return dict(parse_kv(text))
    raise ValueError(f"{value!r} cannot be converted to a dict")


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        raise TypeError(f'"{value!r}" cannot be converted to an int') from None


def _to_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{type(value)} cannot be converted to a float") from None


def _to_str(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return value if isinstance(value, str) else str(value)


def _to_path(value: Any) -> str:
    return os.path.expanduser(os.path.expandvars(_to_str(value)))


_CONVERTERS: Dict[str, Callable[[Any], Any]] = {
    "str": _to_str,
    "path": _to_path,
    "int": _to_int,
    "float": _to_float,
    "bool": to_bool,
    "list": _to_list,
    "dict": _to_dict,
    "raw": lambda value: value,
    "jsonarg": lambda value: value,
}


def convert(value: Any, type_name: str, elements: Optional[str] = None) -> Any:
    """Coerce ``value`` to an option type, as Ansible's argument spec does."""
    converted = _CONVERTERS[type_name](value)
    if type_name == "list" and elements:
        converted = [_CONVERTERS[elements](item) for item in converted]
    return converted


def _supported(spec: ModuleSpec) -> str:
    """Option names, then aliases in parentheses, as Ansible lists them."""
    # async_status/async_wait's ``_async_dir`` is set by the controller, not written
    hidden = ("_async_dir",)
    names = sorted(name for name in spec.options if name not in hidden)
    aliases = sorted(set(spec.alias_map()) - set(names) - set(hidden))
    return ", ".join(names) + (" ({})".format(", ".join(aliases)) if aliases else "")


def validate(spec: ModuleSpec, raw: Dict[str, Any]) -> Tuple[Dict[str, Any], List[str]]:
    """Return (arguments with defaults and types applied, problems found)."""
    names = spec.alias_map()
    problems: List[str] = []
    args: Dict[str, Any] = {}
    if "_raw_params" in raw and spec.free_form is None:
        # ``fail: msg=a b``: the stray words are no option; say it as Ansible does.
        return {}, [
            f"Task failed: Action 'ansible.builtin.{spec.name}' does not support raw params."
        ]
    unknown = sorted(key for key in raw if key not in names and not key.startswith("_ansible"))
    # As ansible-core: every check runs, but only the first problem in its order is
    # reported (mutually exclusive, missing, types, choices, required one of, unsupported).
    missing: List[str] = []
    bad_types: List[str] = []
    bad_choices: List[str] = []
    for key, value in raw.items():
        if key in names:
            args[names[key]] = value
    given = {name for name, value in args.items() if value is not None}
    for name, option in spec.options.items():
        value = args.get(name)
        if value is None:
            if option.required:
                missing.append(name)
            args[name] = option.default
            continue
        try:
            value = convert(value, option.type, option.elements)
        except (ValueError, TypeError) as exc:
            bad_types.append(
                f"argument '{name}' is of type {type(value).__name__} and we were unable to convert to {option.type}: {exc}"
            )
            continue
        if option.choices is not None and value not in option.choices:
            bad_choices.append(
                "value of {} must be one of: {}, got: {}".format(
                    name, ", ".join(str(c) for c in option.choices), value
                )
            )
        args[name] = value
    for group in spec.mutually_exclusive:
        present = [name for name in group if name in given]
        if len(present) > 1:
            problems.append("parameters are mutually exclusive: {}".format("|".join(group)))
    if missing:
        problems.append("missing required arguments: {}".format(", ".join(sorted(missing))))
    problems += bad_types + bad_choices
    for group in spec.required_one_of:
        if not any(name in given for name in group):
            problems.append("one of the following is required: {}".format(", ".join(group)))
    if unknown:
        problems.append(
            "Unsupported parameters for ({}) module: {}. Supported parameters include: {}.".format(
                spec.name, ", ".join(unknown), _supported(spec)
            )
        )
    problems = problems[:1]
    return args, problems


def parse_kv(text: str) -> List[Tuple[str, str]]:
    """Split ``a=1 b='two words'`` into pairs; words without ``=`` are skipped."""
    pairs = []
    import shlex

    for word in shlex.split(text):
        if "=" in word:
            key, _, value = word.partition("=")
            pairs.append((key, value))
    return pairs
