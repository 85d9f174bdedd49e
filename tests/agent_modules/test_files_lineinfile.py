"""lineinfile: the reference's behaviours, idempotence (also generated), check and diff mode."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from filetools import Run, call, failed_cleanly, mode_of
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st


def edit(run: Run, path: Path, text: str, **args: object) -> tuple[dict[str, Any], str]:
    path.write_bytes(text.encode())
    result = run("lineinfile", {"path": str(path), **args})
    return result, path.read_bytes().decode()


# Each case: starting text, arguments, expected message, expected text. The
# expectations are what ansible-core 2.19 does with the same input.
CASES = [
    ("a=1\nb=2\n", {"line": "c=3"}, "line added", "a=1\nb=2\nc=3\n"),
    ("a\nb", {"line": "X"}, "line added", "a\nb\nX\n"),
    ("a\nX\nb\n", {"line": "X", "insertafter": "^b"}, "", "a\nX\nb\n"),
    ("k=1\nk=2\n", {"regexp": "^k=", "line": "k=3"}, "line replaced", "k=1\nk=3\n"),
    (
        "k=1\nk=2\n",
        {"regexp": "^k=", "line": "k=3", "firstmatch": True},
        "line replaced",
        "k=3\nk=2\n",
    ),
    (
        "x\nk=2\n",
        {"regexp": "^k=(.*)", "line": r"v=\1", "backrefs": True},
        "line replaced",
        "x\nv=2\n",
    ),
    ("k=1\n", {"regexp": "^zz=(.*)", "line": r"v=\1", "backrefs": True}, "", "k=1\n"),
    ("k=1\n", {"regexp": "^zz=", "line": "k=1"}, "", "k=1\n"),
    ("a\nb\na\n", {"line": "X", "insertafter": "^a"}, "line added", "a\nb\na\nX\n"),
    (
        "a\nb\na\n",
        {"line": "X", "insertafter": "^a", "firstmatch": True},
        "line added",
        "a\nX\nb\na\n",
    ),
    ("a\nb\n", {"line": "X", "insertbefore": "^b"}, "line added", "a\nX\nb\n"),
    ("a\nb\n", {"line": "X", "insertbefore": "^nomatch"}, "line added", "a\nb\nX\n"),
    ("a\nb\n", {"line": "X", "insertbefore": "BOF"}, "line added", "X\na\nb\n"),
    ("a\nb\n", {"line": "X", "insertafter": "EOF"}, "line added", "a\nb\nX\n"),
    ("a\nb\n", {"search_string": "b", "line": "X"}, "line replaced", "a\nX\n"),
    ("a\nb\n", {"regexp": "^a", "line": "X", "insertafter": "^b"}, "line replaced", "X\nb\n"),
    ("a\r\nb\r\n", {"regexp": "^a", "line": "A"}, "line replaced", "A\r\nb\r\n"),
    ("a\nb\n", {"search_string": "b", "state": "absent"}, "1 line(s) removed", "a\n"),
    ("a\nb\nb\n", {"line": "b", "state": "absent"}, "2 line(s) removed", "a\n"),
    ("a\nb\n", {"regexp": "^z", "state": "absent"}, "", "a\nb\n"),
]


@pytest.mark.parametrize(("text", "args", "msg", "expected"), CASES)
def test_behaves_like_the_reference(
    run: Run, tmp_path: Path, text: str, args: dict[str, object], msg: str, expected: str
) -> None:
    result, after = edit(run, tmp_path / "f", text, **args)
    assert result["msg"] == msg
    assert after == expected
    assert result["changed"] is (expected != text)
    assert result["backup"] == "" if args.get("state") != "absent" else True
    again = run("lineinfile", {"path": str(tmp_path / "f"), **args})
    assert again["changed"] is False and (tmp_path / "f").read_bytes().decode() == expected


def test_absent_reports_found(run: Run, tmp_path: Path) -> None:
    result, _ = edit(run, tmp_path / "f", "x\ny\nx\n", line="x", state="absent")
    assert result["found"] == 2


def test_create_with_mode_and_parents(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "f"
    args = {"path": str(path), "line": "x", "create": True, "mode": "0600"}
    result = run("lineinfile", args, diff=True)
    assert result["changed"] is True
    assert result["msg"] == "line added and ownership, perms or SE linux context changed"
    assert path.read_text() == "x\n" and mode_of(path) == 0o600
    content, attributes = result["diff"]
    assert content == {
        "before": "",
        "after": "x\n",
        "before_header": f"{path} (content)",
        "after_header": f"{path} (content)",
    }
    assert attributes["after"] == {"mode": "0600"}
    assert run("lineinfile", args)["changed"] is False


def test_diff_outside_diff_mode_has_empty_texts(run: Run, tmp_path: Path) -> None:
    result, _ = edit(run, tmp_path / "f", "a\n", line="b")
    assert result["diff"][0]["before"] == "" and result["diff"][0]["after"] == ""


def test_check_mode_reports_without_writing(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_text("a\n")
    result = run("lineinfile", {"path": str(path), "line": "b"}, check=True, diff=True)
    assert result["changed"] is True and result["msg"] == "line added"
    assert result["diff"][0]["after"] == "a\nb\n"
    assert path.read_text() == "a\n"
    created = {"path": str(tmp_path / "new"), "line": "x", "create": True}
    assert run("lineinfile", created, check=True)["changed"] is True
    assert not (tmp_path / "new").exists()


def test_backup_and_symlinked_file(run: Run, tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.write_text("a\n")
    link = tmp_path / "link"
    link.symlink_to("real")
    result = run("lineinfile", {"path": str(link), "line": "b", "backup": True})
    assert link.is_symlink() and real.read_text() == "a\nb\n"
    assert Path(str(result["backup"])).read_text() == "a\n"


def test_validate_failure_leaves_the_file(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_text("a\n")
    result = run("lineinfile", {"path": str(path), "line": "b", "validate": "false %s"})
    failed_cleanly(result, "failed to validate")
    assert path.read_text() == "a\n" and os.listdir(tmp_path) == ["f"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "line is required with state=present"),
        ({"state": "absent"}, "one of line, search_string, or regexp is required"),
        ({"line": "x", "backrefs": True}, "regexp is required with backrefs=true"),
        ({"line": "x", "regexp": "("}, "regexp is not a valid regular expression"),
        (
            {"line": "x", "regexp": "a", "search_string": "b"},
            "mutually exclusive: regexp|search_string",
        ),
        ({"line": "x", "insertafter": "a", "insertbefore": "b"}, "mutually exclusive"),
        ({"line": "x", "mode": "0o99"}, "mode must be in octal or symbolic form"),
    ],
)
def test_bad_input_fails_cleanly(
    run: Run, tmp_path: Path, args: dict[str, object], message: str
) -> None:
    path = tmp_path / "f"
    path.write_text("a\n")
    failed_cleanly(run("lineinfile", {"path": str(path), **args}), message)
    assert path.read_text() == "a\n"


def test_missing_file_and_directory(run: Run, tmp_path: Path) -> None:
    missing = run("lineinfile", {"path": str(tmp_path / "nope"), "line": "x"})
    failed_cleanly(missing, "does not exist !")
    assert missing["rc"] == 257
    absent = run("lineinfile", {"path": str(tmp_path / "nope"), "line": "x", "state": "absent"})
    assert absent == {"changed": False, "msg": "file not present"}
    failed_cleanly(run("lineinfile", {"path": str(tmp_path), "line": "x"}), "is a directory !")


_LINE = st.text(alphabet="abc= #\t", min_size=1, max_size=8).filter(lambda s: s.strip() == s)
_TEXT = st.lists(st.text(alphabet="abc= #\t", max_size=8), max_size=6).map("\n".join)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=_TEXT,
    line=_LINE,
    regexp=st.sampled_from([None, "^a", "b", "^$", "="]),
    anchor=st.sampled_from(
        [{}, {"insertafter": "^a"}, {"insertbefore": "c"}, {"insertbefore": "BOF"}]
    ),
    firstmatch=st.booleans(),
)
def test_a_second_run_never_changes_anything(
    tmp_path: Path,
    text: str,
    line: str,
    regexp: str | None,
    anchor: dict[str, str],
    firstmatch: bool,
) -> None:
    # Ansible promises idempotence only when the regexp also matches the line itself
    assume(regexp is None or re.search(regexp, line))
    path = tmp_path / "gen"
    path.write_text(text)
    args = {"path": str(path), "line": line, "regexp": regexp, "firstmatch": firstmatch, **anchor}
    call("lineinfile", args)
    after = path.read_text()
    assert line in after.splitlines()
    assert call("lineinfile", args)["changed"] is False
    assert path.read_text() == after
