"""The target side: the agent, the job runner and the modules.

Everything under this package runs on managed hosts and therefore uses only
Python's standard library and stays compatible with Python 3.8.
"""
