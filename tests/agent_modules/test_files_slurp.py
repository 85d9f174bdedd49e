"""slurp: base64 content of any file; clear failures otherwise."""

from __future__ import annotations

import base64
from pathlib import Path

from filetools import Run, failed_cleanly


def test_binary_round_trip(run: Run, tmp_path: Path) -> None:
    data = bytes(range(256)) * 3
    path = tmp_path / "blob"
    path.write_bytes(data)
    result = run("slurp", {"src": str(path)})
    assert result["changed"] is False
    assert result["encoding"] == "base64" and result["source"] == str(path)
    assert base64.b64decode(result["content"]) == data


def test_path_alias_and_check_mode(run: Run, tmp_path: Path) -> None:
    (tmp_path / "t").write_text("hi\n")
    result = run("slurp", {"path": str(tmp_path / "t")}, check=True)
    assert base64.b64decode(result["content"]) == b"hi\n"


def test_missing_file_and_directory_fail_cleanly(run: Run, tmp_path: Path) -> None:
    failed_cleanly(run("slurp", {"src": str(tmp_path / "nope")}), "File not found:")
    failed_cleanly(run("slurp", {"src": str(tmp_path)}), "Source is a directory and must be a file")
    failed_cleanly(run("slurp", {}), "missing required arguments: src")
