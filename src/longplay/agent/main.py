"""The agent: one long-lived process per host, driven over stdin/stdout.

The controller starts it once per host per run (as a local subprocess or over
one SSH channel) and then sends requests as JSON lines (see ``protocol``).
Each request runs in its own thread so a long wait (watching a job) never
blocks a quick one. Modules run in-process; commands are forked. When stdin
closes, the agent exits; async jobs are detached and keep running.

Standard library only, Python >= 3.8.
"""

from __future__ import annotations

import os
import sys
import threading

from longplay import __version__
from longplay.agent import prefork, protocol
from longplay.agent.context import ModuleContext, stop_foreground_commands
from longplay.agent.execute import execute_module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Callable, Dict

    Handler = Callable[[Dict[str, Any], Callable[[Dict[str, Any]], None]], Dict[str, Any]]


class Channel:
    """Serialises writes from many request threads onto the one output pipe."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, message: Dict[str, Any]) -> None:
        data = protocol.encode(message)
        with self._lock:
            self._stream.write(data)
            self._stream.flush()


# Imported when first needed: every millisecond of the agent's start-up is
# paid once per host, on hosts that share their CPUs with other work.
def _base64() -> Any:
    import base64

    return base64


def _traceback() -> str:
    import traceback

    return traceback.format_exc()


def op_run(request: Dict[str, Any], emit: Callable[[Dict[str, Any]], None]) -> Dict[str, Any]:
    """Run a module and return its result."""
    ctx = ModuleContext(
        check_mode=bool(request.get("check")),
        diff=bool(request.get("diff")),
        environment=request.get("environment") or {},
        emit=emit,
        extra=request.get("extra") or {},
    )
    return execute_module(request["module"], request.get("args") or {}, ctx)


def op_put(request: Dict[str, Any], emit: Callable[[Dict[str, Any]], None]) -> Dict[str, Any]:
    """Write (or append) a chunk of a file sent by the controller."""
    path = os.path.expanduser(request["path"])
    mode = "ab" if request.get("append") else "wb"
    with open(path, mode) as handle:
        handle.write(_base64().b64decode(request.get("data", "")))
    if request.get("mode") is not None:
        os.chmod(path, int(request["mode"]))
    return {"path": path, "size": os.path.getsize(path)}


def op_get(request: Dict[str, Any], emit: Callable[[Dict[str, Any]], None]) -> Dict[str, Any]:
    """Read a chunk of a file for the controller."""
    path = os.path.expanduser(request["path"])
    size = int(request.get("size", 1 << 20))
    with open(path, "rb") as handle:
        handle.seek(int(request.get("offset", 0)))
        data = handle.read(size)
    return {"data": _base64().b64encode(data).decode("ascii"), "eof": len(data) < size}


def _job_op(name: str) -> Handler:
    """An async-job op, imported on first use: plays without async never load it."""

    def handler(request: Dict[str, Any], emit: Callable[[Dict[str, Any]], None]) -> Dict[str, Any]:
        from longplay.agent import jobs

        result: Dict[str, Any] = getattr(jobs, name)(request, emit)
        return result

    return handler


OPS: Dict[str, Handler] = {
    "run": op_run,
    "put": op_put,
    "get": op_get,
    # async jobs (see longplay.agent.jobs)
    "job_prepare": _job_op("op_job_prepare"),
    "job_start": _job_op("op_job_start"),
    "job_watch": _job_op("op_job_watch"),
}


def handle(channel: Channel, request: Dict[str, Any]) -> None:
    request_id = request.get("id")

    def emit(event: Dict[str, Any]) -> None:
        channel.send({"id": request_id, "event": event})

    handler = OPS.get(str(request.get("op")))
    if handler is None:
        channel.send(
            {"id": request_id, "ok": False, "error": "unknown op {!r}".format(request.get("op"))}
        )
        return
    try:
        result = handler(request, emit)
    except Exception as exc:
        channel.send(
            {
                "id": request_id,
                "ok": False,
                "error": f"{type(exc).__name__}: {exc}",
                "detail": _traceback(),
            }
        )
        return
    channel.send({"id": request_id, "ok": True, "result": result})


def hello() -> Dict[str, Any]:
    return {
        "protocol": protocol.PROTOCOL_VERSION,
        "version": __version__,
        "pid": os.getpid(),
        "python": sys.executable,
        "python_version": ".".join(str(part) for part in sys.version_info[:3]),
        "uid": os.getuid(),
        "home": os.path.expanduser("~"),
    }


def main() -> None:
    # Before any thread exists: a fork of this process is the job launcher.
    prefork.fork_launcher()
    # Keep the protocol pipe private: anything a module prints by accident
    # goes to stderr instead of corrupting a frame.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    channel = Channel(out)
    channel.send({"id": 0, "hello": hello()})
    stdin = sys.stdin.buffer
    while True:
        line = stdin.readline()
        if not line:
            break
        if not line.strip():
            continue
        try:
            request = protocol.decode(line)
        except ValueError as exc:
            channel.send({"id": None, "ok": False, "error": f"bad frame: {exc}"})
            continue
        if request.get("op") == "shutdown":
            break
        threading.Thread(target=handle, args=(channel, request), daemon=True).start()
    stop_foreground_commands()
    os._exit(0)


if __name__ == "__main__":
    main()
