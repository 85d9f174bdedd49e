"""stat: keys and types for files, directories, links, missing paths."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from filetools import Run, failed_cleanly

TYPE_FLAGS = ("isdir", "isreg", "islnk", "isfifo", "issock", "isblk", "ischr")


def test_regular_file(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text("hello\n")
    os.chmod(path, 0o640)
    result = run("stat", {"path": str(path)})
    assert result["changed"] is False
    info = result["stat"]
    assert info["exists"] is True and info["path"] == str(path)
    assert info["mode"] == "0640" and info["size"] == 6
    assert info["isreg"] is True and not any(info[k] for k in TYPE_FLAGS if k != "isreg")
    assert info["rusr"] and info["wusr"] and not info["xusr"] and info["rgrp"] and not info["roth"]
    assert info["checksum"] == hashlib.sha1(b"hello\n").hexdigest()
    assert info["mimetype"] == "text/plain" and info["charset"] == "us-ascii"
    assert info["readable"] is True and info["executable"] is False
    for key in ("uid", "gid", "inode", "dev", "nlink", "blocks"):
        assert isinstance(info[key], int), key
    for key in ("mtime", "atime", "ctime"):
        assert isinstance(info[key], float), key
    assert isinstance(info["pw_name"], str) and isinstance(info["gr_name"], str)


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256", "sha512"])
def test_checksum_algorithms(run: Run, tmp_path: Path, algorithm: str) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"\x00\x01data")
    info = run("stat", {"path": str(path), "checksum_algorithm": algorithm})["stat"]
    assert info["checksum"] == hashlib.new(algorithm, b"\x00\x01data").hexdigest()
    assert info["mimetype"] == "application/octet-stream"


def test_no_checksum_no_mime_when_asked(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_text("x")
    info = run("stat", {"path": str(path), "get_checksum": False, "get_mime": False})["stat"]
    assert "checksum" not in info and "mimetype" not in info


def test_directory(run: Run, tmp_path: Path) -> None:
    info = run("stat", {"path": str(tmp_path)})["stat"]
    assert info["isdir"] is True and info["isreg"] is False
    assert info["mimetype"] == "inode/directory" and "checksum" not in info


def test_symlink_with_and_without_follow(run: Run, tmp_path: Path) -> None:
    (tmp_path / "target").write_text("abc")
    link = tmp_path / "link"
    link.symlink_to("target")
    info = run("stat", {"path": str(link)})["stat"]
    assert info["islnk"] is True and info["isreg"] is False
    assert info["lnk_target"] == "target"
    assert info["lnk_source"] == str(tmp_path / "target")
    followed = run("stat", {"path": str(link), "follow": True})["stat"]
    assert followed["islnk"] is False and followed["isreg"] is True and followed["size"] == 3


def test_fifo(run: Run, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    info = run("stat", {"path": str(tmp_path / "pipe")})["stat"]
    assert info["isfifo"] is True and info["mimetype"] == "inode/fifo"


def test_missing_path(run: Run, tmp_path: Path) -> None:
    assert run("stat", {"path": str(tmp_path / "nope")}) == {
        "changed": False,
        "stat": {"exists": False},
    }
    assert run("stat", {"path": str(tmp_path / "nope" / "deeper")})["stat"] == {"exists": False}


def test_check_mode_is_the_same(run: Run, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    assert run("stat", {"path": str(tmp_path / "f")}, check=True)["stat"]["exists"] is True


def test_bad_algorithm_fails_cleanly(run: Run, tmp_path: Path) -> None:
    result = run("stat", {"path": str(tmp_path), "checksum_algorithm": "crc"})
    failed_cleanly(result, "value of checksum_algorithm must be one of", "got: crc")


def test_mode_attributes_and_version_as_ansible_core(run: Run, tmp_path: Path) -> None:
    """stat spells mode with four digits ("1777"), always has version/attributes/attr_flags
    (empty where lsattr -vd cannot tell), and an empty regular file is inode/x-empty."""
    sticky = tmp_path / "sticky"
    sticky.mkdir()
    os.chmod(sticky, 0o1777)
    assert run("stat", {"path": str(sticky)})["stat"]["mode"] == "1777"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    described = run("stat", {"path": str(fifo)})["stat"]
    assert (described["version"], described["attributes"], described["attr_flags"]) == (
        None,
        [],
        "",
    )
    empty = run("stat", {"path": "/proc/self/status"})["stat"]
    assert (empty["mimetype"], empty["charset"]) == ("inode/x-empty", "binary")
