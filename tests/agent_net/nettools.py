"""Helpers for the network and archive module tests: a loopback HTTP server.

The server is a ``ThreadingHTTPServer`` on 127.0.0.1 with a free port,
serving a directory plus a few endpoints (JSON echo, status codes, redirects,
slow answers, basic auth) and recording every request so tests can tell
whether a module talked to it at all.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

USER, PASSWORD = "alice", "s3cret"

Run = Callable[..., dict[str, Any]]


class Handler(SimpleHTTPRequestHandler):
    """Static files from the server's root plus test endpoints."""

    server: LoopbackServer

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        pass

    def _send(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, code: int, data: Any, headers: dict[str, str] | None = None) -> None:
        merged = {"Content-Type": "application/json"}
        merged.update(headers or {})
        self._send(code, json.dumps(data).encode(), merged)

    def _route(self) -> bool:
        self.server.requests.append((self.command, self.path, dict(self.headers.items())))
        parts = urlsplit(self.path)
        segments = parts.path.strip("/").split("/")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        head, args = segments[0], segments[1:]
        if head == "echo":
            self._json(
                200,
                {
                    "method": self.command,
                    "path": self.path,
                    "body": body.decode("utf-8", "replace"),
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                },
                {"Set-Cookie": "session=abc123; Path=/", "X-Test-Header": "yes"},
            )
        elif head == "status":
            code = int(args[0])
            if code in (204, 304):
                self._send(code, b"")
            else:
                self._json(code, {"status": code})
        elif head == "redirect":
            target = parse_qs(parts.query).get("to", ["/echo"])[0]
            self._send(int(args[0]), b"", {"Location": target})
        elif head == "slow":
            time.sleep(float(args[0]))
            self._send(200, b"finally")
        elif head == "auth":
            self._auth()
        elif head == "named":
            headers = {"Content-Disposition": 'attachment; filename="report.csv"'}
            self._send(200, b"a,b\n1,2\n", headers)
        elif head == "text":
            self._send(200, "héllo wörld\n".encode(), {"Content-Type": "text/plain; charset=utf-8"})
        else:
            return False
        return True

    def _auth(self) -> None:
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if self.headers.get("Authorization") == f"Basic {token}":
            self._json(200, {"user": USER})
        else:
            self._send(401, b"no", {"WWW-Authenticate": 'Basic realm="test"'})

    def do_GET(self) -> None:
        if not self._route():
            super().do_GET()

    def do_HEAD(self) -> None:
        if not self._route():
            super().do_HEAD()

    def do_POST(self) -> None:
        if not self._route():
            self._send(405, b"")

    do_PUT = do_POST
    do_DELETE = do_POST


class LoopbackServer(ThreadingHTTPServer):
    """The running server: its root directory, base URL and request log."""

    daemon_threads = True

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[tuple[str, str, dict[str, str]]] = []

        def handler(*args: Any) -> Handler:
            return Handler(*args, directory=str(root))

        super().__init__(("127.0.0.1", 0), handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def paths(self) -> list[str]:
        return [path for _, path, _ in self.requests]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listen(port: int) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(8)
    return sock


def later(seconds: float, action: Callable[[], Any]) -> threading.Thread:
    """Run ``action`` after a pause in a background thread."""

    def body() -> None:
        time.sleep(seconds)
        action()

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    return thread
