"""systemd, systemd_service and service end to end.

The failure when systemd does not run is tested for real, with this host's
own ``systemctl`` (CI runs in a container where systemd is not PID 1). The
state changes are tested against stand-ins, because CI has no systemd: a
small ``systemctl`` (and ``service``) shell script put first on ``PATH``
through the play's ``environment:``; it records each argv in a file and
answers ``show``, ``is-enabled`` and ``status`` from a state directory, so
the tests check which commands the module ran, in which order, and that
check mode runs none of the changing ones.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from typing import Any

import pytest
from modtools import Project

FAKE_SYSTEMCTL = r"""#!/bin/sh
# Stand-in for systemctl (CI has no systemd): logs argv, keeps state in files.
d="$T/sd"
mkdir -p "$d"
echo "$*" >> "$d/argv.log"
words=""
for a in "$@"; do case "$a" in --*) ;; *) words="$words $a";; esac; done
set -- $words
cmd="$1"; unit="$2"
active=$(cat "$d/active" 2>/dev/null || echo inactive)
enabled=$(cat "$d/enabled" 2>/dev/null || echo disabled)
case "$cmd" in
  show)
    case "$unit" in nosuch*)
      printf 'Id=%s\nLoadState=not-found\nActiveState=inactive\n' "$unit"; exit 0;;
    esac
    printf 'Id=%s\nLoadState=loaded\nActiveState=%s\nSubState=running\nUnitFileState=%s\nExecStart={ path=/bin/true ; argv[]=/bin/true ;\n  ignore_errors=no }\nDescription=Stand-in unit\n' "$unit" "$active" "$enabled";;
  start|restart|reload) echo active > "$d/active";;
  stop) echo inactive > "$d/active";;
  is-enabled) echo "$enabled"; [ "$enabled" = enabled ];;
  enable) echo enabled > "$d/enabled";;
  disable|unmask) echo disabled > "$d/enabled";;
  mask) echo masked > "$d/enabled";;
  daemon-reload|daemon-reexec) ;;
  *) echo "unknown command $cmd" >&2; exit 1;;
esac
"""

FAKE_SERVICE = r"""#!/bin/sh
# Stand-in for service(8) driving an init script (no such script on CI).
echo "$*" >> "$T/sv.log"
case "$1" in lpdemo) ;; *) echo "$1: unrecognized service" >&2; exit 1;; esac
case "$2" in
  status) [ -f "$T/sv.run" ] && { echo running; exit 0; }; echo "not running"; exit 3;;
  start|reload) touch "$T/sv.run";;
  stop) rm -f "$T/sv.run";;
esac
"""

SYSTEMD_RUNS = os.path.isdir("/run/systemd/system")


def _play(project: Project, tasks: str) -> None:
    project.write("bin/systemctl", FAKE_SYSTEMCTL, mode=0o755)
    project.write("bin/service", FAKE_SERVICE, mode=0o755)
    body = (
        "- hosts: localhost\n"
        "  gather_facts: false\n"
        "  environment:\n"
        f'    PATH: "$T/bin:{os.environ.get("PATH", "/usr/bin:/bin")}"\n'
        "  tasks:\n"
    )
    project.write("site.yml", body + textwrap.indent(textwrap.dedent(tasks).strip("\n"), "    "))


def _argv(project: Project) -> list[str]:
    log = project.path("sd/argv.log")
    return log.read_text().splitlines() if log.exists() else []


def test_state_changes_against_a_stand_in_systemctl(project: Project) -> None:
    """Stand-in systemctl (CI has no systemd): start, enable, restart, stop, mask, in order."""
    _play(
        project,
        """
        - name: start
          systemd: {name: myapp, state: started}
          register: started
        - name: start again
          ansible.builtin.systemd_service: {name: myapp, state: started}
        - name: enable
          systemd: {name: myapp, enabled: true, daemon_reload: true}
          register: enabled
        - name: restart
          systemd: {name: myapp, state: restarted}
          register: restarted
        - name: reload
          systemd: {name: myapp, state: reloaded}
        - name: stop and disable
          systemd: {name: myapp, state: stopped, enabled: false}
          register: stopped
        - name: mask
          systemd: {name: myapp, masked: true}
        - name: missing unit
          systemd: {name: nosuchunit, state: started}
          ignore_errors: true
        - name: generic service on systemd
          service: {name: myapp, state: started, use: systemd}
        - name: user scope, no block
          systemd: {name: myapp, state: stopped, scope: user, no_block: true}
        """,
    )
    run = project.run()
    assert run.rc == 0, run.output
    first = run.result("start")
    assert run.status("start") == "changed"
    assert first["name"] == "myapp"
    assert first["state"] == "started"
    # status is the unit as found, before the change; multi-line values kept whole
    assert first["status"]["ActiveState"] == "inactive"
    assert first["status"]["ExecStart"] == (
        "{ path=/bin/true ; argv[]=/bin/true ;\n  ignore_errors=no }"
    )
    assert run.status("start again") == "ok"
    assert run.result("enable")["enabled"] is True
    assert run.status("enable") == "changed"
    assert run.result("restart")["state"] == "started"
    assert run.status("reload") == "changed"
    assert run.result("stop and disable")["enabled"] is False
    assert run.result("stop and disable")["state"] == "stopped"
    assert run.status("mask") == "changed"
    assert run.result("missing unit")["msg"] == (
        "Could not find the requested service nosuchunit: host"
    )
    assert run.status("generic service on systemd") == "changed"
    assert _argv(project) == [
        "show myapp",
        "start myapp",
        "show myapp",
        "daemon-reload",
        "show myapp",
        "is-enabled myapp -l",
        "enable myapp",
        "show myapp",
        "restart myapp",
        "show myapp",
        "reload myapp",
        "show myapp",
        "is-enabled myapp -l",
        "disable myapp",
        "stop myapp",
        "show myapp",
        "is-enabled myapp",
        "mask myapp",
        "show nosuchunit",
        "show myapp",
        "start myapp",
        "--user --no-block show myapp",
        "--user --no-block stop myapp",
    ]


def test_check_mode_runs_no_changing_command(project: Project) -> None:
    """Stand-in systemctl (CI has no systemd): -C reports the change, runs only queries."""
    _play(
        project,
        """
        - name: start
          systemd: {name: myapp, state: started, enabled: true, daemon_reload: true}
        - name: restart
          service: {name: myapp, state: restarted, use: systemd}
        """,
    )
    run = project.run("-C")
    assert run.rc == 0, run.output
    assert run.status("start") == "changed"
    assert run.result("start")["enabled"] is True
    assert run.status("restart") == "changed"
    assert _argv(project) == ["show myapp", "is-enabled myapp -l", "show myapp"]


def test_service_without_systemd_uses_the_init_script(project: Project) -> None:
    """Stand-in service(8) (CI has no init scripts to spare): status, start, stop+start."""
    if SYSTEMD_RUNS:
        pytest.skip("systemd runs here: service would use it")
    _play(
        project,
        """
        - name: start
          service: {name: lpdemo, state: started}
        - name: start again
          service: {name: lpdemo, state: started}
        - name: restart
          service: {name: lpdemo, state: restarted}
          register: restarted
        - name: stop in check mode
          service: {name: lpdemo, state: stopped}
          check_mode: true
          register: would_stop
        - name: stop
          service: {name: lpdemo, state: stopped, use: sysvinit}
        - name: unknown
          service: {name: nosuchsvc, state: started}
          ignore_errors: true
        """,
    )
    run = project.run()
    assert run.rc == 0, run.output
    started = run.result("start")
    started.pop("failed", None)
    assert started == {"changed": True, "name": "lpdemo", "state": "started"}
    assert run.status("start again") == "ok"
    assert run.result("restart")["state"] == "started"
    assert run.result("stop in check mode")["msg"] == "service state changed"
    assert run.status("stop") == "changed"
    assert not project.path("sv.run").exists()
    assert run.result("unknown")["msg"] == "Could not find the requested service nosuchsvc: host"
    log = project.path("sv.log").read_text().splitlines()
    assert log[:3] == ["lpdemo status", "lpdemo status", "lpdemo start"]
    assert "lpdemo stop" in log and log[-1].startswith("nosuchsvc")


@pytest.mark.skipif(SYSTEMD_RUNS, reason="systemd runs on this host")
@pytest.mark.skipif(shutil.which("systemctl") is None, reason="no systemctl here")
def test_systemd_not_running_fails_with_systemctls_message(project: Project) -> None:
    """For real: this host's systemctl, without systemd as PID 1 (as on CI)."""
    project.play(
        """
        - name: start
          systemd: {name: cron, state: started}
          ignore_errors: true
        - name: reload daemon
          systemd_service: {daemon_reload: true}
          ignore_errors: true
        - name: start async
          systemd: {name: cron, state: started}
          async: 30
          poll: 1
          ignore_errors: true
        - name: nothing to do
          systemd:
        """
    )
    run = project.run()
    assert run.rc == 0, run.output
    result = run.result("start")
    assert result["msg"].startswith(
        "System has not been booted with systemd as init system (PID 1). Can't operate."
    )
    assert result["rc"] == 1
    assert result["cmd"] == shutil.which("systemctl")
    assert "Failed to connect to bus" in result["stderr"]
    assert run.result("reload daemon")["msg"].startswith(
        "failure 1 during daemon-reload: System has not been booted"
    )
    assert run.result("start async")["msg"] == result["msg"]
    nothing = run.result("nothing to do")
    nothing.pop("failed", None)
    assert nothing == {"changed": False, "name": None, "status": {}}


def test_name_is_required_with_state(project: Project) -> None:
    project.play(
        """
        - name: no name
          systemd: {state: started}
          ignore_errors: true
        """
    )
    run = project.run()
    assert run.result("no name")["msg"] == "missing parameter(s) required by 'state': name"


@pytest.mark.ssh
def test_over_ssh_with_async(project: Project, ssh_server: Any) -> None:
    """Over the loopback sshd, as a job: the modules travel in the agent bundle.

    systemd runs against the stand-in systemctl (CI has no systemd); apt is real.
    """
    ssh_server.write_inventory(project.path("hosts.ini"), count=1)
    project.write("bin/systemctl", FAKE_SYSTEMCTL, mode=0o755)
    project.write(
        "site.yml",
        f"""
        - hosts: fleet
          gather_facts: false
          environment:
            PATH: "$T/bin:{os.environ.get("PATH", "/usr/bin:/bin")}"
          tasks:
            - name: start
              systemd: {{name: myapp, state: started}}
              async: 60
              poll: 1
            - name: start again
              systemd: {{name: myapp, state: started}}
            - name: coreutils
              apt: {{name: coreutils}}
              when: {bool(shutil.which("apt-get"))}
        """,
    )
    run = project.run("-i", "hosts.ini")
    assert run.rc == 0, run.output
    assert run.status("start") == "changed"
    assert run.status("start again") == "ok"
    assert run.status("coreutils") in ("ok", "skipped")
    assert _argv(project)[:3] == ["show myapp", "start myapp", "show myapp"]
