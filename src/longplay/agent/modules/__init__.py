"""Modules that run on the target. Each file registers its modules by name.

See ``longplay.agent.registry`` for how to write one.
"""
