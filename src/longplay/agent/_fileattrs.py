"""Interim file helpers for the network and archive modules.

get_url, uri, archive and unarchive all need the same few things: hash a
file, move a finished download into place atomically, and apply the common
``mode``/``owner``/``group`` options. ``longplay.agent.fileops`` is being
written in parallel with the full versions; until it lands these small
private copies keep the network modules self-contained. Merge them into
``fileops`` (and point the imports there) once it exists.

Standard library only, Python >= 3.8.
"""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
import re
import shutil
import stat
import tempfile
import time
from typing import Any, Dict, Optional

from longplay.agent.registry import ModuleFailed, Option

CHUNK = 64 * 1024

#: The options every file-producing module accepts, as in Ansible.
FILE_OPTIONS: Dict[str, Option] = {
    "mode": Option(type="raw"),
    "owner": Option(),
    "group": Option(),
    "unsafe_writes": Option(type="bool", default=False),
}


def digest_file(path: str, algorithm: str = "sha1") -> str:
    """Hex digest of a file, read in chunks so large downloads stay cheap."""
    try:
        hasher = hashlib.new(algorithm)
    except ValueError:
        raise ModuleFailed(
            "Could not hash file '{}' with algorithm '{}'. Available algorithms: {}".format(
                path, algorithm, ", ".join(sorted(hashlib.algorithms_available))
            )
        )
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            hasher.update(block)
    return hasher.hexdigest()


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


def adopt_mode(tmp: str, dest: str) -> None:
    """Give ``tmp`` the mode/owner ``dest`` has (or a new file's default mode).

    Replacing a file must not silently change who may read it.
    """
    existing = os.lstat(dest) if os.path.lexists(dest) else None
    if existing is not None and stat.S_ISREG(existing.st_mode):
        os.chmod(tmp, stat.S_IMODE(existing.st_mode))
        if (existing.st_uid, existing.st_gid) != (os.geteuid(), os.getegid()):
            try:
                os.chown(tmp, existing.st_uid, existing.st_gid)
            except OSError:
                pass
    else:
        os.chmod(tmp, 0o666 & ~current_umask())


def atomic_move(src: str, dest: str) -> None:
    """Put ``src``'s content at ``dest`` in one rename, keeping dest's owner/mode.

    The temporary copy lives beside ``dest`` so the final ``os.replace`` never
    crosses filesystems: readers see the old file or the new one, never half.
    """
    directory = os.path.dirname(os.path.abspath(dest))
    fd, tmp = tempfile.mkstemp(prefix=".longplay-", dir=directory)
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        adopt_mode(tmp, dest)
        os.replace(tmp, dest)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def backup_local(path: str) -> str:
    """Copy ``path`` aside with Ansible's backup naming; return the copy's path."""
    backup = "{}.{}.{}".format(path, os.getpid(), time.strftime("%Y-%m-%d@%H:%M:%S~"))
    shutil.copy2(path, backup)
    return backup


# --- mode / owner / group ----------------------------------------------------

_CLAUSE = re.compile(r"^([ugoa]*)((?:[-+=][rwxXst]*)+)$")
_OP = re.compile(r"([-+=])([rwxXst]*)")
_SHIFT = {"u": 6, "g": 3, "o": 0}
_WHO_MASK = {"u": 0o4700, "g": 0o2070, "o": 0o1007}


def _perm_bits(who: str, perms: str, current: int, is_dir: bool) -> int:
    bits = 0
    for perm in perms:
        if perm == "r":
            bits |= 4 << _SHIFT[who]
        elif perm == "w":
            bits |= 2 << _SHIFT[who]
        elif perm == "x" or (perm == "X" and (is_dir or current & 0o111)):
            bits |= 1 << _SHIFT[who]
        elif perm == "s" and who in "ug":
            bits |= 0o4000 if who == "u" else 0o2000
        elif perm == "t" and who == "o":
            bits |= 0o1000
    return bits


def _symbolic_mode(spec: str, current: int, is_dir: bool) -> int:
    mode = current & 0o7777
    for clause in spec.split(","):
        match = _CLAUSE.match(clause.strip())
        if match is None:
            raise ValueError(clause)
        who = match.group(1).replace("a", "ugo") or "ugo"
        for op, perms in _OP.findall(match.group(2)):
            bits = 0
            mask = 0
            for person in set(who):
                bits |= _perm_bits(person, perms, current, is_dir)
                mask |= _WHO_MASK[person]
            if op == "+":
                mode |= bits
            elif op == "-":
                mode &= ~bits
            else:
                mode = (mode & ~mask) | bits
    return mode


def parse_mode(mode: Any, current: int, is_dir: bool) -> int:
    """Turn an Ansible ``mode`` (int, octal string or symbolic) into bits.

    An int is taken as is: YAML 1.1 already read ``0644`` as octal.
    """
    if isinstance(mode, int) and not isinstance(mode, bool):
        return mode & 0o7777
    text = str(mode).strip()
    if re.match(r"^0?o?[0-7]{1,4}$", text):
        return int(text.replace("o", ""), 8)
    try:
        return _symbolic_mode(text, current, is_dir)
    except ValueError:
        raise ModuleFailed(
            "mode must be in octal or symbolic form",
            details=f"bad symbolic permission for mode: {text}",
        )


def _uid(owner: str) -> int:
    try:
        return pwd.getpwnam(owner).pw_uid
    except KeyError:
        if owner.isdigit():
            return int(owner)
        raise ModuleFailed(f"chown failed: failed to look up user {owner}")


def _gid(group: str) -> int:
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        if group.isdigit():
            return int(group)
        raise ModuleFailed(f"chgrp failed: failed to look up group {group}")


def apply_attributes(path: str, args: Dict[str, Any], check_mode: bool) -> bool:
    """Apply ``mode``/``owner``/``group`` from ``args``; True when something differs."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        return False
    changed = False
    uid = _uid(str(args["owner"])) if args.get("owner") not in (None, "") else -1
    gid = _gid(str(args["group"])) if args.get("group") not in (None, "") else -1
    if (uid != -1 and uid != info.st_uid) or (gid != -1 and gid != info.st_gid):
        changed = True
        if not check_mode:
            try:
                os.chown(path, uid, gid)
            except OSError as exc:
                raise ModuleFailed(f"chown failed: {exc}", path=path)
    if args.get("mode") not in (None, ""):
        current = stat.S_IMODE(info.st_mode)
        wanted = parse_mode(args["mode"], current, stat.S_ISDIR(info.st_mode))
        if wanted != current:
            changed = True
            if not check_mode:
                os.chmod(path, wanted)
    return changed


def file_attributes(path: str) -> Dict[str, Any]:
    """The stat keys Ansible adds to results about a file (owner, mode, size...)."""
    try:
        info = os.lstat(path)
    except OSError:
        return {"state": "absent"}
    if stat.S_ISDIR(info.st_mode):
        state = "directory"
    elif stat.S_ISLNK(info.st_mode):
        state = "link"
    else:
        state = "file"
    return {
        "uid": info.st_uid,
        "gid": info.st_gid,
        "owner": _user_name(info.st_uid),
        "group": _group_name(info.st_gid),
        "mode": format(stat.S_IMODE(info.st_mode), "04o"),
        "state": state,
        "size": info.st_size,
    }


def _user_name(uid: int) -> Optional[str]:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _group_name(gid: int) -> Optional[str]:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)
