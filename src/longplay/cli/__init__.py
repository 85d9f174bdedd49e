"""The command line: ``longplay run``, ``longplay adhoc``."""
