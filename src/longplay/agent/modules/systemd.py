"""systemd (also systemd_service): manage a systemd unit through ``systemctl``.

One ``systemctl show`` reads the unit's properties (returned as ``status``);
then, in this order, the unit is enabled or disabled, masked or unmasked,
and brought to ``state``. ``started``/``stopped`` act only when needed;
``restarted``/``reloaded`` always act (and start a unit that is not
running). Check mode reports the change without running the command.

When systemd is not running (a container, a chroot) ``systemctl show``
fails and so does the task, with systemctl's own message, as ansible-core
does. ``systemctl`` is looked up on the task's ``PATH`` first, then in the
sbin directories.
"""

from __future__ import annotations

import glob
import os
import shutil

from longplay.agent.registry import ModuleFailed, Option, module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Optional, Tuple

OPTIONS = {
    "name": Option(aliases=("service", "unit")),
    "state": Option(choices=("reloaded", "restarted", "started", "stopped")),
    "enabled": Option(type="bool"),
    "force": Option(type="bool"),
    "masked": Option(type="bool"),
    "daemon_reload": Option(type="bool", default=False, aliases=("daemon-reload",)),
    "daemon_reexec": Option(type="bool", default=False, aliases=("daemon-reexec",)),
    "scope": Option(default="system", choices=("system", "user", "global")),
    "no_block": Option(type="bool", default=False),
}

SBIN_DIRS = ("/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/bin", "/bin")
RUNNING = ("active", "activating")


def which(ctx: Any, program: str) -> Optional[str]:
    """``program`` on the task's PATH, then in the usual system directories."""
    path = ctx.env().get("PATH", os.defpath)
    return shutil.which(program, path=os.pathsep.join([path, *SBIN_DIRS]))


def systemd_running() -> bool:
    """Whether the host booted with systemd (its own test: sd_booted)."""
    if os.path.isdir("/run/systemd/system"):
        return True
    try:
        with open("/proc/1/comm") as handle:
            return handle.read().strip() == "systemd"
    except OSError:
        return False


def parse_show(text: str) -> Dict[str, str]:
    """``systemctl show`` output as a dict; ``{ ... }`` values may span lines."""
    status: Dict[str, str] = {}
    key: Optional[str] = None
    for line in text.splitlines():
        if key is not None:
            status[key] += "\n" + line
            if line.rstrip().endswith("}"):
                key = None
            continue
        if "=" not in line:
            continue
        name, _, value = line.partition("=")
        status[name] = value
        if value.lstrip().startswith("{") and not value.rstrip().endswith("}"):
            key = name
    return status


def missing(unit: str) -> ModuleFailed:
    return ModuleFailed(f"Could not find the requested service {unit}: host")


def _sysv_enabled(unit: str) -> bool:
    base = unit[: -len(".service")] if unit.endswith(".service") else unit
    return bool(glob.glob(f"/etc/rc?.d/S??{glob.escape(base)}"))


def run_systemd(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    unit = args["name"]
    for option in ("state", "enabled", "masked"):
        if args[option] is not None and not unit:
            raise ModuleFailed(f"missing parameter(s) required by '{option}': name")
    systemctl = which(ctx, "systemctl")
    if systemctl is None:
        raise ModuleFailed('Failed to find required executable "systemctl" in paths')
    base = [systemctl]
    if args["scope"] != "system":
        base.append(f"--{args['scope']}")
    if args["no_block"]:
        base.append("--no-block")
    if args["force"]:
        base.append("--force")

    def run(*words: str) -> Tuple[int, str, str]:
        return ctx.run_command([*base, *words])

    for flag, verb in (("daemon_reload", "daemon-reload"), ("daemon_reexec", "daemon-reexec")):
        if args[flag] and not ctx.check_mode:
            rc, _out, err = run(verb)
            if rc != 0:
                raise ModuleFailed(f"failure {rc} during {verb}: {err}")

    result: Dict[str, Any] = {"changed": False, "name": unit, "status": {}}
    if not unit:
        return result

    rc, out, err = run("show", unit)
    if rc != 0:
        raise ModuleFailed(
            err.strip() or out.strip() or f"systemctl show {unit} failed",
            cmd=systemctl,
            rc=rc,
            stdout=out,
            stderr=err,
        )
    status = parse_show(out)
    result["status"] = status
    script = unit[: -len(".service")] if unit.endswith(".service") else unit
    initd = os.path.isfile(f"/etc/init.d/{script}") if args["scope"] == "system" else False
    found = status.get("LoadState", "not-found") != "not-found" or initd

    if args["enabled"] is not None:
        if not found:
            raise missing(unit)
        rc, out, _err = run("is-enabled", unit, "-l")  # -l: full names, as ansible-core asks
        lines = out.split()
        if rc == 0:
            enabled = lines not in (["indirect"], ["alias"])
        else:
            enabled = initd and not out.strip().endswith("disabled") and _sysv_enabled(unit)
        if enabled != args["enabled"]:
            result["changed"] = True
            verb = "enable" if args["enabled"] else "disable"
            if not ctx.check_mode:
                rc, out, err = run(verb, unit)
                if rc != 0:
                    raise ModuleFailed(f"Unable to {verb} service {unit}: {out + err}")
        result["enabled"] = args["enabled"]

    if args["masked"] is not None:
        _rc, out, _err = run("is-enabled", unit)
        masked = out.strip().startswith("masked") or status.get("LoadState") == "masked"
        if masked != args["masked"]:
            result["changed"] = True
            verb = "mask" if args["masked"] else "unmask"
            if not ctx.check_mode:
                rc, out, err = run(verb, unit)
                if rc != 0:
                    raise ModuleFailed(f"Unable to {verb} service {unit}: {err}")

    state = args["state"]
    if state is not None:
        if not found:
            raise missing(unit)
        result["state"] = state
        if "ActiveState" not in status:
            raise ModuleFailed("Service is in unknown state", status=status)
        active = status["ActiveState"]
        action = None
        if state == "started":
            action = None if active in RUNNING else "start"
        elif state == "stopped":
            action = "stop" if active in RUNNING or active == "deactivating" else None
        else:
            action = state[: -len("ed")] if active in RUNNING else "start"
            result["state"] = "started"
        if action:
            result["changed"] = True
            if not ctx.check_mode:
                rc, out, err = run(action, unit)
                if rc != 0:
                    raise ModuleFailed(f"Unable to {action} service {unit}: {err}")
    return result


@module("systemd", options=OPTIONS)
def systemd(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Start, stop, restart, reload, enable or mask a systemd unit."""
    return run_systemd(args, ctx)


@module("systemd_service", options=OPTIONS)
def systemd_service(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """The same module as ``systemd`` (its newer name)."""
    return run_systemd(args, ctx)
