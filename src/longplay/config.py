"""Settings from ``ansible.cfg``, so projects that rely on one work unchanged.

The file is found where Ansible finds it: ``$ANSIBLE_CONFIG``, then
``./ansible.cfg``, ``~/.ansible.cfg``, ``/etc/ansible/ansible.cfg``; only
the first one found is read. A setting from the file is used only when
neither the command line nor the matching ``ANSIBLE_*`` environment
variable gives one (Ansible's order). Most settings are handed on as those
environment variables, which the parts that use them already read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

#: ansible.cfg (section, key) -> the environment variable longplay reads
_AS_ENVIRONMENT = {
    ("defaults", "host_key_checking"): "ANSIBLE_HOST_KEY_CHECKING",
    ("defaults", "roles_path"): "ANSIBLE_ROLES_PATH",
    ("defaults", "remote_user"): "ANSIBLE_REMOTE_USER",
    ("defaults", "transport"): "ANSIBLE_TRANSPORT",
    ("defaults", "remote_port"): "ANSIBLE_REMOTE_PORT",
    ("defaults", "private_key_file"): "ANSIBLE_PRIVATE_KEY_FILE",
    ("defaults", "timeout"): "ANSIBLE_TIMEOUT",
    ("defaults", "force_color"): "ANSIBLE_FORCE_COLOR",
    ("defaults", "async_dir"): "ANSIBLE_ASYNC_DIR",
    ("defaults", "localhost_warning"): "ANSIBLE_LOCALHOST_WARNING",
    ("defaults", "display_ok_hosts"): "ANSIBLE_DISPLAY_OK_HOSTS",
    ("defaults", "callback_result_format"): "ANSIBLE_CALLBACK_RESULT_FORMAT",
    ("defaults", "stdout_callback"): "ANSIBLE_STDOUT_CALLBACK",
    ("privilege_escalation", "become"): "ANSIBLE_BECOME",
    ("privilege_escalation", "become_user"): "ANSIBLE_BECOME_USER",
    ("privilege_escalation", "become_method"): "ANSIBLE_BECOME_METHOD",
    ("defaults", "display_skipped_hosts"): "ANSIBLE_DISPLAY_SKIPPED_HOSTS",
    ("defaults", "deprecation_warnings"): "ANSIBLE_DEPRECATION_WARNINGS",
    ("defaults", "pipelining"): "ANSIBLE_PIPELINING",
    ("connection", "pipelining"): "ANSIBLE_PIPELINING",
    ("ssh_connection", "pipelining"): "ANSIBLE_PIPELINING",
    ("inventory", "inventory_unparsed_warning"): "ANSIBLE_INVENTORY_UNPARSED_WARNING",
    ("inventory", "unparsed_is_failed"): "ANSIBLE_INVENTORY_UNPARSED_FAILED",
}


def setting_enabled(variable: str, default: bool) -> bool:
    """A boolean setting from its ``ANSIBLE_*`` variable (ansible.cfg's is handed on there)."""
    value = os.environ.get(variable, "").strip().lower()
    if not value:
        return default
    return value in TRUE_WORDS


#: what ansible-core reads as true in a boolean setting
TRUE_WORDS = frozenset(("1", "true", "yes", "on", "y", "t"))


@dataclass
class Config:
    path: str | None = None
    inventory: list[str] = field(default_factory=list)
    forks: int | None = None
    environment: dict[str, str] = field(default_factory=dict)


def find_config() -> str | None:
    candidates = [
        os.environ.get("ANSIBLE_CONFIG", ""),
        os.path.join(os.getcwd(), "ansible.cfg"),
        os.path.expanduser("~/.ansible.cfg"),
        "/etc/ansible/ansible.cfg",
    ]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate):
            return candidate
    return None


def load_config() -> Config:
    """Read the first ansible.cfg found; one that does not parse (or a forks that is no
    number) stops the run as a bad option, as with ansible-core: its settings are not
    silently dropped."""
    path = find_config()
    config = Config(path=path)
    if os.environ.get("ANSIBLE_INVENTORY"):
        config.inventory = [p for p in os.environ["ANSIBLE_INVENTORY"].split(",") if p.strip()]
    if path is None:
        _forks_from_environment(config)
        return config
    import configparser  # only when there is a file: it costs milliseconds at every start

    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";", "#"))
    try:
        parser.read(path, encoding="utf-8")
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        from longplay.errors import OptionsError

        raise OptionsError(f"Error reading config file ({path}): {exc}") from None
    base = os.path.dirname(os.path.abspath(path))
    inventory = parser.get("defaults", "inventory", fallback="")
    for part in inventory.split(","):
        part = os.path.expanduser(part.strip())
        if part:
            config.inventory.append(part if os.path.isabs(part) else os.path.join(base, part))
    if os.environ.get("ANSIBLE_INVENTORY"):
        config.inventory = [p for p in os.environ["ANSIBLE_INVENTORY"].split(",") if p.strip()]
    forks = parser.get("defaults", "forks", fallback="").strip()
    if forks.isdigit():
        config.forks = int(forks)
    elif forks:
        from longplay.errors import OptionsError

        raise OptionsError(
            f"Config 'DEFAULT_FORKS' from '{path}' has an invalid value: Invalid value provided "
            f"for 'integer': '{forks}'"
        )
    for (section, key), variable in _AS_ENVIRONMENT.items():
        value = parser.get(section, key, fallback="").strip()
        if value:
            config.environment[variable] = value
    ssh_args = parser.get("ssh_connection", "ssh_args", fallback="").strip()
    if ssh_args:
        config.environment["ANSIBLE_SSH_ARGS"] = ssh_args
    _forks_from_environment(config)
    return config


def _forks_from_environment(config: Config) -> None:
    """``ANSIBLE_FORKS`` beats ansible.cfg's forks (and -f beats both)."""
    forks = os.environ.get("ANSIBLE_FORKS", "").strip()
    if forks.isdigit():
        config.forks = int(forks)


def apply_environment(config: Config) -> None:
    """Hand the file's settings on as environment variables that are not set already."""
    for variable, value in config.environment.items():
        os.environ.setdefault(variable, value)
