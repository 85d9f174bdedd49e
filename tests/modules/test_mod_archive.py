"""archive and unarchive end to end: packing on the host, unpacking controller or host archives."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest
from modtools import Project, leftover_tmp, tree


def _release(project: Project) -> None:
    project.write("release/bin/app", "#!/bin/sh\necho app\n", mode=0o755)
    project.write("release/etc/app.conf", "port=80\n")


def _tarball(path: Path, files: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 1_700_000_000
            archive.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize("fmt", ["gz", "bz2", "xz", "tar", "zip"])
def test_archive_every_format_round_trips(project: Project, fmt: str) -> None:
    _release(project)
    project.path("out").mkdir()
    project.play(
        f"""
        - name: pack
          archive: {{path: $T/release, dest: $T/release.{fmt}, format: {fmt}}}
        - name: unpack
          unarchive: {{src: $T/release.{fmt}, dest: $T/out, remote_src: true}}
        """
    )
    first = project.run()
    assert first.rc == 0, first.output
    assert first.status("pack") == "changed"
    assert tree(project.path("out/release")) == tree(project.path("release"))
    second = project.run()
    assert second.recap()["changed"] == 0, second.output


def test_archive_check_mode_and_change_detection(project: Project) -> None:
    _release(project)
    project.play("- {name: pack, archive: {path: $T/release, dest: $T/r.tgz}}")
    checked = project.run("-C")
    assert checked.status("pack") == "changed"
    assert not project.path("r.tgz").exists()
    assert project.run().status("pack") == "changed"
    assert project.run().status("pack") == "ok"
    project.write("release/etc/extra.conf", "new\n")
    assert project.run().status("pack") == "changed"
    with tarfile.open(project.path("r.tgz")) as archive:
        assert "release/etc/extra.conf" in archive.getnames()


def test_unarchive_controller_archive_from_files(project: Project) -> None:
    _tarball(project.path("files/bundle.tgz"), {"bundle/a.txt": "A\n", "bundle/sub/b.txt": "B\n"})
    project.path("dest").mkdir()
    project.play(
        """
        - name: unpack
          unarchive: {src: bundle.tgz, dest: $T/dest, list_files: true}
          register: r
        """
    )
    checked = project.run("-C")
    assert checked.status("unpack") == "changed"
    assert "extract_results" not in checked.result("unpack")
    assert list(project.path("dest").iterdir()) == []
    first = project.run()
    assert first.rc == 0, first.output
    result = first.result("unpack")
    assert result["src"] == f"{project.root}/files/bundle.tgz"
    assert "bundle/a.txt" in result["files"]
    # as ansible-core after an extraction (longplay runs no tar: no command)
    assert result["extract_results"] == {"cmd": [], "rc": 0, "out": "", "err": ""}
    assert project.path("dest/bundle/sub/b.txt").read_text() == "B\n"
    again = project.run()
    assert again.status("unpack") == "ok"
    assert "extract_results" not in again.result("unpack")
    project.path("dest/bundle/a.txt").write_text("changed locally\n")
    assert project.run().status("unpack") == "changed"
    assert project.path("dest/bundle/a.txt").read_text() == "A\n"
    assert leftover_tmp() == []


def test_unarchive_creates_skips_without_sending(project: Project) -> None:
    _tarball(project.path("files/b.tgz"), {"x.txt": "x\n"})
    project.path("dest").mkdir()
    project.write("dest/marker", "")
    project.play(
        "- {name: unpack, unarchive: {src: b.tgz, dest: $T/dest, creates: $T/dest/marker}}"
    )
    run = project.run()
    assert run.status("unpack") == "skipped"
    assert not project.path("dest/x.txt").exists()


def test_zip_from_controller(project: Project) -> None:
    project.path("files").mkdir()
    with zipfile.ZipFile(project.path("files/site.zip"), "w") as archive:
        archive.writestr("site/index.html", "<p>hi</p>\n")
    project.path("www").mkdir()
    project.play("- {name: unzip, unarchive: {src: site.zip, dest: $T/www}}")
    assert project.run().status("unzip") == "changed"
    assert project.path("www/site/index.html").read_text() == "<p>hi</p>\n"
    assert project.run().status("unzip") == "ok"


def test_archive_and_unarchive_bad_input(project: Project) -> None:
    project.write("files/not-an-archive.tgz", "plain text\n")
    _tarball(project.path("files/evil.tgz"), {"../escape.txt": "x\n"})
    project.path("dest").mkdir()
    project.play(
        """
        - name: missing controller archive
          unarchive: {src: nowhere.tgz, dest: $T/dest}
          ignore_errors: true
        - name: not an archive
          unarchive: {src: not-an-archive.tgz, dest: $T/dest}
          ignore_errors: true
        - name: escaping member
          unarchive: {src: evil.tgz, dest: $T/dest}
          ignore_errors: true
        - name: missing dest
          unarchive: {src: evil.tgz, dest: $T/nowhere}
          ignore_errors: true
        - name: archive of nothing
          archive: {path: $T/missing, dest: $T/x.tgz}
        - name: bad format
          archive: {path: $T/dest, dest: $T/x.rar, format: rar}
          ignore_errors: true
        """
    )
    run = project.run()
    assert f"{project.root}/files/nowhere.tgz" in run.result("missing controller archive")["msg"]
    assert "Failed to find handler" in run.result("not an archive")["msg"]
    assert "Refusing to extract '../escape.txt'" in run.result("escaping member")["msg"]
    assert "must be an existing dir" in run.result("missing dest")["msg"]
    nothing = run.result("archive of nothing")  # community.general.archive reports, not fails
    assert (nothing["changed"], nothing["missing"]) == (False, [f"{project.root}/missing"])
    assert "value of format must be one of" in run.result("bad format")["msg"]
    assert not project.path("escape.txt").exists()
    assert list(project.path("dest").iterdir()) == []


def test_archive_under_its_collection_name(project: Project) -> None:
    _release(project)
    project.play("- {name: pack, community.general.archive: {path: $T/release, dest: $T/r.tgz}}")
    run = project.run()
    assert run.rc == 0, run.output
    assert project.path("r.tgz").exists()
