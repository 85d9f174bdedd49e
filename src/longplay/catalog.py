"""Every name a task may use as its action, and what it resolves to.

A name resolves, in order, to a controller-side action (``longplay.actions``),
a module that runs on the target (``longplay.agent.modules``), or a custom
module in a ``library/`` folder beside the playbook or in a role. Ansible's
collection prefixes for builtins (``ansible.builtin.``, ``ansible.legacy.``)
are accepted. Well-known Ansible modules longplay does not provide are refused
with a clear message at parse time instead of failing mid-run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from longplay.actions.base import ActionSpec
from longplay.actions.base import find as find_action
from longplay.actions.base import load_all as load_actions
from longplay.agent.registry import ModuleSpec
from longplay.agent.registry import find as find_module
from longplay.agent.registry import load_all as load_modules

_PREFIXES = ("ansible.builtin.", "ansible.legacy.", "longplay.builtin.")

#: Ansible modules users commonly write that longplay does not implement.
REFUSED = frozenset(
    [
        "apt_key",
        "apt_repository",
        "yum",
        "yum_repository",
        "dnf",
        "package",
        "package_facts",
        "pip",
        "sysvinit",
        "service_facts",
        "mysql_db",
        "mysql_user",
        "postgresql_db",
        "postgresql_user",
        "user",
        "group",
        "cron",
        "git",
        "mount",
        "sysctl",
        "hostname",
        "synchronize",
        "ansible.posix.synchronize",
        "ansible.posix.mount",
        "ansible.posix.sysctl",
        "community.general.ufw",
        "ufw",
        "firewalld",
        "iptables",
        "selinux",
        "seboolean",
        "authorized_key",
        "docker_container",
        "docker_image",
        "community.docker.docker_container",
        "known_hosts",
        "debconf",
        "dpkg_selections",
        "expect",
        "gem",
        "npm",
        "cpanm",
        "make",
        "pear",
        "zypper",
        "apk",
        "pacman",
    ]
)


#: Actions whose result is more tasks, run right after them for the host.
DYNAMIC_INCLUDES = frozenset({"include_tasks", "include_role"})
#: Task names the parser expands in place before anything runs.
STATIC_IMPORTS = frozenset({"import_tasks", "import_role"})


@dataclass(frozen=True)
class ModuleInfo:
    """What the parser and executor need to know about a resolved action name."""

    name: str
    kind: str  # "action", "remote" or "custom"
    free_form: str | None
    #: for command-line modules, the option names ``k=v`` words may set
    raw_options: frozenset[str] | None
    async_ok: bool
    action: ActionSpec | None = None
    module: ModuleSpec | None = None
    path: str | None = None


def canonical(name: str) -> str:
    """The short name: builtin prefixes and any ``namespace.collection.`` dropped."""
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    parts = name.split(".")
    if len(parts) == 3 and all(parts):
        return parts[2]  # community.general.archive -> archive
    return name


def _command_line_options(spec: ModuleSpec) -> frozenset[str] | None:
    if spec.free_form is None:
        return None
    return frozenset(
        name for name in spec.options if not name.startswith("_") and name not in ("cmd", "argv")
    )


def resolve(name: str, library_dirs: tuple[str, ...] = ()) -> ModuleInfo | None:
    """Resolve an action name as written in a task; None when unknown."""
    short = canonical(name)
    spec = find_action(short)
    if spec is not None:
        raw_options = frozenset(spec.options or ()) - {"_raw_params"} if spec.free_form else None
        # An action with a module behind it (copy, unarchive) is refused async
        # when it runs, as ansible-core does; a pure controller action (debug,
        # set_fact...) already when the playbook is parsed (see the parser).
        shadowed = find_module(short)
        return ModuleInfo(
            short,
            "action",
            spec.free_form,
            raw_options,
            spec.async_ok,
            action=spec,
            module=shadowed,
        )
    module = find_module(short)
    if module is not None:
        # async_status (and async_wait) are actions in ansible-core: no async for them
        async_ok = short not in ("async_status", "async_wait", "async_list")
        return ModuleInfo(
            short,
            "remote",
            module.free_form,
            _command_line_options(module),
            async_ok,
            module=module,
        )
    for directory in library_dirs:
        for candidate in (short, f"{short}.py", f"{short}.sh"):
            path = os.path.join(directory, candidate)
            if os.path.isfile(path):
                return ModuleInfo(short, "custom", None, None, True, path=path)
    return None


def refused(name: str) -> bool:
    return name in REFUSED or canonical(name) in REFUSED


def known_names() -> list[str]:
    return sorted(set(load_actions()) | set(load_modules()))
