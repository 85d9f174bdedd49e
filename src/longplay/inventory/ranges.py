"""Host ranges (``web[01:20]``) and ``host:port`` splitting.

INI and YAML inventories both name many hosts with one range pattern and
attach a port with a colon; keeping that here means a pattern means the
same thing in either format. Host patterns on the command line use
:func:`split_host_port` too, to tell ``web:22`` (one address) from ``a:b``
(two patterns).
"""

from __future__ import annotations

import ipaddress
import re
import string

__all__ = [
    "HostRangeError",
    "expand_host_pattern",
    "expand_host_range",
    "split_host_port",
]


class HostRangeError(ValueError):
    """A host range or host pattern that cannot be expanded."""


# A range inside a hostname label, e.g. ``[01:20]`` or ``[a:f:2]``.
_RANGE = r"\[[^\[\]:]*:[^\[\]]*\]"
_ATOM = rf"(?:\w|{_RANGE})"
_LABEL = rf"{_ATOM}(?:(?:{_ATOM}|-)*{_ATOM})?"
_HOSTNAME = rf"{_LABEL}(?:\.{_LABEL})*"
_PLAIN_ATOM = r"\w"
_PLAIN_LABEL = rf"{_PLAIN_ATOM}(?:(?:{_PLAIN_ATOM}|-)*{_PLAIN_ATOM})?"
_PLAIN_HOSTNAME = rf"{_PLAIN_LABEL}(?:\.{_PLAIN_LABEL})*"

_HOSTNAME_RE = {
    True: re.compile(rf"^{_HOSTNAME}$"),
    False: re.compile(rf"^{_PLAIN_HOSTNAME}$"),
}
_HOST_PORT_RE = {
    True: re.compile(rf"^(?P<host>{_HOSTNAME}):(?P<port>[0-9]+)$"),
    False: re.compile(rf"^(?P<host>{_PLAIN_HOSTNAME}):(?P<port>[0-9]+)$"),
}
_BRACKETED_RE = re.compile(r"^\[(?P<host>[^\[\]]+)\](?::(?P<port>[0-9]+))?$")
_INTEGER_RE = re.compile(r"^-?[0-9]+$")


def _is_ipv6(text: str) -> bool:
    if text.count(":") < 2:
        return False
    try:
        ipaddress.IPv6Address(text.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _is_address(text: str, allow_ranges: bool) -> bool:
    return _is_ipv6(text) or bool(_HOSTNAME_RE[allow_ranges].match(text))


def split_host_port(text: str, allow_ranges: bool = True) -> tuple[str, int | None]:
    """Split ``host:port``, ``[v6]:port``, a bare IPv6 address or a hostname.

    Raises ``ValueError`` when ``text`` is none of those, so callers can fall
    back to treating it as an opaque name (inventories) or as several
    patterns (``a:b`` on the command line).
    """
    bracketed = _BRACKETED_RE.match(text)
    if bracketed and _is_address(bracketed["host"], allow_ranges):
        port = bracketed["port"]
        return bracketed["host"], int(port) if port is not None else None
    if _is_ipv6(text):
        return text, None
    with_port = _HOST_PORT_RE[allow_ranges].match(text)
    if with_port:
        return with_port["host"], int(with_port["port"])
    if _HOSTNAME_RE[allow_ranges].match(text):
        return text, None
    raise ValueError(f"not a valid network address: {text!r}")


def _range_items(body: str) -> list[str]:
    """The values one ``[begin:end(:step)]`` stands for, as strings."""
    parts = body.split(":")
    if len(parts) not in (2, 3):
        raise HostRangeError("host range must be begin:end or begin:end:step")
    begin, end = parts[0] or "0", parts[1]
    if not end:
        raise HostRangeError("host range must specify end value")
    step_text = parts[2] if len(parts) == 3 else "1"
    if not _INTEGER_RE.match(step_text) or int(step_text) < 1:
        raise HostRangeError(f"host range step must be a positive integer, got '{step_text}'")
    step = int(step_text)
    letters = string.ascii_letters
    if len(begin) == 1 and len(end) == 1 and begin in letters and end in letters:
        first, last = letters.index(begin), letters.index(end)
        if first > last:
            raise HostRangeError("host range must have begin <= end")
        return list(letters[first : last + 1 : step])
    if not (_INTEGER_RE.match(begin) and _INTEGER_RE.match(end)):
        raise HostRangeError(
            f"host range must be numeric ([1:9]) or single letters ([a:f]), got '[{body}]'"
        )
    first, last = int(begin), int(end)
    if first > last:
        raise HostRangeError("host range must have begin <= end")
    if begin.startswith("0") and len(begin) > 1:
        if len(end) != len(begin):
            raise HostRangeError("host range must specify equal-length begin and end formats")
        return [str(number).zfill(len(begin)) for number in range(first, last + 1, step)]
    return [str(number) for number in range(first, last + 1, step)]


def expand_host_range(pattern: str) -> list[str]:
    """Every host name a pattern such as ``web[01:03].example.com`` stands for.

    Several ranges multiply out, the leftmost varying slowest. A name with
    no ``[`` is returned unchanged.
    """
    start = pattern.find("[")
    if start < 0:
        return [pattern]
    end = pattern.find("]", start)
    if end < 0:
        raise HostRangeError(f"host range in '{pattern}' is missing its closing ']'")
    head, body, tail = pattern[:start], pattern[start + 1 : end], pattern[end + 1 :]
    items = _range_items(body)
    tails = expand_host_range(tail)
    return [f"{head}{item}{rest}" for item in items for rest in tails]


def expand_host_pattern(pattern: str) -> tuple[list[str], int | None]:
    """Host names and port for one inventory host entry (``web[1:3]:2222``).

    An entry that is not a valid address is kept as a name, the way the
    reference does, so odd names still work; only ranges are checked.
    """
    if pattern.endswith(":"):
        raise HostRangeError(
            f"Invalid host pattern '{pattern}' supplied, ending in ':' is not allowed, "
            "this character is reserved to provide a port."
        )
    try:
        name, port = split_host_port(pattern, allow_ranges=True)
    except ValueError:
        name, port = pattern, None
    if _is_ipv6(name):
        return [name], port
    return expand_host_range(name), port
