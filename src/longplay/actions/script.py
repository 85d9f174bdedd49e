"""script: run a controller-side script on the host.

``script: path/to/run.sh arg1 'arg 2'`` (or ``cmd:``) finds the script like
copy finds ``src`` (role ``files/``, playbook ``files/``, playbook dir),
uploads it to a private temporary directory on the host, runs it there
through ``/bin/sh`` (so the arguments are shell words, as in Ansible) with
``chdir`` and the task's environment, and removes it again.

``creates``/``removes`` are checked on the host before anything is sent
(relative paths from ``chdir``); in check mode the script does not run.
Result keys as in Ansible: changed (always, once it ran), rc, stdout,
stderr, and msg on a non-zero exit.
"""

from __future__ import annotations

import os
import shlex
from typing import Any

from longplay.actions import transfer
from longplay.actions.base import action
from longplay.actions.copy import not_found
from longplay.agent.registry import Option
from longplay.executor.context import ActionContext


@action(
    "script",
    options={
        "_raw_params": Option(),
        "cmd": Option(),
        "chdir": Option(),
        "creates": Option(),
        "removes": Option(),
        "executable": Option(),
        "decrypt": Option(type="bool", default=True),
    },
    free_form="_raw_params",
    transfers_files=True,
)
async def script(ctx: ActionContext) -> dict[str, Any]:
    """Upload the script, run it with its arguments, and report like command."""
    text = str(ctx.args.get("cmd") or ctx.args.get("_raw_params") or "").strip()
    try:
        words = shlex.split(text)
    except ValueError as exc:
        return _failure(f"could not parse the script's command line {text!r}: {exc}")
    if not words:
        return _failure("script needs a script path (free form or cmd)")
    found = ctx.find_file("files", os.path.expanduser(words[0]))
    if found is None or os.path.isdir(found):
        return not_found(ctx, "files", words[0])
    skipped = await _guard(ctx)
    if skipped is not None:
        return skipped
    if ctx.check_mode:
        return {
            "changed": False,
            "skipped": True,
            "msg": "Check mode is not supported for this task.",
        }
    try:
        return await _run(ctx, found, _arguments(text, words))
    except transfer.TransferFailed as exc:
        return transfer.failed(exc)


def _failure(msg: str) -> dict[str, Any]:
    return {"failed": True, "changed": False, "msg": msg}


def _arguments(text: str, words: list[str]) -> str:
    """The command line after the script's path, kept as written for the shell."""
    if text.startswith(words[0]):
        return text[len(words[0]) :].strip()
    return shlex.join(words[1:])  # a quoted path: re-quote the words that follow


def _on_host(ctx: ActionContext, path: str) -> str:
    chdir = ctx.args.get("chdir")
    if chdir and not path.startswith(("/", "~")):
        return f"{str(chdir).rstrip('/')}/{path}"
    return path


async def _exists(ctx: ActionContext, path: str) -> bool:
    info = await transfer.remote_checksum(ctx, _on_host(ctx, path))
    return bool(info.get("exists"))


async def _guard(ctx: ActionContext) -> dict[str, Any] | None:
    """Ansible's creates/removes: a skipped result when the script need not run."""
    creates, removes = ctx.args.get("creates"), ctx.args.get("removes")
    try:
        if creates and await _exists(ctx, str(creates)):
            return {
                "changed": False,
                "skipped": True,
                "msg": f"{creates} exists, matching creates option",
            }
        if removes and not await _exists(ctx, str(removes)):
            return {
                "changed": False,
                "skipped": True,
                "msg": f"{removes} does not exist, matching removes option",
            }
    except transfer.TransferFailed as exc:
        return transfer.failed(exc)
    return None


async def _run(ctx: ActionContext, local: str, arguments: str) -> dict[str, Any]:
    async with transfer.remote_tmpdir(ctx) as tmpdir:
        remote = f"{tmpdir}/{os.path.basename(local)}"
        await transfer.upload_file(ctx, local, remote, mode=0o700)
        command = shlex.quote(remote)
        if ctx.args.get("executable"):
            command = f"{ctx.args['executable']} {command}"
        if arguments:
            command = f"{command} {arguments}"
        shell_args: dict[str, Any] = {"_raw_params": command, "strip_empty_ends": False}
        if ctx.args.get("chdir"):
            shell_args["chdir"] = ctx.args["chdir"]
        ran = await ctx.run_module("shell", shell_args, check_mode=False)
    return _result(ran)


def _result(ran: dict[str, Any]) -> dict[str, Any]:
    """command's result trimmed to script's keys."""
    if "rc" not in ran or ran.get("rc") is None:
        return {"failed": True, "changed": False, "msg": ran.get("msg", "the script did not run")}
    result: dict[str, Any] = {
        "changed": True,
        "rc": ran["rc"],
        "stdout": ran.get("stdout", ""),
        "stderr": ran.get("stderr", ""),
    }
    if ran["rc"] != 0:
        result.update(failed=True, msg="non-zero return code")
    return result
