"""copy (target side): put content at ``dest``, or copy a file or tree already on the host.

The controller reads a controller-side ``src`` itself and sends it here as
``content`` (text), ``_content_b64`` (any bytes) or ``_src_path`` (a file it
already uploaded to this host, which this module moves into place and so
consumes). With ``remote_src`` the ``src`` is a file or directory on this
host; a directory ending in ``/`` copies its contents, otherwise the
directory itself goes under ``dest``.

Result keys as in Ansible: dest, src, checksum (sha1), md5sum, size, state,
mode, owner, group, uid, gid, backup_file, changed, and in diff mode
``diff`` (a list with before/after texts).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import shutil
import stat

from longplay.agent import fileops
from longplay.agent.registry import ModuleFailed, Option, module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Tuple

OPTIONS = dict(
    fileops.FILE_OPTIONS,
    dest=Option(type="path", required=True),
    content=Option(type="raw", no_log=True),
    src=Option(type="path"),
    remote_src=Option(type="bool", default=False),
    backup=Option(type="bool", default=False),
    force=Option(type="bool", default=True, aliases=("thirsty",)),
    directory_mode=Option(type="raw"),
    validate=Option(),
    checksum=Option(),
    follow=Option(type="bool", default=False),
    local_follow=Option(type="bool", default=True),
    decrypt=Option(type="bool", default=True),
    _content_b64=Option(),
    _src_path=Option(type="path"),
    _original_basename=Option(),
)


class Source:
    """Where the new content comes from: bytes in the request, or a file on this host."""

    def __init__(
        self, data: Optional[bytes] = None, path: Optional[str] = None, staged: bool = False
    ) -> None:
        self.data = data
        self.path = path
        #: an upload made for this task: moved into place rather than copied
        self.staged = staged

    def head(self) -> Optional[bytes]:
        """Enough of the content to show in a diff (or to tell it is too big)."""
        if self.data is not None:
            return self.data
        assert self.path is not None
        return fileops.read_head(self.path)

    def checksum(self) -> str:
        if self.data is not None:
            return fileops.digest_bytes(self.data)
        assert self.path is not None
        return fileops.digest_file(self.path)

    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        assert self.path is not None
        return os.path.getsize(self.path)


@module(
    "copy",
    options=OPTIONS,
    # the controller may send the original ``src`` beside staged bytes, for naming and results
    mutually_exclusive=[("content", "_content_b64", "_src_path"), ("content", "src")],
)
def copy_module(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Make ``dest`` hold the given content, changing it only when it differs."""
    staged = args["_src_path"]
    try:
        args = _resolve_preserve(args)
        fileops.check_attributes(args)
        fileops.check_attributes({"mode": args["directory_mode"]})
        if args["remote_src"] and args["src"] and os.path.isdir(args["src"]):
            return _copy_tree(args, ctx)
        return _copy_file(args, ctx, _source(args))
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        raise ModuleFailed(f"Error copying to {args['dest']}: {exc.strerror or exc}{where}")
    finally:
        fileops.discard(staged)  # consumed by the move, or no longer needed


def _resolve_preserve(args: Dict[str, Any]) -> Dict[str, Any]:
    """``mode: preserve`` means the source's mode: known here only for a source on the host.

    For a controller-side ``src`` the controller sends the octal mode instead.
    """
    if args["mode"] != "preserve":
        return args
    src = args["src"]
    if not (args["remote_src"] and src and os.path.exists(src)):
        raise ModuleFailed(
            "mode=preserve needs the source's mode: the controller must send it as an octal mode"
        )
    mode = None if os.path.isdir(src) else fileops.mode_str(os.stat(src).st_mode)
    return dict(args, mode=mode)


def _source(args: Dict[str, Any]) -> Source:
    """Decode the one source the task gave."""
    if args["_content_b64"] is not None:
        try:
            return Source(data=base64.b64decode(args["_content_b64"], validate=True))
        except (binascii.Error, ValueError) as exc:
            raise ModuleFailed(f"_content_b64 is not valid base64: {exc}")
    if args["content"] is not None:
        return Source(data=_content_bytes(args["content"]))
    if args["_src_path"] is not None:
        if not os.path.isfile(args["_src_path"]):
            raise ModuleFailed(f"Staged source {args['_src_path']} not found on the target")
        return Source(path=args["_src_path"], staged=True)
    if args["src"] is None:
        raise ModuleFailed("src (or content) is required")
    if not args["remote_src"]:
        raise ModuleFailed(
            f"src {args['src']} is on the controller: it must be sent as content, "
            "_content_b64 or _src_path (or set remote_src to copy a file on the host)"
        )
    if not os.path.exists(args["src"]):
        raise ModuleFailed(f"Source {args['src']} not found")
    if not os.access(args["src"], os.R_OK):
        raise ModuleFailed(f"Source {args['src']} not readable")
    return Source(path=args["src"])


def _content_bytes(content: Any) -> bytes:
    """``content`` as bytes: text as UTF-8, a dict or list as JSON (as Ansible does)."""
    if isinstance(content, bytes):
        return content
    if isinstance(content, (dict, list)):
        return json.dumps(content).encode("utf-8")
    if isinstance(content, bool):
        content = "True" if content else "False"
    return str(content).encode("utf-8")


# --- one file --------------------------------------------------------------------


def _final_dest(args: Dict[str, Any], ctx: Any, source: Source) -> str:
    """Resolve ``dest``: into a directory when it names one, through a link with follow.
    A missing parent directory fails with the source's checksum, as ansible-core's
    copy reports it."""
    dest = args["dest"]
    into_dir = dest.endswith(os.sep) or os.path.isdir(dest)
    if into_dir:
        name = args["_original_basename"]
        if not name and args["src"]:
            name = os.path.basename(args["src"].rstrip(os.sep))
        if not name:
            raise ModuleFailed("can not use content with a dir as dest")
        if not os.path.isdir(dest) and not ctx.check_mode:
            os.makedirs(dest)
        dest = os.path.join(dest, name)
    if args["follow"] and os.path.islink(dest):
        dest = os.path.realpath(dest)
    parent = os.path.dirname(os.path.abspath(dest))
    if not os.path.isdir(parent) and not ctx.check_mode:
        checksum = args["checksum"] or source.checksum()
        raise ModuleFailed(f"Destination directory {parent} does not exist", checksum=checksum)
    return dest


def _copy_file(args: Dict[str, Any], ctx: Any, source: Source) -> Dict[str, Any]:
    dest = _final_dest(args, ctx, source)
    if ctx.check_mode and not os.path.isdir(os.path.dirname(os.path.abspath(dest))):
        # a file in a directory an earlier (checked) task would make: it would be written
        predicted: Dict[str, Any] = {"changed": True}
        if ctx.diff:
            predicted["diff"] = [fileops.content_diff(None, source.head(), None, dest)]
        return predicted
    checksum = source.checksum()
    if args["checksum"] and args["checksum"] != checksum:
        raise ModuleFailed(
            "Copied file does not match the expected checksum. Transfer failed.",
            checksum=checksum,
            expected_checksum=args["checksum"],
        )
    exists = os.path.lexists(dest)
    if exists and os.path.isdir(dest):
        raise ModuleFailed(f"Destination {dest} is a directory", checksum=checksum)
    result: Dict[str, Any] = {"dest": dest, "checksum": checksum, "changed": False}
    if args["src"] or args["_src_path"]:
        result["src"] = args["src"] or args["_src_path"]
    if exists and not args["force"]:
        result.update(fileops.file_attributes(dest, follow=True))
        return result
    old_checksum = fileops.digest_file(dest) if exists and os.path.isfile(dest) else None
    if old_checksum != checksum:
        result["changed"] = True
        _write(args, ctx, source, dest, exists, result)
    if os.path.exists(dest):
        attrs = fileops.apply_attributes(dest, args, ctx.check_mode)
        result["changed"] = result["changed"] or attrs
        result.update(fileops.file_attributes(dest, follow=True))
    else:
        result.update(state="file", size=source.size())
    return result


def _write(
    args: Dict[str, Any], ctx: Any, source: Source, dest: str, exists: bool, result: Dict[str, Any]
) -> None:
    """Replace ``dest`` (after backup and validate); fill diff, md5sum, backup_file."""
    if ctx.diff:
        before = fileops.read_head(dest) if exists else None
        entry = fileops.content_diff(before, source.head(), dest if exists else None, dest)
        result["diff"] = [entry]
    if ctx.check_mode:
        return
    if args["backup"] and exists:
        result["backup_file"] = fileops.backup_local(dest)
    tmp = _stage(source, dest)
    try:
        if args["validate"]:
            fileops.run_validate(ctx, args["validate"], tmp)
    except BaseException:
        if not source.staged:
            fileops.discard(tmp)
        raise
    if source.staged:
        fileops.atomic_move(tmp, dest)
    else:
        fileops.install(tmp, dest)
    result["md5sum"] = _md5(dest)


def _stage(source: Source, dest: str) -> str:
    """A temporary file with the new content, ready to rename over ``dest``.

    A staged upload (``_src_path``) is used as it is: it is moved, not copied.
    """
    if source.data is not None:
        return fileops.write_temp(dest, source.data)
    assert source.path is not None
    return source.path if source.staged else fileops.copy_temp(dest, source.path)


def _md5(path: str) -> Optional[str]:
    try:
        return fileops.digest_file(path, "md5")
    except (ModuleFailed, ValueError):  # md5 is unavailable on FIPS hosts
        return None


# --- a directory tree (remote_src) ------------------------------------------------


def _copy_tree(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Copy a directory on the host: its contents if ``src`` ends in ``/``, else itself."""
    src = args["src"]
    dest = args["dest"]
    if not src.endswith(os.sep):
        dest = os.path.join(dest, os.path.basename(src))
    plan = _plan_tree(src, dest)
    changed = False
    for kind, source_path, target in plan:
        changed = _apply_entry(kind, source_path, target, args, ctx) or changed
    result: Dict[str, Any] = {
        "dest": args["dest"],
        "src": src,
        "changed": changed,
        "checksum": None,
        "md5sum": None,
    }
    if os.path.exists(args["dest"]):
        result.update(fileops.file_attributes(args["dest"], follow=True))
    else:
        result["state"] = "directory"
    return result


def _plan_tree(src: str, dest: str) -> List[Tuple[str, str, str]]:
    """(kind, source, target) for every directory, file and link, parents first."""
    plan: List[Tuple[str, str, str]] = [("dir", src, dest)]
    for root, dirs, files in os.walk(src):
        dirs.sort()
        relative = os.path.relpath(root, src)
        target_root = dest if relative == "." else os.path.join(dest, relative)
        for name in dirs + sorted(files):
            path = os.path.join(root, name)
            target = os.path.join(target_root, name)
            if os.path.islink(path):
                plan.append(("link", path, target))
            elif name in dirs:
                plan.append(("dir", path, target))
            else:
                plan.append(("file", path, target))
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(root, d))]
    return plan


def _apply_entry(kind: str, source: str, target: str, args: Dict[str, Any], ctx: Any) -> bool:
    if kind == "dir":
        return _ensure_dir(source, target, args, ctx)
    if kind == "link":
        wanted = os.readlink(source)
        if os.path.islink(target) and os.readlink(target) == wanted:
            return False
        if not ctx.check_mode:
            if os.path.lexists(target):
                os.unlink(target)
            os.symlink(wanted, target)
        return True
    return _ensure_file(source, target, args, ctx)


def _ensure_dir(source: str, target: str, args: Dict[str, Any], ctx: Any) -> bool:
    attrs = {"owner": args["owner"], "group": args["group"], "mode": args["directory_mode"]}
    if os.path.isdir(target):
        return fileops.apply_attributes(target, attrs, ctx.check_mode)
    if os.path.lexists(target):
        raise ModuleFailed(
            f"Cannot copy directory {source}: {target} exists and is not a directory"
        )
    if not ctx.check_mode:
        os.makedirs(target)
        os.chmod(target, stat.S_IMODE(os.stat(source).st_mode))
        fileops.apply_attributes(target, attrs, False)
    return True


def _ensure_file(source: str, target: str, args: Dict[str, Any], ctx: Any) -> bool:
    exists = os.path.lexists(target)
    if exists and not args["force"]:
        return False
    same = exists and os.path.isfile(target) and _same_content(source, target)
    changed = not same
    if changed and not ctx.check_mode:
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target)
        fileops.atomic_copy(source, target)
        os.chmod(target, stat.S_IMODE(os.stat(source).st_mode))
    if os.path.exists(target):
        changed = fileops.apply_attributes(target, args, ctx.check_mode) or changed
    return changed


def _same_content(first: str, second: str) -> bool:
    if os.path.getsize(first) != os.path.getsize(second):
        return False
    return fileops.digest_file(first) == fileops.digest_file(second)
