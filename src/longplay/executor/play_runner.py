"""Run one play: pick its hosts, split them into serial batches, gather facts,
run pre_tasks, roles, tasks and post_tasks with handlers flushed after each."""

from __future__ import annotations

import asyncio
import math
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from longplay.errors import (
    LongplayError,
    Origin,
    ParseError,
    reserved_name_warnings,
    template_errors_warning,
)
from longplay.executor import var_prompt
from longplay.executor.connection import KEYWORD_VARS, HostConnection
from longplay.executor.host_runner import (
    EndBatch,
    EndHost,
    EndPlay,
    FailedRunOnce,
    FailedWithOthers,
    HostRunner,
    HostStatus,
    HostUnreachable,
    TaskFailed,
    handler_answers,
)
from longplay.executor.scheduler import Strategy, make_strategy
from longplay.inventory import order_hosts
from longplay.playbook.model import Block, Node, Play, Role, Task, walk_tasks
from longplay.playbook.source import SourceList, load_yaml
from longplay.templating.templar import is_template, template_value

if TYPE_CHECKING:
    from longplay.executor.state import RunContext
    from longplay.inventory import Host


#: the implicit "Gathering Facts" task runs before everything else
FACTS_POSITION = (-1,)


class PlayState:
    """Shared state of the hosts running one play (one serial batch at a time)."""

    def __init__(self, run: RunContext, play: Play) -> None:
        self.ctx = run
        self.play = play
        self.statuses: dict[str, HostStatus] = {}
        self.aborted = False
        self.batch: list[Host] = []
        self._run_once: dict[int, asyncio.Future[dict[str, Any]]] = {}
        #: hosts to fail into their block's rescue (see HostRunner.FailedWithOthers)
        self.diverted: set[str] = set()
        #: the hosts that failed each any_errors_fatal task (by id): none of them is
        #: failed along with another, as ansible-core checks after the whole round
        self._fatal_failures: dict[int, set[str]] = {}
        #: where --start-at-task starts in this play (``()``: not in this play)
        self._start_position: tuple[int, ...] | None = None
        self._throttles: dict[int, asyncio.Semaphore] = {}
        #: meta: end_play stops this play only; other aborts stop the run
        self.ended_by_meta = False
        #: meta: end_batch stopped this serial batch only: the next one still runs
        self.batch_ended = False
        #: max_fail_percentage (not any_errors_fatal) stopped the play
        self.aborted_by_max_fail = False
        #: only any_errors_fatal on an unreachable host stopped the batch: ansible-core
        #: then fails the batch's other hosts but goes on with the next batch and plays
        self.aborted_by_unreachable = False
        #: hosts in the serial batch, those that failed in earlier plays too
        self.batch_size = 0
        #: every host the play targets (dead ones too): what clear_host_errors clears
        self.play_hosts: list[str] = []
        #: the section running now: its strategy, live hosts, and parked unreachable hosts
        self.section: Section | None = None
        #: called when a host leaves or rejoins the play (ansible_play_hosts changes)
        self.on_hosts_changed: Callable[[], None] = lambda: None

    def host_status(self, name: str) -> HostStatus:
        status = self.statuses.get(name)
        if status is None:
            status = self.statuses[name] = HostStatus()
        return status

    def selected(self, task: Task) -> bool:
        if not self._reached_start(task):
            return False
        return tags_selected(task.tags(), self.ctx.options.tags, self.ctx.options.skip_tags)

    def _reached_start(self, task: Task) -> bool:
        """--start-at-task: in the play holding the first task of that name (not in an
        include), every host starts there; later plays run whole."""
        wanted = self.ctx.options.start_at_task
        if not wanted or self.ctx.start_reached or task.position == FACTS_POSITION:
            return True
        if self._start_position is None:
            nodes = [node for _, section in self.play.sections() for node in section]
            self._start_position = next(
                (
                    t.position
                    for t in walk_tasks(nodes)
                    if t.name == wanted or self.rendered_name(t) == wanted
                ),
                (),
            )
        return bool(self._start_position) and task.position >= self._start_position

    def rendered_name(
        self, task: Task, host_name: str | None = None, errors: list[str] | None = None
    ) -> str:
        """The task's name with templates rendered for ``host_name`` (default: the batch's first).

        A part that fails to render reads ``<< error N - message >>`` (the
        messages go to ``errors``), as in ansible-core."""
        name = task.keywords.get("name")
        if not is_template(name):
            return task.name
        host = (
            self.ctx.inventory.get_host(host_name)
            if host_name
            else (self.batch[0] if self.batch else None)
        )
        if host is None:
            return task.name
        try:
            templar = self.ctx.variables.for_host(host, task).templar
        except LongplayError:
            return task.name
        text, problems = templar.template_marking_errors(str(name))
        if errors is not None:
            errors.extend(problems)
        return text

    def run_once_result(self, task: Task) -> asyncio.Future[dict[str, Any]] | None:
        return self._run_once.get(id(task))

    def claim_run_once(self, task: Task) -> asyncio.Future[dict[str, Any]]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._run_once[id(task)] = future
        return future

    def throttle(self, task: Task, limit: int) -> asyncio.Semaphore:
        semaphore = self._throttles.get(id(task))
        if semaphore is None:
            semaphore = self._throttles[id(task)] = asyncio.Semaphore(max(1, limit))
        return semaphore

    async def park_unreachable(self, host: str) -> bool:
        """An unreachable host waits out the section: True if ``meta: clear_host_errors``
        brings it back (it goes on with its next task, as in ansible-core), False
        when the other hosts are done."""
        section = self.section
        if section is None or host not in section.live:
            return False
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        section.live.discard(host)
        section.parked[host] = future
        section.strategy.leave(host)
        self.on_hosts_changed()
        self.check_fail_percentage()
        section.release_if_idle()
        return await future

    def host_done(self, host: str) -> None:
        """A host's walk through the section ended."""
        section = self.section
        if section is not None:
            section.live.discard(host)
            section.release_if_idle()

    def clear_host_errors(self) -> None:
        """``meta: clear_host_errors``: every host of the play is counted in again.

        Unreachable hosts of this section resume at their next task; failed
        hosts stay done for this play but run in the next ones; neither counts
        towards the exit code any more."""
        for name in self.play_hosts:
            self.ctx.dead_hosts.discard(name)
            self.ctx.stats.clear(name)
            status = self.statuses.get(name)
            if status is None:
                continue
            if status.failed:
                status.failed = False
                status.ended = True
            status.unreachable = status.failed_along = False
        section = self.section
        if section is not None:
            for name, future in list(section.parked.items()):
                del section.parked[name]
                section.live.add(name)
                section.strategy.rejoin(name)
                if not future.done():
                    future.set_result(True)
        self.on_hosts_changed()

    def abort(self, max_fail: bool = False, unreachable: bool = False) -> None:
        self.aborted_by_unreachable = unreachable and (
            self.aborted_by_unreachable or not self.aborted
        )
        self.aborted = True
        self.aborted_by_max_fail = self.aborted_by_max_fail or max_fail

    def fail_others(self, failed: str, task: Task) -> None:
        """any_errors_fatal in a block with rescue: the batch's other hosts fail too
        (not those that fail the same task themselves, even after this one)."""
        failures = self._fatal_failures.setdefault(id(task), set())
        failures.add(failed)
        self.diverted.discard(failed)
        self.host_status(failed).failed_along = False
        self.ctx.stats.failed_along.discard(failed)
        for host in self.active(self.batch):
            if host.name not in failures:
                self.diverted.add(host.name)
                # it still runs its rescue and on, but is out of ansible_play_hosts and
                # ansible_play_batch, later plays, and (see Stats) the exit code
                self.host_status(host.name).failed_along = True
                self.ctx.stats.failed_along.add(host.name)
        self.on_hosts_changed()

    def end_play(self, batch_only: bool = False) -> None:
        """``meta: end_play`` or ``end_batch`` (which leaves later serial batches to run)."""
        self.aborted = True
        self.ended_by_meta = True
        self.batch_ended = batch_only

    def check_fail_percentage(self) -> None:
        limit = self.play.keywords.get("max_fail_percentage")
        if limit is None or not self.batch:
            return
        # ansible-core 2.19 counts failed hosts only: unreachable ones never
        # stop the play
        failed = sum(1 for h in self.batch if self.host_status(h.name).failed)
        if failed * 100.0 / max(self.batch_size, len(self.batch)) > float(limit):
            self.abort(max_fail=True)

    def active(self, hosts: list[Host]) -> list[Host]:
        return [h for h in hosts if not self._done(self.host_status(h.name))]

    @staticmethod
    def _done(status: HostStatus) -> bool:
        return status.failed or status.unreachable or status.ended

    async def flush_handlers_for(self, runner: HostRunner) -> None:
        """``meta: flush_handlers`` reached by one host: run its notified handlers now."""
        await run_handlers(self, runner, flush=True)


class Section:
    """The hosts walking one section (pre_tasks, roles, tasks...) of a batch."""

    def __init__(self, strategy: Strategy, hosts: list[str]) -> None:
        self.strategy = strategy
        self.live = set(hosts)
        self.parked: dict[str, asyncio.Future[bool]] = {}

    def release_if_idle(self) -> None:
        """No host left to clear anyone's errors: the parked hosts give up."""
        if self.live:
            return
        for future in self.parked.values():
            if not future.done():
                future.set_result(False)
        self.parked.clear()


def _static_roles(play: Play) -> list[Role]:
    """The roles of the ``roles:`` section, then those imported (import_role) in
    pre_tasks, post_tasks and tasks: ansible-core shows their defaults and vars to
    the whole play."""
    found: list[Role] = []

    def walk(nodes: list[Node]) -> None:
        for node in nodes:
            if node.role is not None and not any(node.role is r for r in found):
                found.append(node.role)
            if isinstance(node, Block):
                walk(node.block + node.rescue + node.always)

    for nodes in (play.role_tasks, play.pre_tasks, play.post_tasks, play.tasks):
        walk(nodes)
    return found


def tags_selected(task_tags: set[str], only: list[str], skip: list[str]) -> bool:
    """Ansible's tag rules, including ``always``, ``never``, ``tagged`` and ``untagged``."""
    if skip and (
        task_tags & set(skip)
        or ("tagged" in skip and task_tags)
        or ("untagged" in skip and not task_tags)
    ):
        return False
    if "always" in task_tags and "always" not in skip:
        return True
    if "never" in task_tags and not task_tags & set(only):  # --tags never runs them too
        return False
    if not only or "all" in only:
        return True
    if "tagged" in only and task_tags:
        return True
    if "untagged" in only and not task_tags:
        return True
    return bool(task_tags & set(only))


async def run_handlers(play_state: PlayState, runner: HostRunner, flush: bool = False) -> None:
    """Run, in definition order, the handlers this host was notified of (``flush``:
    for a ``meta: flush_handlers`` task)."""
    status = runner.status
    handlers = play_state.play.handlers
    answers = handler_answers(handlers)
    force = (
        play_state.ctx.options.force_handlers
        or play_state.play.keywords.get("force_handlers") is True
    )
    output = play_state.ctx.output
    if not status.failed or force:
        # -vv, as ansible-core: each handler the saved notifications reach, in their order
        announced: list[Task] = []
        for name in status.notified:
            for index, handler in enumerate(handlers):
                if name in answers[index] and not any(h is handler for h in announced):
                    announced.append(handler)
                    output.host_note(
                        runner.host.name,
                        f"NOTIFIED HANDLER {handler.display_name()} for {runner.host.name}",
                    )
        if flush:
            output.host_note(
                runner.host.name, f"META: triggered running handlers for {runner.host.name}"
            )
    for index, handler in enumerate(handlers):
        if not status.notified or (status.failed and not force):
            return
        names = answers[index]
        if not names & set(status.notified):
            continue
        # every handler listening to a topic runs: a notification is spent once no
        # later handler answers to it
        later = set().union(*answers[index + 1 :])
        status.notified = [n for n in status.notified if n not in names or n in later]
        if play_state.selected(handler):
            try:
                await runner.run_task(handler)
            except BaseException:
                status.notified = []  # a handler that fails ends the host's handlers
                raise


class PlayRunner:
    def __init__(self, run: RunContext, play: Play) -> None:
        self.ctx = run
        self.play = play
        self.state = PlayState(run, play)
        self.state.on_hosts_changed = self._refresh_play_hosts
        self._background: set[asyncio.Future[None]] = set()

    # --- hosts -----------------------------------------------------------------

    def _hosts(self) -> list[Host]:
        pattern = self._template(self.play.keywords["hosts"])
        selection = self.ctx.inventory.match(pattern, limit=self.ctx.options.limit)
        for term in selection.unmatched:
            self.ctx.output.warning(f"Could not match supplied host pattern, ignoring: {term}")
        # Hosts that failed or were unreachable in earlier plays stay in the
        # list (and in the serial batches, as in ansible-core); they just do not run.
        hosts = list(selection.hosts)
        order = self.play.keywords.get("order")
        if order:
            hosts = order_hosts(hosts, str(self._template(order)))
        self.state.play_hosts = [h.name for h in hosts]
        return hosts

    def _template(self, value: Any) -> Any:
        return template_value(value, self.ctx.variables.extra_vars)

    def _batches(self, hosts: list[Host]) -> list[list[Host]]:
        serial = self.play.keywords.get("serial")
        if not serial:
            return [hosts]
        sizes = [
            self._batch_size(self._template(s), len(hosts))
            for s in (serial if isinstance(serial, list) else [serial])
        ]
        batches: list[list[Host]] = []
        index = 0
        while index < len(hosts):
            size = sizes[min(len(batches), len(sizes) - 1)]
            batches.append(hosts[index : index + size])
            index += size
        return batches

    @staticmethod
    def _batch_size(value: Any, total: int) -> int:
        text = str(value).strip()
        if text.endswith("%"):
            return max(1, math.floor(total * float(text[:-1]) / 100.0))
        return max(1, int(text)) if int(text) > 0 else total

    # --- play vars -----------------------------------------------------------

    def _load_play_vars(self) -> None:
        written = self.play.keywords.get("vars") or {}
        self._warn_reserved(written)
        merged: dict[str, Any] = dict(written)
        deferred: list[list[Any]] = []
        for entry in self.play.vars_files:
            candidates = entry if isinstance(entry, list) else [entry]
            data = self._first_vars_file(candidates, merged, entry)
            if data is None:  # its name needs the host's variables (facts...)
                deferred.append(candidates)
                continue
            self._warn_reserved(data)
            merged.update(data)
        self.ctx.variables.deferred_vars_files = deferred
        self.ctx.variables.vars_file_loader = self._vars_file_loader()
        for name in self.ctx.variables.extra_vars:
            self._warn_reserved({name: None}, Origin("<CLI option '-e'>", 0, text=str(name)))
        roles = [node.role for node in self.play.role_tasks if node.role is not None]
        for role in roles:
            self._warn_reserved(role.defaults)
            self._warn_reserved(role.vars)
        for role in roles:
            self._warn_reserved(role.params)
        prompts = self.play.keywords.get("vars_prompt") or []
        extra_vars = self.ctx.variables.extra_vars
        for prompt in prompts if isinstance(prompts, list) else []:
            if isinstance(prompt, dict) and "name" in prompt and prompt["name"] not in extra_vars:
                merged[str(prompt["name"])] = var_prompt.answer(
                    prompt, lambda value: template_value(value, extra_vars)
                )
        self.ctx.variables.play_vars = merged
        self.ctx.variables.play_roles = _static_roles(self.play)
        for state in self.ctx.variables.state.values():
            state.public_roles.clear()  # include_role public lasts for its play

    def _warn_reserved(self, variables: Any, where: Origin | None = None) -> None:
        for warning in reserved_name_warnings(variables, where):
            self.ctx.output.warning(warning)

    def _first_vars_file(
        self, candidates: list[Any], play_vars: dict[str, Any], entry: Any
    ) -> dict[str, Any] | None:
        """The first of ``candidates`` that exists; as ansible-core 2.19 does, a vars file
        that is not there is passed over in silence. None when a name does not render
        with the play's variables: it is rendered for each host, with its variables."""
        scope = dict(play_vars)
        scope.update(self.ctx.variables.extra_vars)
        for candidate in candidates:
            try:
                name = str(template_value(candidate, scope))
            except LongplayError:
                where = ParseError("", self._vars_file_origin(entry)).render().lstrip("\n")
                self.ctx.output.warning(
                    "skipping vars_files item due to an undefined variable\n" + where
                )
                return None
            path = name if os.path.isabs(name) else os.path.join(self.play.basedir, name)
            if os.path.isfile(path):
                return _vars_file_contents(load_yaml(path), path)
        return {}

    def _vars_file_loader(self) -> Callable[[str], dict[str, Any] | None]:
        """Reads a vars file named for a host (None when it is not there), each once."""
        cache: dict[str, dict[str, Any] | None] = {}
        basedir = self.play.basedir

        def load(name: str) -> dict[str, Any] | None:
            path = name if os.path.isabs(name) else os.path.join(basedir, name)
            if path not in cache:
                found = os.path.isfile(path)
                cache[path] = _vars_file_contents(load_yaml(path), path) if found else None
            return cache[path]

        return load

    def _vars_file_origin(self, candidate: Any) -> Origin | None:
        """Where a vars_files item is written."""
        entries = self.play.vars_files
        for entry, origin in zip(entries, getattr(entries, "item_origins", []), strict=False):
            if entry is candidate:
                return origin
            if isinstance(entry, list):
                for item, inner in zip(entry, getattr(entry, "item_origins", []), strict=False):
                    if item is candidate:
                        return inner
        return None

    # --- running ---------------------------------------------------------------

    def prepare(self) -> list[Host]:
        """What ansible-core does before a play starts (in --syntax-check and the listings
        too): read the play's vars and vars_files, render its name and hosts with them,
        and choose its hosts."""
        self._load_play_vars()
        self._render_header()
        return self._hosts()

    def _render_header(self) -> None:
        """The play's name and hosts, rendered; one that does not render stops the run."""
        keywords = self.play.keywords
        scope = {**self.ctx.variables.play_vars, **self.ctx.variables.extra_vars}
        for key in ("name", "hosts"):
            if key not in keywords or not is_template(keywords[key]):
                continue
            try:
                value = template_value(keywords[key], scope)
            except LongplayError as exc:
                # an unnamed play is named by its hosts: ansible-core says 'name'
                said = key if "name" in keywords else "name"
                raise ParseError(
                    f"Error processing keyword '{said}': {exc.message}",
                    self.play.keyword_origins.get(key, self.play.origin),
                ) from None
            keywords[key] = value if key == "hosts" and isinstance(value, list) else str(value)

    async def run(self) -> None:
        output = self.ctx.output
        hosts = self.prepare()
        if not hosts:
            output.play_start(self.play, [])
            output.no_hosts_matched(self.play)
            return
        try:
            await self._run_batches(hosts)
        finally:
            if self.state._start_position:
                self.ctx.start_reached = True  # --start-at-task: later plays run whole

    async def _run_batches(self, hosts: list[Host]) -> None:
        output = self.ctx.output
        all_names = [h.name for h in hosts]
        for batch in self._batches(hosts):
            output.play_start(self.play, [h.name for h in batch])
            self.ctx.stats.batch_started()
            live = [h for h in batch if h.name not in self.ctx.dead_hosts]
            if not live:
                continue  # a batch of hosts that failed before: its banner alone
            for host in live:
                # group_vars/host_vars that do not parse stop the run here, as in ansible-core,
                # before any task starts
                self.ctx.variables.inventory_vars(host)
            self.state.batch_size = len(batch)
            await self._run_batch(live, all_names)
            self.ctx.dead_hosts.update(h.name for h in live if self._failed(h))
            if self.state.aborted_by_unreachable and not self.state.ended_by_meta:
                # any_errors_fatal and an unreachable host: the batch's other hosts
                # count as failed (not in the recap); the next batch still runs.
                self.ctx.dead_hosts.update(h.name for h in live)
                self.state.aborted = self.state.aborted_by_unreachable = False
                continue
            if self.state.aborted and not self.state.ended_by_meta:
                if self.state.aborted_by_max_fail:
                    # ansible-core says it twice (the strategy, then the batch loop);
                    # any_errors_fatal stops without saying it.
                    output.no_more_hosts()
                    output.no_more_hosts()
                    self.ctx.stats.max_fail_stop = True
                self.ctx.halted = True
                break
            if len(live) == len(batch) and all(self._failed(h) for h in live):
                # Every host of the batch failed: Ansible stops the whole run here.
                self.ctx.halted = True
                break
            if self.state.batch_ended:
                # meta: end_batch: this batch's hosts stop (their handlers do not run)
                self.state.aborted = self.state.ended_by_meta = self.state.batch_ended = False
                continue
            if self.state.aborted:
                break

    def _failed(self, host: Host) -> bool:
        status = self.state.host_status(host.name)
        return status.failed or status.unreachable or status.failed_along

    def _set_play_magic(self, batch: list[Host], all_names: list[str]) -> None:
        active = self._play_batch(batch)
        self.ctx.variables.play_magic = {
            "ansible_play_hosts_all": all_names,
            "ansible_play_hosts": self._play_hosts_left(),
            "ansible_play_batch": active,
            "play_hosts": active,
            "ansible_play_name": self.play.name,
            "ansible_run_tags": self.ctx.options.tags or ["all"],
            "ansible_skip_tags": self.ctx.options.skip_tags,
            "ansible_limit": self.ctx.options.limit or "",
            "ansible_forks": self.ctx.options.forks,
            "ansible_play_role_names": sorted(
                {b.role.name for b in self.play.role_tasks if b.role}
            ),
        }

    async def _run_batch(self, batch: list[Host], all_names: list[str]) -> None:
        self.state.batch = batch
        self.state._run_once.clear()
        self.state._fatal_failures.clear()
        self._set_play_magic(batch, all_names)
        if self._uses_async():
            for host in batch:
                self._background.add(asyncio.ensure_future(self._prepare_jobs(host)))
        # Gathering facts opens the first section (an unreachable host can
        # then be brought back by clear_host_errors in it, as in ansible-core).
        facts: list[Node] = [self._facts_task()] if self._gather_facts() else []
        for _name, nodes in self.play.sections():
            if self.state.aborted:
                break
            if facts and nodes:
                nodes, facts = facts + nodes, []
            await self._run_section(nodes, batch)
            await self._flush_handlers(batch)
        if facts and not self.state.aborted:
            await self._run_section(facts, batch)

    def _uses_async(self) -> bool:
        nodes = self.play.pre_tasks + self.play.role_tasks + self.play.tasks + self.play.post_tasks
        return any(task.keywords.get("async") not in (None, 0) for task in walk_tasks(nodes))

    def _play_connection(self, host: Host) -> HostConnection:
        """The connection the play's tasks use on ``host`` unless one says otherwise."""
        variables = self.ctx.variables.for_host(host)
        keywords = {
            keyword: variables.templar.template(self.play.keywords[keyword])
            for keyword in KEYWORD_VARS
            if self.play.keywords.get(keyword) is not None
        }
        return self.ctx.connection_for(host.name, variables, keywords)

    async def _prepare_jobs(self, host: Host) -> None:
        """Start the host's job launcher while the first tasks run (best effort)."""
        try:
            await self._play_connection(host).prepare_jobs()
        except Exception:  # the task that needs it reports any real problem
            pass

    def _gather_facts(self) -> bool:
        value = self.play.keywords.get("gather_facts", True)
        value = self._template(value)
        return (
            value if isinstance(value, bool) else str(value).lower() in ("yes", "true", "1", "on")
        )

    def _facts_task(self) -> Task:
        args: dict[str, Any] = {}
        subset = self.play.keywords.get("gather_subset")
        if subset:
            args["gather_subset"] = subset
        task = Task(
            keywords={"name": "Gathering Facts", "tags": ["always"]},
            origin=self.play.origin,
            parent=self.play,
            basedir=self.play.basedir,
            action="setup",
            args=args,
        )
        task.position = FACTS_POSITION
        return task

    def _announce(self, task: Task, hosts: list[str]) -> None:
        self._render_name(task, hosts)
        self.ctx.output.task_start(task, hosts)

    def _render_name(self, task: Task, hosts: list[str]) -> None:
        """Template the task's name with the first host's variables, as Ansible shows it."""
        if is_template(task.keywords.get("name")) and hosts:
            errors: list[str] = []
            task.rendered_name = self.state.rendered_name(task, hosts[0], errors)
            if errors:
                self.ctx.output.warning(template_errors_warning(errors, task.name_origin))

    async def _run_section(self, nodes: list[Node], batch: list[Host]) -> None:
        hosts = self.state.active(batch)
        if not hosts or not nodes:
            return
        strategy = make_strategy(
            str(self._template(self.play.keywords.get("strategy", "linear"))),
            [h.name for h in hosts],
            self._announce,
            lambda: self.state.aborted,
            self.state.diverted.__contains__,
        )
        self.state.section = Section(strategy, [h.name for h in hosts])
        try:
            await asyncio.gather(*(self._run_host(nodes, host, strategy) for host in hosts))
        finally:
            self.state.section = None

    async def _run_host(self, nodes: list[Node], host: Host, strategy: Strategy) -> None:
        runner = HostRunner(self.state, host, strategy)
        try:
            await runner.run_nodes(nodes)
        except FailedWithOthers as failure:
            # failed along with another host, outside any rescue: it just stops
            if isinstance(failure, FailedRunOnce):
                self.ctx.stats.failed_silently(host.name)
        except TaskFailed:
            runner.status.failed = True
            self.state.check_fail_percentage()
        except HostUnreachable:
            runner.status.unreachable = True
            self.state.check_fail_percentage()
        except EndHost:
            runner.status.ended = True
        except (EndPlay, EndBatch):
            pass
        finally:
            strategy.leave(host.name)
            self.state.host_done(host.name)
            self._refresh_play_hosts()

    def _play_batch(self, batch: list[Host]) -> list[str]:
        """ansible_play_batch: the batch's hosts still in the play."""
        return [
            h.name for h in self.state.active(batch) if not self.state.statuses[h.name].failed_along
        ]

    def _refresh_play_hosts(self) -> None:
        magic = self.ctx.variables.play_magic
        active = self._play_batch(self.state.batch)
        for key in ("ansible_play_batch", "play_hosts"):
            magic[key] = active
        magic["ansible_play_hosts"] = self._play_hosts_left()

    def _play_hosts_left(self) -> list[str]:
        """ansible_play_hosts: the play's hosts (every batch) that have not failed,
        in this play or an earlier one; a host ended (meta: end_host) is out of its own
        batch only, as in ansible-core."""
        dead = self.ctx.dead_hosts
        batch = {h.name for h in self.state.batch}
        return [
            name
            for name in self.state.play_hosts
            if name not in dead and not self._out_of_play(name, name in batch)
        ]

    def _out_of_play(self, name: str, in_batch: bool) -> bool:
        status = self.state.statuses.get(name)
        if status is None:
            return False
        return (
            status.failed
            or status.unreachable
            or status.failed_along
            or (status.ended and in_batch)
        )

    async def _flush_handlers(self, batch: list[Host]) -> None:
        force = self.ctx.options.force_handlers or self.play.keywords.get("force_handlers") is True
        hosts = [
            h
            for h in batch
            if self.state.host_status(h.name).notified
            and (force or not PlayState._done(self.state.host_status(h.name)))
        ]
        if not hosts or not self.play.handlers:
            return
        strategy = make_strategy(
            "linear", [h.name for h in hosts], self._announce, lambda: self.state.aborted
        )

        async def one(host: Host) -> None:
            runner = HostRunner(self.state, host, strategy)
            try:
                await run_handlers(self.state, runner)
            except TaskFailed:
                runner.status.failed = True
                self.state.check_fail_percentage()
            except HostUnreachable:
                runner.status.unreachable = True
                self.state.check_fail_percentage()
            except (EndHost, EndPlay, EndBatch):
                pass
            finally:
                strategy.leave(host.name)

        await asyncio.gather(*(one(h) for h in hosts))


def _vars_file_contents(data: Any, path: str) -> dict[str, Any]:
    """A vars file holds a mapping, or a list of mappings (merged in order)."""
    if data is None:
        return {}
    if isinstance(data, dict):
        return data
    if isinstance(data, list) and all(isinstance(item, dict) for item in data):
        merged: dict[str, Any] = {}
        for item in data:
            merged.update(item)
        return merged
    origin = getattr(data, "origin", None) or Origin(path, 1)
    if isinstance(data, SourceList):  # at the first item that is not a mapping
        bad = [
            o
            for item, o in zip(data, data.item_origins, strict=False)
            if not isinstance(item, dict)
        ]
        origin = bad[0] if bad else origin
    raise ParseError(
        "Invalid variable file contents.",
        origin,
        example="Variable files must contain either a dictionary of variables, "
        "or a list of dictionaries.",
    )
