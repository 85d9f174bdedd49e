"""A dropped SSH connection in the middle of a polled async job: the job goes on,
longplay reconnects and collects its result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from loopback_sshd import Sshd


def test_polled_job_survives_a_killed_connection(sshd: Sshd, write, tmp_path: Path) -> None:
    sshd.write_inventory(tmp_path / "hosts.ini", count=1)
    write(
        "site.yml",
        """
        - hosts: fleet
          gather_facts: false
          tasks:
            - shell: "sleep 3; echo finished"
              async: 30
              poll: 1
              register: job
            - assert:
                that: [job.stdout == "finished", job.rc == 0]
        """,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "longplay", "run", "-i", "hosts.ini", "site.yml", "--json", "-vvv"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert process.stdout is not None
    events = []
    for line in process.stdout:
        events.append(json.loads(line))
        if events[-1]["event"] == "async_progress":
            # The job is running and being watched: drop every connection to the server.
            subprocess.run(["pkill", "-9", "-P", str(sshd.process.pid)], check=False)
            break
    out, err = process.communicate(timeout=60)
    events += [json.loads(line) for line in out.splitlines()]
    assert process.returncode == 0, out + err
    assert any("reconnecting" in e.get("message", "") for e in events if e["event"] == "debug")
    recap = next(e for e in events if e["event"] == "recap")
    assert recap["hosts"]["host01"]["failed"] == 0
    assert recap["hosts"]["host01"]["unreachable"] == 0
