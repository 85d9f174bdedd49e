"""copy (controller side): find ``src`` on the controller and send it to the host.

The target ``copy`` module does the writing (checksums, backup, validate,
mode/owner, check and diff mode); this action only gets the bytes there:

* ``content`` and ``remote_src`` go straight to the module;
* a controller file up to :data:`INLINE_LIMIT` travels inside the request
  (``_content_b64``): one round trip, whatever its state on the host;
* a bigger file is compared by checksum first and uploaded only when it
  differs (``_src_path``), so an unchanged large file costs no transfer;
* a directory is walked here: its directories are made with the ``file``
  module and each file copied as above (``src: dir/`` copies the contents,
  ``src: dir`` the directory itself).

Relative ``src`` paths are found as Ansible finds them: the role's
``files/``, then the playbook's ``files/``, then beside the playbook.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import random
import stat
import time
from dataclasses import dataclass
from typing import Any

from longplay.actions import transfer
from longplay.actions.base import action
from longplay.agent.fileops import FILE_OPTIONS
from longplay.agent.registry import Option
from longplay.errors import ErrorCause
from longplay.executor import results as res
from longplay.executor.context import ActionContext

#: Files up to this size go inline with the module request; bigger ones are uploaded.
INLINE_LIMIT = 512 * 1024

#: Option names that only make sense on the controller (never sent to the module).
_CONTROLLER_ONLY = frozenset(("src", "content", "remote_src", "local_follow", "decrypt"))

# Paths stay text here: a ``~`` in dest means the remote user's home, so the
# host expands it, not the controller.
OPTIONS: dict[str, Option] = {
    **FILE_OPTIONS,
    "src": Option(),
    "content": Option(type="raw"),
    "dest": Option(required=True),
    "remote_src": Option(type="bool", default=False),
    "backup": Option(type="bool", default=False),
    "force": Option(type="bool", default=True, aliases=("thirsty",)),
    "directory_mode": Option(type="raw"),
    "validate": Option(),
    "checksum": Option(),
    "follow": Option(type="bool", default=False),
    "local_follow": Option(type="bool", default=True),
    "decrypt": Option(type="bool", default=True),
}


@dataclass
class Payload:
    """New file content: bytes in memory, or a controller file to read."""

    name: str
    data: bytes | None = None
    path: str | None = None

    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        assert self.path is not None
        return os.path.getsize(self.path)

    def digest(self) -> transfer.Digest:
        if self.data is not None:
            return transfer.Digest(
                hashlib.sha1(self.data).hexdigest(),
                hashlib.md5(self.data, usedforsecurity=False).hexdigest(),
                len(self.data),
            )
        assert self.path is not None
        return transfer.local_digest(self.path)

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.path is not None
        with open(self.path, "rb") as handle:
            return handle.read()


def module_args(args: dict[str, Any]) -> dict[str, Any]:
    """The task's options the target module understands (unset ones left out)."""
    return {
        key: value
        for key, value in args.items()
        if value is not None and key not in _CONTROLLER_ONLY
    }


def not_found(ctx: ActionContext, kind: str, path: str) -> dict[str, Any]:
    """A missing controller file, as template and script report it (the reason on its own)."""
    msg = ctx.not_found(kind, path)
    return {
        "failed": True,
        "changed": False,
        "msg": msg,
        res.ERROR: [res.task_failed(ctx.task.origin), ErrorCause(msg, separate=True)],
        res.RAISED: True,
    }


@action("copy", options=OPTIONS, transfers_files=True)
async def copy(ctx: ActionContext) -> dict[str, Any]:
    """Send controller content to the host, then let the target copy module place it."""
    args = ctx.args
    if args["remote_src"]:
        remote = module_args(args)
        remote.update(remote_src=True, src=args["src"])
        if args["content"] is not None:
            remote["content"] = args["content"]
        return await ctx.run_module("copy", remote)
    if args["src"] is not None and args["content"] is not None:
        return _failure("src and content are mutually exclusive")
    if args["content"] is not None:
        content = dict(module_args(args), content=args["content"])
        return await _as_reported(ctx, await ctx.run_module("copy", content))
    if args["src"] is None:
        return _failure("src (or content) is required")
    src = str(args["src"])
    found = ctx.find_file("files", os.path.expanduser(src))
    if found is None:
        # copy words it as an unexpected exception (and no "Action failed")
        msg = f"Unexpected AnsibleActionFail error: {ctx.not_found('files', src)}"
        return {
            "failed": True,
            "changed": False,
            "msg": msg,
            res.ERROR: [res.task_failed(ctx.task.origin), ErrorCause(msg)],
            res.RAISED: True,
        }
    try:
        if os.path.isdir(found):
            return await copy_tree(ctx, found, src.endswith("/"))
        return await send_file(ctx, Payload(os.path.basename(found), path=found), found, args)
    except transfer.TransferFailed as exc:
        return transfer.failed(exc)
    except OSError as exc:
        return _failure(f"could not read {exc.filename or found} on the controller: {exc.strerror}")


def _failure(msg: str) -> dict[str, Any]:
    return {"failed": True, "changed": False, "msg": msg}


# --- one file ----------------------------------------------------------------------


def _with_mode(args: dict[str, Any], local: str | None) -> dict[str, Any]:
    """``mode: preserve`` means the controller file's mode: only the controller knows it."""
    remote = module_args(args)
    if remote.get("mode") == "preserve":
        if local is None:
            remote.pop("mode")
        else:
            remote["mode"] = "0" + format(stat.S_IMODE(os.stat(local).st_mode), "03o")
    return remote


async def send_file(
    ctx: ActionContext, payload: Payload, local: str | None, args: dict[str, Any]
) -> dict[str, Any]:
    """Make ``dest`` hold ``payload``: inline when small, else upload only if it differs.

    ``local`` is the controller file the content came from (for ``mode:
    preserve`` and the result's ``src``); None for rendered content.
    """
    remote = _with_mode(args, local)
    remote["_original_basename"] = payload.name
    if local is not None:
        remote["src"] = local  # named in the result; the bytes travel separately
    if payload.size() <= INLINE_LIMIT:
        remote["_content_b64"] = base64.b64encode(payload.read()).decode("ascii")
        result = await ctx.run_module("copy", remote)
    else:
        result = await _send_large(ctx, payload, remote)
    return await _as_reported(ctx, result)


async def _as_reported(ctx: ActionContext, result: dict[str, Any]) -> dict[str, Any]:
    """The keys ansible-core's copy and template report for one file sent from the controller.

    A written file names, as ``src``, the temporary file it came from on the host;
    an unchanged one its ``path`` instead; check mode tells only that it would change.
    """
    if result.get("failed"):
        return result
    diff = result.get("diff", [])
    if ctx.check_mode and result.get("changed"):
        return {"changed": True, "diff": diff}
    result["diff"] = diff
    if result.get("changed"):
        # named after dest's extension, as ansible-core's temporary copy is
        result["src"] = await staged_name(ctx, os.path.splitext(str(result.get("dest")))[1])
    else:
        result.pop("src", None)
        result["path"] = result.get("dest")
    return result


async def staged_name(ctx: ActionContext, suffix: str = "") -> str:
    """A name like ansible-core's temporary copy of the file on the host (gone once done)."""
    client = await ctx.connection.agent(ctx.become)
    base = transfer.remote_tmp_base(ctx)
    if base.startswith("~"):
        base = str(client.hello.get("home") or "~") + base[1:]
    unique = f"{time.time()}-{os.getpid()}-{random.randrange(10**14, 10**15)}"
    return f"{base}/ansible-tmp-{unique}/.source{suffix}"


async def _final_dest(ctx: ActionContext, dest: str, name: str) -> tuple[str, dict[str, Any]]:
    """Where the file lands (inside ``dest`` when it is a directory) and that path's stat."""
    info = await transfer.remote_checksum(ctx, dest)
    if dest.endswith("/") or info.get("isdir"):
        dest = os.path.join(dest, name)
        info = await transfer.remote_checksum(ctx, dest)
    return dest, info


async def _send_large(
    ctx: ActionContext, payload: Payload, remote: dict[str, Any]
) -> dict[str, Any]:
    digest = payload.digest()
    dest, info = await _final_dest(ctx, str(remote["dest"]), payload.name)
    same = info.get("exists") and info.get("checksum") == digest.sha1
    if same or (info.get("exists") and not remote.get("force", True)):
        # Nothing to send: the module, copying the file onto itself, still
        # applies mode/owner/group and reports the usual keys.
        unchanged = dict(remote, dest=dest, src=dest, remote_src=True)
        for key in ("_original_basename", "checksum", "backup", "validate"):
            unchanged.pop(key, None)
        return await ctx.run_module("copy", unchanged)
    async with transfer.remote_tmpdir(ctx) as tmpdir:
        staged = f"{tmpdir}/source"
        if payload.path is not None:
            await transfer.upload_file(ctx, payload.path, staged, verify=False)
        else:
            await transfer.upload_stream(ctx, _reader(payload), staged, verify=False)
        remote.update(_src_path=staged, checksum=remote.get("checksum") or digest.sha1)
        return await ctx.run_module("copy", remote)


def _reader(payload: Payload) -> io.BytesIO:
    return io.BytesIO(payload.read())


# --- a directory -------------------------------------------------------------------


@dataclass
class TreePlan:
    """What a directory copy makes on the host, parents before children."""

    dirs: list[str]
    files: list[tuple[str, str]]  # (controller path, host path)
    links: list[tuple[str, str]]  # (link target, host path)


def plan_tree(root: str, dest_root: str, follow: bool) -> TreePlan:
    """Walk the controller directory ``root`` into what must exist under ``dest_root``."""
    plan = TreePlan([dest_root], [], [])
    for current, dirs, files in os.walk(root, followlinks=follow):
        dirs.sort()
        relative = os.path.relpath(current, root)
        target = dest_root if relative == "." else os.path.join(dest_root, relative)
        for name in list(dirs):
            path = os.path.join(current, name)
            if not follow and os.path.islink(path):
                plan.links.append((os.readlink(path), os.path.join(target, name)))
                dirs.remove(name)
            else:
                plan.dirs.append(os.path.join(target, name))
        for name in sorted(files):
            path = os.path.join(current, name)
            if not follow and os.path.islink(path):
                plan.links.append((os.readlink(path), os.path.join(target, name)))
            elif os.path.isfile(path):
                plan.files.append((path, os.path.join(target, name)))
    return plan


def _dir_args(args: dict[str, Any], root: bool) -> dict[str, Any]:
    """Directories get ``directory_mode``, owner and group; an existing dest root is left as is."""
    if root:
        return {}
    wanted = {"mode": args["directory_mode"], "owner": args["owner"], "group": args["group"]}
    return {key: value for key, value in wanted.items() if value is not None}


async def copy_tree(ctx: ActionContext, src: str, contents_only: bool) -> dict[str, Any]:
    """Copy a controller directory: its contents (``src/``) or itself (``src``) under dest."""
    args = ctx.args
    dest = str(args["dest"])
    root = src.rstrip("/")
    dest_root = dest if contents_only else os.path.join(dest, os.path.basename(root))
    plan = plan_tree(root, dest_root, bool(args["local_follow"]))
    outcome: dict[str, Any] = {"changed": False, "dest": dest, "src": src}
    diffs: list[Any] = []
    for directory in plan.dirs:
        made = await ctx.run_module(
            "file",
            {"path": directory, "state": "directory", **_dir_args(args, directory == dest)},
        )
        if not _merge(outcome, made, directory, diffs, keep_diff=False):
            return outcome
    file_args = dict(args, directory_mode=None)
    for local, target in plan.files:
        entry = dict(file_args, dest=os.path.dirname(target) + "/")
        payload = Payload(os.path.basename(target), path=local)
        result = await send_file(ctx, payload, local, entry)
        if not _merge(outcome, result, target, diffs, keep_diff=True):
            return outcome
    for link_target, target in plan.links:
        made = await ctx.run_module(
            "file", {"path": target, "src": link_target, "state": "link", "force": True}
        )
        if not _merge(outcome, made, target, diffs, keep_diff=False):
            return outcome
    if diffs:
        outcome["diff"] = diffs
    return outcome


def _merge(
    outcome: dict[str, Any], result: dict[str, Any], path: str, diffs: list[Any], keep_diff: bool
) -> bool:
    """Fold one entry's result into the tree's; False (and a failure) when it failed."""
    if result.get("failed"):
        outcome.update(failed=True, msg=f"{path}: {result.get('msg')}")
        return False
    outcome["changed"] = outcome["changed"] or bool(result.get("changed"))
    if keep_diff and result.get("diff"):
        diff = result["diff"]
        diffs.extend(diff if isinstance(diff, list) else [diff])
    return True
