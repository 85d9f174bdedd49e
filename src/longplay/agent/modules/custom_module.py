"""Run a user's module file (from a ``library/`` folder) the way Ansible does.

The file gets the path of a JSON arguments file as its first argument and
must print one JSON object. Python files run with the agent's interpreter;
other files need a shebang. Standard library only, Python >= 3.8.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import sys
import tempfile

from longplay.agent.registry import ModuleFailed, Option, module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List


def _command(path: str, source: bytes, args_path: str) -> List[str]:
    """Python modules run with the agent's interpreter (as Ansible uses the
    host's configured Python); other programs with their shebang."""
    first_line = source.splitlines()[0] if source else b""
    if first_line.startswith(b"#!") and b"python" not in first_line:
        return [*first_line[2:].decode("utf-8", "replace").split(), path, args_path]
    return [sys.executable, path, args_path]


def _parse_output(name: str, rc: int, out: str, err: str) -> Dict[str, Any]:
    text = out.strip()
    start = text.find("{")
    if start < 0:
        raise ModuleFailed(
            f"MODULE FAILURE: {name} printed no JSON result",
            rc=rc,
            module_stdout=out,
            module_stderr=err,
        )
    try:
        result = json.loads(text[start:])
    except ValueError as exc:
        raise ModuleFailed(
            f"MODULE FAILURE: {name} printed invalid JSON ({exc})",
            rc=rc,
            module_stdout=out,
            module_stderr=err,
        )
    if not isinstance(result, dict):
        raise ModuleFailed(f"MODULE FAILURE: {name} must print a JSON object", module_stdout=out)
    if rc != 0 and not result.get("failed"):
        result["failed"] = True
        result.setdefault("msg", f"MODULE FAILURE: exited with rc={rc}")
        result["module_stderr"] = err
    return result


@module(
    "_custom_module",
    options={
        "name": Option(required=True),
        "source": Option(required=True),
        "module_args": Option(type="dict", default={}),
        "check_mode": Option(type="bool", default=False),
    },
)
def custom_module(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Write the module and its arguments to a private temp dir and run it."""
    source = base64.b64decode(args["source"])
    workdir = tempfile.mkdtemp(prefix="longplay-module-")
    try:
        path = os.path.join(workdir, args["name"])
        with open(path, "wb") as handle:
            handle.write(source)
        os.chmod(path, 0o700)
        module_args = dict(args["module_args"])
        module_args["_ansible_check_mode"] = args["check_mode"]
        args_path = os.path.join(workdir, "args.json")
        with open(args_path, "w") as handle:
            json.dump(module_args, handle)
        rc, out, err = ctx.run_command(_command(path, source, args_path))
        return _parse_output(args["name"], rc, out, err)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
