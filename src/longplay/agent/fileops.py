"""File helpers shared by the modules that create, edit and inspect files.

file, copy, lineinfile, blockinfile, stat and find (and later template,
get_url, archive...) all need the same handful of things, and each must
behave identically wherever it appears:

* ``mode`` in every spelling Ansible accepts (int, octal text, symbolic
  ``u=rw,g=r,o=``/``u+x``/``g=u``), with the process umask applied to
  clauses that name nobody, exactly as ``chmod`` does;
* ``owner``/``group`` by name or number, and the before/after diff of them;
* writes that readers never see half-done (temp file beside the target,
  then one ``rename``), keeping the old file's owner and mode;
* Ansible's backup naming, checksums, ``validate`` commands, and the
  ``diff`` structures the controller prints for ``--diff``.

Standard library only, Python >= 3.8: this runs on target hosts.
"""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
import re
import shlex
import shutil
import stat
import tempfile
import time

from longplay.agent.registry import ModuleFailed, Option

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional

CHUNK = 64 * 1024

#: Larger files are not shown in diffs (Ansible's default ``max_diff_size``).
MAX_DIFF_SIZE = 104448

#: The options every file-producing module accepts, as in Ansible. The
#: SELinux ones are accepted and ignored so playbooks written for SELinux
#: hosts still validate.
FILE_OPTIONS: Dict[str, Option] = {
    "mode": Option(type="raw"),
    "owner": Option(),
    "group": Option(),
    "unsafe_writes": Option(type="bool", default=False),
    "seuser": Option(),
    "serole": Option(),
    "setype": Option(),
    "selevel": Option(),
}


# --- umask and modes ---------------------------------------------------------


def current_umask() -> int:
    """The process umask, read without changing it (the agent is threaded)."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def mode_str(mode: int) -> str:
    """Ansible's spelling of permission bits: ``'0644'``, ``'01777'``."""
    return "0" + format(stat.S_IMODE(mode), "03o")


_SHIFT = {"u": 6, "g": 3, "o": 0}
_WHO_BITS = {"u": 0o4700, "g": 0o2070, "o": 0o1007}
_CLAUSE = re.compile(r"([ugoa]*)((?:[-+=](?:[ugo]|[rwxXst]*))+)")
_ACTION = re.compile(r"([-+=])([ugo]|[rwxXst]*)")


def _perm_bits(who: str, perms: str, mode: int, is_dir: bool) -> int:
    """The bits ``perms`` stand for when granted to each person in ``who``."""
    if perms in _SHIFT:  # copy another class's permissions: g=u
        triple = (mode >> _SHIFT[perms]) & 7
        return sum(triple << _SHIFT[person] for person in who)
    bits = 0
    for person in who:
        shift = _SHIFT[person]
        for perm in perms:
            if perm == "r":
                bits |= 4 << shift
            elif perm == "w":
                bits |= 2 << shift
            elif perm == "x" or (perm == "X" and (is_dir or mode & 0o111)):
                bits |= 1 << shift
            elif perm == "s" and person in "ug":
                bits |= 0o4000 if person == "u" else 0o2000
            elif perm == "t" and person == "o":
                bits |= 0o1000
    return bits


def _apply_clause(clause: str, mode: int, is_dir: bool, umask: int) -> int:
    match = _CLAUSE.fullmatch(clause)
    if match is None:
        raise ValueError(clause)
    who = "".join(sorted(set(match.group(1).replace("a", "ugo"))))
    masked = not who  # "+x" means "a+x" filtered through the umask
    who = who or "gou"
    for op, perms in _ACTION.findall(match.group(2)):
        bits = _perm_bits(who, perms, mode, is_dir)
        if masked:
            bits &= ~umask
        if op == "+":
            mode |= bits
        elif op == "-":
            mode &= ~bits
        else:
            cleared = 0
            for person in who:
                cleared |= _WHO_BITS[person]
            mode = (mode & ~cleared) | bits
    return mode


def symbolic_mode(spec: str, current: int, is_dir: bool, umask: Optional[int] = None) -> int:
    """Apply a ``chmod``-style symbolic mode to ``current``; ValueError if malformed."""
    mask = current_umask() if umask is None else umask
    mode = stat.S_IMODE(current)
    clauses = spec.split(",")
    for clause in clauses:
        mode = _apply_clause(clause.strip(), mode, is_dir, mask)
    return mode


def _bad_mode(text: str) -> ModuleFailed:
    return ModuleFailed(
        "mode must be in octal or symbolic form",
        details=f"bad symbolic permission for mode: {text}",
    )


def parse_mode(mode: Any, current: int, is_dir: bool) -> int:
    """Turn an Ansible ``mode`` (int, octal text or symbolic) into permission bits.

    An int is taken as is, like Ansible does: YAML already read ``0644`` as
    octal, and ``644`` (decimal) is the user's own mistake, kept visible.
    """
    if isinstance(mode, bool):
        raise _bad_mode(str(mode))
    if isinstance(mode, int):
        if not 0 <= mode <= 0o7777:
            raise _bad_mode(str(mode))
        return mode
    text = str(mode).strip()
    try:
        value = int(text, 8)
    except ValueError:
        try:
            return symbolic_mode(text, current, is_dir)
        except ValueError:
            raise _bad_mode(text)
    if not 0 <= value <= 0o7777:
        raise _bad_mode(text)
    return value


# --- owner and group ---------------------------------------------------------


def uid_for(owner: Any) -> int:
    """The uid of a user name (or a number given as text)."""
    name = str(owner)
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        if name.isdigit():
            return int(name)
        raise ModuleFailed(f"chown failed: failed to look up user {name}")


def gid_for(group: Any) -> int:
    """The gid of a group name (or a number given as text)."""
    name = str(group)
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        if name.isdigit():
            return int(name)
        raise ModuleFailed(f"chgrp failed: failed to look up group {name}")


def user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def _given(value: Any) -> bool:
    return value is not None and value != ""


def check_attributes(args: Dict[str, Any]) -> None:
    """Fail on a malformed mode or an unknown owner/group before anything is written."""
    if _given(args.get("mode")):
        parse_mode(args["mode"], 0o644, False)
    if _given(args.get("owner")):
        uid_for(args["owner"])
    if _given(args.get("group")):
        gid_for(args["group"])


def apply_attributes(
    path: str,
    args: Dict[str, Any],
    check_mode: bool,
    diff: Optional[Dict[str, Dict[str, Any]]] = None,
    follow: bool = True,
) -> bool:
    """Bring ``path``'s owner, group and mode to what ``args`` asks; True if they differed.

    ``diff`` (a dict with ``before``/``after`` dicts) receives the old and new
    values of what changed, as Ansible's file diff shows them. A symlink is
    changed itself when ``follow`` is false (its mode cannot be).
    """
    info = os.stat(path) if follow else os.lstat(path)
    is_link = stat.S_ISLNK(info.st_mode)
    changed = _apply_ownership(path, args, info, check_mode, diff, is_link)
    if _given(args.get("mode")) and not is_link:
        current = stat.S_IMODE(info.st_mode)
        wanted = parse_mode(args["mode"], current, stat.S_ISDIR(info.st_mode))
        if wanted != current:
            _record(diff, "mode", mode_str(current), mode_str(wanted))
            changed = True
            if not check_mode:
                os.chmod(path, wanted)
    return changed


def _apply_ownership(
    path: str,
    args: Dict[str, Any],
    info: os.stat_result,
    check_mode: bool,
    diff: Optional[Dict[str, Dict[str, Any]]],
    is_link: bool,
) -> bool:
    uid = uid_for(args["owner"]) if _given(args.get("owner")) else -1
    gid = gid_for(args["group"]) if _given(args.get("group")) else -1
    changed = False
    if uid not in (-1, info.st_uid):
        _record(diff, "owner", info.st_uid, uid)
        changed = True
    if gid not in (-1, info.st_gid):
        _record(diff, "group", info.st_gid, gid)
        changed = True
    if changed and not check_mode:
        try:
            (os.lchown if is_link else os.chown)(path, uid, gid)
        except OSError as exc:
            raise ModuleFailed(f"chown failed: {exc.strerror or exc}", path=path)
    return changed


def _record(diff: Optional[Dict[str, Dict[str, Any]]], key: str, before: Any, after: Any) -> None:
    if diff is not None:
        diff.setdefault("before", {})[key] = before
        diff.setdefault("after", {})[key] = after


def file_state(path: str) -> str:
    """What is at ``path``, in Ansible's words: absent, file, directory, link, hard."""
    try:
        info = os.lstat(path)
    except OSError:
        return "absent"
    if stat.S_ISLNK(info.st_mode):
        return "link"
    if stat.S_ISDIR(info.st_mode):
        return "directory"
    if info.st_nlink > 1:
        return "hard"
    return "file"


def file_attributes(path: str, follow: bool = False) -> Dict[str, Any]:
    """The keys Ansible adds to results about a path (owner, mode, size, state...)."""
    try:
        info = os.stat(path) if follow else os.lstat(path)
    except OSError:
        return {"state": "absent"}
    return {
        "uid": info.st_uid,
        "gid": info.st_gid,
        "owner": user_name(info.st_uid),
        "group": group_name(info.st_gid),
        "mode": mode_str(info.st_mode),
        "state": file_state(path),
        "size": info.st_size,
    }


# --- content: checksums, backups, atomic writes ------------------------------


def new_hash(algorithm: str) -> Any:
    try:
        return hashlib.new(algorithm)
    except ValueError:
        raise ModuleFailed(
            "Could not hash with algorithm '{}'. Available algorithms: {}".format(
                algorithm, ", ".join(sorted(hashlib.algorithms_guaranteed))
            )
        )


def digest_file(path: str, algorithm: str = "sha1") -> str:
    """Hex digest of a file, read in chunks so large files stay cheap."""
    hasher = new_hash(algorithm)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            hasher.update(block)
    return str(hasher.hexdigest())


def digest_bytes(data: bytes, algorithm: str = "sha1") -> str:
    hasher = new_hash(algorithm)
    hasher.update(data)
    return str(hasher.hexdigest())


def backup_local(path: str) -> str:
    """Copy ``path`` aside with Ansible's backup name; return the copy's path."""
    backup = "{}.{}.{}".format(path, os.getpid(), time.strftime("%Y-%m-%d@%H:%M:%S~"))
    shutil.copy2(path, backup)
    return backup


def _temp_beside(dest: str) -> str:
    directory = os.path.dirname(os.path.abspath(dest))
    fd, tmp = tempfile.mkstemp(prefix=".longplay-tmp-", dir=directory)
    os.close(fd)
    return tmp


def write_temp(dest: str, data: bytes) -> str:
    """Write ``data`` to a new temporary file beside ``dest`` (for validate, then install)."""
    tmp = _temp_beside(dest)
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def copy_temp(dest: str, src: str) -> str:
    """Copy ``src`` to a new temporary file beside ``dest``."""
    tmp = _temp_beside(dest)
    try:
        shutil.copyfile(src, tmp)
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def _adopt_metadata(tmp: str, dest: str) -> None:
    """Give ``tmp`` the mode and owner of the file it replaces (or umask defaults)."""
    try:
        existing: Optional[os.stat_result] = os.stat(dest)
    except OSError:
        existing = None
    if existing is None or not stat.S_ISREG(existing.st_mode):
        os.chmod(tmp, 0o666 & ~current_umask())
        return
    os.chmod(tmp, stat.S_IMODE(existing.st_mode))
    if (existing.st_uid, existing.st_gid) != (os.geteuid(), os.getegid()):
        try:
            os.chown(tmp, existing.st_uid, existing.st_gid)
        except OSError:
            pass


def install(tmp: str, dest: str) -> None:
    """Rename a temporary file from :func:`write_temp` over ``dest``, keeping dest's owner/mode.

    ``tmp`` is removed if anything fails, so no stray temporaries are left.
    """
    try:
        _adopt_metadata(tmp, dest)
        os.replace(tmp, dest)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise


def discard(tmp: Optional[str]) -> None:
    """Remove a temporary file if it is still there."""
    if tmp and os.path.lexists(tmp):
        os.unlink(tmp)


def atomic_write(dest: str, data: bytes) -> None:
    """Replace ``dest`` with ``data`` in one rename; readers never see half a file."""
    install(write_temp(dest, data), dest)


def atomic_copy(src: str, dest: str) -> None:
    """Put a copy of ``src``'s content at ``dest`` atomically; ``src`` stays."""
    install(copy_temp(dest, src), dest)


def atomic_move(src: str, dest: str) -> None:
    """Move ``src`` onto ``dest`` atomically (``src`` is consumed).

    A plain rename when both are on one filesystem; otherwise a copy beside
    ``dest`` renamed into place, then ``src`` removed.
    """
    parent = os.path.dirname(os.path.abspath(dest))
    if os.stat(src).st_dev == os.stat(parent).st_dev:
        install(src, dest)
        return
    atomic_copy(src, dest)
    os.unlink(src)


def read_bytes(path: str) -> Optional[bytes]:
    """A file's content, or None when there is no readable file there."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def read_head(path: str) -> Optional[bytes]:
    """Up to one byte more than a diff shows: enough to tell "too large to show"."""
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_DIFF_SIZE + 1)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def make_parents(path: str, check_mode: bool) -> bool:
    """Create the missing parent directories of ``path``; True if any were missing."""
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(parent):
        return False
    if not check_mode:
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as exc:
            raise ModuleFailed(f"Error creating {parent}: {exc.strerror or exc}")
    return True


# --- validate ----------------------------------------------------------------


def run_validate(ctx: Any, validate: str, path: str) -> None:
    """Run a ``validate`` command on a candidate file; fail the task if it says no.

    The command runs without a shell, as Ansible does; ``%s`` is replaced by
    the candidate's path.
    """
    if "%s" not in validate:
        raise ModuleFailed(f"validate must contain %s: {validate}")
    command = validate.replace("%s", shlex.quote(path))
    try:
        rc, out, err = ctx.run_command(shlex.split(command))
    except (OSError, ValueError) as exc:
        raise ModuleFailed(f"failed to validate: {exc}", exit_status=127)
    if rc != 0:
        raise ModuleFailed(
            "failed to validate",
            exit_status=rc,
            stdout=out,
            stdout_lines=out.splitlines(),
            stderr=err,
            stderr_lines=err.splitlines(),
        )


# --- text edits (lineinfile, blockinfile) -------------------------------------------


def split_lines(text: str) -> List[str]:
    """Lines with their endings, split on ``\n`` only (not on form feeds and friends)."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def read_text(path: str) -> Optional[str]:
    """A file's text (undecodable bytes kept as surrogates), None if absent."""
    data = read_bytes(path)
    return None if data is None else data.decode("utf-8", "surrogateescape")


def edit_target(path: str) -> str:
    """The file an edit lands in: through symlinks, so the link itself survives."""
    if os.path.isdir(path):
        raise ModuleFailed(f"Path {path} is a directory !", rc=256)
    return os.path.realpath(path) if os.path.islink(path) else path


def finish_edit(
    ctx: Any, args: Dict[str, Any], path: str, before: Optional[str], after: str, msg: str
) -> Dict[str, Any]:
    """Write an edited text file (backup, validate, one rename), then set its attributes.

    Returns ``changed``, ``msg`` (with Ansible's note when attributes changed
    too), ``diff`` (lineinfile's two-entry list) and ``backup_file`` when one
    was made. ``before`` is None when the file did not exist.
    """
    changed = content_changed = before != after
    result: Dict[str, Any] = {}
    if changed and not ctx.check_mode:
        make_parents(path, False)
        if args.get("backup") and before is not None:
            result["backup_file"] = backup_local(path)
        data = after.encode("utf-8", "surrogateescape")
        tmp = write_temp(path, data)
        if args.get("validate"):
            try:
                run_validate(ctx, args["validate"], tmp)
            except BaseException:
                discard(tmp)
                raise
        install(tmp, path)
    attributes: Dict[str, Dict[str, Any]] = {}
    if os.path.exists(path) and apply_attributes(path, args, ctx.check_mode, attributes):
        note = "ownership, perms or SE linux context changed"
        msg = f"{msg} and {note}" if changed else note
        changed = True
    result.update(changed=changed, msg=msg)
    show = ctx.diff and content_changed
    result["diff"] = edit_diff(
        path,
        (before or "") if show else "",
        after if show else "",
        attributes if ctx.diff else {},
    )
    if ctx.check_mode and not os.path.exists(path):
        # a file check mode did not create has no attributes: the content entry alone
        result["diff"] = result["diff"][0]
    return result


# --- diffs -------------------------------------------------------------------


def _diff_side(data: Optional[bytes], side: str, out: Dict[str, Any]) -> None:
    """Put one side of a content diff in ``out`` (text, or a binary/size note)."""
    prefix = "dst" if side == "before" else "src"
    if data is None:
        out[side] = ""
    elif len(data) > MAX_DIFF_SIZE:
        out[prefix + "_larger"] = MAX_DIFF_SIZE
    elif b"\x00" in data:
        out[prefix + "_binary"] = 1
    else:
        out[side] = data.decode("utf-8", "replace")


def content_diff(
    before: Optional[bytes],
    after: Optional[bytes],
    before_header: Optional[str],
    after_header: Optional[str],
) -> Dict[str, Any]:
    """One entry of a ``diff`` list: texts and headers, as Ansible's copy builds it."""
    entry: Dict[str, Any] = {}
    _diff_side(before, "before", entry)
    _diff_side(after, "after", entry)
    if before_header is not None:
        entry["before_header"] = before_header
    if after_header is not None:
        entry["after_header"] = after_header
    return entry


def edit_diff(
    path: str, before: str, after: str, attributes: Dict[str, Dict[str, Any]]
) -> List[Dict[str, Any]]:
    """The two-entry diff lineinfile and blockinfile return: content, then attributes.

    Ansible returns this structure even outside diff mode, with empty texts.
    """
    content = {
        "before": before,
        "after": after,
        "before_header": f"{path} (content)",
        "after_header": f"{path} (content)",
    }
    attrs: Dict[str, Any] = {
        "before_header": f"{path} (file attributes)",
        "after_header": f"{path} (file attributes)",
    }
    if attributes.get("before"):
        attrs["before"] = attributes["before"]
        attrs["after"] = attributes["after"]
    return [content, attrs]


# --- stat --------------------------------------------------------------------


def _type_flags(mode: int) -> Dict[str, bool]:
    return {
        "isdir": stat.S_ISDIR(mode),
        "ischr": stat.S_ISCHR(mode),
        "isblk": stat.S_ISBLK(mode),
        "isreg": stat.S_ISREG(mode),
        "isfifo": stat.S_ISFIFO(mode),
        "islnk": stat.S_ISLNK(mode),
        "issock": stat.S_ISSOCK(mode),
    }


# In the order ansible-core reports them (it shows in loop labels).
_PERMISSION_KEYS = (
    ("wusr", stat.S_IWUSR),
    ("rusr", stat.S_IRUSR),
    ("xusr", stat.S_IXUSR),
    ("wgrp", stat.S_IWGRP),
    ("rgrp", stat.S_IRGRP),
    ("xgrp", stat.S_IXGRP),
    ("woth", stat.S_IWOTH),
    ("roth", stat.S_IROTH),
    ("xoth", stat.S_IXOTH),
    ("isuid", stat.S_ISUID),
    ("isgid", stat.S_ISGID),
)


def stat_dict(path: str, info: os.stat_result) -> Dict[str, Any]:
    """The stat keys stat and find report for one path (no checksum, no access checks)."""
    result: Dict[str, Any] = {"path": path, "mode": mode_str(info.st_mode)}
    result.update(_type_flags(info.st_mode))
    result.update(
        uid=info.st_uid,
        gid=info.st_gid,
        size=info.st_size,
        inode=info.st_ino,
        dev=info.st_dev,
        nlink=info.st_nlink,
        atime=info.st_atime,
        mtime=info.st_mtime,
        ctime=info.st_ctime,
        gr_name=group_name(info.st_gid),
        pw_name=user_name(info.st_uid),
    )
    for key, bit in _PERMISSION_KEYS:
        result[key] = bool(info.st_mode & bit)
    return result
