"""archive on real trees, checked by reading the archives back."""

from __future__ import annotations

import gzip
import os
import tarfile
import zipfile
from pathlib import Path

import pytest
from nettools import Run

FORMATS = ["tar", "gz", "bz2", "xz", "zip"]


def make_tree(root: Path) -> Path:
    """app/{conf.ini, bin/run.sh, logs/a.log, logs/b.log} with fixed mtimes."""
    app = root / "app"
    (app / "bin").mkdir(parents=True)
    (app / "logs").mkdir()
    (app / "conf.ini").write_text("[main]\nx=1\n")
    (app / "bin" / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (app / "bin" / "run.sh").chmod(0o755)
    (app / "logs" / "a.log").write_text("a\n")
    (app / "logs" / "b.log").write_text("b\n")
    for path in [app, *app.rglob("*")]:
        os.utime(path, (1_700_000_000, 1_700_000_000))
    return app


def names(archive: Path, fmt: str) -> list[str]:
    if fmt == "zip":
        with zipfile.ZipFile(archive) as zf:
            return sorted(n.rstrip("/") for n in zf.namelist())
    with tarfile.open(archive) as tf:
        return sorted(tf.getnames())


@pytest.mark.parametrize("fmt", FORMATS)
def test_archive_each_format_is_idempotent(run: Run, tmp_path: Path, fmt: str) -> None:
    app = make_tree(tmp_path)
    dest = tmp_path / f"app.{fmt}"
    first = run("archive", {"path": str(app), "dest": str(dest), "format": fmt})
    assert first["changed"] is True
    assert first["state"] == "archive"
    assert first["arcroot"] == f"{tmp_path}/"
    assert first["missing"] == []
    assert first["expanded_paths"] == [str(app)]
    assert str(app / "conf.ini") in first["archived"]
    assert names(dest, fmt) == [
        "app",
        "app/bin",
        "app/bin/run.sh",
        "app/conf.ini",
        "app/logs",
        "app/logs/a.log",
        "app/logs/b.log",
    ]
    before = dest.stat().st_mtime_ns
    second = run("archive", {"path": str(app), "dest": str(dest), "format": fmt})
    assert second["changed"] is False
    assert dest.stat().st_mtime_ns == before  # not rewritten
    (app / "conf.ini").write_text("[main]\nx=2222\n")
    assert run("archive", {"path": str(app), "dest": str(dest), "format": fmt})["changed"]


def test_exclusions(run: Run, tmp_path: Path) -> None:
    app = make_tree(tmp_path)
    dest = tmp_path / "app.tgz"
    result = run(
        "archive",
        {
            "path": str(app),
            "dest": str(dest),
            "exclude_path": [str(app / "bin")],
            "exclusion_patterns": ["*.log"],
        },
    )
    assert names(dest, "gz") == ["app", "app/conf.ini", "app/logs"]
    assert result["expanded_exclude_paths"] == [str(app / "bin")]


def test_globs_and_multiple_paths(run: Run, tmp_path: Path) -> None:
    app = make_tree(tmp_path)
    dest = tmp_path / "logs.zip"
    result = run(
        "archive",
        {
            "path": [str(app / "logs" / "*.log"), str(app / "conf.ini")],
            "dest": str(dest),
            "format": "zip",
        },
    )
    assert result["arcroot"] == f"{app}/"
    assert names(dest, "zip") == ["conf.ini", "logs/a.log", "logs/b.log"]


def test_single_file_is_compressed(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "dump.sql"
    source.write_text("select 1;\n" * 50)
    result = run("archive", {"path": str(source)})
    assert result["state"] == "compress"
    assert result["dest"] == f"{source}.gz"
    assert gzip.decompress(Path(result["dest"]).read_bytes()) == source.read_bytes()
    assert run("archive", {"path": str(source)})["changed"] is False
    forced = run(
        "archive",
        {
            "path": str(source),
            "dest": str(tmp_path / "d.tar.xz"),
            "format": "xz",
            "force_archive": True,
        },
    )
    assert forced["state"] == "archive"
    assert names(tmp_path / "d.tar.xz", "xz") == ["dump.sql"]


def test_remove_deletes_sources_but_not_excluded_files(run: Run, tmp_path: Path) -> None:
    app = make_tree(tmp_path)
    dest = tmp_path / "app.tar.bz2"
    args = {
        "path": str(app),
        "dest": str(dest),
        "format": "bz2",
        "remove": True,
        "exclusion_patterns": ["b.log"],
    }
    assert run("archive", args)["changed"] is True
    assert sorted(p.relative_to(app).as_posix() for p in app.rglob("*")) == ["logs", "logs/b.log"]
    assert "app/conf.ini" in names(dest, "bz2")


def test_missing_paths(run: Run, tmp_path: Path) -> None:
    app = make_tree(tmp_path)
    dest = tmp_path / "x.tar"
    partial = run(
        "archive", {"path": [str(app), str(tmp_path / "ghost")], "dest": str(dest), "format": "tar"}
    )
    assert partial["state"] == "incomplete"
    assert partial["missing"] == [str(tmp_path / "ghost")]
    nothing = run("archive", {"path": str(tmp_path / "nope*"), "dest": str(dest)})
    assert nothing["failed"] is True
    assert nothing["msg"] == "Error, no source paths were found"
    absent = run("archive", {"path": str(tmp_path / "ghost"), "dest": str(tmp_path / "g.gz")})
    assert absent["state"] == "absent" and absent["changed"] is False


def test_check_mode(run: Run, tmp_path: Path) -> None:
    app = make_tree(tmp_path)
    dest = tmp_path / "app.zip"
    args = {"path": str(app), "dest": str(dest), "format": "zip", "remove": False}
    assert run("archive", args, check=True)["changed"] is True
    assert not dest.exists()
    run("archive", args)
    assert run("archive", args, check=True)["changed"] is False
    assert run("archive", dict(args, remove=True), check=True)["changed"] is True
    assert (app / "conf.ini").exists()


def test_bad_input_fails_cleanly(run: Run, tmp_path: Path) -> None:
    app = make_tree(tmp_path)
    nodest = run("archive", {"path": [str(app / "conf.ini"), str(app / "bin")]})
    assert nodest["msg"] == 'Error, must specify "dest" when archiving multiple files or trees'
    badfmt = run("archive", {"path": str(app), "dest": str(tmp_path / "a.rar"), "format": "rar"})
    assert badfmt["msg"].startswith("value of format must be one of:")
    nodir = run("archive", {"path": str(app), "dest": str(tmp_path / "no" / "a.tgz")})
    assert nodir["msg"] == f"Destination directory {tmp_path / 'no'} does not exist"
