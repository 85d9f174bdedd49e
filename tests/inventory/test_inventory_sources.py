"""Sources: directories, host lists, format detection, several -i, implicit localhost."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from invtools import names

from longplay.errors import ParseError
from longplay.inventory import Inventory, load_inventory

Load = Callable[..., Inventory]


def test_directory_reads_every_inventory_file_sorted(inventory_from: Load, tmp_path: Path) -> None:
    files = {
        "inv/g.ini": "a8\n",
        "inv/h.yml": "all:\n  hosts:\n    a9:\n",
        "inv/l": "a14\n",
        "inv/m.json": '{"all": {"hosts": {"a15": null}}}',
        "inv/q.yaml": "a19\n",  # YAML that is not a mapping is read as INI
        "inv/sub/x": "a10\n",
        "inv/group_vars/all": "x: 1\n",
        "inv/host_vars/a8": "y: 2\n",
    }
    junk = [
        "a.retry",
        "b~",
        ".hidden",
        "c.cfg",
        "d.md",
        "e.txt",
        "f.orig",
        "i.bak",
        "j.swp",
        "k.pyc",
    ]
    files.update({f"inv/{name}": "junk\n" for name in junk})
    inventory = inventory_from(files, "inv")
    assert list(inventory.hosts) == ["a8", "a9", "a14", "a15", "a19", "a10"]
    assert names(inventory.groups["ungrouped"].hosts) == ["a8", "a14", "a19", "a10", "a9", "a15"]
    assert inventory.variables_for(inventory.hosts["a10"]) == {"x": 1}
    assert inventory.variables_for(inventory.hosts["a8"]) == {"x": 1, "y": 2}
    assert inventory.file_of(inventory.hosts["a9"]) == str(tmp_path / "inv" / "h.yml")
    assert inventory.dir_of(inventory.hosts["a10"]) == str(tmp_path / "inv" / "sub")


def test_format_detection(inventory_from: Load) -> None:
    inventory = inventory_from(
        {
            "noext_yaml": "web:\n  hosts:\n    y1:\n",
            "noext_ini": "[web]\ni1\n",
            "ini_in.yml": "[db]\ni2 v=1\n",
            "hosts.txt": "[other]\ni3\n",
        },
        "noext_yaml",
        "noext_ini",
        "ini_in.yml",
        "hosts.txt",
    )
    assert names(inventory.select("web")) == ["y1", "i1"]
    assert inventory.hosts["i2"].vars == {"v": 1}
    assert names(inventory.select("other")) == ["i3"]


def test_empty_files(inventory_from: Load) -> None:
    inventory = inventory_from(
        {"empty.yml": "", "empty.ini": "", "empty": ""}, "empty.yml", "empty.ini", "empty"
    )
    assert inventory.is_empty


def test_host_list_sources(tmp_path: Path) -> None:
    inventory = load_inventory(["a, b:2222,web[1:3],[::1]:22,,", "localhost,"], cwd=tmp_path)
    assert list(inventory.hosts) == ["a", "b", "web[1:3]", "::1", "localhost"]
    assert inventory.hosts["b"].vars == {"ansible_port": 2222}
    assert inventory.hosts["::1"].vars == {"ansible_port": 22}
    # an explicit localhost is an ordinary host: no local connection is assumed
    assert inventory.hosts["localhost"].vars == {}
    assert inventory.file_of(inventory.hosts["a"]) == "a, b:2222,web[1:3],[::1]:22,,"
    assert inventory.dir_of(inventory.hosts["a"]) is None
    assert [source.vars_dir for source in inventory.sources] == [None, None]


def test_several_sources_merge_in_order(inventory_from: Load) -> None:
    inventory = inventory_from(
        {
            "one.ini": "[web]\nh1 v=1\nh2\n",
            "two.yml": "web:\n  hosts:\n    h3:\n    h1:\n      v: 2\ndb:\n  hosts:\n    h2:\n",
        },
        "one.ini",
        "two.yml",
        "h4,",
    )
    assert list(inventory.hosts) == ["h1", "h2", "h3", "h4"]
    assert inventory.hosts["h1"].vars == {"v": 2}
    assert names(inventory.select("web")) == ["h1", "h2", "h3"]
    assert inventory.hosts["h2"].group_names() == ["db", "web"]


def test_host_moves_out_of_ungrouped_when_a_later_source_groups_it(inventory_from: Load) -> None:
    inventory = inventory_from({"a": "h\nloose\n", "b": "[g]\nh\n"}, "a", "b")
    assert names(inventory.groups["ungrouped"].hosts) == ["loose"]
    assert inventory.hosts["h"].group_names() == ["g"]


def test_relative_sources_use_cwd(tmp_path: Path) -> None:
    (tmp_path / "hosts").write_text("h\n")
    inventory = load_inventory(["hosts"], cwd=tmp_path)
    assert list(inventory.hosts) == ["h"]
    assert inventory.sources[0].path == str(tmp_path / "hosts")


def test_no_sources_gives_only_implicit_localhost() -> None:
    inventory = load_inventory([])
    assert inventory.is_empty
    assert inventory.select("all") == []
    assert inventory.select("*") == []
    localhost = inventory.select("localhost")
    assert names(localhost) == ["localhost"]
    host = localhost[0]
    assert host.implicit
    assert host.vars == {
        "ansible_connection": "local",
        "ansible_python_interpreter": sys.executable,
    }
    assert host.group_names() == []
    assert inventory.select("127.0.0.1") == [host]  # one implicit localhost, first name sticks
    assert inventory.groups_dict() == {"all": [], "ungrouped": []}


def test_implicit_localhost_beside_real_hosts(inventory_from: Load) -> None:
    inventory = inventory_from({"hosts": "h1\n"}, "hosts")
    assert names(inventory.select("all")) == ["h1"]
    assert names(inventory.select("all:localhost")) == ["h1", "localhost"]
    assert names(inventory.select("::1")) == ["localhost"]
    assert "localhost" not in inventory.hosts


def test_implicit_host_for_delegation(inventory_from: Load) -> None:
    inventory = inventory_from({"hosts": "h1\n"}, "hosts")
    other = inventory.implicit_host("elsewhere")
    assert other is inventory.implicit_host("elsewhere")
    assert other.implicit and other.group_names() == []
    assert inventory.implicit_host("h1") is inventory.hosts["h1"]
    assert inventory.implicit_host("localhost").vars["ansible_connection"] == "local"
    assert inventory.get_host("elsewhere") is None


def test_missing_source(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="does not exist"):
        load_inventory([str(tmp_path / "nope")])


def test_unreadable_file_in_directory(tmp_path: Path) -> None:
    (tmp_path / "inv").mkdir()
    os.symlink(tmp_path / "gone", tmp_path / "inv" / "hosts")
    with pytest.raises(ParseError) as caught:
        load_inventory([str(tmp_path / "inv")])
    assert "could not read inventory file" in caught.value.message
    assert caught.value.origin is not None
    assert caught.value.origin.path == str(tmp_path / "inv" / "hosts")


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "hosts").write_bytes(b"h1\nh2 v=\xff\n")
    with pytest.raises(ParseError) as caught:
        load_inventory([str(tmp_path / "hosts")])
    assert caught.value.origin is not None
    assert (caught.value.origin.path, caught.value.origin.line) == (str(tmp_path / "hosts"), 2)


def test_inventory_scripts_are_refused(tmp_path: Path) -> None:
    script = tmp_path / "inv.sh"
    script.write_text("#!/bin/sh\necho '{}'\n")
    script.chmod(0o755)
    with pytest.raises(ParseError, match="inventory scripts are not supported"):
        load_inventory([str(script)])


def test_bad_yml_reports_the_yaml_error(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text("all:\n  hosts:\n    a\n  - b\n")
    with pytest.raises(ParseError, match="YAML parsing failed"):
        load_inventory([str(tmp_path / "bad.yml")])


def test_group_and_host_with_same_name_warns(inventory_from: Load) -> None:
    inventory = inventory_from({"hosts": "web\n[web]\na\n"}, "hosts")
    assert inventory.warnings == ["Found both group and host with same name: web"]


def test_refresh_rereads_sources(tmp_path: Path) -> None:
    (tmp_path / "hosts").write_text("[web]\nw1\n")
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "web.yml").write_text("v: 1\n")
    inventory = load_inventory(["hosts"], cwd=tmp_path)
    assert inventory.variables_for(inventory.hosts["w1"]) == {"v": 1}
    inventory.add_host("runtime", "web")
    inventory.reconcile()
    groups_before = inventory.groups_dict()
    (tmp_path / "hosts").write_text("[web]\nw1\nw2\n")
    (tmp_path / "group_vars" / "web.yml").write_text("v: 2\n")
    inventory.refresh()
    assert list(inventory.hosts) == ["w1", "w2"]
    assert inventory.variables_for(inventory.hosts["w2"]) == {"v": 2}
    assert inventory.groups_dict() != groups_before
    assert inventory.groups_dict()["web"] == ["w1", "w2"]


def test_runtime_additions(tmp_path: Path) -> None:
    inventory = load_inventory([])
    host = inventory.add_host("new1", "dynamic")
    host.vars["ansible_host"] = "10.1.1.1"
    inventory.add_child_group("parent", "dynamic")
    inventory.reconcile()
    assert [g.name for g in inventory.groups["all"].children] == ["ungrouped", "parent"]
    assert inventory.select("all") == [host]
    assert host.group_names() == ["dynamic", "parent"]
    assert inventory.groups_dict()["parent"] == ["new1"]
