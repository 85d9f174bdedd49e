"""setup: gather facts about the host, fast.

Returns ``{"ansible_facts": {"ansible_hostname": ..., ...}}`` with the names
and shapes Ansible's setup module uses. Everything is read from ``/proc``,
``/sys``, ``/etc`` and a few ioctls, never by spawning a program, so a whole
gather stays well under 100 ms; the one possibly slow call, the reverse
lookup behind ``fqdn``, is answered from ``/etc/hosts`` when it can be and is
otherwise given a short deadline.

``gather_subset`` takes Ansible's subsets (all, min, hardware, network,
virtual, and the smaller collector names), with ``!`` to exclude; ``filter``
keeps only facts whose names match one of its globs.
"""

from __future__ import annotations

import datetime
import fnmatch
import getpass
import json
import os
import platform
import pwd
import socket
import struct
import sys
import threading
import time

from longplay.agent.registry import ModuleFailed, Option, module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, FrozenSet, List, Optional, Set, Tuple

OPTIONS = {
    "gather_subset": Option(type="list", elements="str", default=["all"]),
    "gather_timeout": Option(type="int", default=10),
    "filter": Option(type="list", elements="str", default=[]),
    "fact_path": Option(type="path", default="/etc/ansible/facts.d"),
}

if TYPE_CHECKING:
    Facts = Dict[str, Any]

#: How long the fqdn lookup may take when /etc/hosts does not answer it.
FQDN_DEADLINE = 0.05


@module("setup", options=OPTIONS)
def setup(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Collect the facts of the chosen subsets, prefixed ``ansible_``."""
    wanted = select_collectors(args["gather_subset"])
    facts: Facts = {}
    for name in COLLECTOR_ORDER:
        if name in wanted:
            facts.update(COLLECTORS[name](facts, args, ctx))
    result = {"ansible_" + key: value for key, value in facts.items()}
    result["gather_subset"] = list(args["gather_subset"])
    result["module_setup"] = True
    patterns = args["filter"]
    if patterns:  # as in Ansible, gather_subset and module_setup are filtered too
        result = {key: value for key, value in result.items() if _matches(key, patterns)}
    return {"ansible_facts": result, "changed": False}


def _matches(name: str, patterns: List[str]) -> bool:
    short = name[len("ansible_") :] if name.startswith("ansible_") else name
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(short, p) for p in patterns)


# --- small readers -------------------------------------------------------------


def _read(path: str) -> Optional[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def _read_line(path: str) -> Optional[str]:
    text = _read(path)
    return text.strip() if text is not None else None


def _key_values(text: str) -> Dict[str, str]:
    """``KEY=value`` lines (os-release, lsb-release, selinux config); quotes removed."""
    values = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and not key.startswith("#"):
            values[key.strip()] = value.strip().strip("\"'")
    return values


# --- date and time -------------------------------------------------------------


def date_time_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """ansible_date_time: every key Ansible sets, all strings, local time but the ISO ones."""
    stamp = time.time()
    now = datetime.datetime.fromtimestamp(stamp)
    utc = datetime.datetime.fromtimestamp(stamp, datetime.timezone.utc)
    return {
        "date_time": {
            "year": now.strftime("%Y"),
            "month": now.strftime("%m"),
            "weekday": now.strftime("%A"),
            "weekday_number": now.strftime("%w"),
            "weeknumber": now.strftime("%W"),
            "day": now.strftime("%d"),
            "hour": now.strftime("%H"),
            "minute": now.strftime("%M"),
            "second": now.strftime("%S"),
            "epoch": str(int(stamp)),
            "epoch_int": str(int(stamp)),
            "date": now.strftime("%Y-%m-%d"),
            "time": now.strftime("%H:%M:%S"),
            "iso8601_micro": utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "iso8601": utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "iso8601_basic": now.strftime("%Y%m%dT%H%M%S%f"),
            "iso8601_basic_short": now.strftime("%Y%m%dT%H%M%S"),
            "tz": time.strftime("%Z", time.localtime(stamp)),
            "tz_dst": time.tzname[1],
            "tz_offset": time.strftime("%z", time.localtime(stamp)),
        }
    }


# --- platform ------------------------------------------------------------------


def platform_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """Kernel, architecture and names of the host."""
    uname = os.uname()
    machine = uname.machine
    architecture = "i386" if machine in ("i486", "i586", "i686") else machine
    bits = str(struct.calcsize("P") * 8)
    fqdn = fast_fqdn(uname.nodename)
    found: Facts = {
        "system": uname.sysname,
        "kernel": uname.release,
        "kernel_version": uname.version,
        "machine": machine,
        "architecture": architecture,
        "userspace_bits": bits,
        "userspace_architecture": _userspace_arch(architecture, bits),
        "nodename": uname.nodename,
        "hostname": uname.nodename.split(".")[0],
        "fqdn": fqdn,
        "domain": fqdn.split(".", 1)[1] if "." in fqdn else "",
        "python_version": platform.python_version(),
    }
    machine_id = _read_line("/etc/machine-id") or _read_line("/var/lib/dbus/machine-id")
    if machine_id:
        found["machine_id"] = machine_id
    return found


def _userspace_arch(architecture: str, bits: str) -> str:
    if architecture == "x86_64" and bits == "32":
        return "i386"
    return architecture


def fast_fqdn(nodename: str) -> str:
    """What ``socket.getfqdn()`` answers, without waiting on a DNS server that is not there.

    /etc/hosts answers most hosts (it is what the resolver reads first);
    otherwise the real lookup gets :data:`FQDN_DEADLINE` seconds, then the
    plain node name stands in.
    """
    from_hosts = _fqdn_from_hosts(nodename, _read("/etc/hosts") or "")
    if from_hosts is not None:
        return from_hosts
    answer: List[str] = []
    worker = threading.Thread(target=lambda: answer.append(socket.getfqdn(nodename)), daemon=True)
    worker.start()
    worker.join(FQDN_DEADLINE)
    return answer[0] if answer else nodename


def _fqdn_from_hosts(nodename: str, hosts: str) -> Optional[str]:
    """getfqdn's answer from a hosts file: the name's address, then that address's names."""
    entries: List[Tuple[str, List[str]]] = []
    for line in hosts.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2:
            entries.append((fields[0], fields[1:]))
    address = next((addr for addr, names in entries if nodename in names), None)
    if address is None:
        return None
    names = next(names for addr, names in entries if addr == address)
    return next((name for name in names if "." in name), names[0])


# --- distribution --------------------------------------------------------------

_NAMES = {
    "debian": "Debian",
    "ubuntu": "Ubuntu",
    "centos": "CentOS",
    "rhel": "RedHat",
    "fedora": "Fedora",
    "rocky": "Rocky",
    "almalinux": "AlmaLinux",
    "amzn": "Amazon",
    "ol": "OracleLinux",
    "sles": "SLES",
    "sles_sap": "SLES_SAP",
    "opensuse-leap": "openSUSE Leap",
    "opensuse-tumbleweed": "openSUSE Tumbleweed",
    "arch": "Archlinux",
    "archarm": "Archlinux",
    "manjaro": "ManjaroLinux",
    "endeavouros": "EndeavourOS",
    "alpine": "Alpine",
    "linuxmint": "Linux Mint",
    "gentoo": "Gentoo",
    "kali": "Kali",
    "raspbian": "Debian",
    "devuan": "Devuan",
    "pop": "Pop!_OS",
    "void": "Void",
    "nixos": "NixOS",
    "clear-linux-os": "ClearLinux",
    "photon": "VMwarePhoton",
    "flatcar": "Flatcar",
    "scientific": "Scientific",
    "cloudlinux": "CloudLinux",
    "virtuozzo": "Virtuozzo",
    "openeuler": "openEuler",
    "euleros": "EulerOS",
    "alinux": "Alibaba",
    "tencentos": "TencentOS",
    "mariner": "Mariner",
    "azurelinux": "AzureLinux",
}

_FAMILIES = {
    "Debian": ("Debian", "Ubuntu", "Kali", "Linux Mint", "Devuan", "Pop!_OS", "Raspbian"),
    "RedHat": (
        "RedHat",
        "CentOS",
        "Fedora",
        "Rocky",
        "AlmaLinux",
        "Amazon",
        "OracleLinux",
        "Scientific",
        "CloudLinux",
        "Virtuozzo",
        "openEuler",
        "EulerOS",
        "Alibaba",
        "TencentOS",
    ),
    "Suse": ("SLES", "SLES_SAP", "openSUSE Leap", "openSUSE Tumbleweed", "SUSE", "SLED"),
    "Archlinux": ("Archlinux", "ManjaroLinux", "EndeavourOS"),
    "Alpine": ("Alpine",),
    "Gentoo": ("Gentoo",),
    "Void": ("Void",),
    "NixOS": ("NixOS",),
    "Mariner": ("Mariner", "AzureLinux"),
}

_LIKE_FAMILIES = (
    ("debian", "Debian"),
    ("rhel", "RedHat"),
    ("fedora", "RedHat"),
    ("suse", "Suse"),
    ("arch", "Archlinux"),
)


def distribution_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """distribution, its version parts, release and os_family, from os-release."""
    system = os.uname().sysname
    if system != "Linux":
        return _other_system(system)
    path = "/etc/os-release" if os.path.exists("/etc/os-release") else "/usr/lib/os-release"
    release = _key_values(_read(path) or "")
    ident = release.get("ID", "").lower()
    name = _NAMES.get(ident) or (release.get("NAME", "").split()[:1] or ["NA"])[0]
    version = release.get("VERSION_ID", "NA")
    if name == "Debian":
        debian = _read_line("/etc/debian_version") or ""
        if debian[:1].isdigit():
            version = debian
    parts = version.split(".")
    found: Facts = {
        "distribution": name,
        "distribution_version": version,
        "distribution_major_version": parts[0],
        "distribution_release": _codename(release),
        "os_family": _family(name, release.get("ID_LIKE", "")),
        "distribution_file_path": path,
        "distribution_file_parsed": bool(release),
        "distribution_file_variety": _family(name, release.get("ID_LIKE", "")),
    }
    if len(parts) > 1:
        found["distribution_minor_version"] = parts[1]
    return found


def _codename(release: Dict[str, str]) -> str:
    for key in ("VERSION_CODENAME", "UBUNTU_CODENAME"):
        if release.get(key):
            return release[key]
    version = release.get("VERSION", "")
    if "(" in version and version.endswith(")"):
        return version[version.index("(") + 1 : -1]
    return "NA"


def _family(name: str, id_like: str) -> str:
    for family, members in _FAMILIES.items():
        if name in members:
            return family
    for like, family in _LIKE_FAMILIES:
        if like in id_like.split():
            return family
    return name


def _other_system(system: str) -> Facts:
    """macOS and the BSDs: enough to branch on in a playbook."""
    if system == "Darwin":
        version = platform.mac_ver()[0] or "NA"
        name, family = "MacOSX", "Darwin"
    else:
        version = os.uname().release.split("-")[0]
        name = family = system
    return {
        "distribution": name,
        "distribution_version": version,
        "distribution_major_version": version.split(".")[0],
        "distribution_release": os.uname().release,
        "os_family": family,
    }


# --- the calling user, Python, environment -------------------------------------


def user_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """Who the modules run as (after become), as Ansible's user facts describe it."""
    try:
        name = getpass.getuser()
        entry = pwd.getpwnam(name)
    except (KeyError, OSError, ImportError):
        entry = pwd.getpwuid(os.getuid())
        name = entry.pw_name
    return {
        "user_id": name,
        "user_uid": entry.pw_uid,
        "user_gid": entry.pw_gid,
        "user_gecos": entry.pw_gecos,
        "user_dir": entry.pw_dir,
        "user_shell": entry.pw_shell,
        "real_user_id": os.getuid(),
        "effective_user_id": os.geteuid(),
        "real_group_id": os.getgid(),
        "effective_group_id": os.getegid(),
    }


def python_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    info = sys.version_info
    return {
        "python": {
            "version": {
                "major": info.major,
                "minor": info.minor,
                "micro": info.micro,
                "releaselevel": info.releaselevel,
                "serial": info.serial,
            },
            "version_info": list(info),
            "executable": sys.executable,
            "has_sslcontext": True,
            "type": sys.implementation.name,
        },
        "python_version": platform.python_version(),
    }


def env_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    env = ctx.env() if hasattr(ctx, "env") else dict(os.environ)
    return {"env": dict(env)}


# --- package and service managers ----------------------------------------------

_PKG_MANAGERS = (
    ("/usr/bin/apt-get", "apt"),
    ("/usr/bin/dnf5", "dnf5"),
    ("/usr/bin/dnf", "dnf"),
    ("/usr/bin/yum", "yum"),
    ("/usr/bin/zypper", "zypper"),
    ("/usr/bin/pacman", "pacman"),
    ("/sbin/apk", "apk"),
    ("/usr/bin/emerge", "portage"),
    ("/usr/bin/xbps-install", "xbps"),
    ("/usr/sbin/pkg", "pkgng"),
    ("/opt/homebrew/bin/brew", "homebrew"),
    ("/usr/local/bin/brew", "homebrew"),
    ("/opt/local/bin/port", "macports"),
)

_FAMILY_PKG = {
    "Debian": ("apt",),
    "RedHat": ("dnf5", "dnf", "yum"),
    "Suse": ("zypper",),
    "Archlinux": ("pacman",),
    "Alpine": ("apk",),
    "Gentoo": ("portage",),
}


def pkg_mgr_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """The package manager present, preferring the family's own when several are."""
    present = [name for path, name in _PKG_MANAGERS if os.path.exists(path)]
    preferred = _FAMILY_PKG.get(facts.get("os_family", ""), ())
    for name in preferred:
        if name in present:
            return {"pkg_mgr": name}
    return {"pkg_mgr": present[0] if present else "unknown"}


_NOT_A_SERVICE_MANAGER = ("init", "tini", "dumb-init", "docker-init", "catatonit", "")


def service_mgr_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """What PID 1 is (as Ansible names it), else what the filesystem suggests."""
    comm = _read_line("/proc/1/comm") or ""
    if os.path.isdir("/run/systemd/system") or comm == "systemd":
        return {"service_mgr": "systemd"}
    aliases = {"runit-init": "runit", "openrc-init": "openrc", "launchd": "launchd"}
    if comm not in _NOT_A_SERVICE_MANAGER and not comm.endswith("sh"):
        return {"service_mgr": aliases.get(comm, comm)}
    if os.uname().sysname == "Darwin":
        return {"service_mgr": "launchd"}
    for path, name in (
        ("/sbin/openrc", "openrc"),
        ("/sbin/initctl", "upstart"),
        ("/etc/init.d", "sysvinit"),
    ):
        if os.path.exists(path):
            return {"service_mgr": name}
    return {"service_mgr": "service"}


# --- security and kernel settings ----------------------------------------------


def selinux_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """SELinux status from sysfs and its config file (no selinux Python bindings needed)."""
    enforce = _read_line("/sys/fs/selinux/enforce")
    if enforce is None:
        return {"selinux": {"status": "disabled"}, "selinux_python_present": False}
    config = _key_values(_read("/etc/selinux/config") or "")
    return {
        "selinux": {
            "status": "enabled",
            "mode": "enforcing" if enforce == "1" else "permissive",
            "config_mode": config.get("SELINUX", "unknown"),
            "type": config.get("SELINUXTYPE", "unknown"),
            "policyvers": _int(_read_line("/sys/fs/selinux/policyvers")),
        },
        "selinux_python_present": False,
    }


def _int(text: Optional[str]) -> Optional[int]:
    """An int from sysfs text, decimal or ``0x`` hex; None if absent or malformed."""
    if text is None:
        return None
    try:
        return int(text, 16) if text.startswith("0x") else int(text)
    except ValueError:
        return None


def apparmor_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    enabled = os.path.exists("/sys/kernel/security/apparmor")
    return {"apparmor": {"status": "enabled" if enabled else "disabled"}}


def fips_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    return {"fips": _read_line("/proc/sys/crypto/fips_enabled") == "1"}


def cmdline_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """The kernel command line: last value wins (cmdline) or all kept (proc_cmdline)."""
    text = _read_line("/proc/cmdline")
    if text is None:
        return {}
    last: Dict[str, Any] = {}
    every: Dict[str, Any] = {}
    for word in text.split():
        key, sep, value = word.partition("=")
        item: Any = value if sep else True
        last[key] = item
        if key in every:
            previous = every[key]
            every[key] = [*previous, item] if isinstance(previous, list) else [previous, item]
        else:
            every[key] = item
    return {"cmdline": last, "proc_cmdline": every}


def dns_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """Resolver settings from /etc/resolv.conf."""
    dns: Dict[str, Any] = {}
    for line in (_read("/etc/resolv.conf") or "").splitlines():
        fields = line.split("#", 1)[0].split(";", 1)[0].split()
        if len(fields) < 2:
            continue
        key, values = fields[0], fields[1:]
        if key == "nameserver":
            dns.setdefault("nameservers", []).append(values[0])
        elif key == "domain":
            dns["domain"] = values[0]
        elif key in ("search", "sortlist"):
            dns[key] = values
        elif key == "options":
            for option in values:
                name, sep, value = option.partition(":")
                dns.setdefault("options", {})[name] = value if sep else True
    return {"dns": dns}


def ssh_pub_keys_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    found: Facts = {}
    for kind in ("dsa", "rsa", "ecdsa", "ed25519"):
        for directory in ("/etc/ssh", "/etc/openssh", "/etc"):
            text = _read_line(f"{directory}/ssh_host_{kind}_key.pub")
            if text:
                fields = text.split()
                if len(fields) >= 2:
                    found[f"ssh_host_key_{kind}_public"] = fields[1]
                    found[f"ssh_host_key_{kind}_public_keytype"] = fields[0]
                break
    return found


# --- local facts (facts.d) -------------------------------------------------------


def local_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """``*.fact`` files under fact_path: JSON or INI, or programs printing JSON."""
    directory = args.get("fact_path") or "/etc/ansible/facts.d"
    local: Dict[str, Any] = {}
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith(".fact"))
    except OSError:
        return {"local": local}
    for name in names:
        path = os.path.join(directory, name)
        local[name[: -len(".fact")]] = _one_local_fact(path, ctx)
    return {"local": local}


def _one_local_fact(path: str, ctx: Any) -> Any:
    if os.access(path, os.X_OK):
        rc, out, err = ctx.run_command([path])
        if rc != 0:
            return f"error loading fact - output of running {path} was not utf-8: {err}"
        text = out
    else:
        text = _read(path) or ""
    try:
        return json.loads(text)
    except ValueError:
        return _ini_fact(text, path)


def _ini_fact(text: str, path: str) -> Any:
    import configparser

    parser = configparser.ConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error:
        return "error loading facts as JSON or ini - please check content: " + path
    return {section: dict(parser.items(section)) for section in parser.sections()}


# --- hardware --------------------------------------------------------------------


def processor_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """CPU counts from /proc/cpuinfo (sockets, cores per socket, threads, vcpus)."""
    processors: List[str] = []
    sockets: Set[str] = set()
    cores = siblings = 0
    index = 0
    for line in (_read("/proc/cpuinfo") or "").splitlines():
        key, _, value = (part.strip() for part in line.partition(":"))
        if key == "processor":
            processors.append(str(index))
            index += 1
        elif key in ("vendor_id", "model name", "Processor", "cpu model") and processors:
            processors.append(value)
        elif key == "physical id":
            sockets.add(value)
        elif key == "cpu cores":
            cores = int(value)
        elif key == "siblings":
            siblings = int(value)
    vcpus = index or os.cpu_count() or 1
    count = len(sockets) or 1
    per_socket = cores or vcpus // count
    threads = siblings // cores if cores and siblings else 1
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else vcpus
    return {
        "processor": processors,
        "processor_count": count,
        "processor_cores": per_socket,
        "processor_threads_per_core": threads,
        "processor_vcpus": vcpus,
        "processor_nproc": nproc,
    }


def memory_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """Memory and swap in MB from /proc/meminfo, with Ansible's memory_mb breakdown."""
    info: Dict[str, int] = {}
    for line in (_read("/proc/meminfo") or "").splitlines():
        key, _, value = line.partition(":")
        fields = value.split()
        if fields and fields[0].isdigit():
            info[key] = int(fields[0]) // 1024
    if not info:
        return {}
    total, free = info.get("MemTotal", 0), info.get("MemFree", 0)
    nocache_free = free + info.get("Buffers", 0) + info.get("Cached", 0)
    swap_total, swap_free = info.get("SwapTotal", 0), info.get("SwapFree", 0)
    return {
        "memtotal_mb": total,
        "memfree_mb": free,
        "swaptotal_mb": swap_total,
        "swapfree_mb": swap_free,
        "memory_mb": {
            "real": {"total": total, "used": total - free, "free": free},
            "nocache": {"free": nocache_free, "used": total - nocache_free},
            "swap": {
                "total": swap_total,
                "free": swap_free,
                "used": swap_total - swap_free,
                "cached": info.get("SwapCached", 0),
            },
        },
    }


def uptime_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    found: Facts = {}
    text = _read_line("/proc/uptime")
    if text:
        found["uptime_seconds"] = int(float(text.split()[0]))
    try:
        one, five, fifteen = os.getloadavg()
        found["loadavg"] = {"1m": one, "5m": five, "15m": fifteen}
    except OSError:
        pass
    return found


# --- virtualization ----------------------------------------------------------------

_VM_VENDORS = (
    ("KVM", "kvm"),
    ("QEMU", "kvm"),
    ("VMware", "VMware"),
    ("VirtualBox", "virtualbox"),
    ("Xen", "xen"),
    ("Amazon EC2", "kvm"),
    ("Google", "kvm"),
    ("Microsoft Corporation", "VirtualPC"),
    ("Parallels", "parallels"),
    ("OpenStack", "openstack"),
    ("Bochs", "kvm"),
)


def virtual_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """Container or VM guest, from marker files, cgroups and DMI strings."""
    kind = _container_type() or _vm_type()
    if kind is None:
        return {"virtualization_type": "NA", "virtualization_role": "NA"}
    return {"virtualization_type": kind, "virtualization_role": "guest"}


def _container_type() -> Optional[str]:
    if os.path.exists("/.dockerenv"):
        return "docker"
    if os.path.exists("/run/.containerenv"):
        return "podman"
    cgroup = _read("/proc/self/cgroup") or ""
    for marker, kind in (("docker", "docker"), ("lxc", "lxc"), ("kubepods", "container")):
        if f"/{marker}" in cgroup:
            return kind
    if os.path.exists("/proc/vz") and not os.path.exists("/proc/bc"):
        return "openvz"
    return None


def _vm_type() -> Optional[str]:
    dmi = " ".join(
        _read_line(f"/sys/class/dmi/id/{name}") or ""
        for name in ("product_name", "sys_vendor", "bios_vendor")
    )
    for vendor, kind in _VM_VENDORS:
        if vendor in dmi:
            return kind
    if os.path.exists("/proc/xen"):
        return "xen"
    cpuinfo = _read("/proc/cpuinfo") or ""
    if " hypervisor" in cpuinfo:
        return "kvm"
    return None


# --- network ------------------------------------------------------------------------

SIOCGIFADDR = 0x8915
SIOCGIFBRDADDR = 0x8919
SIOCGIFNETMASK = 0x891B
_IPV6_SCOPES = {0x00: "global", 0x10: "host", 0x20: "link", 0x40: "site"}
_IF_TYPES = {1: "ether", 772: "loopback", 65534: "tunnel", 776: "tunnel6", 24: "ether"}


def network_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """Interfaces, their addresses and the default routes, from /sys, /proc and ioctls."""
    names = _interface_names()
    if not names:
        return {}
    ipv6 = _ipv6_addresses()
    interfaces = {name: _interface(name, ipv6.get(name, [])) for name in names}
    found: Facts = {"interfaces": names}
    for name, details in interfaces.items():
        found[name.replace("-", "_").replace(".", "_")] = details
    found["all_ipv4_addresses"] = [
        d["ipv4"]["address"] for d in interfaces.values() if "ipv4" in d and d["type"] != "loopback"
    ]
    found["all_ipv6_addresses"] = [
        a["address"] for d in interfaces.values() for a in d.get("ipv6", []) if a["scope"] != "host"
    ]
    found["default_ipv4"] = _default_ipv4(interfaces)
    found["default_ipv6"] = _default_ipv6(interfaces)
    return found


def _interface_names() -> List[str]:
    """Interface names in index order (lo first), as ``ip`` lists them."""
    try:
        names = os.listdir("/sys/class/net")
    except OSError:
        return (
            [name for _, name in socket.if_nameindex()] if hasattr(socket, "if_nameindex") else []
        )
    return sorted(names, key=lambda n: (_int(_read_line(f"/sys/class/net/{n}/ifindex")) or 0, n))


def _interface(name: str, ipv6: List[Dict[str, str]]) -> Dict[str, Any]:
    base = f"/sys/class/net/{name}/"
    kind = _int(_read_line(base + "type"))
    flags = _int(_read_line(base + "flags")) or 0
    details: Dict[str, Any] = {
        "device": name,
        "active": bool(flags & 0x1),
        "promisc": bool(flags & 0x100),
        "type": _IF_TYPES.get(kind or 0, "unknown"),
        "mtu": _int(_read_line(base + "mtu")),
    }
    mac = _read_line(base + "address")
    if mac and details["type"] != "loopback":
        details["macaddress"] = mac
    ipv4 = _ipv4_of(name)
    if ipv4:
        details["ipv4"] = ipv4
    if ipv6:
        details["ipv6"] = ipv6
    return details


def _ipv4_of(name: str) -> Optional[Dict[str, str]]:
    """The interface's primary IPv4 address, netmask and broadcast, via ioctls."""
    try:
        import fcntl
    except ImportError:
        return None
    request = struct.pack("256s", name.encode()[:15])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            address = socket.inet_ntoa(fcntl.ioctl(sock.fileno(), SIOCGIFADDR, request)[20:24])
            netmask = socket.inet_ntoa(fcntl.ioctl(sock.fileno(), SIOCGIFNETMASK, request)[20:24])
        except OSError:
            return None
        try:
            raw = fcntl.ioctl(sock.fileno(), SIOCGIFBRDADDR, request)[20:24]
            broadcast = socket.inet_ntoa(raw)
        except OSError:
            broadcast = ""
    mask = struct.unpack("!I", socket.inet_aton(netmask))[0]
    network = struct.unpack("!I", socket.inet_aton(address))[0] & mask
    return {
        "address": address,
        "netmask": netmask,
        "broadcast": "" if broadcast == "0.0.0.0" else broadcast,
        "network": socket.inet_ntoa(struct.pack("!I", network)),
        "prefix": str(bin(mask).count("1")),
    }


def _ipv6_addresses() -> Dict[str, List[Dict[str, str]]]:
    """Per-interface IPv6 addresses from /proc/net/if_inet6."""
    found: Dict[str, List[Dict[str, str]]] = {}
    for line in (_read("/proc/net/if_inet6") or "").splitlines():
        fields = line.split()
        if len(fields) < 6:
            continue
        raw, prefix, scope, name = fields[0], fields[2], fields[3], fields[5]
        address = socket.inet_ntop(socket.AF_INET6, bytes.fromhex(raw))
        entry = {
            "address": address,
            "prefix": str(int(prefix, 16)),
            "scope": _IPV6_SCOPES.get(int(scope, 16), str(int(scope, 16))),
        }
        found.setdefault(name, []).append(entry)
    rank = {"global": 0, "site": 1, "link": 2, "host": 3}
    for entries in found.values():
        entries.sort(key=lambda entry: rank.get(entry["scope"], 4))
    return found


def _default_ipv4(interfaces: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    """The default route's interface and gateway (lowest metric), with its address."""
    best: Optional[Tuple[int, str, str]] = None
    for line in (_read("/proc/net/route") or "").splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8 or fields[1] != "00000000" or fields[7] != "00000000":
            continue
        if int(fields[3], 16) & 0x3 != 0x3:  # needs RTF_UP and RTF_GATEWAY
            continue
        gateway = socket.inet_ntoa(struct.pack("<I", int(fields[2], 16)))
        candidate = (int(fields[6]), fields[0], gateway)
        if best is None or candidate < best:
            best = candidate
    if best is None:
        return {}
    _, name, gateway = best
    return _route_facts(interfaces.get(name, {}), name, gateway, interfaces, 4)


def _default_ipv6(interfaces: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    for line in (_read("/proc/net/ipv6_route") or "").splitlines():
        fields = line.split()
        if len(fields) < 10 or fields[0] != "0" * 32 or fields[1] != "00":
            continue
        gateway = socket.inet_ntop(socket.AF_INET6, bytes.fromhex(fields[4]))
        name = fields[9]
        if name == "lo":
            continue
        return _route_facts(interfaces.get(name, {}), name, gateway, interfaces, 6)
    return {}


def _route_facts(
    details: Dict[str, Any], name: str, gateway: str, interfaces: Dict[str, Any], version: int
) -> Dict[str, Any]:
    route: Dict[str, Any] = {"interface": name, "gateway": gateway, "alias": name}
    for key in ("macaddress", "mtu", "type"):
        if key in details:
            route[key] = details[key]
    if version == 4:
        route.update(details.get("ipv4", {}))
    else:
        route.pop("alias")
        globals_ = [a for a in details.get("ipv6", []) if a["scope"] == "global"]
        if globals_:
            route.update(globals_[0])
    return route


# --- mounts, DMI, chroot, lsb, cpu flags --------------------------------------------------


def mount_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """``mounts`` as ansible-core lists them: device-backed filesystems from /proc/mounts
    (in its order) with their sizes and inode counts."""
    uuids: Dict[str, str] = {}
    by_uuid = "/dev/disk/by-uuid"
    try:
        for name in os.listdir(by_uuid):
            uuids[os.path.realpath(os.path.join(by_uuid, name))] = name
    except OSError:
        pass
    mounts: List[Dict[str, Any]] = []
    for line in (_read("/proc/mounts") or "").splitlines():
        fields = [_unescape_octal(f) for f in line.split()]
        if len(fields) < 6:
            continue
        device, mount, fstype, options = fields[:4]
        if (not device.startswith(("/", "\\")) and ":/" not in device) or fstype == "none":
            continue
        info: Dict[str, Any] = {
            "mount": mount,
            "device": device,
            "fstype": fstype,
            "options": options,
            "dump": int(fields[4]) if fields[4].isdigit() else 0,
            "passno": int(fields[5]) if fields[5].isdigit() else 0,
        }
        try:
            vfs = os.statvfs(mount)
            info.update(
                size_total=vfs.f_frsize * vfs.f_blocks,
                size_available=vfs.f_frsize * vfs.f_bavail,
                block_size=vfs.f_bsize,
                block_total=vfs.f_blocks,
                block_available=vfs.f_bavail,
                block_used=vfs.f_blocks - vfs.f_bavail,
                inode_total=vfs.f_files,
                inode_available=vfs.f_favail,
                inode_used=vfs.f_files - vfs.f_favail,
            )
        except OSError:
            pass
        info["uuid"] = uuids.get(os.path.realpath(device), "N/A")
        mounts.append(info)
    return {"mounts": mounts}


def _unescape_octal(field: str) -> str:
    """/proc/mounts writes spaces and tabs in paths as octal escapes (\\040)."""
    if "\\" not in field:
        return field
    out, index = [], 0
    while index < len(field):
        chunk = field[index : index + 4]
        if len(chunk) == 4 and chunk[0] == "\\" and chunk[1:].isdigit():
            out.append(chr(int(chunk[1:], 8)))
            index += 4
        else:
            out.append(field[index])
            index += 1
    return "".join(out)


_DMI = (
    ("bios_date", "bios_date"),
    ("bios_vendor", "bios_vendor"),
    ("bios_version", "bios_version"),
    ("board_asset_tag", "board_asset_tag"),
    ("board_name", "board_name"),
    ("board_serial", "board_serial"),
    ("board_vendor", "board_vendor"),
    ("board_version", "board_version"),
    ("chassis_asset_tag", "chassis_asset_tag"),
    ("chassis_serial", "chassis_serial"),
    ("chassis_vendor", "chassis_vendor"),
    ("chassis_version", "chassis_version"),
    ("product_name", "product_name"),
    ("product_serial", "product_serial"),
    ("product_uuid", "product_uuid"),
    ("product_version", "product_version"),
    ("system_vendor", "sys_vendor"),
)

#: SMBIOS chassis types, as ansible-core names them
_FORM_FACTORS = (
    "Unknown", "Other", "Unknown", "Desktop", "Low Profile Desktop", "Pizza Box",
    "Mini Tower", "Tower", "Portable", "Laptop", "Notebook", "Hand Held", "Docking Station",
    "All In One", "Sub Notebook", "Space-saving", "Lunch Box", "Main Server Chassis",
    "Expansion Chassis", "Sub Chassis", "Bus Expansion Chassis", "Peripheral Chassis",
    "RAID Chassis", "Rack Mount Chassis", "Sealed-case PC", "Multi-system",
    "CompactPCI", "AdvancedTCA", "Blade", "Blade Enclosure", "Tablet", "Convertible",
    "Detachable", "IoT Gateway", "Embedded PC", "Mini PC", "Stick PC",
)  # fmt: skip


def dmi_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """Firmware and product strings from /sys/devices/virtual/dmi/id ("NA" when unknown)."""
    base = "/sys/devices/virtual/dmi/id"
    found: Facts = {}
    for key, name in _DMI:
        value = _read_line(os.path.join(base, name))
        found[key] = value if value else "NA"
    chassis = _read_line(os.path.join(base, "chassis_type"))
    form = "NA"
    if chassis and chassis.isdigit():
        number = int(chassis)
        form = _FORM_FACTORS[number] if number < len(_FORM_FACTORS) else "unknown"
    found["form_factor"] = form
    return found


def chroot_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """``is_chroot``: whether / is not init's root."""
    try:
        mine, init = os.stat("/"), os.stat("/proc/1/root/.")
        return {"is_chroot": (mine.st_ino, mine.st_dev) != (init.st_ino, init.st_dev)}
    except OSError:
        return {"is_chroot": os.stat("/").st_ino != 2}


def lsb_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """``lsb`` from /etc/lsb-release, or (where lsb_release is installed) what it reports
    from /etc/os-release; empty without either."""
    lsb: Dict[str, str] = {}
    release_file = _key_values(_read("/etc/lsb-release") or "")
    if release_file:
        for key, name in (
            ("DISTRIB_ID", "id"),
            ("DISTRIB_RELEASE", "release"),
            ("DISTRIB_DESCRIPTION", "description"),
            ("DISTRIB_CODENAME", "codename"),
        ):
            if key in release_file:
                lsb[name] = release_file[key]
    elif any(
        os.access(os.path.join(d, "lsb_release"), os.X_OK)
        for d in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep)
    ):
        release = _key_values(_read("/etc/os-release") or "")
        name = release.get("NAME", "")
        if name:
            lsb["id"] = name.split()[0]
        for key, field in (("PRETTY_NAME", "description"), ("VERSION_ID", "release")):
            if release.get(key):
                lsb[field] = release[key]
        if release.get("VERSION_CODENAME"):
            lsb["codename"] = release["VERSION_CODENAME"]
    if lsb.get("release"):
        lsb["major_release"] = lsb["release"].split(".")[0]
    return {"lsb": lsb}


def cpu_flags_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """``flags``: the CPU feature flags of /proc/cpuinfo."""
    for line in (_read("/proc/cpuinfo") or "").splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return {"flags": value.split()}
    return {}


# --- subsets ------------------------------------------------------------------------

if TYPE_CHECKING:
    Collector = Callable[[Facts, Dict[str, Any], Any], Facts]

COLLECTORS: Dict[str, Collector] = {
    "date_time": date_time_facts,
    "platform": platform_facts,
    "distribution": distribution_facts,
    "env": env_facts,
    "user": user_facts,
    "python": python_facts,
    "pkg_mgr": pkg_mgr_facts,
    "service_mgr": service_mgr_facts,
    "selinux": selinux_facts,
    "apparmor": apparmor_facts,
    "fips": fips_facts,
    "cmdline": cmdline_facts,
    "dns": dns_facts,
    "ssh_pub_keys": ssh_pub_keys_facts,
    "local": local_facts,
    "processor": processor_facts,
    "memory": memory_facts,
    "uptime": uptime_facts,
    "virtual": virtual_facts,
    "network": network_facts,
    "mounts": mount_facts,
    "dmi": dmi_facts,
    "chroot": chroot_facts,
    "lsb": lsb_facts,
    "cpu_flags": cpu_flags_facts,
}

#: distribution before pkg_mgr/service_mgr: they look at os_family.
COLLECTOR_ORDER = list(COLLECTORS)

MIN_SUBSET = frozenset(COLLECTORS) - {
    "processor",
    "memory",
    "uptime",
    "virtual",
    "network",
    "mounts",
    "dmi",
    "cpu_flags",
}

SUBSETS: Dict[str, FrozenSet[str]] = {
    "all": frozenset(COLLECTORS),
    "min": MIN_SUBSET,
    "hardware": frozenset(("processor", "memory", "uptime", "mounts", "dmi", "cpu_flags")),
    "network": frozenset(("network",)),
    "virtual": frozenset(("virtual",)),
    "ohai": frozenset(),
    "facter": frozenset(),
}


def _subset(name: str) -> FrozenSet[str]:
    if name in SUBSETS:
        return SUBSETS[name]
    if name in COLLECTORS:
        return frozenset((name,))
    allowed = ", ".join(sorted(set(SUBSETS) | set(COLLECTORS)))
    raise ModuleFailed(
        f"Bad subset '{name}' given to Ansible. gather_subset options allowed: {allowed}"
    )


def select_collectors(subsets: List[str]) -> Set[str]:
    """Which collectors run: included subsets (all when only exclusions), minus ``!`` ones.

    The ``min`` facts are always gathered unless ``!min`` is given, as in Ansible.
    """
    included: Set[str] = set()
    excluded: Set[str] = set()
    only_exclusions = True
    for raw in subsets or ["all"]:
        item = raw.strip()
        if item.startswith("!"):
            excluded |= _subset(item[1:])
        else:
            only_exclusions = False
            included |= _subset(item)
    if only_exclusions:
        included = set(SUBSETS["all"])
    selected = (included - excluded) | (MIN_SUBSET - excluded if "!min" not in subsets else set())
    if "!min" not in subsets and "!all" in subsets:
        selected |= MIN_SUBSET
    return selected
