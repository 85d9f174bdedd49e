"""stat, find and slurp end to end: reading the host, registered and used by later tasks."""

from __future__ import annotations

import base64
import hashlib
import os
import time

from modtools import Project, tree


def test_stat_reports_and_drives_later_tasks(project: Project) -> None:
    project.write("data/app.conf", "x=1\n", mode=0o640)
    project.play(
        """
        - name: stat it
          stat: {path: $T/data/app.conf, checksum_algorithm: sha256}
          register: st
        - name: stat missing
          stat: {path: $T/data/none}
          register: missing
        - name: only when present
          file: {path: $T/data/seen, state: touch}
          when: st.stat.exists and not missing.stat.exists
        """
    )
    run = project.run()
    assert run.rc == 0, run.output
    stat = run.result("stat it")["stat"]
    assert stat["exists"] and stat["isreg"] and not stat["isdir"]
    assert stat["size"] == 4
    assert stat["mode"] == "0640"
    assert stat["checksum"] == hashlib.sha256(b"x=1\n").hexdigest()
    assert stat["pw_name"] and isinstance(stat["mtime"], float)
    assert run.result("stat missing")["stat"] == {"exists": False}
    assert project.path("data/seen").exists()
    assert run.status("stat it") == "ok"
    checked = project.run("-C")
    assert checked.status("stat it") == "ok"  # stat runs in check mode too


def test_stat_bad_input(project: Project) -> None:
    project.play(
        """
        - name: no path
          stat: {}
          ignore_errors: true
        - name: bad algorithm
          stat: {path: /, checksum_algorithm: crc7}
          ignore_errors: true
        """
    )
    run = project.run()
    assert "missing required arguments: path" in run.result("no path")["msg"]
    assert "checksum_algorithm must be one of" in run.result("bad algorithm")["msg"]


def test_find_patterns_age_size_contains(project: Project) -> None:
    project.write("logs/app.log", "ERROR boom\n")
    project.write("logs/old.log", "fine\n")
    project.write("logs/sub/deep.log", "ERROR deep\n")
    project.write("logs/big.bin", "x" * 5000)
    project.write("logs/.hidden.log", "ERROR hidden\n")
    week_ago = time.time() - 8 * 86400
    os.utime(project.path("logs/old.log"), (week_ago, week_ago))
    project.play(
        """
        - name: errors
          find: {paths: $T/logs, patterns: "*.log", contains: "ERROR", recurse: true}
          register: errors
        - name: old
          find: {paths: $T/logs, patterns: '.*\\.log$', use_regex: true, age: 1w}
          register: old
        - name: big
          find: {paths: $T/logs, size: 4k}
        - name: dirs
          find: {paths: $T/logs, file_type: directory}
        - name: remove old
          file: {path: "{{ item.path }}", state: absent}
          loop: "{{ old.files }}"
        """
    )
    run = project.run()
    assert run.rc == 0, run.output
    errors = run.result("errors")
    assert sorted(os.path.basename(f["path"]) for f in errors["files"]) == ["app.log", "deep.log"]
    assert errors["matched"] == 2
    assert [f["path"] for f in run.result("old")["files"]] == [f"{project.root}/logs/old.log"]
    assert [os.path.basename(f["path"]) for f in run.result("big")["files"]] == ["big.bin"]
    assert [os.path.basename(f["path"]) for f in run.result("dirs")["files"]] == ["sub"]
    assert not project.path("logs/old.log").exists()
    second = project.run()
    assert second.status("errors") == "ok"
    assert second.recap()["changed"] == 0


def test_find_check_mode_and_bad_input(project: Project) -> None:
    project.write("d/a.txt", "a\n")
    project.play(
        """
        - name: find
          find: {paths: $T/d}
        - name: bad age
          find: {paths: $T/d, age: soon}
          ignore_errors: true
        - name: missing dir
          find: {paths: $T/none}
        """
    )
    before = tree(project.root)
    run = project.run("-C")
    assert run.result("find")["matched"] == 1
    assert run.status("bad age") == "failed"
    assert "age" in run.result("bad age")["msg"]
    assert run.result("missing dir")["matched"] == 0
    assert tree(project.root) == before


def test_slurp_reads_binary_and_bad_input(project: Project) -> None:
    data = bytes(range(256))
    project.path("blob").write_bytes(data)
    project.play(
        """
        - name: slurp
          slurp: {src: $T/blob}
          register: s
        - name: decoded
          copy: {content: "{{ s.content | b64decode | length }}", dest: $T/len.txt}
        - name: missing
          slurp: {src: $T/none}
          ignore_errors: true
        - name: directory
          slurp: {src: $T}
          ignore_errors: true
        """
    )
    run = project.run()
    result = run.result("slurp")
    assert base64.b64decode(result["content"]) == data
    assert (result["encoding"], result["source"]) == ("base64", f"{project.root}/blob")
    assert run.status("slurp") == "ok"
    assert "File not found" in run.result("missing")["msg"]
    assert "directory" in run.result("directory")["msg"]
    assert project.run("-C").status("slurp") == "ok"
