"""Jinja2 filters Ansible users reach for, registered by name in ``FILTERS``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FILTERS: dict[str, Callable[..., Any]] = {}
