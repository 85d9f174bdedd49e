"""The wire protocol between the controller and an agent.

One JSON object per line, in both directions, over the agent's stdin and
stdout. JSON never contains a raw newline, so a line is a frame: no length
prefixes to get wrong, and a person can read a captured session.

Controller to agent, a request::

    {"id": 7, "op": "run", ...op-specific fields...}

Agent to controller, zero or more events, then exactly one reply::

    {"id": 7, "event": {...}}
    {"id": 7, "ok": true, "result": {...}}
    {"id": 7, "ok": false, "error": "message", "detail": "traceback"}

The agent announces itself once, before any request, with ``{"id": 0,
"hello": {...}}``.

This file is shared by both sides (standard library only, Python >= 3.8).
"""

from __future__ import annotations

import json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict


PROTOCOL_VERSION = 1

#: Printed by the bootstrap when the agent bundle is not cached on the host
#: and must be sent (its length, a newline, then the bytes).
SEND_BUNDLE_MARKER = b"LONGPLAY-SEND-BUNDLE\n"

if TYPE_CHECKING:
    Message = Dict[str, Any]


def _fallback(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def encode(message: Message) -> bytes:
    """Serialise one message as a single line."""
    return (json.dumps(message, separators=(",", ":"), default=_fallback) + "\n").encode("utf-8")


def decode(line: bytes) -> Message:
    """Parse one line into a message; raises ValueError on garbage."""
    message = json.loads(line.decode("utf-8"))
    if not isinstance(message, dict):
        raise ValueError(f"protocol message is not an object: {line[:200]!r}")
    return message
