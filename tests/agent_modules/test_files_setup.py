"""setup: fact names, types and shapes; subsets and filters; local facts."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path
from typing import Any

import pytest
from filetools import Run, failed_cleanly

from longplay.agent.modules import setup as gather

DATE_TIME_KEYS = {
    "date", "day", "epoch", "epoch_int", "hour", "iso8601", "iso8601_basic",
    "iso8601_basic_short", "iso8601_micro", "minute", "month", "second", "time",
    "tz", "tz_dst", "tz_offset", "weekday", "weekday_number", "weeknumber", "year",
}  # fmt: skip

STRING_FACTS = (
    "hostname", "fqdn", "nodename", "domain", "os_family", "system", "distribution",
    "distribution_version", "distribution_major_version", "distribution_release", "kernel",
    "kernel_version", "architecture", "machine", "python_version", "user_id", "user_dir",
    "user_shell", "pkg_mgr", "service_mgr",
)  # fmt: skip

INT_FACTS = (
    "user_uid", "user_gid", "processor_vcpus", "processor_count", "processor_cores",
    "memtotal_mb", "memfree_mb",
)  # fmt: skip


@pytest.fixture(scope="module")
def facts() -> dict[str, Any]:
    from filetools import call

    result = call("setup", {})
    assert result["changed"] is False
    facts: dict[str, Any] = result["ansible_facts"]
    return facts


def test_every_fact_is_prefixed(facts: dict[str, Any]) -> None:
    assert facts["module_setup"] is True and facts["gather_subset"] == ["all"]
    assert all(
        k.startswith("ansible_") for k in facts if k not in ("module_setup", "gather_subset")
    )


@pytest.mark.parametrize("name", STRING_FACTS)
def test_string_facts(facts: dict[str, Any], name: str) -> None:
    assert isinstance(facts["ansible_" + name], str), name


@pytest.mark.parametrize("name", INT_FACTS)
def test_int_facts(facts: dict[str, Any], name: str) -> None:
    value = facts["ansible_" + name]
    assert isinstance(value, int) and not isinstance(value, bool), name


def test_date_time_has_all_keys_as_strings(facts: dict[str, Any]) -> None:
    date_time = facts["ansible_date_time"]
    assert set(date_time) == DATE_TIME_KEYS
    assert all(isinstance(v, str) for v in date_time.values())
    assert date_time["iso8601"].endswith("Z") and len(date_time["iso8601_basic_short"]) == 15
    assert date_time["epoch"] == date_time["epoch_int"] and date_time["epoch"].isdigit()


def test_platform_values_match_the_interpreter(facts: dict[str, Any]) -> None:
    uname = os.uname()
    assert facts["ansible_system"] == uname.sysname
    assert facts["ansible_kernel"] == uname.release
    assert facts["ansible_nodename"] == uname.nodename
    assert facts["ansible_hostname"] == uname.nodename.split(".")[0]
    assert facts["ansible_machine"] == uname.machine
    assert facts["ansible_python_version"] == platform.python_version()
    python = facts["ansible_python"]
    assert python["executable"] == sys.executable and python["type"] == "cpython"
    assert python["version"]["major"] == sys.version_info.major
    assert facts["ansible_user_uid"] == os.getuid()
    assert facts["ansible_env"]["PATH"] == os.environ["PATH"]


def test_hardware_counts_are_consistent(facts: dict[str, Any]) -> None:
    assert facts["ansible_processor_vcpus"] >= 1
    assert facts["ansible_processor_count"] * facts["ansible_processor_cores"] >= 1
    assert 0 < facts["ansible_memfree_mb"] <= facts["ansible_memtotal_mb"]
    assert facts["ansible_memory_mb"]["real"]["total"] == facts["ansible_memtotal_mb"]


@pytest.mark.skipif(not os.path.exists("/etc/os-release"), reason="needs os-release")
def test_distribution_comes_from_os_release(facts: dict[str, Any]) -> None:
    assert facts["ansible_distribution"] not in ("", "NA")
    assert facts["ansible_distribution_version"].startswith(
        facts["ansible_distribution_major_version"]
    )
    assert facts["ansible_os_family"]


def _has_default_route() -> bool:
    try:
        lines = Path("/proc/net/route").read_text().splitlines()[1:]
    except OSError:
        return False
    return any(line.split()[1] == "00000000" for line in lines if len(line.split()) > 2)


@pytest.mark.skipif(not _has_default_route(), reason="no IPv4 default route here")
def test_default_ipv4(facts: dict[str, Any]) -> None:
    default = facts["ansible_default_ipv4"]
    assert {"interface", "gateway"} <= set(default)
    if "address" in default:
        assert default["address"] in facts["ansible_all_ipv4_addresses"]
    assert default["interface"] in facts["ansible_interfaces"]


def test_interfaces_include_loopback(facts: dict[str, Any]) -> None:
    assert "lo" in facts["ansible_interfaces"]
    assert facts["ansible_lo"]["ipv4"]["address"] == "127.0.0.1"
    assert "127.0.0.1" not in facts["ansible_all_ipv4_addresses"]


def test_min_subset_leaves_hardware_and_network_out(run: Run) -> None:
    facts = run("setup", {"gather_subset": ["min"]})["ansible_facts"]
    assert "ansible_date_time" in facts and "ansible_distribution" in facts
    assert "ansible_memtotal_mb" not in facts and "ansible_interfaces" not in facts


def test_exclusions_alone_leave_min(run: Run) -> None:
    # as ansible-core 2.19: exclusions remove from what is named, nothing adds "all"
    facts = run("setup", {"gather_subset": "!hardware,!network"})["ansible_facts"]
    assert "ansible_memtotal_mb" not in facts and "ansible_default_ipv4" not in facts
    assert "ansible_virtualization_type" not in facts and "ansible_hostname" in facts
    rest = run("setup", {"gather_subset": "all,!hardware"})["ansible_facts"]
    assert "ansible_virtualization_type" in rest and "ansible_loadavg" in rest
    assert "ansible_mounts" not in rest and "ansible_memtotal_mb" not in rest
    nothing = run("setup", {"gather_subset": ["!all", "!min"]})["ansible_facts"]
    assert set(nothing) == {"gather_subset", "module_setup"}


def test_filter_globs_match_with_or_without_prefix(run: Run) -> None:
    facts = run("setup", {"filter": ["ansible_distribution*", "hostname"]})["ansible_facts"]
    names = set(facts)
    assert "gather_subset" not in names and "module_setup" not in names  # filtered too
    assert "ansible_hostname" in names and "ansible_distribution" in names
    assert all(n.startswith("ansible_distribution") or n == "ansible_hostname" for n in names)


def test_local_facts_from_fact_path(run: Run, tmp_path: Path) -> None:
    (tmp_path / "app.fact").write_text('{"version": "1.2", "ports": [80]}')
    (tmp_path / "ini.fact").write_text("[main]\nkey = value\n")
    script = tmp_path / "run.fact"
    script.write_text("#!/bin/sh\necho '{\"dynamic\": true}'\n")
    script.chmod(0o755)
    facts = run("setup", {"gather_subset": ["min"], "fact_path": str(tmp_path)})["ansible_facts"]
    assert facts["ansible_local"] == {
        "app": {"version": "1.2", "ports": [80]},
        "ini": {"main": {"key": "value"}},
        "run": {"dynamic": True},
    }


def test_bad_subset_fails_cleanly(run: Run) -> None:
    failed_cleanly(
        run("setup", {"gather_subset": ["hardwear"]}), "Bad subset 'hardwear'", "hardware"
    )
    failed_cleanly(run("setup", {"bogus": 1}), "Unsupported parameters for (setup) module: bogus")


def test_fqdn_from_a_hosts_file_follows_getfqdn() -> None:
    hosts = "127.0.0.1 localhost\n127.0.1.1 web01.example.com web01  # me\n::1 ip6-localhost\n"
    assert gather._fqdn_from_hosts("web01", hosts) == "web01.example.com"
    assert gather._fqdn_from_hosts("vm", "127.0.0.1 localhost\n127.0.0.1 vm\n") == "localhost"
    assert gather._fqdn_from_hosts("other", hosts) is None


def test_subset_selection() -> None:
    assert gather.select_collectors(["!all"]) == set(gather.MIN_SUBSET)
    network = gather.select_collectors(["network"])
    assert "network" in network and "processor" not in network and "date_time" in network


def test_mounts_dmi_chroot_lsb_and_cpu_flags(facts: dict[str, Any]) -> None:
    """Facts ansible-core gathers by default that playbooks test disk space and hardware
    with: ansible_mounts (sizes from statvfs), DMI strings ("NA" when unknown), is_chroot,
    lsb and the CPU flags."""
    root = [m for m in facts["ansible_mounts"] if m["mount"] == "/"]
    if root:
        mount = root[0]
        assert set(mount) >= {
            "device",
            "fstype",
            "options",
            "dump",
            "passno",
            "size_total",
            "size_available",
            "block_size",
            "block_total",
            "block_available",
            "block_used",
            "inode_total",
            "inode_available",
            "inode_used",
            "uuid",
        }
        vfs = os.statvfs("/")
        assert mount["size_total"] == vfs.f_frsize * vfs.f_blocks
    for key in ("ansible_bios_vendor", "ansible_product_name", "ansible_system_vendor"):
        assert isinstance(facts[key], str) and facts[key]
    assert isinstance(facts["ansible_form_factor"], str)
    assert isinstance(facts["ansible_is_chroot"], bool)
    assert isinstance(facts["ansible_lsb"], dict)
    assert isinstance(facts.get("ansible_flags", []), list)
