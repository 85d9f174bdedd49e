"""stat: report what is at a path, as Ansible's ``stat`` module does.

Returns ``stat`` with ``exists`` and, when something is there: path, mode
('0644'), the is* type flags, size, uid/gid, pw_name/gr_name, times, inode,
dev, nlink, the r/w/x permission flags, readable/writeable/executable for the
calling user, lnk_source/lnk_target for links, checksum for regular files,
a mimetype/charset guess, and ext2-style attributes where the filesystem has
them. Nothing is spawned: the MIME guess reads magic bytes itself.
"""

from __future__ import annotations

import os
import stat
import struct

from longplay.agent import fileops
from longplay.agent.registry import ModuleFailed, Option, module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Tuple

ALGORITHMS = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")

OPTIONS = {
    "path": Option(type="path", required=True, aliases=("dest", "name")),
    "follow": Option(type="bool", default=False),
    "get_checksum": Option(type="bool", default=True),
    "checksum_algorithm": Option(
        default="sha1", choices=ALGORITHMS, aliases=("checksum", "checksum_algo")
    ),
    "get_mime": Option(type="bool", default=True, aliases=("mime", "mime_type", "mime-type")),
    "get_attributes": Option(type="bool", default=True, aliases=("attr", "attributes")),
}


@module("stat", options=OPTIONS)
def stat_module(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Describe ``path`` without changing anything (so check mode is the same run)."""
    path = args["path"]
    try:
        info = os.stat(path) if args["follow"] else os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return {"changed": False, "stat": {"exists": False}}
    except OSError as exc:
        raise ModuleFailed(f"Unable to stat {path}: {exc.strerror or exc}")
    return {"changed": False, "stat": describe(path, info, args)}


def describe(path: str, info: os.stat_result, args: Dict[str, Any]) -> Dict[str, Any]:
    """The full ``stat`` dict for an existing path."""
    result = fileops.stat_dict(path, info)
    result["exists"] = True
    result["mode"] = format(stat.S_IMODE(info.st_mode), "04o")  # stat spells "1777", "0644"
    result["block_size"] = getattr(info, "st_blksize", None)
    result["blocks"] = getattr(info, "st_blocks", None)
    result["device_type"] = info.st_rdev
    result["readable"] = os.access(path, os.R_OK)
    result["writeable"] = os.access(path, os.W_OK)
    result["executable"] = os.access(path, os.X_OK)
    if stat.S_ISLNK(info.st_mode):
        result["lnk_source"] = os.path.realpath(path)
        result["lnk_target"] = os.readlink(path)
    if stat.S_ISREG(info.st_mode) and result["readable"] and args.get("get_checksum", True):
        result["checksum"] = fileops.digest_file(path, args.get("checksum_algorithm", "sha1"))
    if args.get("get_mime", True):
        result["mimetype"], result["charset"] = guess_mime(path, info.st_mode)
    if args.get("get_attributes", True):
        # what ``lsattr -vd`` tells, as ansible-core asks it; when it cannot tell
        # (not a file or directory, tmpfs, /proc...), the keys stay empty
        result.update(version=None, attributes=[], attr_flags="")
        flags = file_flags(path, info.st_mode)
        version = file_version(path, info.st_mode)
        if flags is not None and version is not None:
            result["version"] = version
            result["attr_flags"] = flags
            result["attributes"] = [ATTRIBUTE_NAMES[letter] for letter in flags]
    return result


# --- MIME type guess -----------------------------------------------------------

_MAGIC: List[Tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"\x1f\x8b", "application/gzip"),
    (b"BZh", "application/x-bzip2"),
    (b"\xfd7zXZ\x00", "application/x-xz"),
    (b"(\xb5/\xfd", "application/zstd"),
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),
]

_ELF_TYPES = {1: "application/x-object", 2: "application/x-executable", 4: "application/x-coredump"}

_SPECIAL = (
    (stat.S_ISDIR, "inode/directory"),
    (stat.S_ISLNK, "inode/symlink"),
    (stat.S_ISFIFO, "inode/fifo"),
    (stat.S_ISSOCK, "inode/socket"),
    (stat.S_ISCHR, "inode/chardevice"),
    (stat.S_ISBLK, "inode/blockdevice"),
)


def guess_mime(path: str, mode: int) -> Tuple[Optional[str], Optional[str]]:
    """A ``file --mime``-like (type, charset) from the first bytes, without spawning."""
    for test, name in _SPECIAL:
        if test(mode):
            return name, "binary"
    try:
        if stat.S_ISREG(mode) and os.stat(path).st_size == 0:
            return "inode/x-empty", "binary"  # as file(1) says, /proc files too
    except OSError:
        pass
    try:
        with open(path, "rb") as handle:
            head = handle.read(8192)
    except OSError:
        return None, None
    if not head:
        return "inode/x-empty", "binary"
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name, "binary"
    if head.startswith(b"\x7fELF") and len(head) > 18:
        return _elf_type(head, mode), "binary"
    if len(head) > 262 and head[257:262] == b"ustar":
        return "application/x-tar", "binary"
    if b"\x00" in head:
        return "application/octet-stream", "binary"
    return _text_type(head), _charset(head)


def _elf_type(head: bytes, mode: int) -> str:
    """ELF kind from its header; a position-independent one is a program if executable."""
    order = "<" if head[5:6] == b"\x01" else ">"
    kind = struct.unpack(order + "H", head[16:18])[0]
    if kind == 3:
        return "application/x-pie-executable" if mode & 0o111 else "application/x-sharedlib"
    return _ELF_TYPES.get(kind, "application/octet-stream")


def _text_type(head: bytes) -> str:
    first = head.split(b"\n", 1)[0]
    if first.startswith(b"#!"):
        if b"python" in first:
            return "text/x-script.python"
        if b"sh" in first:
            return "text/x-shellscript"
    stripped = head.lstrip()
    if stripped[:1] in (b"{", b"[") and stripped.rstrip()[-1:] in (b"}", b"]"):
        return "application/json"
    return "text/plain"


def _charset(head: bytes) -> str:
    try:
        head.decode("ascii")
        return "us-ascii"
    except UnicodeDecodeError:
        pass
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the end of the sample is still UTF-8
        return "utf-8" if exc.start >= len(head) - 3 else "unknown-8bit"


# --- ext2-style file attributes (lsattr) ---------------------------------------

FS_IOC_GETFLAGS = 0x80086601
FS_IOC_GETVERSION = 0x80087601

#: lsattr's letters in its display order, the flag bit, and Ansible's name
_FLAG_TABLE = (
    ("s", 0x00000001, "secure_deletion"),
    ("u", 0x00000002, "undelete"),
    ("S", 0x00000008, "synchronous_updates"),
    ("D", 0x00010000, "synchronous_directory_updates"),
    ("i", 0x00000010, "immutable"),
    ("a", 0x00000020, "append_only"),
    ("d", 0x00000040, "no_dump"),
    ("A", 0x00000080, "no_atime"),
    ("c", 0x00000004, "compressed"),
    ("E", 0x00000800, "encrypted"),
    ("j", 0x00004000, "journalled_data"),
    ("I", 0x00001000, "indexed"),
    ("t", 0x00008000, "no_tail_merging"),
    ("T", 0x00020000, "top_of_dir_hierarchies"),
    ("e", 0x00080000, "extents"),
    ("C", 0x00800000, "no_copy_on_write"),
    ("x", 0x02000000, "dax"),
    ("F", 0x40000000, "casefold"),
    ("N", 0x10000000, "inline_data"),
    ("P", 0x20000000, "project_hierarchy"),
    ("V", 0x00100000, "verity"),
)

ATTRIBUTE_NAMES = {letter: name for letter, _, name in _FLAG_TABLE}


def _read_inode_value(path: str, request: int) -> Optional[int]:
    """The inode number an ``ioctl`` ``request`` returns for ``path`` (what lsattr reads),
    or None where it cannot be read (not a POSIX host, tmpfs...)."""
    try:
        import fcntl
    except ImportError:  # not a POSIX host
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        raw = fcntl.ioctl(fd, request, struct.pack("l", 0))
    except OSError:
        return None
    finally:
        os.close(fd)
    value: int = struct.unpack("l", raw)[0]
    return value


def file_version(path: str, mode: int) -> Optional[str]:
    """The file's generation number as ``lsattr -v`` prints it, or None where it cannot
    be read (neither a file nor a directory, tmpfs...)."""
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return None
    value = _read_inode_value(path, FS_IOC_GETVERSION)
    return None if value is None else str(value & 0xFFFFFFFF)


def file_flags(path: str, mode: int) -> Optional[str]:
    """The lsattr letters set on a file or directory, or None where there are none to read."""
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return ""
    value = _read_inode_value(path, FS_IOC_GETFLAGS)
    if value is None:
        return None
    return "".join(letter for letter, bit, _ in _FLAG_TABLE if value & bit)
