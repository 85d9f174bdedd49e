"""command and shell: run a program on the target.

``command`` runs argv directly (no shell features); ``shell`` hands the
string to ``/bin/sh -c`` (or ``executable``). Result keys follow Ansible's:
cmd, rc, stdout, stderr, start, end, delta, msg, changed.
"""

from __future__ import annotations

import datetime
import glob
import os
import shlex

from longplay.agent.registry import ModuleFailed, Option, module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Union

COMMAND_OPTIONS = {  # in ansible-core's order (its invocation lists them so)
    "_raw_params": Option(),
    "_uses_shell": Option(type="bool", default=False),
    "cmd": Option(),
    "argv": Option(type="list", elements="str"),
    "chdir": Option(type="path"),
    "executable": Option(),
    "expand_argument_vars": Option(type="bool", default=True),
    "creates": Option(type="path"),
    "removes": Option(type="path"),
    "stdin": Option(),
    "stdin_add_newline": Option(type="bool", default=True),
    "strip_empty_ends": Option(type="bool", default=True),
}

#: shell is command with ``_uses_shell`` set, as in ansible-core (its invocation says so)
SHELL_OPTIONS = {**COMMAND_OPTIONS, "_uses_shell": Option(type="bool", default=True)}

TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def _now() -> datetime.datetime:
    return datetime.datetime.now()


def _strip(text: str, enabled: bool) -> str:
    return text.rstrip("\r\n") if enabled else text


def _build_command(args: Dict[str, Any], shell: bool) -> Union[str, List[str]]:
    if args["cmd"] is None and args["_raw_params"] is None and args["argv"] is None:
        raise ModuleFailed("one of the following is required: _raw_params, cmd, argv")
    text = args["cmd"] if args["cmd"] is not None else args["_raw_params"]
    if args["argv"]:
        if text:
            raise ModuleFailed("only command or argv can be given, not both")
        if shell:
            return " ".join(shlex.quote(part) for part in args["argv"])
        return list(args["argv"])
    if not text or not str(text).strip():
        raise ModuleFailed("no command given", rc=256)
    if shell:
        return str(text)
    return shlex.split(str(text))  # reported as written; expanded when run


def _guard(
    args: Dict[str, Any], cmd: Union[str, List[str]], check_mode: bool
) -> Optional[Dict[str, Any]]:
    """Honour creates/removes: a result saying why nothing ran, or None to run."""
    chdir = args["chdir"]
    did = "Would" if check_mode else "Did"

    def resolve(path: str) -> str:
        return os.path.join(chdir, path) if chdir and not os.path.isabs(path) else path

    creates, removes = args["creates"], args["removes"]
    if creates and glob.glob(resolve(creates)):
        return _not_run(
            cmd,
            f"{did} not run command since '{creates}' exists",
            f"skipped, since {creates} exists",
        )
    if removes and not glob.glob(resolve(removes)):
        return _not_run(
            cmd,
            f"{did} not run command since '{removes}' does not exist",
            f"skipped, since {removes} does not exist",
        )
    return None


def _not_run(cmd: Union[str, List[str]], msg: str, stdout: str) -> Dict[str, Any]:
    return {
        "changed": False,
        "cmd": cmd,
        "rc": 0,
        "msg": msg,
        "stdout": stdout,
        "stderr": "",
        "start": None,
        "end": None,
        "delta": None,
    }


def run_command_module(args: Dict[str, Any], ctx: Any, shell: bool) -> Dict[str, Any]:
    cmd = _build_command(args, shell)
    chdir = args["chdir"]
    if chdir and not os.path.isdir(chdir):  # before creates/removes, as ansible-core
        unchanged = {k: v for k, v in _not_run(cmd, "", "").items() if k != "msg"}
        raise ModuleFailed(
            "Unable to change directory before execution.", **{**unchanged, "rc": None}
        )
    skipped = _guard(args, cmd, ctx.check_mode)
    if skipped is not None:
        return skipped
    if ctx.check_mode:
        result = _not_run(cmd, "Command would have run if not in check mode", "")
        if args["creates"] is None and args["removes"] is None:
            result["skipped"] = True
        else:  # creates/removes said it would run: a change, as ansible-core predicts it
            result["changed"] = True
        return result
    stdin = args["stdin"]
    data = None
    if stdin is not None:
        data = (stdin + ("\n" if args["stdin_add_newline"] else "")).encode("utf-8")
    executable = args["executable"] if shell else None
    if shell and executable is None:
        executable = "/bin/sh"
    started = _now()
    try:
        rc, out, err = ctx.run_command(
            _expanded(cmd) if args["expand_argument_vars"] else cmd,
            shell=shell,
            cwd=chdir,
            stdin=data,
            executable=executable,
        )
    except OSError as exc:
        # As ansible-core: the command as written, and the error under "exception".
        raise ModuleFailed(
            "Error executing command.",
            cmd=cmd if isinstance(cmd, str) else " ".join(cmd),
            rc=exc.errno or 2,
            stdout="",
            stderr="",
            exception=_os_error(exc),
        )
    ended = _now()
    # keys in ansible-core's order (seen when a result is templated into a string)
    result = {
        "changed": True,
        "stdout": _strip(out, args["strip_empty_ends"]),
        "stderr": _strip(err, args["strip_empty_ends"]),
        "rc": rc,
        "cmd": cmd,
        "start": started.strftime(TIME_FORMAT),
        "end": ended.strftime(TIME_FORMAT),
        "delta": str(ended - started),
    }
    if rc != 0:
        result["failed"] = True
        result["msg"] = "non-zero return code"
    else:
        result["msg"] = ""
    return result


@module("command", options=COMMAND_OPTIONS, free_form="_raw_params")
def command(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Run a program with arguments, without a shell."""
    return run_command_module(args, ctx, shell=bool(args["_uses_shell"]))


@module("shell", options=SHELL_OPTIONS, free_form="_raw_params")
def shell(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Run a command line through a shell (pipes, redirections, variables)."""
    return run_command_module(args, ctx, shell=True)


def _expanded(cmd: Union[str, List[str]]) -> Union[str, List[str]]:
    """An argument list with ``~`` and ``$VARS`` expanded (a shell line expands its own)."""
    if isinstance(cmd, str):
        return cmd
    return [os.path.expanduser(os.path.expandvars(part)) for part in cmd]


def _os_error(exc: OSError) -> str:
    """The error as ansible-core's command reports it (it runs argv as bytes)."""
    if isinstance(exc.filename, str):
        return f"[Errno {exc.errno}] {exc.strerror}: {os.fsencode(exc.filename)!r}"
    return str(exc)
