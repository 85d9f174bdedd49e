"""Find the Python that runs the agent on a host, in one round trip.

``ansible_python_interpreter`` wins when set (unless it is one of the
reference's ``auto`` values). Otherwise a single plain shell command (no
Python needed to run it) tries the usual candidates in order and prints the
first one that is Python >= 3.8: a host costs one extra channel, not one round
trip per candidate.
"""

from __future__ import annotations

from longplay.transport.base import Transport, Unreachable

#: In order of preference; bare names are looked up on the remote PATH. The
#: first ones are ansible-core's default ``INTERPRETER_PYTHON_FALLBACK``, so
#: both tools find the same interpreter (and report the same path).
CANDIDATES = (
    *(f"python3.{minor}" for minor in range(13, 7, -1)),
    "/usr/bin/python3",
    "python3",
    "/usr/local/bin/python3",
    "/usr/libexec/platform-python",
    "python3.14",
)

#: ``ansible_python_interpreter`` values that discover without a warning.
SILENT_AUTO_VALUES = frozenset({"auto_silent", "auto_legacy_silent"})

#: ``ansible_python_interpreter`` values that mean "discover it".
AUTO_VALUES = frozenset({"auto", "auto_silent", "auto_legacy", "auto_legacy_silent"})

_MARK = "LONGPLAY-PYTHON="

#: ``python -V`` answers before the interpreter initialises: a cheap version check.
_GOOD_VERSION = (
    'case $("$p" -V 2>&1) in "Python 3."[89]*|"Python 3."[1-9][0-9]*) ;; *) continue;; esac; '
)

_LOOP = 'for c in {candidates}; do p=$(command -v "$c" 2>/dev/null) || continue; ' + _GOOD_VERSION

_SCRIPT = _LOOP + '{{ echo "{mark}$p"; exit 0; }}; done; exit 0'


#: The agent can find its own Python on the channel that starts it: pass
#: this as ``python`` to ``AgentClient.start`` and read the one found from
#: ``client.hello["python"]``. Saves a channel (one login shell) per host.
AUTO_PYTHON = "auto"

_EXEC_SCRIPT = (
    _LOOP
    + 'exec "$p" "$@"; done; '
    + 'echo "longplay: no Python >= 3.8 found (tried {candidates}); install python3 '
    + 'or set ansible_python_interpreter" >&2; exit 127'
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


def expand_auto_python(argv: list[str]) -> list[str]:
    """Replace an ``auto`` interpreter in ``[..., python, *flags, "-c", code]`` with discovery.

    The interpreter becomes ``/bin/sh -c SCRIPT sh``: the script finds the
    first good Python and ``exec``s it with the original arguments, so
    discovery and the agent share one channel.
    """
    if len(argv) < 3 or argv[-2] != "-c":
        return argv
    position = len(argv) - 3
    while position > 0 and argv[position].startswith("-") and argv[position] not in AUTO_VALUES:
        position -= 1  # interpreter flags such as -S
    if argv[position] not in AUTO_VALUES:
        return argv
    script = _EXEC_SCRIPT.format(candidates=" ".join(CANDIDATES))
    return [*argv[:position], "/bin/sh", "-c", script, "sh", *argv[position + 1 :]]
