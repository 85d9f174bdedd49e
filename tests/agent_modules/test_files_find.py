"""find: every filter against a small real tree."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from filetools import Run, failed_cleanly


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """a.txt (2 lines), b.txt, big.log (2 KiB), .hidden.txt, d/c.txt, d/e/deep.txt, link -> d."""
    root = tmp_path / "tree"
    (root / "d" / "e").mkdir(parents=True)
    (root / "a.txt").write_text("hello world\nfoo bar\n")
    (root / "b.txt").write_text("xx\n")
    (root / "big.log").write_bytes(b"z" * 2048)
    (root / ".hidden.txt").write_text("secret\n")
    (root / "d" / "c.txt").write_text("deep\n")
    (root / "d" / "e" / "deep.txt").write_text("deeper\n")
    (root / "link").symlink_to("d")
    return root


def names(result: dict[str, object], root: Path) -> list[str]:
    files = result["files"]
    assert isinstance(files, list)
    return sorted(os.path.relpath(f["path"], root) for f in files)


def test_defaults_list_visible_files_at_top_level(run: Run, tree: Path) -> None:
    result = run("find", {"paths": str(tree)})
    assert names(result, tree) == ["a.txt", "b.txt", "big.log"]
    assert result["matched"] == 3
    assert result["examined"] == 6
    assert result["msg"] == "All paths examined" and result["skipped_paths"] == {}
    entry = result["files"][0]
    assert {"path", "size", "mtime", "mode", "isdir", "isreg", "islnk", "uid", "pw_name"} <= set(
        entry
    )
    assert entry["isreg"] is True and isinstance(entry["size"], int)


def test_files_come_before_directories_in_listing_order(run: Run, tree: Path) -> None:
    result = run("find", {"paths": str(tree), "file_type": "any", "hidden": True})
    found = [os.path.basename(f["path"]) for f in result["files"]]
    listed = next(os.walk(tree))
    assert found == listed[2] + listed[1]  # as Ansible walks: files, then directories


def test_glob_patterns_excludes_and_recursion(run: Run, tree: Path) -> None:
    result = run(
        "find", {"paths": [str(tree)], "patterns": "*.txt", "excludes": "a*", "recurse": True}
    )
    assert names(result, tree) == ["b.txt", "d/c.txt", "d/e/deep.txt"]


def test_patterns_are_case_sensitive_lists(run: Run, tree: Path) -> None:
    result = run("find", {"paths": str(tree), "patterns": ["*.TXT", "b*.txt"]})
    assert names(result, tree) == ["b.txt"]


def test_regex_patterns_are_anchored_at_the_start(run: Run, tree: Path) -> None:
    assert names(run("find", {"paths": str(tree), "patterns": "a", "use_regex": True}), tree) == [
        "a.txt"
    ]
    assert names(run("find", {"paths": str(tree), "patterns": "t", "use_regex": True}), tree) == []
    result = run("find", {"paths": str(tree), "patterns": r".*\.txt$", "use_regex": True})
    assert names(result, tree) == ["a.txt", "b.txt"]


def test_depth_limits_recursion(run: Run, tree: Path) -> None:
    args = {"paths": str(tree), "recurse": True, "depth": 2, "file_type": "any"}
    assert names(run("find", args), tree) == [
        "a.txt",
        "b.txt",
        "big.log",
        "d",
        "d/c.txt",
        "d/e",
        "link",
    ]


def test_file_types_and_follow(run: Run, tree: Path) -> None:
    assert names(run("find", {"paths": str(tree), "file_type": "directory"}), tree) == ["d"]
    assert names(run("find", {"paths": str(tree), "file_type": "link"}), tree) == ["link"]
    followed = run(
        "find", {"paths": str(tree), "recurse": True, "follow": True, "patterns": "c.txt"}
    )
    assert names(followed, tree) == ["d/c.txt", "link/c.txt"]


def test_hidden(run: Run, tree: Path) -> None:
    assert ".hidden.txt" in names(run("find", {"paths": str(tree), "hidden": True}), tree)


def test_size_at_least_and_at_most(run: Run, tree: Path) -> None:
    assert names(run("find", {"paths": str(tree), "size": "1k"}), tree) == ["big.log"]
    assert names(run("find", {"paths": str(tree), "size": "-1k"}), tree) == ["a.txt", "b.txt"]


def test_age_older_and_newer(run: Run, tree: Path) -> None:
    old = time.time() - 3 * 86400
    os.utime(tree / "a.txt", (old, old))
    assert names(run("find", {"paths": str(tree), "age": "2d"}), tree) == ["a.txt"]
    assert names(run("find", {"paths": str(tree), "age": "-1h"}), tree) == ["b.txt", "big.log"]
    assert names(run("find", {"paths": str(tree), "age": "1w"}), tree) == []


def test_contains_matches_at_line_start(run: Run, tree: Path) -> None:
    assert names(run("find", {"paths": str(tree), "contains": "foo"}), tree) == ["a.txt"]
    assert names(run("find", {"paths": str(tree), "contains": "world"}), tree) == []
    whole = {"paths": str(tree), "contains": "world", "read_whole_file": True}
    assert names(run("find", whole), tree) == ["a.txt"]


def test_checksum_and_limit(run: Run, tree: Path) -> None:
    result = run("find", {"paths": str(tree), "get_checksum": True, "limit": 1})
    assert result["matched"] == 1 and len(result["files"][0]["checksum"]) == 40


def test_missing_path_is_skipped_not_fatal(run: Run, tree: Path) -> None:
    result = run("find", {"paths": [str(tree / "nope"), str(tree)], "patterns": "b.txt"})
    assert names(result, tree) == ["b.txt"]
    assert result["skipped_paths"] == {str(tree / "nope"): f"'{tree / 'nope'}' is not a directory"}
    assert result["msg"] == "Not all paths examined, check warnings for details"


def test_check_mode_is_the_same(run: Run, tree: Path) -> None:
    assert run("find", {"paths": str(tree)}, check=True)["matched"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"age": "3 days"}, "failed to process age"),
        ({"size": "big"}, "failed to process size"),
        ({"patterns": "(", "use_regex": True}, "invalid regular expression in patterns"),
        ({"contains": "["}, "invalid regular expression in contains"),
        ({"file_type": "socket"}, "value of file_type must be one of"),
    ],
)
def test_bad_input_fails_cleanly(
    run: Run, tree: Path, args: dict[str, object], message: str
) -> None:
    failed_cleanly(run("find", {"paths": str(tree), **args}), message)
