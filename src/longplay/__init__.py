"""longplay: run Ansible-style playbooks fast, with long-running work as first-class jobs.

This module stays import-free on purpose: it is shipped to target hosts inside
the agent bundle, and `longplay --version` must answer without loading Jinja2,
YAML or rich.
"""

__version__ = "0.1.0"
