"""Fixtures for the module end-to-end tests (see ``modtools``)."""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from modtools import LoopbackServer, Project


@pytest.fixture
def project(tmp_path: Path, longplay: Callable[..., Any]) -> Project:
    """A playbook project in the test's tmp dir, run through the real CLI."""
    return Project(tmp_path, longplay)


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[LoopbackServer]:
    """A real HTTP server on 127.0.0.1 serving ``<tmp>/www``."""
    root = tmp_path / "www"
    root.mkdir()
    server = LoopbackServer(root)
    server.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    """A real listening TCP socket on 127.0.0.1."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield sock
    finally:
        sock.close()


@pytest.fixture(scope="session")
def ssh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The loopback OpenSSH server of ``tests/ssh`` (skipped where there is no sshd)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ssh"))
    from loopback_sshd import start_sshd, stop_sshd

    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    try:
        yield server
    finally:
        stop_sshd(server)
