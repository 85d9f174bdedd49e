"""script end to end: a controller script uploaded and run on the host."""

from __future__ import annotations

from modtools import Project, leftover_tmp

SCRIPT = """\
#!/bin/sh
echo "args: $*"
echo "cwd: $(pwd)"
echo "env: $GREETING"
echo "to stderr" >&2
touch "$1"
"""


def test_script_runs_with_args_chdir_and_environment(project: Project) -> None:
    project.write("files/setup.sh", SCRIPT)
    project.path("work").mkdir()
    project.play(
        """
        - name: run it
          script: setup.sh marker "two words"
          args: {chdir: $T/work, creates: $T/work/marker}
          environment: {GREETING: hi}
          register: r
        """
    )
    first = project.run()
    assert first.rc == 0, first.output
    result = first.result("run it")
    assert result["changed"] is True
    assert result["rc"] == 0
    assert result["stdout_lines"] == [
        "args: marker two words",
        f"cwd: {project.root}/work",
        "env: hi",
    ]
    assert result["stderr"] == "to stderr\n"
    assert project.path("work/marker").exists()
    second = project.run()
    assert second.status("run it") == "skipped"
    assert "matching creates option" in second.result("run it")["msg"]
    assert second.recap()["changed"] == 0


def test_script_removes_executable_and_cmd(project: Project) -> None:
    project.write("files/py.py", "import sys\nprint('python', sys.argv[1:])\n")
    project.write("files/noop.sh", "echo ran\n")
    project.play(
        """
        - name: with an interpreter
          script:
            cmd: py.py a b
            executable: python3
        - name: removes missing
          script: noop.sh
          args: {removes: $T/absent}
        """
    )
    run = project.run()
    assert run.rc == 0, run.output
    assert run.result("with an interpreter")["stdout"] == "python ['a', 'b']\n"
    assert run.status("removes missing") == "skipped"


def test_script_check_mode_does_not_run(project: Project) -> None:
    project.write("files/touch.sh", "#!/bin/sh\ntouch $1\n")
    project.play(f"- {{name: touch, script: touch.sh {project.root}/made}}")
    run = project.run("-C")
    assert run.status("touch") == "skipped"
    assert not project.path("made").exists()


def test_script_bad_input(project: Project) -> None:
    project.write("files/fail.sh", "#!/bin/sh\necho bad >&2\nexit 3\n")
    project.play(
        """
        - name: missing
          script: nowhere.sh
          ignore_errors: true
        - name: fails
          script: fail.sh
          ignore_errors: true
        - name: empty
          script: ""
          ignore_errors: true
        """
    )
    run = project.run()
    assert f"{project.root}/files/nowhere.sh" in run.result("missing")["msg"]
    failed = run.result("fails")
    assert (failed["rc"], failed["msg"], failed["stderr"]) == (3, "non-zero return code", "bad\n")
    assert run.status("empty") == "failed"
    assert leftover_tmp() == []
