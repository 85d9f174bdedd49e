"""service: start, stop, restart, reload or enable a service, whatever the init system.

With ``use: auto`` (the default) the host decides: where systemd runs, the
task is the ``systemd`` module's (same result: ``name``, ``state``,
``enabled``, ``status``); elsewhere the service is driven through
``service NAME ACTION`` (``/usr/sbin/service``) or its ``/etc/init.d``
script, its ``status`` exit code (0: running) telling whether it runs, and
``update-rc.d`` enables or disables it. ``use: systemd`` or ``use: sysvinit``
forces one or the other. A restart of an init script is a stop, ``sleep``
seconds, then a start; ``pattern`` looks for a running process whose command
line contains it instead of asking ``status``.
"""

from __future__ import annotations

import glob
import os
import time

from longplay.agent.modules.systemd import run_systemd, systemd_running, which
from longplay.agent.registry import ModuleFailed, Option, module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Tuple

OPTIONS = {
    "name": Option(required=True),
    "state": Option(choices=("reloaded", "restarted", "started", "stopped")),
    "enabled": Option(type="bool"),
    "sleep": Option(type="int"),
    "pattern": Option(),
    "runlevel": Option(default="default"),
    "arguments": Option(default="", aliases=("args",)),
    "use": Option(default="auto"),
}

SYSTEMD_NAMES = ("systemd", "systemd_service")


@module("service", options=OPTIONS)
def service(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Manage a service through systemd where it runs, else its init script."""
    if args["state"] is None and args["enabled"] is None:
        raise ModuleFailed("one of the following is required: state, enabled")
    use = (args["use"] or "auto").rsplit(".", 1)[-1]
    if use in SYSTEMD_NAMES or (use == "auto" and systemd_running()):
        return run_systemd(
            {
                "name": args["name"],
                "state": args["state"],
                "enabled": args["enabled"],
                "force": None,
                "masked": None,
                "daemon_reload": False,
                "daemon_reexec": False,
                "scope": "system",
                "no_block": False,
            },
            ctx,
        )
    return InitScript(args, ctx).run()


class InitScript:
    """A System V style service: ``service NAME ACTION`` or ``/etc/init.d/NAME ACTION``."""

    def __init__(self, args: Dict[str, Any], ctx: Any) -> None:
        self.args = args
        self.ctx = ctx
        self.name = args["name"]
        self.script = f"/etc/init.d/{self.name}"
        self.service = which(ctx, "service")

    def command(self, action: str) -> List[str]:
        extra = self.args["arguments"].split() if self.args["arguments"] else []
        if self.service is not None:
            return [self.service, self.name, action, *extra]
        return [self.script, action, *extra]

    def run_action(self, action: str) -> Tuple[int, str, str]:
        return self.ctx.run_command(self.command(action))

    def exists(self) -> bool:
        if os.path.isfile(self.script):
            return True
        if self.service is None:
            return False
        rc, out, err = self.run_action("status")
        return "unrecognized service" not in out + err and rc != 127

    def running(self) -> bool:
        pattern = self.args["pattern"]
        if pattern:
            return _process_matching(pattern)
        rc, _out, _err = self.run_action("status")
        return rc == 0

    def enabled(self) -> bool:
        return bool(glob.glob(f"/etc/rc[2-5].d/S??{glob.escape(self.name)}"))

    def run(self) -> Dict[str, Any]:
        if not self.exists():
            raise ModuleFailed(f"Could not find the requested service {self.name}: host")
        result: Dict[str, Any] = {"changed": False, "name": self.name}
        wanted = self.args["enabled"]
        if wanted is not None:
            if self.enabled() != wanted:
                result["changed"] = True
                if not self.ctx.check_mode:
                    self.set_enabled(wanted)
            result["enabled"] = wanted
        state = self.args["state"]
        if state is None:
            return result
        running = self.running()
        actions: List[str] = []
        if state == "started" and not running:
            actions = ["start"]
        elif state == "stopped" and running:
            actions = ["stop"]
        elif state == "restarted":
            actions = ["stop", "start"] if running else ["start"]
        elif state == "reloaded":
            actions = ["reload"] if running else ["start"]
        result["state"] = "started" if state in ("restarted", "reloaded") else state
        if not actions:
            return result
        if self.ctx.check_mode:
            return {"changed": True, "msg": "service state changed"}
        for index, action in enumerate(actions):
            if index and self.args["sleep"]:
                time.sleep(self.args["sleep"])
            rc, out, err = self.run_action(action)
            if rc != 0:
                raise ModuleFailed(err.strip() or out.strip() or f"{action} failed (rc {rc})")
        result["changed"] = True
        return result

    def set_enabled(self, wanted: bool) -> None:
        tool = which(self.ctx, "update-rc.d")
        if tool is None:
            raise ModuleFailed(
                f"Cannot {'enable' if wanted else 'disable'} {self.name}: update-rc.d not found"
            )
        verb = "enable" if wanted else "disable"
        rc, out, err = self.ctx.run_command([tool, self.name, verb])
        if rc != 0:
            raise ModuleFailed(
                f"Error when trying to {verb} {self.name}: rc={rc} {(err or out).strip()}"
            )


def _process_matching(pattern: str) -> bool:
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                line = handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if pattern in line and entry != str(os.getpid()):
            return True
    return False
