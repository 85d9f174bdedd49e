"""What a module receives besides its arguments.

The same module code runs in two places: in the agent (the task waits for it)
and in a detached job runner (``async``). The context hides the difference:
``run_command`` captures output in memory in the agent and streams it to the
job's output files in the runner, so a module never needs to know.

Standard library only, Python >= 3.8.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union


if TYPE_CHECKING:
    Command = Union[str, Sequence[str]]

#: Commands the agent is running for tasks that wait on them. When the
#: controller goes away (the agent's stdin closes) they are stopped: only
#: async jobs, which run under their own detached runner, outlive the run.
_FOREGROUND: set[subprocess.Popen[bytes]] = set()
_FOREGROUND_LOCK = threading.Lock()


def stop_foreground_commands() -> None:
    """SIGTERM every foreground command's process group (the controller is gone)."""
    with _FOREGROUND_LOCK:
        processes = list(_FOREGROUND)
    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except OSError:
            pass


class ModuleContext:
    """Per-invocation settings and helpers handed to every module."""

    def __init__(
        self,
        check_mode: bool = False,
        diff: bool = False,
        environment: Optional[Dict[str, str]] = None,
        emit: Optional[Callable[[Dict[str, Any]], None]] = None,
        extra: Optional[Dict[str, Any]] = None,
    ) -> None:
        self.check_mode = check_mode
        self.diff = diff
        self.environment = {str(k): str(v) for k, v in (environment or {}).items()}
        self._emit = emit
        #: controller-supplied facts about the task a module may need
        #: (for example the async job directory for async_status).
        self.extra = extra or {}

    def emit(self, event: Dict[str, Any]) -> None:
        """Send a progress event to the controller, if anyone listens."""
        if self._emit is not None:
            self._emit(event)

    def env(self) -> Dict[str, str]:
        merged = dict(os.environ)
        merged.update(self.environment)
        return merged

    def getenv(self, name: str, default: str = "") -> str:
        return self.environment.get(name, os.environ.get(name, default))

    def run_command(
        self,
        command: Command,
        shell: bool = False,
        cwd: Optional[str] = None,
        stdin: Optional[bytes] = None,
        executable: Optional[str] = None,
    ) -> Tuple[int, str, str]:
        """Run a command to completion; return (rc, stdout, stderr) as text."""
        process = subprocess.Popen(
            command,
            shell=shell,
            cwd=cwd,
            env=self.env(),
            executable=executable,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        with _FOREGROUND_LOCK:
            _FOREGROUND.add(process)
        try:
            out, err = process.communicate(stdin)
        finally:
            with _FOREGROUND_LOCK:
                _FOREGROUND.discard(process)
        return process.returncode, decode_output(out), decode_output(err)

    def make_temp_dir(self) -> str:
        import tempfile  # rarely needed: keep it out of the agent's start-up

        return tempfile.mkdtemp(prefix="longplay-")


def decode_output(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def split_lines(text: str) -> List[str]:
    return text.splitlines()
