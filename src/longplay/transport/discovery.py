"""Find the Python that runs the agent on a host, in one round trip.

``ansible_python_interpreter`` wins when set (unless it is one of the
reference's ``auto`` values). Otherwise a single plain shell command (no
Python needed to run it) tries the usual candidates in order and prints the
first one that is Python >= 3.8: a host costs one extra channel, not one round
trip per candidate.
"""

from __future__ import annotations

from longplay.transport.base import Transport, Unreachable

#: In order of preference; bare names are looked up on the remote PATH.
CANDIDATES = (
    "python3",
    "/usr/bin/python3",
    "/usr/local/bin/python3",
    "/usr/libexec/platform-python",
    *(f"python3.{minor}" for minor in range(14, 7, -1)),
)

#: ``ansible_python_interpreter`` values that mean "discover it".
AUTO_VALUES = frozenset({"auto", "auto_silent", "auto_legacy", "auto_legacy_silent"})

_MARK = "LONGPLAY-PYTHON="

_SCRIPT = (
    "for c in {candidates}; do "
    'p=$(command -v "$c" 2>/dev/null) || continue; '
    '"$p" -c "import sys; sys.exit(sys.version_info < (3, 8))" 2>/dev/null '
    '&& {{ echo "{mark}$p"; exit 0; }}; '
    "done; exit 0"
)


class NoPython(Unreachable):
    """No usable Python on the host: the agent cannot start there."""


def discovery_command() -> str:
    """The shell command that prints ``LONGPLAY-PYTHON=<path>`` for the first good Python."""
    return _SCRIPT.format(candidates=" ".join(CANDIDATES), mark=_MARK)


async def discover_python(
    transport: Transport, configured: str | None = None, timeout: float = 30.0
) -> str:
    """Return the interpreter to start the agent with on ``transport``'s host.

    Raises :class:`NoPython` (an :class:`Unreachable`) when there is none.
    """
    if configured and configured.strip() not in AUTO_VALUES:
        return configured.strip()
    result = await transport.exec_raw(discovery_command(), timeout=timeout)
    for line in result.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith(_MARK):
            return line[len(_MARK) :].strip()
    detail = result.stderr.decode("utf-8", "replace").strip()
    raise NoPython(
        f"no Python >= 3.8 found on {transport.description} (tried {', '.join(CANDIDATES)}); "
        "install python3 (the raw module works without it) or set ansible_python_interpreter"
        + (f": {detail}" if detail else "")
    )
