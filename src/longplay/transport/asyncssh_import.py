"""Import asyncssh without its liboqs probe.

On import, asyncssh looks for the optional liboqs library with
``ctypes.util.find_library``, which on Linux runs ``ldconfig`` and, failing
that, ``gcc`` and ``ld``: seven processes and 50 to 150 ms on every run that
talks SSH. longplay does not use liboqs's algorithms (ML-KEM, when the
``cryptography`` package offers it, still works), so the probe answers
"not found" for that one library during the import.
"""

from __future__ import annotations

import ctypes.util
from collections.abc import Callable

_find_library: Callable[[str], str | None] = ctypes.util.find_library


def _without_oqs(name: str) -> str | None:
    return None if name in ("oqs", "liboqs") else _find_library(name)


ctypes.util.find_library = _without_oqs
try:
    import asyncssh
finally:
    ctypes.util.find_library = _find_library  # type: ignore[assignment]

__all__ = ["asyncssh"]
