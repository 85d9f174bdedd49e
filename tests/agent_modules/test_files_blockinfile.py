"""blockinfile: insert, replace in place, remove; idempotence, check and diff mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from filetools import Run, call, failed_cleanly, mode_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

B = "# BEGIN ANSIBLE MANAGED BLOCK\n"
E = "# END ANSIBLE MANAGED BLOCK\n"

# starting text, arguments, expected message, expected text (as ansible-core 2.19 does it)
CASES = [
    ("a=1\nb=2\n", {"block": "x=1\ny=2"}, "Block inserted", f"a=1\nb=2\n{B}x=1\ny=2\n{E}"),
    ("a\nb", {"block": "X"}, "Block inserted", f"a\nb\n{B}X\n{E}"),
    ("a\nb\na\n", {"block": "X", "insertafter": "^a"}, "Block inserted", f"a\nb\na\n{B}X\n{E}"),
    ("a\nb\na\n", {"block": "X", "insertbefore": "^a"}, "Block inserted", f"a\nb\n{B}X\n{E}a\n"),
    ("a\nb\n", {"block": "X", "insertbefore": "BOF"}, "Block inserted", f"{B}X\n{E}a\nb\n"),
    ("a\nb\n", {"block": "X", "insertafter": "^nomatch"}, "Block inserted", f"a\nb\n{B}X\n{E}"),
    (
        f"a\n{B}old\n{E}b\n",
        {"block": "new", "insertbefore": "BOF"},
        "Block inserted",
        f"a\n{B}new\n{E}b\n",
    ),
    (f"a\n{B}old\n{E}b\n", {"block": ""}, "Block removed", "a\nb\n"),
    (f"a\n{B}old\n{E}b\n", {"state": "absent"}, "Block removed", "a\nb\n"),
    ("a\nb", {"state": "absent"}, "", "a\nb"),
    ("a\n", {"block": "X\n"}, "Block inserted", f"a\n{B}X\n{E}"),
    (
        "a\n",
        {"block": "X", "marker": "// {mark} x", "marker_begin": "START", "marker_end": "STOP"},
        "Block inserted",
        "a\n// START x\nX\n// STOP x\n",
    ),
    (
        "a\nb\n",
        {"block": "X", "insertbefore": "^b", "prepend_newline": True, "append_newline": True},
        "Block inserted",
        f"a\n\n{B}X\n{E}\nb\n",
    ),
    (
        "\na\n\n",
        {"block": "X", "insertafter": "^a", "prepend_newline": True, "append_newline": True},
        "Block inserted",
        f"\na\n\n{B}X\n{E}\n",
    ),
    (f"a\n{B}old\n", {"block": "X"}, "Block inserted", f"a\n{B}old\n{B}X\n{E}"),
]


@pytest.mark.parametrize(("text", "args", "msg", "expected"), CASES)
def test_behaves_like_the_reference(
    run: Run, tmp_path: Path, text: str, args: dict[str, object], msg: str, expected: str
) -> None:
    path = tmp_path / "f"
    path.write_text(text)
    result = run("blockinfile", {"path": str(path), **args})
    assert result["msg"] == msg
    assert path.read_text() == expected
    assert result["changed"] is (expected != text)
    if "old\n" not in expected:  # a broken marker pair makes Ansible append every time
        again = run("blockinfile", {"path": str(path), **args})
        assert again["changed"] is False and path.read_text() == expected


def test_block_replaced_in_place_with_diff(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_text(f"top\n{B}one\n{E}bottom\n")
    result = run("blockinfile", {"path": str(path), "block": "two"}, diff=True)
    assert result["changed"] is True
    content, attributes = result["diff"]
    assert content["before"] == f"top\n{B}one\n{E}bottom\n"
    assert content["after"] == f"top\n{B}two\n{E}bottom\n"
    assert content["before_header"] == f"{path} (content)"
    assert attributes["before_header"] == f"{path} (file attributes)"


def test_create_backup_and_mode(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "sub" / "f"
    args = {"path": str(path), "block": "x", "create": True, "mode": "0600", "backup": True}
    first = run("blockinfile", args)
    assert first["changed"] is True and "backup_file" not in first
    assert path.read_text() == f"{B}x\n{E}" and mode_of(path) == 0o600
    second = run("blockinfile", {**args, "block": "y"})
    assert Path(second["backup_file"]).read_text() == f"{B}x\n{E}"


def test_check_mode_reports_without_writing(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_text("a\n")
    result = run("blockinfile", {"path": str(path), "block": "x"}, check=True, diff=True)
    assert result["changed"] is True and result["diff"][0]["after"] == f"a\n{B}x\n{E}"
    assert path.read_text() == "a\n"
    created = {"path": str(tmp_path / "new"), "block": "x", "create": True}
    assert run("blockinfile", created, check=True)["changed"] is True
    assert not (tmp_path / "new").exists()


def test_validate_failure_leaves_the_file(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_text("a\n")
    failed_cleanly(
        run("blockinfile", {"path": str(path), "block": "x", "validate": "false %s"}),
        "failed to validate",
    )
    assert path.read_text() == "a\n"


def test_bad_input_fails_cleanly(run: Run, tmp_path: Path) -> None:
    missing = run("blockinfile", {"path": str(tmp_path / "nope"), "block": "x"})
    failed_cleanly(missing, "does not exist !")
    path = tmp_path / "f"
    path.write_text("a\n")
    failed_cleanly(
        run("blockinfile", {"path": str(path), "block": "x", "insertafter": "("}),
        "not a valid regular expression",
    )
    failed_cleanly(
        run("blockinfile", {"path": str(path), "block": "x", "state": "gone"}),
        "value of state must be one of",
    )
    failed_cleanly(
        run(
            "blockinfile",
            {"path": str(path), "block": "x", "insertafter": "a", "insertbefore": "b"},
        ),
        "mutually exclusive",
    )
    assert path.read_text() == "a\n"


_TEXT = st.lists(st.sampled_from(["a", "b", "", "# x", "c=1"]), max_size=6).map("\n".join)
_BLOCK = st.lists(st.text(alphabet="xyz =", max_size=5), min_size=1, max_size=3).map("\n".join)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=_TEXT,
    block=_BLOCK,
    anchor=st.sampled_from(
        [{}, {"insertafter": "^a"}, {"insertbefore": "^b"}, {"insertbefore": "BOF"}]
    ),
    newlines=st.booleans(),
)
def test_a_second_run_never_changes_anything(
    tmp_path: Path, text: str, block: str, anchor: dict[str, str], newlines: bool
) -> None:
    path = tmp_path / "gen"
    path.write_text(text)
    args = {
        "path": str(path),
        "block": block,
        "append_newline": newlines,
        "prepend_newline": newlines,
        **anchor,
    }
    call("blockinfile", args)
    after = path.read_text()
    assert call("blockinfile", args)["changed"] is False
    assert path.read_text() == after
    call("blockinfile", {"path": str(path), "state": "absent"})
    assert B not in path.read_text()
