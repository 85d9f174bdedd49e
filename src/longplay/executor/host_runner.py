"""One host walking a play's task tree: blocks, rescue, always, includes, handlers.

Failure handling is plain Python control flow: a failed task raises
:class:`TaskFailed`, which a block with ``rescue`` catches; ``always`` runs
in a ``finally``. An unreachable host, ``meta: end_host`` and
``meta: end_play`` unwind past ``always`` as they do in Ansible.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from longplay import catalog
from longplay.actions.meta import PER_HOST, meta_name
from longplay.actions.meta import header as meta_header
from longplay.catalog import DYNAMIC_INCLUDES
from longplay.errors import LongplayError, reserved_name_warnings
from longplay.executor import results as res
from longplay.executor.scheduler import Strategy
from longplay.executor.task_executor import TaskExecutor, keyword_bool
from longplay.playbook.model import Block, Node, Task, walk_tasks
from longplay.playbook.source import SourceDict
from longplay.templating.templar import is_template

if TYPE_CHECKING:
    from longplay.executor.play_runner import PlayState
    from longplay.inventory import Host


class TaskFailed(Exception):
    def __init__(self, task: Task, result: dict[str, Any], include_failed: bool = False) -> None:
        super().__init__(task.name)
        self.task = task
        self.result = result
        #: an include whose file could not load (counted apart when rescued)
        self.include_failed = include_failed


class FailedWithOthers(TaskFailed):
    """Another host failed a task with ``any_errors_fatal`` inside a block with ``rescue``:
    this host fails too, before ``task``, so its block's rescue runs (nothing is counted)."""


class HostUnreachable(Exception):
    pass


class EndHost(Exception):
    pass


class EndPlay(Exception):
    pass


class EndBatch(Exception):
    """The play was aborted for every host (any_errors_fatal, max_fail_percentage)."""


class FailedRunOnce(FailedWithOthers):
    """A ``run_once`` task failed on the host that ran it for the batch. ansible-core
    then fails the others twice over (run_once makes the round any_errors_fatal): in
    the task's own block they pass the rescue and go to the always, or pass an always
    that has no rescue before it; an enclosing block handles them as a failure."""

    def __init__(self, task: Task) -> None:
        super().__init__(task, {})
        self.innermost = True


@dataclass
class HostStatus:
    failed: bool = False
    unreachable: bool = False
    ended: bool = False
    #: failed along with another host (any_errors_fatal) though rescued: ansible-core
    #: keeps it failed for the rest of the run, and its recap does not say so
    failed_along: bool = False
    notified: list[str] = field(default_factory=list)


class HostRunner:
    """Runs task lists for one host of a play."""

    def __init__(self, play: PlayState, host: Host, strategy: Strategy) -> None:
        self.play = play
        self.run = play.ctx
        self.host = host
        self.strategy = strategy
        self.status = play.host_status(host.name)

    # --- walking -------------------------------------------------------------

    async def run_nodes(self, nodes: list[Node]) -> None:
        for node in nodes:
            if isinstance(node, Block):
                await self.run_block(node)
            elif isinstance(node, Task) and self.play.selected(node):
                await self.run_task(node)

    async def run_block(self, block: Block) -> None:
        unwinding = False
        try:
            await self.run_nodes(block.block)
            last = walk_tasks(block.block)[-1:] if block.rescue else []
            # only a fatal last task can divert this host after it has run it
            fatal = bool(last) and last[0].get("any_errors_fatal") is True
            if fatal and await self._failed_with_others_at_end():
                raise FailedWithOthers(last[0], {})
        except TaskFailed as failure:
            if isinstance(failure, FailedRunOnce) and failure.innermost:
                failure.innermost = False
                unwinding = not block.rescue  # past the rescue, or past a lone always
                raise
            if not block.rescue:
                raise
            self.status.failed = False
            self.play.on_hosts_changed()  # back in ansible_play_hosts
            if failure.include_failed:
                # ansible-core: the recap keeps it as failed (not rescued), the exit code not
                self.run.stats.forgive_failure(self.host.name)
            elif not isinstance(failure, FailedWithOthers):
                self.run.stats.rescued(self.host.name)
            if not isinstance(failure, FailedWithOthers):
                self.run.variables.set_runtime(
                    self.host.name,
                    {
                        "ansible_failed_task": _task_info(failure.task),
                        "ansible_failed_result": res.public(failure.result),
                    },
                )
            try:
                await self.run_nodes(block.rescue)
            except (HostUnreachable, EndHost, EndPlay, EndBatch):
                unwinding = True
                raise
        except (HostUnreachable, EndHost, EndPlay, EndBatch):
            unwinding = True
            raise
        finally:
            if not unwinding and block.always:
                await self._run_always(block)

    async def _failed_with_others_at_end(self) -> bool:
        """The block's last task done, did another host of its round fail with
        any_errors_fatal? As in ansible-core, this host is still in the block then,
        and goes to its rescue too."""
        await self.strategy.settle(self.host.name)
        if self.host.name not in self.play.diverted:
            return False
        self.play.diverted.discard(self.host.name)
        return True

    async def _run_always(self, block: Block) -> None:
        # A failure being propagated must survive a successful always section.
        was_failed = self.status.failed
        self.status.failed = False
        try:
            await self.run_nodes(block.always)
        finally:
            self.status.failed = self.status.failed or was_failed

    async def run_task(self, task: Task) -> None:
        # Hosts let through together all run the task, even if one of them
        # stops the play meanwhile (ansible-core checks after the whole round).
        if self.host.name in self.play.diverted or self.play.aborted:
            self._stop(task)
        if not await self.strategy.turn(self.host.name, task):
            self._stop(task)
        if _runs_once(task):
            shared = self.play.run_once_result(task)
            if shared is not None:
                await asyncio.shield(shared)  # the first host runs it; this one moves on
                return
            future = self.play.claim_run_once(task)
            try:
                await self._after(task, await self._execute_here(task))
            finally:
                future.set_result({})
            return
        if keyword_bool(task.get("run_once")):
            shared = self.play.run_once_result(task)
            if shared is not None:
                # Another host ran it for the batch: register the result, show nothing.
                result = await shared
                public = res.public(result)
                self._register(task, public)
                if result.get("failed") and not self._ignored(task, result):
                    self.status.failed = True
                    raise FailedRunOnce(task)
                return
            future = self.play.claim_run_once(task)
            result = await self._execute_here(task)
            future.set_result(result)
        else:
            result = await self._execute_here(task)
        await self._after(task, result)

    def _stop(self, task: Task) -> None:
        """Leave ``task`` unrun: failed with another host (see FailedWithOthers), or the
        play is over."""
        if self.host.name in self.play.diverted:
            self.play.diverted.discard(self.host.name)
            raise FailedWithOthers(task, {})
        raise EndBatch()

    async def _execute_here(self, task: Task) -> dict[str, Any]:
        written = task.keywords.get("vars")
        if written:
            self._warn_reserved(written, getattr(written, "key_origins", {}))
        throttle = task.get("throttle")
        semaphore = (
            self.run.semaphore() if not throttle else self.play.throttle(task, int(throttle))
        )
        async with semaphore:
            return await TaskExecutor(self.run, self.host, task).execute()

    # --- after a task ----------------------------------------------------------

    async def _after(self, task: Task, result: dict[str, Any]) -> None:
        """Record, show and act on a task's result."""
        notified = []
        if result.get("changed") and task.keywords.get("notify") and not result.get("failed"):
            notified = self._notifications(task)  # an unknown handler stops the run first
            if not task.is_handler:
                # -vv, as ansible-core: once per notification, for each item of a loop
                for _ in result.get("results") or [result] if task.loop_keyword else [result]:
                    for name in notified:
                        self.run.output.debug(2, f"Notification for handler {name} has been saved.")
        await self._apply_instructions(task, result)
        public = res.public(result)
        shown = res.displayed(result)
        if keyword_bool(self._keyword(task, "no_log")):
            shown = {**res.censor(public), **{k: v for k, v in shown.items() if k == res.ERROR}}
        ignored = self._ignored(task, result)
        self._register(task, public)
        if "ansible_facts" in result and (
            not _facts_are_variables(result) or result.get("_longplay_cache_facts")
        ):
            self.run.variables.set_facts(self.host.name, result["ansible_facts"])
        if task.action == "meta" and not result.get("failed"):
            pass  # flow control is not a result: Ansible leaves it out of the recap
        elif task.action in DYNAMIC_INCLUDES and task.loop_keyword:
            # each included file counts as one "ok", as in Ansible
            for item in result.get("results", []):
                self.run.stats.record(self.host.name, item, ignored)
        else:
            self.run.stats.record(self.host.name, result, ignored)
        note = None
        if task.action == "meta" and not result.get("failed"):
            note = meta_header(task, result, self.host.name)
            if result.get("_longplay_meta") == "flush_handlers":
                note = None  # said by the handler run, after the handlers it reaches
        if note and meta_name(task) not in PER_HOST:
            self.run.output.host_note(self.host.name, note)
        self.run.output.host_result(self.host.name, task, shown, ignored)
        if note and meta_name(task) in PER_HOST:
            self.run.output.host_note(self.host.name, note)  # after the host's banner
        if result.get("unreachable") and not ignored:
            self.status.unreachable = True
            if task.get("any_errors_fatal") is True:
                self.play.abort(unreachable=True)
            if await self.play.park_unreachable(self.host.name):
                return  # meta: clear_host_errors brought the host back
            raise HostUnreachable()
        if result.get("failed") and not ignored:
            self.status.failed = True
            if task.get("any_errors_fatal") is True:
                if _rescued_within(task):
                    # as ansible-core: every host goes to the rescue of its block
                    self.play.fail_others(self.host.name, task)
                else:
                    self.play.abort()
            if res.INVOCATION in result:
                raise TaskFailed(task, {**public, "invocation": result[res.INVOCATION]})
            raise TaskFailed(task, public, bool(result.get("_ansible_include_failed")))
        for name in notified:
            if name not in self.status.notified:
                self.status.notified.append(name)
        meta = result.get("_longplay_meta")
        if meta:
            await self._meta(meta)
        include = result.get("_longplay_include")
        if include:
            await self.run_nodes(include)
            if result.get("_longplay_public"):
                # include_role public: the role's defaults and vars stay visible
                # to this host's later tasks
                roles = self.run.variables.host_state(self.host.name).public_roles
                roles.extend(n.role for n in include[0].block if n.role and n.role not in roles)

    def _register(self, task: Task, result: dict[str, Any]) -> None:
        register = task.keywords.get("register")
        if register:
            self._warn_reserved(
                {str(register): None}, {str(register): task.keyword_origins.get("register")}
            )
            self.run.variables.set_runtime(self.host.name, {str(register): result})

    def _warn_reserved(self, names: dict[str, Any], origins: dict[str, Any]) -> None:
        written = SourceDict(names)
        written.key_origins = {k: v for k, v in origins.items() if v is not None}
        for warning in reserved_name_warnings(written):
            self.run.output.warning(warning)

    def _ignored(self, task: Task, result: dict[str, Any]) -> bool:
        if result.get("unreachable"):
            return bool(task.get("ignore_unreachable"))
        if result.get("_ansible_include_failed"):
            return False  # an include that cannot load is not ignored (as ansible-core)
        return bool(result.get("failed")) and keyword_bool(self._keyword(task, "ignore_errors"))

    def _keyword(self, task: Task, name: str) -> Any:
        """A flag keyword as this host sees it: ``ignore_errors: "{{ flag }}"`` is
        rendered with the host's variables, and one rendering to ``omit`` leaves
        the enclosing block/play's value in force. The host's variables are only
        gathered when a value is a template."""
        templar: list[Any] = []

        def render(value: Any) -> Any:
            if not (isinstance(value, str) and is_template(value)):
                return value
            if not templar:
                templar.append(self.run.variables.for_host(self.host, task).templar)
            try:
                return templar[0].template(value)
            except LongplayError:
                return value  # the task itself reported a broken template

        return task.get(name, render=render)

    async def _apply_instructions(self, task: Task, result: dict[str, Any]) -> None:
        set_vars = result.get("_longplay_set_vars")
        if set_vars:
            if task.action == "set_fact":
                self._warn_reserved(set_vars, task.arg_key_origins)
            self.run.variables.set_runtime(self.host.name, set_vars)
        included_vars = result.get("_longplay_include_vars")
        if included_vars:
            self.run.variables.include_vars(self.host.name, included_vars)

    def _notifications(self, task: Task) -> list[str]:
        """The handler names and topics ``task`` notifies (its ``notify``, rendered)."""
        variables = self.run.variables.for_host(self.host, task)
        notify = task.keywords.get("notify", [])
        # a templated keyword is kept whole: it renders to one name or a list of them
        found: list[str] = []
        answers = handler_answers(self.play.play.handlers)
        for name in notify if isinstance(notify, list) else [notify]:
            rendered = variables.templar.template(name)
            for one in rendered if isinstance(rendered, list) else [rendered]:
                if not any(str(one) in names for names in answers):
                    raise LongplayError(
                        f"The requested handler '{one}' was not found in either the main "
                        "handlers list nor in the listening handlers list"
                    )
                found.append(str(one))
        return found

    async def _meta(self, action: str) -> None:
        if action == "end_host":
            self.status.ended = True
            raise EndHost()
        if action in ("end_play", "end_batch"):
            self.play.end_play(batch_only=action == "end_batch")
            raise EndPlay()
        if action == "flush_handlers":
            await self.play.flush_handlers_for(self)
        if action == "clear_host_errors":
            self.play.clear_host_errors()


def handler_names(handler: Task) -> set[str]:
    """The names a notification reaches ``handler`` by: its name, also prefixed by its role."""
    name = handler.keywords.get("name")
    if not name:
        return set()
    if handler.role is not None:
        return {str(name), f"{handler.role.name} : {name}"}
    return {str(name)}


def handler_answers(handlers: list[Task]) -> list[set[str]]:
    """For each handler, the notifications it answers to. As in ansible-core, a name
    reaches only the last handler loaded with it, and of the handlers sharing a name
    that listen to a topic, only the last one runs."""
    answers: list[set[str]] = []
    claimed: set[str] = set()
    heard: set[tuple[str, str]] = set()
    for handler in reversed(handlers):
        names = handler_names(handler)
        own = names - claimed
        claimed |= names
        name = str(handler.keywords.get("name") or "")
        for topic in map(str, handler.keywords.get("listen", [])):
            if not name or (name, topic) not in heard:
                own.add(topic)
                heard.add((name, topic))
        answers.append(own)
    answers.reverse()
    return answers


def _runs_once(task: Task) -> bool:
    """An action ansible-core runs for the first host only (add_host, pause, and the meta
    actions that act for every host: end_play, clear_host_errors...)."""
    if task.action == "meta":
        return meta_name(task) not in PER_HOST
    info = catalog.resolve(task.action, task.library_dirs)
    return info is not None and info.action is not None and info.action.once


def _rescued_within(task: Task) -> bool:
    """Whether a block around ``task`` (in its block section) has a rescue section."""
    node: Node = task
    while node.parent is not None:
        parent = node.parent
        if isinstance(parent, Block) and parent.rescue and any(n is node for n in parent.block):
            return True
        node = parent
    return False


def _facts_are_variables(result: dict[str, Any]) -> bool:
    """set_fact and include_vars show their values as ansible_facts, but they are variables."""
    return "_longplay_set_vars" in result or "_longplay_include_vars" in result


def _task_info(task: Task) -> dict[str, Any]:
    """``ansible_failed_task``: the task's keywords, with ansible-core's defaults for the
    ones not written (tags and when include the enclosing blocks')."""
    from longplay.executor.task_executor import action_fqcn

    written = task.keywords

    def listed(name: str) -> list[Any]:
        found: list[Any] = []
        # tags: the task's own first, then its blocks' (innermost first); when: the
        # blocks' first (ansible-core prepends them)
        nodes: list[Node] = [task]
        if name == "tags":
            nodes = list(reversed(task.keyword_chain()))
        elif name == "when":
            nodes = task.keyword_chain()
        for node in nodes:
            value = node.keywords.get(name)
            if value is not None:
                for item in value if isinstance(value, list) else [value]:
                    if item not in found or name == "when":
                        found.append(item)
        return found

    return {
        "_resolved_action": action_fqcn(task),
        "action": task.action_as_written or task.action,
        "any_errors_fatal": bool(task.get("any_errors_fatal") or False),
        "args": task.args,
        "async": written.get("async", 0),
        "async_val": written.get("async", 0),
        "become": bool(task.get("become") or False),
        "become_user": task.get("become_user"),
        "changed_when": listed("changed_when"),
        "delay": float(written.get("delay", 5)),
        "delegate_to": task.get("delegate_to"),
        "failed_when": listed("failed_when"),
        "ignore_errors": task.get("ignore_errors"),
        "loop": written.get("loop"),
        "name": written.get("name", ""),
        "no_log": bool(task.get("no_log") or False),
        "notify": written.get("notify") or None,
        "poll": written.get("poll", 15),
        "register": written.get("register"),
        "retries": written.get("retries"),
        "run_once": task.get("run_once"),
        "tags": listed("tags"),
        "until": listed("until"),
        "vars": dict(written.get("vars") or {}),
        "when": listed("when"),
    }
