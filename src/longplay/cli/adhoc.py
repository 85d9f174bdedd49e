"""``longplay adhoc``: one module on many hosts, printed like ``ansible`` prints it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from longplay import catalog
from longplay.errors import OptionsError, Origin
from longplay.executor import results as res
from longplay.output.human import HumanOutput, clean, render_error
from longplay.playbook.kvargs import parse_kv
from longplay.playbook.model import Play, Playbook, Task

if TYPE_CHECKING:
    from longplay.executor.state import Stats

_COMMAND_MODULES = ("command", "shell", "raw", "script")
#: what ansible refuses to run without -a
_REQUIRE_ARGS = ("command", "shell", "raw", "script")


def _adhoc_args(raw: str, info: catalog.ModuleInfo | None) -> dict[str, Any]:
    """``-a``: a JSON object, or key=value words (free form for the command modules)."""
    if raw.startswith("{") and raw.endswith("}"):
        try:
            decoded = json.loads(raw)
        except ValueError:
            decoded = None
        if isinstance(decoded, dict) and decoded:
            return decoded
    if info is not None and info.free_form:
        return parse_kv(raw, info.raw_options)
    return parse_kv(raw)


def adhoc_playbook(pattern: str, options: dict[str, Any]) -> Playbook:
    """A one-play, one-task playbook equivalent to the ad-hoc command."""
    module = str(options.get("module") or "command")
    # ansible names where the module came from: the command line or its default
    module_origin = "<CLI option '-m'>" if options.get("module") else "<Config default>"
    info = catalog.resolve(module)
    raw = str(options.get("module_args") or "")
    if info is not None and info.name in _REQUIRE_ARGS and not raw:
        error = f"No argument passed to {module} module"
        if pattern.endswith(".yml"):
            error += " (did you mean to run ansible-playbook?)"
        raise OptionsError(error)
    if catalog.canonical(module) == "import_playbook":
        raise OptionsError(f"'{module}' is not a valid action for ad-hoc commands")
    args = _adhoc_args(raw, info)
    # a module that does not exist fails on each host, as with ansible
    action = info.name if info is not None else module
    play = Play(
        keywords={"name": "Ansible Ad-Hoc", "hosts": pattern, "gather_facts": False}, origin=None
    )
    keywords: dict[str, Any] = {"name": action}
    if options.get("background"):
        keywords["async"] = int(options["background"])
        keywords["poll"] = int(options.get("poll", 15))
    task = Task(
        keywords=keywords,
        origin=None,
        parent=play,
        action=action,
        args=args,
        action_as_written=module,
    )
    # ansible-core names the ad-hoc task and the command line in its error reports
    described = {
        "action": module,
        "args": args,
        "timeout": int(options.get("task_timeout") or 0),
        "async_val": int(options.get("background") or 0),
        "poll": int(15 if options.get("poll") is None else options["poll"]),
    }
    task.origin = Origin(f"<adhoc '{module}' task>", 0, text=repr(described))
    task.action_origin = Origin(module_origin, 0, text=module)
    task.arg_origins = {
        str(key): Origin("<CLI option '-a'>", 0, text=str(value)) for key, value in args.items()
    }
    task.arg_origins["*"] = Origin("<CLI option '-a'>", 0, text=raw)
    task.position = (2, 0)
    play.tasks = [task]
    return Playbook(path="<adhoc>", plays=[play])


class AdhocOutput(HumanOutput):
    """``host | CHANGED | rc=0 >>`` and ``host | SUCCESS => {...}`` lines, no banners or recap."""

    def __init__(
        self, verbosity: int = 0, force_color: bool | None = None, one_line: bool = False
    ) -> None:
        super().__init__(verbosity=verbosity, force_color=force_color)
        self.one_line = one_line

    def playbook_start(self, path: str) -> None:
        return None

    def play_start(self, play: Play, hosts: list[str]) -> None:
        return None

    def no_hosts_matched(self, play: Play) -> None:
        return None  # said (or not) when the hosts were chosen

    def task_start(self, task: Task, hosts: list[str]) -> None:
        return None

    def host_result(self, host: str, task: Task, result: dict[str, Any], ignored: bool) -> None:
        status = res.status_of(result)
        caption = {
            res.OK: "SUCCESS",
            res.CHANGED: "CHANGED",
            res.FAILED: "FAILED",
            res.SKIPPED: "SKIPPED",
            res.UNREACHABLE: "UNREACHABLE",
        }[status]
        style = {"SUCCESS": "green", "CHANGED": "yellow", "SKIPPED": "cyan"}.get(caption, "red")
        if status == res.SKIPPED:  # a skipped result is never shown
            self._line(f"{host} | SKIPPED", style)
            return
        if self.one_line:
            self._one_line(host, task, result, status, caption, style)
            return
        causes = result.get(res.ERROR)
        if causes and status in (res.FAILED, res.UNREACHABLE):
            report = render_error(causes)
            if self._first_time(report):
                self._line(report, "red")
        shown = clean(task, result, self.verbosity)
        if status == res.FAILED and task.action == "debug" and "changed" in result:
            shown = {"changed": result["changed"], **shown}
        if task.action in _COMMAND_MODULES and self._as_command_text(status, result):
            self._line(self._command_text(host, caption, result), style)
            return
        if status == res.FAILED:
            shown.pop("failed", None)  # as in the playbook's "fatal:" lines
            caption = "FAILED!"
        elif status == res.UNREACHABLE:
            caption = "UNREACHABLE!"
        self._line(
            f"{host} | {caption} => {json.dumps(shown, sort_keys=True, indent=4, default=str)}",
            style,
        )

    def _one_line(
        self, host: str, task: Task, result: dict[str, Any], status: str, caption: str, style: str
    ) -> None:
        """``ansible -o``: the whole result on one line (without ansible-core's cleaning);
        a failure is preceded by the command's line, or by the exception's last line."""
        shown = {
            k: v
            for k, v in result.items()
            if not k.startswith("_") and k not in ("diff", "failed", "exception")
        }
        if self.verbosity < 4:
            shown.pop("invocation", None)
        command = task.action in _COMMAND_MODULES
        if status == res.FAILED:
            if command and "module_stderr" not in result:
                self._line(self._command_text(host, "FAILED", result), style)
            else:
                exception = str(result.get("exception") or res.NO_TRACEBACK).strip()
                self._line(
                    "An exception occurred during task execution. To see the full traceback, "
                    f"use -vvv. The error was: {exception.splitlines()[-1]}",
                    style,
                )
            caption = "FAILED!"
        elif status == res.UNREACHABLE:  # the message alone, as ansible's oneline callback
            self._line(f"{host} | UNREACHABLE!: {result.get('msg', '')}", style)
            return
        elif command and self._as_command_text(status, result):
            self._line(self._command_text(host, caption, result), style)
            return
        # ansible-core's oneline callback: the JSON dump without its newlines (debug's
        # keeps its indentation)
        indent = 4 if result.get(res.VERBOSE_ALWAYS) else 0
        text = json.dumps(shown, sort_keys=True, indent=indent, default=str, ensure_ascii=False)
        self._line(f"{host} | {caption} => {text.replace(chr(10), '')}", style)

    @staticmethod
    def _as_command_text(status: str, result: dict[str, Any]) -> bool:
        """``ansible`` prints a command's failure as text, even an async job's
        (a timeout too); a success only when it was not an async job."""
        if status == res.FAILED:
            return "module_stderr" not in result
        return "rc" in result and "ansible_job_id" not in result

    def _command_text(self, host: str, caption: str, result: dict[str, Any]) -> str:
        stdout = str(result.get("stdout") or "")
        stderr = str(result.get("stderr") or "")
        rc = result.get("rc", -1)
        if self.one_line:
            stdout, stderr = _escaped(stdout), _escaped(stderr)
            return f"{host} | {caption} | rc={rc} | (stdout) {stdout}" + (
                f" (stderr) {stderr}" if stderr else ""
            )
        # ansible's minimal output runs stdout, stderr and msg together
        body = stdout + stderr + str(result.get("msg") or "")
        return f"{host} | {caption} | rc={rc} >>\n{body}"

    def async_progress(self, host: str, task: Task, event: dict[str, Any]) -> None:
        """Progress lines while a job runs; no ``ASYNC OK`` line at its end, which
        ``ansible`` does not print either."""
        if event.get("type") != "finished":
            super().async_progress(host, task, event)
        elif self.board is not None:
            self.board.finish(id(task), host)

    def recap(self, stats: Stats) -> None:
        return None


def _escaped(text: str) -> str:
    """Line breaks as ``\\n``/``\\r``, so one result stays on one line."""
    return text.replace("\n", "\\n").replace("\r", "\\r")
