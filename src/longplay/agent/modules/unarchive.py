"""unarchive: extract a tar (plain, gz, bz2, xz) or zip archive into dest.

The archive is read with the standard library (``tarfile``/``zipfile``), not
by running ``tar``/``unzip``, so it behaves the same on every host and every
member can be checked before anything is written: a member with an absolute
path or ``..`` that would land outside ``dest`` fails the task up front, and
nothing is ever written through a symlink that leads outside ``dest``.

Idempotence: a member counts as present when the path exists with the same
type, size and mtime (and, for zip, the same CRC; for files without an
explicit ``mode``, the same permissions). Only stale members are rewritten,
each through a temporary file and a rename.

The controller uploads a controller-side ``src`` first and passes the host
path; a URL ``src`` is downloaded here.
"""

from __future__ import annotations

import fnmatch
import os
import stat
import tempfile
import zlib

from longplay.agent import http
from longplay.agent.archives import ArchiveReader, Member, open_archive
from longplay.agent.fileops import (
    FILE_OPTIONS,
    apply_attributes,
    current_umask,
    file_attributes,
)
from longplay.agent.registry import ModuleFailed, Option, module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Any, Dict, List, Optional, Tuple

OPTIONS: Dict[str, Option] = {
    "src": Option(required=True),
    "dest": Option(type="path", required=True),
    "remote_src": Option(type="bool", default=False),
    "creates": Option(type="path"),
    "list_files": Option(type="bool", default=False),
    "keep_newer": Option(type="bool", default=False),
    "exclude": Option(type="list", elements="str", default=[]),
    "include": Option(type="list", elements="str", default=[]),
    "extra_opts": Option(type="list", elements="str", default=[]),
    "io_buffer_size": Option(type="int", default=64 * 1024),
    "decrypt": Option(type="bool", default=True),
    "validate_certs": Option(type="bool", default=True),
    **FILE_OPTIONS,
}


class Plan:
    """One selected member, where it goes, and whether it must be written."""

    def __init__(self, member: Member, target: str, stale: bool) -> None:
        self.member = member
        self.target = target
        self.stale = stale


def _fail_unsafe(name: str, dest: str, why: str) -> ModuleFailed:
    return ModuleFailed(f"Refusing to extract '{name}': {why} (dest is {dest})", dest=dest)


def safe_target(dest: str, name: str) -> str:
    """Where a member goes under dest; refuses absolute or escaping names."""
    if name.startswith("/") or os.path.isabs(name):
        raise _fail_unsafe(name, dest, "absolute path")
    normal = os.path.normpath(name)
    if normal == ".":
        return dest
    if normal == ".." or normal.startswith("../"):
        raise _fail_unsafe(name, dest, "path escapes the destination")
    return os.path.join(dest, normal)


def _inside(path: str, root: str) -> bool:
    real, real_root = os.path.realpath(path), os.path.realpath(root)
    return real == real_root or real.startswith(real_root.rstrip("/") + "/")


# --- selection ---------------------------------------------------------------


def _lineage(name: str) -> List[str]:
    """The member name and each of its parent directories (tar --exclude style)."""
    parts = [p for p in os.path.normpath(name).split("/") if p not in ("", ".")]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))] + [name]


def _matches(name: str, patterns: List[str]) -> bool:
    return any(
        fnmatch.fnmatch(candidate, pattern) for candidate in _lineage(name) for pattern in patterns
    )


def _selected(member: Member, args: Dict[str, Any]) -> bool:
    if args["include"] and not _matches(member.name, args["include"]):
        return False
    return not (args["exclude"] and _matches(member.name, args["exclude"]))


# --- is a member already there? -----------------------------------------------


def _wanted_mode(member: Member) -> Optional[int]:
    """Permissions extraction gives a member (umask applies unless root)."""
    if member.mode is None:
        return None
    return member.mode if os.geteuid() == 0 else member.mode & ~current_umask()


def _file_current(
    member: Member, target: str, info: os.stat_result, args: Dict[str, Any], reader: ArchiveReader
) -> bool:
    if not stat.S_ISREG(info.st_mode):
        return False
    if args["keep_newer"] and info.st_mtime > member.mtime:
        return True
    if info.st_size != member.size or int(info.st_mtime) != int(member.mtime):
        return False
    wanted = _wanted_mode(member)
    if args["mode"] is None and wanted is not None and stat.S_IMODE(info.st_mode) != wanted:
        return False
    return reader.same_content(member, target)


def _current(member: Member, target: str, args: Dict[str, Any], reader: ArchiveReader) -> bool:
    try:
        info = os.lstat(target)
    except OSError:
        return False
    if member.kind == "dir":
        return stat.S_ISDIR(info.st_mode)
    if member.kind == "symlink":
        return stat.S_ISLNK(info.st_mode) and os.readlink(target) == member.linkname
    if member.kind == "hardlink":
        return stat.S_ISREG(info.st_mode)
    if member.kind == "file":
        return _file_current(member, target, info, args, reader)
    return True  # devices and fifos are skipped, never "missing"


def _plan(reader: ArchiveReader, dest: str, args: Dict[str, Any]) -> List[Plan]:
    plans = []
    for member in reader.members():
        target = safe_target(dest, member.name)
        if member.kind == "hardlink":
            safe_target(dest, member.linkname)
        if _selected(member, args):
            plans.append(Plan(member, target, not _current(member, target, args, reader)))
    return plans


# --- writing -------------------------------------------------------------------


def _check_parent(target: str, dest: str, name: str) -> None:
    """Never write through a symlink (from the archive or not) leading out of dest."""
    if target != dest and not _inside(os.path.dirname(target), dest):
        raise _fail_unsafe(name, dest, "a symlink on its path leads outside the destination")


def _clear(target: str, name: str) -> None:
    """Remove what stands where a non-directory member goes."""
    if os.path.islink(target) or os.path.isfile(target):
        os.unlink(target)
    elif os.path.isdir(target):
        raise ModuleFailed(f"Cannot extract '{name}': a directory is in the way at {target}")


def _write_file(reader: ArchiveReader, plan: Plan, args: Dict[str, Any]) -> None:
    member, target = plan.member, plan.target
    directory = os.path.dirname(target)
    fd, tmp = tempfile.mkstemp(prefix=".longplay-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out, reader.open(member) as source:
            _copy(source, out, args["io_buffer_size"])
        wanted = _wanted_mode(member)
        os.chmod(tmp, wanted if wanted is not None else 0o666 & ~current_umask())
        _clear(target, member.name)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    os.utime(target, (member.mtime, member.mtime))
    _chown_like(member, target)


def _copy(source: IO[bytes], out: IO[bytes], size: int) -> None:
    for block in iter(lambda: source.read(max(size, 4096)), b""):
        out.write(block)


def _chown_like(member: Member, target: str) -> None:
    """As root, keep the archive's owners (what tar does by default)."""
    if os.geteuid() != 0 or member.uid is None:
        return
    try:
        os.lchown(target, member.uid, member.gid if member.gid is not None else -1)
    except OSError:
        pass


def _extract(reader: ArchiveReader, plans: List[Plan], dest: str, args: Dict[str, Any]) -> None:
    """Write stale members in archive order; directory metadata goes last."""
    dirs: List[Plan] = []
    for plan in plans:
        member, target = plan.member, plan.target
        if member.kind == "dir":
            _check_parent(target, dest, member.name)
            if os.path.lexists(target) and not os.path.isdir(target):
                os.unlink(target)
            os.makedirs(target, exist_ok=True)
            dirs.append(plan)
            continue
        if not plan.stale or member.kind not in ("file", "symlink", "hardlink"):
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        _check_parent(target, dest, member.name)
        if member.kind == "file":
            _write_file(reader, plan, args)
        else:
            _link(plan, dest)
    for plan in sorted(dirs, key=lambda p: p.target, reverse=True):
        _finish_dir(plan)


def _link(plan: Plan, dest: str) -> None:
    member, target = plan.member, plan.target
    if member.kind == "symlink":
        _clear(target, member.name)
        os.symlink(member.linkname, target)
        _chown_like(member, target)
        return
    source = safe_target(dest, member.linkname)
    if not _inside(source, dest):
        raise _fail_unsafe(member.name, dest, "its link target leads outside the destination")
    _clear(target, member.name)
    os.link(source, target)


def _finish_dir(plan: Plan) -> None:
    """Directory modes and times last, once their content is written (as tar)."""
    wanted = _wanted_mode(plan.member)
    if wanted is not None and plan.stale:
        os.chmod(plan.target, wanted)
    if plan.stale:
        _chown_like(plan.member, plan.target)
        os.utime(plan.target, (plan.member.mtime, plan.member.mtime))


# --- the module ------------------------------------------------------------------


def _source(args: Dict[str, Any], ctx: Any) -> Tuple[str, str]:
    """The archive's path on this host, and a temporary download to clean up."""
    src = str(args["src"])
    if "://" in src:
        settings = http.RequestSettings(
            src, timeout=10, validate_certs=args["validate_certs"], env=ctx.env()
        )
        try:
            response, tmp = http.download(settings)
        except ValueError as exc:
            raise ModuleFailed(f"Failure downloading {src}, {exc}")
        if not tmp:
            raise ModuleFailed(f"Failure downloading {src}, {response.msg}")
        return tmp, tmp
    src = os.path.expanduser(src)
    if not os.path.exists(src):
        if not args["remote_src"]:
            raise ModuleFailed(f"Source '{src}' failed to transfer")
        raise ModuleFailed(f"Source '{src}' does not exist")
    if not os.access(src, os.R_OK):
        raise ModuleFailed(f"Source '{src}' not readable")
    return src, ""


def _apply_attributes(plans: List[Plan], dest: str, args: Dict[str, Any], ctx: Any) -> bool:
    """mode/owner/group go on dest and every extracted member, as in Ansible."""
    if args["mode"] is None and not args["owner"] and not args["group"]:
        return False
    changed = apply_attributes(dest, args, ctx.check_mode)
    for plan in plans:
        if plan.target != dest and os.path.lexists(plan.target):
            # follow=False: a symlink member must never carry the change outside dest
            changed = apply_attributes(plan.target, args, ctx.check_mode, follow=False) or changed
        elif ctx.check_mode and plan.stale:
            changed = True
    return changed


@module("unarchive", options=OPTIONS, mutually_exclusive=[("include", "exclude")])
def unarchive(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Extract src into dest; changed only when a member was missing or stale."""
    if args["extra_opts"]:
        raise ModuleFailed("extra_opts is not available in longplay (archives are read natively)")
    creates = args["creates"]
    if creates and os.path.exists(creates):
        return {"changed": False, "skipped": True, "msg": f"skipped, since {creates} exists"}
    dest = args["dest"]
    if not os.path.isdir(dest):
        raise ModuleFailed(f"dest '{dest}' must be an existing dir")
    path, cleanup = _source(args, ctx)
    try:
        return _unpack(path, dest, args, ctx)
    finally:
        if cleanup and os.path.exists(cleanup):
            os.unlink(cleanup)


def _extract_results() -> Dict[str, Any]:
    """ansible-core reports the tar/unzip run it made after an extraction; playbooks read
    ``extract_results.rc``. longplay runs no command (it reads the archive itself), so
    the keys are there with an empty command and a clean exit."""
    return {"cmd": [], "rc": 0, "out": "", "err": ""}


def _unpack(path: str, dest: str, args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    with open_archive(path) as reader:
        try:
            plans = _plan(reader, dest, args)
            changed = any(plan.stale for plan in plans)
            if changed and not ctx.check_mode:
                _extract(reader, plans, dest, args)
        except (OSError, EOFError, zlib.error, RuntimeError, ValueError) as exc:
            raise ModuleFailed(
                f"failed to extract {path} into {dest}: {exc}", dest=dest, src=args["src"]
            )
        result: Dict[str, Any] = {"handler": reader.handler}
    changed = _apply_attributes(plans, dest, args, ctx) or changed
    result.update(file_attributes(dest))
    result.update(dest=dest, src=args["src"], changed=changed)
    if changed and not ctx.check_mode:
        result["extract_results"] = _extract_results()
    if args["list_files"]:
        result["files"] = [plan.member.raw_name for plan in plans]
    return result
