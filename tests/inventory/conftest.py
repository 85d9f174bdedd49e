"""Helpers for inventory tests: write inventory files and load them."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from longplay.inventory import Inventory, load_inventory


@pytest.fixture
def inventory_from(tmp_path: Path) -> Callable[..., Inventory]:
    """Write ``{relative path: text}`` under tmp_path and load the named sources.

    ``inventory_from({"hosts": "..."}, "hosts")`` loads one file; pass
    several source names (relative to tmp_path) to merge them in order; a
    source with a comma is passed as a host list.
    """

    def _load(files: dict[str, str], *sources: str) -> Inventory:
        for name, text in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"))
        return load_inventory(
            [source if "," in source else str(tmp_path / source) for source in sources]
        )

    return _load
