"""YAML and JSON inventory files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from invtools import names

from longplay.errors import ParseError
from longplay.inventory import Inventory

Load = Callable[..., Inventory]


def test_nested_groups_hosts_and_vars(inventory_from: Load) -> None:
    inventory = inventory_from(
        {
            "inv.yml": """
                all:
                  vars:
                    shared: all
                  hosts:
                    y1:
                      shared: host
                      nested: {a: [1, 2]}
                    "y2:2200":
                    y[3:4]:
                      r: 1
                  children:
                    web:
                      vars:
                        shared: web
                      hosts:
                        y1:
                          more: 2
                      children:
                        inner:
                          hosts:
                            y5:
                    db:
                      hosts:
                        y3:
            """
        },
        "inv.yml",
    )
    assert list(inventory.hosts) == ["y1", "y2", "y3", "y4", "y5"]
    assert inventory.hosts["y1"].vars == {"shared": "host", "nested": {"a": [1, 2]}, "more": 2}
    assert inventory.hosts["y2"].vars == {"ansible_port": 2200}
    assert inventory.hosts["y4"].vars == {"r": 1}
    assert inventory.groups["all"].vars == {"shared": "all"}
    assert [g.name for g in inventory.groups["all"].children] == ["ungrouped", "web", "db"]
    assert names(inventory.groups["ungrouped"].hosts) == ["y2", "y4"]
    assert inventory.groups["inner"].depth == 2
    assert inventory.hosts["y5"].group_names() == ["inner", "web"]
    assert names(inventory.select("all")) == ["y1", "y2", "y3", "y4", "y5"]


def test_document_order_decides_host_order(inventory_from: Load) -> None:
    inventory = inventory_from(
        {"inv.yaml": "all:\n  children:\n    web:\n      hosts:\n        x2:\n  hosts:\n    x1:\n"},
        "inv.yaml",
    )
    assert list(inventory.hosts) == ["x2", "x1"]


def test_top_level_groups_and_explicit_ungrouped(inventory_from: Load) -> None:
    inventory = inventory_from(
        {"inv.yml": "web:\n  hosts:\n    a:\nungrouped:\n  hosts:\n    b:\nempty:\n"},
        "inv.yml",
    )
    assert [g.name for g in inventory.groups["all"].children] == ["ungrouped", "web", "empty"]
    assert names(inventory.groups["ungrouped"].hosts) == ["b"]


def test_json_inventory(inventory_from: Load) -> None:
    inventory = inventory_from(
        {
            "inv.json": '{"all": {"hosts": {"j1": {"v": 1}}, "children": {"g": {"hosts": {"j2": null}}}}}'
        },
        "inv.json",
    )
    assert inventory.hosts["j1"].vars == {"v": 1}
    assert inventory.hosts["j2"].group_names() == ["g"]


def test_unexpected_keys_are_warnings(inventory_from: Load) -> None:
    inventory = inventory_from({"inv.yml": "web:\n  foo: 1\n  hosts:\n    a:\n"}, "inv.yml")
    assert "a" in inventory.hosts
    assert inventory.warnings == [
        'Skipping unexpected key (foo) in group (web), only "vars", "children" and "hosts" are valid'
    ]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("web:\n  hosts: [a, b]\n", 2, 'Invalid "hosts" entry for "web" group, requires a mapping'),
        ("web:\n  vars: [1]\n", 2, 'Invalid "vars" entry for "web" group'),
        ("web:\n  children: [a]\n", 2, 'Invalid "children" entry for "web" group'),
        ("web:\n  hosts:\n    a: 1\n", 3, "The variables of host 'a' must be a mapping"),
        ("web:\n  hosts:\n    123:\n", 3, "Host pattern 123 must be a string"),
        ("web: [1]\n", 1, "Group 'web' must be a mapping"),
        ("- a\n- b\n", 1, "YAML inventory has invalid structure"),
        ("all:\n  hosts:\n    a\n  - b\n", 4, "YAML parsing failed"),
        ("plugin: aws_ec2\n", 1, "inventory plugin configs are not supported"),
        ("web:\n  children:\n    sub:\n      hosts:\n        x[3:1]:\n", 5, "begin <= end"),
        ("web:\n  hosts:\n    'x:':\n", 3, "ending in ':'"),
        ("a:\n  children:\n    b:\n      children:\n        a:\n", 5, "dependency loop"),
        ("a:\n  vars:\n    ansible_group_priority: x\n", 3, "must be an integer"),
    ],
)
def test_errors_name_file_and_line(
    inventory_from: Load, tmp_path: Path, text: str, line: int, message: str
) -> None:
    with pytest.raises(ParseError) as caught:
        inventory_from({"bad.yml": text}, "bad.yml")
    error = caught.value
    assert message in error.message
    assert error.origin is not None
    assert error.origin.path == str(tmp_path / "bad.yml")
    assert error.origin.line == line
