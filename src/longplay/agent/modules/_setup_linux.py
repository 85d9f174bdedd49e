"""setup's hardware, storage and system facts on Linux, read from /proc, /sys and /dev.

Kept apart from setup.py so that gathering only ``min`` never pays for
parsing this file. Everything here reads files; the only programs ever run
are the LVM tools, and only on a host that has them and when running as root
(as the reference does). Facts the reference gets from a program are read
from the files that program reads, so a gather spawns no process per mount
or per device.
"""

from __future__ import annotations

import os
import threading

from longplay.agent.modules.setup import _read, _read_line

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Tuple

    Facts = Dict[str, Any]


def _listdir(path: str) -> List[str]:
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


# --- DMI -------------------------------------------------------------------------

DMI_DIR = "/sys/devices/virtual/dmi/id"

#: fact name -> file under DMI_DIR
_DMI_FILES = (
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

#: SMBIOS chassis types, 1-based (DMTF DSP0134, table "System Enclosure or Chassis Types").
CHASSIS_TYPES = (
    "Other", "Unknown", "Desktop", "Low Profile Desktop", "Pizza Box", "Mini Tower", "Tower",
    "Portable", "Laptop", "Notebook", "Hand Held", "Docking Station", "All In One",
    "Sub Notebook", "Space-saving", "Lunch Box", "Main Server Chassis", "Expansion Chassis",
    "Sub Chassis", "Bus Expansion Chassis", "Peripheral Chassis", "RAID Chassis",
    "Rack Mount Chassis", "Sealed-case PC", "Multi-system", "CompactPCI", "AdvancedTCA",
    "Blade", "Blade Enclosure", "Tablet", "Convertible", "Detachable", "IoT Gateway",
    "Embedded PC", "Mini PC", "Stick PC",
)  # fmt: skip


def dmi_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """The DMI strings from sysfs, "NA" when absent or unreadable (serials need root).

    Left out: the reference falls back to running ``dmidecode -s`` per key
    when sysfs has no DMI directory (old kernels); here such hosts get "NA".
    """
    found: Facts = {}
    for fact, name in _DMI_FILES:
        found[fact] = _read_line(os.path.join(DMI_DIR, name)) or "NA"
    chassis = _read_line(os.path.join(DMI_DIR, "chassis_type"))
    if chassis is None:
        found["form_factor"] = "NA"
    else:
        number = _int(chassis, -1)
        if number == 0:
            found["form_factor"] = "Unknown"
        elif 0 < number <= len(CHASSIS_TYPES):
            found["form_factor"] = CHASSIS_TYPES[number - 1]
        else:
            found["form_factor"] = f"unknown ({chassis})"
    return found


# --- mounts ----------------------------------------------------------------------


def _unescape(field: str) -> str:
    r"""Mount table fields escape space, tab, newline and backslash as ``\ooo``."""
    if "\\" not in field:
        return field
    out = []
    i = 0
    while i < len(field):
        chunk = field[i + 1 : i + 4]
        if field[i] == "\\" and len(chunk) == 3 and all(c in "01234567" for c in chunk):
            out.append(chr(int(chunk, 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def _bind_mountpoints() -> Dict[str, bool]:
    """Mount points whose root is a subdirectory of their filesystem (shown ``dev[/dir]``
    by findmnt), from /proc/self/mountinfo: the reference tags these ``bind``."""
    binds: Dict[str, bool] = {}
    for line in (_read("/proc/self/mountinfo") or "").splitlines():
        fields = line.split()
        if len(fields) > 4:
            binds[_unescape(fields[4])] = fields[3] != "/"
    return binds


def _uuids_by_device() -> Dict[str, str]:
    """Resolved device path -> filesystem UUID, from udev's /dev/disk/by-uuid links
    (what lsblk reports; without udev there are none and every uuid is "N/A")."""
    found: Dict[str, str] = {}
    directory = "/dev/disk/by-uuid"
    for name in _listdir(directory):
        found[os.path.realpath(os.path.join(directory, name))] = name
    return found


def _is_network_mount(device: str, fstype: str) -> bool:
    return ":/" in device or fstype.startswith(("nfs", "cifs", "smb", "fuse.sshfs", "ceph"))


def _statvfs_facts(path: str) -> Dict[str, int]:
    st = os.statvfs(path)
    return {
        "size_total": st.f_frsize * st.f_blocks,
        "size_available": st.f_frsize * st.f_bavail,
        "block_size": st.f_bsize,
        "block_total": st.f_blocks,
        "block_available": st.f_bavail,
        "block_used": st.f_blocks - st.f_bavail,
        "inode_total": st.f_files,
        "inode_available": st.f_favail,
        "inode_used": st.f_files - st.f_favail,
    }


def mount_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """Mounted filesystems backed by a device path or a network share (``host:/path``).

    As in the reference: pseudo filesystems (proc, tmpfs, cgroup, ...) are
    left out, a mount whose root is a subdirectory gets ``,bind`` added to its
    options, and the sizes come from statvfs. Network filesystems are
    measured in threads that may take at most ``gather_timeout`` seconds in
    all, so a hung NFS server cannot hang the gather; local ones are
    measured directly.
    """
    text = _read("/proc/self/mounts") or _read("/etc/mtab") or ""
    binds = _bind_mountpoints()
    uuids = _uuids_by_device()
    mounts: Dict[str, Dict[str, Any]] = {}
    pending: List[Tuple[Dict[str, Any], threading.Thread, List[Any], str]] = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        device, mount, fstype = _unescape(fields[0]), _unescape(fields[1]), fields[2]
        if (not device.startswith(("/", "\\")) and ":/" not in device) or fstype == "none":
            continue
        options = fields[3]
        if binds.get(mount) and "bind" not in options.split(","):
            options += ",bind"
        entry: Dict[str, Any] = {
            "mount": mount,
            "device": device,
            "fstype": fstype,
            "options": options,
            "dump": _int(fields[4]) if len(fields) > 4 else 0,
            "passno": _int(fields[5]) if len(fields) > 5 else 0,
        }
        uuid = uuids.get(os.path.realpath(device), "N/A") if device[:1] == "/" else "N/A"
        mounts[mount] = entry  # one entry per mount point, the last mounted, as the reference
        if _is_network_mount(device, fstype):
            box: List[Any] = []
            worker = threading.Thread(target=_measure_into, args=(mount, box), daemon=True)
            worker.start()
            pending.append((entry, worker, box, uuid))
            continue
        try:
            entry.update(_statvfs_facts(mount))
        except OSError:
            pass
        entry["uuid"] = uuid
    warnings: List[str] = []
    if pending:
        import time

        deadline = time.monotonic() + max(1, int(args.get("gather_timeout") or 10))
        for entry, worker, box, uuid in pending:
            worker.join(max(0.0, deadline - time.monotonic()))
            if box and isinstance(box[0], dict):
                entry.update(box[0])
                entry["uuid"] = uuid
            elif box:
                entry["note"] = f"Could not get extra information: {box[0]}"
            else:
                warnings.append(f"Timeout exceeded when getting mount info for {entry['mount']}")
                entry["note"] = "Could not get extra information due to timeout"
    found: Facts = {"mounts": [_ordered(entry) for entry in mounts.values()]}
    if warnings:
        found["_warnings"] = warnings
    return found


_MOUNT_KEYS = (
    "mount", "device", "fstype", "options", "dump", "passno", "size_total", "size_available",
    "block_size", "block_total", "block_available", "block_used", "inode_total",
    "inode_available", "inode_used", "uuid", "note",
)  # fmt: skip


def _ordered(entry: Dict[str, Any]) -> Dict[str, Any]:
    return {key: entry[key] for key in _MOUNT_KEYS if key in entry}


def _measure_into(path: str, box: List[Any]) -> None:
    try:
        box.append(_statvfs_facts(path))
    except OSError:
        box.append({})  # as for a local mount: no size keys


def _int(text: Optional[str], default: int = 0) -> int:
    try:
        return int(text or "")
    except ValueError:
        return default


# --- block devices ---------------------------------------------------------------

_LINK_KINDS = (("ids", "by-id"), ("uuids", "by-uuid"), ("labels", "by-label"))


def _device_link_names() -> Dict[str, Dict[str, List[str]]]:
    """kind -> device name -> the sorted /dev/disk/by-* link names pointing at it (udev's),
    and ``masters``: device name -> the devices stacked on it (from their slaves/)."""
    found: Dict[str, Dict[str, List[str]]] = {}
    for kind, directory in _LINK_KINDS:
        table: Dict[str, List[str]] = {}
        base = os.path.join("/dev/disk", directory)
        for name in _listdir(base):
            try:
                target = os.path.basename(os.readlink(os.path.join(base, name)))
            except OSError:
                continue
            table.setdefault(target, []).append(name)
        found[kind] = table
    masters: Dict[str, List[str]] = {}
    for block in _listdir("/sys/block"):
        for slave in _listdir(f"/sys/block/{block}/slaves"):
            masters.setdefault(slave, []).append(block)
    found["masters"] = masters
    return found


def _holders(sysdir: str) -> List[str]:
    """Device-mapper devices stacked on this one, by their dm name (others are not listed)."""
    names = []
    for holder in _listdir(os.path.join(sysdir, "holders")):
        if holder.startswith("dm-"):
            names.append(
                _read_line(os.path.join(sysdir, "holders", holder, "dm", "name")) or holder
            )
    return names


_UNITS = (
    (1 << 80, "YB"), (1 << 70, "ZB"), (1 << 60, "EB"), (1 << 50, "PB"), (1 << 40, "TB"),
    (1 << 30, "GB"), (1 << 20, "MB"), (1 << 10, "KB"),
)  # fmt: skip


def bytes_to_human(size: float) -> str:
    """``"256.00 GB"``: the size in the largest binary unit it reaches, two decimals."""
    for limit, suffix in _UNITS:
        if size >= limit:
            return f"{size / limit:.2f} {suffix}"
    return f"{size:.2f} Bytes"


def _scheduler(sysdir: str) -> str:
    """The active I/O scheduler, the bracketed one; "" when none is marked."""
    text = _read_line(os.path.join(sysdir, "queue", "scheduler")) or ""
    start, end = text.find("["), text.rfind("]")
    return text[start + 1 : end] if 0 <= start < end else ""


def _sector_size(sysdir: str) -> Any:
    """logical_block_size, else hw_sector_size (strings), else the int 512, as the reference."""
    return (
        _read_line(os.path.join(sysdir, "queue", "logical_block_size"))
        or _read_line(os.path.join(sysdir, "queue", "hw_sector_size"))
        or 512
    )


def device_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """ansible_devices (every /sys/block entry, with partitions) and ansible_device_links.

    ``sectors`` counts logical sectors (sysfs counts 512-byte ones) and ``size``
    is their product, as in the reference. Left out: ``host`` (the reference
    asks ``lspci -D`` about the controller; "" without lspci, as here) and
    serials from ``sg_inq`` on hosts that have it (device/serial is read).
    """
    links = _device_link_names()
    wwns = {
        target: name[len("wwn-") :]
        for target, names in links["ids"].items()
        for name in names
        if name.startswith("wwn-")
    }
    # /proc/partitions names every partition: looking there spares a listing per disk
    known = [line.split()[-1] for line in (_read("/proc/partitions") or "").splitlines()[2:]]
    uuid_targets = _uuids_by_device()
    devices: Dict[str, Any] = {}
    for block in _listdir("/sys/block"):
        sysdir = os.path.join("/sys/block", block)
        if not os.path.islink(sysdir) and not os.path.isdir(sysdir):
            continue
        device_dir = os.path.join(sysdir, "device")
        details: Dict[str, Any] = {
            "virtual": 1 if os.path.islink(sysdir) or not _has_device_entry(sysdir) else 0,
            "links": _links_of(block, links),
        }
        has_device = os.path.isdir(device_dir)  # loop, zram, dm...: nothing there to read
        for key in ("vendor", "model", "sas_address", "sas_device_handle"):
            details[key] = _read_line(os.path.join(device_dir, key)) if has_device else None
        serial = _read_line(os.path.join(device_dir, "serial")) if has_device else None
        if serial:
            details["serial"] = serial
        details["removable"] = _read_line(os.path.join(sysdir, "removable"))
        if _read_line(os.path.join(sysdir, "queue", "discard_max_hw_bytes")) == "0":
            details["support_discard"] = "0"
        else:
            details["support_discard"] = _read_line(
                os.path.join(sysdir, "queue", "discard_granularity")
            )
        if block in wwns:
            details["wwn"] = wwns[block]
        details["partitions"] = _partitions(block, sysdir, known, links, uuid_targets)
        details["rotational"] = _read_line(os.path.join(sysdir, "queue", "rotational"))
        details["scheduler_mode"] = _scheduler(sysdir)
        sectorsize = _sector_size(sysdir)
        sectors = (
            _int(_read_line(os.path.join(sysdir, "size"))) * 512 // (_int(str(sectorsize)) or 512)
        )
        details["sectorsize"] = sectorsize
        details["sectors"] = sectors
        details["size"] = bytes_to_human(float(sectors) * float(_int(str(sectorsize)) or 512))
        details["host"] = ""
        details["holders"] = _holders(sysdir)
        devices[block] = details
    return {"devices": devices, "device_links": links}


def _has_device_entry(sysdir: str) -> bool:
    return any("device" in name for name in _listdir(sysdir))


def _links_of(name: str, links: Dict[str, Dict[str, List[str]]]) -> Dict[str, List[str]]:
    return {kind: list(table.get(name, [])) for kind, table in links.items()}


def _partitions(
    block: str,
    sysdir: str,
    candidates: List[str],
    links: Dict[str, Dict[str, List[str]]],
    uuid_targets: Dict[str, str],
) -> Dict[str, Any]:
    found: Dict[str, Any] = {}
    names = [n for n in candidates if n.startswith(block) and n != block]
    if not candidates:  # no /proc/partitions: look in the disk's directory
        names = [n for n in _listdir(sysdir) if n.startswith(block) and n != block]
    for name in names:
        rest = name[len(block) :]
        if not (rest.isdigit() or (rest[:1] == "p" and rest[1:].isdigit())):
            continue
        part_dir = os.path.join(sysdir, name)
        if not os.path.isdir(part_dir):
            continue
        sectorsize = _sector_size(part_dir)
        size = _int(str(sectorsize)) or 512
        sectors = _int(_read_line(os.path.join(part_dir, "size"))) * 512 // size
        start = _read_line(os.path.join(part_dir, "start"))
        found[name] = {
            "links": _links_of(name, links),
            "start": start if start else 0,
            "sectorsize": sectorsize,
            "sectors": sectors,
            "size": bytes_to_human(float(sectors) * float(size)),
            "uuid": uuid_targets.get("/dev/" + name),
            "holders": _holders(part_dir),
        }
    return found


# --- LVM -------------------------------------------------------------------------

_SBIN = ("/sbin", "/usr/sbin", "/usr/local/sbin")


def which(name: str) -> Optional[str]:
    """The program's path on PATH or in the sbin directories, as the reference looks."""
    dirs = os.environ.get("PATH", "").split(os.pathsep) + list(_SBIN)
    for directory in dirs:
        path = os.path.join(directory, name)
        if directory and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def lvm_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """Volume groups, logical and physical volumes, as root on a host with LVM tools;
    "N/A" otherwise, as in the reference. This is the one place that runs programs
    (vgs, lvs, pvs, with their default columns): LVM metadata has no cheap file
    to read."""
    vgs = which("vgs")
    if os.getuid() != 0 or vgs is None:
        return {"lvm": "N/A"}
    options = ["--noheadings", "--nosuffix", "--units", "g", "--separator", ","]
    result: Dict[str, Dict[str, Any]] = {"lvs": {}, "vgs": {}, "pvs": {}}
    for row in _lvm_rows(ctx, [vgs, *options], 3):  # VG,#PV,#LV,#SN,Attr,VSize,VFree
        result["vgs"][row[0]] = {
            "size_g": row[-2],
            "free_g": row[-1],
            "num_lvs": row[2],
            "num_pvs": row[1],
        }
    lvs = which("lvs")
    if lvs:
        for row in _lvm_rows(ctx, [lvs, *options], 4):  # LV,VG,Attr,LSize,...
            result["lvs"][row[0]] = {"size_g": row[3], "vg": row[1]}
    pvs = which("pvs")
    if pvs:
        for row in _lvm_rows(ctx, [pvs, *options], 6):  # PV,VG,Fmt,Attr,PSize,PFree
            name = _mapper_name(row[0])
            result["pvs"][name] = {"size_g": row[4], "free_g": row[5], "vg": row[1]}
    return {"lvm": result}


def _mapper_name(device: str) -> str:
    """/dev/dm-N as its /dev/mapper name, as the reference keys physical volumes."""
    base = os.path.basename(device)
    if device.startswith("/dev/dm-"):
        name = _read_line(f"/sys/block/{base}/dm/name")
        if name:
            return "/dev/mapper/" + name
    return device


def _lvm_rows(ctx: Any, argv: List[str], width: int) -> List[List[str]]:
    try:
        _rc, out, _err = ctx.run_command(argv)
    except Exception:  # a broken LVM install must not fail the gather
        return []
    rows = [line.strip().split(",") for line in out.splitlines() if line.strip()]
    return [row for row in rows if len(row) >= width]


# --- capabilities ----------------------------------------------------------------

#: Linux capability names by number (capability.h), as libcap prints them.
CAP_NAMES = (
    "cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner", "cap_fsetid",
    "cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap", "cap_linux_immutable",
    "cap_net_bind_service", "cap_net_broadcast", "cap_net_admin", "cap_net_raw",
    "cap_ipc_lock", "cap_ipc_owner", "cap_sys_module", "cap_sys_rawio", "cap_sys_chroot",
    "cap_sys_ptrace", "cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice",
    "cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod", "cap_lease",
    "cap_audit_write", "cap_audit_control", "cap_setfcap", "cap_mac_override",
    "cap_mac_admin", "cap_syslog", "cap_wake_alarm", "cap_block_suspend", "cap_audit_read",
    "cap_perfmon", "cap_bpf", "cap_checkpoint_restore",
)  # fmt: skip

_EFF, _PER, _INH = 1, 2, 4


def caps_text(effective: int, permitted: int, inheritable: int, count: int) -> str:
    """A capability state in libcap's text form (what ``capsh --print`` shows as Current).

    The flag combination most capabilities share is written first as
    ``=<flags>``; every other combination follows as the capabilities that
    have it, comma separated, with ``+flags`` added and ``-flags`` removed.
    """
    states = []
    for number in range(count):
        bit = 1 << number
        states.append(
            (_EFF if effective & bit else 0)
            | (_PER if permitted & bit else 0)
            | (_INH if inheritable & bit else 0)
        )
    histogram = [states.count(state) for state in range(8)]
    common = 7
    for state in range(6, -1, -1):  # ties go to fewer flags
        if histogram[state] >= histogram[common]:
            common = state
    parts = ["=" + _flag_letters(common)]
    for state in range(7, -1, -1):
        if state == common or not histogram[state]:
            continue
        names = [
            CAP_NAMES[number] if number < len(CAP_NAMES) else str(number)
            for number in range(count)
            if states[number] == state
        ]
        text = ",".join(names)
        added, removed = state & ~common, common & ~state
        if added:
            text += "+" + _flag_letters(added)
        if removed:
            text += "-" + _flag_letters(removed)
        parts.append(text)
    return " ".join(parts)


def _flag_letters(state: int) -> str:
    return (
        ("e" if state & _EFF else "")
        + ("i" if state & _INH else "")
        + ("p" if state & _PER else "")
    )


def caps_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """What the reference reads from ``capsh --print`` ("Current:"), computed from
    /proc/self/status instead of running capsh: capsh, started by this process,
    would hold the same capabilities. Without capsh the reference reports "NA"
    and [], and so does this."""
    if which("capsh") is None:
        return {"system_capabilities_enforced": "NA", "system_capabilities": []}
    masks: Dict[str, int] = {}
    for line in (_read("/proc/self/status") or "").splitlines():
        key, _, value = line.partition(":")
        if key in ("CapInh", "CapPrm", "CapEff"):
            masks[key] = int(value.strip(), 16)
    if len(masks) < 3:
        return {"system_capabilities_enforced": "NA", "system_capabilities": []}
    last = _int(_read_line("/proc/sys/kernel/cap_last_cap"), len(CAP_NAMES) - 1)
    text = caps_text(masks["CapEff"], masks["CapPrm"], masks["CapInh"], last + 1)
    enforced = "False" if text == "=ep" else "True"
    caps = [item.strip() for item in text.split("=", 1)[1].split(",")]
    return {"system_capabilities_enforced": enforced, "system_capabilities": caps}


# --- lsb -------------------------------------------------------------------------


def lsb_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """``lsb_release -a`` as the reference reads it, without running it.

    /etc/lsb-release (Ubuntu and derivatives) is what lsb_release reports
    there; elsewhere, when lsb_release is installed, Debian's (and the
    minimal one's) answers come from os-release, which is read here. With
    neither the reference's ``{}`` results. Left out: other vendors'
    lsb_release programs (RHEL's redhat-lsb) whose output may differ.
    """
    values: Dict[str, str] = {}
    for line in (_read("/etc/lsb-release") or "").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip().strip("\"'")
    lsb: Dict[str, str] = {}
    for key, fact in (
        ("DISTRIB_ID", "id"),
        ("DISTRIB_RELEASE", "release"),
        ("DISTRIB_DESCRIPTION", "description"),
        ("DISTRIB_CODENAME", "codename"),
    ):
        if key in values:
            lsb[fact] = values[key]
    if not lsb and which("lsb_release"):
        lsb = _lsb_from_os_release()
    if "release" in lsb:
        lsb["major_release"] = lsb["release"].split(".")[0]
    return {"lsb": lsb}


def _lsb_from_os_release() -> Dict[str, str]:
    release: Dict[str, str] = {}
    path = "/etc/os-release" if os.path.exists("/etc/os-release") else "/usr/lib/os-release"
    for line in (_read(path) or "").splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and not key.startswith("#"):
            release[key] = value.strip().strip("\"'")
    ident = release.get("ID", "")
    ident = ident[:1].upper() + ident[1:]
    name = release.get("NAME")
    if name is not None and name.lower() == ident.lower():
        ident = name
    return {
        "id": ident or "n/a",
        "description": release.get("PRETTY_NAME") or "n/a",
        "release": release.get("VERSION_ID") or "n/a",
        "codename": release.get("VERSION_CODENAME") or "n/a",
    }


# --- chroot, storage initiators --------------------------------------------------


def chroot_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """Whether / is another directory than PID 1's root.

    When /proc/1/root cannot be examined (not root, or a container hiding
    it), / is compared with the inode a filesystem root has (2; 128 on XFS,
    256 on btrfs), the filesystem type coming from mountinfo.
    """
    if os.environ.get("debian_chroot"):  # noqa: SIM112 (Debian spells it so)
        return {"is_chroot": True}
    try:
        mine = os.stat("/")
    except OSError:
        return {"is_chroot": None}
    try:
        init = os.stat("/proc/1/root/.")
        return {"is_chroot": (mine.st_ino, mine.st_dev) != (init.st_ino, init.st_dev)}
    except OSError:
        pass
    fstype = ""
    for line in (_read("/proc/self/mountinfo") or "").splitlines():
        left, _, right = line.partition(" - ")
        fields = left.split()
        if len(fields) > 4 and fields[4] == "/" and right:
            fstype = right.split()[0]
    expected = {"btrfs": 256, "xfs": 128}.get(fstype, 2)
    return {"is_chroot": mine.st_ino != expected}


def fibre_channel_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """Port WWNs of the Fibre Channel HBAs, each line without its ``0x``."""
    wwns = []
    for host in _listdir("/sys/class/fc_host"):
        for line in (_read(f"/sys/class/fc_host/{host}/port_name") or "").splitlines():
            wwns.append(line.rstrip()[2:])
    return {"fibre_channel_wwn": wwns}


def _first_line(path: str, prefix: str) -> Optional[str]:
    for line in (_read_line(path) or "").splitlines():
        if line.startswith(prefix):
            return line
    return None


def iscsi_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """The iSCSI initiator name from /etc/iscsi/initiatorname.iscsi, "" without one."""
    line = _first_line("/etc/iscsi/initiatorname.iscsi", "InitiatorName=")
    return {"iscsi_iqn": line.split("=", 1)[1] if line else ""}


def nvme_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """The NVMe host NQN (the first ``nqn.`` line of /etc/nvme/hostnqn), "" without one."""
    return {"hostnqn": _first_line("/etc/nvme/hostnqn", "nqn.") or ""}


# --- systemd ---------------------------------------------------------------------

_SYSTEMD_MARKERS = ("/run/systemd/system/", "/dev/.run/systemd/", "/dev/.systemd/")


def systemd_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """systemd's version and compile-time features, on hosts systemd manages.

    ``systemctl --version`` is the one source of the features line, so it is
    run (once, and only on such hosts), as the reference does.
    """
    if not any(os.path.isdir(marker) for marker in _SYSTEMD_MARKERS):
        return {}
    systemctl = which("systemctl")
    if systemctl is None:
        return {}
    try:
        rc, out, _err = ctx.run_command([systemctl, "--version"])
    except Exception:  # no systemd facts rather than a failed gather
        return {}
    lines = out.split("\n")
    words = out.split(" ")
    if rc != 0 or len(lines) < 2 or len(words) < 2:
        return {}
    try:
        version = int(words[1])
    except ValueError:
        return {}
    return {"systemd": {"features": lines[1], "version": version}}


# --- virtualization --------------------------------------------------------------


class _Virt:
    """Collects technologies; the first finding decides type and role."""

    def __init__(self) -> None:
        self.guest: List[str] = []
        self.host: List[str] = []
        self.kind: Optional[str] = None
        self.role: Optional[str] = None

    def add(self, tech: str, role: str = "guest", kind: Optional[str] = None) -> None:
        (self.host if role == "host" else self.guest).append(tech)
        self.decide(kind or tech, role)

    def decide(self, kind: str, role: str) -> None:
        if self.kind is None:
            self.kind, self.role = kind, role


#: DMI strings naming a hypervisor: (file, values or a prefix, technology)
_DMI_GUESTS: Tuple[Tuple[str, Tuple[str, ...], str], ...] = (
    ("product_name", ("KVM", "KVM Server", "Bochs", "AHV", "CloudStack KVM Hypervisor"), "kvm"),
    ("sys_vendor", ("oVirt",), "oVirt"),
)
_DMI_GUESTS_AFTER_RHV: Tuple[Tuple[str, Tuple[str, ...], str], ...] = (
    ("product_name", ("OpenStack Compute", "OpenStack Nova"), "openstack"),
    ("bios_vendor", ("Xen",), "xen"),
    ("bios_vendor", ("innotek GmbH",), "virtualbox"),
    ("bios_vendor", ("Amazon EC2", "DigitalOcean", "Hetzner", "Linode"), "kvm"),
    ("sys_vendor", ("QEMU", "Amazon EC2", "DigitalOcean", "Google", "Scaleway", "Nutanix"), "kvm"),
    ("sys_vendor", ("KubeVirt",), "KubeVirt"),
    ("sys_vendor", ("Microsoft Corporation",), "VirtualPC"),
    ("sys_vendor", ("Parallels Software International Inc.",), "parallels"),
    ("sys_vendor", ("OpenStack Foundation",), "openstack"),
)
_CPU_GUESTS = (
    ("model name", "QEMU Virtual CPU", "kvm"),
    ("vendor_id", "User Mode Linux", "uml"),
    ("model name", "UML", "uml"),
    ("machine", "CHRP IBM pSeries (emulated by qemu)", "kvm"),
    ("vendor_id", "PowerVM Lx86", "powervm_lx86"),
)


def virtual_facts(facts: Facts, args: Dict[str, Any], ctx: Any) -> Facts:
    """Container, VM guest or VM host, checked in the reference's order: cgroups, PID 1's
    environment, OpenVZ, systemd's container file, Docker's marker, Xen, DMI strings,
    VServer, cpuinfo, kernel modules, /dev/kvm. The first finding names the type;
    every finding lands in virtualization_tech_guest or _host.

    Left out: the reference's ``dmidecode -s system-product-name`` (VMware and
    bhyve on hosts without sysfs DMI), ``lscpu`` on s390, and the RHEV host's
    vdsm process scan.
    """
    virt = _Virt()
    for line in (_read("/proc/1/cgroup") or "").splitlines():
        if "/docker/" in line or ("/docker-" in line and line.endswith(".scope")):
            virt.add("docker")
        if "/lxc/" in line or "/machine.slice/machine-lxc" in line:
            virt.add("lxc")
        if "/system.slice/containerd.service" in line:
            virt.add("containerd")
    for item in (_read("/proc/1/environ") or "").split("\0"):  # readable by root only
        if "container=lxc" in item:
            virt.add("lxc")
        if "container=podman" in item:
            virt.add("podman")
        if item.startswith("container=") and len(item) > len("container="):
            virt.add("container")
    if os.path.exists("/proc/vz") and not os.path.exists("/proc/lve"):
        role = "host" if os.path.exists("/proc/bc") else "guest"
        virt.add("openvz", role)
        virt.kind = "openvz"  # the reference names openvz whatever was found before
    systemd = _read_line("/run/systemd/container")
    if systemd:
        virt.add(systemd)
    if os.path.exists("/.dockerenv") or os.path.exists("/.dockerinit"):
        virt.add("docker")
    if systemd or {"docker", "lxc", "podman", "openvz", "containerd"} & set(virt.guest):
        virt.guest.append("container")
    if os.path.exists("/proc/xen"):
        capabilities = _read("/proc/xen/capabilities") or ""
        virt.add("xen", "host" if "control_d" in capabilities else "guest")
    dmi = {
        name: _read_line(os.path.join(DMI_DIR, name))
        for name in ("product_name", "sys_vendor", "product_family", "bios_vendor")
    }
    _dmi_guests(virt, dmi, _DMI_GUESTS)
    if dmi["sys_vendor"] == "Red Hat":
        if dmi["product_family"] == "RHV":
            virt.add("RHV")
        elif dmi["product_name"] == "RHEV Hypervisor":
            virt.add("RHEV")
    if (dmi["product_name"] or "").startswith("VMware"):
        virt.add("VMware")
    _dmi_guests(virt, dmi, _DMI_GUESTS_AFTER_RHV)
    for line in (_read("/proc/self/status") or "").splitlines():
        if line.startswith("VxID:") and line[5:].strip().isdigit():
            virt.add("linux_vserver", "host" if line[5:].strip() == "0" else "guest")
    for line in (_read("/proc/cpuinfo") or "").splitlines():
        key = line.split(":", 1)[0].strip()
        for field, marker, tech in _CPU_GUESTS:
            if key.startswith(field) and marker in line:
                virt.add(tech)
                break
        else:
            if key.startswith("vendor_id") and "IBM/S390" in line:
                virt.guest.append("PR/SM")  # the reference would ask lscpu for the hypervisor
                virt.add("ibm_systemz")
    modules = {line.split(" ", 1)[0] for line in (_read("/proc/modules") or "").splitlines()}
    if "kvm" in modules:
        virt.add("kvm", "host")
    if "vboxdrv" in modules:
        virt.add("virtualbox", "host")
    if "virtio" in modules:  # the reference counts it as a host technology, typed guest
        virt.host.append("kvm")
        virt.decide("kvm", "guest")
    if os.path.exists("/dev/kvm"):
        virt.add("kvm", "host")
    return {
        "virtualization_type": virt.kind or "NA",
        "virtualization_role": virt.role or "NA",
        "virtualization_tech_guest": list(dict.fromkeys(virt.guest)),
        "virtualization_tech_host": list(dict.fromkeys(virt.host)),
    }


def _dmi_guests(
    virt: _Virt,
    dmi: Dict[str, Optional[str]],
    table: Tuple[Tuple[str, Tuple[str, ...], str], ...],
) -> None:
    for name, values, tech in table:
        if dmi[name] in values:
            virt.add(tech)
