"""archive: pack files into a tar (plain, gz, bz2, xz) or zip archive.

Follows community.general.archive: several paths, globs or a directory make
an archive whose member names are relative to ``arcroot`` (the common parent
of the paths); a single file with a gz/bz2/xz format is simply compressed
(``state: compress``) unless ``force_archive`` is set.

Idempotence: the archive is rewritten only when its member list would differ
(names, types, sizes, mtimes, permissions, link targets); a compressed single
file only when its decompressed content differs. The new archive is written
beside ``dest`` and renamed into place, so a reader never sees half of it.
"""

from __future__ import annotations

import bz2
import fnmatch
import glob
import gzip
import hashlib
import os
import shutil
import tempfile

from longplay.agent import archives
from longplay.agent.fileops import FILE_OPTIONS, apply_attributes, digest_file, install
from longplay.agent.registry import ModuleFailed, Option, module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Set, Tuple

FORMATS = ("bz2", "gz", "tar", "xz", "zip")
OPENERS: Dict[str, Any] = {"gz": gzip.open, "bz2": bz2.open}
try:  # a Python built without lzma can still do everything but xz
    import lzma

    OPENERS["xz"] = lzma.open
except ImportError:  # pragma: no cover - depends on the host's Python
    pass

OPTIONS: Dict[str, Option] = {
    "path": Option(type="list", elements="path", required=True),
    "dest": Option(type="path"),
    "format": Option(default="gz", choices=FORMATS),
    "exclude_path": Option(type="list", elements="path", default=[]),
    "exclusion_patterns": Option(type="list", elements="str", default=[]),
    "force_archive": Option(type="bool", default=False),
    "remove": Option(type="bool", default=False),
    **FILE_OPTIONS,
}

GLOB_CHARS = set("*?[")


def _expand(paths: List[str]) -> Tuple[List[str], bool]:
    """Glob each path; a plain path is kept even when missing (it is reported)."""
    expanded: List[str] = []
    has_globs = False
    for path in paths:
        if GLOB_CHARS & set(path):
            has_globs = True
            expanded.extend(sorted(glob.glob(path)))
        else:
            expanded.append(path)
    return [os.path.abspath(p) for p in expanded], has_globs


def arcroot_of(paths: List[str]) -> str:
    """The common parent directory of the paths, with a trailing slash."""
    parents = [os.path.dirname(p.rstrip("/")) or "/" for p in paths]
    root = os.path.commonpath(parents) if parents else "/"
    return root if root.endswith("/") else root + "/"


class Selection:
    """What to leave out: exclude_path entries and exclusion_patterns."""

    def __init__(self, excluded: List[str], patterns: List[str], dest: str) -> None:
        self.excluded: Set[str] = set(excluded) | {os.path.abspath(dest)}
        self.patterns = patterns

    def skip(self, path: str, arcname: str) -> bool:
        if path in self.excluded:
            return True
        name = os.path.basename(path)
        return any(fnmatch.fnmatch(arcname, p) or fnmatch.fnmatch(name, p) for p in self.patterns)


def _collect(targets: List[str], root: str, selection: Selection) -> List[archives.Entry]:
    """Every file system object to archive, parents before children."""
    entries: List[archives.Entry] = []
    for top in targets:
        arcname = os.path.relpath(top, root)
        if selection.skip(top, arcname):
            continue
        entries.append(archives.Entry(top, arcname))
        if os.path.isdir(top) and not os.path.islink(top):
            entries.extend(_walk(top, root, selection))
    return entries


def _walk(top: str, root: str, selection: Selection) -> List[archives.Entry]:
    found: List[archives.Entry] = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        kept = []
        for name in dirnames:
            path = os.path.join(dirpath, name)
            if selection.skip(path, os.path.relpath(path, root)):
                continue
            found.append(archives.Entry(path, os.path.relpath(path, root)))
            if not os.path.islink(path):
                kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            arcname = os.path.relpath(path, root)
            if not selection.skip(path, arcname):
                found.append(archives.Entry(path, arcname))
    return [entry for entry in found if entry.kind != "other"]


# --- idempotence -----------------------------------------------------------------


def _archive_current(dest: str, fmt: str, entries: List[archives.Entry]) -> bool:
    """Does dest already hold exactly these entries, in this format?"""
    if not os.path.isfile(dest):
        return False
    try:
        with archives.open_archive(dest) as reader:
            if reader.handler != archives.HANDLER_FOR_FORMAT[fmt]:
                return False
            existing = archives.signatures(reader)
    except ModuleFailed:
        return False
    return existing == sorted(entry.signature(fmt) for entry in entries)


def _compressed_current(dest: str, fmt: str, source: str) -> bool:
    if not os.path.isfile(dest):
        return False
    hasher = hashlib.sha1()
    try:
        with OPENERS[fmt](dest, "rb") as handle:
            for block in iter(lambda: handle.read(64 * 1024), b""):
                hasher.update(block)
    except archives.READ_ERRORS:
        return False
    return hasher.hexdigest() == digest_file(source)


# --- writing -----------------------------------------------------------------------


def _write_atomically(dest: str, write: Callable[[str], None]) -> None:
    directory = os.path.dirname(dest) or "."
    fd, tmp = tempfile.mkstemp(prefix=".longplay-archive-", dir=directory)
    os.close(fd)
    try:
        write(tmp)
        install(tmp, dest)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _write_archive(dest: str, fmt: str, entries: List[archives.Entry]) -> None:
    if fmt == "zip":
        _write_atomically(dest, lambda tmp: archives.write_zip(tmp, entries))
    else:
        _write_atomically(dest, lambda tmp: archives.write_tar(tmp, fmt, entries))


def _compress(dest: str, fmt: str, source: str) -> None:
    if fmt not in OPENERS:
        raise ModuleFailed(f"format={fmt} needs Python's {fmt} support, missing on this host")

    def write(tmp: str) -> None:
        with open(source, "rb") as src, OPENERS[fmt](tmp, "wb") as out:
            shutil.copyfileobj(src, out)

    _write_atomically(dest, write)


def _remove_sources(entries: List[archives.Entry]) -> None:
    """Delete what was archived: files first, then directories left empty.

    Excluded files are never deleted, so a directory holding them stays.
    """
    for entry in entries:
        if entry.kind != "dir" and os.path.lexists(entry.path):
            os.unlink(entry.path)
    for entry in sorted(entries, key=lambda e: e.path, reverse=True):
        if entry.kind == "dir":
            try:
                os.rmdir(entry.path)
            except OSError:
                pass


# --- the module ----------------------------------------------------------------------


class Job:
    """The resolved request: sources, destination and how to pack them."""

    def __init__(self, args: Dict[str, Any]) -> None:
        self.format = args["format"]
        self.expanded, has_globs = _expand(args["path"])
        if not self.expanded:
            raise ModuleFailed("Error, no source paths were found", path=args["path"])
        self.excluded, _ = _expand(args["exclude_path"])
        paths = [p for p in self.expanded if p not in self.excluded]
        self.missing = [p for p in paths if not os.path.lexists(p)]
        self.targets = [p for p in paths if os.path.lexists(p)]
        self.must_archive = bool(
            args["force_archive"]
            or self.format in ("tar", "zip")
            or len(paths) > 1
            or has_globs
            or (self.targets and os.path.isdir(self.targets[0]))
        )
        self.dest = args["dest"] or ""
        if not self.dest:
            if self.must_archive:
                raise ModuleFailed(
                    'Error, must specify "dest" when archiving multiple files or trees',
                    dest=self.dest,
                )
            self.dest = paths[0] + "." + self.format
        self.dest = os.path.abspath(self.dest)
        self.arcroot = arcroot_of(self.targets or paths)
        self.selection = Selection(self.excluded, args["exclusion_patterns"], self.dest)

    def result(self, state: str, archived: List[str], changed: bool) -> Dict[str, Any]:
        return {
            "changed": changed,
            "dest": self.dest,
            "state": state,
            "dest_state": state,
            "archived": archived,
            "arcroot": self.arcroot,
            "missing": self.missing,
            "expanded_paths": self.expanded,
            "expanded_exclude_paths": self.excluded,
        }


@module("archive", options=OPTIONS)
def archive(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Create or refresh dest from the paths; changed only if its content differs."""
    job = Job(args)
    directory = os.path.dirname(job.dest)
    if not os.path.isdir(directory):
        raise ModuleFailed(f"Destination directory {directory} does not exist", dest=job.dest)
    if not job.targets:
        result = _nothing_to_do(job)
    elif job.must_archive:
        result = _pack(job, args, ctx)
    else:
        result = _compress_one(job, args, ctx)
    if os.path.exists(job.dest):
        result["changed"] = apply_attributes(job.dest, args, ctx.check_mode) or result["changed"]
    return result


def _nothing_to_do(job: Job) -> Dict[str, Any]:
    if not os.path.exists(job.dest):
        return job.result("absent", [], False)
    state = "archive" if job.must_archive else "compress"
    return job.result(state, [], False)


def _pack(job: Job, args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    entries = _collect(job.targets, job.arcroot, job.selection)
    changed = not _archive_current(job.dest, job.format, entries)
    if changed and not ctx.check_mode:
        try:
            _write_archive(job.dest, job.format, entries)
        except (OSError, ValueError) as exc:
            raise ModuleFailed(f"Error writing {job.dest}: {exc}", dest=job.dest)
    if args["remove"] and entries:
        changed = True
        if not ctx.check_mode:
            _remove_sources(entries)
    state = "incomplete" if job.missing else "archive"
    return job.result(state, [entry.path for entry in entries], changed)


def _compress_one(job: Job, args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    source = job.targets[0]
    changed = not _compressed_current(job.dest, job.format, source)
    if changed and not ctx.check_mode:
        try:
            _compress(job.dest, job.format, source)
        except OSError as exc:
            raise ModuleFailed(f"Error compressing {source}: {exc}", dest=job.dest)
    if args["remove"]:
        changed = True
        if not ctx.check_mode:
            os.unlink(source)
    return job.result("compress", [source], changed)
