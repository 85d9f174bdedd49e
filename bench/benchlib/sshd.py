"""A loopback OpenSSH server for the SSH benchmarks.

Reuses ``tests/ssh/loopback_sshd.py`` (loaded by path under a private name,
so the tests' own copy is untouched) and changes one thing in its config:
``HOME`` for the sessions points at an empty directory. On this machine
root's ``~/.bashrc`` runs ``pyenv init`` for every SSH channel (bash sources
it when started by sshd), which costs both tools the same fixed amount per
channel and drowns what is being measured. With an empty ``HOME`` neither
tool pays it. When sshd is too old for ``SetEnv`` the helper drops it and the
rc cost stays (for both); :attr:`BenchSshd.home_override` says which.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
HELPER = REPO / "tests" / "ssh" / "loopback_sshd.py"


class SshdUnavailable(RuntimeError):
    """No sshd/ssh-keygen, or the server did not start."""


def _raise_unavailable(reason: str = "", *args: object, **kwargs: object) -> None:
    raise SshdUnavailable(reason)


def _load_helper() -> types.ModuleType:
    """Load the tests' sshd helper by path; stub pytest when it is not installed."""
    if "pytest" not in sys.modules:
        try:
            import pytest  # noqa: F401
        except ImportError:
            stub = types.ModuleType("pytest")
            stub.fail = _raise_unavailable  # type: ignore[attr-defined]
            stub.skip = _raise_unavailable  # type: ignore[attr-defined]
            sys.modules["pytest"] = stub
    spec = importlib.util.spec_from_file_location("_bench_loopback_sshd", HELPER)
    if spec is None or spec.loader is None:
        raise SshdUnavailable(f"cannot load {HELPER}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@dataclass
class BenchSshd:
    """A running benchmark sshd and the helper object describing it."""

    server: Any
    helper: types.ModuleType
    home: Path
    home_override: bool

    @property
    def port(self) -> int:
        return int(self.server.port)

    def write_inventory(self, path: Path, count: int, interpreter: str) -> Path:
        """An INI inventory of ``count`` aliases (group ``fleet``) of this server.

        The async directory is ``.ansible_async`` in the session HOME, spelled
        as an absolute path: Mitogen writes job files to ``$HOME/.ansible_async``
        whatever ``ansible_async_dir`` says (so a per-host directory breaks
        it), while ansible-core expands ``~`` to the login user's passwd home
        (``~root``), not to ``$HOME``.
        """
        return Path(
            self.server.write_inventory(
                path,
                count=count,
                group="fleet",
                ansible_python_interpreter=interpreter,
                ansible_async_dir=str(self.home / ".ansible_async"),
            )
        )

    def stop(self) -> None:
        self.helper.stop_sshd(self.server)


def start(directory: Path) -> BenchSshd:
    """Start a loopback sshd under ``directory`` with an empty session ``HOME``."""
    helper = _load_helper()
    home = directory / "home"
    home.mkdir(parents=True, exist_ok=True)
    original = helper._sshd_config

    def config(directory: Path, port: int, set_env: bool = True) -> str:
        text: str = original(directory, port, set_env)
        # sshd honours only the first SetEnv line: add HOME to the helper's one.
        if set_env and "SetEnv " in text:
            text = text.replace("SetEnv ", f"SetEnv HOME={home} ", 1)
        return text

    helper._sshd_config = config
    try:
        server = helper.start_sshd(directory)
    except SshdUnavailable:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # pytest's outcome exceptions derive from BaseException
        raise SshdUnavailable(str(exc)) from None
    override = f"HOME={home}" in Path(server.config).read_text()
    return BenchSshd(server=server, helper=helper, home=home, home_override=override)
