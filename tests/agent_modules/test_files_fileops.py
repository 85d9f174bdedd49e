"""fileops: mode parsing (checked against chmod itself), atomic writes, diffs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from filetools import mode_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from longplay.agent import fileops
from longplay.agent.registry import ModuleFailed


@pytest.mark.parametrize(
    ("spec", "current", "umask", "expected"),
    [
        ("u=rw,g=r,o=", 0o777, 0o022, 0o640),
        ("+x", 0o644, 0o022, 0o755),
        ("+x", 0o644, 0o077, 0o744),
        ("-w", 0o666, 0o022, 0o466),
        ("=r", 0o777, 0o022, 0o444),
        ("=", 0o644, 0o022, 0o000),
        ("g=u", 0o644, 0o022, 0o664),
        ("go=u", 0o600, 0o022, 0o666),
        ("u=rwx,g+u", 0o640, 0o022, 0o770),
        ("a+X", 0o644, 0o022, 0o644),
        ("a+X", 0o744, 0o022, 0o755),
        ("u=rwX,go=rX", 0o644, 0o022, 0o644),
        ("o+t", 0o644, 0o022, 0o1644),
        ("u+s,g+s", 0o644, 0o022, 0o6644),
        ("ug+rwx-x", 0o600, 0o022, 0o660),
        ("u+rw,g-w+x", 0o644, 0o022, 0o654),
        ("u=", 0o644, 0o022, 0o044),
    ],
)
def test_symbolic_modes_match_the_reference(
    spec: str, current: int, umask: int, expected: int
) -> None:
    """The values ansible-core 2.19 computes for the same spec, mode and umask."""
    assert fileops.symbolic_mode(spec, current, False, umask) == expected


def test_capital_x_applies_to_directories() -> None:
    assert fileops.symbolic_mode("go=rX", 0o700, True, 0o022) == 0o755


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("0644", 0o644), ("755", 0o755), ("0o700", 0o700), (0o640, 0o640), ("0", 0)],
)
def test_octal_modes(mode: object, expected: int) -> None:
    assert fileops.parse_mode(mode, 0o600, False) == expected


@pytest.mark.parametrize(
    "mode", ["999", "rwx", "u=rwz", "u=r,x", "u+q", "0o77777", 0o17777, True, ""]
)
def test_bad_modes_fail_with_ansibles_message(mode: object) -> None:
    with pytest.raises(ModuleFailed) as failure:
        fileops.parse_mode(mode, 0o644, False)
    assert failure.value.msg == "mode must be in octal or symbolic form"


_WHO = st.sampled_from(["", "u", "g", "o", "a", "ug", "go", "uo", "ugo"])
_PERMS = st.one_of(
    st.sampled_from(["u", "g", "o"]),
    st.text(alphabet="rwxXst", max_size=4),
)
_ACTION = st.tuples(st.sampled_from("+-="), _PERMS).map("".join)
_CLAUSE = st.tuples(_WHO, st.lists(_ACTION, min_size=1, max_size=3).map("".join)).map("".join)
_SPEC = st.lists(_CLAUSE, min_size=1, max_size=3).map(",".join)


@pytest.mark.skipif(shutil.which("chmod") is None, reason="needs chmod(1)")
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    spec=_SPEC,
    start=st.integers(min_value=0, max_value=0o777),
    umask=st.sampled_from([0o022, 0o077, 0o002, 0]),
)
def test_symbolic_modes_agree_with_chmod(tmp_path: Path, spec: str, start: int, umask: int) -> None:
    """chmod(1) is the specification Ansible's symbolic modes follow: compare on a real file."""
    target = tmp_path / "f"
    target.touch()
    os.chmod(target, start)
    subprocess.run(
        ["sh", "-c", f"umask {umask:03o} && chmod -- '{spec}' f"], cwd=tmp_path, check=True
    )
    assert fileops.symbolic_mode(spec, start, False, umask) == mode_of(target)


def test_atomic_write_keeps_mode_and_leaves_no_temporaries(tmp_path: Path) -> None:
    dest = tmp_path / "conf"
    dest.write_text("old")
    os.chmod(dest, 0o600)
    fileops.atomic_write(str(dest), b"new")
    assert dest.read_bytes() == b"new"
    assert mode_of(dest) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["conf"]


def test_atomic_move_consumes_the_source(tmp_path: Path) -> None:
    staged = tmp_path / "staged"
    staged.write_bytes(b"\x00data")
    dest = tmp_path / "dest"
    fileops.atomic_move(str(staged), str(dest))
    assert not staged.exists()
    assert dest.read_bytes() == b"\x00data"


def test_content_diff_marks_binary_and_large_sides() -> None:
    entry = fileops.content_diff(b"\x00\x01", b"x" * (fileops.MAX_DIFF_SIZE + 1), "a", "b")
    assert entry["dst_binary"] == 1
    assert entry["src_larger"] == fileops.MAX_DIFF_SIZE
    assert "before" not in entry and "after" not in entry


def test_split_lines_splits_on_newlines_only() -> None:
    assert fileops.split_lines("a\x0cb\nc\r\nd") == ["a\x0cb\n", "c\r\n", "d"]
    assert fileops.split_lines("") == []
