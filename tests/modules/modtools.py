"""Helpers for the module end-to-end tests: write a playbook, run the real CLI, read results.

Every test in ``tests/modules`` builds a small project in its tmp dir (a
playbook, maybe ``files/``, ``templates/``, ``roles/``, ``library/``), runs
``longplay run`` on it as a user would (``--json`` so results are
machine-readable), and checks real files on disk. ``$T`` in playbook text
stands for the test's tmp dir, so paths stay absolute without clashing with
YAML's braces.
"""

from __future__ import annotations

import json
import socket
import textwrap
import threading
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HEADER = """\
- hosts: localhost
  gather_facts: false
"""


class Outcome:
    """One CLI run, read through its ``--json`` events."""

    def __init__(self, run: Any) -> None:
        self.rc: int = run.rc
        self.stdout: str = run.stdout
        self.stderr: str = run.stderr
        self.output: str = run.stdout + run.stderr
        self.events = [json.loads(x) for x in run.stdout.splitlines() if x.startswith("{")]

    def results(self, task: str) -> list[dict[str, Any]]:
        found = [
            e for e in self.events if e.get("event") == "host_result" and e.get("task") == task
        ]
        assert found, f"no result for task {task!r} in:\n{self.output}"
        return found

    def result(self, task: str) -> dict[str, Any]:
        """The (single host's) result dict of ``task``."""
        return dict(self.results(task)[-1]["result"])

    def status(self, task: str) -> str:
        return str(self.results(task)[-1]["status"])

    def recap(self) -> dict[str, int]:
        for event in self.events:
            if event.get("event") == "recap":
                return dict(event["hosts"]["localhost"])
        raise AssertionError(f"no recap in output:\n{self.output}")

    def clean(self) -> None:
        """Assert the run ended without any Python traceback."""
        assert "Traceback (most recent call last)" not in self.output, self.output


class Project:
    """A playbook project in a tmp dir, and a way to run it."""

    def __init__(self, root: Path, cli: Callable[..., Any]) -> None:
        self.root = root
        self.cli = cli

    def path(self, name: str) -> Path:
        return self.root / name

    def write(self, name: str, text: str, mode: int | None = None) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.expand(textwrap.dedent(text).lstrip("\n")))
        if mode is not None:
            path.chmod(mode)
        return path

    def expand(self, text: str) -> str:
        return text.replace("$T", str(self.root))

    def play(self, tasks: str, vars: dict[str, Any] | None = None, name: str = "site.yml") -> Path:
        """A one-play playbook on localhost (no facts) running ``tasks``."""
        body = HEADER
        if vars:
            body += f"  vars: {json.dumps(vars)}\n"
        body += "  tasks:\n" + textwrap.indent(textwrap.dedent(tasks).strip("\n"), "    ")
        return self.write(name, body + "\n")

    def run(self, *flags: str, playbook: str = "site.yml", timeout: float = 120) -> Outcome:
        outcome = Outcome(
            self.cli("run", playbook, "--json", *flags, cwd=self.root, timeout=timeout)
        )
        outcome.clean()
        return outcome

    def run_human(self, *flags: str, playbook: str = "site.yml") -> Any:
        """A run with the human output (for what users see, e.g. ``--diff``)."""
        return self.cli("run", playbook, *flags, cwd=self.root)


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` with its text (symlinks as ``-> target``): a snapshot."""
    snapshot: dict[str, str] = {}
    if not root.exists():
        return snapshot
    for path in sorted(root.rglob("*")):
        relative = str(path.relative_to(root))
        if path.is_symlink():
            snapshot[relative] = f"-> {path.readlink()}"
        elif path.is_file():
            snapshot[relative] = path.read_bytes().decode("utf-8", "replace")
        elif path.is_dir():
            snapshot[relative + "/"] = oct(path.stat().st_mode & 0o7777)
    return snapshot


def mode_of(path: Path) -> str:
    return "0" + format(path.stat().st_mode & 0o7777, "03o")


# --- a loopback HTTP server -----------------------------------------------------------


class Handler(SimpleHTTPRequestHandler):
    """Static files from the server's root, plus ``/api/echo`` and ``/status/<code>``."""

    server: LoopbackServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, code: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _api(self) -> bool:
        self.server.hits.append(f"{self.command} {self.path}")
        if self.path.startswith("/api/echo"):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
            data = {
                "method": self.command,
                "body": body,
                "content_type": self.headers.get("Content-Type"),
                "token": self.headers.get("X-Token"),
            }
            self._reply(200, json.dumps(data).encode())
            return True
        if self.path.startswith("/status/"):
            code = int(self.path.rsplit("/", 1)[1])
            self._reply(code, json.dumps({"status": code}).encode())
            return True
        return False

    def do_GET(self) -> None:
        if not self._api():
            super().do_GET()

    def do_POST(self) -> None:
        if not self._api():
            self._reply(405, b"{}")

    do_PUT = do_POST


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path) -> None:
        self.root = root
        self.hits: list[str] = []

        def handler(*args: Any) -> Handler:
            return Handler(*args, directory=str(root))

        super().__init__(("127.0.0.1", 0), handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> None:
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()


def free_port() -> int:
    """A port nothing listens on (bound and released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def leftover_tmp() -> list[str]:
    """What transfers left in the host's temporary directory (HOME is per test)."""
    import os

    base = Path(os.environ["HOME"]) / ".ansible" / "tmp"
    return sorted(p.name for p in base.iterdir()) if base.exists() else []
