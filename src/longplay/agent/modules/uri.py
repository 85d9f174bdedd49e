"""uri: talk to a web service (health checks, REST calls, form posts).

A request is never a "change" by itself, so ``changed`` is true only when
``dest`` is written with new content. A status outside ``status_code`` fails
the task with Ansible's wording (``Status code was 500 and not [200]: ...``),
and response headers come back as result keys (``content_type``, ...), as
playbooks written for Ansible expect. Like Ansible, the module does not run
in check mode: a request may have effects on the far side that cannot be
predicted.
"""

from __future__ import annotations

import glob
import json
import os
import tempfile
import time
import urllib.parse

from longplay.agent import http
from longplay.agent.fileops import (
    FILE_OPTIONS,
    apply_attributes,
    digest_file,
    file_attributes,
    install,
)
from longplay.agent.registry import ModuleFailed, Option, module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Tuple

OPTIONS: Dict[str, Option] = {
    "url": Option(required=True),
    "method": Option(default="GET"),
    "body": Option(type="raw"),
    "body_format": Option(
        default="raw", choices=("form-urlencoded", "json", "raw", "form-multipart")
    ),
    "src": Option(type="path"),
    "remote_src": Option(type="bool", default=False),
    "status_code": Option(type="list", elements="int", default=[200]),
    "return_content": Option(type="bool", default=False),
    "timeout": Option(type="int", default=30),
    "follow_redirects": Option(default="safe", choices=http.REDIRECT_POLICIES),
    "dest": Option(type="path"),
    "creates": Option(type="path"),
    "removes": Option(type="path"),
    "force": Option(type="bool", default=False),
    **http.URL_OPTIONS,
    **FILE_OPTIONS,
}

JSON_TYPES = ("application/json", "text/json")


def _skip_message(args: Dict[str, Any]) -> Optional[str]:
    """Why creates/removes say the request should not be made, if they do."""
    creates, removes = args["creates"], args["removes"]
    if creates and glob.glob(creates):
        return f"skipped, since '{creates}' exists"
    if removes and not glob.glob(removes):
        return f"skipped, since '{removes}' does not exist"
    return None


def _has_header(headers: Dict[str, Any], name: str) -> bool:
    return any(key.lower() == name for key in headers)


def _body(args: Dict[str, Any]) -> Tuple[Optional[bytes], Dict[str, Any]]:
    """Encode ``body`` (or read ``src``) per body_format; add its Content-Type."""
    headers = dict(args["headers"] or {})
    body, body_format = args["body"], args["body_format"]
    if body_format == "form-multipart":
        raise ModuleFailed("body_format=form-multipart is not available in longplay")
    if args["src"]:
        if body is not None:
            raise ModuleFailed("parameters are mutually exclusive: body|src")
        try:
            with open(args["src"], "rb") as handle:
                return handle.read(), headers
        except OSError as exc:
            raise ModuleFailed(f"Failed to read src {args['src']}: {exc}")
    if body is None:
        return None, headers
    if body_format == "json":
        text = body if isinstance(body, str) else json.dumps(body)
        content_type = "application/json"
    elif body_format == "form-urlencoded":
        text = body if isinstance(body, str) else _form_encode(body)
        content_type = "application/x-www-form-urlencoded"
    else:
        if isinstance(body, bytes):
            return body, headers
        if not isinstance(body, (str, int, float)):
            raise ModuleFailed(
                "body must be a string when body_format is raw; "
                "use body_format: json or form-urlencoded to send a "
                f"{type(body).__name__}"
            )
        text, content_type = str(body), ""
    if content_type and not _has_header(headers, "content-type"):
        headers["Content-Type"] = content_type
    return text.encode("utf-8"), headers


def _form_encode(body: Any) -> str:
    if isinstance(body, dict):
        return urllib.parse.urlencode(body, doseq=True)
    if isinstance(body, list) and all(isinstance(p, (list, tuple)) and len(p) == 2 for p in body):
        return urllib.parse.urlencode(body, doseq=True)
    raise ModuleFailed(
        "failed to parse body as form_urlencoded: body must be a dict or a list of pairs"
    )


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"'")
    return "utf-8"


def _is_json(content_type: str) -> bool:
    base = content_type.split(";")[0].strip().lower()
    return base in JSON_TYPES or base.endswith("+json")


@module("uri", options=OPTIONS, check_mode=False)
def uri(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Make an HTTP request and check the status against status_code."""
    skipped = _skip_message(args)
    if skipped is not None:
        return {"changed": False, "msg": skipped, "stdout": skipped, "stdout_lines": [skipped]}
    data, headers = _body(args)
    started = time.monotonic()
    settings = http.RequestSettings.from_args(
        args,
        url=args["url"],
        method=args["method"],
        data=data,
        headers=headers,
        timeout=args["timeout"],
        follow_redirects=args["follow_redirects"],
        force=args["force"],
        env=ctx.env(),
    )
    try:
        response = http.fetch(settings)
    except ValueError as exc:
        raise ModuleFailed(str(exc), status=-1, url=args["url"], redirected=False)
    try:
        result = _respond(args, ctx, response)
    finally:
        response.close()
    result["elapsed"] = int(time.monotonic() - started)
    return _check_status(args, response, result)


def _respond(args: Dict[str, Any], ctx: Any, response: http.Response) -> Dict[str, Any]:
    """Result keys for a response; saves the body to dest when asked."""
    status = response.status
    if status is None and not response.error:
        status = 200  # file:// and ftp:// have no status; opening them worked
    result: Dict[str, Any] = response.header_keys() if response.connected else {}
    result.update(
        status=status,
        url=response.url,
        msg=response.msg,
        redirected=response.redirected,
        changed=False,
    )
    if response.connected and not response.error:
        result.update(cookies=response.cookies, cookies_string=response.cookies_string)
    if not response.connected:
        return result
    content_type = response.headers.get("content-type", "")
    wants_body = args["return_content"] or _is_json(content_type)
    if args["dest"] and not response.error and status in args["status_code"]:
        content = _save(args, ctx, response, result, wants_body)
    else:
        content = response.read() if wants_body else None
    if content is not None:
        _add_content(result, content, content_type, args["return_content"])
    elif response.error and status in args["status_code"]:
        # an error status that was asked for: ansible-core keeps the error page as "body"
        result["body"] = response.read().decode(_charset(content_type), "replace")
    return result


def _add_content(result: Dict[str, Any], content: bytes, content_type: str, keep: bool) -> None:
    text = content.decode(_charset(content_type), "replace")
    if keep:
        result["content"] = text
    if _is_json(content_type):
        try:
            result["json"] = json.loads(text)
        except ValueError:
            pass


def _save(
    args: Dict[str, Any],
    ctx: Any,
    response: http.Response,
    result: Dict[str, Any],
    read_back: bool,
) -> Optional[bytes]:
    """Write the body to dest atomically; changed only if the content differs."""
    dest = args["dest"]
    if os.path.isdir(dest):
        dest = os.path.join(dest, http.filename_from_response(response))
    directory = os.path.dirname(os.path.abspath(dest))
    if not os.path.isdir(directory):
        raise ModuleFailed(
            f"Destination directory {directory} does not exist", **_without_msg(result)
        )
    fd, tmp = tempfile.mkstemp(prefix=".longplay-uri-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            for block in response.chunks():
                out.write(block)
        if not os.path.isfile(dest) or digest_file(dest) != digest_file(tmp):
            install(tmp, dest)
            result["changed"] = True
        content = None
        if read_back:
            with open(dest, "rb") as handle:
                content = handle.read()
    except OSError as exc:
        raise ModuleFailed(f"Failed to write the response to {dest}: {exc}", **_without_msg(result))
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    result["changed"] = apply_attributes(dest, args, ctx.check_mode) or result["changed"]
    result.update(file_attributes(dest))
    result["path"] = dest
    return content


def _without_msg(result: Dict[str, Any]) -> Dict[str, Any]:
    """Result keys to pass along with a failure (which brings its own msg)."""
    return {key: value for key, value in result.items() if key != "msg"}


def _check_status(
    args: Dict[str, Any], response: http.Response, result: Dict[str, Any]
) -> Dict[str, Any]:
    codes: List[int] = args["status_code"]
    if result["status"] not in codes:
        msg = "Status code was {} and not {}: {}".format(result["status"], codes, response.msg)
        raise ModuleFailed(msg, **_without_msg(result))
    return result
