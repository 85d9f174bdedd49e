"""Lookups and template globals, through the real templar and ``run_lookup``.

Expected values were checked against ansible-core 2.19.
"""

from __future__ import annotations

import datetime
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from longplay.errors import TemplateError, UndefinedError
from longplay.templating.lookups import has_lookup, run_lookup
from longplay.templating.templar import Variables


def ev(expression: str, **variables: Any) -> Any:
    return Variables(variables).templar.template("{{ " + expression + " }}")


@pytest.fixture
def play(tmp_path: Path) -> Path:
    """A playbook directory with files/, templates/ and a role."""
    (tmp_path / "files").mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "top.txt").write_text("top\n")
    (tmp_path / "files" / "padded.txt").write_text("  padded  \n\n")
    (tmp_path / "files" / "a.conf").write_text("a")
    (tmp_path / "files" / "b.conf").write_text("b")
    (tmp_path / "templates" / "t.j2").write_text("v={{ myv }}\n{% if flag %}on{% endif %}\n")
    role = tmp_path / "roles" / "r"
    (role / "files").mkdir(parents=True)
    (role / "files" / "padded.txt").write_text("from role\n")
    return tmp_path


# --------------------------------------------------------------------------
# lookup() / query() plumbing
# --------------------------------------------------------------------------


def test_lookup_joins_strings_and_query_returns_lists() -> None:
    assert ev("lookup('list', 'a', 'b')") == "a,b"
    assert ev("query('list', 'a', 'b')") == ["a", "b"]
    assert ev("q('list', 'a')") == ["a"]
    assert ev("lookup('list', 'a', wantlist=true)") == ["a"]
    assert ev("lookup('list', [1, 2])") == [1, 2]
    assert ev("query('list', [1, 2])") == [[1, 2]]
    assert ev("lookup('list', 'a', 1)") == ["a", 1]
    assert ev("lookup('list', 1)") == 1
    assert ev("lookup('items', [])") == []
    assert ev("lookup('ansible.builtin.items', [1])") == 1


def test_unknown_lookup_is_named() -> None:
    with pytest.raises(TemplateError, match="The lookup plugin 'nopeplugin' was not found"):
        ev("lookup('nopeplugin', 'x')")
    with pytest.raises(TemplateError, match="'nopeplugin' was not found"):
        run_lookup("nopeplugin", [], Variables({}))
    assert has_lookup("items") and has_lookup("ansible.builtin.file")
    assert not has_lookup("nopeplugin")


def test_errors_option(play: Path, caplog: pytest.LogCaptureFixture) -> None:
    pb = str(play)
    with pytest.raises(TemplateError, match=r"Unable to access the file 'nope\.txt'"):
        ev("lookup('file', 'nope.txt')", playbook_dir=pb)
    assert ev("lookup('file', 'nope.txt', errors='ignore')", playbook_dir=pb) is None
    assert ev("query('file', 'nope.txt', errors='ignore')", playbook_dir=pb) == []
    with caplog.at_level(logging.WARNING):
        assert ev("lookup('file', 'nope.txt', errors='warn')", playbook_dir=pb) is None
    assert "Unable to access the file 'nope.txt'" in caplog.text


def test_unknown_option_is_reported() -> None:
    with pytest.raises(TemplateError, match="'items' does not accept the option\\(s\\) bogus"):
        ev("lookup('items', [1], bogus=1)")


def test_undefined_term_names_the_variable() -> None:
    with pytest.raises(UndefinedError, match="'nope' is undefined"):
        ev("query('items', nope)")


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------


def test_file(play: Path) -> None:
    pb = str(play)
    assert ev("lookup('file', 'top.txt')", playbook_dir=pb) == "top"
    assert ev("lookup('file', 'padded.txt')", playbook_dir=pb) == "  padded"
    assert ev("lookup('file', 'padded.txt', lstrip=true)", playbook_dir=pb) == "padded"
    assert ev("lookup('file', 'padded.txt', rstrip=false)", playbook_dir=pb) == "  padded  \n\n"
    assert ev("lookup('file', 'top.txt', 'padded.txt')", playbook_dir=pb) == "top,  padded"
    assert ev("query('file', 'top.txt', 'files/a.conf')", playbook_dir=pb) == ["top", "a"]
    absolute = str(play / "top.txt")
    assert ev("lookup('file', p)", p=absolute) == "top"


def test_file_prefers_the_role(play: Path) -> None:
    role = str(play / "roles" / "r")
    found = ev("lookup('file', 'padded.txt')", playbook_dir=str(play), role_path=role)
    assert found == "from role"
    assert ev("lookup('file', 'top.txt')", playbook_dir=str(play), role_path=role) == "top"


def test_file_is_not_a_directory(play: Path) -> None:
    with pytest.raises(TemplateError, match="Unable to access the file 'files'"):
        ev("lookup('file', 'files')", playbook_dir=str(play))


def test_fileglob(play: Path) -> None:
    pb = str(play)
    # unsorted, in the order the directory lists them (as ansible-core's glob)
    listed = [n for n in os.listdir(play / "files") if n.endswith(".conf")]
    assert sorted(listed) == ["a.conf", "b.conf"]
    expected = [str(play / "files" / n) for n in listed]
    assert ev("query('fileglob', '*.conf')", playbook_dir=pb) == expected
    assert ev("lookup('fileglob', '*.conf')", playbook_dir=pb) == ",".join(expected)
    assert ev("query('fileglob', 'files/*.conf')", playbook_dir=pb) == expected
    assert ev("query('fileglob', p)", p=str(play / "files" / "*.conf")) == expected
    assert ev("query('fileglob', '*.nope')", playbook_dir=pb) == []
    assert ev("query('fileglob', '*.txt')", playbook_dir=pb) == [str(play / "files" / "padded.txt")]


def test_first_found(play: Path) -> None:
    pb = str(play)
    top = str(play / "top.txt")
    assert ev("lookup('first_found', ['nope.txt', 'top.txt'])", playbook_dir=pb) == top
    assert ev("lookup('first_found', 'nope.txt,top.txt')", playbook_dir=pb) == top
    spec = {"files": ["nope", "top.txt"], "paths": [pb]}
    assert ev("lookup('first_found', spec)", playbook_dir=pb, spec=spec) == top
    spec = {"files": "a,top.txt", "paths": "/x:" + pb}
    assert ev("lookup('first_found', ['nope', spec])", playbook_dir=pb, spec=spec) == top
    found = ev("lookup('first_found', files=['top.txt'], paths=[p])", playbook_dir=pb, p=pb)
    assert found == top
    found = ev("lookup('first_found', 'padded.txt', paths=['files'])", playbook_dir=pb)
    assert found == str(play / "files" / "padded.txt")
    assert ev("lookup('first_found', [p])", p=top) == top
    assert ev("query('first_found', ['nope'], skip=true)", playbook_dir=pb) == []
    assert ev("lookup('first_found', {'files': ['nope'], 'skip': true})", playbook_dir=pb) == []
    with pytest.raises(TemplateError, match="No file was found when using first_found"):
        ev("lookup('first_found', ['nope1', 'nope2'])", playbook_dir=pb)
    with pytest.raises(TemplateError, match="Invalid term supplied"):
        ev("lookup('first_found', [1])", playbook_dir=pb)


def test_template(play: Path) -> None:
    pb = str(play)
    assert ev("lookup('template', 't.j2')", playbook_dir=pb, myv=7, flag=True) == "v=7\non"
    rendered = ev(
        "lookup('template', 't.j2', template_vars={'myv': 9})", playbook_dir=pb, myv=7, flag=False
    )
    assert rendered == "v=9\n"  # trim_blocks eats the newline after endif
    (play / "templates" / "one.j2").write_text("{{ items }}")
    assert ev("lookup('template', 'one.j2')", playbook_dir=pb, items=[1]) == "[1]"
    with pytest.raises(TemplateError, match=r"the template file nope\.j2 could not be found"):
        ev("lookup('template', 'nope.j2')", playbook_dir=pb)
    (play / "templates" / "bad.j2").write_text("{{ oops }}")
    with pytest.raises(UndefinedError, match="'oops' is undefined"):
        ev("lookup('template', 'bad.j2')", playbook_dir=pb)
    (play / "templates" / "syntax.j2").write_text("{% if %}")
    with pytest.raises(TemplateError, match="template error while templating file"):
        ev("lookup('template', 'syntax.j2')", playbook_dir=pb)


# --------------------------------------------------------------------------
# Environment and commands
# --------------------------------------------------------------------------


def test_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LP_ONE", "1")
    monkeypatch.setenv("LP_TWO", "2")
    monkeypatch.delenv("LP_NOPE", raising=False)
    assert ev("lookup('env', 'LP_ONE')") == "1"
    assert ev("lookup('env', 'LP_ONE', 'LP_TWO')") == "1,2"
    assert ev("lookup('env', 'LP_NOPE')") == ""
    assert ev("lookup('env', 'LP_NOPE', default='d')") == "d"
    assert ev("query('env', 'LP_ONE', 'LP_NOPE', default='d')") == ["1", "d"]
    with pytest.raises(UndefinedError, match="The environment variable 'LP_NOPE' is not set"):
        ev("lookup('env', 'LP_NOPE', default=undef())")


def test_pipe_and_lines(play: Path) -> None:
    assert ev("lookup('pipe', 'echo hi; echo there')") == "hi\nthere"
    assert ev("lookup('pipe', 'echo a; echo b >&2')") == "a"
    assert ev("lookup('pipe', 'cat top.txt')", playbook_dir=str(play)) == "top"
    assert ev("query('lines', 'printf \"a\\nb\\n\"')") == ["a", "b"]
    with pytest.raises(TemplateError, match=r"lookup_plugin\.pipe\(exit 3\) returned 3"):
        ev("lookup('pipe', 'exit 3')")
    with pytest.raises(TemplateError, match=r"lookup_plugin\.lines\(.*\) returned 2: oops"):
        ev("lookup('lines', 'echo oops >&2; exit 2')")


# --------------------------------------------------------------------------
# Variables
# --------------------------------------------------------------------------


def test_vars() -> None:
    variables = {"a": 1, "b": "{{ a + 1 }}", "name": "b"}
    assert ev("lookup('vars', 'a')", **variables) == 1
    assert ev("lookup('vars', name)", **variables) == 2
    assert ev("query('vars', 'a', 'b')", **variables) == [1, 2]
    assert ev("lookup('vars', 'nope', default=5)", **variables) == 5
    with pytest.raises(UndefinedError, match="No variable named 'nope' was found"):
        ev("lookup('vars', 'nope')", **variables)
    with pytest.raises(TemplateError, match="Variable name must be 'str' not 'int'"):
        ev("lookup('vars', 1)", **variables)


def test_varnames() -> None:
    variables = {"myv": 1, "users": [], "other": 2}
    assert ev("query('varnames', '^my', '^use')", **variables) == ["myv", "users"]
    assert ev("lookup('varnames', '^my')", **variables) == "myv"
    assert ev("query('varnames', '^nothing')", **variables) == []
    with pytest.raises(TemplateError, match='Invalid setting identifier, "1" is not a string'):
        ev("query('varnames', 1)", **variables)


# --------------------------------------------------------------------------
# List shaping
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("lookup('items', [1, 2], [3])", [1, 2, 3]),
        ("query('items', [1, [2]], 3)", [1, [2], 3]),
        ("lookup('items', ['a', 'b'])", "a,b"),
        ("lookup('items', 'abc')", "abc"),
        ("query('items', none)", [None]),
        ("lookup('dict', {'a': 1})", {"key": "a", "value": 1}),
        ("query('dict', {'a': 1, 'b': 2})", [{"key": "a", "value": 1}, {"key": "b", "value": 2}]),
        ("query('indexed_items', ['a', 'b'])", [[0, "a"], [1, "b"]]),
        ("query('indexed_items', [1, [2, 3]])", [[0, 1], [1, [2, 3]]]),
        ("query('together', [1, 2, 3], ['a', 'b'])", [[1, "a"], [2, "b"], [3, None]]),
        ("query('nested', [1, 2], ['a', 'b'])", [[1, "a"], [1, "b"], [2, "a"], [2, "b"]]),
        ("query('nested', [1], ['a'], ['x'])", [[1, "a", "x"]]),
        ("query('nested', [])", []),
        ("lookup('random_choice')", []),
    ],
)
def test_list_lookups(expression: str, expected: Any) -> None:
    assert ev(expression) == expected


def test_random_choice() -> None:
    assert ev("lookup('random_choice', 'a', 'b')") in ("a", "b")


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("lookup('dict', [1])", "the 'dict' lookup plugin expects a dictionary"),
        ("query('together')", "with_together requires at least one element"),
        ("query('nested')", "with_nested requires at least one element"),
    ],
)
def test_list_lookups_bad_input(expression: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        ev(expression)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("lookup('sequence', 'start=1 end=5')", "1,2,3,4,5"),
        ("lookup('sequence', 'start=1 end=3 format=x%02d')", "x01,x02,x03"),
        ("query('sequence', 'start=0 end=10 stride=3')", ["0", "3", "6", "9"]),
        ("query('sequence', 'count=3')", ["1", "2", "3"]),
        ("query('sequence', 'start=5 count=3 stride=2')", ["5", "7", "9"]),
        ("query('sequence', 'count=0')", []),
        ("query('sequence', 'start=1 end=3 stride=0')", []),
        ("query('sequence', '4')", ["1", "2", "3", "4"]),
        ("query('sequence', '2-4')", ["2", "3", "4"]),
        ("query('sequence', '2-10/3')", ["2", "5", "8"]),
        ("query('sequence', '1-3:h%d')", ["h1", "h2", "h3"]),
        ("query('sequence', 'start=5 end=1 stride=-2')", ["5", "3", "1"]),
        ("query('sequence', start=1, end=3)", ["1", "2", "3"]),
        ("query('sequence', start=1, end=3, format='%03d')", ["001", "002", "003"]),
        ("query('sequence', 'end=3', start=2)", ["2", "3"]),
        ("query('sequence', 'start=1 end=3 format=\"n %d\"')", ["n 1", "n 2", "n 3"]),
        ("query('sequence', 'start=1 end=2', 'count=2')", ["1", "2", "1", "2"]),
        ("query('sequence', 'start=1 end=5 stride=2 format=%x')", ["1", "3", "5"]),
    ],
)
def test_sequence(expression: str, expected: Any) -> None:
    assert ev(expression) == expected


@pytest.mark.parametrize(
    ("term", "message"),
    [
        ("start=1", "must specify count or end in with_sequence"),
        ("end=3 count=2", "can't specify both count and end"),
        ("start=5 end=1", "to count backwards make stride negative"),
        ("start=1 end=5 stride=-1", "to count forward don't make stride negative"),
        ("start=1 end=3 format=%d%d", "bad formatting string: %d%d"),
        ("start=x end=3", "can't parse start=x as integer"),
        ("end=3 bogus=1", "unrecognized arguments to with_sequence: \\['bogus'\\]"),
        ("end=3 format=%s%%", "bad formatting string"),
    ],
)
def test_sequence_bad_input(term: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        run_lookup("sequence", term, Variables({}))


def test_subelements() -> None:
    users = [{"name": "a", "groups": ["x", "y"]}, {"name": "b", "groups": []}]
    assert ev("query('subelements', users, 'groups')", users=users) == [
        [{"name": "a"}, "x"],
        [{"name": "a"}, "y"],
    ]
    by_name = {"u1": {"name": "a", "groups": ["x"]}}
    assert ev("query('subelements', u, 'groups')", u=by_name) == [[{"name": "a"}, "x"]]
    nested = [{"n": "a", "s": {"l": [1, 2]}}]
    assert ev("query('subelements', n, 's.l')", n=nested) == [
        [{"n": "a", "s": {}}, 1],
        [{"n": "a", "s": {}}, 2],
    ]
    assert nested == [{"n": "a", "s": {"l": [1, 2]}}]  # the variable is untouched
    skip = "query('subelements', users, 'nope', {'skip_missing': true})"
    assert ev(skip, users=users) == []
    assert ev("query('subelements', [{'skipped': true, 'l': [1]}], 'l')") == []


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("query('subelements', users, 'nope')", "could not find 'nope' key in iterated item"),
        ("query('subelements', [1], 'l')", "subelements lookup expects a dictionary, got '1'"),
        ("query('subelements', [{'l': 1}], 'l')", "the key l should point to a list, got '1'"),
        ("query('subelements', [{'l': 1}], 'l.x')", "the key l should point to a dictionary"),
        ("query('subelements', users)", "expects a list of two or three items"),
        ("query('subelements', users, 'l', {'bogus': 1})", "flags skip_missing"),
        ("query('subelements', 5, 'l')", "expects a list or a dict as the first item"),
    ],
)
def test_subelements_bad_input(expression: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        ev(expression, users=[{"name": "a"}])


# --------------------------------------------------------------------------
# run_lookup, as with_<name> loops use it
# --------------------------------------------------------------------------


def test_run_lookup_for_loops(play: Path) -> None:
    variables = Variables({"playbook_dir": str(play)})
    assert run_lookup("items", [[1, 2], 3], variables) == [1, 2, 3]
    assert run_lookup("list", [[1, 2], 3], variables) == [[1, 2], 3]
    assert run_lookup("dict", {"a": 1, "b": 2}, variables) == [
        {"key": "a", "value": 1},
        {"key": "b", "value": 2},
    ]
    assert run_lookup("sequence", "start=1 end=3 format=h%d", variables) == ["h1", "h2", "h3"]
    assert run_lookup("sequence", ["start=1 end=2"], variables) == ["1", "2"]
    assert run_lookup("file", ["top.txt"], variables) == ["top"]
    assert run_lookup("items", "abc", variables) == ["abc"]
    assert run_lookup("items", None, variables) == [None]
    assert run_lookup("ansible.builtin.together", [[1], [2]], variables) == [[1, 2]]


def test_run_lookup_errors_name_the_lookup(play: Path) -> None:
    variables = Variables({"playbook_dir": str(play)})
    with pytest.raises(TemplateError, match="The lookup plugin 'file' failed: Unable to access"):
        run_lookup("file", ["nope"], variables)
    with pytest.raises(TemplateError, match="The lookup plugin 'dict' failed"):
        run_lookup("dict", [[1]], variables)


# --------------------------------------------------------------------------
# Globals
# --------------------------------------------------------------------------


def test_now() -> None:
    assert isinstance(ev("now()"), datetime.datetime)
    assert ev("now(fmt='%Y')") == str(datetime.datetime.now().year)
    utc = ev("now(utc=true)")
    expected = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    assert abs((utc - expected).total_seconds()) < 60
    assert ev("now(utc=true, fmt='%Y-%m')") == expected.strftime("%Y-%m")


def test_lookup_in_a_rendered_string_and_loop(play: Path) -> None:
    template = "{% for f in query('fileglob', '*.conf') %}{{ f | basename }};{% endfor %}"
    listed = "".join(f"{n};" for n in os.listdir(play / "files") if n.endswith(".conf"))
    assert Variables({"playbook_dir": str(play)}).templar.template(template) == listed


def test_lookup_sees_lazily_templated_variables(play: Path) -> None:
    variables = {"playbook_dir": str(play), "name": "{{ 'top' ~ '.txt' }}"}
    assert ev("lookup('file', name)", **variables) == "top"
    assert os.path.isdir(variables["playbook_dir"])
