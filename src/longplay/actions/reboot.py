"""reboot: restart a host and wait until it is back and answering.

It runs on the controller because the host goes away in the middle: the
boot identity is read before, the reboot command started, then the
connection is dropped and opened again until the boot identity differs and
``test_command`` succeeds. Every command goes over ``raw`` (a shell on the
connection, no agent), so a host coming back up needs nothing more than sshd.
"""

from __future__ import annotations

import asyncio
import shlex
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

from longplay.actions.base import action
from longplay.agent.registry import Option
from longplay.executor.context import ActionContext
from longplay.transport.base import Unreachable

DEFAULT_SEARCH_PATHS = ["/sbin", "/bin", "/usr/sbin", "/usr/bin", "/usr/local/sbin"]
DEFAULT_BOOT_TIME_COMMAND = "cat /proc/sys/kernel/random/boot_id"
#: seconds between checks while the host comes back, at most
MAX_CHECK_INTERVAL = 5.0


class RebootFailed(Exception):
    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(result.get("msg"))
        self.result = result


@action(
    "reboot",
    options={
        "boot_time_command": Option(default=DEFAULT_BOOT_TIME_COMMAND),
        "connect_timeout": Option(type="int"),
        "msg": Option(default="Reboot initiated by Ansible"),
        "post_reboot_delay": Option(type="int", default=0, aliases=("post_reboot_delay_sec",)),
        "pre_reboot_delay": Option(type="int", default=0, aliases=("pre_reboot_delay_sec",)),
        "reboot_command": Option(),
        "reboot_timeout": Option(type="int", default=600, aliases=("reboot_timeout_sec",)),
        "search_paths": Option(type="list", elements="str", default=DEFAULT_SEARCH_PATHS),
        "test_command": Option(default="whoami"),
    },
)
async def reboot(ctx: ActionContext) -> dict[str, Any]:
    """Reboot over the connection; ``changed``, ``rebooted`` and ``elapsed`` as in Ansible."""
    if ctx.connection.kind == "local":
        return _failed("Running reboot with local connection would reboot the control node.")
    if ctx.check_mode:
        return {"changed": True, "elapsed": 0, "rebooted": True}
    try:
        return await _reboot(ctx)
    except RebootFailed as failure:
        return failure.result


async def _reboot(ctx: ActionContext) -> dict[str, Any]:
    args = ctx.args
    boot_time_command = str(args["boot_time_command"])
    with ctx.sending_module():  # ansible-core starts with a module (its distribution)
        before = await _boot_time(ctx, boot_time_command)
    command = await _reboot_command(ctx)
    started = time.monotonic()
    start = datetime.now(timezone.utc).isoformat()
    try:
        done = await ctx.connection.raw(command, become=ctx.become)
    except Unreachable:
        done = None  # the host went down under the command: that is a reboot
    if done is not None and done.rc != 0:
        error = f"{_text(done.stdout).strip()}, {_text(done.stderr).strip()}"
        result = _failed(f"Reboot command failed. Error was: '{error}'")
        result["start"] = start
        return result
    await ctx.connection.reset()
    timeout = int(args["reboot_timeout"])

    async def booted_again() -> bool:
        probe = await ctx.connection.raw(boot_time_command, become=ctx.become)
        return probe.rc == 0 and _text(probe.stdout).strip() != before

    if not await _until(ctx, booted_again, timeout):
        return _timed_out("last boot time check", timeout, started)
    await asyncio.sleep(max(0, int(args["post_reboot_delay"])))
    test_command = str(args["test_command"])

    async def answers() -> bool:
        probe = await ctx.connection.raw(test_command, become=ctx.become)
        return probe.rc == 0

    if not await _until(ctx, answers, timeout):
        return _timed_out("post-reboot test command", timeout, started)
    return {"changed": True, "elapsed": int(time.monotonic() - started), "rebooted": True}


async def _boot_time(ctx: ActionContext, command: str) -> str:
    result = await ctx.connection.raw(command, become=ctx.become)
    if result.rc != 0:
        raise RebootFailed(
            {
                "changed": False,
                "failed": True,
                "msg": (
                    f"reboot: failed to get host boot time info, rc: {result.rc}, "
                    f"stdout: {_text(result.stdout)}, stderr: {_text(result.stderr).rstrip()}"
                ),
                "reboot": False,
            }
        )
    return _text(result.stdout).strip()


async def _reboot_command(ctx: ActionContext) -> str:
    """``reboot_command`` (or ``shutdown -r``) with its program found in ``search_paths``
    (PATH is not used, as in Ansible)."""
    written = ctx.args.get("reboot_command")
    if written:
        words = shlex.split(str(written))
        program, rest = words[0], words[1:]
    else:
        minutes = max(0, int(ctx.args["pre_reboot_delay"])) // 60
        program, rest = "shutdown", ["-r", str(minutes), str(ctx.args["msg"])]
    if "/" not in program:
        paths = [str(p) for p in ctx.args["search_paths"]]
        program = await _find_program(ctx, program, paths)
    return shlex.join([program, *rest])


async def _find_program(ctx: ActionContext, name: str, paths: list[str]) -> str:
    candidates = " ".join(shlex.quote(f"{p.rstrip('/')}/{name}") for p in paths)
    script = f'for p in {candidates}; do if [ -x "$p" ]; then echo "$p"; break; fi; done'
    found = _text((await ctx.connection.raw(script, become=ctx.become)).stdout).strip()
    if not found:
        raise RebootFailed(
            {
                "changed": False,
                "failed": True,
                "msg": f'Task failed: Unable to find command "{name}" in search paths: {paths!r}',
            }
        )
    return found.splitlines()[-1].strip()


async def _until(ctx: ActionContext, check: Callable[[], Awaitable[bool]], timeout: int) -> bool:
    """Run ``check`` (reconnecting as needed) until it says yes or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    interval = 0.5
    while True:
        try:
            if await check():
                return True
        except Unreachable:
            await ctx.connection.reset()
        if time.monotonic() + interval > deadline:
            return False
        await asyncio.sleep(interval)
        interval = min(interval * 2, MAX_CHECK_INTERVAL)


def _timed_out(what: str, timeout: int, started: float) -> dict[str, Any]:
    return {
        "changed": False,
        "elapsed": int(time.monotonic() - started),
        "failed": True,
        "msg": f"Timed out waiting for {what} (timeout={timeout})",
        "rebooted": True,
    }


def _failed(msg: str) -> dict[str, Any]:
    return {"changed": False, "elapsed": 0, "failed": True, "msg": msg, "rebooted": False}


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")
