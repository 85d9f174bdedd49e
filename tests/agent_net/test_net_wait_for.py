"""wait_for on real sockets and files, with short timeouts."""

from __future__ import annotations

import socket
from pathlib import Path

from nettools import Run, free_port, later, listen

FAST = {"sleep": 1, "connect_timeout": 1}


def test_port_that_opens_after_a_delay(run: Run) -> None:
    port = free_port()
    holder: list[socket.socket] = []
    later(0.4, lambda: holder.append(listen(port)))
    try:
        result = run("wait_for", {"port": port, "timeout": 5, **FAST})
    finally:
        for sock in holder:
            sock.close()
    assert result.get("failed") is not True, result
    assert result["state"] == "started"
    assert result["port"] == port
    assert result["path"] is None
    assert result["match_groups"] == [] and result["match_groupdict"] == {}


def test_closed_port_times_out_with_the_reference_message(run: Run) -> None:
    port = free_port()
    result = run("wait_for", {"port": port, "timeout": 1, **FAST})
    assert result["failed"] is True
    assert result["msg"] == f"Timeout when waiting for 127.0.0.1:{port}"
    assert result["elapsed"] >= 1
    custom = run("wait_for", {"port": port, "timeout": 0, "msg": "service never came up"})
    assert custom["msg"] == "service never came up"


def test_port_banner_search_regex(run: Run) -> None:
    port = free_port()
    server = listen(port)

    def greet() -> None:
        for _ in range(3):
            conn, _ = server.accept()
            conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
            conn.close()

    later(0, greet)
    try:
        found = run(
            "wait_for", {"port": port, "search_regex": r"OpenSSH_(?P<version>[\d.]+)", **FAST}
        )
        missing = run("wait_for", {"port": port, "search_regex": "nginx", "timeout": 1, **FAST})
    finally:
        server.close()
    assert found["match_groupdict"] == {"version": "9.6"}
    assert found["match_groups"] == ["9.6"]
    assert missing["msg"] == f"Timeout when waiting for search string nginx in 127.0.0.1:{port}"


def test_file_that_appears(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "ready"
    later(0.3, lambda: target.write_text("started pid=42\n"))
    result = run("wait_for", {"path": str(target), "timeout": 5, **FAST})
    assert result.get("failed") is not True, result
    assert result["path"] == str(target)
    assert result["state"] == "file"  # the file's stat keys, as in Ansible
    assert result["size"] == len("started pid=42\n")


def test_file_search_regex_and_its_timeout(run: Run, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("booting\n")
    later(0.3, lambda: log.write_text("booting\nlistening on port 8080\n"))
    result = run(
        "wait_for",
        {"path": str(log), "search_regex": r"^listening on port (\d+)$", "timeout": 5, **FAST},
    )
    assert result["match_groups"] == ["8080"]
    missing = run("wait_for", {"path": str(log), "search_regex": "crashed", "timeout": 1, **FAST})
    assert missing["msg"] == f"Timeout when waiting for search string crashed in {log}"
    nofile = run("wait_for", {"path": str(tmp_path / "nope"), "timeout": 1, **FAST})
    assert nofile["msg"] == f"Timeout when waiting for file {tmp_path / 'nope'}"


def test_file_absent(run: Run, tmp_path: Path) -> None:
    lock = tmp_path / "lock"
    lock.write_text("")
    stuck = run("wait_for", {"path": str(lock), "state": "absent", "timeout": 1, **FAST})
    assert stuck["msg"] == f"Timeout when waiting for {lock} to be absent."
    later(0.3, lock.unlink)
    result = run("wait_for", {"path": str(lock), "state": "absent", "timeout": 5, **FAST})
    assert result.get("failed") is not True, result
    assert result["state"] == "absent"


def test_port_stopped(run: Run) -> None:
    port = free_port()
    server = listen(port)
    try:
        stuck = run("wait_for", {"port": port, "state": "stopped", "timeout": 1, **FAST})
        assert stuck["msg"] == f"Timeout when waiting for 127.0.0.1:{port} to stop."
        later(0.3, server.close)
        result = run("wait_for", {"port": port, "state": "stopped", "timeout": 5, **FAST})
    finally:
        server.close()
    assert result.get("failed") is not True, result
    assert result["state"] == "stopped"


def test_drained_counts_active_connections(run: Run) -> None:
    port = free_port()
    server = listen(port)
    try:
        idle = run("wait_for", {"port": port, "state": "drained", "timeout": 1, **FAST})
        assert idle.get("failed") is not True, idle
        client = socket.create_connection(("127.0.0.1", port))
        conn, _ = server.accept()
        busy = run("wait_for", {"port": port, "state": "drained", "timeout": 1, **FAST})
        assert busy["msg"] == f"Timeout when waiting for 127.0.0.1:{port} to drain"
        excluded = run(
            "wait_for",
            {
                "port": port,
                "state": "drained",
                "exclude_hosts": ["127.0.0.1"],
                "timeout": 1,
                **FAST,
            },
        )
        assert excluded.get("failed") is not True, excluded
        client.close()
        conn.close()
    finally:
        server.close()


def test_delay_and_plain_timeout_without_a_target(run: Run) -> None:
    result = run("wait_for", {"timeout": 1, "delay": 1})
    assert result.get("failed") is not True
    assert result["port"] is None and result["path"] is None


def test_check_mode_is_skipped(run: Run) -> None:
    result = run("wait_for", {"port": free_port(), "timeout": 30}, check=True)
    assert result["skipped"] is True


def test_bad_input_fails_cleanly(run: Run, tmp_path: Path) -> None:
    both = run("wait_for", {"port": 80, "path": str(tmp_path)})
    assert both["msg"] == "port and path parameter can not both be passed to wait_for"
    stopped = run("wait_for", {"path": str(tmp_path), "state": "stopped"})
    assert stopped["msg"] == (
        "state=stopped should only be used for checking a port in the wait_for module"
    )
    exclude = run("wait_for", {"port": 80, "exclude_hosts": ["10.0.0.1"]})
    assert exclude["msg"] == "exclude_hosts should only be with state=drained"
    regex = run("wait_for", {"path": str(tmp_path), "search_regex": "("})
    assert regex["msg"].startswith("search_regex '(' is not a valid regular expression")
    state = run("wait_for", {"port": 80, "state": "up"})
    assert state["msg"].startswith("value of state must be one of:")
    port = run("wait_for", {"port": "http"})
    assert "port" in port["msg"] and port["failed"] is True
