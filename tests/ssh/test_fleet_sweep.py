"""Fleet playbooks over the loopback sshd: serial, meta and async as ansible-core runs them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from loopback_sshd import Sshd


def _recap(stdout: str) -> dict[str, str]:
    """Each host's recap line, spaces squeezed."""
    return {
        m.group(1): " ".join(m.group(2).split())
        for m in re.finditer(r"^(\S+)\s+: (ok=.*)$", stdout, re.MULTILINE)
    }


def test_end_batch_ends_the_serial_batch_only(sshd: Sshd, longplay, write, tmp_path: Path) -> None:
    sshd.write_inventory(tmp_path / "hosts.ini", count=5)
    write(
        "site.yml",
        """
        - hosts: all
          gather_facts: false
          serial: 2
          tasks:
            - command: echo {{ inventory_hostname }}
              notify: h
            # acts once for the batch, on its first host's condition
            - meta: end_batch
              when: inventory_hostname in ['host01', 'host04']
            - debug: msg="batch {{ ansible_play_batch | join(',') }}"
          handlers:
            - name: h
              debug: msg=handler
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert run.stdout.count("PLAY [all]") == 3
    assert run.stdout.count("RUNNING HANDLER [h]") == 2  # not for the ended batch
    assert '"msg": "batch host03,host04"' in run.stdout
    assert "skipping: [host03]" in run.stdout and "skipping: [host05]" in run.stdout
    recap = _recap(run.stdout)
    for host in ("host01", "host02"):
        assert recap[host].startswith("ok=1 changed=1 "), recap
    for host in ("host03", "host04", "host05"):
        assert recap[host].startswith("ok=3 changed=1 "), recap


def test_delegated_loop_items_register_no_display_hints(
    sshd: Sshd, longplay, write, tmp_path: Path
) -> None:
    sshd.write_inventory(tmp_path / "hosts.ini", count=2)
    write(
        "site.yml",
        """
        - hosts: host01
          gather_facts: false
          tasks:
            - command: echo {{ item }}
              loop: [1, 2]
              delegate_to: "{{ 'host02' if item == 1 else 'localhost' }}"
              register: out
            - copy:
                content: "{{ out | to_json }}"
                dest: "{{ playbook_dir }}/out.json"
              delegate_to: localhost
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "changed: [host01 -> host02(127.0.0.1)] => (item=1)" in run.stdout
    assert "changed: [host01 -> localhost] => (item=2)" in run.stdout
    items = json.loads((tmp_path / "out.json").read_text())["results"]
    assert [item["stdout"] for item in items] == ["1", "2"]
    assert not [key for item in items for key in item if key.startswith("_ansible")], items


def test_unreachable_delegate_is_named_without_its_address(
    sshd: Sshd, longplay, write, tmp_path: Path
) -> None:
    inventory = sshd.inventory_text(count=2) + (
        "dead01 ansible_host=127.0.0.1 ansible_port=1 ansible_user=root\n"
    )
    (tmp_path / "hosts.ini").write_text(inventory)
    write(
        "site.yml",
        """
        - hosts: host01,host02
          gather_facts: false
          tasks:
            - ping:
              delegate_to: dead01
              ignore_unreachable: true
            - ping:
              delegate_to: dead01
              run_once: true
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 4, run.output
    for host in ("host01", "host02"):
        assert f"fatal: [{host} -> dead01]: UNREACHABLE! =>" in run.stdout, run.stdout
    assert run.stdout.count("-> dead01]: UNREACHABLE!") == 3, run.stdout
    assert "...ignoring" in run.stdout


def test_loop_with_an_unreachable_delegate_ignored(
    sshd: Sshd, longplay, write, tmp_path: Path
) -> None:
    inventory = sshd.inventory_text(count=2) + (
        "dead01 ansible_host=127.0.0.1 ansible_port=1 ansible_user=root\n"
    )
    (tmp_path / "hosts.ini").write_text(inventory)
    write(
        "site.yml",
        """
        - hosts: host01
          gather_facts: false
          tasks:
            - command: echo {{ item }}
              loop: [1, 2]
              delegate_to: "{{ 'dead01' if item == 1 else 'host02' }}"
              ignore_unreachable: true
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    assert "failed: [host01 -> dead01] (item=1) =>" in run.stdout
    assert "changed: [host01 -> host02(127.0.0.1)] => (item=2)" in run.stdout
    # the loop's verdict names the delegate as written, its items without internal keys
    summary = next(line for line in run.stdout.splitlines() if "All items completed" in line)
    assert summary.startswith(
        "fatal: [host01 -> {{ 'dead01' if item == 1 else 'host02' }}]: UNREACHABLE! => "
    ), summary
    assert "_ansible" not in summary and "ErrorCause" not in summary, summary
    # ignored unreachable: ok and ignored, not changed (though one item changed)
    assert _recap(run.stdout)["host01"].startswith("ok=1 changed=0 unreachable=0 failed=0 "), (
        run.stdout
    )


def test_any_errors_fatal_sends_hosts_done_with_the_block_to_its_rescue(
    sshd: Sshd, longplay, write, tmp_path: Path
) -> None:
    sshd.write_inventory(tmp_path / "hosts.ini", count=4)
    write(
        "site.yml",
        """
        - hosts: all
          gather_facts: false
          serial: 2
          any_errors_fatal: true
          tasks:
            - block:
                - command: echo hi
                # host04 skips the block's last task as host03 fails it
                - fail:
                  when: inventory_hostname == 'host03'
              rescue:
                - debug: msg="rescued {{ inventory_hostname }}"
            - command: echo after
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 0, run.output
    for host in ("host03", "host04"):
        assert f'"msg": "rescued {host}"' in run.stdout, run.stdout
    assert run.stdout.count("changed: [host04]") == 2, run.stdout
    recap = _recap(run.stdout)
    assert recap["host03"].startswith("ok=3 changed=2 unreachable=0 failed=0 skipped=0 rescued=1")
    assert recap["host04"].startswith("ok=3 changed=2 unreachable=0 failed=0 skipped=1 rescued=0")


def test_hosts_ended_in_an_earlier_batch_count_in_play_hosts_again(
    sshd: Sshd, longplay, write, tmp_path: Path
) -> None:
    sshd.write_inventory(tmp_path / "hosts.ini", count=4)
    write(
        "site.yml",
        """
        - hosts: all
          gather_facts: false
          serial: 2
          tasks:
            - fail:
              when: inventory_hostname == 'host01'
            - meta: end_host
              when: inventory_hostname == 'host02'
            - debug: msg="left {{ ansible_play_hosts | join(',') }}"
        """,
    )
    run = longplay("run", "-i", "hosts.ini", "site.yml", cwd=tmp_path)
    assert run.rc == 2, run.output
    # host01 failed: out for good; host02 ended: out of its own batch only
    assert '"msg": "left host02,host03,host04"' in run.stdout, run.stdout
