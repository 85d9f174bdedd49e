"""Templating: Jinja2 with Ansible's semantics (see ``templar``)."""
