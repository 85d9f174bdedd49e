"""Reading and writing tar (plain, gz, bz2, xz) and zip archives.

Shared by the archive and unarchive modules so both agree on what an
archive member "is": one :class:`Member` shape for tar and zip, with the
type, size, mtime and permissions that idempotence checks compare. Only the
standard library's ``tarfile``/``zipfile`` are used, never external tools, so
results do not depend on which ``tar`` a host has.

Standard library only, Python >= 3.8.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
import tarfile
import time
import zipfile
import zlib

from longplay.agent.registry import ModuleFailed

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Any, List, Optional, Tuple, Type

try:  # some Python builds lack lzma; xz archives then fail with a clear message
    import lzma

    _LZMA_ERRORS: Tuple[Type[BaseException], ...] = (lzma.LZMAError,)
except ImportError:  # pragma: no cover - depends on the host's Python
    _LZMA_ERRORS = ()

READ_ERRORS: Tuple[Type[BaseException], ...] = (
    tarfile.TarError,
    zipfile.BadZipFile,
    OSError,
    EOFError,
    zlib.error,
    ValueError,
    *_LZMA_ERRORS,
)

#: Ansible's handler names, by compression.
TAR_HANDLERS = {"": "TarArchive", "gz": "TgzArchive", "bz2": "TarBzipArchive", "xz": "TarXzArchive"}
ZIP_HANDLER = "ZipArchive"

_MAGIC = ((b"\x1f\x8b", "gz"), (b"BZh", "bz2"), (b"\xfd7zXZ\x00", "xz"))
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"

if TYPE_CHECKING:
    Signature = Tuple[str, str, int, int, Optional[int], str]

#: tarfile.open, typed loosely: its stubs only accept literal mode strings.
_tar_open: Any = tarfile.open


class Member:
    """One archive entry, the same shape for tar and zip."""

    def __init__(
        self,
        raw_name: str,
        kind: str,
        size: int = 0,
        mtime: float = 0.0,
        mode: Optional[int] = None,
        linkname: str = "",
        uid: Optional[int] = None,
        gid: Optional[int] = None,
        crc: Optional[int] = None,
        raw: Any = None,
    ) -> None:
        self.raw_name = raw_name
        self.name = raw_name.rstrip("/") or raw_name
        self.kind = kind
        self.size = size
        self.mtime = mtime
        self.mode = mode
        self.linkname = linkname
        self.uid = uid
        self.gid = gid
        self.crc = crc
        self.raw = raw

    def signature(self) -> Signature:
        """What must match for two archives to hold "the same" entry."""
        name = os.path.normpath(self.name)
        size = self.size if self.kind == "file" else 0
        return (name, self.kind, size, int(self.mtime), self.mode, self.linkname)


class ArchiveReader:
    """Base for archive readers: a member list, member content, cleanup."""

    handler = ""

    def members(self) -> List[Member]:
        raise NotImplementedError

    def open(self, member: Member) -> IO[bytes]:
        raise NotImplementedError

    def same_content(self, member: Member, path: str) -> bool:
        """A cheap content check where the format offers one (zip's CRC)."""
        return True

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _owner_id(name: str, fallback: int, users: bool) -> int:
    if name:
        try:
            return pwd.getpwnam(name).pw_uid if users else grp.getgrnam(name).gr_gid
        except KeyError:
            pass
    return fallback


def _tar_kind(info: tarfile.TarInfo) -> str:
    if info.isreg():
        return "file"
    if info.isdir():
        return "dir"
    if info.issym():
        return "symlink"
    if info.islnk():
        return "hardlink"
    return "other"


class TarReader(ArchiveReader):
    def __init__(self, path: str, compression: str) -> None:
        self.handler = TAR_HANDLERS[compression]
        # The reader owns the open archive until close(): no context manager here.
        self._tar = _tar_open(path, "r:" + compression)
        try:
            self._members = [self._member(info) for info in self._tar.getmembers()]
        except BaseException:
            self._tar.close()
            raise

    @staticmethod
    def _member(info: tarfile.TarInfo) -> Member:
        kind = _tar_kind(info)
        return Member(
            info.name + "/" if kind == "dir" and not info.name.endswith("/") else info.name,
            kind,
            size=info.size,
            mtime=float(info.mtime),
            mode=info.mode & 0o7777,
            linkname=info.linkname,
            uid=_owner_id(info.uname, info.uid, True),
            gid=_owner_id(info.gname, info.gid, False),
            raw=info,
        )

    def members(self) -> List[Member]:
        return self._members

    def open(self, member: Member) -> IO[bytes]:
        handle = self._tar.extractfile(member.raw)
        if handle is None:
            raise ValueError(f"{member.name} has no content")
        return handle

    def close(self) -> None:
        self._tar.close()


def zip_mtime(date_time: Tuple[int, ...]) -> float:
    """Zip times are local wall-clock tuples with 2-second resolution."""
    return time.mktime((*date_time, 0, 0, -1))  # type: ignore[arg-type]


def zip_date_time(mtime: float) -> Tuple[int, int, int, int, int, int]:
    """The date_time zipfile stores for an mtime (clamped, even seconds)."""
    year, month, day, hour, minute, second = time.localtime(mtime)[:6]
    if year < 1980:
        return (1980, 1, 1, 0, 0, 0)
    if year > 2107:
        return (2107, 12, 31, 23, 59, 58)
    return (year, month, day, hour, minute, second // 2 * 2)


class ZipReader(ArchiveReader):
    handler = ZIP_HANDLER

    def __init__(self, path: str) -> None:
        self._zip = zipfile.ZipFile(path)
        try:
            self._members = [self._member(info) for info in self._zip.infolist()]
        except BaseException:
            self._zip.close()
            raise

    def _member(self, info: zipfile.ZipInfo) -> Member:
        unix = info.external_attr >> 16 if info.create_system == 3 else 0
        mode = stat.S_IMODE(unix) if unix else None
        if info.filename.endswith("/"):
            kind, linkname = "dir", ""
        elif unix and stat.S_ISLNK(unix):
            kind, linkname = "symlink", self._zip.read(info).decode("utf-8", "surrogateescape")
        else:
            kind, linkname = "file", ""
        return Member(
            info.filename,
            kind,
            size=info.file_size,
            mtime=zip_mtime(info.date_time),
            mode=mode,
            linkname=linkname,
            crc=info.CRC if kind == "file" else None,
            raw=info,
        )

    def members(self) -> List[Member]:
        return self._members

    def open(self, member: Member) -> IO[bytes]:
        return self._zip.open(member.raw)

    def same_content(self, member: Member, path: str) -> bool:
        crc = 0
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(64 * 1024), b""):
                crc = zlib.crc32(block, crc)
        return crc == member.crc

    def close(self) -> None:
        self._zip.close()


def _compression(path: str) -> Optional[str]:
    """'' / gz / bz2 / xz for a tar, None for a zip, from the first bytes."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return None
    if head.startswith(_ZSTD_MAGIC):
        raise ValueError("zstd-compressed archives are not supported (no zstd in Python < 3.14)")
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return ""


def open_archive(path: str) -> ArchiveReader:
    """A reader for a tar or zip archive; a clear failure for anything else."""
    try:
        compression = _compression(path)
        if compression is None or (compression == "" and zipfile.is_zipfile(path)):
            return ZipReader(path)
        return TarReader(path, compression)
    except READ_ERRORS as exc:
        raise ModuleFailed(
            f'Failed to find handler for "{path}": it is not a readable tar (plain, gz, bz2, xz) '
            f"or zip archive ({exc})"
        )


# --- writing -------------------------------------------------------------------

WRITE_MODES = {"tar": "w:", "gz": "w:gz", "bz2": "w:bz2", "xz": "w:xz"}
HANDLER_FOR_FORMAT = {
    "tar": TAR_HANDLERS[""],
    "gz": TAR_HANDLERS["gz"],
    "bz2": TAR_HANDLERS["bz2"],
    "xz": TAR_HANDLERS["xz"],
    "zip": ZIP_HANDLER,
}


class Entry:
    """A file system object planned to go into an archive under ``arcname``."""

    def __init__(self, path: str, arcname: str) -> None:
        self.path = path
        self.arcname = arcname
        info = os.lstat(path)
        self.mtime = info.st_mtime
        self.mode = stat.S_IMODE(info.st_mode)
        self.size = 0
        self.linkname = ""
        if stat.S_ISDIR(info.st_mode):
            self.kind = "dir"
        elif stat.S_ISLNK(info.st_mode):
            self.kind = "symlink"
            self.linkname = os.readlink(path)
        elif stat.S_ISREG(info.st_mode):
            self.kind = "file"
            self.size = info.st_size
        else:
            self.kind = "other"

    def signature(self, fmt: str) -> Signature:
        mtime = self.mtime
        mode: Optional[int] = self.mode
        if fmt == "zip":
            mtime = zip_mtime(zip_date_time(mtime))
            if self.kind == "symlink":
                mode = 0o777
        return (
            os.path.normpath(self.arcname),
            self.kind,
            self.size,
            int(mtime),
            mode,
            self.linkname,
        )


def signatures(reader: ArchiveReader) -> List[Signature]:
    return sorted(member.signature() for member in reader.members())


def write_tar(target: str, fmt: str, entries: List[Entry]) -> None:
    with _tar_open(target, WRITE_MODES[fmt]) as tar:
        for entry in entries:
            # Store every file whole: tarfile would turn a second name of a
            # hard-linked inode into a link member, which unarchive and the
            # idempotence check treat as a different kind of entry.
            tar.inodes.clear()
            tar.add(entry.path, arcname=entry.arcname, recursive=False)


def write_zip(target: str, entries: List[Entry]) -> None:
    with zipfile.ZipFile(
        target, "w", compression=zipfile.ZIP_DEFLATED, strict_timestamps=False
    ) as archive:
        for entry in entries:
            if entry.kind == "symlink":
                info = zipfile.ZipInfo(entry.arcname, zip_date_time(entry.mtime))
                info.create_system = 3
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                archive.writestr(info, entry.linkname)
            else:
                archive.write(entry.path, entry.arcname)
