"""The benchmark scenarios: which tool runs which playbook, and the goals.

Each scenario is a list of cases. A case is one tool on one playbook and
inventory; reference cases (ansible-core, Mitogen) give the times the
longplay cases are compared with. Goals come from the project's issues
(#2, #4, #5) and are checked on the medians.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: tools: how a case is run (see run.py)
LONGPLAY = "longplay"
ANSIBLE = "ansible-core"
MITOGEN = "mitogen"
LONGPLAY_VERSION = "longplay --version"
ANSIBLE_VERSION = "ansible-playbook --version"


@dataclass(frozen=True)
class Goal:
    """One target for a case: faster than a reference, a time, or a memory limit."""

    kind: str  # "faster" | "seconds" | "rss" | "rss_delta"
    value: float
    ref: str = ""  # case key of the reference ("faster", "rss_delta")

    def describe(self, labels: dict[str, str]) -> str:
        if self.kind == "faster":
            return f"≤ 1/{self.value:g} of {labels.get(self.ref, self.ref)}"
        if self.kind == "seconds":
            return f"≤ {self.value:g} s" if self.value >= 1 else f"< {self.value * 1000:g} ms"
        if self.kind == "rss":
            return f"peak RSS < {self.value:g} MB"
        return f"peak RSS ≤ {labels.get(self.ref, self.ref)} + {self.value:g} MB"

    def check(self, stats: dict[str, Any], all_stats: dict[str, dict[str, Any]]) -> str | None:
        """'met', 'missed', or None when it cannot be judged (reference missing)."""
        if self.kind == "seconds":
            return "met" if stats["median"] <= self.value else "missed"
        if self.kind == "rss":
            rss = stats.get("rss")
            return None if rss is None else ("met" if rss < self.value else "missed")
        other = all_stats.get(self.ref)
        if not other or other.get("median") is None:
            return None
        if self.kind == "faster":
            return "met" if stats["median"] * self.value <= other["median"] else "missed"
        if stats.get("rss") is None or other.get("rss") is None:
            return None
        return "met" if stats["rss"] - other["rss"] <= self.value else "missed"


@dataclass(frozen=True)
class Case:
    """One tool on one playbook and inventory."""

    key: str
    label: str
    tool: str
    playbook: str = ""
    inventory: str = "local"  # "local" or "ssh:N" (N aliases of the loopback sshd)
    forks: int = 10
    extra_vars: dict[str, Any] = field(default_factory=dict)
    ok: int = 0  # tasks ok (or changed) per host in the recap
    goals: tuple[Goal, ...] = ()
    compare: tuple[str, ...] = ()  # reference keys to show speed-ups against
    reference: bool = False
    full_only: bool = False  # only with --full (slow reference runs)
    warmup: bool = True
    max_runs: int = 0  # cap on timed runs (0: --repeat); for runs that load the machine

    @property
    def hosts(self) -> int:
        return int(self.inventory.split(":")[1]) if self.inventory.startswith("ssh:") else 1


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    description: str
    cases: tuple[Case, ...]

    @property
    def needs_ssh(self) -> bool:
        return any(c.inventory.startswith("ssh:") for c in self.cases)


def _scenarios() -> tuple[Scenario, ...]:
    jobs10 = {"job_count": 10, "job_seconds": 2}
    jobs200 = {"job_count": 200, "job_seconds": 5}
    fleet_vars = {"ansible_timeout": 30}
    local = Scenario(
        "local",
        "20 commands on localhost",
        '`local_commands.yml`: 20 sequential `command: "true"` tasks, gather_facts off, '
        "local connection; and the CLI start-up time (`--version`).",
        (
            Case("ansible", "ansible-core", ANSIBLE, "local_commands.yml", ok=20, reference=True),
            Case(
                "longplay",
                "longplay",
                LONGPLAY,
                "local_commands.yml",
                ok=20,
                goals=(Goal("faster", 20, "ansible"),),
                compare=("ansible",),
            ),
            Case("ansible-version", "ansible-playbook --version", ANSIBLE_VERSION, reference=True),
            Case(
                "longplay-version",
                "longplay --version",
                LONGPLAY_VERSION,
                goals=(Goal("seconds", 0.150),),
                compare=("ansible-version",),
            ),
        ),
    )
    async_local = Scenario(
        "async",
        "async jobs on localhost",
        "`async_loop_until.yml`: 10 jobs of `sleep 2` launched with `poll: 0` in a loop, "
        "then waited with an `async_status` until-loop (`retries: 120`, `delay: 1`); "
        "`async_loop_wait.yml`: the same jobs waited with longplay's `async_wait`; "
        "`async_poll.yml`: one 1 s job with `poll: 5`.",
        (
            Case(
                "ansible-until",
                "ansible-core, until-loop",
                ANSIBLE,
                "async_loop_until.yml",
                extra_vars=jobs10,
                ok=3,
                reference=True,
            ),
            Case(
                "longplay-until",
                "longplay, until-loop",
                LONGPLAY,
                "async_loop_until.yml",
                extra_vars=jobs10,
                ok=3,
                goals=(Goal("seconds", 2.3),),
                compare=("ansible-until",),
            ),
            Case(
                "longplay-wait",
                "longplay, async_wait",
                LONGPLAY,
                "async_loop_wait.yml",
                extra_vars=jobs10,
                ok=3,
                goals=(Goal("seconds", 2.3),),
                compare=("ansible-until",),
            ),
            Case(
                "ansible-poll",
                "ansible-core, 1 s job, poll 5",
                ANSIBLE,
                "async_poll.yml",
                ok=2,
                reference=True,
            ),
            Case(
                "longplay-poll",
                "longplay, 1 s job, poll 5",
                LONGPLAY,
                "async_poll.yml",
                ok=2,
                goals=(Goal("seconds", 1.3),),
                compare=("ansible-poll",),
            ),
        ),
    )
    ssh = Scenario(
        "ssh",
        "10 hosts x 5 commands over SSH",
        "`ssh_commands.yml` on 10 aliases of the loopback sshd, forks 10. ansible-core with "
        "pipelining on; Mitogen is ansible-core with the `mitogen_linear` strategy.",
        (
            Case(
                "ansible",
                "ansible-core (pipelining)",
                ANSIBLE,
                "ssh_commands.yml",
                "ssh:10",
                ok=5,
                reference=True,
            ),
            Case(
                "mitogen",
                "Mitogen",
                MITOGEN,
                "ssh_commands.yml",
                "ssh:10",
                ok=5,
                reference=True,
            ),
            Case(
                "longplay",
                "longplay",
                LONGPLAY,
                "ssh_commands.yml",
                "ssh:10",
                ok=5,
                goals=(Goal("faster", 20, "ansible"), Goal("faster", 5, "mitogen")),
                compare=("ansible", "mitogen"),
            ),
        ),
    )
    ssh_async = Scenario(
        "ssh-async",
        "10 hosts x one polled async job over SSH",
        "`ssh_async_poll.yml`: one `sleep 2` job per host with `async: 60`, `poll: 1`, "
        "10 hosts, forks 10.",
        (
            Case(
                "ansible",
                "ansible-core (pipelining)",
                ANSIBLE,
                "ssh_async_poll.yml",
                "ssh:10",
                ok=2,
                reference=True,
            ),
            Case(
                "mitogen",
                "Mitogen",
                MITOGEN,
                "ssh_async_poll.yml",
                "ssh:10",
                ok=2,
                reference=True,
            ),
            Case(
                "longplay",
                "longplay",
                LONGPLAY,
                "ssh_async_poll.yml",
                "ssh:10",
                ok=2,
                goals=(Goal("seconds", 2.3),),
                compare=("ansible", "mitogen"),
            ),
        ),
    )
    fleet = Scenario(
        "fleet",
        "fleet of 100 and 500 hosts over SSH",
        "`fleet.yml` on every host: one command, one `sleep 1` job with `poll: 0`, an "
        "`async_status` until-loop (`delay: 1`), an assert. 100 aliases of the loopback sshd; "
        "longplay with forks 100, Mitogen and ansible-core with forks 50 (ansible-core only "
        "with `--full`); then longplay alone on 500 aliases with forks 500 (one timed run, no warm-up: it "
        "keeps the 2-CPU machine saturated for minutes). All fleet runs "
        "get `ansible_timeout=30` (connect timeout): one sshd on the bench machine has to "
        "accept every handshake at once.",
        (
            Case(
                "ansible",
                "ansible-core (pipelining), forks 50",
                ANSIBLE,
                "fleet.yml",
                "ssh:100",
                extra_vars=fleet_vars,
                forks=50,
                ok=4,
                reference=True,
                full_only=True,
                warmup=False,
            ),
            Case(
                "mitogen",
                "Mitogen, forks 50",
                MITOGEN,
                "fleet.yml",
                "ssh:100",
                extra_vars=fleet_vars,
                forks=50,
                ok=4,
                reference=True,
            ),
            Case(
                "longplay",
                "longplay, forks 100",
                LONGPLAY,
                "fleet.yml",
                "ssh:100",
                extra_vars=fleet_vars,
                forks=100,
                ok=4,
                goals=(Goal("faster", 3, "mitogen"),),
                compare=("ansible", "mitogen"),
            ),
            Case(
                "longplay-500",
                "longplay, 500 hosts, forks 500",
                LONGPLAY,
                "fleet.yml",
                "ssh:500",
                extra_vars=fleet_vars,
                forks=500,
                ok=4,
                goals=(Goal("rss", 300),),
                warmup=False,
                max_runs=1,
            ),
        ),
    )
    memory = Scenario(
        "memory",
        "controller memory with many jobs and big output",
        "`async_loop_until.yml` / `async_loop_wait.yml` with 200 jobs of `sleep 5` on "
        "localhost (ansible-core only with `--full`); `big_output.yml`: one polled job "
        "printing 50 MB (1 M lines of 50 bytes), compared with the same job printing 1 kB; "
        '"flat" is judged as at most 10 MB above the 1 kB run. A 200 MB run (longplay '
        "only) shows whether the growth depends on the output's size.",
        (
            Case(
                "ansible-200",
                "ansible-core, 200 jobs, until-loop",
                ANSIBLE,
                "async_loop_until.yml",
                extra_vars=jobs200,
                ok=3,
                reference=True,
                full_only=True,
                warmup=False,
            ),
            Case(
                "longplay-200-until",
                "longplay, 200 jobs, until-loop",
                LONGPLAY,
                "async_loop_until.yml",
                extra_vars=jobs200,
                ok=3,
                goals=(Goal("rss", 150),),
                compare=("ansible-200",),
            ),
            Case(
                "longplay-200-wait",
                "longplay, 200 jobs, async_wait",
                LONGPLAY,
                "async_loop_wait.yml",
                extra_vars=jobs200,
                ok=3,
                goals=(Goal("rss", 150),),
                compare=("ansible-200",),
            ),
            Case(
                "ansible-1k",
                "ansible-core, job printing 1 kB",
                ANSIBLE,
                "big_output.yml",
                extra_vars={"output_bytes": 1000},
                ok=2,
                reference=True,
            ),
            Case(
                "ansible-50m",
                "ansible-core, job printing 50 MB",
                ANSIBLE,
                "big_output.yml",
                extra_vars={"output_bytes": 50_000_000},
                ok=2,
                reference=True,
            ),
            Case(
                "longplay-1k",
                "longplay, job printing 1 kB",
                LONGPLAY,
                "big_output.yml",
                extra_vars={"output_bytes": 1000},
                ok=2,
                compare=("ansible-1k",),
            ),
            Case(
                "longplay-50m",
                "longplay, job printing 50 MB",
                LONGPLAY,
                "big_output.yml",
                extra_vars={"output_bytes": 50_000_000},
                ok=2,
                goals=(Goal("rss_delta", 10, "longplay-1k"),),
                compare=("ansible-50m",),
            ),
            Case(
                "longplay-200m",
                "longplay, job printing 200 MB",
                LONGPLAY,
                "big_output.yml",
                extra_vars={"output_bytes": 200_000_000},
                ok=2,
            ),
        ),
    )
    return (local, async_local, ssh, ssh_async, memory, fleet)


SCENARIOS: tuple[Scenario, ...] = _scenarios()
BY_NAME: dict[str, Scenario] = {s.name: s for s in SCENARIOS}
