"""The playbook keywords longplay understands, their types and where they apply.

One table drives parsing, static validation (``retries: abc`` is refused
before anything runs), inheritance from play to block to task, and the
"did you mean" suggestions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

PLAY, BLOCK, TASK, HANDLER = "play", "block", "task", "handler"


@dataclass(frozen=True)
class Keyword:
    name: str
    kind: str  # int, bool, str, list, dict, cond, any, env, vars
    scopes: frozenset[str]
    inherited: bool = False


def _kw(name: str, kind: str, scopes: str, inherited: bool = False) -> Keyword:
    return Keyword(name, kind, frozenset(scopes.split()), inherited)


_ALL = f"{PLAY} {BLOCK} {TASK} {HANDLER}"
_BTH = f"{BLOCK} {TASK} {HANDLER}"
_TH = f"{TASK} {HANDLER}"

KEYWORDS: dict[str, Keyword] = {
    k.name: k
    for k in [
        _kw("name", "str", _ALL),
        _kw("vars", "vars", _ALL),
        _kw("tags", "list", _ALL, inherited=True),
        _kw("when", "cond", _BTH),
        _kw("become", "bool", _ALL, inherited=True),
        _kw("become_user", "str", _ALL, inherited=True),
        _kw("become_method", "str", _ALL, inherited=True),
        _kw("become_flags", "str", _ALL, inherited=True),
        _kw("become_exe", "str", _ALL, inherited=True),
        _kw("environment", "env", _ALL, inherited=True),
        _kw("ignore_errors", "bool", _ALL, inherited=True),
        _kw("ignore_unreachable", "bool", _ALL, inherited=True),
        _kw("no_log", "bool", _ALL, inherited=True),
        _kw("check_mode", "bool", _ALL, inherited=True),
        _kw("diff", "bool", _ALL, inherited=True),
        _kw("run_once", "bool", _ALL, inherited=True),
        _kw("any_errors_fatal", "bool", _ALL, inherited=True),
        _kw("delegate_to", "str", _BTH, inherited=True),
        _kw("delegate_facts", "bool", _BTH, inherited=True),
        _kw("connection", "str", _ALL, inherited=True),
        _kw("remote_user", "str", _ALL, inherited=True),
        _kw("port", "int", _ALL, inherited=True),
        _kw("throttle", "int", _ALL, inherited=True),
        _kw("timeout", "int", _ALL, inherited=True),
        _kw("module_defaults", "dict", _ALL, inherited=True),
        _kw("collections", "list", _ALL),
        _kw("debugger", "str", _ALL),
        _kw("notify", "list", _BTH),
        # tasks only
        _kw("action", "any", _TH),
        _kw("local_action", "any", _TH),
        _kw("args", "dict", _TH),
        _kw("register", "str", _TH),
        _kw("loop", "any", _TH),
        _kw("loop_control", "dict", _TH),
        _kw("until", "cond", _TH),
        _kw("retries", "int", _TH),
        _kw("delay", "number", _TH),
        _kw("failed_when", "cond", _TH),
        _kw("changed_when", "cond", _TH),
        _kw("async", "int", _TH),
        _kw("poll", "int", _TH),
        _kw("listen", "list", HANDLER),
        # blocks
        _kw("block", "any", BLOCK),
        _kw("rescue", "any", BLOCK),
        _kw("always", "any", BLOCK),
        # plays
        _kw("hosts", "list", PLAY),
        _kw("gather_facts", "bool", PLAY),
        _kw("gather_subset", "list", PLAY),
        _kw("gather_timeout", "int", PLAY),
        _kw("fact_path", "str", PLAY),
        _kw("vars_files", "list", PLAY),
        _kw("vars_prompt", "any", PLAY),
        _kw("roles", "any", PLAY),
        _kw("pre_tasks", "any", PLAY),
        _kw("tasks", "any", PLAY),
        _kw("post_tasks", "any", PLAY),
        _kw("handlers", "any", PLAY),
        _kw("serial", "any", PLAY),
        _kw("strategy", "str", PLAY),
        _kw("max_fail_percentage", "number", PLAY),
        _kw("force_handlers", "bool", PLAY),
        _kw("order", "str", PLAY),
    ]
}

#: Keywords whose value Ansible treats as a bare Jinja2 expression.
CONDITIONALS = ("when", "until", "failed_when", "changed_when")

LOOP_KEYWORDS = ("loop",)  # plus every with_<lookup>

LOOP_CONTROL_OPTIONS = ("label", "loop_var", "index_var", "extended", "extended_allitems", "pause")

STRATEGIES = ("linear", "free", "host_pinned")


def keywords_for(scope: str) -> set[str]:
    return {k.name for k in KEYWORDS.values() if scope in k.scopes}


def is_loop_keyword(name: str) -> bool:
    return name == "loop" or name.startswith("with_")


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The most similar candidate, for a "did you mean" hint."""
    import difflib  # only for a misspelt keyword

    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    match = closest(name, candidates)
    return f"Did you mean '{match}'?" if match else None


#: variable names ansible-core warns about ("Found variable using reserved name"): its
#: playbook keywords and the names its templates provide
RESERVED_NAMES = frozenset(
    [
        "action",
        "always",
        "any_errors_fatal",
        "args",
        "async",
        "async_val",
        "become",
        "become_exe",
        "become_flags",
        "become_method",
        "become_user",
        "block",
        "changed_when",
        "check_mode",
        "collections",
        "connection",
        "cycler",
        "debugger",
        "delay",
        "delegate_facts",
        "delegate_to",
        "dict",
        "diff",
        "environment",
        "fact_path",
        "failed_when",
        "force_handlers",
        "gather_facts",
        "gather_timeout",
        "handlers",
        "hosts",
        "ignore_errors",
        "ignore_unreachable",
        "joiner",
        "lipsum",
        "local_action",
        "lookup",
        "loop",
        "loop_control",
        "loop_with",
        "max_fail_percentage",
        "module_defaults",
        "name",
        "namespace",
        "no_log",
        "notify",
        "now",
        "omit",
        "order",
        "poll",
        "port",
        "post_tasks",
        "pre_tasks",
        "q",
        "query",
        "range",
        "register",
        "remote_user",
        "rescue",
        "retries",
        "roles",
        "run_once",
        "serial",
        "strategy",
        "tags",
        "tasks",
        "throttle",
        "timeout",
        "undef",
        "until",
        "vars",
        "vars_files",
        "vars_prompt",
        "when",
        "with_",
    ]
)
