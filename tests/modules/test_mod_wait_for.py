"""wait_for end to end: a real listening socket, files appearing and going, clear timeouts."""

from __future__ import annotations

import socket
import threading
import time

from modtools import Project, free_port


def _later(seconds: float, action: object) -> None:
    def body() -> None:
        time.sleep(seconds)
        action()  # type: ignore[operator]

    threading.Thread(target=body, daemon=True).start()


def test_wait_for_port_started_and_stopped(project: Project, listening: socket.socket) -> None:
    port = listening.getsockname()[1]
    closed = free_port()
    project.play(
        f"""
        - name: port up
          wait_for: {{host: 127.0.0.1, port: {port}, timeout: 10, sleep: 1}}
          register: up
        - name: port down
          wait_for: {{port: {closed}, state: stopped, timeout: 5, sleep: 1}}
        - name: check
          assert: {{that: [up.port == {port}, up.elapsed is defined]}}
        """
    )
    run = project.run()
    assert run.rc == 0, run.output
    assert run.status("port up") == "ok"
    assert run.status("port down") == "ok"
    assert project.run().recap()["changed"] == 0


def test_wait_for_file_appears_with_content(project: Project) -> None:
    marker = project.path("ready.log")
    _later(0.7, lambda: marker.write_text("booting\nREADY on 8080\n"))
    project.play(
        """
        - name: ready
          wait_for: {path: $T/ready.log, search_regex: 'READY on (\\d+)', timeout: 15, sleep: 1}
          register: r
        - name: gone
          wait_for: {path: $T/never.txt, state: absent, timeout: 2, sleep: 1}
        """
    )
    run = project.run()
    assert run.rc == 0, run.output
    result = run.result("ready")
    assert result["match_groups"] == ["8080"]
    assert run.status("gone") == "ok"


def test_wait_for_check_mode_does_not_wait(project: Project) -> None:
    project.play(f"- {{name: wait, wait_for: {{port: {free_port()}, timeout: 30}}}}")
    started = time.monotonic()
    run = project.run("-C")
    assert time.monotonic() - started < 20
    assert run.status("wait") == "skipped"


def test_wait_for_timeout_is_a_clear_failure(project: Project) -> None:
    port = free_port()
    project.play(
        f"""
        - name: never up
          wait_for: {{host: 127.0.0.1, port: {port}, timeout: 1, sleep: 1}}
          ignore_errors: true
        - name: custom message
          wait_for: {{path: $T/nothing, timeout: 1, msg: "the app never wrote its pid"}}
          ignore_errors: true
        - name: bad state
          wait_for: {{port: {port}, state: sleeping}}
          ignore_errors: true
        """
    )
    run = project.run()
    never = run.result("never up")
    assert never["msg"] == f"Timeout when waiting for 127.0.0.1:{port}"
    assert never["elapsed"] >= 1
    assert run.result("custom message")["msg"] == "the app never wrote its pid"
    assert "value of state must be one of" in run.result("bad state")["msg"]


def test_wait_for_takes_whole_seconds(project: Project) -> None:
    """As ansible-core: timeout/delay/sleep are ints ("1" converts, 1.5 is refused with
    its words); elapsed is whole seconds."""
    project.play(
        """
        - name: string
          wait_for: {timeout: "1"}
        - name: fraction
          wait_for: {timeout: 1.5}
          ignore_errors: true
        - name: string fraction
          wait_for: {timeout: 1, sleep: "0.5", path: $T/nothing}
          ignore_errors: true
        """
    )
    run = project.run()
    assert run.rc == 0, run.output
    assert run.result("string")["elapsed"] == 1
    assert run.result("fraction")["msg"] == (
        "argument 'timeout' is of type float and we were unable to convert to int: "
        '"1.5" cannot be converted to an int'
    )
    assert run.result("string fraction")["msg"] == (
        "argument 'sleep' is of type str and we were unable to convert to int: "
        "\"'0.5'\" cannot be converted to an int"
    )
