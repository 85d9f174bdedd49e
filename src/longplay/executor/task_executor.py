"""The task lifecycle on one host: when, loop, args, action, async, until, failed_when, register.

:class:`TaskExecutor` turns a parsed task into a result dict for one host.
It never raises for a task-level problem (an undefined variable, a module
failure, a lost connection): those become failed or unreachable results, so
one host's trouble never hides another host's result.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from typing import TYPE_CHECKING, Any

from longplay import catalog
from longplay.actions import meta
from longplay.actions.base import ActionSpec
from longplay.errors import (
    ErrorCause,
    LongplayError,
    Origin,
    TaskArgsError,
    TemplateError,
    UndefinedError,
    condition_failure,
)
from longplay.executor import results as res
from longplay.executor.connection import KEYWORD_VARS, HostConnection
from longplay.executor.context import ActionContext, note_condition
from longplay.playbook.source import SourceDict
from longplay.templating.lookups import run_lookup
from longplay.templating.templar import OMIT, Templar, Variables, is_template
from longplay.transport.base import Unreachable
from longplay.transport.become import BecomeSpec
from longplay.transport.client import AgentError

if TYPE_CHECKING:
    from longplay.executor.state import RunContext
    from longplay.inventory import Host
    from longplay.playbook.model import Task

DEFAULT_RETRIES = 3
DEFAULT_DELAY = 5
DEFAULT_POLL = 10


def unreachable_result(exc: Unreachable) -> dict[str, Any]:
    """An unreachable host's result; ansible-core 2.19 words it as a failed task."""
    reason = exc.reason if exc.reason.startswith("Task failed: ") else f"Task failed: {exc.reason}"
    return {"unreachable": True, "changed": False, "msg": reason, "exception": res.NO_TRACEBACK}


#: the controller's async job directory setting (ansible.cfg's ``async_dir`` lands here)
ASYNC_DIR_ENV = "ANSIBLE_ASYNC_DIR"


def templating_failure(
    task: Task, exc: LongplayError, origin: Origin | None = None
) -> dict[str, Any]:
    """A failed result for a value that could not be rendered, worded as ansible-core 2.19.

    ``origin`` is where the value is written (the loop, delegate_to...), when
    the error does not say."""
    if isinstance(exc, TaskArgsError):
        result = res.failed_result(exc.message)
    else:
        result = res.failed_result(f"Task failed: {exc.message}")
    causes = exc.causes or [ErrorCause(exc.message, exc.origin or origin)]
    result[res.ERROR] = [res.task_failed(task.origin), *causes]
    return result


def action_fqcn(task: Task) -> str:
    """The action's collection-qualified name, as ansible-core names it in messages."""
    written = task.action_as_written or task.action
    info = catalog.resolve(written, task.library_dirs)
    if written.count(".") == 2 or info is None or info.kind == "custom":
        return written
    return f"ansible.builtin.{task.action}"


#: actions whose unknown options ansible-core reports as 'Invalid options for ACTION: ...'
_VALID_ARGS_ACTIONS = ("fail", "group_by", "wait_for_connection", "reboot", "set_stats")


class DelegateError(TemplateError):
    """``delegate_to`` could not be rendered."""


def strip_omitted(value: Any) -> Any:
    """Drop arguments whose value is ``omit``."""
    if isinstance(value, dict):
        return {k: strip_omitted(v) for k, v in value.items() if v != OMIT}
    if isinstance(value, list):
        return [strip_omitted(v) for v in value if v != OMIT]
    return value


class TaskExecutor:
    """Runs one task on one host and returns its (registered) result."""

    def __init__(self, run: RunContext, host: Host, task: Task) -> None:
        self.run = run
        self.host = host
        self.task = task
        self.output = run.output

    # --- entry point ---------------------------------------------------------

    async def execute(self) -> dict[str, Any]:
        variables = self.run.variables.for_host(self.host, self.task)
        try:
            if self.task.loop_keyword:
                return await self._run_loop(variables)
            result = await self._run_item(variables)
            # ansible-core keeps the echoed arguments only in loop items' results
            # (and in ansible_failed_result).
            if "invocation" in result:
                result[res.INVOCATION] = result.pop("invocation")
            return result
        except Unreachable as exc:
            return res.explain_failure(self.task.origin, unreachable_result(exc))
        except LongplayError as exc:
            return templating_failure(self.task, exc)

    # --- loops ---------------------------------------------------------------

    def _loop_items(self, variables: Variables) -> list[Any]:
        key = self.task.loop_keyword
        assert key is not None
        raw = self.task.keywords[key]
        templar = variables.templar
        if key == "loop":
            items = templar.template(raw)
            if items is not None and not isinstance(items, (list, tuple)):
                raise TemplateError(
                    f"The `loop` value must resolve to a 'list', not '{type(items).__name__}'.",
                    example="Provide a list of items/templates, or a template resolving to a list.",
                )
            return list(items or [])
        lookup = key[len("with_") :]
        terms = templar.template(raw)
        return run_lookup(lookup, terms if isinstance(terms, list) else [terms], variables)

    async def _run_loop(self, variables: Variables) -> dict[str, Any]:
        try:
            items = self._loop_items(variables)
        except UndefinedError as exc:
            return templating_failure(
                self.task, exc, self.task.keyword_origins.get(str(self.task.loop_keyword))
            )
        except LongplayError as exc:
            result: dict[str, Any] = {"failed": True, "msg": exc.message}  # no "Task failed"
            origin = self.task.keyword_origins.get(str(self.task.loop_keyword))
            result[res.ERROR] = [ErrorCause(exc.message, origin, detail=exc.example)]
            return result
        raw_control = dict(self.task.keywords.get("loop_control") or {})
        raw_control.pop("label", None)  # rendered per item, once the item exists
        control = variables.templar.template(raw_control)
        loop_var = str(control.get("loop_var") or "item")
        index_var = control.get("index_var")
        pause = float(control.get("pause") or 0)
        if not items:
            # ansible-core's key here is skipped_reason (skip_reason elsewhere)
            return {
                "changed": False,
                "skipped": True,
                "skipped_reason": "No items in the list",
                "results": [],
            }
        results: list[dict[str, Any]] = []
        for index, item in enumerate(items):
            extra: dict[str, Any] = {
                loop_var: item,
                "ansible_loop_var": loop_var,
                "_longplay_item_index": index,
            }
            if index_var:
                extra[str(index_var)] = index
                extra["ansible_index_var"] = str(index_var)
            if control.get("extended"):
                extra["ansible_loop"] = _loop_info(
                    items, index, bool(control.get("extended_allitems", True))
                )
            item_vars = variables.child(extra)
            try:
                result = await self._run_item(item_vars)
            except Unreachable as exc:
                # each item tries the host again, as in ansible-core
                result = res.explain_failure(self.task.origin, unreachable_result(exc))
            set_vars = result.get("_longplay_set_vars")
            if set_vars and not result.get("failed"):
                # set_fact in a loop: later items see what earlier ones set
                self.run.variables.set_runtime(self.host.name, set_vars)
                variables = self.run.variables.for_host(self.host, self.task)
            result[loop_var] = item
            result["ansible_loop_var"] = loop_var
            if index_var:
                result[str(index_var)] = index
                result["ansible_index_var"] = str(index_var)
            if "ansible_loop" in extra:
                result["ansible_loop"] = extra["ansible_loop"]  # each item's result has it too
            label = self._label(item_vars, item)
            shown = res.displayed(result)
            if self.task.get("no_log"):
                label = "(censored due to no_log)"
                error = {res.ERROR: shown[res.ERROR]} if res.ERROR in shown else {}
                shown = {**res.censor(res.public(result)), **error}
            self.output.item_result(self.host.name, self.task, shown, label)
            results.append(result)
            if pause and index < len(items) - 1:
                await asyncio.sleep(pause)
        return res.loop_result(results)

    def _label(self, variables: Variables, item: Any) -> Any:
        """What the output shows for an item: ``loop_control.label`` or the item."""
        control = self.task.keywords.get("loop_control") or {}
        if "label" not in control:
            return item
        try:
            return variables.templar.template(control["label"])
        except LongplayError:
            return item

    # --- one iteration -------------------------------------------------------

    async def _run_item(self, variables: Variables) -> dict[str, Any]:
        origin = None
        conditions = self.task.conditions_with_origins()
        if self.task.action == "meta":
            what = meta.meta_name(self.task)
            if what in meta.NO_WHEN and conditions:
                self.output.warning(f"{what} task does not support when conditional")
                conditions = []
        try:
            for condition, origin in conditions:
                note_condition(self.output, condition, origin)
                if not variables.templar.condition(condition, origin):
                    if self.task.action == "meta":
                        return meta.skipped(meta.meta_name(self.task), self.host.name)
                    return res.skipped_result(condition=condition)
        except LongplayError as exc:
            return self._condition_failed(exc, origin)
        try:
            ctx = await self._action_context(variables)
        except DelegateError as exc:
            # named as written, as ansible-core shows it: [host -> {{ nope }}]
            result = templating_failure(
                self.task, exc, self.task.keyword_origins.get("delegate_to")
            )
            result[res.DELEGATED_TO] = str(self.task.get("delegate_to"))
            return result
        except LongplayError as exc:
            return templating_failure(self.task, exc)
        try:
            result = await self._run_with_retries(ctx, variables)
        except Unreachable as exc:
            result = res.explain_failure(self.task.origin, unreachable_result(exc))
            if ctx.connection.name != self.host.name:
                # ansible-core names an unreachable delegate without its address
                result[res.DELEGATED_TO] = ctx.connection.name
            return result
        if ctx.connection.name != self.host.name:
            # shown as "host -> delegate(address)" when the delegate's ansible_host differs
            name = ctx.connection.name
            address = str(ctx.connection.variables.get("ansible_host") or name)
            result[res.DELEGATED_TO] = name if address == name else f"{name}({address})"
        return res.explain_failure(self.task.origin, result)

    def _condition_failed(self, exc: LongplayError, origin: Origin | None) -> dict[str, Any]:
        """A when/until that could not be evaluated fails the task (this item)."""
        message = condition_failure(exc)
        result = res.failed_result(f"Task failed: {message}")
        cause = ErrorCause(message, origin, detail=exc.example)
        result[res.ERROR] = [res.task_failed(self.task.origin), cause]
        return result

    async def _run_with_retries(self, ctx: ActionContext, variables: Variables) -> dict[str, Any]:
        until = self.task.keywords.get("until")
        register = self.task.keywords.get("register")
        retries, delay = self._retry_settings(variables) if until else (0, 0.0)
        if retries <= 0:
            until = None  # ansible-core makes one attempt and does not look at until
        attempt = 0
        while True:
            attempt += 1
            result = await self._run_action(ctx)
            result = self._apply_result_conditions(result, variables, register)
            if not until:
                return result
            result["attempts"] = attempt
            if result.get("unreachable"):
                return result
            try:
                if self._until_met(until, result, variables, register):
                    return result
            except LongplayError as exc:
                # Fails this iteration (this loop item), as Ansible does; other items go on.
                return self._condition_failed(exc, self.task.keyword_origins.get("until"))
            if attempt > retries:
                if "failed_when_result" not in result:
                    result["failed"] = True  # failed_when, when given, has the last word
                elif not result.get("failed"):
                    # ansible-core 2.19: the task stays ok, but reports the exhausted retries
                    # and registers them as a failure failed_when suppressed
                    res.suppress_failure(result, self.task.origin)
                result["attempts"] = max(1, retries)
                return result
            self.output.retrying(self.host.name, self.task, retries - attempt + 1, result)
            await self._pause_before_retry(ctx, result, delay)

    async def _pause_before_retry(
        self, ctx: ActionContext, result: dict[str, Any], delay: float
    ) -> None:
        info = catalog.resolve(self.task.action, self.task.library_dirs)
        if info is None or info.name != "async_status":
            await asyncio.sleep(delay)
            return
        from longplay.executor.async_jobs import pause_before_status_retry

        await pause_before_status_retry(ctx, result, delay)

    def _retry_settings(self, variables: Variables) -> tuple[int, float]:
        templar = variables.templar
        retries = self.task.keywords.get("retries", DEFAULT_RETRIES)
        delay = self.task.keywords.get("delay", DEFAULT_DELAY)
        try:
            return max(0, int(templar.template(retries))), max(0.0, float(templar.template(delay)))
        except (TypeError, ValueError):
            raise TemplateError(f"retries/delay must be numbers, got {retries!r}/{delay!r}")

    def _until_met(
        self, until: list[Any], result: dict[str, Any], variables: Variables, register: Any
    ) -> bool:
        scope = variables.child({register: res.public(result)} if register else {})
        return self._conditions_hold(scope.templar, until, "until")

    def _conditions_hold(self, templar: Templar, conditions: Any, keyword: str) -> bool:
        """All of a keyword's conditions hold (``until``, ``changed_when``, ``failed_when``)."""
        origin = self.task.keyword_origins.get(keyword)
        for condition in conditions if isinstance(conditions, list) else [conditions]:
            note_condition(self.output, condition, origin)
        return templar.all_conditions(conditions, origin)

    def _apply_result_conditions(
        self, result: dict[str, Any], variables: Variables, register: Any
    ) -> dict[str, Any]:
        """changed_when / failed_when, evaluated with the result under its registered name."""
        changed_when = self.task.keywords.get("changed_when")
        failed_when = self.task.keywords.get("failed_when")
        if (
            (changed_when is None and failed_when is None)
            or result.pop(res.RAISED, False)
            or result.get("unreachable")
            or result.get("skipped")
        ):
            return result
        scope = variables.child({register: res.public(result)} if register else {})
        # A condition that cannot be evaluated fails the task but keeps the
        # module's result (and says why in *_when_result), as Ansible does.
        if changed_when is not None:
            try:
                result["changed"] = self._conditions_hold(
                    scope.templar, changed_when, "changed_when"
                )
            except LongplayError as exc:
                result["changed_when_result"] = condition_failure(exc)
                result["failed"] = True
        if failed_when is not None:
            try:
                was_failed = bool(result.get("failed"))
                # a list of conditions must all hold, as for when
                failed = self._conditions_hold(scope.templar, failed_when, "failed_when")
                result["failed_when_result"] = failed
                result["failed"] = failed
                module_failed = result.get(res.MODULE_FAILED) or "exception" in result
                if not failed and was_failed and module_failed:
                    # the module's failure is kept aside, as ansible-core does
                    exception = result.pop("exception", res.NO_TRACEBACK)
                    result["failed_when_suppressed_exception"] = exception
                if failed and "msg" not in result:
                    result["msg"] = "Task failed: Action failed: Unknown error."
            except LongplayError as exc:
                result["failed_when_result"] = condition_failure(exc)
                result["failed"] = True
        return result

    # --- building the action's context ---------------------------------------

    async def _action_context(self, variables: Variables) -> ActionContext:
        templar = variables.templar
        task = self.task
        args = task.args
        if "_args_template" in args:
            args = dict(templar.template(args["_args_template"]) or {})
            args.update({k: v for k, v in task.args.items() if k != "_args_template"})
        templated_args = strip_omitted(self._template_args(templar, args))
        connection = self._connection(variables)
        check_mode = self._flag("check_mode", variables, self.run.options.check)
        diff = self._flag("diff", variables, self.run.options.diff)
        async_seconds = self._int_keyword(templar, "async", "async_val", 0)
        poll = self._int_keyword(templar, "poll", "poll", DEFAULT_POLL)
        extra: dict[str, Any] = {}
        environment = self._environment(variables)
        async_dir = variables.raw.get("ansible_async_dir")
        if async_dir is not None:
            extra["async_dir"] = str(templar.template(async_dir))
        elif os.environ.get(ASYNC_DIR_ENV) and ASYNC_DIR_ENV not in environment:
            # the controller's setting (or ansible.cfg's async_dir) holds for every host,
            # SSH ones too, as in ansible-core; "~" is the target user's home
            extra["async_dir"] = os.environ[ASYNC_DIR_ENV]
        return ActionContext(
            task=task,
            host=self.host,
            args=templated_args,
            variables=variables,
            run=self.run,
            connection=connection,
            check_mode=check_mode,
            diff=diff,
            environment=environment,
            become=self._become(variables),
            async_seconds=async_seconds,
            poll=poll,
            extra=extra,
            on_event=lambda event: self.output.async_progress(self.host.name, task, event),
        )

    def _int_keyword(self, templar: Templar, name: str, shown: str, default: int) -> int:
        """``async``/``poll`` as a number; one that is not fails the task as in ansible-core
        ("Error processing keyword 'async_val': The value 'abc' could not be converted to
        'int'.", ``shown`` being ansible-core's name of the keyword)."""
        written = self.task.keywords.get(name, default)
        origin = self.task.keyword_origins.get(name)
        keyword = f"Error processing keyword '{shown}'"
        try:
            value = templar.template(written)
        except LongplayError as exc:
            error = TaskArgsError(f"Task failed: {keyword}: {exc.message}")
            error.causes = [ErrorCause(f"{keyword}: {exc.message}", origin)]
            raise error from exc
        if value is None or value == "":
            return default if name == "poll" else 0
        try:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            return int(value) if isinstance(value, (int, float)) else int(str(value).strip())
        except ValueError:
            problem = f"The value {value!r} could not be converted to 'int'."
            error = TaskArgsError(f"Task failed: {keyword}: {problem}")
            literal = not (isinstance(written, str) and is_template(written))
            error.causes = [
                ErrorCause(keyword, origin),
                ErrorCause(problem, origin if literal else None, separate=True),
            ]
            raise error from None

    def _template_args(self, templar: Templar, args: dict[str, Any]) -> dict[str, Any]:
        """Render the arguments one by one, so a failure names the argument."""
        rendered: dict[str, Any] = {}
        for key, value in args.items():
            try:
                rendered[templar.template(key)] = templar.template(value)
            except LongplayError as exc:
                finalization = f"Finalization of task args for '{action_fqcn(self.task)}' failed"
                resolving = f"Error while resolving value for '{key}'"
                error = TaskArgsError(f"Task failed: {finalization}: {resolving}: {exc.message}")
                origins = self.task.arg_origins
                error.causes = [
                    ErrorCause(finalization, self.task.action_origin),
                    ErrorCause(resolving, origins.get(str(key), origins.get("*"))),
                    ErrorCause(exc.message, exc.origin),
                ]
                raise error from exc
        return rendered

    def _flag(self, name: str, variables: Variables, default: bool) -> bool:
        value = self.task.get(name, render=variables.templar.template)
        return default if value is None else keyword_bool(value)

    def _environment(self, variables: Variables) -> dict[str, str]:
        merged: dict[str, str] = {}
        for node in self.task.chain():
            value = node.keywords.get("environment")
            if value is None:
                continue
            try:
                value = variables.templar.template(value)
            except LongplayError as exc:
                keyword = "Error processing keyword 'environment'"
                error = TaskArgsError(f"Task failed: {keyword}: {exc.message}")
                written = [
                    n.keywords["environment"]
                    for n in self.task.chain()
                    if "environment" in n.keywords
                ]
                error.causes = [
                    ErrorCause(keyword, Origin("<unknown>", 0, text=repr(written))),
                    ErrorCause(exc.message, _failing_value(variables.templar, value)),
                ]
                raise error from exc
            for part in value if isinstance(value, list) else [value]:
                if isinstance(part, dict):
                    merged.update({str(k): "" if v is None else str(v) for k, v in part.items()})
                elif part:
                    raise TemplateError(f"environment must be a mapping, got {part!r}")
        return merged

    def _become(self, variables: Variables) -> BecomeSpec | None:
        templar = variables.templar
        raw = variables.raw
        options = self.run.options
        render = templar.template
        enabled = self.task.get("become", render=render)
        if enabled is None:
            enabled = templar.template(raw.get("ansible_become", options.become))
        if not keyword_bool(enabled):
            return None
        user = (
            self.task.get("become_user", render=render)
            or raw.get("ansible_become_user")
            or options.become_user
            or "root"
        )
        method = (
            self.task.get("become_method", render=render)
            or raw.get("ansible_become_method")
            or options.become_method
            or "sudo"
        )
        password = (
            raw.get("ansible_become_password")
            or raw.get("ansible_become_pass")
            or options.become_password
        )
        return BecomeSpec(
            user=str(templar.template(user)),
            method=str(templar.template(method)),
            flags=str(
                templar.template(
                    self.task.get("become_flags", render=render)
                    or raw.get("ansible_become_flags")
                    or ""
                )
            ),
            exe=str(
                templar.template(
                    self.task.get("become_exe", render=render)
                    or raw.get("ansible_become_exe")
                    or ""
                )
            ),
            password=str(templar.template(password)) if password else None,
        )

    def _connection(self, variables: Variables) -> HostConnection:
        """The host's connection for this task: its variables and keywords
        (``connection``, ``remote_user``, ``port``) decide which; a delegated
        task uses the delegate's own variables."""
        templar = variables.templar
        written = {
            keyword: self.task.get(keyword, render=templar.template) for keyword in KEYWORD_VARS
        }
        keywords = {keyword: value for keyword, value in written.items() if value is not None}
        delegate = self.task.get("delegate_to")
        if delegate:
            try:
                name = str(templar.template(delegate))
            except LongplayError as exc:
                raise DelegateError(exc.message) from exc
            return self.run.connection_for(name, keywords=keywords)
        return self.run.connection_for(self.host.name, variables, keywords)

    # --- running the action ---------------------------------------------------

    async def _run_action(self, ctx: ActionContext) -> dict[str, Any]:
        info = catalog.resolve(self.task.action, self.task.library_dirs)
        if info is None:  # an ad-hoc -m that names no module
            message = f"Cannot resolve '{self.task.action}' to an action or module."
            result = res.failed_result(f"Task failed: {message}")
            result[res.ERROR] = [
                ErrorCause("Task failed", self.task.origin, separate=True),
                ErrorCause(message, self.task.action_origin),
            ]
            return result
        try:
            if ctx.async_seconds > 0 and info.name != "meta":  # meta ignores async
                result = await self._run_async(ctx, info)
            elif info.kind == "action":
                assert info.action is not None
                result = await self._run_controller_action(ctx, info.action)
            elif info.kind == "custom":
                from longplay.actions.custom import run_custom_module

                result = await run_custom_module(ctx, info)
            else:
                result = await ctx.run_module(info.name, ctx.args)
                self._name_module_as_written(info.name, result)
                if info.name == "async_status":
                    from longplay.executor.async_jobs import reference_order

                    result = reference_order(result)
            if info.kind != "action" and ctx.async_seconds <= 0:
                res.explain_failure(self.task.origin, result, "Module")
        except Unreachable:
            raise
        except AgentError as exc:
            result = res.failed_result(f"the agent on {ctx.connection.name} failed: {exc}")
        except UndefinedError as exc:
            result = templating_failure(self.task, exc)
        except LongplayError as exc:
            result = res.failed_result(exc.message)
        except Exception as exc:  # a bug in one action must not stop the other hosts
            import traceback

            result = res.failed_result(
                f"Unexpected error in '{self.task.action}': {type(exc).__name__}: {exc}",
                exception=traceback.format_exc(),
            )
        if info.name != "pause":  # its stdout is a summary: ansible-core adds no stdout_lines
            res.add_lines(result)
        result.setdefault("failed", False)  # Ansible registers it for every run action (last)
        return result

    def _name_module_as_written(self, name: str, result: dict[str, Any]) -> None:
        """ansible-core names the module as the task wrote it in its argument errors (command
        and shell run as ansible.legacy.command)."""
        msg = result.get("msg")
        prefix = f"Unsupported parameters for ({name}) module"
        if not isinstance(msg, str) or not msg.startswith(prefix):
            return
        written = self.task.action_as_written or self.task.action
        shown = "ansible.legacy.command" if name in ("command", "shell") else written
        renamed = f"Unsupported parameters for ({shown}) module"
        result["msg"] = renamed + msg[len(prefix) :]
        if res.ERROR in result:  # the report already told: tell it with the new name
            result[res.ERROR] = [
                dataclasses.replace(cause, message=cause.message.replace(prefix, renamed, 1))
                for cause in result[res.ERROR]
            ]

    def _invalid_arguments(
        self, spec: ActionSpec, given: dict[str, Any], problems: list[str]
    ) -> dict[str, Any]:
        """Arguments an action refuses, in ansible-core's words: most action plugins stop
        the task ('Task failed: ...'); copy returns its own failure."""
        message = "; ".join(problems)
        missing = [p.removeprefix("missing required arguments: ") for p in problems]
        if spec.name == "copy" and missing == ["dest"]:
            return res.failed_result("dest is required")
        if spec.name in ("template", "fetch") and set(missing) <= {"src", "dest"}:
            message = "src and dest are required"
        if spec.name in _VALID_ARGS_ACTIONS and problems[0].startswith("Unsupported parameters"):
            known = set(spec.options or {}) | {
                alias for option in (spec.options or {}).values() for alias in option.aliases
            }
            unknown = [str(k) for k in given if k not in known and not str(k).startswith("_")]
            action = self.task.action_as_written or self.task.action
            message = f"Invalid options for {action}: {','.join(unknown)}"
        result = res.failed_result(message)
        if spec.name == "debug":
            del result["changed"]  # debug's results never say
        # the raw params refusal says "Task failed: " itself
        cause = ErrorCause(message.removeprefix("Task failed: "))
        result[res.ERROR] = [res.task_failed(self.task.origin), cause]
        return result

    async def _run_controller_action(self, ctx: ActionContext, spec: ActionSpec) -> dict[str, Any]:
        """Apply the action's argument spec, then run it."""
        ctx.sends_modules = not spec.transfers_files
        args, problems = spec.validate(ctx.args)
        if problems:
            return self._invalid_arguments(spec, ctx.args, problems)
        ctx.args = args
        return await spec.handler(ctx)

    async def _run_async(self, ctx: ActionContext, info: catalog.ModuleInfo) -> dict[str, Any]:
        from longplay.executor.async_jobs import run_async

        return await run_async(self, ctx, info)


def _failing_value(templar: Templar, value: Any) -> Origin | None:
    """Where the value of a mapping that fails to render is written (which of its values)."""
    if not isinstance(value, SourceDict):
        return None
    for key, item in value.items():
        try:
            templar.template(item)
        except LongplayError:
            return value.value_origins.get(key)
    return None


def keyword_bool(value: Any) -> bool:
    """A boolean keyword's rendered value (``become``, ``no_log``, ``ignore_errors``...):
    true for true, yes, y, on and 1 in any case, false for anything else."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("yes", "true", "1", "on", "y")


def _loop_info(items: list[Any], index: int, all_items: bool) -> dict[str, Any]:
    length = len(items)
    info: dict[str, Any] = {
        "index": index + 1,
        "index0": index,
        "revindex": length - index,
        "revindex0": length - index - 1,
        "first": index == 0,
        "last": index == length - 1,
        "length": length,
    }
    if index > 0:
        info["previtem"] = items[index - 1]
    if index < length - 1:
        info["nextitem"] = items[index + 1]
    if all_items:
        info["allitems"] = items
    return info
