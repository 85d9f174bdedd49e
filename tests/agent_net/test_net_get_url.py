"""get_url against a real loopback HTTP server and real files."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from nettools import PASSWORD, USER, LoopbackServer, Run


def publish(server: LoopbackServer, name: str, data: bytes, age: float = 100) -> str:
    """Put a file on the server (mtime in the past) and return its URL."""
    path = server.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return f"{server.url}/{name}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_download_then_second_run_is_unchanged(
    server: LoopbackServer, run: Run, tmp_path: Path
) -> None:
    url = publish(server, "pkg.tar", b"payload" * 100)
    dest = tmp_path / "pkg.tar"
    first = run("get_url", {"url": url, "dest": str(dest)})
    assert first["changed"] is True
    assert dest.read_bytes() == b"payload" * 100
    assert first["status_code"] == 200
    assert first["msg"] == "OK (700 bytes)"
    assert first["size"] == 700
    assert first["checksum_src"] == hashlib.sha1(b"payload" * 100).hexdigest()
    assert first["checksum_dest"] is None
    assert first["md5sum"] == hashlib.md5(b"payload" * 100).hexdigest()
    assert first["dest"] == str(dest)
    assert first["url"] == url
    assert isinstance(first["elapsed"], int)
    second = run("get_url", {"url": url, "dest": str(dest)})
    assert second["changed"] is False
    assert second["status_code"] == 304  # revalidated with If-Modified-Since
    assert "If-Modified-Since" in server.requests[-1][2]


def test_new_content_on_the_server_is_downloaded_again(
    server: LoopbackServer, run: Run, tmp_path: Path
) -> None:
    dest = tmp_path / "f.txt"
    url = publish(server, "f.txt", b"one", age=1000)
    assert run("get_url", {"url": url, "dest": str(dest)})["changed"] is True
    publish(server, "f.txt", b"two", age=-1000)  # newer than dest
    result = run("get_url", {"url": url, "dest": str(dest)})
    assert result["changed"] is True
    assert dest.read_bytes() == b"two"


def test_same_content_without_304_support_is_unchanged(
    server: LoopbackServer, run: Run, tmp_path: Path
) -> None:
    dest = tmp_path / "r.csv"
    url = f"{server.url}/named"
    assert run("get_url", {"url": url, "dest": str(dest)})["changed"] is True
    result = run("get_url", {"url": url, "dest": str(dest)})
    assert result["changed"] is False
    assert result["checksum_src"] == result["checksum_dest"]


def test_force_downloads_but_reports_unchanged_for_same_content(
    server: LoopbackServer, run: Run, tmp_path: Path
) -> None:
    url = publish(server, "f.bin", b"data")
    dest = tmp_path / "f.bin"
    run("get_url", {"url": url, "dest": str(dest)})
    result = run("get_url", {"url": url, "dest": str(dest), "force": True})
    assert result["changed"] is False
    assert result["status_code"] == 200
    assert "If-Modified-Since" not in server.requests[-1][2]


def test_checksum_verified_and_matching_file_skips_the_request(
    server: LoopbackServer, run: Run, tmp_path: Path
) -> None:
    url = publish(server, "app.bin", b"binary")
    dest = tmp_path / "app.bin"
    checksum = f"sha256:{sha256(b'binary')}"
    assert run("get_url", {"url": url, "dest": str(dest), "checksum": checksum})["changed"]
    count = len(server.requests)
    again = run("get_url", {"url": url, "dest": str(dest), "checksum": checksum})
    assert again["changed"] is False
    assert again["msg"] == "file already exists"
    assert len(server.requests) == count


def test_checksum_mismatch_fails_and_leaves_dest_alone(
    server: LoopbackServer, run: Run, tmp_path: Path
) -> None:
    url = publish(server, "app.bin", b"tampered")
    dest = tmp_path / "app.bin"
    result = run("get_url", {"url": url, "dest": str(dest), "checksum": "sha256:" + "0" * 64})
    assert result["failed"] is True
    assert "did not match" in result["msg"]
    assert sha256(b"tampered") in result["msg"]
    assert not dest.exists()
    assert not list(tmp_path.glob(".longplay-*"))


def test_checksum_from_a_checksum_file_url(
    server: LoopbackServer, run: Run, tmp_path: Path
) -> None:
    url = publish(server, "rel/tool-1.0.tgz", b"tool")
    sums = f"{sha256(b'other')}  other.tgz\n{sha256(b'tool')} *tool-1.0.tgz\n"
    sums_url = publish(server, "rel/SHA256SUMS", sums.encode())
    dest = tmp_path / "tool.tgz"
    result = run("get_url", {"url": url, "dest": str(dest), "checksum": f"sha256:{sums_url}"})
    assert result["changed"] is True
    bad = publish(server, "rel/SUMS2", f"{sha256(b'x')}  tool-1.0.tgz\n".encode())
    failed = run("get_url", {"url": url, "dest": str(tmp_path / "t2"), "checksum": f"sha256:{bad}"})
    assert failed["failed"] is True and "did not match" in failed["msg"]
    missing = publish(server, "rel/SUMS3", f"{sha256(b'x')}  nope.tgz\n".encode())
    result = run(
        "get_url", {"url": url, "dest": str(tmp_path / "t3"), "checksum": f"sha256:{missing}"}
    )
    assert result["msg"] == f"Unable to find a checksum for file 'tool-1.0.tgz' in '{missing}'"


def test_dest_directory_takes_name_from_disposition_or_url(
    server: LoopbackServer, run: Run, tmp_path: Path
) -> None:
    named = run("get_url", {"url": f"{server.url}/named", "dest": str(tmp_path)})
    assert named["dest"] == str(tmp_path / "report.csv")
    assert (tmp_path / "report.csv").read_bytes() == b"a,b\n1,2\n"
    url = publish(server, "dir/file%20name.txt".replace("%20", " "), b"x")
    by_path = run("get_url", {"url": url.replace(" ", "%20"), "dest": str(tmp_path) + "/"})
    assert by_path["dest"] == str(tmp_path / "file name.txt")


def test_file_urls(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "src.txt"
    source.write_text("local")
    dest = tmp_path / "copy.txt"
    result = run("get_url", {"url": source.as_uri(), "dest": str(dest)})
    assert result["changed"] is True
    assert result["status_code"] is None
    assert dest.read_text() == "local"
    assert run("get_url", {"url": source.as_uri(), "dest": str(dest)})["changed"] is False
    missing = run("get_url", {"url": (tmp_path / "nope").as_uri(), "dest": str(dest)})
    assert missing["failed"] is True
    assert missing["msg"].startswith("Request failed: <urlopen error")


def test_timeout_fails_with_a_clear_message(
    server: LoopbackServer, run: Run, tmp_path: Path
) -> None:
    result = run(
        "get_url", {"url": f"{server.url}/slow/3", "dest": str(tmp_path / "x"), "timeout": 1}
    )
    assert result["failed"] is True
    assert "timed out" in result["msg"]
    assert not (tmp_path / "x").exists()


def test_http_errors_and_refused_connections(
    server: LoopbackServer, run: Run, tmp_path: Path
) -> None:
    missing = run("get_url", {"url": f"{server.url}/nope", "dest": str(tmp_path / "x")})
    assert missing["failed"] is True
    assert missing["msg"] == "Request failed"
    assert missing["status_code"] == 404
    assert missing["response"].startswith("HTTP Error 404")
    refused = run("get_url", {"url": "http://127.0.0.1:9/x", "dest": str(tmp_path / "x")})
    assert refused["msg"].startswith("Request failed: <urlopen error")


def test_check_mode_changes_nothing(server: LoopbackServer, run: Run, tmp_path: Path) -> None:
    url = publish(server, "c.txt", b"check")
    dest = tmp_path / "c.txt"
    predicted = run("get_url", {"url": url, "dest": str(dest)}, check=True)
    assert predicted["changed"] is True
    assert not dest.exists()
    run("get_url", {"url": url, "dest": str(dest)})
    assert (
        run("get_url", {"url": url, "dest": str(dest), "force": True}, check=True)["changed"]
        is False
    )
    dest.write_bytes(b"local edit")
    assert run("get_url", {"url": url, "dest": str(dest), "force": True}, check=True)["changed"]
    assert dest.read_bytes() == b"local edit"


def test_mode_backup_and_headers(server: LoopbackServer, run: Run, tmp_path: Path) -> None:
    url = publish(server, "m.txt", b"new")
    dest = tmp_path / "m.txt"
    dest.write_bytes(b"old")
    result = run(
        "get_url",
        {
            "url": url,
            "dest": str(dest),
            "mode": "0600",
            "backup": True,
            "force": True,
            "headers": {"X-Token": "t0k"},
        },
    )
    assert result["changed"] is True
    assert result["mode"] == "0600"
    assert (dest.stat().st_mode & 0o777) == 0o600
    assert Path(result["backup_file"]).read_bytes() == b"old"
    assert server.requests[-1][2]["X-Token"] == "t0k"
    again = run("get_url", {"url": url, "dest": str(dest), "mode": "u=rw,g=r"})
    assert again["changed"] is True and again["mode"] == "0640"


def test_basic_auth(server: LoopbackServer, run: Run, tmp_path: Path) -> None:
    url = f"{server.url}/auth"
    challenged = run(
        "get_url",
        {"url": url, "dest": str(tmp_path / "a"), "url_username": USER, "url_password": PASSWORD},
    )
    assert challenged["changed"] is True
    forced = run(
        "get_url",
        {
            "url": url,
            "dest": str(tmp_path / "b"),
            "username": USER,
            "password": PASSWORD,
            "force_basic_auth": True,
        },
    )
    assert forced["changed"] is True
    denied = run("get_url", {"url": url, "dest": str(tmp_path / "c")})
    assert denied["status_code"] == 401


def test_bad_input_fails_cleanly(run: Run, tmp_path: Path) -> None:
    url = "http://127.0.0.1:9/x"
    cases = {
        "abc": "The checksum parameter has to be in format <algorithm>:<checksum>",
        "sha256:zz": "The checksum format is invalid",
        "nosuch:00": "Unsupported checksum algorithm 'nosuch'",
    }
    for checksum, message in cases.items():
        result = run("get_url", {"url": url, "dest": str(tmp_path / "x"), "checksum": checksum})
        assert result["failed"] is True
        assert result["msg"].startswith(message)
    nodir = run("get_url", {"url": url, "dest": str(tmp_path / "missing" / "x")})
    assert nodir["msg"] == f"Destination {tmp_path / 'missing'} does not exist"
    badurl = run("get_url", {"url": "not a url", "dest": str(tmp_path / "x")})
    assert badurl["msg"] == "unknown url type: 'not a url'"
    noargs = run("get_url", {"url": url})
    assert noargs["msg"] == "missing required arguments: dest"
