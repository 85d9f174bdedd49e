"""Jinja2 tests (``is succeeded``, ``is version``...), registered by name in ``TESTS``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TESTS: dict[str, Callable[..., Any]] = {}
