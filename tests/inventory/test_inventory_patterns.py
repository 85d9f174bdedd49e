"""Host patterns, subscripts, --limit and host order."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from invtools import names

from longplay.errors import OptionsError
from longplay.inventory import HostPatternError, Inventory, order_hosts, split_host_pattern

Load = Callable[..., Inventory]

HOSTS = """
web01.example.com
web02.example.com
dba
dbb
[web]
h1
w1
w4
w7
[dbs:children]
web
[other]
h2
"""


@pytest.fixture
def inventory(inventory_from: Load) -> Inventory:
    return inventory_from({"hosts": HOSTS}, "hosts")


ALL = ["web01.example.com", "web02.example.com", "dba", "dbb", "h2", "h1", "w1", "w4", "w7"]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("all", ALL),
        ("*", ALL),
        ("", ALL),
        ("dbs", ["h1", "w1", "w4", "w7"]),
        ("web:other", ["h1", "w1", "w4", "w7", "h2"]),
        ("other:web", ["h2", "h1", "w1", "w4", "w7"]),
        ("h2,h1", ["h2", "h1"]),
        ("h2, h1,,", ["h2", "h1"]),
        (["h2", "other:h1"], ["h2", "h1"]),
        ("all:!web", ["web01.example.com", "web02.example.com", "dba", "dbb", "h2"]),
        ("!web", ["web01.example.com", "web02.example.com", "dba", "dbb", "h2"]),
        ("!web:h2", ["h2"]),
        ("web:&dbs", ["h1", "w1", "w4", "w7"]),
        ("&other", ["h2"]),
        ("h1:!h1:h1", []),
        ("w*", ["h1", "w1", "w4", "w7", "web01.example.com", "web02.example.com"]),
        ("*.example.com", ["web01.example.com", "web02.example.com"]),
        ("d?a", ["dba"]),
        ("db?", ["h1", "w1", "w4", "w7", "dba", "dbb"]),  # group dbs matches too
        ("db[!as]", ["dbb"]),
        ("~w\\d", ["w1", "w4", "w7"]),
        ("~\\d", []),  # regexes are anchored at the start
        ("WEB", []),  # case matters
        ("web[0]", ["h1"]),
        ("web[1:2]", ["w1", "w4"]),
        ("web[-1]", ["w7"]),
        ("web[1:]", ["w1", "w4", "w7"]),
        ("web[2:20]", ["w4", "w7"]),
        ("nosuch[0]", []),
        ("web[3:1]", []),
        ("dbs[0]", ["h1"]),
        ("w*[4]", ["web01.example.com"]),  # duplicates are dropped before the subscript
        ("web:&web[1:3]:!web[2]", ["w1", "w7"]),
        ("web[0],web[3]", ["h1", "w7"]),
        ("nomatch", []),
    ],
)
def test_patterns(inventory: Inventory, pattern: str | list[str], expected: list[str]) -> None:
    assert names(inventory.select(pattern)) == expected


def test_unmatched_terms_are_reported(inventory: Inventory) -> None:
    selection = inventory.match("nomatch:web:~zz:all:web[3]")
    assert names(selection.hosts) == ["h1", "w1", "w4", "w7", *ALL[:5]]
    assert selection.unmatched == ["nomatch", "~zz"]
    assert inventory.match("h[1:2]").unmatched == ["h"]


def test_removed_dash_subscript_warns(inventory: Inventory) -> None:
    selection = inventory.match("web[1-2]")
    assert selection.hosts == []
    assert selection.warnings == [
        "Use [x:y] inclusive subscripts instead of [x-y] which has been removed"
    ]


def test_host_name_wins_over_group_of_same_name(inventory_from: Load) -> None:
    inventory = inventory_from({"hosts": "web\nx\n[web]\na\n[g2]\nweb\n"}, "hosts")
    assert names(inventory.select("web")) == ["web"]
    assert names(inventory.select("!web")) == ["x", "web"]  # excluding uses the group
    assert names(inventory.select("web*")) == ["a", "web"]


@pytest.mark.parametrize(
    ("pattern", "terms"),
    [
        ("a:b", ["a", "b"]),
        ("a:b,c", ["a:b", "c"]),
        ("web:22", ["web:22"]),
        ("::1", ["::1"]),
        ("web[1:2]:db", ["web[1:2]", "db"]),
        ("~w.*:db", ["~w.*", "db"]),
        ("a :b", ["a", "b"]),
        ("all:!web:&db", ["all", "!web", "&db"]),
    ],
)
def test_split_host_pattern(pattern: str, terms: list[str]) -> None:
    assert split_host_pattern(pattern) == terms


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        ("h1,w1", ["h1", "w1"]),
        ("!w1", ["h1", "w4", "w7"]),
        ("&w4", ["w4"]),
        ("all:!dbs[0]", ["w1", "w4", "w7"]),
        (["w7", "h1"], ["h1", "w7"]),
    ],
)
def test_limit(inventory: Inventory, limit: str | list[str], expected: list[str]) -> None:
    assert names(inventory.select("web", limit=limit)) == expected


def test_limit_file(inventory: Inventory, tmp_path: Path) -> None:
    (tmp_path / "retry").write_text("w4\n\n  h1  \n")
    assert names(inventory.select("web", limit="@retry", cwd=tmp_path)) == ["h1", "w4"]
    assert names(inventory.select("all", limit=f"h2,@{tmp_path / 'retry'}")) == ["h2", "h1", "w4"]
    with pytest.raises(HostPatternError, match="Unable to find limit file"):
        inventory.select("all", limit="@missing", cwd=tmp_path)


def test_limit_and_implicit_localhost() -> None:
    empty = Inventory.load([])
    assert names(empty.select("localhost", limit="localhost")) == ["localhost"]
    assert empty.select("localhost", limit="all") == []


def test_bad_regex_is_an_error(inventory: Inventory) -> None:
    with pytest.raises(HostPatternError, match=r"Invalid host list pattern: ~\("):
        inventory.select("~(")


@pytest.mark.parametrize("pattern", ["web[9]", "all:web[-5]", "h2:!web[4]"])
def test_subscript_out_of_range_is_an_error(inventory: Inventory, pattern: str) -> None:
    with pytest.raises(HostPatternError, match="No hosts matched the subscripted pattern 'web"):
        inventory.select(pattern)
    with pytest.raises(HostPatternError):
        inventory.select("all", limit=pattern)


def test_groups_dict(inventory: Inventory) -> None:
    groups = inventory.groups_dict()
    assert groups == {
        "all": ALL,
        "ungrouped": ["web01.example.com", "web02.example.com", "dba", "dbb"],
        "web": ["h1", "w1", "w4", "w7"],
        "dbs": ["h1", "w1", "w4", "w7"],
        "other": ["h2"],
    }
    assert inventory.groups_dict() is groups  # cached until the inventory changes
    inventory.add_host("new", "other")
    inventory.reconcile()
    assert inventory.groups_dict()["other"] == ["h2", "new"]


def test_breadth_first_host_order(inventory_from: Load) -> None:
    inventory = inventory_from(
        {
            "hosts": "[A:children]\nA1\n[A1]\nha1\n[A1:children]\nA2\n[A2]\nha2\n[B]\nhb\n[B:children]\nB1\n[B1]\nhb1\n[A]\nha\n"
        },
        "hosts",
    )
    assert names(inventory.select("all")) == ["ha", "hb", "ha1", "hb1", "ha2"]
    assert names(inventory.select("A:B")) == ["ha", "ha1", "ha2", "hb", "hb1"]


def test_order_hosts(inventory: Inventory) -> None:
    hosts = inventory.select("web")
    assert names(order_hosts(hosts, "inventory")) == ["h1", "w1", "w4", "w7"]
    assert names(order_hosts(hosts, "reverse_inventory")) == ["w7", "w4", "w1", "h1"]
    assert names(order_hosts(inventory.select("other:web"), "sorted")) == [
        "h1",
        "h2",
        "w1",
        "w4",
        "w7",
    ]
    assert names(order_hosts(hosts, "reverse_sorted")) == ["w7", "w4", "w1", "h1"]
    assert sorted(names(order_hosts(hosts, "shuffle", seed=3))) == ["h1", "w1", "w4", "w7"]
    with pytest.raises(OptionsError, match="Invalid 'order'"):
        order_hosts(hosts, "random")
