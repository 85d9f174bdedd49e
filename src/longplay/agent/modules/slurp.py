"""slurp: read a file on the target and return it base64-encoded.

Result keys as in Ansible: ``content`` (base64), ``encoding`` ('base64'),
``source`` (the path read). Base64 keeps binary files intact on the way back.
"""

from __future__ import annotations

import base64
import errno

from longplay.agent.registry import ModuleFailed, Option, module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict

_REASONS = {
    errno.ENOENT: "File not found: {}",
    errno.EACCES: "File is not readable: {}",
    errno.EISDIR: "Source is a directory and must be a file: {}",
}


@module("slurp", options={"src": Option(type="path", required=True, aliases=("path",))})
def slurp(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Return the whole of ``src``; reading changes nothing, so check mode is the same."""
    source = args["src"]
    try:
        with open(source, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        template = _REASONS.get(exc.errno or 0, "Unable to slurp file: {}")
        detail = "" if exc.errno in _REASONS else f" ({exc.strerror})"
        raise ModuleFailed(template.format(source) + detail)
    return {
        "changed": False,
        "content": base64.b64encode(data).decode("ascii"),
        "encoding": "base64",
        "source": source,
    }
