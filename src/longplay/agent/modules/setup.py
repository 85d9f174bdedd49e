"""setup: gather facts about the host, fast.

Returns ``{"ansible_facts": {"ansible_hostname": ..., ...}}`` with the names,
shapes and values ansible-core 2.19's setup module gives. Everything is read
from ``/proc``, ``/sys``, ``/etc``, ``/dev``, rtnetlink and a few ioctls where
the reference runs programs (ip, lsblk, findmnt, capsh, lsb_release, stat),
so a whole gather takes a few milliseconds. Programs run only where no file
holds the answer: the LVM tools (as root, when installed) and
``systemctl --version`` on systemd hosts, as the reference. The possibly
slow calls have deadlines: the reverse lookup behind ``fqdn`` (answered from
``/etc/hosts`` when it can be) and statvfs on network mounts.

The hardware, storage, virtualization and other Linux-only collectors live
in ``_setup_linux`` and are imported only by gathers that need them.

``gather_subset`` takes the reference's subset names (all, min, hardware,
network, virtual, and the smaller ones), with ``!`` to exclude; ``filter``
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
    warnings = facts.pop("_warnings", [])  # a collector's warnings, not a fact
    result = {"ansible_" + key: value for key, value in facts.items()}
    result["gather_subset"] = list(args["gather_subset"])
    result["module_setup"] = True
    patterns = args["filter"]
    if patterns:  # as in Ansible, gather_subset and module_setup are filtered too
        result = {key: value for key, value in result.items() if _matches(key, patterns)}
    answer: Dict[str, Any] = {"ansible_facts": result, "changed": False}
    if warnings:
        answer["warnings"] = warnings
    return answer


def _matches(name: str, patterns: List[str]) -> bool:
    short = name[len("ansible_") :] if name.startswith("ansible_") else name
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(short, p) for p in patterns)


# --- small readers -------------------------------------------------------------


def _read(path: str) -> Optional[str]:
    """The file's text, or None. Plain os.read: a third of open()'s cost on sysfs."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        chunks = []
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace")


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
    if not _libselinux_present():
        return {
            "selinux": {"status": "Missing selinux Python library"},
            "selinux_python_present": False,
        }
    if enforce is None:
        return {"selinux": {"status": "disabled"}, "selinux_python_present": True}
    config = _key_values(_read("/etc/selinux/config") or "")
    return {
        "selinux": {
            "status": "enabled",
            "mode": "enforcing" if enforce == "1" else "permissive",
            "config_mode": config.get("SELINUX", "unknown"),
            "type": config.get("SELINUXTYPE", "unknown"),
            "policyvers": _int(_read_line("/sys/fs/selinux/policyvers")),
        },
        "selinux_python_present": True,
    }


_LIB_DIRS = (
    "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
)  # fmt: skip


def _libselinux_present() -> bool:
    """Whether libselinux.so.1 is installed: the reference's SELinux bindings load
    it with ctypes and report "Missing selinux Python library" without it. The
    usual library directories are looked at instead of loading it."""
    dirs = list(_LIB_DIRS)
    machine = os.uname().machine
    dirs += [f"/lib/{machine}-linux-gnu", f"/usr/lib/{machine}-linux-gnu"]
    return any(os.path.exists(os.path.join(d, "libselinux.so.1")) for d in dirs)


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


_CPU_NAME_KEYS = ("model name", "Processor", "vendor_id", "cpu", "Vendor", "processor")


def processor_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """CPU facts from /proc/cpuinfo, counted as the reference counts them.

    ``processor`` lists the values of the naming keys in file order. Sockets
    are the distinct physical ids (each sized by its "cpu cores"), threads per
    core the first core's siblings over the cores per socket; ARM and POWER
    count "processor" lines, s390x its "# processors" and threads, Xen
    paravirtual guests (no ``vme`` flag) one core per CPU.
    """
    text = _read("/proc/cpuinfo")
    if text is None:
        return {}
    return cpu_facts_from(text, facts.get("architecture", ""), _xen())


def cpu_facts_from(text: str, architecture: str, xen: bool) -> Facts:
    """processor_facts' reading of a cpuinfo text."""
    names: List[str] = []
    count = vendor_ids = model_names = processor_lines = 0
    sockets: Dict[str, int] = {}
    cores: Dict[str, int] = {}
    socket_id = core_id = "0"
    s390_cpus = s390_threads = 0
    flags: Optional[List[str]] = None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "flags":
            flags = value.split()
        if key in _CPU_NAME_KEYS:
            names.append(value)
            vendor_ids += key == "vendor_id"
            model_names += key == "model name"
            processor_lines += key == "processor"
            count += 1
        elif key == "physical id":
            socket_id = value
            sockets.setdefault(value, 1)
        elif key == "core id":
            core_id = value
            if value not in sockets:  # sic: the reference looks among sockets here
                cores[value] = 1
        elif key == "cpu cores":
            sockets[socket_id] = int(value)
        elif key == "siblings":
            cores[core_id] = int(value)
        elif key == "# processors":
            s390_cpus = int(value)
        elif key == "max thread id":
            s390_threads = int(value) + 1
        elif key == "ncpus active":
            count = int(value)
    if vendor_ids and vendor_ids == model_names:
        count = vendor_ids
    if architecture.startswith(("armv", "aarch", "ppc")):
        count = processor_lines
    found: Facts = {"processor": names}
    if architecture == "s390x":
        threads = s390_threads or 1
        found.update(
            processor_count=1,
            processor_cores=round(s390_cpus / threads),
            processor_threads_per_core=s390_threads,
            processor_vcpus=s390_cpus,
            processor_nproc=s390_cpus,
        )
    elif xen and flags is not None and "vme" not in flags:
        found.update(
            processor_count=count,
            processor_cores=count,
            processor_threads_per_core=1,
            processor_vcpus=count,
            processor_nproc=count,
        )
    else:
        per_socket = next(iter(sockets.values()), 0) or 1
        first_core = next(iter(cores.values()), None)
        threads = round((first_core if first_core is not None else 1) / per_socket)
        sockets_count = len(sockets) or count
        found.update(
            processor_count=sockets_count,
            processor_cores=per_socket,
            processor_threads_per_core=threads,
            processor_vcpus=threads * sockets_count * per_socket,
            processor_nproc=processor_lines,
        )
        if hasattr(os, "sched_getaffinity"):
            found["processor_nproc"] = len(os.sched_getaffinity(0))
    if flags is not None:
        found["flags"] = flags
    return found


def _xen() -> bool:
    if os.path.exists("/proc/xen"):
        return True
    first = (_read("/sys/hypervisor/type") or "").split("\n", 1)[0]
    return first.strip() == "xen"


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
    text = _read_line("/proc/uptime")
    return {"uptime_seconds": int(float(text.split()[0]))} if text else {}


def loadavg_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """Its own subset in the reference: not part of hardware."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return {}
    return {"loadavg": {"1m": one, "5m": five, "15m": fifteen}}


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
    """Other systems than Linux (Linux's are in _setup_linux): a container or VM guest
    from marker files and DMI strings, when any."""
    kind = _container_type() or _vm_type()
    return {
        "virtualization_type": kind or "NA",
        "virtualization_role": "guest" if kind else "NA",
        "virtualization_tech_guest": [kind] if kind else [],
        "virtualization_tech_host": [],
    }


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
    kind = _dmi_vm_type()
    if kind is not None:
        return kind
    cpuinfo = _read("/proc/cpuinfo") or ""
    if " hypervisor" in cpuinfo:
        return "kvm"
    return None


def _dmi_vm_type() -> Optional[str]:
    dmi = " ".join(
        _read_line(f"/sys/class/dmi/id/{name}") or ""
        for name in ("product_name", "sys_vendor", "bios_vendor")
    )
    for vendor, kind in _VM_VENDORS:
        if vendor in dmi:
            return kind
    if os.path.exists("/proc/xen"):
        return "xen"
    return None


# --- network ------------------------------------------------------------------------

SIOCGIFADDR = 0x8915
SIOCGIFBRDADDR = 0x8919
SIOCGIFNETMASK = 0x891B
_IPV6_SCOPES = {0x00: "global", 0x10: "host", 0x20: "link", 0x40: "site"}
_IF_TYPES = {1: "ether", 32: "infiniband", 512: "ppp", 772: "loopback", 65534: "tunnel"}


def network_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """Interfaces, their addresses and the default routes, from /sys, /proc and netlink.

    As in the reference, nothing is reported on a host without ``ip``
    (iproute2), whose output the reference reads.
    """
    if _which_ip() is None:
        return {}
    _IFINDEX.clear()  # interfaces come and go between gathers
    names = _interface_names()
    if not names:
        return {}
    records = _netlink_addresses()
    interfaces: Dict[str, Dict[str, Any]] = {}
    for name in names:
        interfaces[name] = _interface(name)
        if records is None:  # no netlink: primary IPv4 by ioctl, IPv6 from /proc
            primary = _ipv4_of(name)
            if primary:
                interfaces[name]["ipv4"] = primary
            ipv6 = _ipv6_addresses().get(name)
            if ipv6:
                interfaces[name]["ipv6"] = ipv6
            continue
        index = _ifindex(name)
        _add_addresses(name, [r for r in records if r[1] == index], interfaces)
    listed = [name.replace(":", "_") for name in interfaces]
    found: Facts = {"interfaces": listed}
    for name, details in interfaces.items():
        found[name.replace(":", "_").replace("-", "_")] = details
    found["all_ipv4_addresses"] = _all_addresses(records, interfaces, socket.AF_INET)
    found["all_ipv6_addresses"] = _all_addresses(records, interfaces, socket.AF_INET6)
    found["default_ipv4"] = _default_route(socket.AF_INET, interfaces, records)
    found["default_ipv6"] = _default_route(socket.AF_INET6, interfaces, records)
    found["locally_reachable_ips"] = {"ipv4": _local_ipv4(), "ipv6": _local_ipv6()}
    return found


def _which_ip() -> Optional[str]:
    """Where ``ip`` is, on PATH or in the sbin directories (as the reference looks)."""
    extra = ["/sbin", "/usr/sbin", "/usr/local/sbin"]
    for directory in [*os.environ.get("PATH", "").split(os.pathsep), *extra]:
        path = os.path.join(directory, "ip")
        if directory and os.access(path, os.X_OK) and os.path.isfile(path):
            return path
    return None


def _all_addresses(
    records: Optional[List[Address]], interfaces: Dict[str, Dict[str, Any]], family: int
) -> List[str]:
    """Every address but loopback ones (127.x, ::1), interface by interface."""
    if records is not None:
        found = []
        for name in interfaces:
            if ":" in name:  # an alias: its addresses are its device's
                continue
            index = _ifindex(name)
            mine = [r for r in records if r[1] == index and r[0] == family]
            for secondary in (False, True):
                found += [r[3]["address"] for r in mine if bool(r[2] & 1) == secondary]
    elif family == socket.AF_INET:
        found = [d["ipv4"]["address"] for d in interfaces.values() if "ipv4" in d]
    else:
        found = [a["address"] for d in interfaces.values() for a in d.get("ipv6", [])]
    loopback = "127." if family == socket.AF_INET else "::1"
    if family == socket.AF_INET:
        return [a for a in found if not a.startswith(loopback)]
    return [a for a in found if a != loopback]


def _local_ipv4() -> List[str]:
    """The ``local`` routes of the local table (``ip route show table local``), from
    /proc/net/fib_trie: ``a.b.c.d`` for a host, ``a.b.c.d/n`` for a whole network."""
    text = _read("/proc/net/fib_trie") or ""
    if "\nLocal:" in text:
        text = text[text.index("\nLocal:") :]
    found: List[str] = []
    address = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("|--"):
            address = stripped[3:].strip()
        elif stripped.startswith("/") and stripped.endswith(" LOCAL") and address:
            prefix = stripped.split()[0][1:]
            item = address if prefix == "32" else f"{address}/{prefix}"
            if item not in found:
                found.append(item)
    return found


def _local_ipv6() -> List[str]:
    """IPv6 routes flagged RTF_LOCAL in /proc/net/ipv6_route, in address order."""
    found: List[Tuple[bytes, str]] = []
    for line in (_read("/proc/net/ipv6_route") or "").splitlines():
        fields = line.split()
        if len(fields) < 10 or not int(fields[8], 16) & 0x80000000:
            continue
        raw = bytes.fromhex(fields[0])
        prefix = int(fields[1], 16)
        address = socket.inet_ntop(socket.AF_INET6, raw)
        item = address if prefix == 128 else f"{address}/{prefix}"
        if (raw, item) not in found:
            found.append((raw, item))
    return [item for _, item in sorted(found)]


def _interface_names() -> List[str]:
    """Interface names in index order (lo first), as ``ip`` lists them."""
    try:
        names = os.listdir("/sys/class/net")
    except OSError:
        return (
            [name for _, name in socket.if_nameindex()] if hasattr(socket, "if_nameindex") else []
        )
    return sorted(names, key=lambda n: (_ifindex(n) or 0, n))


def _interface(name: str) -> Dict[str, Any]:
    """What /sys/class/net says of the interface, as the reference reads it."""
    base = f"/sys/class/net/{name}/"
    details: Dict[str, Any] = {"device": name}
    mac = _read_line(base + "address")
    if mac and mac != "00:00:00:00:00:00":
        details["macaddress"] = mac
    mtu = _int(_read_line(base + "mtu"))
    if mtu is not None:
        details["mtu"] = mtu
    operstate = _read_line(base + "operstate")
    if operstate is not None:
        details["active"] = operstate != "down"
    if os.path.exists(base + "device/driver/module"):  # a loadable driver, not built in
        details["module"] = os.path.basename(os.path.realpath(base + "device/driver/module"))
    kind = _read_line(base + "type")
    if kind is not None:
        details["type"] = _IF_TYPES.get(_int(kind) or -1, "unknown")
    if os.path.isdir(base + "bridge"):
        details["type"] = "bridge"
        details["interfaces"] = sorted(os.listdir(base + "brif"))
        bridge_id = _read_line(base + "bridge/bridge_id")
        if bridge_id is not None:
            details["id"] = bridge_id
        stp = _read_line(base + "bridge/stp_state")
        if stp is not None:
            details["stp"] = stp == "1"
    if os.path.isdir(base + "bonding"):
        details["type"] = "bonding"
        details["slaves"] = (_read_line(base + "bonding/slaves") or "").split()
        for key in ("mode", "miimon", "lacp_rate"):
            details[key] = ((_read_line(base + "bonding/" + key) or "").split() or [""])[0]
        primary_slave = _read_line(base + "bonding/primary")
        if primary_slave:
            details["primary"] = primary_slave
            active = _read_line(base + "bonding/all_slaves_active")
            if active is not None:  # the reference looks only when a primary is set
                details["all_slaves_active"] = active == "1"
    if os.path.isdir(base + "bonding_slave"):
        details["perm_macaddress"] = _read_line(base + "bonding_slave/perm_hwaddr") or ""
    try:  # the bus device behind the interface (PCI address, or virtioN on virtio)
        details["pciid"] = os.path.basename(os.readlink(base + "device"))
    except OSError:
        pass
    speed = _int(_read_line(base + "speed"))  # unreadable (EINVAL) on virtual interfaces
    if speed is not None:
        details["speed"] = speed
    flags = _read_line(base + "flags")
    if flags is not None:
        details["promisc"] = bool((_int(flags) or 0) & 0x100)
    return details


_RTM_NEWADDR, _RTM_GETADDR, _NLMSG_DONE, _NLMSG_ERROR = 20, 22, 3, 2
_IFA_ADDRESS, _IFA_LOCAL, _IFA_BROADCAST = 1, 2, 4


_IFA_LABEL = 3
_IFA_F_SECONDARY = 0x01  # also IFA_F_TEMPORARY for IPv6
_RT_SCOPES = {0: "global", 200: "site", 253: "link", 254: "host", 255: "nowhere"}

if TYPE_CHECKING:
    #: (family, interface index, flags, address facts, label)
    Address = Tuple[int, int, int, Dict[str, str], str]


def _netlink_addresses() -> Optional[List[Address]]:
    """Every IPv4 and IPv6 address in the kernel's order (what ``ip addr`` lists),
    from one rtnetlink dump. None when netlink is unavailable."""
    if not hasattr(socket, "AF_NETLINK"):
        return None
    request = struct.pack("=IHHII", 24, _RTM_GETADDR, 0x301, 1, 0)  # REQUEST|DUMP
    request += struct.pack("=BBBBI", socket.AF_UNSPEC, 0, 0, 0, 0)
    found: List[Address] = []
    try:
        with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0) as sock:
            sock.settimeout(1.0)
            sock.send(request)
            while True:
                data = sock.recv(65536)
                offset = 0
                while offset + 16 <= len(data):
                    length, kind = struct.unpack_from("=IH", data, offset)
                    if kind == _NLMSG_DONE:
                        return found
                    if kind == _NLMSG_ERROR or length < 16:
                        return None
                    if kind == _RTM_NEWADDR:
                        record = _netlink_address(data[offset + 16 : offset + length])
                        if record is not None:
                            found.append(record)
                    offset += (length + 3) & ~3
    except OSError:
        return None


def _netlink_address(body: bytes) -> Optional[Address]:
    family, prefix, flags, scope, index = struct.unpack_from("=BBBBI", body)
    attrs: Dict[int, bytes] = {}
    offset = 8
    while offset + 4 <= len(body):
        length, kind = struct.unpack_from("=HH", body, offset)
        if length < 4:
            break
        attrs[kind] = body[offset + 4 : offset + length]
        offset += (length + 3) & ~3
    raw = attrs.get(_IFA_LOCAL) or attrs.get(_IFA_ADDRESS)
    label = attrs.get(_IFA_LABEL, b"").split(b"\0", 1)[0].decode("utf-8", "replace")
    if family == socket.AF_INET6 and raw is not None and len(raw) == 16:
        facts = {
            "address": socket.inet_ntop(socket.AF_INET6, raw),
            "prefix": str(prefix),
            "scope": _RT_SCOPES.get(scope, str(scope)),
        }
        return family, index, flags, facts, label
    if family != socket.AF_INET or raw is None or len(raw) != 4:
        return None
    mask = (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF if prefix else 0
    broadcast = attrs.get(_IFA_BROADCAST)
    facts = {
        "address": socket.inet_ntoa(raw),
        "broadcast": socket.inet_ntoa(broadcast) if broadcast else "",
        "netmask": socket.inet_ntoa(struct.pack("!I", mask)),
        "network": socket.inet_ntoa(struct.pack("!I", struct.unpack("!I", raw)[0] & mask)),
        "prefix": str(prefix),
    }
    return family, index, flags, facts, label


def _add_addresses(
    name: str, records: List[Address], interfaces: Dict[str, Dict[str, Any]]
) -> None:
    """The interface's addresses placed as the reference places ``ip addr`` lines.

    Primary addresses first, then secondary ones. The first IPv4 address is
    ``ipv4``, later ones go to ``ipv4_secondaries``. An address labelled as an
    alias (``eth0:1``) starts a fresh alias entry holding just that address;
    a secondary one is also listed among the interface's secondaries.
    """
    details = interfaces[name]
    for secondary in (False, True):
        for family, _index, flags, facts, label in records:
            if bool(flags & _IFA_F_SECONDARY) != secondary:
                continue
            if family == socket.AF_INET6:
                details.setdefault("ipv6", []).append(facts)
                continue
            owner = label or name
            if owner != name:
                interfaces[owner] = {}
            target = interfaces[owner]
            if not secondary and "ipv4" not in target:
                target["ipv4"] = facts
            else:
                target.setdefault("ipv4_secondaries", []).append(facts)
            if secondary:
                details.setdefault("ipv4_secondaries", [])
                if owner != name:
                    details["ipv4_secondaries"].append(facts)


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


#: Where the reference asks ``ip route get`` the way out: Google's DNS servers.
_PROBE_V4 = "8.8.8.8"
_PROBE_V6 = "2404:6800:400a:800::1012"
_RTM_NEWROUTE, _RTM_GETROUTE = 24, 26
_RTA_DST, _RTA_OIF, _RTA_GATEWAY, _RTA_PREFSRC = 1, 4, 5, 7


def _route_get(family: int, destination: str) -> Optional[Dict[str, str]]:
    """The kernel's route to ``destination`` (``ip route get``), by rtnetlink:
    ``interface``, ``gateway`` and ``address`` (the source it would use), those it
    names. {} when there is no route, None when netlink is unavailable."""
    if not hasattr(socket, "AF_NETLINK"):
        return None
    raw = socket.inet_pton(family, destination)
    attr = struct.pack("=HH", 4 + len(raw), _RTA_DST) + raw
    body = struct.pack("=BBBBBBBBI", family, len(raw) * 8, 0, 0, 0, 0, 0, 0, 0) + attr
    request = struct.pack("=IHHII", 16 + len(body), _RTM_GETROUTE, 1, 1, 0) + body
    try:
        with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0) as sock:
            sock.settimeout(1.0)
            sock.send(request)
            data = sock.recv(65536)
    except OSError:
        return None
    if len(data) < 28:
        return {}
    _length, kind = struct.unpack_from("=IH", data, 0)
    if kind != _RTM_NEWROUTE:
        return {}  # NLMSG_ERROR: no route (network unreachable)
    found: Dict[str, str] = {}
    offset = 16 + 12
    while offset + 4 <= len(data):
        length, attr_type = struct.unpack_from("=HH", data, offset)
        if length < 4:
            break
        value = data[offset + 4 : offset + length]
        if attr_type == _RTA_OIF and len(value) == 4:
            try:
                found["interface"] = socket.if_indextoname(struct.unpack("=I", value)[0])
            except OSError:
                pass
        elif attr_type == _RTA_GATEWAY:
            found["gateway"] = socket.inet_ntop(family, value)
        elif attr_type == _RTA_PREFSRC:
            found["address"] = socket.inet_ntop(family, value)
        offset += (length + 3) & ~3
    return found


def _default_route(
    family: int, interfaces: Dict[str, Dict[str, Any]], records: Optional[List[Address]]
) -> Dict[str, Any]:
    """default_ipv4/default_ipv6 as the reference builds them: the route to its probe
    address, completed from the interface address it leaves from."""
    probe = _PROBE_V4 if family == socket.AF_INET else _PROBE_V6
    answer = _route_get(family, probe) if records is not None else None
    if answer is None:  # no netlink: the lowest-metric default route in /proc
        if family == socket.AF_INET:
            return _default_ipv4(interfaces)
        return _default_ipv6(interfaces)
    route: Dict[str, Any] = dict(answer)
    if "address" not in route:
        return route
    for record_family, index, _flags, facts, label in records or []:
        if record_family != family or facts["address"] != route["address"]:
            continue
        name = next(
            (n for n in interfaces if ":" not in n and _ifindex(n) == index), route.get("interface")
        )
        device = interfaces.get(name or "", {})
        if family == socket.AF_INET:
            for key in ("broadcast", "netmask", "network", "prefix"):
                route[key] = facts[key]
        else:
            route["prefix"], route["scope"] = facts["prefix"], facts["scope"]
        if "macaddress" in device:
            route["macaddress"] = device["macaddress"]
        if "mtu" in device:
            route["mtu"] = device["mtu"]
        route["type"] = device.get("type", "unknown")
        if family == socket.AF_INET:
            route["alias"] = label or name or ""
    return route


_IFINDEX: Dict[str, Optional[int]] = {}


def _ifindex(name: str) -> Optional[int]:
    """The interface's index; read once per gather (network_facts clears the cache)."""
    if name not in _IFINDEX:
        _IFINDEX[name] = _int(_read_line(f"/sys/class/net/{name}/ifindex"))
    return _IFINDEX[name]


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


# --- subsets ------------------------------------------------------------------------

if TYPE_CHECKING:
    Collector = Callable[[Facts, Dict[str, Any], Any], Facts]


def _linux(name: str) -> Collector:
    """A collector from _setup_linux, imported only when a gather needs it."""

    def collect(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
        if os.uname().sysname != "Linux":
            return {}
        from longplay.agent.modules import _setup_linux

        found: Facts = getattr(_setup_linux, name)(facts, args, ctx)
        return found

    collect.__name__ = name
    return collect


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
    "lsb": _linux("lsb_facts"),
    "caps": _linux("caps_facts"),
    "processor": processor_facts,
    "memory": memory_facts,
    "uptime": uptime_facts,
    "mounts": _linux("mount_facts"),
    "devices": _linux("device_facts"),
    "dmi": _linux("dmi_facts"),
    "lvm": _linux("lvm_facts"),
    "loadavg": loadavg_facts,
    "chroot": _linux("chroot_facts"),
    "fibre_channel_wwn": _linux("fibre_channel_facts"),
    "iscsi": _linux("iscsi_facts"),
    "nvme": _linux("nvme_facts"),
    "systemd": _linux("systemd_facts"),
    "virtual": _linux("virtual_facts") if sys.platform.startswith("linux") else virtual_facts,
    "network": network_facts,
}

#: distribution before pkg_mgr/service_mgr: they look at os_family.
COLLECTOR_ORDER = list(COLLECTORS)

MIN_SUBSET = frozenset(
    (
        "date_time", "platform", "distribution", "env", "user", "python", "pkg_mgr",
        "service_mgr", "selinux", "apparmor", "fips", "cmdline", "dns", "ssh_pub_keys",
        "local", "lsb", "caps",
    )
)  # fmt: skip

_HARDWARE = frozenset(("processor", "memory", "uptime", "mounts", "devices", "dmi", "lvm"))
_USER = frozenset(("user",))
_PLATFORM = frozenset(("platform",))
_DISTRIBUTION = frozenset(("distribution",))
_SSH = frozenset(("ssh_pub_keys",))

#: Every name gather_subset accepts (the reference's list) and the collectors it means.
#: The reference's hardware collector is one piece: naming any part of it gathers it all.
SUBSETS: Dict[str, FrozenSet[str]] = {
    "all": frozenset(COLLECTORS),
    "min": MIN_SUBSET,
    "hardware": _HARDWARE,
    "devices": _HARDWARE,
    "mounts": _HARDWARE,
    "processor": _HARDWARE,
    "processor_cores": _HARDWARE,
    "processor_count": _HARDWARE,
    "network": frozenset(("network",)),
    "interfaces": frozenset(("network",)),
    "all_ipv4_addresses": frozenset(("network",)),
    "all_ipv6_addresses": frozenset(("network",)),
    "default_ipv4": frozenset(("network",)),
    "default_ipv6": frozenset(("network",)),
    "virtual": frozenset(("virtual",)),
    "virtualization_role": frozenset(("virtual",)),
    "virtualization_type": frozenset(("virtual",)),
    "virtualization_tech_guest": frozenset(("virtual",)),
    "virtualization_tech_host": frozenset(("virtual",)),
    "ohai": frozenset(),
    "facter": frozenset(),
    "platform": _PLATFORM,
    "architecture": _PLATFORM,
    "kernel": _PLATFORM,
    "kernel_version": _PLATFORM,
    "machine": _PLATFORM,
    "machine_id": _PLATFORM,
    "python_version": _PLATFORM,
    "system": _PLATFORM,
    "distribution": _DISTRIBUTION,
    "distribution_major_version": _DISTRIBUTION,
    "distribution_release": _DISTRIBUTION,
    "distribution_version": _DISTRIBUTION,
    "os_family": _DISTRIBUTION,
    "user": _USER,
    "user_dir": _USER,
    "user_gecos": _USER,
    "user_gid": _USER,
    "user_id": _USER,
    "user_shell": _USER,
    "user_uid": _USER,
    "effective_group_ids": _USER,
    "effective_user_id": _USER,
    "real_user_id": _USER,
    "ssh_pub_keys": _SSH,
    "ssh_host_pub_keys": _SSH,
    "ssh_host_key_dsa_public": _SSH,
    "ssh_host_key_ecdsa_public": _SSH,
    "ssh_host_key_ed25519_public": _SSH,
    "ssh_host_key_rsa_public": _SSH,
    "caps": frozenset(("caps",)),
    "system_capabilities": frozenset(("caps",)),
    "system_capabilities_enforced": frozenset(("caps",)),
    "chroot": frozenset(("chroot",)),
    "is_chroot": frozenset(("chroot",)),
}
for _name in (
    "date_time", "env", "python", "pkg_mgr", "service_mgr", "selinux", "apparmor", "fips",
    "cmdline", "dns", "local", "lsb", "loadavg", "fibre_channel_wwn", "iscsi", "nvme",
    "systemd",
):  # fmt: skip
    SUBSETS[_name] = frozenset((_name,))

#: Collectors that need another's facts, which are gathered too (even under !min).
REQUIRES: Dict[str, FrozenSet[str]] = {
    "processor": _PLATFORM,
    "network": _PLATFORM | _DISTRIBUTION,
}


def _subset(name: str) -> FrozenSet[str]:
    if name in SUBSETS:
        return SUBSETS[name]
    allowed = ", ".join(sorted(set(SUBSETS) - {"min"}))
    raise ModuleFailed(
        f"Bad subset '{name}' given to Ansible. gather_subset options allowed: {allowed}"
    )


def select_collectors(subsets: List[str]) -> Set[str]:
    """Which collectors run, as the reference chooses them.

    Only the named subsets are added (``all`` for everything); exclusions
    remove from those, so ``!hardware`` alone leaves just ``min``, and
    ``!all`` removes nothing named beside it. ``min`` is always added unless
    ``!min`` is given; a collector's prerequisites (platform facts for
    hardware, platform and distribution for network) are always added.
    Unknown exclusions are ignored, unknown inclusions fail.
    """
    included: Set[str] = set()
    excluded: Set[str] = set()
    no_min = False
    for raw in subsets or ["all"]:
        item = raw.strip()
        if item == "!min":
            no_min = True
        elif item == "!all":
            continue
        elif item.startswith("!"):
            excluded |= SUBSETS.get(item[1:], frozenset())
        else:
            included |= _subset(item)
    selected = included - excluded
    if not no_min:
        selected |= MIN_SUBSET
    else:
        selected -= MIN_SUBSET
    for name in list(selected):
        selected |= REQUIRES.get(name, frozenset())
    return selected
