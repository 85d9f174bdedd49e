#!/usr/bin/env python3
"""A tiny HTTP server standing in for the seeds' web endpoints.

It stands for the health endpoints (``http://service1.internal:8080/health``),
the load balancer API (``http://lb.example.com/api/remove/HOST``), the release
and data download sites (``https://releases.example.com/...``), the alert
webhook and, started once per web server, the application itself (``myapp``).

    stub_server.py --root DIR --port-file FILE [--name NAME] [--idle SECONDS]

* ``GET /health`` and ``GET /<anything>/health``: 200 ``{"status": "ok", ...}``
* ``POST /api/<action>/<host>``: 200, appends ``<action> <host>`` to ``DIR/lb.log``
* ``POST /alert`` (or any other POST): 200, appends the body to ``DIR/requests.log``
* ``POST /shutdown``: stops the server
* ``GET /<path>``: the file ``DIR/<path>`` (404 when missing)

It listens on a free port of 127.0.0.1, writes the port to FILE once ready
(atomically) and exits after ``--idle`` seconds without requests, so a run
that fails half-way never leaves it behind for long.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--name", default="stub")
    parser.add_argument("--idle", type=float, default=60.0)
    options = parser.parse_args()
    root = Path(options.root)
    root.mkdir(parents=True, exist_ok=True)
    last_request = [time.monotonic()]

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            with (root / "access.log").open("a") as log:
                log.write(f"{self.command} {self.path}\n")

        def _reply(self, status: int, body: bytes, kind: str = "application/json") -> None:
            last_request[0] = time.monotonic()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, data: object) -> None:
            self._reply(status, json.dumps(data).encode())

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/health" or path.endswith("/health"):
                target = path[: -len("/health")].strip("/") or options.name
                self._json(200, {"status": "ok", "service": target, "pid": os.getpid()})
                return
            file = (root / path.lstrip("/")).resolve()
            if root.resolve() in file.parents and file.is_file():
                self._reply(200, file.read_bytes(), "application/octet-stream")
            else:
                self._json(404, {"error": f"not found: {path}"})

        def do_POST(self) -> None:
            path = self.path.split("?", 1)[0]
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode(errors="replace") if length else ""
            parts = path.strip("/").split("/")
            if path == "/shutdown":
                self._json(200, {"stopping": True})
                threading.Thread(target=server.shutdown, daemon=True).start()
            elif len(parts) == 3 and parts[0] == "api":
                with (root / "lb.log").open("a") as log:
                    log.write(f"{parts[1]} {parts[2]}\n")
                self._json(200, {"action": parts[1], "host": parts[2]})
            else:
                with (root / "requests.log").open("a") as log:
                    log.write(f"{path} {body}\n")
                self._json(200, {"received": path})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True

    def watch_idle() -> None:
        while True:
            time.sleep(0.5)
            if time.monotonic() - last_request[0] > options.idle:
                server.shutdown()
                return

    threading.Thread(target=watch_idle, daemon=True).start()
    port_file = Path(options.port_file)
    port_file.parent.mkdir(parents=True, exist_ok=True)
    temporary = port_file.with_name(port_file.name + ".tmp")
    temporary.write_text(f"{server.server_address[1]}\n")
    os.replace(temporary, port_file)
    print(f"{options.name} listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        port_file.unlink(missing_ok=True)
        print(f"{options.name} stopped", flush=True)


if __name__ == "__main__":
    main()
