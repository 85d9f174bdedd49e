"""Ansible's Jinja2 tests, exercised through the real templar.

Expected values were checked against ansible-core 2.19.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from longplay.errors import TemplateError, UndefinedError
from longplay.templating.templar import Variables


def ev(expression: str, **variables: Any) -> Any:
    return Variables(variables).templar.template("{{ " + expression + " }}")


def cond(expression: str, **variables: Any) -> bool:
    return Variables(variables).templar.condition(expression)


# --------------------------------------------------------------------------
# Task results
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "test", "expected"),
    [
        ({"failed": True}, "failed", True),
        ({"failed": True}, "failure", True),
        ({}, "failed", False),
        ({"failed": "yes"}, "failed", True),
        ({}, "succeeded", True),
        ({"failed": True}, "success", False),
        ({"failed": False}, "successful", True),
        ({"changed": True}, "changed", True),
        ({"changed": True}, "change", True),
        ({}, "changed", False),
        ({"results": [{"changed": True}]}, "changed", True),
        ({"results": [{"changed": False}], "changed": True}, "changed", True),
        ({"results": [{"changed": True}], "changed": False}, "changed", False),
        ({"results": [1]}, "changed", False),
        ({"results": []}, "changed", False),
        ({"skipped": True}, "skipped", True),
        ({"skipped": True}, "skip", True),
        ({"results": [{"skipped": True}]}, "skipped", False),
        ({"unreachable": True}, "unreachable", True),
        ({"unreachable": True}, "reachable", False),
        ({}, "reachable", True),
        ({"finished": 1}, "finished", True),
        ({"finished": 0}, "finished", False),
        ({"finished": True}, "finished", True),
        ({"finished": False}, "finished", False),
        ({}, "finished", True),
        ({"started": 1}, "started", True),
        ({"started": 0}, "started", False),
        ({}, "started", True),
    ],
)
def test_result_tests(result: dict, test: str, expected: bool) -> None:
    assert ev(f"r is {test}", r=result) is expected
    assert cond(f"r is not {test}", r=result) is not expected


@pytest.mark.parametrize("test", ["failed", "succeeded", "changed", "skipped", "finished"])
def test_result_tests_need_a_dict(test: str) -> None:
    with pytest.raises(TemplateError, match="test expects a dictionary"):
        ev(f"'x' is {test}")


def test_failed_on_a_non_dict_names_the_failed_test() -> None:
    with pytest.raises(TemplateError, match="The 'failed' test expects a dictionary"):
        ev("'x' is failed")


def test_result_test_on_undefined_names_the_variable() -> None:
    with pytest.raises(UndefinedError, match="'nope' is undefined"):
        ev("nope is failed")


# --------------------------------------------------------------------------
# Strings and collections
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("'abc' is match('b')", False),
        ("'abc' is match('a')", True),
        ("'abc' is search('b')", True),
        ("'abc' is regex('B', ignorecase=true)", True),
        ("'abc' is regex('^b', match_type='match')", False),
        ("'abc' is regex('abc', match_type='fullmatch')", True),
        ("t is search('^b', multiline=true)", True),
        ("t is search('^b')", False),
        ("5 is match('5')", True),
        ("2 is in([1, 2])", True),
        ("2 is contained([1, 2])", True),
        ("[1, 2] is contains(2)", True),
        ("{'a': 1} is contains('a')", True),
        ("'abc' is contains('b')", True),
        ("[1] is subset([1, 2])", True),
        ("[1, 3] is subset([1, 2])", False),
        ("[1, 2] is superset([1])", True),
        ("[true, false] is any", True),
        ("[true, false] is all", False),
        ("'yes' is truthy", True),
        ("'' is truthy", False),
        ("'false' is truthy", True),
        ("'false' is truthy(convert_bool=true)", False),
        ("'false' is falsy(convert_bool=true)", True),
        ("'maybe' is truthy(convert_bool=true)", True),
        ("0 is falsy", True),
        ("'x' is string", True),
        ("1 is number", True),
        ("{} is mapping", True),
        ("'x' is iterable", True),
        ("'x' is sequence", True),
        ("true is boolean", True),
        ("1 is integer", True),
        ("1.0 is float", True),
        ("1 is sameas(1)", True),
        ("none is none", True),
        ("nope is undefined", True),
        ("nope is defined", False),
    ],
)
def test_value_tests(expression: str, expected: bool) -> None:
    assert ev(expression, t="a\nb") is expected


def test_tests_work_in_select() -> None:
    results = [{"failed": True, "n": 1}, {"failed": False, "n": 2}]
    assert ev("rs | select('failed') | map(attribute='n')", rs=results) == [1]
    assert ev("rs | rejectattr('n', 'in', [1]) | length", rs=results) == 1
    assert ev("['a1', 'b2'] | select('match', 'a')") == ["a1"]


def test_regex_test_bad_pattern() -> None:
    with pytest.raises(TemplateError, match=r"The test plugin 'ansible\.builtin\.match' failed"):
        ev("'x' is match('(')")


def test_path_tests(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_text("x")
    link = tmp_path / "l"
    link.symlink_to(target)
    paths = {"f": str(target), "d": str(tmp_path), "l": str(link), "n": str(tmp_path / "nope")}
    assert ev("f is file and f is exists and f is abs", **paths) is True
    assert ev("d is directory and d is not file", **paths) is True
    assert ev("l is link and f is not link", **paths) is True
    assert ev("n is exists", **paths) is False
    assert ev("'rel/x' is abs") is False
    assert ev("f is same_file(l)", **paths) is True


# --------------------------------------------------------------------------
# Versions
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("'1.2.3' is version('1.2.10', '<')", True),
        ("'1.2.3' is version('1.2.10', 'lt')", True),
        ("'1.2.3' is version('1.2.3', 'eq')", True),
        ("'1.2.3' is version('1.2.3')", True),
        ("'1.2.3' is version('1.2.3', '=')", True),
        ("'1.2.3' is version('1.2.3', '<>')", False),
        ("'1.2.3' is version('1.2.3', '!=')", False),
        ("'1.2.3' is version('1.2', '>=')", True),
        ("'1.2.3' is version('1.2', 'ge')", True),
        ("'1.2.3' is version('1.2', 'gt')", True),
        ("'1.2.3' is version('1.2.3', 'le')", True),
        ("'1.2.3' is version('1.2.4', operator='lt')", True),
        ("'1.2' is version('1.2.0', '==')", False),
        ("'1.0' is version('1.0.0', '<')", True),
        ("'1.0-RC1' is version('1.0-1', '<')", False),
        ("'v1.2' is version('v1.10', '<')", True),
        ("'abc' is version('abd', '<')", True),
        ("5 is version('5', '==')", True),
        ("'2.0' is version_compare('1.0', '>')", True),
        # strict (distutils StrictVersion)
        ("'1.0a1' is version('1.0', '<', strict=true)", True),
        ("'1.0.0' is version('1.0', 'eq', strict=true)", True),
        ("'1.0' is version('1.0b2', 'gt', strict=true)", True),
        ("'1.0.4a3' is version('1.0.4', 'lt', strict=true)", True),
        ("'1.0a2' is version('1.0b1', 'lt', version_type='strict')", True),
        # semver
        ("'1.0.0-alpha' is version('1.0.0', '<', version_type='semver')", True),
        ("'1.0.0-alpha.1' is version('1.0.0-alpha.beta', '<', version_type='semver')", True),
        ("'1.0.0-rc.1+build.1' is version('1.0.0-rc.1', 'eq', version_type='semver')", True),
        ("'1.0.0-rc.1' is version('1.0.0-rc.10', 'lt', version_type='semver')", True),
        ("'1.0.0-2' is version('1.0.0-a', 'lt', version_type='semver')", True),
        ("'1.0.0-a' is version('1.0.0-a.1', 'lt', version_type='semver')", True),
        ("'1.0.0' is version('1.0.0-a.1', 'gt', version_type='semantic')", True),
        ("'1.10.0' is version('1.9.0', 'gt', version_type='semver')", True),
    ],
)
def test_version(expression: str, expected: bool) -> None:
    assert ev(expression) is expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("'1.2.3' is version('1.2', 'bad')", "Invalid operator type \\(bad\\)"),
        ("'' is version('1.0', '<')", "Input version value cannot be empty"),
        ("'1.0' is version('', '<')", "Version parameter to compare against cannot be empty"),
        ("'1.0' is version('1.a', '<')", "Version comparison failed: '<' not supported"),
        ("'1.0' is version('1.a', '==')", "Version comparison failed"),
        ("'1.0.x' is version('1.0', strict=true)", "invalid version number '1.0.x'"),
        ("'1.0' is version('1.0.0', version_type='semver')", "invalid semantic version '1.0'"),
        ("'01.0.0' is version('1.0.0', version_type='semver')", "invalid semantic version"),
        ("'1.0' is version('1.0', version_type='foo')", "Invalid version type \\(foo\\)"),
        ("'1' is version('1', strict=true, version_type='loose')", "Cannot specify both"),
    ],
)
def test_version_bad_input(expression: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        ev(expression)


_versions = st.lists(st.integers(min_value=0, max_value=30), min_size=3, max_size=3)


@settings(max_examples=80, deadline=None)
@given(a=_versions, b=_versions)
def test_version_orders_like_integer_tuples(a: list[int], b: list[int]) -> None:
    left, right = ".".join(map(str, a)), ".".join(map(str, b))
    for version_type in ("loose", "strict", "semver"):
        assert ev(f"'{left}' is version('{right}', '<', version_type='{version_type}')") is (a < b)
        assert ev(f"'{left}' is version('{right}', '==', version_type='{version_type}')") is (
            a == b
        )
