"""setup: mounts, devices, DMI, capabilities, lsb and the other facts of ansible-core 2.19
that need /sys, /proc and /dev; checked against the real host and real programs."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from filetools import Run, call

from longplay.agent.modules import _setup_linux as linux

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Linux facts")

MOUNT_KEYS = {
    "mount", "device", "fstype", "options", "dump", "passno", "size_total", "size_available",
    "block_size", "block_total", "block_available", "block_used", "inode_total",
    "inode_available", "inode_used", "uuid",
}  # fmt: skip

DMI_FACTS = (
    "bios_date", "bios_vendor", "bios_version", "board_asset_tag", "board_name",
    "board_serial", "board_vendor", "board_version", "chassis_asset_tag", "chassis_serial",
    "chassis_vendor", "chassis_version", "form_factor", "product_name", "product_serial",
    "product_uuid", "product_version", "system_vendor",
)  # fmt: skip

DEVICE_KEYS = {
    "holders", "host", "links", "model", "partitions", "removable", "rotational",
    "sas_address", "sas_device_handle", "scheduler_mode", "sectors", "sectorsize", "size",
    "support_discard", "vendor", "virtual",
}  # fmt: skip


@pytest.fixture(scope="module")
def facts() -> dict[str, Any]:
    result: dict[str, Any] = call("setup", {})["ansible_facts"]
    return result


def _real_mounts() -> list[tuple[str, str]]:
    found = []
    for line in Path("/proc/self/mounts").read_text().splitlines():
        device, mount = line.split()[:2]
        if device.startswith("/") or ":/" in device:
            found.append((device, mount.replace("\\040", " ")))
    return found


def _root_device() -> str | None:
    return next((device for device, mount in _real_mounts() if mount == "/"), None)


def test_new_facts_have_the_reference_types(facts: dict[str, Any]) -> None:
    types = {
        "mounts": list,
        "devices": dict,
        "device_links": dict,
        "lsb": dict,
        "is_chroot": bool,
        "fibre_channel_wwn": list,
        "iscsi_iqn": str,
        "hostnqn": str,
        "locally_reachable_ips": dict,
        "system_capabilities": list,
        "system_capabilities_enforced": str,
        "virtualization_tech_guest": list,
        "virtualization_tech_host": list,
    }
    for name, kind in types.items():
        assert isinstance(facts["ansible_" + name], kind), name
    assert facts["ansible_lvm"] == "N/A" or set(facts["ansible_lvm"]) == {"vgs", "lvs", "pvs"}
    assert set(facts["ansible_device_links"]) == {"ids", "uuids", "labels", "masters"}
    assert set(facts["ansible_locally_reachable_ips"]) == {"ipv4", "ipv6"}
    assert facts["ansible_system_capabilities_enforced"] in ("True", "False", "NA")
    if "flags" in Path("/proc/cpuinfo").read_text():
        assert isinstance(facts["ansible_flags"], list) and all(
            isinstance(flag, str) for flag in facts["ansible_flags"]
        )


def test_only_filesystems_on_devices_or_shares_are_listed(run: Run) -> None:
    before = _real_mounts()  # other tests may mount meanwhile: compare with before and after
    mounts = run("setup", {"filter": ["ansible_mounts"]})["ansible_facts"]["ansible_mounts"]
    after = _real_mounts()
    listed = [(m["device"], m["mount"]) for m in mounts]
    assert set(listed) <= set(before) | set(after)
    points = [mount for _, mount in listed]
    assert len(points) == len(set(points))  # one entry per mount point
    assert {m for _, m in before} & {m for _, m in after} <= set(points)
    for entry in mounts:
        assert set(entry) >= MOUNT_KEYS, entry
        assert entry["fstype"] not in ("proc", "sysfs", "tmpfs", "cgroup", "cgroup2", "devpts")
        assert isinstance(entry["dump"], int) and isinstance(entry["passno"], int)
        assert isinstance(entry["uuid"], str)


@pytest.mark.skipif(_root_device() is None, reason="/ is not on a block device here")
def test_root_mount_numbers_add_up(facts: dict[str, Any]) -> None:
    root = next(m for m in facts["ansible_mounts"] if m["mount"] == "/")
    assert root["device"] == _root_device()
    ints = [k for k in MOUNT_KEYS if k.startswith(("size", "block", "inode"))]
    assert all(isinstance(root[k], int) and root[k] >= 0 for k in ints)
    assert 0 <= root["size_available"] <= root["size_total"]
    assert root["block_used"] == root["block_total"] - root["block_available"]
    assert root["inode_used"] == root["inode_total"] - root["inode_available"]
    fragment = root["size_total"] // root["block_total"]
    assert root["size_available"] == root["block_available"] * fragment
    assert root["options"].split(",")[0] in ("rw", "ro")
    by_uuid = Path("/dev/disk/by-uuid")
    if not by_uuid.is_dir():
        assert root["uuid"] == "N/A"  # what lsblk reports without udev, as the reference


@pytest.mark.skipif(os.geteuid() != 0 or _root_device() is None, reason="bind mount needs root")
def test_bind_mount_is_listed_with_bind_option(run: Run, tmp_path: Path) -> None:
    source, target = tmp_path / "source", tmp_path / "tar get"
    source.mkdir()
    target.mkdir()
    if subprocess.run(["mount", "--bind", str(source), str(target)]).returncode != 0:
        pytest.skip("mount --bind refused here")
    try:
        mounts = run("setup", {"filter": ["ansible_mounts"]})["ansible_facts"]["ansible_mounts"]
    finally:
        subprocess.run(["umount", str(target)], check=True)
    entry = next(m for m in mounts if m["mount"] == str(target))
    root = next(m for m in mounts if m["mount"] == "/")
    assert entry["options"] == root["options"] + ",bind"
    assert entry["device"] == root["device"] and entry["size_total"] == root["size_total"]


def test_mount_escapes_are_decoded() -> None:
    assert linux._unescape("/mnt/a\\040b\\011c\\134d") == "/mnt/a b\tc\\d"
    assert linux._unescape("/plain\\0x") == "/plain\\0x"


def test_devices_mirror_sys_block(facts: dict[str, Any]) -> None:
    devices = facts["ansible_devices"]
    assert sorted(devices) == sorted(os.listdir("/sys/block"))
    for name, details in devices.items():
        assert set(details) >= DEVICE_KEYS, name
        assert isinstance(details["sectorsize"], str) and details["sectorsize"].isdigit()
        sectorsize = int(
            details["sectorsize"]
        )  # sysfs counts 512-byte sectors, ansible logical ones
        sectors = int(Path(f"/sys/block/{name}/size").read_text()) * 512 // sectorsize
        assert details["sectors"] == sectors and isinstance(details["sectors"], int)
        assert details["size"] == linux.bytes_to_human(float(sectors * sectorsize))
        assert details["virtual"] == 1 and details["host"] == ""
        assert set(details["links"]) == {"ids", "uuids", "labels", "masters"}
        scheduler = Path(f"/sys/block/{name}/queue/scheduler")
        if scheduler.exists():
            assert details["scheduler_mode"] in scheduler.read_text().replace("[", " ")
        for part in details["partitions"].values():
            assert {"start", "sectors", "sectorsize", "size", "uuid", "holders", "links"} <= set(
                part
            )


def test_bytes_to_human() -> None:
    assert linux.bytes_to_human(0) == "0.00 Bytes"
    assert linux.bytes_to_human(512) == "512.00 Bytes"
    assert linux.bytes_to_human(1536) == "1.50 KB"
    assert linux.bytes_to_human(256 * 2**30) == "256.00 GB"
    assert linux.bytes_to_human(3 * 2**40) == "3.00 TB"
    assert linux.bytes_to_human(2**61) == "2.00 EB"


def test_dmi_facts_are_strings_na_when_absent(facts: dict[str, Any]) -> None:
    dmi = Path(linux.DMI_DIR)
    for name in DMI_FACTS:
        assert isinstance(facts["ansible_" + name], str), name
    if not dmi.is_dir():
        assert all(facts["ansible_" + name] == "NA" for name in DMI_FACTS)
        return
    if (dmi / "sys_vendor").exists():
        assert facts["ansible_system_vendor"] == (dmi / "sys_vendor").read_text().strip()
    if (dmi / "chassis_type").exists():
        number = int((dmi / "chassis_type").read_text())
        assert facts["ansible_form_factor"] == linux.CHASSIS_TYPES[number - 1]


def test_interfaces_with_a_bus_device_have_pciid_and_speed(facts: dict[str, Any]) -> None:
    for name in facts["ansible_interfaces"]:
        details = facts["ansible_" + name.replace("-", "_").replace(".", "_")]
        device = Path(f"/sys/class/net/{name}/device")
        if device.exists():
            assert details["pciid"] == os.path.basename(os.readlink(device))
        else:
            assert "pciid" not in details
        try:
            speed = int(Path(f"/sys/class/net/{name}/speed").read_text())
        except (OSError, ValueError):
            assert "speed" not in details
        else:
            assert details["speed"] == speed


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2")
def test_locally_reachable_ips_match_the_local_route_table(facts: dict[str, Any]) -> None:
    found = facts["ansible_locally_reachable_ips"]
    for family, key in (("-4", "ipv4"), ("-6", "ipv6")):
        out = subprocess.run(
            ["ip", family, "route", "show", "table", "local"], capture_output=True, text=True
        ).stdout
        expected = [line.split()[1] for line in out.splitlines() if line.startswith("local ")]
        assert sorted(found[key]) == sorted(dict.fromkeys(expected)), key


@pytest.mark.skipif(shutil.which("capsh") is None, reason="needs capsh")
@pytest.mark.parametrize(
    "capsh_args",
    [[], ["--drop=cap_net_raw,cap_chown"], ["--inh=cap_net_raw", "--drop=cap_sys_admin"]],
)
def test_capabilities_read_as_capsh_prints_them(capsh_args: list[str]) -> None:
    if os.geteuid() != 0 and capsh_args:
        pytest.skip("changing capabilities needs root")
    probe = (
        "import json; from longplay.agent.modules import _setup_linux as m;"
        " print(json.dumps(m.caps_facts({}, {}, None)))"
    )
    script = f"capsh --print; {sys.executable} -c '{probe}'"
    out = subprocess.run(
        ["capsh", *capsh_args, "--", "-c", script], capture_output=True, text=True, check=True
    ).stdout
    current = next(line for line in out.splitlines() if line.startswith("Current:"))
    text = current.split(":", 1)[1].strip()
    ours = json.loads(out.splitlines()[-1])
    assert ours["system_capabilities"] == [c.strip() for c in text.split("=", 1)[1].split(",")]
    assert ours["system_capabilities_enforced"] == ("False" if text == "=ep" else "True")


def test_capability_text_form() -> None:
    every = (1 << 41) - 1
    assert linux.caps_text(every, every, 0, 41) == "=ep"
    assert linux.caps_text(0, 0, 0, 41) == "="
    without = every & ~(1 << 24)
    assert linux.caps_text(without, without, 0, 41) == "=ep cap_sys_resource-ep"
    assert linux.caps_text(1 << 13, 1 << 13, 1 << 13, 41) == "= cap_net_raw+eip"


@pytest.mark.skipif(shutil.which("lsb_release") is None, reason="needs lsb_release")
def test_lsb_matches_lsb_release(facts: dict[str, Any]) -> None:
    out = subprocess.run(["lsb_release", "-a"], capture_output=True, text=True).stdout
    values = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition(":") for line in out.splitlines())
    )
    lsb = facts["ansible_lsb"]
    assert lsb["id"] == values["Distributor ID"]
    assert lsb["description"] == values["Description"]
    assert lsb["release"] == values["Release"]
    assert lsb["codename"] == values["Codename"]
    assert lsb["major_release"] == values["Release"].split(".")[0]


def test_is_chroot_compares_with_init_root(facts: dict[str, Any]) -> None:
    try:
        init = os.stat("/proc/1/root/.")
    except OSError:
        assert isinstance(facts["ansible_is_chroot"], bool)
        return
    mine = os.stat("/")
    assert facts["ansible_is_chroot"] == ((mine.st_ino, mine.st_dev) != (init.st_ino, init.st_dev))


def test_virtualization_tech_lists(facts: dict[str, Any]) -> None:
    guest, host = (
        facts["ansible_virtualization_tech_guest"],
        facts["ansible_virtualization_tech_host"],
    )
    if os.path.exists("/.dockerenv"):
        assert "docker" in guest and "container" in guest
    if os.path.exists("/dev/kvm"):
        assert "kvm" in host
    assert len(set(guest)) == len(guest) and len(set(host)) == len(host)
    kind, role = facts["ansible_virtualization_type"], facts["ansible_virtualization_role"]
    assert (kind, role) == ("NA", "NA") or kind in guest + host
    assert role in ("guest", "host", "NA", "LPAR")
    if not guest and not host:
        assert (kind, role) == ("NA", "NA")


def test_lvm_tools_are_asked_only_as_root(run: Run, tmp_path: Path, monkeypatch: Any) -> None:
    """Stand-in vgs/lvs/pvs programs print what LVM prints with the reference's options."""
    outputs = {
        "vgs": "  vg0,1,2,0,wz--n-,19.99,4.00\n",
        "lvs": "  root,vg0,-wi-ao----,10.00,,,,,,,,\n  swap,vg0,-wi-ao----,5.99,,,,,,,,\n",
        "pvs": "  /dev/sdb1,vg0,lvm2,a--,19.99,4.00\n",
    }
    for name, text in outputs.items():
        script = tmp_path / name
        script.write_text(f"#!/bin/sh\nprintf '{text}'\n")
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    lvm = run("setup", {"gather_subset": ["hardware", "!min"], "filter": ["ansible_lvm"]})[
        "ansible_facts"
    ]["ansible_lvm"]
    if os.geteuid() != 0:
        assert lvm == "N/A"
        return
    assert lvm == {
        "vgs": {"vg0": {"size_g": "19.99", "free_g": "4.00", "num_lvs": "2", "num_pvs": "1"}},
        "lvs": {
            "root": {"size_g": "10.00", "vg": "vg0"},
            "swap": {"size_g": "5.99", "vg": "vg0"},
        },
        "pvs": {"/dev/sdb1": {"size_g": "19.99", "free_g": "4.00", "vg": "vg0"}},
    }


# --- which subsets bring the new facts ------------------------------------------------

HARDWARE_NEW = {"ansible_mounts", "ansible_devices", "ansible_device_links", "ansible_lvm"}
HARDWARE_NEW |= {"ansible_" + name for name in DMI_FACTS}
MIN_NEW = {"ansible_lsb", "ansible_system_capabilities", "ansible_system_capabilities_enforced"}
ALL_ONLY = {
    "ansible_is_chroot", "ansible_fibre_channel_wwn", "ansible_iscsi_iqn", "ansible_hostnqn",
    "ansible_loadavg",
}  # fmt: skip


def _names(run: Run, subset: str) -> set[str]:
    return set(run("setup", {"gather_subset": subset.split(",")})["ansible_facts"])


def test_subsets_bring_the_new_facts_as_the_reference(run: Run) -> None:
    every = _names(run, "all")
    assert every >= HARDWARE_NEW | MIN_NEW | ALL_ONLY
    assert "ansible_locally_reachable_ips" in every
    hardware = _names(run, "hardware")
    assert hardware >= HARDWARE_NEW | MIN_NEW and not ALL_ONLY & hardware
    assert "ansible_virtualization_tech_guest" not in hardware
    minimal = _names(run, "min")
    assert minimal >= MIN_NEW and not (HARDWARE_NEW | ALL_ONLY) & minimal
    virtual = _names(run, "virtual,!min")
    assert virtual == {
        "ansible_virtualization_role", "ansible_virtualization_type",
        "ansible_virtualization_tech_guest", "ansible_virtualization_tech_host",
        "gather_subset", "module_setup",
    }  # fmt: skip
    network = _names(run, "network,!min")  # network needs platform and distribution facts
    assert {"ansible_locally_reachable_ips", "ansible_hostname", "ansible_os_family"} <= network
    assert "ansible_lsb" not in network and "ansible_env" not in network
    no_network = _names(run, "all,!network")
    assert no_network >= ALL_ONLY | HARDWARE_NEW
    assert "ansible_locally_reachable_ips" not in no_network
    assert _names(run, "!hardware") == minimal
    assert "ansible_mounts" in _names(run, "mounts,!min")  # any part names all of hardware


def test_filter_picks_one_new_fact(run: Run) -> None:
    facts = run("setup", {"filter": ["ansible_mounts"]})["ansible_facts"]
    assert set(facts) == {"ansible_mounts"}
    dmi = run("setup", {"filter": ["bios_*", "form_factor"]})["ansible_facts"]
    assert set(dmi) == {"ansible_bios_date", "ansible_bios_vendor", "ansible_bios_version",
                        "ansible_form_factor"}  # fmt: skip


def test_bad_subset_lists_the_reference_names(run: Run) -> None:
    msg = run("setup", {"gather_subset": ["dmi"]})["msg"]
    allowed = msg.split("allowed: ", 1)[1].split(", ")
    assert allowed == sorted(allowed)
    assert {"mounts", "devices", "loadavg", "is_chroot", "caps", "lsb"} <= set(allowed)
    assert "min" not in allowed and "memory" not in allowed
    assert re.match(r"Bad subset 'dmi' given to Ansible\.", msg)


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2")
def test_ipv4_addresses_and_secondaries_as_ip_lists_them(facts: dict[str, Any]) -> None:
    out = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True)
    expected: dict[str, list[tuple[str, str, str]]] = {}
    for line in out.stdout.splitlines():
        words = line.split()
        address, prefix = words[3].split("/")
        broadcast = words[words.index("brd") + 1] if "brd" in words else ""
        expected.setdefault(words[1], []).append((address, prefix, broadcast))
    for name, addresses in expected.items():
        details = facts["ansible_" + name.replace("-", "_").replace(".", "_")]
        listed = [details["ipv4"], *details.get("ipv4_secondaries", [])]
        assert [(a["address"], a["prefix"], a["broadcast"]) for a in listed] == addresses
    everything = [a for name, items in expected.items() for a, _, _ in items]
    assert sorted(facts["ansible_all_ipv4_addresses"]) == sorted(
        a for a in everything if not a.startswith("127.")
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting needs root")
def test_share_mounts_are_listed_once_per_mount_point(run: Run, tmp_path: Path) -> None:
    """A tmpfs named like a share (``host:/path``) takes the network-mount path (statvfs in
    a thread); two mounts on one point are listed once, as the top one, as the reference."""
    target = tmp_path / "share"
    target.mkdir()
    mounted = 0
    try:
        for name, size in (("filer:/first", "1m"), ("filer:/second", "2m")):
            command = ["mount", "-t", "tmpfs", "-o", f"size={size}", name, str(target)]
            if subprocess.run(command).returncode != 0:
                pytest.skip("mount refused here")
            mounted += 1
        result = run("setup", {"filter": ["ansible_mounts"], "gather_timeout": 5})
    finally:
        for _ in range(mounted):
            subprocess.run(["umount", str(target)], check=True)
    assert "warnings" not in result
    entries = [m for m in result["ansible_facts"]["ansible_mounts"] if m["mount"] == str(target)]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["device"] == "filer:/second" and entry["fstype"] == "tmpfs"
    assert entry["size_total"] == 2 * 1024 * 1024 and entry["uuid"] == "N/A"
    assert set(entry) == MOUNT_KEYS


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2")
def test_ipv6_addresses_in_ip_order(facts: dict[str, Any]) -> None:
    expected: dict[str, list[tuple[str, str, str]]] = {}
    for selector in ("primary", "secondary"):  # how the reference asks, so its order
        out = subprocess.run(
            ["ip", "-o", "-6", "addr", "show", selector], capture_output=True, text=True
        ).stdout
        for line in out.splitlines():
            words = line.split()
            address, prefix = words[3].split("/")
            scope = words[words.index("scope") + 1]
            expected.setdefault(words[1], []).append((address, prefix, scope))
    for name, addresses in expected.items():
        details = facts["ansible_" + name.replace("-", "_")]
        assert [(a["address"], a["prefix"], a["scope"]) for a in details["ipv6"]] == addresses


def _v4(address: str, prefix: int) -> dict[str, str]:
    import ipaddress

    net = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    return {
        "address": address,
        "broadcast": "",
        "netmask": str(net.netmask),
        "network": str(net.network_address),
        "prefix": str(prefix),
    }


def test_aliases_and_secondaries_placed_as_the_reference() -> None:
    """What ansible-core 2.19 reported for a bridge given 198.51.100.1/24, a labelled
    secondary 198.51.100.2/24 (br0:1), a labelled primary 203.0.113.9/28 (br0:2)
    and a secondary 203.0.113.10/28 (records in the kernel's order)."""
    import socket

    from longplay.agent.modules import setup as gather

    first, alias_primary = _v4("198.51.100.1", 24), _v4("203.0.113.9", 28)
    alias_secondary, secondary = _v4("198.51.100.2", 24), _v4("203.0.113.10", 28)
    records = [
        (socket.AF_INET, 7, 0x80, first, "br0"),
        (socket.AF_INET, 7, 0x80, alias_primary, "br0:2"),
        (socket.AF_INET, 7, 0x81, alias_secondary, "br0:1"),
        (socket.AF_INET, 7, 0x81, secondary, "br0"),
        (
            socket.AF_INET6,
            7,
            0x80,
            {"address": "2001:db8::6", "prefix": "64", "scope": "global"},
            "",
        ),
    ]
    interfaces: dict[str, dict[str, Any]] = {"br0": {"device": "br0"}}
    gather._add_addresses("br0", records, interfaces)  # type: ignore[arg-type]
    assert interfaces == {
        "br0": {
            "device": "br0",
            "ipv4": first,
            "ipv6": [{"address": "2001:db8::6", "prefix": "64", "scope": "global"}],
            "ipv4_secondaries": [alias_secondary, secondary],
        },
        "br0:2": {"ipv4": alias_primary},
        "br0:1": {"ipv4_secondaries": [alias_secondary]},
    }


X86_TWO_SOCKETS = "".join(
    f"processor\t: {n}\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\nphysical id\t: {n // 4}\n"
    f"siblings\t: 4\ncore id\t\t: {n % 2}\ncpu cores\t: 2\nflags\t\t: fpu vme sse\n\n"
    for n in range(8)
)
ARM_FOUR = "".join(
    f"processor\t: {n}\nBogoMIPS\t: 48.00\nFeatures\t: fp asimd\n\n" for n in range(4)
)


def test_cpu_counts_as_the_reference() -> None:
    from longplay.agent.modules import setup as gather

    x86 = gather.cpu_facts_from(X86_TWO_SOCKETS, "x86_64", False)
    assert x86["processor"][:3] == ["0", "GenuineIntel", "Xeon"] and len(x86["processor"]) == 24
    assert (x86["processor_count"], x86["processor_cores"]) == (2, 2)
    assert (x86["processor_threads_per_core"], x86["processor_vcpus"]) == (2, 8)
    assert x86["flags"] == ["fpu", "vme", "sse"]
    arm = gather.cpu_facts_from(ARM_FOUR, "aarch64", False)
    assert arm["processor"] == ["0", "1", "2", "3"] and "flags" not in arm
    assert (arm["processor_count"], arm["processor_cores"], arm["processor_vcpus"]) == (4, 1, 4)
    paravirt = gather.cpu_facts_from(X86_TWO_SOCKETS.replace(" vme", ""), "x86_64", True)
    assert paravirt["processor_count"] == paravirt["processor_vcpus"] == 8


def test_initiator_files_read_as_the_reference(tmp_path: Path) -> None:
    iscsi = tmp_path / "initiatorname.iscsi"
    iscsi.write_text(
        "## DO NOT EDIT\n# InitiatorName=old\nInitiatorName=iqn.1993-08.org.debian:01:44a4\n"
    )
    assert (
        linux._first_line(str(iscsi), "InitiatorName=")
        == "InitiatorName=iqn.1993-08.org.debian:01:44a4"
    )
    nqn = tmp_path / "hostnqn"
    nqn.write_text("# host\nnqn.2014-08.org.nvmexpress:uuid:2cd61a74\n")
    assert linux._first_line(str(nqn), "nqn.") == "nqn.2014-08.org.nvmexpress:uuid:2cd61a74"
    assert linux._first_line(str(tmp_path / "missing"), "nqn.") is None


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2")
@pytest.mark.parametrize(("flag", "probe"), [("-4", "8.8.8.8"), ("-6", "2404:6800:400a:800::1012")])
def test_default_route_is_ip_route_get(facts: dict[str, Any], flag: str, probe: str) -> None:
    """The reference asks ``ip route get`` for a public address; so does this, by netlink."""
    out = subprocess.run(["ip", flag, "route", "get", probe], capture_output=True, text=True)
    default = facts["ansible_default_ipv4" if flag == "-4" else "ansible_default_ipv6"]
    if out.returncode != 0:
        assert default == {}
        return
    words = out.stdout.split()
    for word, key in (("dev", "interface"), ("via", "gateway"), ("src", "address")):
        if word in words:
            assert default[key] == words[words.index(word) + 1], key
    if "address" in default:
        details = facts["ansible_" + default["interface"].replace("-", "_")]
        assert default["mtu"] == details["mtu"] and default["type"] == details["type"]
