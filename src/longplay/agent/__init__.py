"""The target side: the agent, the job runner and the modules.

Everything under this package runs on managed hosts and therefore uses only
Python's standard library and stays compatible with Python 3.8.

Start-up time is paid on every host at every run, so the agent imports only
what it needs: ``typing`` is imported for the type checker alone (behind a
local ``TYPE_CHECKING = False``; importing it costs about 5 ms), and
the agent runs with ``python -S`` (no ``site``).
"""
