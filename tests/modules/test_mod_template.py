"""template end to end: rendering with the task's variables, Jinja options, check/diff, errors."""

from __future__ import annotations

from pathlib import Path

from modtools import Project, mode_of


def test_template_renders_variables_and_is_idempotent(project: Project) -> None:
    project.write(
        "templates/app.conf.j2",
        """
        # {{ ansible_managed }}
        name={{ app_name }}
        {% for port in ports %}
        listen {{ port }}
        {% endfor %}
        upper={{ app_name | upper }}
        """,
    )
    project.play(
        """
        - name: render
          template: {src: app.conf.j2, dest: $T/app.conf, mode: "0600"}
          register: r
        - name: keys
          assert:
            that: [r.checksum is defined, r.dest == "$T/app.conf", r.mode == "0600"]
        """,
        vars={"app_name": "web", "ports": [80, 443]},
    )
    first = project.run()
    assert first.rc == 0, first.output
    assert first.status("render") == "changed"
    assert project.path("app.conf").read_text() == (
        "# Ansible managed\nname=web\nlisten 80\nlisten 443\nupper=WEB\n"
    )
    assert mode_of(project.path("app.conf")) == "0600"
    second = project.run()
    assert second.status("render") == "ok"
    assert second.recap()["changed"] == 0


def test_template_single_expression_renders_text(project: Project) -> None:
    project.write("templates/count.j2", "{{ count }}")
    project.write("templates/items.j2", "{{ items }}\n")
    project.write("templates/none.j2", "[{{ nothing }}]")
    project.play(
        """
        - {name: count, template: {src: count.j2, dest: $T/count.txt}}
        - {name: items, template: {src: items.j2, dest: $T/items.txt}}
        - {name: none, template: {src: none.j2, dest: $T/none.txt}}
        """,
        vars={"count": 42, "items": [1, "a"], "nothing": None},
    )
    run = project.run()
    assert run.rc == 0, run.output
    assert project.path("count.txt").read_text() == "42"
    assert project.path("items.txt").read_text() == "[1, 'a']\n"
    assert project.path("none.txt").read_text() == "[]"


def test_template_variables_about_the_template(project: Project) -> None:
    project.write(
        "templates/info.j2",
        """
        path={{ template_path }}
        full={{ template_fullpath }}
        dest={{ template_destpath }}
        uid={{ template_uid is string }}
        host={{ template_host | length > 0 }}
        date={{ template_run_date.year > 2000 }}
        managed={{ ansible_managed }}
        """,
    )
    project.play(
        "- {name: info, template: {src: info.j2, dest: $T/info.txt}}",
        vars={"ansible_managed": "managed by {{ tool }}", "tool": "longplay"},
    )
    run = project.run()
    assert run.rc == 0, run.output
    assert project.path("info.txt").read_text().splitlines() == [
        "path=info.j2",
        f"full={project.root}/templates/info.j2",
        f"dest={project.root}/info.txt",
        "uid=True",
        "host=True",
        "date=True",
        "managed=managed by longplay",
    ]


def test_template_jinja_options(project: Project) -> None:
    project.write(
        "templates/blocks.j2", "<% for x in xs %>\n  <% if x %>[[ x ]]<% endif %>\n<% endfor %>\n"
    )
    project.write("templates/strip.j2", "a\n    {% if true %}\nb\n    {% endif %}\nc\n")
    project.write(
        "templates/header.j2", "#jinja2: trim_blocks: False\n{% if true %}\nx\n{% endif %}\n"
    )
    project.write("templates/crlf.j2", "one\ntwo\n")
    project.play(
        """
        - name: delimiters
          template:
            src: blocks.j2
            dest: $T/blocks.txt
            block_start_string: "<%"
            block_end_string: "%>"
            variable_start_string: "[["
            variable_end_string: "]]"
            lstrip_blocks: true
        - name: lstrip
          template: {src: strip.j2, dest: $T/strip.txt, lstrip_blocks: true}
        - name: header
          template: {src: header.j2, dest: $T/header.txt}
        - name: crlf
          template: {src: crlf.j2, dest: $T/crlf.txt, newline_sequence: '\\r\\n'}
        """,
        vars={"xs": [1, 0, 2]},
    )
    run = project.run()
    assert run.rc == 0, run.output
    assert project.path("blocks.txt").read_text() == "12\n"
    assert project.path("strip.txt").read_text() == "a\nb\nc\n"
    assert project.path("header.txt").read_text() == "\nx\n"
    assert project.path("crlf.txt").read_bytes() == b"one\r\ntwo\r\n"


def test_template_check_and_diff_mode(project: Project) -> None:
    project.write("templates/v.j2", "version={{ version }}\n")
    project.write("v.txt", "version=1\n")
    project.play("- {name: bump, template: {src: v.j2, dest: $T/v.txt}}", vars={"version": 2})
    checked = project.run("-C", "-D")
    assert checked.status("bump") == "changed"
    assert project.path("v.txt").read_text() == "version=1\n"
    diff = checked.result("bump")["diff"][0]
    assert (diff["before"], diff["after"]) == ("version=1\n", "version=2\n")
    assert project.run().status("bump") == "changed"
    assert project.path("v.txt").read_text() == "version=2\n"
    assert project.run("-C").status("bump") == "ok"


def test_template_backup_and_validate(project: Project) -> None:
    project.write("templates/c.j2", "value={{ value }}\n")
    project.write("c.conf", "value=old\n")
    project.play(
        """
        - name: validated
          template: {src: c.j2, dest: $T/c.conf, validate: "grep -q value=new %s", backup: true}
          register: r
        """,
        vars={"value": "new"},
    )
    run = project.run()
    assert run.status("validated") == "changed", run.output
    assert Path(run.result("validated")["backup_file"]).read_text() == "value=old\n"
    project.play(
        """
        - name: rejected
          template: {src: c.j2, dest: $T/c.conf, validate: "grep -q value=new %s"}
        """,
        vars={"value": "other"},
    )
    rejected = project.run()
    assert rejected.rc == 2
    assert rejected.result("rejected")["msg"] == "failed to validate"
    assert project.path("c.conf").read_text() == "value=new\n"


def test_template_undefined_variable_names_variable_and_file(project: Project) -> None:
    project.write("templates/bad.j2", "ok line\nvalue={{ not_defined_anywhere }}\n")
    project.play("- {name: broken, template: {src: bad.j2, dest: $T/out.txt}}")
    run = project.run()
    assert run.rc == 2
    # worded as ansible-core 2.19: the file is named by the error report, not the message
    assert run.result("broken")["msg"] == "Task failed: 'not_defined_anywhere' is undefined"
    assert not project.path("out.txt").exists()
    human = project.run_human()
    assert (
        "[ERROR]: Task failed: 'not_defined_anywhere' is undefined\n\nTask failed.\n"
    ) in human.stdout
    assert (
        "<<< caused by >>>\n\n'not_defined_anywhere' is undefined\n"
        f"Origin: {project.root}/templates/bad.j2\n\nfatal: [localhost]: FAILED!"
    ) in human.stdout


def test_template_bad_input(project: Project) -> None:
    project.write("templates/syntax.j2", "line\n{% if %}\n")
    project.play(
        """
        - name: syntax error
          template: {src: syntax.j2, dest: $T/a}
          ignore_errors: true
        - name: missing template
          template: {src: nowhere.j2, dest: $T/a}
          ignore_errors: true
        - name: no dest
          template: {src: syntax.j2}
          ignore_errors: true
        """
    )
    run = project.run()
    syntax = run.result("syntax error")["msg"]
    assert syntax == (
        "Task failed: Syntax error in template: Expected an expression, got 'end of statement block'"
    )
    missing = run.result("missing template")["msg"]
    assert f"{project.root}/templates/nowhere.j2" in missing
    assert run.result("no dest")["msg"] == "src and dest are required"  # ansible-core's words


def test_template_large_output_is_uploaded(project: Project) -> None:
    project.write(
        "templates/big.j2", "{% for i in range(count) %}line {{ i }} {{ pad }}\n{% endfor %}"
    )
    project.play(
        "- {name: big, template: {src: big.j2, dest: $T/big.txt}}",
        vars={"count": 20000, "pad": "x" * 40},
    )
    first = project.run()
    assert first.status("big") == "changed", first.output
    text = project.path("big.txt").read_text()
    assert len(text) > 512 * 1024
    assert text.splitlines()[-1] == f"line 19999 {'x' * 40}"
    assert project.run().status("big") == "ok"
