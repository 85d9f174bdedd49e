"""Small helpers shared by the inventory tests."""

from __future__ import annotations

from longplay.inventory import Host


def names(hosts: list[Host]) -> list[str]:
    """Host names, to compare selections with plain lists."""
    return [host.name for host in hosts]
