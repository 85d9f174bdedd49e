"""command/shell: creates and removes in check mode, as ansible-core predicts them."""

from __future__ import annotations

from modtools import Project


def test_check_mode_with_creates_predicts_the_run(project: Project) -> None:
    project.write("here", "x\n")
    project.play(
        """
        - {name: would run, shell: "echo > $T/made", args: {creates: $T/made}}
        - {name: would not run, command: "echo hi", args: {creates: $T/here}}
        - {name: plain, command: "echo hi"}
        """
    )
    run = project.run("-C")
    assert run.rc == 0, run.output
    assert run.status("would run") == "changed"
    assert run.result("would run")["msg"] == "Command would have run if not in check mode"
    assert not project.path("made").exists()
    assert run.status("would not run") == "ok"
    assert (
        run.result("would not run")["msg"]
        == f"Would not run command since '{project.path('here')}' exists"
    )
    assert run.status("plain") == "skipped"


def test_command_reports_arguments_as_written_and_chdir_first(project: Project) -> None:
    """As ansible-core: ``cmd`` shows $VARS and ~ unexpanded (they expand when run, argv
    too); a missing chdir fails before creates is looked at."""
    project.play(
        """
        - {name: vars, command: "echo $HOME ~"}
        - {name: argv, command: {argv: [echo, "$HOME"]}}
        - name: chdir
          command: pwd
          args: {chdir: $T/nowhere, creates: /}
          ignore_errors: true
        """
    )
    run = project.run()
    home = str(run.result("vars")["stdout"]).split()[0]
    assert home and home != "$HOME"
    assert run.result("vars")["cmd"] == ["echo", "$HOME", "~"]
    assert run.result("argv")["stdout"] == home
    chdir = run.result("chdir")
    assert run.status("chdir") == "failed"
    assert chdir["msg"] == "Unable to change directory before execution."
    assert (chdir["rc"], chdir["start"], chdir["stdout"]) == (None, None, "")
