"""copy end to end: controller files, trees, content, big files, check and diff mode."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from modtools import Project, leftover_tmp, mode_of, tree


def test_copy_file_from_files_dir(project: Project) -> None:
    project.write("files/motd", "hello\n")
    project.play(
        """
        - name: copy motd
          copy: {src: motd, dest: $T/out/motd, mode: "0640"}
          register: r
        - name: check keys
          assert:
            that:
              - r.checksum == "f572d396fae9206628714fb2ce00f72e94f2258f"
              - r.md5sum == "b1946ac92492d2347c6235b4d2611184"
              - r.dest == "$T/out/motd"
              - r.mode == "0640"
              - r.size == 6
              - r.state == "file"
        """
    )
    project.path("out").mkdir()
    first = project.run()
    assert first.rc == 0, first.output
    assert first.status("copy motd") == "changed"
    assert project.path("out/motd").read_text() == "hello\n"
    assert mode_of(project.path("out/motd")) == "0640"
    second = project.run()
    assert second.status("copy motd") == "ok"
    assert second.recap()["changed"] == 0


def test_copy_content_check_and_diff(project: Project) -> None:
    project.play(
        """
        - name: write content
          copy: {content: "new text\\n", dest: $T/conf.txt}
        """
    )
    project.write("conf.txt", "old text\n")
    checked = project.run("-C", "-D")
    assert checked.status("write content") == "changed"
    assert project.path("conf.txt").read_text() == "old text\n"
    diff = checked.result("write content")["diff"]
    assert diff[0]["before"] == "old text\n"
    assert diff[0]["after"] == "new text\n"
    applied = project.run("-D")
    assert applied.status("write content") == "changed"
    assert project.path("conf.txt").read_text() == "new text\n"
    assert project.run().status("write content") == "ok"


def test_copy_directory_itself_and_its_contents(project: Project) -> None:
    project.write("files/site/index.html", "<h1>hi</h1>\n")
    project.write("files/site/css/main.css", "body {}\n")
    project.path("files/site/empty").mkdir()
    project.play(
        """
        - name: the directory itself
          copy: {src: site, dest: $T/a/}
        - name: only its contents
          copy: {src: site/, dest: $T/b/deeper}
        """
    )
    checked = project.run("-C")
    assert checked.rc == 0, checked.output
    assert checked.status("the directory itself") == "changed"
    assert not project.path("a").exists() and not project.path("b").exists()
    first = project.run()
    assert first.rc == 0, first.output
    assert tree(project.path("a/site")) == {
        "css/": "0o755",
        "css/main.css": "body {}\n",
        "empty/": "0o755",
        "index.html": "<h1>hi</h1>\n",
    }
    assert tree(project.path("b/deeper")) == tree(project.path("a/site"))
    second = project.run()
    assert second.recap()["changed"] == 0
    project.path("b/deeper/index.html").write_text("tampered\n")
    third = project.run()
    assert third.status("only its contents") == "changed"
    assert third.status("the directory itself") == "ok"
    assert project.path("b/deeper/index.html").read_text() == "<h1>hi</h1>\n"


def test_copy_directory_diff_lists_each_file(project: Project) -> None:
    project.write("files/conf/a.conf", "a=1\n")
    project.write("files/conf/b.conf", "b=2\n")
    project.play("- name: tree\n  copy: {src: conf/, dest: $T/etc}")
    run = project.run("-D")
    diffs = run.result("tree")["diff"]
    assert sorted(d["after"] for d in diffs) == ["a=1\n", "b=2\n"]


def test_copy_large_file_is_uploaded_in_chunks_and_only_when_different(
    project: Project,
) -> None:
    data = os.urandom(1024) * 2600  # 2.5 MiB: several transfer chunks
    source = project.path("files/blob.bin")
    source.parent.mkdir(parents=True)
    source.write_bytes(data)
    project.play(
        """
        - name: big copy
          copy: {src: blob.bin, dest: $T/out/, mode: "0600"}
          register: r
        """
    )
    project.path("out").mkdir()
    checked = project.run("-C")
    assert checked.status("big copy") == "changed"
    assert not project.path("out/blob.bin").exists()
    first = project.run()
    assert first.status("big copy") == "changed", first.output
    copied = project.path("out/blob.bin")
    assert copied.read_bytes() == data
    assert mode_of(copied) == "0600"
    assert first.result("big copy")["checksum"] == hashlib.sha1(data).hexdigest()
    second = project.run()
    assert second.status("big copy") == "ok"
    copied.chmod(0o644)
    third = project.run()
    assert third.status("big copy") == "changed"  # mode only
    assert mode_of(copied) == "0600"
    assert leftover_tmp() == []


def test_copy_mode_preserve_backup_and_force(project: Project) -> None:
    project.write("files/run.sh", "#!/bin/sh\necho hi\n", mode=0o750)
    project.write("existing.txt", "keep me\n")
    project.write("files/other.txt", "replacement\n")
    project.play(
        """
        - name: preserve
          copy: {src: run.sh, dest: $T/run.sh, mode: preserve}
        - name: no force
          copy: {src: other.txt, dest: $T/existing.txt, force: false}
        - name: backup
          copy: {content: "v2\\n", dest: $T/versioned.txt, backup: true}
          register: b
        """
    )
    project.write("versioned.txt", "v1\n")
    run = project.run()
    assert run.rc == 0, run.output
    assert mode_of(project.path("run.sh")) == "0750"
    assert project.path("existing.txt").read_text() == "keep me\n"
    assert run.status("no force") == "ok"
    backup = run.result("backup")["backup_file"]
    assert Path(backup).read_text() == "v1\n"


def test_copy_validate_failure_leaves_dest(project: Project) -> None:
    project.write("files/bad.conf", "broken\n")
    project.write("app.conf", "good\n")
    project.play(
        "- name: validated\n  copy: {src: bad.conf, dest: $T/app.conf, validate: 'false %s'}"
    )
    run = project.run()
    assert run.rc == 2
    assert run.result("validated")["msg"] == "failed to validate"
    assert project.path("app.conf").read_text() == "good\n"


def test_copy_remote_src(project: Project) -> None:
    project.write("here/data.txt", "on the host\n")
    project.play(
        "- name: remote\n  copy: {src: $T/here/data.txt, dest: $T/there.txt, remote_src: true}"
    )
    assert project.run().status("remote") == "changed"
    assert project.path("there.txt").read_text() == "on the host\n"
    assert project.run().status("remote") == "ok"


def test_copy_missing_src_names_the_places_searched(project: Project) -> None:
    project.play("- name: missing\n  copy: {src: nowhere.txt, dest: $T/x}")
    run = project.run()
    assert run.rc == 2
    msg = run.result("missing")["msg"]
    # ansible-core's wording and list: the task file's directory, then the playbook's
    # (the same here, listed twice)
    searched = f"{project.root}/files/nowhere.txt\n\t{project.root}/nowhere.txt"
    assert msg == (
        "Unexpected AnsibleActionFail error: Could not find or access 'nowhere.txt'\n"
        f"Searched in:\n\t{searched}\n\t{searched} on the Ansible Controller.\n"
        "If you are using a module and expect the file to exist on the remote, "
        "see the remote_src option"
    )


def test_copy_bad_input(project: Project) -> None:
    project.play(
        """
        - name: no source
          copy: {dest: $T/x}
          ignore_errors: true
        - name: both sources
          copy: {src: a, content: b, dest: $T/x}
          ignore_errors: true
        - name: content into a directory
          copy: {content: b, dest: $T/}
          ignore_errors: true
        - name: unknown option
          copy: {content: b, dest: $T/x, colour: red}
          ignore_errors: true
        - name: missing parent
          copy: {content: b, dest: $T/no/such/dir/x}
          ignore_errors: true
        """
    )
    run = project.run()
    assert run.result("no source")["msg"] == "src (or content) is required"
    assert run.result("both sources")["msg"] == "src and content are mutually exclusive"
    assert "can not use content with a dir as dest" in run.result("content into a directory")["msg"]
    assert "Unsupported parameters for (copy) module: colour" in run.result("unknown option")["msg"]
    assert "does not exist" in run.result("missing parent")["msg"]
    assert not project.path("x").exists()


def test_copy_and_template_report_src_path_and_diff_as_ansible_core(project: Project) -> None:
    """Written: ``src`` names a temporary file on the host; unchanged: ``path``; check
    mode: only that it would change; ``diff`` is always registered."""
    project.write("templates/t.j2", "v={{ 1 }}\n")
    project.play(
        """
        - name: content
          copy: {content: "x\\n", dest: $T/c.txt}
        - name: template
          template: {src: t.j2, dest: $T/t.txt}
        """
    )
    checked = project.run("-C")
    assert checked.result("content") == {"changed": True, "diff": [], "failed": False}
    written = project.run()
    for task in ("content", "template"):
        result = written.result(task)
        assert result["diff"] == [] and "path" not in result
        assert result["src"].startswith(f"{Path.home()}/.ansible/tmp/ansible-tmp-")
        assert result["src"].endswith("/.source.txt")  # after dest's extension
    again = project.run().result("template")
    assert again["path"] == again["dest"] == str(project.path("t.txt"))
    assert "src" not in again and "md5sum" not in again


def test_missing_controller_file_fails_whatever_failed_when_says(project: Project) -> None:
    """ansible-core's copy/template/script/unarchive raise on a controller file found
    nowhere: the task fails before failed_when is looked at (ignore_errors still
    applies). A module failure stays under failed_when, keeping the source checksum."""
    project.play(
        """
        - name: missing src
          copy: {src: nosuch.txt, dest: $T/out.txt}
          failed_when: false
          ignore_errors: true
        - name: missing template
          template: {src: nosuch.j2, dest: $T/out.txt}
          failed_when: false
          ignore_errors: true
        - name: no dest dir
          copy: {content: x, dest: $T/nodir/f}
          failed_when: false
        - name: fetch missing
          fetch: {src: $T/nosuch, dest: $T/fetched}
          failed_when: false
        """
    )
    run = project.run()
    assert run.rc == 0, run.output
    assert run.status("missing src") == "failed"
    assert run.result("missing src")["msg"].startswith(
        "Unexpected AnsibleActionFail error: Could not find or access 'nosuch.txt'"
    )
    assert run.status("missing template") == "failed"
    assert run.recap()["ignored"] == 2
    no_dir = run.result("no dest dir")
    assert no_dir["checksum"] == hashlib.sha1(b"x").hexdigest()
    assert no_dir["failed_when_suppressed_exception"] == "(traceback unavailable)"
    assert "failed_when_suppressed_exception" in run.result("fetch missing")
