"""The default output: what a user of ansible-playbook reads without thinking.

PLAY and TASK banners, ``ok:``/``changed:``/``failed:``/``skipping:``/
``fatal:`` lines, ``FAILED - RETRYING``, and the PLAY RECAP, coloured on a
terminal (not with ``NO_COLOR`` or when piped). Polled async jobs report
progress: an updating line per host on a terminal, one line per poll
interval otherwise.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from longplay.catalog import DYNAMIC_INCLUDES
from longplay.errors import ErrorCause, joined_message
from longplay.executor import results as res
from longplay.output.base import Output, closed_reader_tolerated, describe

if TYPE_CHECKING:
    from longplay.errors import Origin
    from longplay.executor.state import Stats
    from longplay.playbook.model import Play, Task

WIDTH = 80

COLORS = {
    res.OK: "green",
    res.CHANGED: "yellow",
    res.FAILED: "red",
    res.SKIPPED: "cyan",
    res.UNREACHABLE: "bold red",
    "ignored": "cyan",
    "warning": "bold magenta",
    "retry": "dark_orange",
    "async": "blue",
}

#: said once, before the first deprecation warning of a run
DEPRECATION_HINT = (
    "[WARNING]: Deprecation warnings can be disabled by setting "
    "`deprecation_warnings=False` in ansible.cfg."
)

_DEBUG_KEYS = ("msg", "exception", "warnings", "deprecations")
_HIDDEN_FOR_DEBUG_VAR = (
    "changed",
    "failed",
    "skipped",
    "invocation",
    "skip_reason",
    "ansible_loop_var",
    "ansible_index_var",
    "ansible_loop",
)


def banner(title: str) -> str:
    return f"{title} " + "*" * max(3, WIDTH - 1 - len(title))


def clean(task: Task, result: dict[str, Any], verbosity: int) -> dict[str, Any]:
    """What of a result is worth printing (Ansible hides debug's bookkeeping)."""
    # debug var=_name shows that variable, whose name looks like an internal key's
    shown_var = str(task.args.get("var")) if task.action == "debug" else None
    shown = {
        k: v for k, v in result.items() if (not k.startswith("_") or k == shown_var) and k != "diff"
    }
    if shown.get("failed") is False:
        del shown["failed"]  # Ansible only shows "failed" when it is true
    if task.action != "debug":
        shown.pop("warnings", None)  # printed as [WARNING] lines instead
    if verbosity < 3:
        shown.pop("invocation", None)
    if verbosity < 3:
        shown.pop("exception", None)  # Ansible prints tracebacks only with -vvv
    if task.action == "debug":
        if "msg" in shown:
            shown = {k: v for k, v in shown.items() if k in _DEBUG_KEYS}
        else:
            for key in _HIDDEN_FOR_DEBUG_VAR:
                shown.pop(key, None)
    return shown


def _without_hints(item: Any) -> Any:
    """A loop item as shown inside its loop's result: no display hints or error causes."""
    if not isinstance(item, dict):
        return item
    return {k: v for k, v in item.items() if not str(k).startswith("_")}


def _diff_text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, indent=4) + "\n"
    return "" if value is None else str(value)


def render_diff(diff: Any) -> str:
    """A result's ``diff`` (a dict or a list of them) as unified diffs, as Ansible shows them."""
    chunks: list[str] = []
    for entry in diff if isinstance(diff, list) else [diff]:
        if not isinstance(entry, dict):
            continue
        for side in ("dst", "src"):
            if entry.get(f"{side}_binary"):
                chunks.append("Binary files differ\n")
            if entry.get(f"{side}_larger"):
                chunks.append(
                    f"diff skipped: {side} file size exceeds {entry[f'{side}_larger']} bytes\n"
                )
        prepared = entry.get("prepared")
        if prepared:
            # a module's own rendering of its change (apt's plan), shown as is
            chunks.append(str(prepared).rstrip("\n") + "\n")
        if "before" not in entry and "after" not in entry:
            continue
        before, after = _diff_text(entry.get("before")), _diff_text(entry.get("after"))
        if before == after:
            continue
        before_header = entry.get("before_header")
        after_header = entry.get("after_header")
        import difflib  # only with --diff

        lines = difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"before: {before_header}" if before_header else "before",
            tofile=f"after: {after_header}" if after_header else "after",
        )
        text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
        chunks.append(text)
    return "".join(chunks)


def _sections(causes: list[ErrorCause]) -> list[ErrorCause]:
    """Causes without an origin of their own are told with the one before them."""
    sections: list[ErrorCause] = []
    for cause in causes:
        if sections and not cause.separate and cause.origin in (None, sections[-1].origin):
            last = sections[-1]
            message = joined_message([last, cause])
            sections[-1] = ErrorCause(message, last.origin, last.separate, last.detail)
        else:
            sections.append(cause)
    return sections


def _where(cause: ErrorCause) -> list[str]:
    lines: list[str] = []
    origin = cause.origin
    if origin is not None:
        lines.append(f"Origin: {origin}")
        snippet = origin.excerpt()
        if snippet:
            lines += ["", snippet]
    if cause.detail:
        lines += ["", cause.detail]
    return [*lines, ""]


def render_error(causes: list[ErrorCause]) -> str:
    """A task failure's ``[ERROR]:`` report, as ansible-core 2.19 prints it before ``fatal:``:
    the whole message, then (when its causes are written in different places) each
    cause where it is written, joined by ``<<< caused by >>>``."""
    lines = [f"[ERROR]: {joined_message(causes)}"]
    sections = _sections(causes)
    if len(sections) == 1:
        if sections[0].origin is not None or sections[0].detail:
            lines += _where(sections[0])
        return "\n".join(lines)
    lines.append("")
    for index, section in enumerate(sections):
        last = index == len(sections) - 1
        lines.append(section.message if last else f"{section.message}.")
        lines += _where(section)
        if not last:
            lines += ["<<< caused by >>>", ""]
    return "\n".join(lines)


def dump(result: dict[str, Any], indent: int | None) -> str:
    """A result as the default callback shows it: JSON, or YAML with ansible.cfg's
    ``callback_result_format = yaml`` (``ANSIBLE_CALLBACK_RESULT_FORMAT``)."""
    import os

    if os.environ.get("ANSIBLE_CALLBACK_RESULT_FORMAT", "").strip().lower() == "yaml" or (
        # community.general's yaml callback: the default one with YAML results
        os.environ.get("ANSIBLE_STDOUT_CALLBACK", "").strip() in ("yaml", "community.general.yaml")
    ):
        return _yaml_dump(result)
    return json.dumps(result, sort_keys=True, indent=indent, default=str, ensure_ascii=False)


_BREAKS = "\n\r\x1c\x1d\x1e\x85\u2028\u2029"


def _yaml_dump(result: dict[str, Any]) -> str:
    """The YAML result format: on the lines after the status, indented by four, multi-line
    strings as blocks (trimmed to be allowed as blocks), ``*_lines`` left out beside their
    text."""
    import re
    import textwrap

    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        value = str(value)
        if any(ch in value for ch in _BREAKS):
            value = "".join(
                ch for ch in value.rstrip().expandtabs() if ch.isprintable() or ch in "\n"
            )
            value = re.sub(r" +\n", "\n", value)
            return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
        return dumper.represent_scalar("tag:yaml.org,2002:str", value)

    Dumper.add_representer(str, text)
    Dumper.add_multi_representer(str, text)
    Dumper.add_multi_representer(dict, yaml.SafeDumper.represent_dict)
    Dumper.add_multi_representer(list, yaml.SafeDumper.represent_list)
    Dumper.add_multi_representer(int, yaml.SafeDumper.represent_int)
    Dumper.add_multi_representer(float, yaml.SafeDumper.represent_float)
    Dumper.add_representer(tuple, yaml.SafeDumper.represent_list)
    Dumper.add_representer(None, lambda dumper, value: text(dumper, str(value)))  # type: ignore[arg-type]
    shown = dict(result)
    for name in ("stdout", "stderr"):
        if name in shown and f"{name}_lines" in shown:
            shown[f"{name}_lines"] = "<omitted>"
    body = yaml.dump(shown, Dumper=Dumper, default_flow_style=False, indent=4, allow_unicode=True)
    return "\n" + textwrap.indent(body, "    ").rstrip("\n")


def _per_host_meta(task: Task) -> bool:
    """A meta task shown once per host (imported only for meta tasks: the
    actions pull in the executor and Jinja2, which the output needs not)."""
    if task.action != "meta":
        return False
    from longplay.actions.meta import PER_HOST, meta_name

    return meta_name(task) in PER_HOST


class Writer:
    """Plain lines, no colour: what a pipe or a file gets (and no rich import)."""

    is_terminal = False

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def line(self, text: str, style: str | None = None) -> None:
        with closed_reader_tolerated(self.stream):
            self._write(text, style)

    def _write(self, text: str, style: str | None) -> None:
        self.stream.write(text + "\n")

    def flush(self) -> None:
        with closed_reader_tolerated(self.stream):
            self.stream.flush()


class RichWriter(Writer):
    """Coloured lines through rich, for a terminal (or forced colour)."""

    def __init__(self, stream: TextIO, force_color: bool | None) -> None:
        from rich.console import Console

        super().__init__(stream)
        self.console = Console(
            file=stream,
            highlight=False,
            soft_wrap=True,
            force_terminal=force_color,
            emoji=False,
            markup=False,
        )
        self.is_terminal = self.console.is_terminal

    def _write(self, text: str, style: str | None) -> None:
        from rich.text import Text

        self.console.print(Text(text, style=style or ""))


def make_writer(stream: TextIO, force_color: bool | None) -> Writer:
    if force_color or (force_color is None and stream.isatty()):
        return RichWriter(stream, force_color)
    return Writer(stream)


class HumanOutput(Output):
    def __init__(
        self, verbosity: int = 0, stream: TextIO | None = None, force_color: bool | None = None
    ) -> None:
        self.verbosity = verbosity
        self.out = make_writer(stream or sys.stdout, force_color)
        self.errors = make_writer(sys.stderr, force_color)
        self.board = None
        if isinstance(self.out, RichWriter) and self.out.is_terminal:
            from longplay.output.progress import ProgressBoard

            self.board = ProgressBoard(self.out.console)
        self._includes: dict[tuple[str, str], list[str]] = {}
        self._task_hosts: list[str] = []
        #: meta tasks each host runs, announced per host once all have (see task_start)
        self._per_host_metas: list[tuple[str, Task, dict[str, Any]]] = []
        #: host_note lines waiting for their host's per-host meta banner
        self._meta_notes: dict[str, list[str]] = {}
        #: errors and warnings already shown: ansible-core shows each text once per run
        self._said: set[str] = set()
        #: a task whose banner waits for its first shown result (display_ok_hosts or
        #: display_skipped_hosts turned off)
        self._pending_banner: Task | None = None
        self._display: tuple[bool, bool] | None = None

    def _shows(self) -> tuple[bool, bool]:
        """(ok results, skipped results) shown: ansible.cfg's display_ok_hosts and
        display_skipped_hosts (read once the configuration is in the environment)."""
        if self._display is None:
            from longplay.config import setting_enabled

            self._display = (
                setting_enabled("ANSIBLE_DISPLAY_OK_HOSTS", True),
                setting_enabled("ANSIBLE_DISPLAY_SKIPPED_HOSTS", True),
            )
        return self._display

    # --- plumbing --------------------------------------------------------------

    def _line(self, text: str, style: str | None = None) -> None:
        if self._pending_banner is not None:
            task, self._pending_banner = self._pending_banner, None
            self._print_banner(task)
        self.out.line(text, style)

    @staticmethod
    def _host(host: str, task: Task, result: dict[str, Any]) -> str:
        delegated = result.get(res.DELEGATED_TO)
        return f"{host} -> {delegated}" if delegated else host

    @staticmethod
    def _always_verbose(result: dict[str, Any]) -> bool:
        """debug and assert mark results shown even without -v, as in Ansible."""
        return bool(result.get(res.VERBOSE_ALWAYS))

    def _verbose_result(self, task: Task, result: dict[str, Any]) -> bool:
        if task.position == (-1,) and task.action == "setup":
            return self.verbosity > 2  # the implicit fact gathering, as Ansible shows it
        return self.verbosity > 0 or self._always_verbose(result)

    def _indent(self, result: dict[str, Any]) -> int | None:
        return 4 if self.verbosity > 2 or self._always_verbose(result) else None

    def _flush_includes(self) -> None:
        order = {host: index for index, host in enumerate(self._task_hosts)}
        self._per_host_metas.sort(key=lambda entry: order.get(entry[0], len(order)))
        for host, task, result in self._per_host_metas:
            self._banner(task)
            for note in self._meta_notes.pop(host, []):
                self._line(note)
            if result.get("skipped"):
                self._status_line(res.SKIPPED, host, task, result, None, False)
        self._per_host_metas.clear()
        for (path, item), hosts in self._includes.items():
            hosts.sort(key=lambda host: order.get(host, len(order)))
            self._line(
                f"included: {path} for {', '.join(hosts)}" + (f" =>{item}" if item else ""), "cyan"
            )
        self._includes.clear()

    # --- events ----------------------------------------------------------------

    def playbook_start(self, path: str) -> None:
        if self.verbosity > 1:  # as ansible-core's default callback, with -vv
            import os

            self._line("")
            self._line(banner(f"PLAYBOOK: {os.path.basename(path)}"))

    def play_start(self, play: Play, hosts: list[str]) -> None:
        self._flush_includes()
        self._pending_banner = None
        self._line("")
        self._line(banner(f"PLAY [{play.name}]"))

    def no_hosts_matched(self, play: Play) -> None:
        self._line("skipping: no hosts matched", COLORS[res.SKIPPED])

    def no_more_hosts(self) -> None:
        self._flush_includes()
        self._pending_banner = None
        self._line("")
        self._line(banner("NO MORE HOSTS LEFT"))

    def task_start(self, task: Task, hosts: list[str]) -> None:
        self._flush_includes()
        self._task_hosts = list(hosts)
        if self.board is not None:
            self.board.start_task(id(task), hosts)
        if _per_host_meta(task):
            return  # ansible-core announces these once per host, as each runs it
        self._banner(task)

    def _banner(self, task: Task) -> None:
        self._pending_banner = None
        if all(self._shows()):
            self._print_banner(task)
        else:  # shown with the task's first result that is shown
            self._pending_banner = task

    def _print_banner(self, task: Task) -> None:
        self._line("")
        kind = "RUNNING HANDLER" if task.is_handler else "TASK"
        self._line(banner(f"{kind} [{task.display_name()}]"))
        if self.verbosity >= 2 and task.origin is not None:
            self._line(f"task path: {task.origin.path}:{task.origin.line}")

    def host_result(self, host: str, task: Task, result: dict[str, Any], ignored: bool) -> None:
        if task.action == "meta" and not result.get("failed"):
            if _per_host_meta(task):
                self._per_host_metas.append((host, task, result))  # shown in host order
            elif result.get("skipped"):
                self._status_line(res.SKIPPED, host, task, result, None, False)
            return
        status = res.status_of(result)
        name = self._host(host, task, result)
        if "results" in result and task.loop_keyword:
            # Items were shown as they completed; Ansible adds nothing but the verdict
            # (and, for debug alone, the loop's failure).
            if status == res.FAILED and task.action == "debug":
                summary = {"msg": result.get("msg")}
                self._line(f"fatal: [{name}]: FAILED! => {dump(summary, None)}", COLORS[status])
            if status == res.UNREACHABLE:
                # ansible-core shows an unreachable loop whole, after its items
                # (its "skipped": false appears only once registered)
                whole = {k: v for k, v in result.items() if k != "skipped" or v}
                whole["results"] = [_without_hints(item) for item in result["results"]]
                delegate = task.keywords.get("delegate_to")
                if delegate is not None and str(delegate) != host:
                    name = f"{host} -> {delegate}"  # as written: each item had its own
                self._status_line(status, name, task, whole, None, ignored)
            elif status == res.FAILED and ignored:
                self._line("...ignoring", COLORS["ignored"])
            elif status == res.SKIPPED and self._shows()[1]:
                # after the items (or for an empty list), with -v what ansible-core keeps of it
                text = f"skipping: [{name}]"
                if self.verbosity > 0:
                    kept = ("skipped_reason",) if not result["results"] else ("changed", "msg")
                    if task.action == "debug" and result["results"]:
                        kept = ("msg",)  # debug's message stands alone
                    text += f" => {dump({k: result[k] for k in kept if k in result}, None)}"
                self._line(text, COLORS[status])
            return
        self._status_line(status, name, task, result, None, ignored)

    def item_result(self, host: str, task: Task, result: dict[str, Any], label: Any) -> None:
        status = res.status_of(result)
        name = self._host(host, task, result)
        # an item that is null is still an item: "(item=None)"
        self._status_line(status, name, task, result, "None" if label is None else label, False)

    def _status_line(
        self, status: str, name: str, task: Task, result: dict[str, Any], label: Any, ignored: bool
    ) -> None:
        warnings = result.get("warnings")
        if isinstance(warnings, list) and task.action != "debug":
            for warning in warnings:
                self.warning(str(warning).rstrip("\n"))
        if "diff" in result and status in (res.CHANGED, res.OK):
            text = render_diff(result["diff"])
            if text:
                self.out.line(text.rstrip("\n") + "\n")
        item = f" (item={label})" if label is not None else ""
        if task.action in DYNAMIC_INCLUDES and status == res.OK:
            # Shown once per file (and item) for all hosts, when the task is over.
            self._includes.setdefault((str(result.get("include")), item), []).append(name)
            return
        shown = clean(task, result, self.verbosity)
        causes = result.get(res.ERROR)
        if causes and result.get("_ansible_include_failed"):
            self.error(joined_message(causes))  # ansible-core's own error, on stderr
        elif causes and (status in (res.FAILED, res.UNREACHABLE) or res.SUPPRESSED in result):
            report = render_error(causes)
            if self._first_time(report):
                self._line(report, COLORS[res.FAILED])
        if status == res.FAILED:
            shown.pop("failed", None)
            prefix = f"failed: [{name}]{item}" if label is not None else f"fatal: [{name}]: FAILED!"
            self._line(
                f"{prefix} => {dump(shown, self._indent(result))}",
                COLORS[status],
            )
            if ignored:
                self._line("...ignoring", COLORS["ignored"])
            return
        if status == res.UNREACHABLE:
            if label is not None:
                # an item that could not reach the host is shown as a failed item
                self._line(f"failed: [{name}]{item} => {dump(shown, None)}", COLORS[res.FAILED])
                return
            self._line(f"fatal: [{name}]: UNREACHABLE! => {dump(shown, None)}", COLORS[status])
            if ignored:
                self._line("...ignoring", COLORS["ignored"])
            return
        if status == res.SKIPPED:
            if not self._shows()[1]:
                return
            text = f"skipping: [{name}]" + (f" => (item={label}) " if label is not None else "")
            if self.verbosity > 0:
                shown.pop("skipped", None)
                text += f" => {dump(shown, None)}"
            self._line(text, COLORS[status])
            return
        if status == res.OK and not self._shows()[0]:
            return
        word = "changed" if status == res.CHANGED else "ok"
        text = f"{word}: [{name}]" + (f" => (item={label})" if label is not None else "")
        if self._verbose_result(task, result):
            text += f" => {dump(shown, self._indent(result))}"
        self._line(text, COLORS[status])

    def retrying(self, host: str, task: Task, retries_left: int, result: dict[str, Any]) -> None:
        self._line(
            f"FAILED - RETRYING: [{host}]: {task.display_name()} ({retries_left} retries left).",
            COLORS["retry"],
        )

    def async_progress(self, host: str, task: Task, event: dict[str, Any]) -> None:
        hidden = bool(task.get("no_log"))
        if event.get("type") == "finished":
            if self.board is not None:
                self.board.finish(id(task), host)
            word = "FAILED" if event.get("failed") else "OK"
            # no_log: ansible-core's censored result has no job id to show
            jid = None if hidden else event.get("jid")
            self._line(f"ASYNC {word} on {host}: jid={jid}", COLORS["async"])
            return
        if hidden:  # the job's output is the task's result: not shown while it runs either
            event = {
                k: v for k, v in event.items() if k not in ("stdout_tail", "stderr_tail", "msg")
            }
        if self.board is not None:
            self.board.update(id(task), host, event)
            return
        elapsed, last = describe(event)
        if "jid" in event:
            # ansible-core's line first (scripts reading logs parse it), then what longplay adds
            jid = None if hidden else event["jid"]
            text = f"ASYNC POLL on {host}: jid={jid} started=True finished=False - "
        else:  # async_wait's progress
            text = f"ASYNC POLL [{task.display_name()}] {host}: "
        text += f"running {int(elapsed)}s"
        if last:
            text += f", last output: {last}"
        self._line(text, COLORS["async"])

    def _first_time(self, text: str) -> bool:
        if text in self._said:
            return False
        self._said.add(text)
        return True

    def warning(self, message: str) -> None:
        if self._first_time(f"[WARNING]: {message}"):
            self.errors.line(f"[WARNING]: {message}", COLORS["warning"])

    def deprecation(self, message: str, origin: Origin | None = None) -> None:
        """ansible-core's ``[DEPRECATION WARNING]`` with the place, once per place, after a
        one-time hint; ansible.cfg's ``deprecation_warnings = False`` silences them."""
        from longplay.config import setting_enabled

        if not setting_enabled("ANSIBLE_DEPRECATION_WARNINGS", True):
            return
        lines = [f"[DEPRECATION WARNING]: {message}"]
        if origin is not None:
            lines += _where(ErrorCause(message, origin))  # ends in a blank line, as there
        text = "\n".join(lines)
        if not self._first_time(text):
            return
        if self._first_time(DEPRECATION_HINT):
            self.errors.line(DEPRECATION_HINT, COLORS["warning"])
        self.errors.line(text, "magenta")

    def display(self, message: str) -> None:
        self._line(message)

    def error(self, message: str) -> None:
        if self._first_time(f"[ERROR]: {message}"):
            self.errors.line(f"[ERROR]: {message}", "bold red")

    def debug(self, level: int, message: str) -> None:
        if self.verbosity >= level:
            self._line(message)

    def host_note(self, host: str, message: str) -> None:
        if self.verbosity < 2:
            return
        if any(entry[0] == host for entry in self._per_host_metas):
            self._meta_notes.setdefault(host, []).append(message)
        else:
            self._line(message)

    def recap(self, stats: Stats) -> None:
        self._flush_includes()
        self._pending_banner = None
        if self.board is not None:
            self.board.stop()
        self._line("")
        self._line(banner("PLAY RECAP"))
        for host in sorted(stats.hosts):
            numbers = stats.hosts[host]
            style = None
            if numbers.failed or numbers.unreachable:
                style = COLORS[res.FAILED]
            elif numbers.changed:
                style = COLORS[res.CHANGED]
            else:
                style = COLORS[res.OK]
            counts = " ".join(f"{key}={value:<4}" for key, value in numbers.as_dict().items())
            self._line(f"{host:<26} : {counts}", style)
        self._line("")

    def close(self) -> None:
        self._flush_includes()
        if self.board is not None:
            self.board.stop()
        self.out.flush()
        self.errors.flush()
