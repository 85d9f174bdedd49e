#!/usr/bin/env python3
"""Time longplay against ansible-core (and Mitogen) on the same playbooks, in one run.

Usage::

    .venv/bin/python bench/run.py [--scenario NAME]... [--repeat N] [--markdown] [--full]

ansible-core and mitogen are installed into ``.bench/refenv`` (created on
first use, never the project's virtualenv). SSH scenarios run against a
loopback OpenSSH server started here with generated keys. Every run's exit
status and PLAY RECAP are checked; a broken run is reported as broken, never
as a time. ``--markdown`` merges the results into ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import report, scenarios, tools
from benchlib import sshd as bench_sshd
from benchlib.measure import Expect, Run, run_command
from benchlib.scenarios import Case, Scenario

REPO = Path(__file__).resolve().parents[1]
PLAYBOOKS = REPO / "bench" / "playbooks"
WORK = tools.BENCH_DIR / "work"
DOC = REPO / "docs" / "benchmarks.md"

METHOD = """\
longplay against ansible-core, and against ansible-core with the Mitogen
strategy, on the same playbooks in the same run of `bench/run.py`. **Machines
are noisy** (the numbers below come from a shared 2-CPU VM with other work
running): absolute times move from run to run, the ratios between tools
measured side by side are what count.

## How to run

```sh
make bench                                   # all scenarios, 3 timed runs each
.venv/bin/python bench/run.py --scenario ssh --repeat 5
.venv/bin/python bench/run.py --markdown     # also update this file
.venv/bin/python bench/run.py --full         # include the slow ansible-core runs
```

The first run creates `.bench/refenv` (git-ignored) with `ansible-core` and
`mitogen` from PyPI, about 10 s; nothing goes into the project's virtualenv.
Playbooks are in `bench/playbooks/`, logs of the last runs in `.bench/work/`.

## Method

- Each case runs once untimed (warm-up: page cache, `.pyc` files, longplay's
  agent cache on the target), then `--repeat` times (default 3); the table
  gives the median and the range. Repeats are interleaved across the tools
  (A B C, A B C, ...) so that load changes hit every tool alike.
- Every run is checked: exit status 0 and a PLAY RECAP listing exactly the
  expected hosts, each with the expected `ok` count and no failed or
  unreachable task. The async playbooks end with an assert that every job
  returned rc 0. A run that fails the check is reported as BROKEN, not timed.
- Wall time is from process start to exit. "Controller peak RSS" is the
  `VmHWM` of the controller process itself (`/proc/PID/status`, sampled
  every 20 ms until exit), so the local agent, ssh clients and ansible-core's
  worker forks are not included.
- Same inventory for all tools, same target interpreter
  (`ansible_python_interpreter` set to an absolute path: no interpreter
  discovery for anyone), no `ansible.cfg` (`ANSIBLE_CONFIG` points to an empty
  file), no colour, output to a file. ansible-core runs with
  `ANSIBLE_PIPELINING=True`; its ControlPersist masters use a fresh
  `ANSIBLE_SSH_CONTROL_PATH_DIR` per run and are stopped after it, so no run
  reuses another's connections (cold start for every tool).
- Mitogen: `ANSIBLE_STRATEGY=mitogen_linear` and `ANSIBLE_STRATEGY_PLUGINS`
  pointing at the installed `ansible_mitogen/plugins/strategy`.
- SSH: a real OpenSSH server on a 127.0.0.1 port (`tests/ssh/loopback_sshd.py`,
  `MaxStartups 1000:30:2000`, `MaxSessions 100`, generated keys, checked host
  key); the N hosts are inventory aliases of it. Its sessions get
  `SetEnv HOME=<empty directory>`: root's `~/.bashrc` on the bench machine
  runs `pyenv init` (about 0.2 s) for every SSH channel, bash reads it for
  commands started by sshd, and that fixed per-channel cost would hide what is
  measured. Both tools' remote temporary and async directories therefore live
  under that directory.
"""


def _machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    uname = subprocess.run(["uname", "-a"], capture_output=True, text=True).stdout.strip()
    now = dt.datetime.now(dt.timezone.utc)
    return {
        "run_id": now.strftime("%Y-%m-%dT%H%MZ"),
        "date": now.strftime("%Y-%m-%d %H:%M UTC"),
        "uname": f"`{uname}`",
        "cpu": f"{os.cpu_count()} x {cpu}" if cpu else str(os.cpu_count()),
        "memory": memory,
        "load_start": "{:.2f} / {:.2f} / {:.2f}".format(*os.getloadavg()),
        "python": platform.python_version(),
        "longplay": tools.longplay_version() + _commit(),
    }


def _commit() -> str:
    """`` (commit abc1234, uncommitted changes)`` for the working tree measured."""
    head = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    if not head:
        return ""
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no", "--", "src"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return f" (commit {head}" + (", with uncommitted changes in src/)" if dirty else ")")


class Bench:
    """Runs the cases of the selected scenarios and collects their statistics."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.interpreter = tools.python_for_targets()
        self.reference: tools.RefEnv | None = None
        self.mitogen: tools.RefEnv | None = None
        self.mitogen_note = ""
        self.sshd: bench_sshd.BenchSshd | None = None
        self.sshd_dir: Path | None = None
        self.inventories: dict[str, Path] = {}
        self.empty_cfg = WORK / "empty-ansible.cfg"

    # --- set-up ---------------------------------------------------------------

    def prepare(self, selected: list[Scenario]) -> None:
        WORK.mkdir(parents=True, exist_ok=True)
        for scenario in selected:
            shutil.rmtree(WORK / scenario.name, ignore_errors=True)
        self.empty_cfg.write_text("")
        needs_ref = any(
            c.tool in (scenarios.ANSIBLE, scenarios.MITOGEN, scenarios.ANSIBLE_VERSION)
            and (self.args.full or not c.full_only)
            for s in selected
            for c in s.cases
        )
        if needs_ref:
            self.reference = tools.ensure_reference(self.args.ansible_spec, self.args.mitogen_spec)
            self.mitogen, self.mitogen_note = tools.mitogen_env(self.reference)
        local = WORK / "inventory-local.ini"
        local.write_text(
            f"localhost ansible_connection=local ansible_python_interpreter={self.interpreter}\n"
        )
        self.inventories["local"] = local

    def inventory(self, key: str) -> Path:
        if key in self.inventories:
            return self.inventories[key]
        if self.sshd is None:
            self.sshd_dir = Path(tempfile.mkdtemp(prefix="sshd-", dir=tools.BENCH_DIR))
            self.sshd = bench_sshd.start(self.sshd_dir)
        count = int(key.split(":")[1])
        path = self.sshd.write_inventory(
            WORK / f"inventory-ssh-{count}.ini", count, self.interpreter
        )
        self.inventories[key] = path
        return path

    def close(self) -> None:
        if self.sshd is not None:
            self.sshd.stop()
        if self.sshd_dir is not None and not self.args.keep:
            shutil.rmtree(self.sshd_dir, ignore_errors=True)

    # --- one run ----------------------------------------------------------------

    def _command(self, case: Case, run_dir: Path) -> tuple[list[str], dict[str, str], Expect]:
        env = tools.clean_environ()
        if case.tool == scenarios.LONGPLAY_VERSION:
            return [str(tools.LONGPLAY_BIN), "--version"], env, Expect(stdout_prefix="longplay")
        if case.tool == scenarios.ANSIBLE_VERSION:
            assert self.reference is not None
            argv = [str(self.reference.ansible_playbook), "--version"]
            return argv, env, Expect(stdout_prefix="ansible-playbook")
        inventory = self.inventory(case.inventory)
        extra = dict(case.extra_vars)
        if case.inventory == "local":
            extra["ansible_async_dir"] = str(run_dir / "async")
        playbook = str(PLAYBOOKS / case.playbook)
        options = ["-i", str(inventory), "-f", str(case.forks), "-e", json.dumps(extra)]
        if case.tool == scenarios.LONGPLAY:
            argv = [str(tools.LONGPLAY_BIN), "run", playbook, *options]
        else:
            venv = self.mitogen if case.tool == scenarios.MITOGEN else self.reference
            assert venv is not None
            argv = [str(venv.ansible_playbook), playbook, *options]
            env["ANSIBLE_CONFIG"] = str(self.empty_cfg)
            env["ANSIBLE_PIPELINING"] = "True"
            env["ANSIBLE_SSH_CONTROL_PATH_DIR"] = str(run_dir / "cp")
            env["ANSIBLE_RETRY_FILES_ENABLED"] = "False"
            if case.tool == scenarios.MITOGEN:
                if not venv.strategy_dir:
                    raise SystemExit("bench: mitogen's strategy plugins were not found")
                env["ANSIBLE_STRATEGY"] = "mitogen_linear"
                env["ANSIBLE_STRATEGY_PLUGINS"] = venv.strategy_dir
        names = tuple(
            ["localhost"]
            if case.inventory == "local"
            else [f"host{n:0{max(2, len(str(case.hosts)))}d}" for n in range(1, case.hosts + 1)]
        )
        return argv, env, Expect(hosts=names, ok=case.ok)

    def run_once(self, scenario: Scenario, case: Case, tag: str) -> Run:
        run_dir = WORK / scenario.name / case.key / tag
        run_dir.mkdir(parents=True)
        argv, env, expect = self._command(case, run_dir)
        result = run_command(argv, env, run_dir, run_dir / "run", expect, self.args.timeout)
        shutil.rmtree(run_dir / "async", ignore_errors=True)
        state = "ok" if result.ok else "BROKEN: " + "; ".join(result.problems[:3])
        rss = "" if result.peak_rss_mb is None else f", {result.peak_rss_mb:.0f} MB"
        print(
            f"  {scenario.name:10} {case.label:40} {tag:>3}  {result.seconds:7.3f} s{rss}  {state}",
            file=sys.stderr,
            flush=True,
        )
        return result

    # --- a scenario ---------------------------------------------------------------

    def run_scenario(self, scenario: Scenario) -> dict[str, Any]:
        active = [c for c in scenario.cases if self.args.full or not c.full_only]
        runs: dict[str, list[Run]] = {c.key: [] for c in active}
        broken: set[str] = set()
        if not self.args.no_warmup:
            for case in active:
                if case.warmup:
                    warm = self.run_once(scenario, case, "w")
                    if not warm.ok:
                        broken.add(case.key)
                        runs[case.key].append(warm)
        for index in range(1, self.args.repeat + 1):
            for case in active:
                if case.key in broken or (case.max_runs and index > case.max_runs):
                    continue
                if case.tool in (scenarios.LONGPLAY_VERSION, scenarios.ANSIBLE_VERSION):
                    continue
                result = self.run_once(scenario, case, str(index))
                runs[case.key].append(result)
                if not result.ok:
                    broken.add(case.key)
        for case in active:
            if case.key in broken or case.tool not in (
                scenarios.LONGPLAY_VERSION,
                scenarios.ANSIBLE_VERSION,
            ):
                continue
            for index in range(1, max(10, self.args.repeat) + 1):
                result = self.run_once(scenario, case, str(index))
                runs[case.key].append(result)
                if not result.ok:
                    broken.add(case.key)
                    break
        return self._summarise(scenario, runs, broken)

    def _summarise(
        self, scenario: Scenario, runs: dict[str, list[Run]], broken: set[str]
    ) -> dict[str, Any]:
        stats: dict[str, dict[str, Any]] = {}
        labels = {c.key: c.label for c in scenario.cases}
        for case in scenario.cases:
            entry: dict[str, Any] = {"key": case.key, "label": case.label, "tool": case.tool}
            if case.key not in runs:
                entry.update(status="skipped", reason="only with --full", median=None)
            elif case.key in broken:
                bad = next(r for r in runs[case.key] if not r.ok)
                entry.update(
                    status="broken",
                    median=None,
                    problems=bad.problems,
                    log=str(bad.stdout.relative_to(REPO)),
                    argv=shlex.join(bad.argv),
                )
            else:
                times = [r.seconds for r in runs[case.key]]
                peaks = [r.peak_rss_mb for r in runs[case.key] if r.peak_rss_mb is not None]
                entry.update(
                    status="ok",
                    runs=[round(t, 4) for t in times],
                    median=statistics.median(times),
                    rss=max(peaks) if peaks else None,
                    tree_rss=max(r.tree_rss_mb for r in runs[case.key]),
                    argv=shlex.join(runs[case.key][-1].argv),
                )
            stats[case.key] = entry
        for case in scenario.cases:
            entry = stats[case.key]
            if entry["status"] != "ok":
                continue
            entry["speedups"] = [
                (labels[ref], stats[ref]["median"] / entry["median"])
                for ref in case.compare
                if stats[ref].get("median")
            ]
            entry["goals"] = [
                (goal.describe(labels), goal.check(entry, stats)) for goal in case.goals
            ]
        for case in scenario.cases:
            entry = stats[case.key]
            if entry["status"] == "broken" and case.goals:
                entry["goals"] = [(goal.describe(labels), "broken") for goal in case.goals]
        return {
            "title": scenario.title,
            "description": scenario.description,
            "cases": [stats[c.key] for c in scenario.cases],
        }

    # --- environment for the report ------------------------------------------------

    def run_info(self, machine: dict[str, Any]) -> dict[str, Any]:
        info = dict(machine)
        info["command"] = "`" + shlex.join(["bench/run.py", *sys.argv[1:]]) + "`"
        info["load_end"] = "{:.2f} / {:.2f} / {:.2f}".format(*os.getloadavg())
        at_end = tools.longplay_version() + _commit()
        if at_end != info.get("longplay"):
            info["longplay"] = f"{info.get('longplay')} at the start, {at_end} at the end"
        info["repeat"] = f"{self.args.repeat} (+1 untimed warm-up)"
        if self.args.no_warmup:
            info["repeat"] = str(self.args.repeat)
        info["target_python"] = self.interpreter
        if self.reference is not None:
            where = self.reference.path
            if where.is_relative_to(REPO):
                where = where.relative_to(REPO)
            info["ansible"] = f"{self.reference.ansible_version} (in `{where}`)"
            info["ansible_python"] = str(self.reference.info.get("python"))
            info["mitogen"] = self.reference.mitogen_version
            info["mitogen_note"] = self.mitogen_note
        if self.sshd is not None:
            version = subprocess.run(["ssh", "-V"], capture_output=True, text=True).stderr
            home = "empty HOME via SetEnv" if self.sshd.home_override else "login HOME (no SetEnv)"
            info["sshd"] = f"{version.strip()}, loopback port, {home}"
        return info


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scenario",
        action="append",
        choices=[s.name for s in scenarios.SCENARIOS],
        help="run only this scenario (repeatable; default: all)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per case (default 3)")
    parser.add_argument(
        "--markdown", action="store_true", help=f"merge the results into {DOC.relative_to(REPO)}"
    )
    parser.add_argument(
        "--full", action="store_true", help="also run the slow ansible-core reference cases"
    )
    parser.add_argument("--no-warmup", action="store_true", help="skip the untimed first runs")
    parser.add_argument(
        "--timeout", type=float, default=900, help="seconds before a run is killed (default 900)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the sshd directory")
    parser.add_argument(
        "--ansible-spec", default="ansible-core", help="pip requirement for ansible-core"
    )
    parser.add_argument("--mitogen-spec", default="mitogen", help="pip requirement for mitogen")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = args.scenario or [s.name for s in scenarios.SCENARIOS]
    selected = [scenarios.BY_NAME[n] for n in dict.fromkeys(names)]
    machine = _machine()
    bench = Bench(args)
    results: dict[str, dict[str, Any]] = {}
    try:
        bench.prepare(selected)
        for scenario in selected:
            print(f"bench: scenario {scenario.name}", file=sys.stderr, flush=True)
            results[scenario.name] = bench.run_scenario(scenario)
    except bench_sshd.SshdUnavailable as exc:
        print(f"bench: cannot start the loopback sshd: {exc}", file=sys.stderr)
        return 1
    finally:
        bench.close()
    info = bench.run_info(machine)
    print()
    print(report.table(results))
    print()
    for key in ("uname", "cpu", "memory", "load_start", "load_end", "longplay", "ansible"):
        if info.get(key):
            print(f"{key}: {str(info[key]).strip('`')}")
    if info.get("mitogen_note"):
        print(f"mitogen: {info['mitogen_note']}")
    if args.markdown:
        run_id = str(info.pop("run_id"))
        DOC.parent.mkdir(exist_ok=True)
        order = [s.name for s in scenarios.SCENARIOS]
        report.write_markdown(DOC, run_id, info, results, order, METHOD)
        print(f"bench: wrote {DOC.relative_to(REPO)}", file=sys.stderr)
    broken = [
        f"{name}/{c['key']}"
        for name, s in results.items()
        for c in s["cases"]
        if c["status"] == "broken"
    ]
    if broken:
        print(f"bench: broken runs (see .bench/work): {', '.join(broken)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
