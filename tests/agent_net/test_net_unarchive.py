"""unarchive of real archives (built here with tarfile/zipfile and by archive)."""

from __future__ import annotations

import io
import os
import stat
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from nettools import LoopbackServer, Run

TAR_MODES = {
    "TarArchive": "w",
    "TgzArchive": "w:gz",
    "TarBzipArchive": "w:bz2",
    "TarXzArchive": "w:xz",
}
STAMP = 1_700_000_000

Files = dict[str, bytes]
CONTENT: Files = {"top.txt": b"top\n", "conf/app.ini": b"[a]\n", "bin/run": b"#!/bin/sh\n"}


def make_tar(
    path: Path, files: Files, mode: str = "w:gz", extra: list[tarfile.TarInfo] | None = None
) -> Path:
    with tarfile.open(path, mode) as tf:  # type: ignore[call-overload]
        for name in sorted({os.path.dirname(n) for n in files} - {""}):
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, STAMP
            tf.addfile(info)
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), STAMP
            info.mode = 0o755 if name.startswith("bin/") else 0o644
            tf.addfile(info, io.BytesIO(data))
        for info in extra or []:
            tf.addfile(info, io.BytesIO(b"evil") if info.isreg() else None)
    return path


def make_zip(path: Path, files: Files, extra: Files | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in {**files, **(extra or {})}.items():
            info = zipfile.ZipInfo(name, time.localtime(STAMP)[:6])
            info.create_system = 3
            info.external_attr = (
                stat.S_IFREG | (0o755 if name.startswith("bin/") else 0o644)
            ) << 16
            zf.writestr(info, data)
    return path


def tree(root: Path) -> Files:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    path = tmp_path / "out"
    path.mkdir()
    return path


@pytest.mark.parametrize("handler", [*TAR_MODES, "ZipArchive"])
def test_each_format_extracts_once(run: Run, tmp_path: Path, dest: Path, handler: str) -> None:
    if handler == "ZipArchive":
        src = make_zip(tmp_path / "a.zip", CONTENT)
    else:
        src = make_tar(tmp_path / "a.tar", CONTENT, TAR_MODES[handler])
    args = {"src": str(src), "dest": str(dest), "remote_src": True}
    first = run("unarchive", args)
    assert first["changed"] is True
    assert first["handler"] == handler
    assert first["dest"] == str(dest) and first["src"] == str(src)
    assert first["state"] == "directory"
    assert tree(dest) == CONTENT
    assert (dest / "bin" / "run").stat().st_mode & 0o777 == 0o755
    assert int((dest / "top.txt").stat().st_mtime) == int(
        time.mktime(time.localtime(STAMP)) if handler == "ZipArchive" else STAMP
    )
    assert run("unarchive", args)["changed"] is False
    (dest / "conf" / "app.ini").write_bytes(b"[b]\n")  # same size, new mtime
    repaired = run("unarchive", args)
    assert repaired["changed"] is True
    assert tree(dest) == CONTENT


@pytest.mark.parametrize("fmt", ["tar", "gz", "bz2", "xz", "zip"])
def test_archive_then_unarchive_round_trip(run: Run, tmp_path: Path, dest: Path, fmt: str) -> None:
    src_dir = tmp_path / "site"
    (src_dir / "css").mkdir(parents=True)
    (src_dir / "index.html").write_text("<h1>hi</h1>")
    (src_dir / "css" / "a.css").write_text("body{}")
    os.symlink("index.html", src_dir / "home.html")
    archive = tmp_path / f"site.{fmt}"
    assert run("archive", {"path": str(src_dir), "dest": str(archive), "format": fmt})["changed"]
    result = run("unarchive", {"src": str(archive), "dest": str(dest), "list_files": True})
    assert result["changed"] is True
    assert tree(dest / "site") == tree(src_dir)
    assert os.readlink(dest / "site" / "home.html") == "index.html"
    assert sorted(f.rstrip("/") for f in result["files"]) == [
        "site",
        "site/css",
        "site/css/a.css",
        "site/home.html",
        "site/index.html",
    ]
    assert run("unarchive", {"src": str(archive), "dest": str(dest)})["changed"] is False


def test_list_files_uses_archive_names(run: Run, tmp_path: Path, dest: Path) -> None:
    src = make_tar(tmp_path / "a.tgz", CONTENT)
    result = run("unarchive", {"src": str(src), "dest": str(dest), "list_files": True})
    assert result["files"] == ["bin/", "conf/", "top.txt", "conf/app.ini", "bin/run"]
    assert "files" not in run("unarchive", {"src": str(src), "dest": str(dest)})


def test_include_and_exclude(run: Run, tmp_path: Path, dest: Path) -> None:
    src = make_zip(tmp_path / "a.zip", CONTENT)
    run("unarchive", {"src": str(src), "dest": str(dest), "exclude": ["conf", "*.txt"]})
    assert tree(dest) == {"bin/run": CONTENT["bin/run"]}
    other = dest.parent / "other"
    other.mkdir()
    run("unarchive", {"src": str(src), "dest": str(other), "include": ["conf/*"]})
    assert tree(other) == {"conf/app.ini": CONTENT["conf/app.ini"]}
    both = run(
        "unarchive", {"src": str(src), "dest": str(other), "include": ["a"], "exclude": ["b"]}
    )
    assert both["msg"] == "parameters are mutually exclusive: include|exclude"


def test_creates_skips(run: Run, tmp_path: Path, dest: Path) -> None:
    src = make_tar(tmp_path / "a.tgz", CONTENT)
    (dest / "marker").write_text("")
    result = run("unarchive", {"src": str(src), "dest": str(dest), "creates": str(dest / "marker")})
    assert result["changed"] is False and result["skipped"] is True
    assert tree(dest) == {"marker": b""}


def test_keep_newer(run: Run, tmp_path: Path, dest: Path) -> None:
    src = make_tar(tmp_path / "a.tgz", CONTENT)
    (dest / "top.txt").write_bytes(b"local and newer\n")
    result = run("unarchive", {"src": str(src), "dest": str(dest), "keep_newer": True})
    assert result["changed"] is True  # other members were missing
    assert (dest / "top.txt").read_bytes() == b"local and newer\n"
    assert (
        run("unarchive", {"src": str(src), "dest": str(dest), "keep_newer": True})["changed"]
        is False
    )


def test_mode_applies_to_everything(run: Run, tmp_path: Path, dest: Path) -> None:
    src = make_tar(tmp_path / "a.tgz", CONTENT)
    args = {"src": str(src), "dest": str(dest), "mode": "u=rwX,g=rX,o="}
    assert run("unarchive", args)["changed"] is True
    assert (dest / "top.txt").stat().st_mode & 0o777 == 0o640
    assert (dest / "bin" / "run").stat().st_mode & 0o777 == 0o750
    assert (dest / "conf").stat().st_mode & 0o777 == 0o750
    assert run("unarchive", args)["changed"] is False


def evil_member(name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mtime = kind, linkname, STAMP
    info.size = 4 if kind == tarfile.REGTYPE else 0
    return info


@pytest.mark.parametrize(
    ("members", "why"),
    [
        ([evil_member("../escape.txt")], "path escapes the destination"),
        ([evil_member("a/../../escape.txt")], "path escapes the destination"),
        ([evil_member("/tmp/escape-abs.txt")], "absolute path"),
        ([evil_member("ln", tarfile.LNKTYPE, "../../etc/passwd")], "path escapes the destination"),
        (
            [evil_member("link", tarfile.SYMTYPE, "../.."), evil_member("link/escape.txt")],
            "a symlink on its path leads outside the destination",
        ),
    ],
)
def test_tar_path_traversal_is_refused(
    run: Run, tmp_path: Path, dest: Path, members: list[tarfile.TarInfo], why: str
) -> None:
    src = make_tar(tmp_path / "evil.tar", {"ok.txt": b"fine"}, "w", extra=members)
    result = run("unarchive", {"src": str(src), "dest": str(dest)})
    assert result["failed"] is True
    assert why in result["msg"]
    assert result["msg"].startswith("Refusing to extract")
    assert not (tmp_path / "escape.txt").exists()
    assert not Path("/tmp/escape-abs.txt").exists()
    if "symlink" not in why:
        assert tree(dest) == {}  # refused before writing anything


def test_zip_path_traversal_is_refused(run: Run, tmp_path: Path, dest: Path) -> None:
    src = make_zip(tmp_path / "evil.zip", {"ok.txt": b"fine"}, extra={"../../zip-escape.txt": b"x"})
    result = run("unarchive", {"src": str(src), "dest": str(dest)})
    assert result["failed"] is True and "path escapes the destination" in result["msg"]
    assert tree(dest) == {}
    assert not (tmp_path / "zip-escape.txt").exists()


def test_url_src_is_downloaded(
    run: Run, server: LoopbackServer, tmp_path: Path, dest: Path
) -> None:
    make_tar(server.root / "pkg.tar.gz", CONTENT)
    result = run(
        "unarchive", {"src": f"{server.url}/pkg.tar.gz", "dest": str(dest), "remote_src": True}
    )
    assert result["changed"] is True and tree(dest) == CONTENT
    missing = run("unarchive", {"src": f"{server.url}/nope.tgz", "dest": str(dest)})
    assert (
        missing["msg"]
        == f"Failure downloading {server.url}/nope.tgz, HTTP Error 404: File not found"
    )


def test_check_mode(run: Run, tmp_path: Path, dest: Path) -> None:
    src = make_zip(tmp_path / "a.zip", CONTENT)
    args = {"src": str(src), "dest": str(dest)}
    assert run("unarchive", args, check=True)["changed"] is True
    assert tree(dest) == {}
    run("unarchive", args)
    assert run("unarchive", args, check=True)["changed"] is False
    (dest / "top.txt").unlink()
    assert run("unarchive", args, check=True)["changed"] is True
    assert not (dest / "top.txt").exists()


def test_bad_input_fails_cleanly(run: Run, tmp_path: Path, dest: Path) -> None:
    src = make_tar(tmp_path / "a.tgz", CONTENT)
    nodest = run("unarchive", {"src": str(src), "dest": str(tmp_path / "nodir")})
    assert nodest["msg"] == f"dest '{tmp_path / 'nodir'}' must be an existing dir"
    nosrc = run(
        "unarchive", {"src": str(tmp_path / "no.tgz"), "dest": str(dest), "remote_src": True}
    )
    assert nosrc["msg"] == f"Source '{tmp_path / 'no.tgz'}' does not exist"
    text = tmp_path / "notes.txt"
    text.write_text("not an archive at all\n" * 40)
    junk = run("unarchive", {"src": str(text), "dest": str(dest)})
    assert junk["msg"].startswith(f'Failed to find handler for "{text}"')
    truncated = tmp_path / "cut.tgz"
    truncated.write_bytes(src.read_bytes()[:40])
    assert run("unarchive", {"src": str(truncated), "dest": str(dest)})["failed"] is True
    opts = run(
        "unarchive", {"src": str(src), "dest": str(dest), "extra_opts": ["--strip-components=1"]}
    )
    assert opts["msg"].startswith("extra_opts is not available in longplay")


def test_hardlink_through_an_outside_symlink_is_refused(
    run: Run, tmp_path: Path, dest: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    members = [
        evil_member("door", tarfile.SYMTYPE, str(tmp_path)),
        evil_member("copy", tarfile.LNKTYPE, "door/secret.txt"),
    ]
    src = make_tar(tmp_path / "evil.tar", {}, "w", extra=members)
    result = run("unarchive", {"src": str(src), "dest": str(dest)})
    assert result["failed"] is True
    assert "its link target leads outside the destination" in result["msg"]
    assert not (dest / "copy").exists()
