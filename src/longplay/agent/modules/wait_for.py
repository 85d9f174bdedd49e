"""wait_for: wait until a port answers or closes, a file appears or goes.

Plays use it to let a service come up before the next task talks to it, so a
timeout must say clearly what was being waited for (Ansible's messages:
``Timeout when waiting for 127.0.0.1:8080``). Waiting polls every ``sleep``
seconds and never sleeps past the deadline; progress events go to the
controller so a long wait is visible. Like Ansible, it does not run in check
mode (there is nothing to predict).
"""

from __future__ import annotations

import os
import re
import socket
import time

from longplay.agent.fileops import file_attributes
from longplay.agent.registry import ModuleFailed, Option, module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterable, List, Optional, Pattern, Set

TCP_STATES = {
    "01": "ESTABLISHED",
    "02": "SYN_SENT",
    "03": "SYN_RECV",
    "04": "FIN_WAIT1",
    "05": "FIN_WAIT2",
    "06": "TIME_WAIT",
    "07": "CLOSE",
    "08": "CLOSE_WAIT",
    "09": "LAST_ACK",
    "0A": "LISTEN",
    "0B": "CLOSING",
}
ACTIVE_STATES = ["ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "SYN_RECV", "SYN_SENT", "TIME_WAIT"]
ANY_ADDRESS = ("", "0.0.0.0", "::")
PROGRESS_EVERY = 10.0

OPTIONS: Dict[str, Option] = {
    "host": Option(default="127.0.0.1"),
    "port": Option(type="int"),
    "path": Option(type="path"),
    "state": Option(
        default="started", choices=("absent", "drained", "present", "started", "stopped")
    ),
    "search_regex": Option(),
    # whole seconds, as ansible-core's wait_for takes them (1.5 is refused, "2" is fine)
    "timeout": Option(type="int", default=300),
    "connect_timeout": Option(type="int", default=5),
    "delay": Option(type="int", default=0),
    "sleep": Option(type="int", default=1),
    "exclude_hosts": Option(type="list", elements="str"),
    "active_connection_states": Option(type="list", elements="str", default=ACTIVE_STATES),
    "msg": Option(),
}


class Clock:
    """The wait's deadline, its polling pace and its progress reports."""

    def __init__(self, ctx: Any, started: float, timeout: float, pace: float, what: str) -> None:
        self.ctx = ctx
        self.started = started
        self.deadline = time.monotonic() + timeout
        self.pace = max(pace, 0.01)
        self.what = what
        self._reported = time.monotonic()

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def elapsed(self) -> int:
        return int(time.monotonic() - self.started)

    def pause(self) -> None:
        """Sleep one poll interval (never past the deadline); report now and then."""
        time.sleep(min(self.pace, self.remaining()))
        if time.monotonic() - self._reported >= PROGRESS_EVERY:
            self._reported = time.monotonic()
            self.ctx.emit(
                {
                    "module": "wait_for",
                    "msg": f"still waiting for {self.what}",
                    "elapsed": self.elapsed(),
                }
            )


def _validate(args: Dict[str, Any]) -> None:
    port, path, state = args["port"], args["path"], args["state"]
    if port is not None and path:
        raise ModuleFailed("port and path parameter can not both be passed to wait_for")
    if path and state in ("stopped", "drained"):
        raise ModuleFailed(
            f"state={state} should only be used for checking a port in the wait_for module"
        )
    if args["exclude_hosts"] and state != "drained":
        raise ModuleFailed("exclude_hosts should only be with state=drained")
    if state in ("stopped", "drained") and port is None:
        raise ModuleFailed(f"state={state} needs a port to watch")
    if port is not None and not 0 < port < 65536:
        raise ModuleFailed(f"port must be between 1 and 65535, got {port}")
    for name in ("delay", "timeout", "sleep", "connect_timeout"):
        if args[name] < 0:
            raise ModuleFailed(f"{name} must not be negative")


def _compile(regex: Optional[str]) -> Optional[Pattern[str]]:
    if not regex:
        return None
    try:
        return re.compile(regex, re.MULTILINE)
    except re.error as exc:
        raise ModuleFailed(f"search_regex {regex!r} is not a valid regular expression: {exc}")


def _target(args: Dict[str, Any]) -> str:
    if args["path"]:
        return str(args["path"])
    if args["port"] is not None:
        return "{}:{}".format(args["host"], args["port"])
    return "the timeout"


@module("wait_for", options=OPTIONS, check_mode=False)
def wait_for(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Block until the condition holds, or fail at the timeout."""
    _validate(args)
    pattern = _compile(args["search_regex"])
    started = time.monotonic()
    if args["delay"]:
        time.sleep(args["delay"])
    clock = Clock(ctx, started, args["timeout"], args["sleep"], _target(args))
    state, path, port = args["state"], args["path"], args["port"]
    extra: Dict[str, Any] = {}
    match: Optional[Any] = None
    if path and state in ("started", "present"):
        match = _wait_file(path, pattern, clock, args)
        extra = file_attributes(path)
    elif path:
        _wait_file_gone(path, clock, args)
    elif port is not None and state in ("started", "present"):
        match = _wait_port_open(args, pattern, clock)
    elif port is not None and state in ("stopped", "absent"):
        _wait_port_closed(args, clock)
    elif state == "drained":
        _wait_drained(args, clock)
    else:
        time.sleep(clock.remaining())
    result: Dict[str, Any] = {
        "changed": False,
        "elapsed": clock.elapsed(),
        "state": state,
        "port": port,
        "path": path,
        "search_regex": args["search_regex"],
        "match_groups": list(match.groups()) if match else [],
        "match_groupdict": match.groupdict() if match else {},
    }
    result.update(extra)
    return result


def _timeout(args: Dict[str, Any], clock: Clock, default: str) -> ModuleFailed:
    return ModuleFailed(args["msg"] or default, elapsed=clock.elapsed())


# --- files -------------------------------------------------------------------


def _read_text(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return None


def _wait_file(
    path: str, pattern: Optional[Pattern[str]], clock: Clock, args: Dict[str, Any]
) -> Optional[Any]:
    """Wait for the file to exist (and, with search_regex, to match)."""
    while True:
        if os.path.exists(path):
            if pattern is None:
                return None
            text = _read_text(path)
            found = pattern.search(text) if text is not None else None
            if found:
                return found
        if clock.expired():
            if pattern is not None:
                what = f"search string {pattern.pattern} in {path}"
            else:
                what = f"file {path}"
            raise _timeout(args, clock, f"Timeout when waiting for {what}")
        clock.pause()


def _wait_file_gone(path: str, clock: Clock, args: Dict[str, Any]) -> None:
    while os.path.exists(path):
        if clock.expired():
            raise _timeout(args, clock, f"Timeout when waiting for {path} to be absent.")
        clock.pause()


# --- ports -------------------------------------------------------------------


def _connect(args: Dict[str, Any], clock: Clock) -> Optional[socket.socket]:
    """A connected socket, or None when the port does not answer (yet)."""
    limit = min(args["connect_timeout"], max(clock.remaining(), 0.05))
    try:
        return socket.create_connection((args["host"], args["port"]), timeout=limit)
    except OSError:
        return None


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def _read_until(sock: socket.socket, pattern: Pattern[str], clock: Clock) -> Optional[Any]:
    """Read what the service says until the pattern matches, it hangs up, or time is up."""
    data = b""
    while not clock.expired():
        sock.settimeout(max(min(clock.remaining(), clock.pace), 0.01))
        try:
            block = sock.recv(4096)
        except socket.timeout:
            continue
        except OSError:
            return None
        if not block:
            return None
        data += block
        found = pattern.search(data.decode("utf-8", "replace"))
        if found:
            return found
    return None


def _wait_port_open(
    args: Dict[str, Any], pattern: Optional[Pattern[str]], clock: Clock
) -> Optional[Any]:
    while True:
        sock = _connect(args, clock)
        if sock is not None:
            try:
                if pattern is None:
                    return None
                found = _read_until(sock, pattern, clock)
                if found:
                    return found
            finally:
                _close(sock)
        if clock.expired():
            where = "{}:{}".format(args["host"], args["port"])
            if pattern is not None:
                where = f"search string {pattern.pattern} in {where}"
            raise _timeout(args, clock, f"Timeout when waiting for {where}")
        clock.pause()


def _wait_port_closed(args: Dict[str, Any], clock: Clock) -> None:
    while True:
        sock = _connect(args, clock)
        if sock is None:
            return
        _close(sock)
        if clock.expired():
            raise _timeout(
                args,
                clock,
                "Timeout when waiting for {}:{} to stop.".format(args["host"], args["port"]),
            )
        clock.pause()


# --- drained: count connections in /proc/net/tcp{,6} -------------------------


def _decode_address(text: str) -> str:
    """``0100007F`` -> ``127.0.0.1``; 32 hex digits -> an IPv6 address."""
    raw = bytes.fromhex(text)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words)


def _addresses(host: str) -> Set[str]:
    """Every textual form a host's addresses take in /proc (v4, v6, v4-mapped)."""
    found: Set[str] = set()
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        infos = []
    for info in infos:
        address = str(info[4][0])
        found.add(address)
        if ":" not in address:
            found.add("::ffff:" + address)
    if not found:
        found.add(host)
    return found


def _connections(port: int) -> Iterable[Dict[str, str]]:
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as handle:
                lines = handle.readlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 4:
                continue
            local, remote = fields[1].split(":"), fields[2].split(":")
            if int(local[1], 16) != port:
                continue
            yield {
                "local": _decode_address(local[0]),
                "remote": _decode_address(remote[0]),
                "state": TCP_STATES.get(fields[3].upper(), fields[3]),
            }


def _active_count(args: Dict[str, Any], excluded: Set[str]) -> int:
    local: Optional[Set[str]] = None
    if args["host"] not in ANY_ADDRESS:
        local = _addresses(args["host"])
    states: List[str] = [s.upper() for s in args["active_connection_states"]]
    count = 0
    for conn in _connections(args["port"]):
        if conn["state"] not in states or conn["remote"] in excluded:
            continue
        if local is None or conn["local"] in local:
            count += 1
    return count


def _wait_drained(args: Dict[str, Any], clock: Clock) -> None:
    if not os.path.exists("/proc/net/tcp"):
        raise ModuleFailed("state=drained needs /proc/net/tcp (Linux)")
    excluded: Set[str] = set()
    for host in args["exclude_hosts"] or []:
        excluded |= _addresses(host)
    while _active_count(args, excluded):
        if clock.expired():
            raise _timeout(
                args,
                clock,
                "Timeout when waiting for {}:{} to drain".format(args["host"], args["port"]),
            )
        clock.pause()
