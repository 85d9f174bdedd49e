"""Fixtures for the SSH tests: a real OpenSSH server on a loopback port.

``sshd`` (session-scoped, one per pytest-xdist worker) starts
``sshd -D -e -f CONFIG`` on a free 127.0.0.1 port with generated ed25519 host
and client keys, and yields a :class:`loopback_sshd.Sshd`: ``host``, ``port``,
``user``, ``client_key``, ``known_hosts`` (holding the server's key),
``host_vars(name)`` and ``write_inventory(path, count)``. Without sshd the
tests are skipped, or fail when ``CI`` is set.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from loopback_sshd import Sshd, start_sshd, stop_sshd


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    """A loopback OpenSSH server for this test session."""
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    try:
        yield server
    finally:
        stop_sshd(server)
