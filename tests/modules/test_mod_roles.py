"""Roles end to end: files/, templates/, defaults/, vars/, handlers/, meta deps, includes, library/."""

from __future__ import annotations

from modtools import Project, tree

COUNTER = """\
import json, os, sys
args = json.load(open(sys.argv[1]))
path, value = args["path"], str(args["value"])
changed = not os.path.exists(path) or open(path).read() != value
if changed and not args.get("_ansible_check_mode"):
    open(path, "w").write(value)
print(json.dumps({"changed": changed, "where": args.get("where", "")}))
"""

SITE = """
- hosts: localhost
  gather_facts: false
  roles:
    - role: web
      vars: {web_port: 8080}
  tasks:
    - name: include extra
      include_role: {name: web, tasks_from: extra}
      vars: {extra_name: included}
    - name: import extra
      import_role: {name: web, tasks_from: extra}
      vars: {extra_name: imported}
    - name: playbook library module
      counter: {path: $T/out/playbook-counter, value: 7}
"""


def _role_project(project: Project) -> None:
    project.write("site.yml", SITE)
    project.path("out").mkdir()
    project.write("files/motd", "playbook motd\n")
    project.write("files/only-in-playbook.txt", "from the playbook's files/\n")
    project.write("library/counter.py", COUNTER)
    project.write("roles/web/defaults/main.yml", "web_port: 80\nweb_user: nobody\n")
    project.write("roles/web/vars/main.yml", "web_user: www\n")
    project.write("roles/web/files/motd", "role motd\n")
    project.write("roles/web/templates/web.conf.j2", "port={{ web_port }} user={{ web_user }}\n")
    project.write("roles/web/library/role_counter.py", COUNTER)
    project.write(
        "roles/web/tasks/main.yml",
        """
        - name: motd
          copy: {src: motd, dest: $T/out/motd}
          notify: restart web
        - name: config
          template: {src: web.conf.j2, dest: $T/out/web.conf}
          notify: restart web
        - name: fallback to the playbook's files
          copy: {src: only-in-playbook.txt, dest: $T/out/fallback.txt}
        - name: role library module
          role_counter: {path: $T/out/role-counter, value: "{{ web_port }}"}
        """,
    )
    project.write(
        "roles/web/tasks/extra.yml",
        """
        - name: extra file
          copy: {content: "{{ extra_name }} {{ web_user }}\\n", dest: "$T/out/{{ extra_name }}.txt"}
        """,
    )
    project.write(
        "roles/web/handlers/main.yml",
        """
        - name: restart web
          copy: {content: "restarted on {{ web_port }}\\n", dest: $T/out/restarted}
        """,
    )


def test_role_layout_end_to_end(project: Project) -> None:
    _role_project(project)
    first = project.run()
    assert first.rc == 0, first.output
    out = project.path("out")
    assert tree(out) == {
        "motd": "role motd\n",
        "web.conf": "port=8080 user=www\n",
        "fallback.txt": "from the playbook's files/\n",
        "role-counter": "8080",
        # the handler last loaded under the name runs (the tasks import, without web_port)
        "restarted": "restarted on 80\n",
        "included.txt": "included www\n",
        "imported.txt": "imported www\n",
        "playbook-counter": "7",
    }
    order = [e["task"] for e in first.events if e.get("event") == "host_result"]
    assert order.index("web : motd") < order.index("web : config")
    assert order.index("web : restart web") > order.index("web : config")
    second = project.run()
    assert second.rc == 0, second.output
    assert second.recap()["changed"] == 0
    handlers = [e for e in second.events if e.get("task") == "web : restart web"]
    assert handlers == []


def test_role_meta_dependency_runs_first(project: Project) -> None:
    _role_project(project)
    project.write("roles/web/meta/main.yml", "dependencies:\n  - role: common\n")
    project.write(
        "roles/common/tasks/main.yml",
        """
        - name: common marker
          copy: {content: "common ran\\n", dest: $T/out/common.txt}
        """,
    )
    run = project.run()
    assert run.rc == 0, run.output
    assert project.path("out/common.txt").read_text() == "common ran\n"
    order = [e["task"] for e in run.events if e.get("event") == "host_result"]
    assert order.index("common : common marker") < order.index("web : motd")
    # include_role and import_role apply web again, not its dependency (already applied)
    assert order.count("common : common marker") == 1
    assert order.count("web : extra file") == 2


def test_roles_apply_in_run_order_so_play_roles_keep_their_handlers(project: Project) -> None:
    """A role imported in tasks after the play's roles runs again, and its handler (shared
    with the play's role) still runs, after the play's own handlers."""
    project.write("roles/hr/tasks/main.yml", "- {name: poke, command: echo, notify: h_role}\n")
    project.write("roles/hr/handlers/main.yml", "- {name: h_role, debug: {msg: role}}\n")
    project.write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          roles: [hr]
          tasks:
            - {name: play poke, command: echo, notify: h_play}
            - {name: again, import_role: {name: hr}}
          handlers:
            - {name: h_play, debug: {msg: play}}
        """,
    )
    run = project.run()
    assert run.rc == 0, run.output
    order = [e["task"] for e in run.events if e.get("event") == "host_result"]
    assert order == ["hr : poke", "play poke", "hr : poke", "h_play", "hr : h_role"]


def test_role_check_mode_changes_nothing(project: Project) -> None:
    _role_project(project)
    run = project.run("-C")
    assert run.rc == 0, run.output
    assert run.status("web : motd") == "changed"
    assert tree(project.path("out")) == {}


def test_role_diff_mode_on_changed_template(project: Project) -> None:
    _role_project(project)
    assert project.run().rc == 0
    project.write("roles/web/templates/web.conf.j2", "port={{ web_port }}\n")
    run = project.run("-D")
    diff = run.result("web : config")["diff"][0]
    assert (diff["before"], diff["after"]) == ("port=8080 user=www\n", "port=8080\n")
    assert run.status("web : restart web") == "ok"  # notified, ran, nothing new to write


def test_missing_role_and_missing_role_file(project: Project) -> None:
    project.write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          roles: [nowhere]
        """,
    )
    run = project.run()
    assert run.rc == 1  # an error, as ansible-core's (not a parse error)
    assert "the role 'nowhere' was not found" in run.output
    project.write(
        "roles/thin/tasks/main.yml", "- {name: copy, copy: {src: absent.txt, dest: /tmp/x}}\n"
    )
    project.write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          roles: [thin]
        """,
    )
    run = project.run()
    assert run.rc == 2
    msg = run.result("thin : copy")["msg"]
    assert f"{project.root}/roles/thin/files/absent.txt" in msg
    assert f"{project.root}/files/absent.txt" in msg


def test_static_roles_show_their_defaults_and_vars_to_the_play(project: Project) -> None:
    """As ansible-core: roles of ``roles:`` and import_role (even before it) expose their
    defaults and vars (not their params) to the whole play; role vars beat play vars;
    include_role shows them only with ``public: true``, after it ran."""
    project.write("roles/r/defaults/main.yml", "r_default: d\n")
    project.write("roles/r/vars/main.yml", "r_var: v\n")
    project.write("roles/r/tasks/main.yml", "- {name: in role, debug: {msg: x}}\n")
    project.write(
        "site.yml",
        """
        - hosts: localhost
          gather_facts: false
          vars: {r_var: play}
          roles:
            - {role: r, r_param: p}
          tasks:
            - {name: after roles, debug: {msg: "{{ r_default }} {{ r_var }} {{ r_param | default('none') }}"}}
        - hosts: localhost
          gather_facts: false
          tasks:
            - {name: before import, debug: {msg: "{{ r_default }} {{ r_var }}"}}
            - import_role: {name: r}
        - hosts: localhost
          gather_facts: false
          tasks:
            - {name: before include, debug: {msg: "{{ r_default | default('hidden') }}"}}
            - include_role: {name: r, public: true}
            - {name: after include, debug: {msg: "{{ r_default }} {{ r_var }}"}}
        """,
    )
    run = project.run()
    assert run.rc == 0, run.output
    msgs = {
        e["task"]: e["result"].get("msg") for e in run.events if e.get("event") == "host_result"
    }
    assert msgs["after roles"] == "d v none"
    assert msgs["before import"] == "d v"
    assert msgs["before include"] == "hidden"
    assert msgs["after include"] == "d v"
