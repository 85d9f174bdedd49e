"""uri against a real loopback HTTP server."""

from __future__ import annotations

from pathlib import Path

import pytest
from nettools import PASSWORD, USER, LoopbackServer, Run


def test_get_json(server: LoopbackServer, run: Run) -> None:
    result = run("uri", {"url": f"{server.url}/echo"})
    assert result["changed"] is False
    assert result["status"] == 200
    assert result["json"]["method"] == "GET"
    assert "content" not in result  # only with return_content, as in Ansible
    assert result["msg"].startswith("OK (") and result["msg"].endswith(" bytes)")
    assert result["content_type"] == "application/json"
    assert result["x_test_header"] == "yes"
    assert result["cookies"] == {"session": "abc123"}
    assert result["cookies_string"] == "session=abc123"
    assert result["redirected"] is False
    assert result["url"] == f"{server.url}/echo"
    assert isinstance(result["elapsed"], int)


def test_return_content_decodes_the_charset(server: LoopbackServer, run: Run) -> None:
    result = run("uri", {"url": f"{server.url}/text", "return_content": True})
    assert result["content"] == "héllo wörld\n"
    assert "json" not in result


def test_post_json_and_form(server: LoopbackServer, run: Run) -> None:
    posted = run(
        "uri",
        {
            "url": f"{server.url}/echo",
            "method": "POST",
            "body": {"a": [1, 2]},
            "body_format": "json",
        },
    )
    assert posted["json"]["body"] == '{"a": [1, 2]}'
    assert posted["json"]["headers"]["content-type"] == "application/json"
    form = run(
        "uri",
        {
            "url": f"{server.url}/echo",
            "method": "POST",
            "body": {"name": "a b", "tag": ["x", "y"]},
            "body_format": "form-urlencoded",
        },
    )
    assert form["json"]["body"] == "name=a+b&tag=x&tag=y"
    assert form["json"]["headers"]["content-type"] == "application/x-www-form-urlencoded"
    raw = run(
        "uri",
        {
            "url": f"{server.url}/echo",
            "method": "PUT",
            "body": "plain text",
            "headers": {"Content-Type": "text/plain", "X-Extra": "1"},
        },
    )
    assert raw["json"]["method"] == "PUT"
    assert raw["json"]["body"] == "plain text"
    assert raw["json"]["headers"]["x-extra"] == "1"


def test_status_code_lists(server: LoopbackServer, run: Run) -> None:
    accepted = run("uri", {"url": f"{server.url}/status/404", "status_code": [200, 404]})
    assert accepted.get("failed") is not True
    assert accepted["status"] == 404
    assert accepted["msg"] == "HTTP Error 404: Not Found"
    assert accepted["json"] == {"status": 404}
    as_text = run("uri", {"url": f"{server.url}/status/201", "status_code": "200, 201"})
    assert as_text["status"] == 201
    wrong = run("uri", {"url": f"{server.url}/echo", "status_code": 201})
    assert wrong["failed"] is True
    assert wrong["msg"].startswith("Status code was 200 and not [201]: OK (")


def test_failure_messages_match_the_reference(server: LoopbackServer, run: Run) -> None:
    error = run("uri", {"url": f"{server.url}/status/500"})
    assert error["failed"] is True
    assert (
        error["msg"] == "Status code was 500 and not [200]: HTTP Error 500: Internal Server Error"
    )
    assert error["status"] == 500
    assert error["json"] == {"status": 500}
    refused = run("uri", {"url": "http://127.0.0.1:9/"})
    assert refused["status"] == -1
    assert refused["msg"].startswith(
        "Status code was -1 and not [200]: Request failed: <urlopen error [Errno 111]"
    )
    slow = run("uri", {"url": f"{server.url}/slow/3", "timeout": 1})
    assert slow["status"] == -1
    assert slow["msg"] == "Status code was -1 and not [200]: Connection failure: timed out"


def test_redirects(server: LoopbackServer, run: Run) -> None:
    followed = run("uri", {"url": f"{server.url}/redirect/302?to=/echo"})
    assert followed["status"] == 200
    assert followed["redirected"] is True
    assert followed["url"] == f"{server.url}/echo"
    held = run("uri", {"url": f"{server.url}/redirect/302", "follow_redirects": "none"})
    assert held["msg"] == "Status code was 302 and not [200]: HTTP Error 302: Found"
    assert held["location"] == f"{server.url}/echo"
    ok = run(
        "uri", {"url": f"{server.url}/redirect/301", "follow_redirects": "none", "status_code": 301}
    )
    assert ok["status"] == 301


@pytest.mark.parametrize(
    ("policy", "code", "expected"),
    [
        ("safe", 302, None),  # safe: never for POST
        ("urllib2", 302, "GET"),  # urllib2: POST becomes GET on 301/302/303
        ("urllib2", 307, None),
        ("all", 302, "GET"),
        ("all", 307, "POST"),  # 307/308 keep the method and the body
        ("all", 308, "POST"),
    ],
)
def test_redirect_policies_for_post(
    server: LoopbackServer, run: Run, policy: str, code: int, expected: str | None
) -> None:
    result = run(
        "uri",
        {
            "url": f"{server.url}/redirect/{code}?to=/echo",
            "method": "POST",
            "body": "data",
            "follow_redirects": policy,
        },
    )
    if expected is None:
        assert result["status"] == code and result["failed"] is True
    else:
        assert result["status"] == 200
        assert result["json"]["method"] == expected
        assert result["json"]["body"] == ("data" if expected == "POST" else "")


def test_dest_saves_the_body_idempotently(server: LoopbackServer, run: Run, tmp_path: Path) -> None:
    (server.root / "page.html").write_text("<p>hi</p>")
    dest = tmp_path / "page.html"
    first = run("uri", {"url": f"{server.url}/page.html", "dest": str(dest), "mode": "0640"})
    assert first["changed"] is True
    assert first["path"] == str(dest)
    assert dest.read_text() == "<p>hi</p>"
    assert (dest.stat().st_mode & 0o777) == 0o640
    second = run("uri", {"url": f"{server.url}/page.html", "dest": str(dest), "mode": "0640"})
    assert second["changed"] is False


def test_creates_and_removes_skip_the_request(
    server: LoopbackServer, run: Run, tmp_path: Path
) -> None:
    marker = tmp_path / "done"
    marker.write_text("")
    skipped = run("uri", {"url": f"{server.url}/echo", "creates": str(marker)})
    assert skipped["changed"] is False
    assert skipped["stdout"] == f"skipped, since '{marker}' exists"
    gone = run("uri", {"url": f"{server.url}/echo", "removes": str(tmp_path / "nope")})
    assert gone["stdout"] == f"skipped, since '{tmp_path / 'nope'}' does not exist"
    assert server.requests == []


def test_check_mode_skips_without_a_request(server: LoopbackServer, run: Run) -> None:
    result = run("uri", {"url": f"{server.url}/echo", "method": "DELETE"}, check=True)
    assert result["skipped"] is True
    assert server.requests == []


def test_basic_auth(server: LoopbackServer, run: Run) -> None:
    url = f"{server.url}/auth"
    assert run("uri", {"url": url, "url_username": USER, "url_password": PASSWORD})["status"] == 200
    forced = run("uri", {"url": url, "user": USER, "password": PASSWORD, "force_basic_auth": True})
    assert forced["json"] == {"user": USER}
    assert len([p for p in server.paths() if p == "/auth"]) == 3  # challenge + retry + forced
    in_url = run("uri", {"url": url.replace("http://", f"http://{USER}:{PASSWORD}@")})
    assert in_url["status"] == 200
    assert run("uri", {"url": url})["status"] == 401


def test_bad_input_fails_cleanly(run: Run, tmp_path: Path) -> None:
    raw_dict = run("uri", {"url": "http://127.0.0.1:9/", "body": {"a": 1}})
    assert raw_dict["failed"] is True
    assert raw_dict["msg"].startswith("body must be a string when body_format is raw")
    assert run("uri", {"url": "not a url"})["msg"] == "unknown url type: 'not a url'"
    bad_choice = run("uri", {"url": "http://x/", "follow_redirects": "sometimes"})
    assert bad_choice["msg"].startswith("value of follow_redirects must be one of:")
    bad_code = run("uri", {"url": "http://x/", "status_code": "ok"})
    assert "status_code" in bad_code["msg"]
    multipart = run("uri", {"url": "http://x/", "body": {}, "body_format": "form-multipart"})
    assert multipart["msg"] == "body_format=form-multipart is not available in longplay"
