"""Lookups (``lookup('file', ...)``, ``with_items``) and template globals."""

from __future__ import annotations

from typing import Any

GLOBALS: dict[str, Any] = {}
