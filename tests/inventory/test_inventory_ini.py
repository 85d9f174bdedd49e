"""INI inventory files: sections, inline variables, values and errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from invtools import names

from longplay.errors import ParseError
from longplay.inventory import Inventory, parse_ini_value
from longplay.playbook.source import UnsafeText

Load = Callable[..., Inventory]


def test_sections_children_and_vars(inventory_from: Load) -> None:
    inventory = inventory_from(
        {
            "hosts": """
                # comment
                ; another comment
                top1 ansible_host=10.0.0.1
                web[01:02].example.com

                [web]
                w1
                w2:2222 ansible_user=deploy
                [web:vars]
                http_port=8080
                [dbs]   # trailing comment on a header
                db1
                [prod:children]
                web
                dbs
                [prod:vars]
                env = production site
            """
        },
        "hosts",
    )
    assert list(inventory.hosts) == [
        "top1",
        "web01.example.com",
        "web02.example.com",
        "w1",
        "w2",
        "db1",
    ]
    assert names(inventory.groups["ungrouped"].hosts) == [
        "top1",
        "web01.example.com",
        "web02.example.com",
    ]
    assert [g.name for g in inventory.groups["all"].children] == ["ungrouped", "prod"]
    assert [g.name for g in inventory.groups["prod"].children] == ["web", "dbs"]
    assert inventory.hosts["top1"].vars == {"ansible_host": "10.0.0.1"}
    assert inventory.hosts["w2"].vars == {"ansible_port": 2222, "ansible_user": "deploy"}
    assert inventory.groups["web"].vars == {"http_port": 8080}
    assert inventory.groups["prod"].vars == {"env": "production site"}
    assert inventory.hosts["w1"].group_names() == ["prod", "web"]
    assert inventory.hosts["top1"].group_names() == ["ungrouped"]


def test_host_line_values_are_shell_split_then_literals(inventory_from: Load) -> None:
    inventory = inventory_from(
        {
            "hosts": """
                h a=1 b="two words" c='x y' d=[1,2] e={'k':1} f=True g=yes h=1.5 i=None j=0x10 l="1" m=x\\ y n=(1,2) o=1j p= q==x r=false k=abc#gone s=lost
            """
        },
        "hosts",
    )
    assert inventory.hosts["h"].vars == {
        "a": 1,
        "b": "two words",
        "c": "x y",
        "d": [1, 2],
        "e": "{k:1}",  # the shell split ate the quotes, as in the reference
        "f": True,
        "g": "yes",
        "h": 1.5,
        "i": None,
        "j": 16,
        "l": 1,
        "m": "x y",
        "n": [1, 2],
        "o": "1j",
        "p": "",
        "q": "=x",
        "r": "false",
        "k": "abc",  # '#' starts a comment even inside a word: s=lost is dropped
    }


def test_vars_section_values(inventory_from: Load) -> None:
    inventory = inventory_from(
        {
            "hosts": """
                [g]
                h
                [g:vars]
                a="x" # python comment
                b=x # kept
                c=[1, {"k": (2,)}]
                d='1'
                e = "a b" c
                f={1, 2}
                g=1+2
                h="unterminated
                i=b"raw"
                j=k=v
            """
        },
        "hosts",
    )
    assert inventory.groups["g"].vars == {
        "a": "x",
        "b": "x # kept",
        "c": [1, {"k": [2]}],
        "d": "1",
        "e": '"a b" c',
        "f": [1, 2],
        "g": "1+2",
        "h": '"unterminated',
        "i": "raw",
        "j": "k=v",
    }
    assert isinstance(inventory.groups["g"].vars["i"], UnsafeText)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", 1),
        ("'1'", "1"),
        ("True", True),
        ("true", "true"),
        ("[1, (2, 3)]", [1, [2, 3]]),
        ("", ""),
    ],
)
def test_parse_ini_value(text: str, value: object) -> None:
    assert parse_ini_value(text) == value


def test_group_defined_after_its_vars_and_children(inventory_from: Load) -> None:
    inventory = inventory_from(
        {
            "hosts": """
                [g:vars]
                x=1
                [parent:children]
                g   # comment
                [g]
                h
            """
        },
        "hosts",
    )
    assert inventory.groups["g"].vars == {"x": 1}
    assert inventory.groups["g"].parents == [inventory.groups["parent"]]
    assert inventory.groups["g"].depth == 2


def test_host_in_several_sections_merges_vars(inventory_from: Load) -> None:
    inventory = inventory_from(
        {"hosts": "[a]\nh x=1 y=1\n[b]\nh:2200 y=2\n"},
        "hosts",
    )
    host = inventory.hosts["h"]
    assert host.vars == {"x": 1, "y": 2}  # the port only counts when the host is new
    assert [g.name for g in host.direct_groups] == ["a", "b"]


def test_all_section_and_ipv6_host_line(inventory_from: Load) -> None:
    inventory = inventory_from(
        {"hosts": "[all]\nh\n[all:vars]\nx=1\n[v6]\n[::1]:2022\nfe80::2\n"},
        "hosts",
    )
    assert names(inventory.groups["ungrouped"].hosts) == ["h"]
    assert inventory.groups["all"].vars == {"x": 1}
    assert inventory.hosts["::1"].vars == {"ansible_port": 2022}
    assert "fe80::2" in inventory.hosts


def test_group_priority_is_not_a_variable(inventory_from: Load) -> None:
    inventory = inventory_from(
        {"hosts": "[a]\nh\n[b]\nh\n[a:vars]\nansible_group_priority=10\nv=a\n[b:vars]\nv=b\n"},
        "hosts",
    )
    assert inventory.groups["a"].priority == 10
    assert "ansible_group_priority" not in inventory.groups["a"].vars
    assert inventory.variables_for(inventory.hosts["h"])["v"] == "a"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("ok\nweb[5:1]\n", 2, "begin <= end"),
        ("[g]\nw[1:3\n", 2, "missing its closing"),
        ("h a\n", 1, "Expected key=value host variable assignment, got: a"),
        ("h a=1 ; comment\n", 1, "got: ;"),
        ("h a='x\n", 1, "No closing quotation"),
        ("h:\n", 1, "ending in ':'"),
        ("# c\n\n[g:vars]\nx=1\n", 3, "Section [g:vars] not valid for undefined group 'g'"),
        ("[g:foo]\n", 1, "Section [g:foo] has unknown type: foo"),
        ("[a b]\n", 1, "Invalid section entry: '[a b]'"),
        ("[a:children]\nb c\n", 2, "Expected group name, got: b c"),
        ("[a:children]\n\nzz\n", 3, "Section [a:children] includes undefined group 'zz'"),
        ("[g]\nh\n[g:vars]\nnovalue\n", 4, "Expected key=value, got: novalue"),
        ("[g]\nh\n[g:vars]\n=1\n", 4, "Expected key=value"),
        ("[a:children]\nb\n[b:children]\na\n", 4, "creates a dependency loop"),
        ("[a]\nh\n[a:vars]\nansible_group_priority=high\n", 4, "must be an integer"),
    ],
)
def test_errors_name_file_and_line(
    inventory_from: Load, tmp_path: Path, text: str, line: int, message: str
) -> None:
    with pytest.raises(ParseError) as caught:
        inventory_from({"bad.ini": text}, "bad.ini")
    error = caught.value
    assert message in error.message
    assert error.origin is not None
    assert error.origin.path == str(tmp_path / "bad.ini")
    assert error.origin.line == line
    assert f"bad.ini:{line}:" in str(error)
