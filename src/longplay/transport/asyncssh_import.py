"""Import asyncssh without its liboqs probe and without X.509 support.

On import, asyncssh looks for the optional liboqs library with
``ctypes.util.find_library``, which on Linux runs ``ldconfig`` and, failing
that, ``gcc`` and ``ld``: seven processes and 50 to 150 ms on every run that
talks SSH. longplay does not use liboqs's algorithms (ML-KEM, when the
``cryptography`` package offers it, still works), so the probe answers
"not found" for that one library during the import.

X.509 certificates as SSH keys (RFC 6187, not OpenSSH's own certificates,
which keep working) are next to unused, and loading ``cryptography.x509``
for them is a third of asyncssh's import time. asyncssh treats the module as
absent when it cannot be imported, so it is blocked here.
"""

from __future__ import annotations

import ctypes.util
import sys
from collections.abc import Callable

_find_library: Callable[[str], str | None] = ctypes.util.find_library


def _without_oqs(name: str) -> str | None:
    return None if name in ("oqs", "liboqs") else _find_library(name)


ctypes.util.find_library = _without_oqs
sys.modules.setdefault("asyncssh.crypto.x509", None)  # type: ignore[arg-type]
try:
    import asyncssh
finally:
    ctypes.util.find_library = _find_library  # type: ignore[assignment]

__all__ = ["asyncssh"]
