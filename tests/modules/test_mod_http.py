"""get_url and uri end to end against a real HTTP server on loopback."""

from __future__ import annotations

import hashlib

from modtools import LoopbackServer, Project, mode_of


def test_get_url_downloads_verifies_and_is_idempotent(
    project: Project, http_server: LoopbackServer
) -> None:
    body = b"release 1.2.3\n"
    (http_server.root / "release.txt").write_bytes(body)
    sha256 = hashlib.sha256(body).hexdigest()
    project.path("downloads").mkdir()
    project.play(
        f"""
        - name: download
          get_url:
            url: {http_server.url}/release.txt
            dest: $T/downloads/release.txt
            checksum: "sha256:{sha256}"
            mode: "0640"
            headers: {{X-Token: abc}}
            timeout: 5
          register: r
        - name: into a directory
          get_url: {{url: "{http_server.url}/release.txt", dest: $T/downloads/}}
        """
    )
    first = project.run()
    assert first.rc == 0, first.output
    assert first.status("download") == "changed"
    target = project.path("downloads/release.txt")
    assert target.read_bytes() == body
    assert mode_of(target) == "0640"
    result = first.result("download")
    assert result["checksum_src"] == hashlib.sha1(body).hexdigest()
    assert result["status_code"] == 200
    second = project.run()
    assert second.recap()["changed"] == 0, second.output
    (http_server.root / "release.txt").write_bytes(b"release 1.2.4\n")
    project.play(
        f"""
        - name: forced
          get_url: {{url: "{http_server.url}/release.txt", dest: $T/downloads/release.txt, force: true}}
        """
    )
    third = project.run("-D")
    assert third.status("forced") == "changed"
    assert target.read_bytes() == b"release 1.2.4\n"


def test_get_url_file_url_and_check_mode(project: Project, http_server: LoopbackServer) -> None:
    project.write("src/data.txt", "local data\n")
    (http_server.root / "r.txt").write_text("remote\n")
    project.play(
        f"""
        - name: file url
          get_url: {{url: "file://$T/src/data.txt", dest: $T/copy.txt}}
        - name: http
          get_url: {{url: "{http_server.url}/r.txt", dest: $T/r.txt}}
        """
    )
    checked = project.run("-C")
    assert checked.status("http") == "changed"
    assert not project.path("copy.txt").exists() and not project.path("r.txt").exists()
    run = project.run()
    assert project.path("copy.txt").read_text() == "local data\n"
    assert run.status("file url") == "changed"


def test_get_url_bad_input(project: Project, http_server: LoopbackServer) -> None:
    (http_server.root / "f.txt").write_text("x\n")
    project.play(
        f"""
        - name: not found
          get_url: {{url: "{http_server.url}/missing.txt", dest: $T/a}}
          ignore_errors: true
        - name: wrong checksum
          get_url: {{url: "{http_server.url}/f.txt", dest: $T/b, checksum: "sha1:{"0" * 40}"}}
          ignore_errors: true
        - name: bad checksum syntax
          get_url: {{url: "{http_server.url}/f.txt", dest: $T/c, checksum: "nonsense"}}
          ignore_errors: true
        - name: nothing listening
          get_url: {{url: "http://127.0.0.1:1/x", dest: $T/d, timeout: 2}}
          ignore_errors: true
        """
    )
    run = project.run()
    assert run.result("not found")["status_code"] == 404
    assert "HTTP Error 404" in run.result("not found")["response"]
    assert run.status("wrong checksum") == "failed"
    assert "checksum" in run.result("wrong checksum")["msg"].lower()
    assert run.status("bad checksum syntax") == "failed"
    assert "Request failed" in run.result("nothing listening")["msg"]
    for name in "abcd":
        assert not project.path(name).exists()


def test_uri_methods_bodies_and_status(project: Project, http_server: LoopbackServer) -> None:
    (http_server.root / "page.html").write_text("<p>hi</p>\n")
    project.play(
        f"""
        - name: get json
          uri: {{url: "{http_server.url}/api/echo", headers: {{X-Token: t0k}}}}
          register: got
        - name: post json
          uri:
            url: {http_server.url}/api/echo
            method: POST
            body: {{name: web, port: 80}}
            body_format: json
            status_code: [200, 201]
          register: posted
        - name: post form
          uri:
            url: {http_server.url}/api/echo
            method: POST
            body: {{a: "1", b: "two words"}}
            body_format: form-urlencoded
          register: form
        - name: page content
          uri: {{url: "{http_server.url}/page.html", return_content: true}}
          register: page
        - name: expected error status
          uri: {{url: "{http_server.url}/status/503", status_code: 503}}
        - name: checks
          assert:
            that:
              - got.status == 200
              - got.json.method == "GET"
              - got.json.token == "t0k"
              - 'posted.json.body | from_json == {{"name": "web", "port": 80}}'
              - posted.json.content_type == "application/json"
              - form.json.body == "a=1&b=two+words"
              - page.content | trim == "<p>hi</p>"
        """
    )
    run = project.run()
    assert run.rc == 0, run.output
    assert run.status("get json") == "ok"  # a GET changes nothing
    assert run.status("checks") == "ok"


def test_uri_check_mode_and_bad_input(project: Project, http_server: LoopbackServer) -> None:
    project.play(
        f"""
        - name: post
          uri: {{url: "{http_server.url}/api/echo", method: POST, body: x}}
        - name: wrong status
          uri: {{url: "{http_server.url}/status/500"}}
          ignore_errors: true
        - name: bad body format
          uri: {{url: "{http_server.url}/api/echo", body_format: yaml}}
          ignore_errors: true
        - name: refused
          uri: {{url: "http://127.0.0.1:1/", timeout: 2}}
          ignore_errors: true
        """
    )
    checked = project.run("-C")
    assert checked.status("post") == "skipped"
    assert not any(hit.startswith("POST") for hit in http_server.hits)
    run = project.run()
    wrong = run.result("wrong status")
    assert wrong["status"] == 500
    assert "Status code was 500" in wrong["msg"]
    assert "value of body_format must be one of" in run.result("bad body format")["msg"]
    assert "Request failed" in run.result("refused")["msg"]


def test_uri_content_compared_with_an_escaped_newline(
    project: Project, http_server: LoopbackServer
) -> None:
    (http_server.root / "page.html").write_text("<p>hi</p>\n")
    project.play(
        f"""
        - name: page
          uri: {{url: "{http_server.url}/page.html", return_content: true}}
          register: page
        - name: check
          assert:
            that:
              - page.content == "<p>hi</p>\\n"
        """
    )
    run = project.run()
    assert run.status("check") == "ok", run.output


def test_uri_error_status_that_was_asked_for_keeps_the_body(
    project: Project, http_server: LoopbackServer
) -> None:
    """As ansible-core: a 4xx/5xx listed in status_code keeps the error page as ``body``
    (a JSON one goes to ``json`` instead)."""
    project.play(
        f"""
        - name: expected error
          uri: {{url: "{http_server.url}/no-such-page.html", status_code: 404}}
        - name: json error
          uri: {{url: "{http_server.url}/status/503", status_code: 503}}
        - name: fine
          uri: {{url: "{http_server.url}/api/echo"}}
        """
    )
    run = project.run()
    assert run.rc == 0, run.output
    assert "404" in run.result("expected error")["body"]
    assert "body" not in run.result("json error")
    assert run.result("json error")["json"] == {"status": 503}
    assert "body" not in run.result("fine")
