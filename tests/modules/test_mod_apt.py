"""apt end to end on this Debian host, offline: real apt-get, apt-cache and dpkg-query.

Nothing here changes the machine: tasks either find the package state already
as asked (an installed package ``present``, a missing one ``absent``) or run
in check mode, where apt-get only simulates. Each check-mode test proves it by
reading dpkg's database before and after. The package lists already on the
host are used as they are (no ``apt-get update``, no network).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from modtools import Project

pytestmark = pytest.mark.skipif(
    shutil.which("apt-get") is None or shutil.which("dpkg-query") is None,
    reason="needs a Debian host with apt-get and dpkg-query",
)

#: the package the deb test builds, installs and purges
DUMMY = "longplay-apt-test-dummy"


def _installed(package: str) -> bool:
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True
    )
    return done.returncode == 0 and done.stdout.endswith(" installed")


def _candidate(package: str) -> str | None:
    out = subprocess.run(["apt-cache", "policy", package], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.strip().startswith("Candidate:"):
            value = line.split(":", 1)[1].strip()
            return None if value == "(none)" else value
    return None


def _dpkg_state() -> str:
    """Every package's name, version and status (the dummy of the deb test left out)."""
    out = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package} ${Version} ${Status}\n"],
        capture_output=True,
        text=True,
    ).stdout
    lines = [line for line in out.splitlines() if not line.startswith(DUMMY + " ")]
    return hashlib.sha1("\n".join(lines).encode()).hexdigest()


def _build_deb(root: Path) -> Path:
    """A tiny package with no dependencies, built here with dpkg-deb."""
    tree = root / "debsrc"
    (tree / "DEBIAN").mkdir(parents=True)
    (tree / "DEBIAN" / "control").write_text(
        f"Package: {DUMMY}\nVersion: 1.0-1\nArchitecture: all\n"
        "Maintainer: longplay tests <tests@example.invalid>\n"
        "Description: longplay apt test package\n"
    )
    doc = tree / "usr" / "share" / "doc" / DUMMY
    doc.mkdir(parents=True)
    (doc / "README").write_text("installed by longplay's apt test\n")
    deb = root / f"{DUMMY}_1.0-1_all.deb"
    subprocess.run(["dpkg-deb", "--build", str(tree), str(deb)], check=True, capture_output=True)
    return deb


@pytest.fixture
def absent_package() -> str:
    """A package the local lists know of and that is not installed."""
    for name in ("hello", "cowsay", "sl", "figlet"):
        if not _installed(name) and _candidate(name):
            return name
    pytest.skip("no known-but-not-installed package in this host's apt lists")


def test_present_for_an_installed_package_is_ok(project: Project) -> None:
    project.play(
        """
        - name: present
          apt: {name: coreutils, state: present}
          register: r
        - name: list and comma string
          apt:
            name: [coreutils, sed]
        - name: comma
          apt: name=coreutils,sed state=present
        - name: no package at all
          apt:
        """
    )
    run = project.run()
    assert run.rc == 0, run.output
    result = run.result("present")
    assert run.status("present") == "ok"
    assert result["changed"] is False
    assert result["cache_updated"] is False
    assert isinstance(result["cache_update_time"], int)
    assert run.status("list and comma string") == "ok"
    assert run.status("comma") == "ok"
    assert run.result("no package at all")["cache_updated"] is False
    assert run.recap()["changed"] == 0


def test_absent_for_a_package_that_is_not_installed_is_ok(
    project: Project, absent_package: str
) -> None:
    project.play(
        f"""
        - name: absent
          apt: {{name: {absent_package}, state: absent, purge: true}}
        """
    )
    run = project.run()
    assert run.rc == 0, run.output
    assert run.status("absent") == "ok"
    assert run.result("absent")["changed"] is False


def test_check_mode_install_reports_the_change_and_installs_nothing(
    project: Project, absent_package: str
) -> None:
    before = _dpkg_state()
    project.play(
        f"""
        - name: install
          apt: {{name: "{absent_package}", state: present}}
          register: r
        - name: latest of an installed one
          apt: {{name: coreutils, state: latest}}
        """
    )
    run = project.run("-C")
    assert run.rc == 0, run.output
    result = run.result("install")
    assert run.status("install") == "changed"
    assert f"Inst {absent_package} " in result["stdout"]
    assert "Conf " in result["stdout"]
    assert result["stdout_lines"][0] == "Reading package lists..."
    assert result["cache_updated"] is False
    assert not _installed(absent_package)
    assert _dpkg_state() == before


def test_check_mode_pins_and_globs(project: Project, absent_package: str) -> None:
    candidate = _candidate(absent_package)
    project.play(
        f"""
        - name: pinned
          apt: {{name: "{absent_package}={candidate}"}}
          register: pinned
        - name: missing version
          apt: {{name: "{absent_package}=0.0.0-nosuch"}}
          ignore_errors: true
        - name: glob
          apt: {{name: "{absent_package}*", state: absent}}
        """
    )
    run = project.run("-C")
    assert run.rc == 0, run.output
    assert run.status("pinned") == "changed"
    assert f"Inst {absent_package} " in run.result("pinned")["stdout"]
    failed = run.result("missing version")
    assert failed["msg"] == (
        f"no available installation candidate for {absent_package}=0.0.0-nosuch"
    )
    assert run.status("glob") == "ok"  # nothing of that name is installed
    assert not _installed(absent_package)


def test_unknown_package_fails_with_ansibles_message(project: Project) -> None:
    project.play(
        """
        - name: unknown
          apt: {name: longplay-no-such-package-xyz, state: present}
        """
    )
    run = project.run()
    assert run.rc == 2, run.output
    result = run.result("unknown")
    assert result["msg"] == "No package matching 'longplay-no-such-package-xyz' is available"
    assert run.status("unknown") == "failed"


def test_dist_upgrade_in_check_mode_under_async_changes_nothing(project: Project) -> None:
    """The operators' ``upgrade: dist`` + ``update_cache`` with ``async``/``poll``, under -C."""
    before = _dpkg_state()
    lists = Path("/var/lib/apt/lists").stat().st_mtime
    project.play(
        """
        - name: upgrade
          apt:
            upgrade: dist
            update_cache: true
          async: 600
          poll: 1
          register: upgrade_result
        - name: safe upgrade
          apt: {upgrade: safe, autoremove: true}
        """
    )
    run = project.run("-C")
    assert run.rc == 0, run.output
    result = run.result("upgrade")
    assert result["msg"] == result["stdout"]
    assert "Reading package lists..." in result["stdout"]
    assert result["changed"] == ("\n0 upgraded, 0 newly installed" not in result["stdout"])
    assert run.status("safe upgrade") in ("ok", "changed")
    assert _dpkg_state() == before
    assert Path("/var/lib/apt/lists").stat().st_mtime == lists


def test_bad_arguments(project: Project) -> None:
    project.play(
        """
        - name: both
          apt: {name: coreutils, upgrade: dist}
          ignore_errors: true
        - name: missing deb
          apt: {deb: $T/nosuch.deb}
          ignore_errors: true
        """
    )
    run = project.run()
    assert run.rc == 0, run.output
    assert "mutually exclusive" in run.result("both")["msg"]
    assert run.result("missing deb")["msg"] == (
        f"Unable to install package: E:Could not open file {project.path('nosuch.deb')}"
        " - open (2: No such file or directory)"
    )


def test_deb_check_mode_then_real_install_and_purge(project: Project) -> None:
    """A local .deb: -C installs nothing; then for real, idempotent, and purged again."""
    if os.geteuid() != 0:
        pytest.skip("installing a package needs root")
    deb = _build_deb(project.root)
    project.play(
        f"""
        - name: install
          apt: {{deb: "{deb}"}}
        - name: again
          apt: {{deb: "{deb}"}}
        """
    )
    try:
        checked = project.run("-C")
        assert checked.rc == 0, checked.output
        assert checked.status("install") == "changed"
        assert (
            f"Selecting previously unselected package {DUMMY}"
            in (checked.result("install")["stdout"])
        )
        assert not _installed(DUMMY)
        run = project.run()
        assert run.rc == 0, run.output
        assert run.status("install") == "changed"
        assert f"Setting up {DUMMY} (1.0-1)" in run.result("install")["stdout"]
        assert run.status("again") == "ok"
        assert _installed(DUMMY)
        project.play(
            f"""
            - name: purge
              apt: {{name: {DUMMY}, state: absent, purge: true}}
            - name: purge again
              apt: {{name: {DUMMY}, state: absent, purge: true}}
            """,
            name="purge.yml",
        )
        purged = project.run(playbook="purge.yml")
        assert purged.rc == 0, purged.output
        assert purged.status("purge") == "changed"
        assert purged.status("purge again") == "ok"
        assert not _installed(DUMMY)
    finally:
        subprocess.run(["dpkg", "--purge", DUMMY], capture_output=True)


def test_diff_shows_apts_plan(project: Project, absent_package: str) -> None:
    """-C -D prints what apt would do (its plan and summary), not each Inst/Conf step."""
    project.play(
        f"""
        - name: install
          apt: {{name: "{absent_package}"}}
        """
    )
    run = project.run_human("-C", "-D")
    assert run.rc == 0, run.output
    assert "The following NEW packages will be installed:\n" in run.stdout
    assert re.search(r"^\d+ upgraded, [1-9]\d* newly installed", run.stdout, re.M)
    assert "Reading package lists" not in run.stdout
    assert f"Inst {absent_package}" not in run.stdout
    assert not _installed(absent_package)
