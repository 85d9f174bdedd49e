"""What an action receives: its task, host, arguments, and ways to reach the host."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from longplay.errors import ErrorCause, Origin
from longplay.executor import results as res
from longplay.executor.connection import HostConnection
from longplay.templating.templar import Templar, Variables, deprecated_condition
from longplay.transport.base import ConnectFailed
from longplay.transport.become import BecomeSpec
from longplay.transport.client import EventHandler
from longplay.transport.discovery import SILENT_AUTO_VALUES

if TYPE_CHECKING:
    from longplay.executor.state import RunContext
    from longplay.inventory import Host
    from longplay.output.base import Output
    from longplay.playbook.model import Task


@dataclass
class ActionContext:
    task: Task
    host: Host
    args: dict[str, Any]
    variables: Variables
    run: RunContext
    connection: HostConnection
    check_mode: bool = False
    diff: bool = False
    environment: dict[str, str] = field(default_factory=dict)
    become: BecomeSpec | None = None
    #: ``async`` seconds (0: run in the foreground) and ``poll`` for the task
    async_seconds: int = 0
    poll: int = 15
    on_event: EventHandler | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: the action reaches the host by sending it a module first, as ansible-core's
    #: counterpart does (not an action that copies files: see ActionSpec.transfers_files)
    sends_modules: bool = True

    @property
    def templar(self) -> Templar:
        return self.variables.templar

    @property
    def verbosity(self) -> int:
        return self.run.options.verbosity

    async def request(self, op: str, **fields: Any) -> dict[str, Any]:
        return await self.connection.request(
            op, become=self.become, on_event=self.on_event, **fields
        )

    async def run_module(
        self, name: str, args: dict[str, Any], check_mode: bool | None = None
    ) -> dict[str, Any]:
        """Run a target module through the host's agent and return its result."""
        with self.sending_module():
            result = await self.request(
                "run",
                module=name,
                args=args,
                check=self.check_mode if check_mode is None else check_mode,
                diff=self.diff,
                environment=self.environment,
                extra=self.extra,
            )
        self.report_discovery(result)
        # a module's own failure, even when an action ran it (async_status's arguments are
        # checked by its action in ansible-core)
        if result.pop(res.ACTION_FAILURE, False):
            message = str(result.get("msg") or "")
            result[res.ERROR] = [res.task_failed(self.task.origin), ErrorCause(message)]
            return result
        return res.explain_failure(self.task.origin, result, "Module")

    @contextlib.contextmanager
    def sending_module(self) -> Iterator[None]:
        """A host that cannot be reached while ansible-core would be sending it a module
        (pipelining on, see HostConnection.sends_modules) is worded so."""
        sends = self.sends_modules and self.connection.sends_modules()
        try:
            yield
        except ConnectFailed as exc:
            if not sends:
                raise
            raise exc.while_sending() from None

    def report_discovery(self, result: dict[str, Any]) -> None:
        """The first module result of a host whose Python was discovered says which
        (``ansible_facts.discovered_interpreter_python``) with ansible-core's warning."""
        connection = self.connection
        if connection.discovered is None or connection.discovery_reported:
            return
        connection.discovery_reported = True
        facts = result.setdefault("ansible_facts", {})
        if isinstance(facts, dict):
            facts["discovered_interpreter_python"] = connection.discovered
        configured = str(connection.variables.get("ansible_python_interpreter") or "").strip()
        if configured not in SILENT_AUTO_VALUES:
            self.run.output.warning(
                f"Host '{connection.name}' is using the discovered Python interpreter at "
                f"'{connection.discovered}', but future installation of another Python "
                "interpreter could cause a different interpreter to be discovered. See "
                "https://docs.ansible.com/ansible-core/2.19/reference_appendices/"
                "interpreter_discovery.html for more information."
            )

    def search_paths(self, kind: str) -> list[str]:
        """Where a relative controller-side file of ``kind`` (files, templates, vars) is looked
        for, in order: the role, the directory of the task's file, the playbook's directory
        (each with ``kind`` first). Listed as ansible-core lists them, repeats included."""
        dirs: list[str] = []
        if self.task.role is not None:
            dirs += [os.path.join(self.task.role.path, kind), self.task.role.path]
        base = self.task.basedir
        if self.task.origin is not None and os.path.isabs(self.task.origin.path):
            base = os.path.dirname(self.task.origin.path)
        dirs += [os.path.join(base, kind), base]
        playbook_dir = str(self.variables.raw.get("playbook_dir", base))
        dirs += [os.path.join(playbook_dir, kind), playbook_dir]
        return dirs

    def not_found(self, kind: str, path: str) -> str:
        """ansible-core's words for a controller file found nowhere it looked."""
        if os.path.isabs(path):  # looked for only where it says: no search list
            return (
                f"Could not find or access '{path}' on the Ansible Controller.\nIf you are "
                "using a module and expect the file to exist on the remote, see the "
                "remote_src option"
            )
        searched = "\n\t".join(os.path.join(d, path) for d in self.search_paths(kind))
        return (
            f"Could not find or access '{path}'\nSearched in:\n\t{searched} on the Ansible "
            "Controller.\nIf you are using a module and expect the file to exist on the remote, "
            "see the remote_src option"
        )

    def find_file(self, kind: str, path: str) -> str | None:
        """Resolve a controller-side path the way Ansible does (role, then playbook)."""
        path = os.path.expanduser(path)
        if os.path.isabs(path):
            return path if os.path.exists(path) else None
        for directory in self.search_paths(kind):
            candidate = os.path.join(directory, path)
            if os.path.exists(candidate):
                return candidate
        return None

    def warn(self, message: str) -> None:
        self.run.output.warning(message)

    def note_condition(self, condition: Any, origin: Origin | None) -> None:
        note_condition(self.run.output, condition, origin)


def note_condition(output: Output, condition: Any, origin: Origin | None) -> None:
    """Report what ansible-core deprecates in how ``condition`` is written (it still works)."""
    message = deprecated_condition(condition)
    if message is not None:
        output.deprecation(message, origin)
