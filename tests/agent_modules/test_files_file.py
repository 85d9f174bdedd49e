"""file: states, attributes, idempotence, check mode, diff, bad input."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from filetools import Run, failed_cleanly, mode_of, snapshot


def test_touch_creates_then_preserve_is_idempotent(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "f"
    first = run("file", {"path": str(path), "state": "touch", "mode": "u=rw,g=r,o="})
    assert first["changed"] is True
    assert first["dest"] == str(path)
    assert first["state"] == "file" and first["mode"] == "0640" and first["size"] == 0
    assert {"uid", "gid", "owner", "group"} <= set(first)
    again = {"modification_time": "preserve", "access_time": "preserve"}
    second = run("file", {"path": str(path), "state": "touch", "mode": "0640", **again})
    assert second["changed"] is False


def test_touch_always_changes_times_like_ansible(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.touch()
    os.utime(path, (1, 1))
    assert run("file", {"path": str(path), "state": "touch"})["changed"] is True
    assert path.stat().st_mtime > 1


def test_touch_sets_an_explicit_time(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "f"
    args = {"path": str(path), "state": "touch", "modification_time": "202001011200.00"}
    run("file", args)
    assert path.stat().st_mtime == time.mktime((2020, 1, 1, 12, 0, 0, 0, 0, -1))
    args["access_time"] = "preserve"
    assert run("file", args)["changed"] is False


def test_default_state_reports_the_file_and_changes_mode(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_text("x")
    os.chmod(path, 0o644)
    result = run("file", {"path": str(path), "mode": "0600"}, diff=True)
    assert result["changed"] is True and result["state"] == "file"
    assert result["diff"]["before"]["mode"] == "0644"
    assert result["diff"]["after"]["mode"] == "0600"
    assert mode_of(path) == 0o600
    assert run("file", {"path": str(path), "mode": "0600"})["changed"] is False


def test_directory_under_a_file_fails_as_mkdir_does(run: Run, tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    path = tmp_path / "plain" / "sub" / "deeper"
    result = run("file", {"path": str(path), "state": "directory"})
    first = tmp_path / "plain" / "sub"
    assert result["failed"] is True and result["path"] == str(path)
    assert result["msg"] == (
        f"There was an issue creating {first} as requested: "
        f"[Errno 20] Not a directory: {os.fsencode(first)!r}"
    )


def test_directory_with_parents_gets_mode_on_each_new_level(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "c"
    result = run("file", {"path": str(path), "state": "directory", "mode": "0700"}, diff=True)
    assert result["changed"] is True and result["state"] == "directory"
    # as ansible-core: the mode set on the new directories is in the diff too
    before_mode = result["diff"]["before"].pop("mode")
    assert before_mode != "0700"
    assert result["diff"] == {
        "before": {"path": str(path), "state": "absent"},
        "after": {"path": str(path), "state": "directory", "mode": "0700"},
    }
    assert mode_of(tmp_path / "a") == 0o700 and mode_of(path) == 0o700
    assert (
        run("file", {"path": str(path), "state": "directory", "mode": "0700"})["changed"] is False
    )


def test_recurse_applies_symbolic_mode_per_entry(run: Run, tmp_path: Path) -> None:
    top = tmp_path / "top"
    (top / "sub").mkdir(parents=True)
    (top / "sub" / "f").write_text("x")
    os.chmod(top / "sub", 0o700)
    os.chmod(top / "sub" / "f", 0o600)
    args = {"path": str(top), "state": "directory", "mode": "go=rX", "recurse": True}
    assert run("file", args)["changed"] is True
    assert mode_of(top / "sub") == 0o755
    assert mode_of(top / "sub" / "f") == 0o644
    assert run("file", args)["changed"] is False


def test_absent_removes_a_tree_and_reports_its_content_in_diff(run: Run, tmp_path: Path) -> None:
    top = tmp_path / "top"
    (top / "d").mkdir(parents=True)
    (top / "d" / "f").write_text("x")
    result = run("file", {"path": str(top), "state": "absent"}, diff=True)
    assert result == {
        "path": str(top),
        "state": "absent",
        "changed": True,
        "diff": {
            "before": {
                "path": str(top),
                "state": "directory",
                "path_content": {"directories": [str(top / "d")], "files": [str(top / "d" / "f")]},
            },
            "after": {"path": str(top), "state": "absent"},
        },
    }
    assert not top.exists()
    assert run("file", {"path": str(top), "state": "absent"})["changed"] is False


def test_symlink_created_then_stable_and_default_state_keeps_it(run: Run, tmp_path: Path) -> None:
    (tmp_path / "target").write_text("x")
    link = tmp_path / "link"
    result = run("file", {"path": str(link), "src": "target", "state": "link"})
    assert result["changed"] is True and result["state"] == "link" and result["src"] == "target"
    assert os.readlink(link) == "target"
    assert run("file", {"path": str(link), "src": "target", "state": "link"})["changed"] is False
    assert run("file", {"path": str(link)})["state"] == "link"


def test_symlink_is_repointed(run: Run, tmp_path: Path) -> None:
    (tmp_path / "one").write_text("1")
    (tmp_path / "two").write_text("2")
    link = tmp_path / "link"
    link.symlink_to("one")
    assert run("file", {"path": str(link), "src": "two", "state": "link"})["changed"] is True
    assert os.readlink(link) == "two"


def test_symlink_refuses_to_replace_a_file_without_force(run: Run, tmp_path: Path) -> None:
    (tmp_path / "target").write_text("x")
    path = tmp_path / "plain"
    path.write_text("keep")
    refused = run("file", {"path": str(path), "src": str(tmp_path / "target"), "state": "link"})
    failed_cleanly(refused, "refusing to convert from file to symlink")
    assert path.read_text() == "keep"
    forced = {"path": str(path), "src": str(tmp_path / "target"), "state": "link", "force": True}
    assert run("file", forced)["changed"] is True
    assert path.is_symlink()


def test_dangling_symlink_needs_force(run: Run, tmp_path: Path) -> None:
    link = tmp_path / "link"
    failed_cleanly(
        run("file", {"path": str(link), "src": "missing", "state": "link"}),
        "src file does not exist, use 'force=yes'",
    )
    forced = run("file", {"path": str(link), "src": "missing", "state": "link", "force": True})
    assert forced["changed"] is True and os.readlink(link) == "missing"


def test_hard_link(run: Run, tmp_path: Path) -> None:
    (tmp_path / "target").write_text("x")
    path = tmp_path / "hard"
    args = {"path": str(path), "src": str(tmp_path / "target"), "state": "hard"}
    result = run("file", args)
    assert result["changed"] is True and result["state"] == "hard"
    assert os.path.samefile(path, tmp_path / "target")
    assert run("file", args)["changed"] is False


def test_check_mode_changes_nothing(run: Run, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    os.chmod(tmp_path / "f", 0o644)
    (tmp_path / "d").mkdir()
    before = snapshot(tmp_path)
    calls = [
        {"path": str(tmp_path / "new"), "state": "touch"},
        {"path": str(tmp_path / "newdir" / "x"), "state": "directory"},
        {"path": str(tmp_path / "f"), "mode": "0600"},
        {"path": str(tmp_path / "d"), "state": "absent"},
        {"path": str(tmp_path / "l"), "src": "f", "state": "link"},
        {"path": str(tmp_path / "h"), "src": str(tmp_path / "f"), "state": "hard"},
    ]
    for args in calls:
        assert run("file", args, check=True)["changed"] is True, args
    assert snapshot(tmp_path) == before


def test_check_mode_reports_what_ansible_core_reports(run: Run, tmp_path: Path) -> None:
    """A path to be made: just the path; a file to be removed: the file as it is now."""
    (tmp_path / "f").write_text("x")
    new_dir = run("file", {"path": str(tmp_path / "d"), "state": "directory"}, check=True)
    assert new_dir == {"path": str(tmp_path / "d"), "changed": True}
    touched = run("file", {"path": str(tmp_path / "t"), "state": "touch"}, check=True)
    assert touched == {"dest": str(tmp_path / "t"), "changed": True}
    removed = run("file", {"path": str(tmp_path / "f"), "state": "absent"}, check=True)
    assert removed["changed"] is True and removed["state"] == "file" and removed["size"] == 1
    assert (tmp_path / "f").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="changing owners needs root")
def test_owner_and_group_by_number(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_text("x")
    args = {"path": str(path), "owner": "65534", "group": "65534"}
    result = run("file", args, diff=True)
    assert result["changed"] is True and result["uid"] == 65534 and result["gid"] == 65534
    assert result["diff"]["before"]["owner"] == 0 and result["diff"]["after"]["owner"] == 65534
    assert run("file", args)["changed"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"state": "file"}, "is absent, cannot continue"),
        ({"state": "touch", "mode": "u=rwz"}, "mode must be in octal or symbolic form"),
        ({"state": "touch", "owner": "no-such-user-here"}, "failed to look up user"),
        ({"state": "bogus"}, "value of state must be one of"),
        ({"state": "link"}, "src is required for creating new symlinks"),
        (
            {"state": "file", "src": "/etc/hosts"},
            "src option requires state to be 'link' or 'hard'",
        ),
        ({"state": "touch", "recurse": True}, "recurse option requires state to be 'directory'"),
        ({"state": "touch", "modification_time": "yesterday"}, "Error while obtaining timestamp"),
    ],
)
def test_bad_input_fails_cleanly(
    run: Run, tmp_path: Path, args: dict[str, object], message: str
) -> None:
    failed_cleanly(run("file", {"path": str(tmp_path / "f"), **args}), message)


def test_directory_over_a_file_fails_cleanly(run: Run, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    failed_cleanly(
        run("file", {"path": str(tmp_path / "f"), "state": "directory"}), "already exists as a file"
    )
    (tmp_path / "d").mkdir()
    failed_cleanly(
        run("file", {"path": str(tmp_path / "d"), "state": "file"}), "is directory, cannot continue"
    )


def test_missing_path_argument_fails_cleanly(run: Run) -> None:
    failed_cleanly(run("file", {"state": "touch"}), "missing required arguments: path")


def test_unknown_option_lists_options_then_aliases(run: Run, tmp_path: Path) -> None:
    result = run("file", {"path": str(tmp_path), "bogus": 1})
    assert result["failed"] is True
    assert result["msg"].startswith("Unsupported parameters for (file) module: bogus. ")
    assert result["msg"].endswith(", state, unsafe_writes (dest, name).")


def test_diff_names_state_only_when_it_changes(run: Run, tmp_path: Path) -> None:
    """As ansible-core: a new link shows the state change; a link moved elsewhere shows its
    old and new targets; a mode change shows no state."""
    (tmp_path / "f").write_text("x")
    os.chmod(tmp_path / "f", 0o644)
    new = run("file", {"path": str(tmp_path / "l"), "src": "f", "state": "link"}, diff=True)
    assert new["diff"] == {
        "before": {"path": str(tmp_path / "l"), "state": "absent"},
        "after": {"path": str(tmp_path / "l"), "state": "link"},
    }
    moved = run("file", {"path": str(tmp_path / "l"), "src": "/tmp", "state": "link"}, diff=True)
    assert moved["diff"] == {
        "before": {"path": str(tmp_path / "l"), "src": "f"},
        "after": {"path": str(tmp_path / "l"), "src": "/tmp"},
    }
    mode = run("file", {"path": str(tmp_path / "f"), "mode": "0600"}, diff=True)
    assert "state" not in mode["diff"]["before"] and "state" not in mode["diff"]["after"]
