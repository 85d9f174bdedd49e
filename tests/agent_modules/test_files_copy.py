"""copy (target side): content, staged uploads, remote files and trees."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import pytest
from filetools import Run, failed_cleanly, mode_of, snapshot


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def test_content_creates_then_is_idempotent(run: Run, tmp_path: Path) -> None:
    dest = tmp_path / "conf"
    first = run("copy", {"dest": str(dest), "content": "hello\n", "mode": "0640"}, diff=True)
    assert first["changed"] is True
    assert first["checksum"] == sha1(b"hello\n")
    assert first["md5sum"] == hashlib.md5(b"hello\n").hexdigest()
    assert first["dest"] == str(dest) and first["state"] == "file" and first["size"] == 6
    assert first["mode"] == "0640" and {"uid", "gid", "owner", "group"} <= set(first)
    assert first["diff"] == [{"before": "", "after": "hello\n", "after_header": str(dest)}]
    assert dest.read_text() == "hello\n" and mode_of(dest) == 0o640
    second = run("copy", {"dest": str(dest), "content": "hello\n", "mode": "0640"}, diff=True)
    assert second["changed"] is False and "diff" not in second


def test_change_with_backup_and_diff(run: Run, tmp_path: Path) -> None:
    dest = tmp_path / "conf"
    dest.write_text("old\n")
    result = run("copy", {"dest": str(dest), "content": "new\n", "backup": True}, diff=True)
    assert result["changed"] is True
    backup = Path(result["backup_file"])
    assert backup.read_text() == "old\n" and backup.name.startswith("conf.")
    assert result["diff"] == [
        {"before": "old\n", "after": "new\n", "before_header": str(dest), "after_header": str(dest)}
    ]


def test_mode_only_change_is_reported(run: Run, tmp_path: Path) -> None:
    dest = tmp_path / "conf"
    dest.write_text("same")
    os.chmod(dest, 0o644)
    result = run("copy", {"dest": str(dest), "content": "same", "mode": "u=rw,go="})
    assert result["changed"] is True and mode_of(dest) == 0o600


def test_check_mode_changes_nothing(run: Run, tmp_path: Path) -> None:
    (tmp_path / "conf").write_text("old\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "f").write_text("f")
    before = snapshot(tmp_path)
    calls = [
        {"dest": str(tmp_path / "conf"), "content": "new\n", "backup": True},
        {"dest": str(tmp_path / "fresh"), "content": "x"},
        {"dest": str(tmp_path / "tree"), "src": str(tmp_path / "src"), "remote_src": True},
    ]
    for args in calls:
        result = run("copy", args, check=True, diff=True)
        assert result["changed"] is True, args
    assert snapshot(tmp_path) == before


def test_check_mode_into_a_directory_not_made_yet(run: Run, tmp_path: Path) -> None:
    """An earlier checked task would have made the directory: the file would be written."""
    dest = tmp_path / "later" / "conf"
    result = run("copy", {"dest": str(dest), "content": "new\n"}, check=True, diff=True)
    assert result["changed"] is True
    assert result["diff"] == [{"before": "", "after": "new\n", "after_header": str(dest)}]
    assert not (tmp_path / "later").exists()
    failed = run("copy", {"dest": str(dest), "content": "new\n"})
    assert failed["failed"] is True and "does not exist" in failed["msg"]


def test_binary_content_via_base64(run: Run, tmp_path: Path) -> None:
    data = bytes(range(256))
    dest = tmp_path / "blob"
    args = {"dest": str(dest), "_content_b64": base64.b64encode(data).decode()}
    result = run("copy", args, diff=True)
    assert result["changed"] is True and dest.read_bytes() == data
    assert result["diff"][0]["src_binary"] == 1
    assert run("copy", args)["changed"] is False


def test_staged_upload_is_moved_into_place(run: Run, tmp_path: Path) -> None:
    staged = tmp_path / ".upload"
    staged.write_bytes(b"payload")
    dest = tmp_path / "dest"
    result = run("copy", {"dest": str(dest), "_src_path": str(staged)})
    assert result["changed"] is True and dest.read_bytes() == b"payload"
    assert not staged.exists()
    staged.write_bytes(b"payload")
    assert run("copy", {"dest": str(dest), "_src_path": str(staged)})["changed"] is False
    assert not staged.exists(), "an unneeded upload is cleaned up too"


def test_staged_upload_into_a_directory_uses_the_original_name(run: Run, tmp_path: Path) -> None:
    staged = tmp_path / ".upload"
    staged.write_bytes(b"x")
    (tmp_path / "dir").mkdir()
    args = {
        "dest": str(tmp_path / "dir"),
        "_src_path": str(staged),
        "_original_basename": "app.conf",
    }
    assert run("copy", args)["dest"] == str(tmp_path / "dir" / "app.conf")
    assert (tmp_path / "dir" / "app.conf").read_bytes() == b"x"


def test_controller_src_names_the_file_in_a_directory(run: Run, tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    args = {"dest": str(tmp_path / "dir"), "src": "files/app.conf", "_content_b64": "eA=="}
    result = run("copy", args)
    assert (
        result["dest"] == str(tmp_path / "dir" / "app.conf") and result["src"] == "files/app.conf"
    )
    assert (tmp_path / "dir" / "app.conf").read_bytes() == b"x"


def test_validate_runs_on_the_candidate(run: Run, tmp_path: Path) -> None:
    dest = tmp_path / "conf"
    dest.write_text("good\n")
    refused = run("copy", {"dest": str(dest), "content": "bad\n", "validate": "grep -q good %s"})
    failed_cleanly(refused, "failed to validate")
    assert refused["exit_status"] == 1
    assert dest.read_text() == "good\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conf"], "no temporary left behind"
    accepted = run(
        "copy", {"dest": str(dest), "content": "good too\n", "validate": "grep -q good %s"}
    )
    assert accepted["changed"] is True


def test_remote_src_file(run: Run, tmp_path: Path) -> None:
    (tmp_path / "a").write_text("A")
    args = {"dest": str(tmp_path / "b"), "src": str(tmp_path / "a"), "remote_src": True}
    result = run("copy", args)
    assert result["changed"] is True and result["src"] == str(tmp_path / "a")
    assert (tmp_path / "b").read_text() == "A" and (tmp_path / "a").exists()
    assert run("copy", args)["changed"] is False


def test_remote_src_directory_with_and_without_trailing_slash(run: Run, tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "top").write_text("1")
    (src / "sub" / "inner").write_text("2")
    (src / "link").symlink_to("top")
    itself = {"dest": str(tmp_path / "one"), "src": str(src), "remote_src": True}
    result = run("copy", itself)
    assert result["changed"] is True and result["state"] == "directory"
    assert (tmp_path / "one" / "src" / "sub" / "inner").read_text() == "2"
    assert os.readlink(tmp_path / "one" / "src" / "link") == "top"
    assert run("copy", itself)["changed"] is False
    contents = {"dest": str(tmp_path / "two"), "src": str(src) + "/", "remote_src": True}
    assert run("copy", contents)["changed"] is True
    assert (tmp_path / "two" / "top").read_text() == "1"
    (src / "top").write_text("changed")
    assert run("copy", contents)["changed"] is True
    assert (tmp_path / "two" / "top").read_text() == "changed"


def test_mode_preserve_takes_the_remote_source_mode(run: Run, tmp_path: Path) -> None:
    (tmp_path / "a").write_text("A")
    os.chmod(tmp_path / "a", 0o751)
    args = {"dest": str(tmp_path / "b"), "src": str(tmp_path / "a"), "remote_src": True}
    assert run("copy", {**args, "mode": "preserve"})["mode"] == "0751"
    failed_cleanly(
        run("copy", {"dest": str(tmp_path / "c"), "content": "x", "mode": "preserve"}), "preserve"
    )


def test_force_false_keeps_an_existing_file(run: Run, tmp_path: Path) -> None:
    dest = tmp_path / "conf"
    dest.write_text("mine")
    assert run("copy", {"dest": str(dest), "content": "theirs", "force": False})["changed"] is False
    assert dest.read_text() == "mine"


def test_dict_content_is_written_as_json(run: Run, tmp_path: Path) -> None:
    run("copy", {"dest": str(tmp_path / "j"), "content": {"a": [1, 2]}})
    assert (tmp_path / "j").read_text() == '{"a": [1, 2]}'


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"content": "x", "checksum": "0" * 40}, "does not match the expected checksum"),
        ({"content": "x", "validate": "true"}, "validate must contain %s"),
        ({"content": "x", "mode": "a=rwq"}, "mode must be in octal or symbolic form"),
        ({"content": "x", "owner": "no-such-user-here"}, "failed to look up user"),
        ({"_content_b64": "not base64!"}, "_content_b64 is not valid base64"),
        ({}, "src (or content) is required"),
        ({"src": "/etc/hostname"}, "is on the controller"),
        ({"src": "/nonexistent/x", "remote_src": True}, "Source /nonexistent/x not found"),
        ({"content": "x", "_src_path": "/tmp/x"}, "mutually exclusive"),
        ({"content": "x", "src": "/etc/hostname"}, "mutually exclusive: content|src"),
    ],
)
def test_bad_input_fails_cleanly(
    run: Run, tmp_path: Path, args: dict[str, object], message: str
) -> None:
    failed_cleanly(run("copy", {"dest": str(tmp_path / "out"), **args}), message)
    assert not (tmp_path / "out").exists()


def test_destination_problems_fail_cleanly(run: Run, tmp_path: Path) -> None:
    failed_cleanly(
        run("copy", {"dest": str(tmp_path / "no" / "dir" / "f"), "content": "x"}),
        "Destination directory",
        "does not exist",
    )
    failed_cleanly(
        run("copy", {"dest": str(tmp_path), "content": "x"}), "can not use content with a dir"
    )
