"""Helpers for ``bench/run.py``: tools, measurement, sshd, scenarios, reports."""
