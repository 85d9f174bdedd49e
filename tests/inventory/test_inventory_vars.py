"""group_vars/host_vars beside inventories and playbooks, and variable precedence."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from longplay.errors import LongplayError, ParseError
from longplay.inventory import ConnectionSettings, Inventory, VarsDirectory, load_inventory

Load = Callable[..., Inventory]

PRECEDENCE_FILES = {
    "inv/hosts": """
        top1 v=host_inline
        [a]
        top1
        x1
        [b]
        top1
        [c:children]
        a
        [d:children]
        c
        [b:vars]
        v=b_file
        p=b
        [a:vars]
        v=a_file
        p=a
        [all:vars]
        v=all_file
        only_all=1
        [d:vars]
        deep=d
    """,
    "inv/group_vars/all/01.yml": "v: gv_all_1\nfrom_all_dir: 1\n",
    "inv/group_vars/all/02.yml": "v: gv_all_2\n",
    "inv/group_vars/b.yml": "v: gv_b\ngb: 1\n",
    "inv/group_vars/c.yaml": "v: gv_c\ngc: 1\n",
    "inv/host_vars/top1.json": '{"hv": "json", "v": "hv_top1"}',
    "play/group_vars/all.yml": "v: pb_all\npb_all: 1\n",
    "play/group_vars/a.yml": "v: pb_a\n",
    "play/host_vars/x1.yml": "v: pb_x1\n",
}


def test_precedence_of_inventory_layers(inventory_from: Load) -> None:
    inventory = inventory_from(PRECEDENCE_FILES, "inv")
    top1, x1 = inventory.hosts["top1"], inventory.hosts["x1"]
    # group depth decides: a (all > d > c > a) beats b, and group_vars/* beat file vars
    assert inventory.variables_for(x1) == {
        "v": "gv_c",
        "p": "a",
        "only_all": 1,
        "deep": "d",
        "from_all_dir": 1,
        "gc": 1,
    }
    assert inventory.variables_for(top1)["v"] == "hv_top1"
    assert inventory.file_group_vars(x1) == {"v": "a_file", "p": "a", "only_all": 1, "deep": "d"}
    assert inventory.group_vars_for(top1)["v"] == "gv_c"
    assert inventory.host_vars_for(top1) == {"v": "hv_top1", "hv": "json"}
    assert [g.name for g in inventory.host_groups(top1)] == ["b", "d", "c", "a"]


def test_layers_interleave_playbook_dirs(inventory_from: Load, tmp_path: Path) -> None:
    inventory = inventory_from(PRECEDENCE_FILES, "inv")
    x1 = inventory.hosts["x1"]
    layers = inventory.host_var_layers(x1, tmp_path / "play")
    assert [(layer.name, layer.vars.get("v")) for layer in layers] == [
        ("inventory file group vars", "a_file"),
        ("inventory group_vars/all", "gv_all_2"),
        ("playbook group_vars/all", "pb_all"),
        ("inventory group_vars/*", "gv_c"),
        ("playbook group_vars/*", "pb_a"),
        ("inventory file host vars", None),
        ("inventory host_vars/*", None),
        ("playbook host_vars/*", "pb_x1"),
    ]
    assert inventory.variables_for(x1, tmp_path / "play")["v"] == "pb_x1"
    assert inventory.group_vars_for(x1, tmp_path / "play")["v"] == "pb_a"
    assert inventory.group_vars_for(x1, tmp_path / "play")["pb_all"] == 1
    assert inventory.host_vars_for(x1, tmp_path / "play") == {"v": "pb_x1"}
    adjacent = inventory.adjacent_vars(x1, tmp_path / "play")
    assert (adjacent.group_all, adjacent.groups, adjacent.host) == (
        {"v": "pb_all", "pb_all": 1},
        {"v": "pb_a"},
        {"v": "pb_x1"},
    )


def test_group_vars_of_several_sources_apply_source_by_source(inventory_from: Load) -> None:
    files = {
        "s1/hosts": "[a]\nh\n[b]\nh\n",
        "s2/hosts": "[c]\nh\n",
        "s1/group_vars/b.yml": "v: b1\n",
        "s2/group_vars/a.yml": "v: a2\n",
        "s1/host_vars/h.yml": "w: s1\n",
        "s2/host_vars/h.yml": "w: s2\n",
    }
    forward = inventory_from(files, "s1/hosts", "s2/hosts")
    assert forward.variables_for(forward.hosts["h"]) == {"v": "a2", "w": "s2"}
    backward = inventory_from({}, "s2/hosts", "s1/hosts")
    assert backward.variables_for(backward.hosts["h"]) == {"v": "b1", "w": "s1"}


def test_vars_file_lookup_order_and_directory_rules(tmp_path: Path) -> None:
    base = tmp_path
    (base / "group_vars" / "web" / "sub").mkdir(parents=True)
    (base / "group_vars" / "web.yml").write_text("ignored: true\n")  # the directory wins
    files = {
        "a.yml": "v1: a\n",
        "b.yaml": "v1: b\nv2: b\n",
        "c.json": '{"v3":\t"json"}',  # a tab: YAML refuses it, JSON does not
        "d": "v4: noext\n",
        "e.txt": "v5: txt\n",
        ".f.yml": "v6: hidden\n",
        "g.yml~": "v7: backup\n",
        "h.ini": "v8: ini\n",
        "sub/x.yml": "v1: sub\nv9: sub\n",
    }
    for name, text in files.items():
        (base / "group_vars" / "web" / name).write_text(text)
    (base / "group_vars" / "db").write_text("noext: 1\n")
    (base / "group_vars" / "db.yml").write_text("yml: 1\n")
    (base / "group_vars" / "q.yaml").write_text("yaml: 1\n")
    (base / "group_vars" / "q.json").write_text('{"json": 1}')
    directory = VarsDirectory(base)
    assert directory.group_vars("web") == {
        "v1": "sub",
        "v2": "b",
        "v3": "json",
        "v4": "noext",
        "v9": "sub",
    }
    assert directory.group_vars("db") == {"noext": 1}
    assert directory.group_vars("q") == {"yaml": 1}
    assert directory.group_vars("missing") == {}
    assert directory.host_vars("anyone") == {}
    assert directory.group_vars("../etc") == {}


def test_empty_and_bad_vars_files(tmp_path: Path) -> None:
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "empty.yml").write_text("# nothing\n")
    (tmp_path / "group_vars" / "list.yml").write_text("# a list\n- 1\n- 2\n")
    (tmp_path / "group_vars" / "broken.yml").write_text("a: 1\n  b: [\n")
    directory = VarsDirectory(tmp_path)
    assert directory.group_vars("empty") == {}
    with pytest.raises(ParseError) as caught:
        directory.group_vars("list")
    assert "must contain a mapping" in caught.value.message
    assert caught.value.origin is not None
    assert (caught.value.origin.path, caught.value.origin.line) == (
        str(tmp_path / "group_vars" / "list.yml"),
        2,
    )
    with pytest.raises(ParseError) as caught:
        directory.group_vars("broken")
    assert caught.value.origin is not None
    assert caught.value.origin.path == str(tmp_path / "group_vars" / "broken.yml")


def test_vars_files_are_read_once(tmp_path: Path) -> None:
    (tmp_path / "group_vars").mkdir()
    path = tmp_path / "group_vars" / "all.yml"
    path.write_text("v: 1\n")
    directory = VarsDirectory(tmp_path)
    assert directory.group_vars("all") == {"v": 1}
    path.write_text("v: 2\n")
    assert directory.group_vars("all") == {"v": 1}


def test_implicit_localhost_gets_all_vars_and_its_host_vars(inventory_from: Load) -> None:
    inventory = inventory_from(
        {
            "inv/hosts": "h1\n[all:vars]\nfrom_file=1\n",
            "inv/group_vars/all.yml": "foo: bar\n",
            "inv/group_vars/ungrouped.yml": "ug: 1\n",
            "inv/host_vars/localhost.yml": "foo: lh\n",
        },
        "inv",
    )
    localhost = inventory.select("localhost")[0]
    assert localhost.implicit
    assert inventory.variables_for(localhost)["foo"] == "lh"
    assert inventory.variables_for(localhost)["from_file"] == 1
    assert "ug" not in inventory.variables_for(localhost)
    assert inventory.variables_for(inventory.hosts["h1"])["ug"] == 1
    assert inventory.file_of(localhost) is None


def test_connection_settings() -> None:
    inventory = load_inventory(
        ["h1:2222,"],
    )
    host = inventory.hosts["h1"]
    assert host.connection_settings() == ConnectionSettings(
        name="h1",
        address="h1",
        port=2222,
        user=None,
        connection="ssh",
        password=None,
        private_key_file=None,
        python_interpreter=None,
    )
    settings = host.connection_settings(
        {
            "ansible_host": "10.0.0.1",
            "ansible_ssh_host": "10.0.0.2",
            "ansible_port": "2200",
            "ansible_user": "deploy",
            "ansible_ssh_pass": "secret",
            "ansible_ssh_private_key_file": "~/.ssh/id",
            "ansible_python_interpreter": "/usr/bin/python3",
        }
    )
    assert (settings.address, settings.port, settings.user) == ("10.0.0.2", 2200, "deploy")
    assert (settings.password, settings.private_key_file) == ("secret", "~/.ssh/id")
    local = inventory.implicit_localhost().connection_settings()
    assert local.connection == "local"
    with pytest.raises(LongplayError, match="ansible_port of host 'h1' must be a number"):
        host.connection_settings({"ansible_port": "ssh"})


def test_to_list_dict(inventory_from: Load) -> None:
    inventory = inventory_from(
        {"inv/hosts": "[web]\nw1 a=1\n[db:children]\nweb\n", "inv/group_vars/web.yml": "g: 2\n"},
        "inv",
    )
    assert inventory.to_list_dict() == {
        "_meta": {"hostvars": {"w1": {"a": 1, "g": 2}}},
        "all": {"children": ["ungrouped", "db"]},
        "db": {"children": ["web"]},
        "web": {"hosts": ["w1"]},
    }
