"""Run parsed playbooks end to end and return ansible-playbook's exit code."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from longplay.executor.connection import ConnectionPool
from longplay.executor.play_runner import PlayRunner
from longplay.executor.state import RunContext, RunOptions
from longplay.variables import VariableManager

if TYPE_CHECKING:
    from longplay.inventory import Inventory
    from longplay.output.base import Output
    from longplay.playbook.model import Playbook


#: seconds to wait for connections to close after the recap
CLOSE_TIMEOUT = 0.2


class PlaybookRunner:
    """Owns the run: variables, connections, stats; plays run in order."""

    def __init__(
        self,
        playbooks: list[Playbook],
        inventory: Inventory,
        extra_vars: dict[str, object],
        options: RunOptions,
        output: Output,
        connections: ConnectionPool | None = None,
    ) -> None:
        """``connections``: a pool already holding warm connections (see
        :mod:`longplay.executor.warmup`); by default an empty one."""
        self.playbooks = playbooks
        playbook_dir = playbooks[0].basedir if playbooks else "."
        variables = VariableManager(
            inventory,
            dict(extra_vars),
            playbook_dir,
            check_mode=options.check,
            diff=options.diff,
            verbosity=options.verbosity,
        )
        self.context = RunContext(
            options=options,
            inventory=inventory,
            variables=variables,
            output=output,
            connections=(
                ConnectionPool(log=output.connection_log) if connections is None else connections
            ),
        )

    async def run(self) -> int:
        context = self.context
        try:
            for playbook in self.playbooks:
                context.output.playbook_start(playbook.path)
                if playbook.given_path:
                    context.output.debug(2, f"{len(playbook.plays)} plays in {playbook.given_path}")
                context.variables.playbook_dir = playbook.basedir
                for play in playbook.plays:
                    if context.halted:
                        break
                    await PlayRunner(context, play).run()
            context.output.recap(context.stats)
            wanted = context.options.start_at_task
            if wanted and not context.start_reached:  # said after the recap, as ansible-core
                context.output.error(
                    f'No matching task "{wanted}" found. Note: --start-at-task can only '
                    "follow static includes."
                )
        finally:
            # Agents end when their pipe closes; no need to wait for each one.
            try:
                await asyncio.wait_for(context.connections.close(graceful=False), CLOSE_TIMEOUT)
            except asyncio.TimeoutError:
                pass
        return context.stats.exit_code()

    def prepare_plays(self) -> None:
        """Every play made ready as for running, without running anything (for
        --syntax-check and the listings): a play whose name or hosts do not render stops."""
        for playbook in self.playbooks:
            self.context.variables.playbook_dir = playbook.basedir
            for play in playbook.plays:
                PlayRunner(self.context, play).prepare()

    def run_sync(self) -> int:
        return asyncio.run(self.run())
