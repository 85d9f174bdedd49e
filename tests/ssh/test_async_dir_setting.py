"""The controller's async_dir setting (ANSIBLE_ASYNC_DIR, ansible.cfg) holds for SSH hosts."""

from __future__ import annotations

from pathlib import Path

from loopback_sshd import Sshd, _ini_value


def test_controller_async_dir_reaches_ssh_hosts(
    sshd: Sshd, longplay, write, tmp_path: Path
) -> None:
    variables = sshd.host_vars("host01")
    variables.pop("inventory_hostname")
    variables.pop("ansible_async_dir")  # the setting comes from the controller only
    line = "host01" + "".join(f" {k}={_ini_value(v)}" for k, v in variables.items())
    write("hosts.ini", line + "\n")
    jobs_dir = tmp_path / "controller-async"
    write(
        "site.yml",
        """
        - hosts: host01
          gather_facts: false
          tasks:
            - command: "true"
              async: 10
              poll: 0
              register: job
            - async_status:
                jid: "{{ job.ansible_job_id }}"
              register: status
              until: status is finished
              retries: 20
              delay: 0.2
            - debug:
                msg: "{{ status.results_file }}"
        """,
    )
    run = longplay(
        "run",
        "-i",
        "hosts.ini",
        "site.yml",
        "--json",
        cwd=tmp_path,
        env={"ANSIBLE_ASYNC_DIR": str(jobs_dir)},
    )
    assert run.rc == 0, run.output
    job_file = Path(run.results("debug")[0]["result"]["msg"])
    assert job_file.parent == jobs_dir
    assert job_file.is_file()
