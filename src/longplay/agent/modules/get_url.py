"""get_url: download a file from an http, https, ftp or file URL.

The body always lands in a temporary file first; only when its checksum
differs from the destination's is it moved into place (one atomic rename), so
a second run reports ``changed: false`` and an interrupted download never
leaves a half-written destination. As in Ansible, an existing destination is
revalidated with ``If-Modified-Since`` unless ``force`` is set, and a
``checksum`` that already matches skips the request entirely.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import urllib.parse

from longplay.agent import http
from longplay.agent.fileops import (
    FILE_OPTIONS,
    apply_attributes,
    atomic_copy,
    backup_local,
    digest_file,
    file_attributes,
)
from longplay.agent.registry import ModuleFailed, Option, module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Optional, Tuple

OPTIONS: Dict[str, Option] = {
    "url": Option(required=True),
    "dest": Option(type="path", required=True),
    "checksum": Option(default=""),
    "force": Option(type="bool", default=False, aliases=("thirsty",)),
    "timeout": Option(type="int", default=10),
    "backup": Option(type="bool", default=False),
    "tmp_dest": Option(type="path"),
    **http.URL_OPTIONS,
    **FILE_OPTIONS,
}

_BSD_LINE = re.compile(r"^\w+ ?\((?P<name>.+)\) ?= ?(?P<digest>[0-9A-Fa-f]+)$")


class Checksum:
    """An expected digest: algorithm name and lower-case hex value."""

    def __init__(self, algorithm: str, digest: str) -> None:
        self.algorithm = algorithm
        self.digest = digest

    def matches(self, path: str) -> bool:
        return digest_file(path, self.algorithm) == self.digest


def _elapsed(started: float) -> int:
    return int(time.monotonic() - started)


def _settings(args: Dict[str, Any], ctx: Any, url: str, **extra: Any) -> http.RequestSettings:
    return http.RequestSettings.from_args(
        args, url=url, timeout=args["timeout"], follow_redirects="urllib2", env=ctx.env(), **extra
    )


def _parse_checksum(args: Dict[str, Any], ctx: Any) -> Optional[Checksum]:
    """Read ``algo:hex`` or ``algo:URL-of-a-checksum-file`` into a Checksum."""
    text = str(args["checksum"] or "").strip()
    if not text:
        return None
    algorithm, sep, value = text.partition(":")
    if not sep or not algorithm or not value:
        raise ModuleFailed("The checksum parameter has to be in format <algorithm>:<checksum>")
    algorithm = algorithm.strip().lower()
    if algorithm not in hashlib.algorithms_available:
        raise ModuleFailed(
            "Unsupported checksum algorithm '{}'. Available algorithms: {}".format(
                algorithm, ", ".join(sorted(hashlib.algorithms_available))
            )
        )
    value = value.strip()
    if re.match(r"^(https?|ftp|file)://", value):
        value = _checksum_from_url(args, ctx, value)
    try:
        int(value, 16)
    except ValueError:
        raise ModuleFailed("The checksum format is invalid")
    return Checksum(algorithm, value.lower())


def _checksum_from_url(args: Dict[str, Any], ctx: Any, checksum_url: str) -> str:
    """Find the URL's file in a checksum list (``hex  name`` or BSD style)."""
    response = http.fetch(_settings(args, ctx, checksum_url))
    try:
        if response.error:
            raise ModuleFailed(
                f"Failed to download checksum file {checksum_url}: {response.msg}",
                url=args["url"],
            )
        text = response.read().decode("utf-8", "replace")
    finally:
        response.close()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) == 1 and len(lines[0].split()) == 1:
        return lines[0]
    wanted = urllib.parse.unquote(urllib.parse.urlsplit(args["url"]).path).rsplit("/", 1)[-1]
    for line in lines:
        name, digest = _checksum_line(line)
        if name == wanted:
            return digest
    raise ModuleFailed(f"Unable to find a checksum for file '{wanted}' in '{checksum_url}'")


def _checksum_line(line: str) -> Tuple[str, str]:
    bsd = _BSD_LINE.match(line)
    if bsd:
        return bsd.group("name"), bsd.group("digest")
    parts = line.split(None, 1)
    if len(parts) != 2:
        return "", ""
    name = parts[1].strip().lstrip("*")
    return (name[2:] if name.startswith("./") else name), parts[0]


def _tmp_dir(args: Dict[str, Any]) -> Optional[str]:
    tmp_dest = args["tmp_dest"]
    if not tmp_dest:
        return None
    if not os.path.exists(tmp_dest):
        raise ModuleFailed(f"{tmp_dest} directory does not exist.")
    if not os.path.isdir(tmp_dest):
        raise ModuleFailed(f"{tmp_dest} is a file but should be a directory.")
    return tmp_dest


def _with_attributes(result: Dict[str, Any], args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Apply mode/owner/group to dest and add its stat keys to the result."""
    dest = result["dest"]
    if os.path.exists(dest):
        result["changed"] = apply_attributes(dest, args, ctx.check_mode) or result["changed"]
        result.update(file_attributes(dest))
    return result


def _already_there(args: Dict[str, Any], ctx: Any, started: float) -> Dict[str, Any]:
    result = {
        "changed": False,
        "url": args["url"],
        "dest": args["dest"],
        "checksum_src": None,
        "checksum_dest": None,
        "msg": "file already exists",
        "elapsed": _elapsed(started),
    }
    result = _with_attributes(result, args, ctx)
    if result["changed"]:
        result["msg"] = "file already exists but file attributes changed"
    return result


@module("get_url", options=OPTIONS)
def get_url(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Download a URL to dest; changed only when dest's content changes."""
    started = time.monotonic()
    checksum = _parse_checksum(args, ctx)
    dest = args["dest"]
    dest_is_dir = os.path.isdir(dest)
    force = args["force"]
    last_modified = None
    if not dest_is_dir and os.path.exists(dest):
        if checksum is not None and not force:
            if checksum.matches(dest):
                return _already_there(args, ctx, started)
            force = True
        last_modified = os.path.getmtime(dest)
    dest_dir = dest if dest_is_dir else os.path.dirname(dest) or "."
    if not os.path.isdir(dest_dir):
        raise ModuleFailed(f"Destination {dest_dir} does not exist", url=args["url"], dest=dest)
    settings = _settings(args, ctx, args["url"], force=force, last_modified=last_modified)
    try:
        response, tmp = http.download(settings, _tmp_dir(args))
    except ValueError as exc:
        raise ModuleFailed(str(exc), url=args["url"], dest=dest, status=-1)
    try:
        return _finish(args, ctx, response, tmp, checksum, dest_is_dir, started)
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)


def _finish(
    args: Dict[str, Any],
    ctx: Any,
    response: http.Response,
    tmp: str,
    checksum: Optional[Checksum],
    dest_is_dir: bool,
    started: float,
) -> Dict[str, Any]:
    """Judge the response, verify the download and move it into place."""
    url, dest = args["url"], args["dest"]
    base = {"url": url, "dest": dest, "elapsed": _elapsed(started)}
    if response.status == 304:
        unchanged = dict(base, changed=False, msg=response.msg, status_code=304)
        return _with_attributes(unchanged, args, ctx)
    if response.status == -1:
        raise ModuleFailed(response.msg, **base)
    if response.error or response.status not in (200, None):
        raise ModuleFailed(
            "Request failed", response=response.msg, status_code=response.status, **base
        )
    if dest_is_dir:
        dest = os.path.join(dest, http.filename_from_response(response))
        if os.path.isdir(dest):
            raise ModuleFailed(f"Destination {dest} is a directory", **dict(base, dest=dest))
    checksum_src = digest_file(tmp)
    checksum_dest = digest_file(dest) if os.path.isfile(dest) else None
    result: Dict[str, Any] = dict(
        base,
        dest=dest,
        checksum_src=checksum_src,
        checksum_dest=checksum_dest,
        md5sum=_md5(tmp),
        size=os.path.getsize(tmp),
        status_code=response.status,
        msg=response.msg,
        changed=checksum_src != checksum_dest,
    )
    if checksum is not None and not checksum.matches(tmp):
        actual = digest_file(tmp, checksum.algorithm)
        raise ModuleFailed(
            f"The checksum for {dest} did not match {checksum.digest}; it was {actual}.",
            **_without_msg(result),
        )
    if result["changed"] and not ctx.check_mode:
        if args["backup"] and checksum_dest is not None:
            result["backup_file"] = backup_local(dest)
        try:
            atomic_copy(tmp, dest)
        except OSError as exc:
            raise ModuleFailed(f"failed to copy {tmp} to {dest}: {exc}", **_without_msg(result))
    return _with_attributes(result, args, ctx)


def _without_msg(result: Dict[str, Any]) -> Dict[str, Any]:
    """Result keys to pass along with a failure (which brings its own msg)."""
    return {key: value for key, value in result.items() if key not in ("msg", "changed")}


def _md5(path: str) -> Optional[str]:
    """md5 of the download, or None where FIPS forbids md5 (as in Ansible)."""
    try:
        return digest_file(path, "md5")
    except (ModuleFailed, ValueError):
        return None
